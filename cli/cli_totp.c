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

static struct sk_msg *
begin_request(const struct cli *c, const char *user)
{
	struct sk_msg *req = cli_request(SK_REQ_TOTP_ENROLL_BEGIN);
	const char *algo = cli_option(c, "--algorithm"), *secret = cli_option(c, "--secret");
	uint64_t v;
	int r = req && sk_msg_put_text(req, SK_K_USER, user) == SK_OK ? 0 : -1;

	if (r == 0 && algo != NULL && sk_msg_put_text(req, SK_K_ALGORITHM, algo) != SK_OK)
		r = -1;
	if (r == 0 && (r = parse_uint_opt(c, "--digits", 8, &v)) == 1)
		r = sk_msg_put_uint(req, SK_K_DIGITS, v) == SK_OK ? 0 : -1;
	if (r == 0 && (r = parse_uint_opt(c, "--period", 300, &v)) == 1)
		r = sk_msg_put_uint(req, SK_K_PERIOD, v) == SK_OK ? 0 : -1;
	if (r == 0 && secret != NULL) {
		unsigned char seed[SK_TOTP_SEED_MAX];
		size_t n = 0;
		if (sk_base32_decode(secret, seed, sizeof(seed), &n) != SK_OK ||
		    sk_msg_put_bytes(req, SK_K_SECRET, seed, n) != SK_OK) {
			fprintf(stderr, "%s\n", _("sekimori: --secret is not a valid base32 seed"));
			r = -1;
		}
		explicit_bzero(seed, sizeof(seed));
	}
	if (r != 0) {
		sk_msg_free(req);
		return NULL;
	}
	return req;
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
	struct sk_msg *req = cli_request(SK_REQ_TOTP_ENROLL_CONFIRM), *reply = NULL;
	char code[SK_TOTP_CODE_MAX + 2];
	int r = CLI_OK;

	if (read_code(c, code, sizeof(code)) != 0 || req == NULL ||
	    sk_msg_put_text(req, SK_K_USER, user) != SK_OK ||
	    sk_msg_put_uint(req, SK_K_ENROLL_ID, id) != SK_OK ||
	    sk_msg_put_text(req, SK_K_OTP, code) != SK_OK) {
		fprintf(stderr, "%s\n", _("sekimori: no valid code was given"));
		r = CLI_USAGE;
	}
	if (r == CLI_OK)
		r = cli_call(c, req, &reply);
	if (r == CLI_OK)
		r = cli_status_error(reply, user);
	if (r == CLI_OK && !c->json)
		printf("%s\n", _("TOTP token enrolled."));
	explicit_bzero(code, sizeof(code));
	sk_msg_free(req);
	sk_msg_free(reply);
	return r;
}

int
cli_totp_enroll(struct cli *c)
{
	const char *user = cli_positional(c);
	struct sk_msg *req, *reply = NULL;
	char uri[1024];
	uint64_t id = 0;
	int r;

	if (user == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: a user name is required"));
		return CLI_USAGE;
	}
	if ((req = begin_request(c, user)) == NULL)
		return CLI_USAGE;
	r = cli_call(c, req, &reply);
	sk_msg_free(req);
	if (r == CLI_OK)
		r = cli_status_error(reply, user);
	if (r == CLI_OK && (sk_msg_get_uint(reply, SK_K_ENROLL_ID, &id) != SK_OK ||
	                    sk_msg_get_text(reply, SK_K_URI, uri, sizeof(uri)) != SK_OK))
		r = CLI_FAILED;
	sk_msg_free(reply);
	if (r != CLI_OK)
		return r;
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "user", json_object_new_string(user));
		json_object_object_add(o, "enroll_id", json_object_new_int64((int64_t)id));
		json_object_object_add(o, "uri", json_object_new_string(uri));
		cli_print_json(c, o);
		json_object_put(o);
	} else {
		printf("%s\n%s\n\n", _("Add this token to the authenticator (shown only now):"), uri);
		/* The QR code is drawn with terminal escape codes: only for a terminal. Into a
		 * file or a pipe goes the URI alone (qrencode(1) can make an image of it). */
		if (isatty(STDOUT_FILENO))
			(void)cli_qr_print(stdout, uri);
	}
	fflush(stdout);
	explicit_bzero(uri, sizeof(uri));
	return confirm(c, user, id);
}
