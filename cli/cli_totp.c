/* sekimori totp enroll: a new seed (or a hardware token's imported one) is sealed by the
 * broker, shown once as an otpauth URI and QR code, and counts only after a first code
 * from the token confirms it (R-MFA-1, R-CRED-2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_qr.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "sk_totp.h"
#include "skc_totp.h"

static int
parse_uint_opt(const struct cli *c, const char *name, unsigned max, uint64_t *out)
{
	const char *v = cli_option(c, name);
	char *end;
	unsigned long n;

	if (v == NULL)
		return 0;
	n = strtoul(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n == 0 || n > max) {
		fprintf(stderr, _("sekimori: invalid value for %s: %s\n"), name, v);
		return -1;
	}
	*out = n;
	return 1;
}

/* The options of totp enroll as BEGIN's input; -1 after saying what is wrong. The imported
 * seed lands in seed (the caller wipes it). */
static int
begin_input(const struct cli *c, struct skc_totp_enroll_begin_in *in,
            unsigned char seed[SK_TOTP_SEED_MAX])
{
	const char *secret = cli_option(c, "--secret");
	size_t n = 0;

	in->algorithm = cli_option(c, "--algorithm");
	if (parse_uint_opt(c, "--digits", 8, &in->digits) < 0 ||
	    parse_uint_opt(c, "--period", 300, &in->period) < 0)
		return -1;
	if (secret != NULL) {
		if (sk_base32_decode(secret, seed, SK_TOTP_SEED_MAX, &n) != SK_OK) {
			fprintf(stderr, "%s\n", _("sekimori: --secret is not a valid base32 seed"));
			return -1;
		}
		in->secret = seed;
		in->secret_len = n;
	}
	return 0;
}

/* The first code: --code, or one line from standard input. */
static int
read_code(const struct cli *c, char *code, size_t cap)
{
	const char *given = cli_option(c, "--code");
	size_t n;

	if (given != NULL) {
		n = strnlen(given, cap);
		if (n >= cap)
			return -1;
		memcpy(code, given, n + 1);
		return 0;
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "%s", _("Enter the code the token shows now: "));
	if (fgets(code, (int)cap, stdin) == NULL)
		return -1;
	code[strcspn(code, "\r\n")] = '\0';
	return 0;
}

static int
confirm(struct cli *c, const char *user, uint64_t id)
{
	char code[SK_TOTP_CODE_MAX + 2];
	struct skc_totp_enroll_confirm_in in = { .actor = cli_actor(), .user = user,
	                                         .enroll_id = id, .code = code };
	struct skc_reply_out out;
	int r = SK_ERR_RANGE;

	if (read_code(c, code, sizeof(code)) == 0)
		r = skc_totp_enroll_confirm(cli_client(c), &in, &out);
	if (r == SK_ERR_RANGE) {   /* no code, or one that cannot be sent */
		fprintf(stderr, "%s\n", _("sekimori: no valid code was given"));
		r = CLI_USAGE;
	} else {
		r = cli_verdict(c, r, &out.res, user);
	}
	if (r == CLI_OK && !c->json)
		printf("%s\n", _("TOTP token enrolled."));
	explicit_bzero(code, sizeof(code));
	return r;
}

int
cli_totp_enroll(struct cli *c)
{
	struct skc_totp_enroll_begin_in in = { .actor = cli_actor(), .user = cli_user_arg(c) };
	struct skc_totp_enroll_begin_out *out;
	unsigned char seed[SK_TOTP_SEED_MAX];
	uint64_t id;
	int r;

	if (in.user == NULL)
		return CLI_USAGE;
	if (begin_input(c, &in, seed) != 0) {
		explicit_bzero(seed, sizeof(seed));
		return CLI_USAGE;
	}
	if ((out = calloc(1, sizeof(*out))) == NULL) {
		explicit_bzero(seed, sizeof(seed));
		return CLI_FAILED;
	}
	r = cli_verdict(c, skc_totp_enroll_begin(cli_client(c), &in, out), &out->res, in.user);
	explicit_bzero(seed, sizeof(seed));
	id = out->enroll_id;
	if (r == CLI_OK && c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "user", json_object_new_string(in.user));
		json_object_object_add(o, "enroll_id", json_object_new_int64((int64_t)id));
		json_object_object_add(o, "uri", json_object_new_string(out->uri));
		cli_print_json(c, o);
		json_object_put(o);
	} else if (r == CLI_OK) {
		printf("%s\n%s\n\n", _("Add this token to the authenticator (shown only now):"),
		       out->uri);
		/* The QR code is drawn with terminal escape codes: only for a terminal. Into a
		 * file or a pipe goes the URI alone (qrencode(1) can make an image of it). */
		if (isatty(STDOUT_FILENO))
			(void)cli_qr_print(stdout, out->uri);
	}
	fflush(stdout);
	explicit_bzero(out, sizeof(*out));
	free(out);
	return r == CLI_OK ? confirm(c, in.user, id) : r;
}
