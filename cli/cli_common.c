/* What every command shares: requests, errors, options, output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "sk_utf8.h"

const char *
cli_actor(void)
{
	return getenv("SUDO_USER");   /* skc_req_begin leaves out a name that is not valid */
}

struct sk_client *
cli_client(struct cli *c)
{
	int fresh = c->client.fd < 0;

	(void)sk_client_connected(&c->client, c->conf.socket_path,
	                          (int)c->conf.request_timeout_ms);
	if (fresh && c->client.fd >= 0)
		cli_admin_present(c);   /* the administrator's own session, when there is one */
	return &c->client;
}

int
cli_unavailable(const struct cli *c)
{
	fprintf(stderr, _("sekimori: the broker at %s is not reachable (is sekimorid running?)\n"),
	        c->conf.socket_path);
	return CLI_UNAVAILABLE;
}

int
cli_connect(struct cli *c)
{
	return cli_client(c)->fd >= 0 ? CLI_OK : cli_unavailable(c);
}

int
cli_verdict(const struct cli *c, int r, const struct skc_result *res, const char *user)
{
	switch (r) {
	case SK_OK:
		return cli_status_error(res, user);
	case SK_ERR_UNAVAILABLE:
		fprintf(stderr, _("sekimori: the broker at %s is not reachable (is sekimorid running?)\n"),
		        c->conf.socket_path);
		return CLI_UNAVAILABLE;
	case SK_ERR_PROTO:
		fprintf(stderr, "%s\n", _("sekimori: the broker's answer is malformed"));
		return CLI_FAILED;
	case SK_ERR_RANGE:
		return CLI_USAGE;   /* a value that cannot be sent: nothing was */
	default:
		return CLI_FAILED;
	}
}

/* One sentence per reason the broker gives (enum sk_reason), in the administrator's
 * language. NULL for a reason this CLI does not know (a newer broker). */
const char *
cli_reason_text(uint64_t reason)
{
	static const struct {
		uint64_t reason;
		const char *text;
	} texts[] = {
		{ SK_REASON_TOO_SHORT, N_("the password is too short") },
		{ SK_REASON_TOO_FEW_CLASSES, N_("the password has too few kinds of characters") },
		{ SK_REASON_CONTAINS_USER, N_("the password contains the user name") },
		{ SK_REASON_REUSED, N_("the password was used before") },
		{ SK_REASON_BAD_CHARS, N_("the password contains characters that are not allowed") },
		{ SK_REASON_TOO_LONG, N_("the password is too long") },
		{ SK_REASON_SAME_AS_OLD, N_("the new password is the same as the old one") },
		{ SK_REASON_OLD_WRONG, N_("the current password is wrong") },
		{ SK_REASON_UNKNOWN_PROFILE, N_("unknown profile (not defined in sekimori.conf)") },
		{ SK_REASON_EXPIRED, N_("the password has expired") },
		{ SK_REASON_FIDO2_REFUSED, N_("the security key was refused by the attestation "
		                              "policy") },
		{ SK_REASON_CERT_BOUND, N_("the certificate is bound to another user") },
		{ SK_REASON_CERT_INVALID, N_("the certificate is not trusted, expired or revoked") },
		{ SK_REASON_NOT_CONFIGURED, N_("this feature is not configured on the broker "
		                               "(see sekimori.conf(5))") },
		{ SK_REASON_INVALID_USER_NAME, N_("invalid user name (letters, digits, '.', '_', '@' "
		                                  "and '-', at most 63, not starting with '-' or "
		                                  "'.')") },
		{ SK_REASON_INVALID_ALGORITHM, N_("invalid --algorithm (sha1, sha256 or sha512)") },
		{ SK_REASON_INVALID_DIGITS, N_("invalid --digits (6 or 8)") },
		{ SK_REASON_INVALID_PERIOD, N_("invalid --period (15 to 300 seconds)") },
		{ SK_REASON_INVALID_SECRET, N_("invalid --secret: the seed must be 16 to 64 bytes") },
		{ SK_REASON_INVALID_UV, N_("invalid --uv (required, preferred or discouraged)") },
		{ SK_REASON_INVALID_FACTOR_ID, N_("invalid or missing factor id") },
		{ SK_REASON_MALFORMED_FIELD, N_("a value in the request is missing or malformed") },
		{ SK_REASON_UNKNOWN_REQUEST, N_("the broker does not know this request (is it an "
		                                "older version?)") },
		{ SK_REASON_WRONG_STATE, N_("the request came out of order") },
		{ SK_REASON_INVALID_PROFILE_NAME, N_("invalid profile name (a-z, 0-9, '_' and '-')") },
		{ SK_REASON_ADMIN_SESSION_REQUIRED, N_("this needs an admin session: run 'sekimori "
		                                       "admin login' first") },
		{ SK_REASON_ADMIN_SESSION_EXPIRED, N_("your admin session has expired: run 'sekimori "
		                                      "admin login' again") },
		{ SK_REASON_ADMIN_SESSION_INVALID, N_("the admin session is not valid here (logged "
		                                      "out, another user's, or the broker restarted): "
		                                      "run 'sekimori admin login'") },
		{ SK_REASON_NOT_ADMINISTRATOR, N_("the account is not an administrator's (its profile "
		                                  "is not admin_profile)") },
		{ SK_REASON_RECOVERY_ONLY, N_("root without an admin session may only do recovery "
		                              "(lock, unlock, disable, enable; set up an "
		                              "administrator's account and factors): run 'sekimori "
		                              "admin login' first") },
		{ SK_REASON_FRESH_MFA_REQUIRED, N_("this needs a recent admin login: run 'sekimori "
		                                   "admin login' again") },
		{ SK_REASON_PASSWORD_CHANGE_FIRST, N_("the password is temporary or expired: change it "
		                                      "by logging in first") },
		{ SK_REASON_ADMIN_NAME_REQUIRED, N_("as root, name the administrator: sekimori admin "
		                                    "login --user NAME") },
		{ SK_REASON_READ_ONLY, N_("the auditor role may read but not change anything") },
		{ SK_REASON_SELF_APPROVAL, N_("nobody may approve, confirm, deny or close their own "
		                              "request, nomination or break-glass review") },
		{ SK_REASON_NOT_HOLDER, N_("you do not hold this role (or are not on its break-glass "
		                           "list)") },
		{ SK_REASON_NOT_APPROVER, N_("you do not hold the role that approves this") },
		{ SK_REASON_MINUTES_OVER, N_("more minutes than the role allows") },
		{ SK_REASON_CONTRACTOR, N_("not allowed for contractors") },
		{ SK_REASON_UNKNOWN_ROLE, N_("unknown role (not defined in sekimori.conf)") },
		{ SK_REASON_GRANT_STATE, N_("it is not in a state that allows this (already "
		                            "decided, ended or closed)") },
		{ SK_REASON_ALREADY_APPROVED, N_("you approved this already: another person must") },
		{ SK_REASON_REASON_REQUIRED, N_("a reason or comment is required") },
		{ SK_REASON_SAME_PERSON, N_("the second person must be someone other than the "
		                            "requester and the approvers") },
		{ SK_REASON_HR_UNKNOWN_STAFF, N_("an HR event names a staff number that has no user"
		                                 " and is not hired in this file") },
		{ SK_REASON_HR_COUNT_MISMATCH, N_("the broker staged a different number of HR"
		                                  " records than were sent; import again") },
		{ SK_REASON_HR_HIRE_RECORDED, N_("a hire of this file was recorded by another import"
		                                 " after it was staged; import the file again") },
		{ SK_REASON_HR_USER_EXISTS, N_("a hire's user name (the staff number) is already"
		                               " taken") },
		{ SK_REASON_HR_BAD_RECORD, N_("the broker refused an HR record as malformed") },
		{ SK_REASON_IMPORT_BAD_ROW, N_("the broker refused a row of the import as invalid") },
		{ SK_REASON_IMPORT_USER_EXISTS, N_("the user name or the staff number is already"
		                                   " taken") },
		{ SK_REASON_IMPORT_NOT_STAGED, N_("the rows staged on this connection are not the"
		                                  " file committed") },
		{ SK_REASON_IMPORT_TOO_LARGE, N_("more than 100000 users in one import") },
		{ SK_REASON_STAFF_NO_INVALID, N_("invalid staff number (1 to 16 digits)") },
		{ SK_REASON_STAFF_NO_TAKEN, N_("the staff number is linked to another account") },
		{ SK_REASON_RECONFIRM_REQUIRED, N_("the account is back from leave: an administrator"
		                                   " must re-confirm its factors with the person"
		                                   " present first (sekimori user reconfirm)") },
		{ SK_REASON_NOTHING_TO_RECONFIRM, N_("the account has no factors to be re-confirmed"
		                                     " (no HR return is waiting for it)") },
		{ SK_REASON_INVALID_DAYS, N_("invalid number of days (1 to 36500)") },
		{ SK_REASON_TERMINAL_KEY_INVALID, N_("give a certificate's SHA-256 fingerprint (64 hex"
		                                     " digits) or its serial number (hex)") },
		{ SK_REASON_TERMINAL_SERIAL_UNSEEN, N_("no terminal with that serial number has"
		                                       " connected: revoke it by fingerprint, or put it"
		                                       " on the CRL (tls_crl)") },
		{ SK_REASON_OWN_REQUEST, N_("nobody may confirm or refuse their own removal"
		                            " request") },
		{ SK_REASON_REQUEST_DECIDED, N_("the removal request was confirmed or refused"
		                                " already") },
		{ SK_REASON_NOTHING_TO_REMOVE, N_("your account has no such factor, or no grant or"
		                                  " delegation of that role") },
		{ SK_REASON_NO_ACCOUNT, N_("you have no account to ask for (root, or a login name"
		                           " that is no Sekimori account)") },
		{ SK_REASON_REQUEST_OPEN, N_("you asked for this already; the request is still"
		                             " open") },
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].reason == reason)
			return _(texts[i].text);
	return NULL;
}

void
cli_print_reason(uint64_t reason)
{
	const char *text = cli_reason_text(reason);

	if (text != NULL)
		fprintf(stderr, _("sekimori: refused: %s\n"), text);
	else
		fprintf(stderr, _("sekimori: the broker refused the request (reason %llu)\n"),
		        (unsigned long long)reason);
}

int
cli_status_error(const struct skc_result *res, const char *user)
{
	uint64_t reason = res->reason;
	int has_reason = reason != SK_REASON_NONE;

	switch (res->status) {
	case SK_ST_OK:
		return CLI_OK;
	case SK_ST_NOT_FOUND:
		/* With a reason, what was not found is something else (a terminal's serial). */
		if (has_reason)
			cli_print_reason(reason);
		else
			fprintf(stderr, _("sekimori: no such user or factor: %s\n"), user ? user : "");
		return CLI_FAILED;
	case SK_ST_EXISTS:
		/* With a reason, what exists is something else (a staff number's account). */
		if (has_reason)
			cli_print_reason(reason);
		else
			fprintf(stderr, _("sekimori: the user already exists: %s\n"), user ? user : "");
		return CLI_FAILED;
	case SK_ST_FORBIDDEN:
		if (has_reason)
			cli_print_reason(reason);
		else
			fprintf(stderr, "%s\n", _("sekimori: permission denied: run as root or as a "
			                          "member of the admin group"));
		return CLI_FAILED;
	case SK_ST_ADMIN_SESSION:
		cli_print_reason(has_reason ? reason : SK_REASON_ADMIN_SESSION_REQUIRED);
		return CLI_FAILED;
	case SK_ST_DENIED:
		if (has_reason)
			cli_print_reason(reason);
		else
			fprintf(stderr, "%s\n", _("sekimori: refused: the code did not match"));
		return CLI_FAILED;
	case SK_ST_POLICY:
		cli_print_reason(reason);
		return CLI_FAILED;
	case SK_ST_INVALID:
		/* A value the administrator typed: a usage error, as sekimori(1) says. */
		cli_print_reason(reason);
		return CLI_USAGE;
	case SK_ST_BAD_REQUEST:
		if (has_reason)
			cli_print_reason(reason);
		else
			fprintf(stderr, "%s\n", _("sekimori: the broker refused the request as "
			                          "malformed"));
		return CLI_FAILED;
	default:
		fprintf(stderr, "%s\n", _("sekimori: the broker failed to carry out the request "
		                          "(see its log)"));
		return CLI_FAILED;
	}
}

int
cli_option_takes_value(const char *a)
{
	static const char *with_value[] = { "--profile", "--algorithm", "--digits", "--period",
	                                    "--secret", "--code", "--uv", "--reason", "--cert",
	                                    "--note", "--reader", "--kind", "--user",
	                                    "--oath-usersfile", "--google-authenticator", "--encoding",
	                                    "--anchor", "--since", "--until", "--html",
	                                    "--role", "--minutes", "--ticket", "--comment",
	                                    "--staff", "--days", "--out", "--store", "--cred", NULL };

	for (int i = 0; with_value[i]; i++)
		if (strcmp(a, with_value[i]) == 0)
			return 1;
	return 0;
}

const char *
cli_option(const struct cli *c, const char *name)
{
	for (int i = 0; i + 1 < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0)
			return c->argv[i + 1];
	return NULL;
}

int
cli_flag(const struct cli *c, const char *name)
{
	for (int i = 0; i < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0)
			return 1;
	return 0;
}

const char *
cli_user_arg(const struct cli *c)
{
	const char *user = cli_positional(c);

	if (user == NULL)
		fprintf(stderr, "%s\n", _("sekimori: a user name is required"));
	return user;
}

const char *
cli_positional(const struct cli *c)
{
	for (int i = 0; i < c->argc; i++) {
		if (cli_option_takes_value(c->argv[i]))
			i++;
		else if (c->argv[i][0] != '-')
			return c->argv[i];
	}
	return NULL;
}

static void
print_value(json_object *v, int depth)
{
	if (json_object_is_type(v, json_type_object)) {
		struct json_object_iterator it = json_object_iter_begin(v);
		struct json_object_iterator end = json_object_iter_end(v);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			json_object *val = json_object_iter_peek_value(&it);

			printf("%*s%s:", depth * 2, "", json_object_iter_peek_name(&it));
			if (json_object_is_type(val, json_type_object) ||
			    json_object_is_type(val, json_type_array)) {
				printf("\n");
				print_value(val, depth + 1);
			} else {
				printf(" ");
				print_value(val, 0);
			}
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (n == 0)
			printf("%*s-\n", depth * 2, "");
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			printf("%*s- %s", depth * 2, "", json_object_is_type(e, json_type_object) ? "\n" : "");
			print_value(e, json_object_is_type(e, json_type_object) ? depth + 2 : 0);
		}
	} else if (v == NULL) {
		printf("-\n");
	} else {
		printf("%s\n", json_object_get_string(v));
	}
}

void
cli_print_json(const struct cli *c, json_object *doc)
{
	if (c->json)
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
		                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_value(doc, 0);
}
