/* sekimori fido2 enroll | list | remove (issue 3). The key is plugged into the machine the
 * CLI runs on; the broker issues the challenge and judges the attestation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
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

struct begin_data {
	unsigned char challenge[SKF_CDH_LEN];
	unsigned char handle[SKF_USER_ID_MAX];
	size_t handle_len;
	char rp_id[SKF_RP_ID_MAX + 1];
	unsigned char exclude[SKF_MAX_ALLOW][SKF_CRED_ID_MAX];
	struct skf_cred_ref refs[SKF_MAX_ALLOW];
	size_t n_exclude;
	uint64_t timeout_ms;
	uint64_t uv;     /* what the broker asks for: the stricter of --uv and the profile */
};

static int
read_begin(const struct sk_msg *reply, struct begin_data *b)
{
	size_t clen = 0;

	if (sk_msg_get_bytes(reply, SK_K_FIDO2_CHALLENGE, b->challenge, sizeof(b->challenge),
	                     &clen) != SK_OK || clen != SKF_CDH_LEN ||
	    sk_msg_get_bytes(reply, SK_K_USER_HANDLE, b->handle, sizeof(b->handle),
	                     &b->handle_len) != SK_OK ||
	    sk_msg_get_text(reply, SK_K_RP_ID, b->rp_id, sizeof(b->rp_id)) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_TIMEOUT_MS, 30000, &b->timeout_ms) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_UV, SKF_UV_PREFERRED, &b->uv) != SK_OK || b->uv > 2 ||
	    sk_msg_get_array_len(reply, SK_K_CRED_IDS, &b->n_exclude) != SK_OK ||
	    b->n_exclude > SKF_MAX_ALLOW || b->timeout_ms > 600000)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < b->n_exclude; i++) {
		if (sk_msg_get_array_bytes(reply, SK_K_CRED_IDS, i, b->exclude[i], SKF_CRED_ID_MAX,
		                           &b->refs[i].len) != SK_OK)
			return SK_ERR_PROTO;
		b->refs[i].id = b->exclude[i];
	}
	return SK_OK;
}

static int
run_key(const struct cli *c, const char *user, enum skf_uv uv, const struct begin_data *b,
        struct skf_enroll_result *res)
{
	struct skf_devlist *l = calloc(1, sizeof(*l));
	struct skf_enroll_req req;
	int r;

	if (l == NULL)
		return SK_ERR_NOMEM;
	memset(&req, 0, sizeof(req));
	req.rp_id = b->rp_id;
	req.rp_name = "Sekimori";
	req.user_id = b->handle;
	req.user_id_len = b->handle_len;
	req.user_name = user;
	req.cdh = b->challenge;
	req.cdh_len = SKF_CDH_LEN;
	req.uv = uv;
	req.resident = cli_flag(c, "--resident");
	req.exclude = b->refs;
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
	struct sk_msg *req = cli_request(SK_REQ_FIDO2_ENROLL_FINISH), *reply = NULL;
	char why[256] = "";
	uint64_t id = 0;
	int r = CLI_OK;

	if (req == NULL || sk_msg_put_text(req, SK_K_USER, user) != SK_OK ||
	    sk_msg_put_text(req, SK_K_FMT, res->fmt) != SK_OK ||
	    sk_msg_put_uint(req, SK_K_COSE_ALG, (uint64_t)(-res->cose_type)) != SK_OK ||
	    sk_msg_put_bytes(req, SK_K_AUTHDATA, res->authdata, res->authdata_len) != SK_OK ||
	    (res->attstmt_len > 0 &&
	     sk_msg_put_bytes(req, SK_K_ATTSTMT, res->attstmt, res->attstmt_len) != SK_OK))
		r = CLI_FAILED;
	if (r == CLI_OK)
		r = cli_call(c, req, &reply);
	if (r == CLI_OK && sk_reply_status(reply) == SK_ST_DENIED) {
		(void)sk_msg_get_text(reply, SK_K_MESSAGE, why, sizeof(why));
		fprintf(stderr, _("sekimori: enrolment refused: %s\n"), _(why));
		r = CLI_FAILED;
	} else if (r == CLI_OK) {
		r = cli_status_error(reply, user);
	}
	if (r == CLI_OK) {
		(void)sk_msg_get_uint(reply, SK_K_FACTOR_ID, &id);
		if (c->json)
			printf("{\"user\":\"%s\",\"id\":%llu}\n", user, (unsigned long long)id);
		else
			printf(_("Security key enrolled (id %llu).\n"), (unsigned long long)id);
	}
	sk_msg_free(req);
	sk_msg_free(reply);
	return r;
}

int
cli_fido2_enroll(struct cli *c)
{
	const char *user = cli_positional(c), *uvs = cli_option(c, "--uv");
	struct sk_msg *req, *reply = NULL;
	struct begin_data *b = calloc(1, sizeof(*b));
	struct skf_enroll_result *res = calloc(1, sizeof(*res));
	enum skf_uv uv = SKF_UV_PREFERRED;
	uint64_t reason = SK_REASON_NONE;
	int r = CLI_OK;

	if (b == NULL || res == NULL)
		r = CLI_FAILED;
	else if (user == NULL || (uvs != NULL && skf_uv_parse(uvs, &uv) != SK_OK)) {
		fprintf(stderr, "%s\n", _("sekimori: usage: fido2 enroll USER [--uv required|preferred|"
		                          "discouraged] [--resident]"));
		r = CLI_USAGE;
	}
	req = r == CLI_OK ? cli_request(SK_REQ_FIDO2_ENROLL_BEGIN) : NULL;
	if (r == CLI_OK && (req == NULL || sk_msg_put_text(req, SK_K_USER, user) != SK_OK ||
	                    sk_msg_put_uint(req, SK_K_UV, uv) != SK_OK))
		r = CLI_USAGE;
	if (r == CLI_OK)
		r = cli_call(c, req, &reply);
	if (r == CLI_OK && sk_reply_status(reply) == SK_ST_BAD_REQUEST &&
	    sk_msg_get_uint(reply, SK_K_REASON, &reason) == SK_OK &&
	    reason == SK_REASON_NOT_CONFIGURED) {
		fprintf(stderr, "%s\n", _("sekimori: refused: FIDO2 security keys are not configured "
		                          "on the broker ([fido2] rp_id in sekimori.conf)"));
		r = CLI_FAILED;
	} else if (r == CLI_OK) {
		r = cli_status_error(reply, user);
	}
	if (r == CLI_OK && read_begin(reply, b) != SK_OK)
		r = CLI_FAILED;
	if (r == CLI_OK && run_key(c, user, (enum skf_uv)b->uv, b, res) != SK_OK)
		r = CLI_FAILED;
	if (r == CLI_OK)
		r = finish(c, user, res);
	sk_msg_free(req);
	sk_msg_free(reply);
	free(b);
	free(res);
	return r;
}

int
cli_fido2_list(struct cli *c)
{
	const char *user = cli_positional(c);

	if (user == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: a user name is required"));
		return CLI_USAGE;
	}
	return cli_show_json(c, SK_REQ_FIDO2_LIST, user);
}

int
cli_fido2_remove(struct cli *c)
{
	const char *user = NULL, *id = NULL;
	struct sk_msg *req, *reply = NULL;
	char *end;
	unsigned long long n;
	int r;

	for (int i = 0; i < c->argc; i++) {
		if (c->argv[i][0] == '-')
			continue;
		if (user == NULL)
			user = c->argv[i];
		else if (id == NULL)
			id = c->argv[i];
	}
	if (user == NULL || id == NULL || (n = strtoull(id, &end, 10)) == 0 || *end != '\0') {
		fprintf(stderr, "%s\n", _("sekimori: usage: fido2 remove USER ID"));
		return CLI_USAGE;
	}
	req = cli_request(SK_REQ_FIDO2_REMOVE);
	if (req == NULL || sk_msg_put_text(req, SK_K_USER, user) != SK_OK ||
	    sk_msg_put_uint(req, SK_K_FACTOR_ID, n) != SK_OK) {
		sk_msg_free(req);
		return CLI_USAGE;
	}
	r = cli_call(c, req, &reply);
	if (r == CLI_OK)
		r = cli_status_error(reply, user);
	if (r == CLI_OK && !c->json)
		printf("%s\n", _("Security key removed."));
	sk_msg_free(req);
	sk_msg_free(reply);
	return r;
}
