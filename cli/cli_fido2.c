/* sekimori fido2 enroll | list | remove (issue 3). The key is plugged into the machine the
 * CLI runs on; the broker issues the challenge and judges the attestation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_fido2.h"
#include "skf_enroll.h"

static int
ask_pin(void *arg, int retries, char *pin, size_t pinsz)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	(void)arg;
	if (retries >= 0)
		fprintf(stderr, _("Security key PIN (%d attempts left): "), retries);
	else
		fprintf(stderr, "%s", _("Security key PIN: "));
	n = getline(&line, &cap, stdin);
	if (n <= 0) {
		free(line);
		return SK_ERR_IO;
	}
	line[strcspn(line, "\r\n")] = '\0';
	n = (ssize_t)strlen(line);
	if ((size_t)n >= pinsz) {
		explicit_bzero(line, cap);
		free(line);
		return SK_ERR_RANGE;
	}
	memcpy(pin, line, (size_t)n + 1);
	explicit_bzero(line, cap);
	free(line);
	return SK_OK;
}

static void
show_cue(void *arg, enum skf_cue cue)
{
	(void)arg;
	fprintf(stderr, "%s\n", cue == SKF_CUE_BUILTIN_UV ?
	        _("Touch the fingerprint sensor of your security key.") :
	        _("Touch your security key."));
}

/* The broker's bounds (skc_fido2.h) must be the device side's. */
_Static_assert(SKC_FIDO2_CDH_LEN == SKF_CDH_LEN && SKC_FIDO2_USER_ID_MAX == SKF_USER_ID_MAX &&
               SKC_FIDO2_RP_ID_MAX == SKF_RP_ID_MAX && SKC_FIDO2_MAX_ALLOW == SKF_MAX_ALLOW &&
               SKC_FIDO2_CRED_ID_MAX == SKF_CRED_ID_MAX, "skc_fido2.h and skf_common.h differ");

static int
run_key(const struct cli *c, const char *user, const struct skc_fido2_enroll_begin_out *b,
        struct skf_enroll_result *res)
{
	struct skf_devlist *l = calloc(1, sizeof(*l));
	struct skf_cred_ref refs[SKF_MAX_ALLOW];
	struct skf_enroll_req req;
	int r;

	if (l == NULL)
		return SK_ERR_NOMEM;
	for (size_t i = 0; i < b->n_exclude; i++)
		refs[i] = (struct skf_cred_ref){ .id = b->exclude[i], .len = b->exclude_len[i] };
	memset(&req, 0, sizeof(req));
	req.rp_id = b->rp_id;
	req.rp_name = "Sekimori";
	req.user_id = b->user_handle;
	req.user_id_len = b->user_handle_len;
	req.user_name = user;
	req.cdh = b->challenge;
	req.cdh_len = SKF_CDH_LEN;
	req.uv = (enum skf_uv)b->uv;   /* the broker's: the stricter of --uv and the profile */
	req.resident = cli_flag(c, "--resident");
	req.exclude = refs;
	req.n_exclude = b->n_exclude;
	req.timeout_ms = (int)b->timeout_ms;
	req.ui.pin = ask_pin;
	req.ui.cue = show_cue;
	skf_devlist_init(l);
	(void)skf_devlist_enumerate(l);
	cli_fido2_extra_devices(l);
	r = skf_enroll(l, &req, res);
	if (r != SK_OK)
		fprintf(stderr, _("sekimori: the security key did not enrol: %s\n"),
		        _(skf_fail_name(res->fail)));
	skf_devlist_close(l);
	free(l);
	return r;
}

static int
finish(struct cli *c, const char *user, const struct skf_enroll_result *res)
{
	struct skc_fido2_enroll_finish_in in = {
		.actor = cli_actor(), .user = user, .fmt = res->fmt,
		.cose_alg = (uint64_t)(-res->cose_type),
		.authdata = res->authdata, .authdata_len = res->authdata_len,
		.attstmt = res->attstmt, .attstmt_len = res->attstmt_len,
	};
	struct skc_fido2_enroll_finish_out out;
	int r = skc_fido2_enroll_finish(cli_client(c), &in, &out);

	if (r == SK_OK && out.res.status == SK_ST_DENIED) {
		fprintf(stderr, _("sekimori: enrolment refused: %s\n"), _(out.res.message));
		return CLI_FAILED;
	}
	r = r == SK_ERR_RANGE ? CLI_FAILED : cli_verdict(c, r, &out.res, user);
	if (r == CLI_OK && c->json)
		printf("{\"user\":\"%s\",\"id\":%llu}\n", user, (unsigned long long)out.factor_id);
	else if (r == CLI_OK)
		printf(_("Security key enrolled (id %llu).\n"), (unsigned long long)out.factor_id);
	return r;
}

/* BEGIN: the challenge for the key, as an exit code. */
static int
begin(struct cli *c, const struct skc_fido2_enroll_begin_in *in,
      struct skc_fido2_enroll_begin_out *b)
{
	int r = skc_fido2_enroll_begin(cli_client(c), in, b);

	if (r == SK_OK && b->res.status == SK_ST_BAD_REQUEST &&
	    b->res.reason == SK_REASON_NOT_CONFIGURED) {
		fprintf(stderr, "%s\n", _("sekimori: refused: FIDO2 security keys are not configured "
		                          "on the broker ([fido2] rp_id in sekimori.conf)"));
		return CLI_FAILED;
	}
	return cli_verdict(c, r, &b->res, in->user);
}

int
cli_fido2_enroll(struct cli *c)
{
	const char *uvs = cli_option(c, "--uv");
	struct skc_fido2_enroll_begin_in in = { .actor = cli_actor(), .user = cli_positional(c) };
	struct skc_fido2_enroll_begin_out *b = calloc(1, sizeof(*b));
	struct skf_enroll_result *res = calloc(1, sizeof(*res));
	enum skf_uv uv = SKF_UV_PREFERRED;
	int r = CLI_OK;

	if (b == NULL || res == NULL)
		r = CLI_FAILED;
	else if (in.user == NULL || (uvs != NULL && skf_uv_parse(uvs, &uv) != SK_OK)) {
		fprintf(stderr, "%s\n", _("sekimori: usage: fido2 enroll USER [--uv required|preferred|"
		                          "discouraged] [--resident]"));
		r = CLI_USAGE;
	}
	in.uv = uv;
	if (r == CLI_OK)
		r = begin(c, &in, b);
	if (r == CLI_OK && run_key(c, in.user, b, res) != SK_OK)
		r = CLI_FAILED;
	if (r == CLI_OK)
		r = finish(c, in.user, res);
	free(b);
	free(res);
	return r;
}

int
cli_fido2_list(struct cli *c)
{
	return cli_show_user_json(c, skc_fido2_list);
}

int
cli_fido2_remove(struct cli *c)
{
	struct skc_fido2_remove_in in = { .actor = cli_actor() };
	struct skc_reply_out out;
	const char *id = NULL;
	char *end;
	int r;

	for (int i = 0; i < c->argc; i++) {
		if (c->argv[i][0] == '-')
			continue;
		if (in.user == NULL)
			in.user = c->argv[i];
		else if (id == NULL)
			id = c->argv[i];
	}
	if (in.user == NULL || id == NULL || (in.factor_id = strtoull(id, &end, 10)) == 0 ||
	    *end != '\0') {
		fprintf(stderr, "%s\n", _("sekimori: usage: fido2 remove USER ID"));
		return CLI_USAGE;
	}
	r = cli_verdict(c, skc_fido2_remove(cli_client(c), &in, &out), &out.res, in.user);
	if (r == CLI_OK && !c->json)
		printf("%s\n", _("Security key removed."));
	return r;
}
