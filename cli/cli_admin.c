/* sekimori admin login | logout | whoami: the administrator's own session (issue 8, item 5).
 *
 * The token the broker gives at login is kept in a 0600 file of the caller's own in the
 * per-user runtime directory ($XDG_RUNTIME_DIR, else /run/user/UID): a tmpfs that only the
 * user can enter and that logind empties at the user's last logout, so the token dies with
 * the user's sessions and never reaches a disk. Every later command presents it once on its
 * connection (ADMIN_ATTACH) before its requests; the broker checks token, peer uid and expiry
 * then and again before each request. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_utf8.h"
#include "cli_admin_token.h"
#include "skc_admin.h"

/* One line from standard input, without echo on a terminal. */
static int
read_secret(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), hidden = 0, ok;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			hidden = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	ok = fgets(buf, (int)cap, stdin) != NULL;
	if (hidden) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return -1;
	if (strchr(buf, '\n') == NULL && strlen(buf) + 1 >= cap) {
		explicit_bzero(buf, cap);
		return -1;   /* longer than any password the broker takes: never cut */
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void
print_time(const char *label, uint64_t when)
{
	char text[64];
	time_t t = (time_t)when;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(text, sizeof(text), "%F %T %Z", &tm) == 0)
		snprintf(text, sizeof(text), "%llu", (unsigned long long)when);
	printf("%s: %s\n", label, text);
}

/* Collects what the plan asks for: a password and a one-time code. */
static int
collect(const struct skc_admin_login_begin_out *plan, char *pw, size_t pwcap, char *otp,
        size_t otpcap, int *has_pw, int *has_otp)
{
	*has_pw = *has_otp = 0;
	for (size_t i = 0; i < plan->n_steps; i++) {
		switch (plan->steps[i]) {
		case SK_METHOD_PASSWORD:
			if (read_secret(_("Password: "), pw, pwcap) != 0)
				return -1;
			*has_pw = 1;
			break;
		case SK_METHOD_TOTP:
			if (read_secret(_("One-time code: "), otp, otpcap) != 0)
				return -1;
			*has_otp = 1;
			break;
		default:
			fprintf(stderr, "%s\n", _("sekimori: the admin profile asks for a security key "
			                          "or an IC card, which admin login does not collect yet; "
			                          "give administrators a password and TOTP profile"));
			return -2;
		}
	}
	return plan->n_steps > 0 ? 0 : -1;
}

static int
login_result(struct cli *c, const struct skc_admin_login_finish_out *fin)
{
	json_object *o;

	switch (fin->res.status) {
	case SK_ST_OK:
		if (cli_admin_token_save(fin->token) != 0)
			return CLI_FAILED;
		if (c->json) {
			o = json_object_new_object();
			json_object_object_add(o, "admin", json_object_new_string(fin->user));
			json_object_object_add(o, "expires", json_object_new_int64((int64_t)fin->expires));
			cli_print_json(c, o);
			json_object_put(o);
		} else {
			printf(_("Admin session for %s.\n"), fin->user);
			print_time(_("expires"), fin->expires);
		}
		return CLI_OK;
	case SK_ST_LOCKED:
		fprintf(stderr, "%s\n", _("sekimori: the account is locked"));
		return CLI_FAILED;
	case SK_ST_DENIED:
		fprintf(stderr, _("sekimori: authentication failed (%llu attempts left)\n"),
		        (unsigned long long)fin->remaining);
		return CLI_FAILED;
	default:
		fprintf(stderr, "%s\n", _("sekimori: the broker failed to carry out the request "
		                          "(see its log)"));
		return CLI_FAILED;
	}
}

/* The refusal of a login before any factor: a reason, or the generic status message. */
static int
begin_refused(const struct skc_admin_login_begin_out *b, const char *user)
{
	if (b->res.status == SK_ST_LOCKED) {
		fprintf(stderr, "%s\n", _("sekimori: the account is locked"));
		return CLI_FAILED;
	}
	if (b->res.reason != SK_REASON_NONE) {
		cli_print_reason(b->res.reason);
		return b->res.status == SK_ST_INVALID ? CLI_USAGE : CLI_FAILED;
	}
	if (b->res.status == SK_ST_NO_FACTORS || b->res.status == SK_ST_DENIED) {
		fprintf(stderr, "%s\n", _("sekimori: authentication failed"));
		return CLI_FAILED;
	}
	fprintf(stderr, _("sekimori: the broker refused the admin login for %s\n"), user ? user : "");
	return CLI_FAILED;
}

int
cli_admin_login(struct cli *c)
{
	struct skc_admin_login_begin_in bin = { cli_option(c, "--user") };
	struct skc_admin_login_begin_out plan;
	struct skc_admin_login_finish_out fin;
	char pw[SK_PASSWORD_MAX + 2], otp[32];
	int has_pw, has_otp, r;

	if (bin.user == NULL && getuid() == 0) {
		/* Under sudo the person is named by sudo; the factors prove it. */
		const char *sudo_user = getenv("SUDO_USER");

		if (sudo_user != NULL && sk_valid_username(sudo_user))
			bin.user = sudo_user;
	}
	if ((r = cli_connect(c)) != CLI_OK)
		return r;
	if ((r = skc_admin_login_begin(&c->client, &bin, &plan)) != SK_OK)
		return cli_verdict(c, r, &plan.res, bin.user);
	if (plan.res.status != SK_ST_OK)
		return begin_refused(&plan, bin.user);
	if (plan.banner[0] != '\0' && !c->json)
		fprintf(stderr, "%s\n", plan.banner);
	r = collect(&plan, pw, sizeof(pw), otp, sizeof(otp), &has_pw, &has_otp);
	if (r == 0) {
		struct skc_admin_login_finish_in fin_in = { has_pw ? pw : NULL, has_otp ? otp : NULL };

		r = skc_admin_login_finish(&c->client, &fin_in, &fin);
	}
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(otp, sizeof(otp));
	if (r == -1) {
		fprintf(stderr, "%s\n", _("sekimori: no password or code was given"));
		return CLI_USAGE;
	}
	if (r == -2)
		return CLI_FAILED;
	if (r != SK_OK)
		return cli_verdict(c, r, &fin.res, bin.user);
	r = login_result(c, &fin);
	explicit_bzero(&fin, sizeof(fin));
	return r;
}

int
cli_admin_logout(struct cli *c)
{
	struct skc_admin_session_out out;
	int r;

	if ((r = cli_connect(c)) != CLI_OK)
		return r;
	if ((r = skc_admin_logout(&c->client, &out)) != SK_OK)
		return cli_verdict(c, r, &out.res, NULL);
	cli_admin_token_remove();
	if (out.res.status == SK_ST_OK)
		return CLI_OK;
	/* No live session: the file is gone either way, which is what logout means. */
	if (out.res.status == SK_ST_ADMIN_SESSION)
		return CLI_OK;
	fprintf(stderr, "%s\n", _("sekimori: the broker failed to carry out the request "
	                          "(see its log)"));
	return CLI_FAILED;
}

static json_object *
roles_json(uint64_t roles)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ SK_ROLE_MODULE, "module" }, { SK_ROLE_ADMIN, "admin" },
		{ SK_ROLE_ADMIN_FRESH, "admin_fresh_mfa" }, { SK_ROLE_AUDITOR, "auditor" },
		{ SK_ROLE_RECOVERY, "recovery" }, { SK_ROLE_ADMIN_LOGIN, "admin_login" },
	};
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (roles & names[i].bit)
			json_object_array_add(arr, json_object_new_string(names[i].name));
	return arr;
}

int
cli_admin_whoami(struct cli *c)
{
	struct skc_admin_session_out out;
	json_object *o;
	int r;

	if ((r = cli_connect(c)) != CLI_OK)
		return r;
	if ((r = skc_admin_whoami(&c->client, &out)) != SK_OK)
		return cli_verdict(c, r, &out.res, NULL);
	if (out.res.status != SK_ST_OK) {
		if (out.res.reason != SK_REASON_NONE)
			cli_print_reason(out.res.reason);
		else
			fprintf(stderr, "%s\n", _("sekimori: permission denied: run as root or as a "
			                          "member of the admin group"));
		return CLI_FAILED;
	}
	o = json_object_new_object();
	json_object_object_add(o, "admin", out.has_session ? json_object_new_string(out.user) :
	                       NULL);
	json_object_object_add(o, "roles", roles_json(out.roles));
	if (out.has_session) {
		json_object_object_add(o, "expires", json_object_new_int64((int64_t)out.expires));
		json_object_object_add(o, "authenticated_at", json_object_new_int64(
		                       (int64_t)out.auth_at));
	}
	if (c->json) {
		cli_print_json(c, o);
	} else {
		json_object *roles = json_object_object_get(o, "roles");

		if (out.has_session) {
			printf(_("Admin session for %s.\n"), out.user);
			print_time(_("expires"), out.expires);
			print_time(_("authenticated"), out.auth_at);
		} else {
			printf("%s\n", _("No admin session."));
			if (out.res.reason != SK_REASON_NONE)
				cli_print_reason(out.res.reason);
		}
		/* Role names are protocol words (sekimori(1) ROLES), not translated. */
		printf("roles:");
		for (size_t i = 0; i < json_object_array_length(roles); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(roles, i)));
		printf("\n");
	}
	json_object_put(o);
	return CLI_OK;
}
