/* sekimori [-c FILE] [--json] NOUN VERB [ARGS]: one table lists every command. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sk_build.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"

static const struct command {
	const char *noun;
	const char *verb;
	int (*run)(struct cli *);
	const char *args;
} commands[] = {
	{ "user", "add", cli_user_add, "USER [--profile PROFILE] [--contractor] [--staff STAFF_NO]" },
	{ "user", "contractor", cli_user_contractor, "USER yes|no" },
	{ "user", "set-staff", cli_user_set_staff, "USER --staff STAFF_NO|--clear" },
	{ "user", "reconfirm", cli_user_reconfirm, "USER" },
	{ "user", "show", cli_user_show, "USER" },
	{ "user", "list", cli_user_list, "" },
	{ "user", "unlock", cli_user_unlock, "USER" },
	{ "user", "lock", cli_user_lock, "USER|--all-privileged" },
	{ "user", "disable", cli_user_disable, "USER" },
	{ "user", "enable", cli_user_enable, "USER" },
	{ "user", "reset-password", cli_user_reset_password, "USER" },
	{ "user", "import", cli_user_import, "FILE [--out PWFILE] [--dry-run]" },
	{ "totp", "enroll", cli_totp_enroll, "USER [--algorithm sha1|sha256|sha512] [--digits 6|8]"
	  " [--period N] [--secret BASE32] [--code CODE]" },
	{ "totp", "remove", cli_totp_remove, "USER" },
	{ "totp", "import", cli_totp_import, "--oath-usersfile FILE|--google-authenticator DIR"
	  " [--dry-run] [--replace]" },
	{ "fido2", "enroll", cli_fido2_enroll, "USER [--uv required|preferred|discouraged]"
	  " [--resident]" },
	{ "fido2", "list", cli_fido2_list, "USER" },
	{ "fido2", "remove", cli_fido2_remove, "USER ID" },
	{ "fido2", "dispose", cli_fido2_dispose, "USER|--cred ID --reason collected|destroyed|lost"
	  " [--note TEXT]" },
	{ "card", "enroll", cli_card_enroll, "USER [--kind jpki|piv|piv-card] [--reader NAME]" },
	{ "card", "list", cli_card_list, "USER" },
	{ "card", "revoke", cli_card_revoke, "USER|--cert HASH --reason lost|damaged|returned" },
	{ "card", "dispose", cli_card_dispose, "USER|--cert HASH --reason collected|destroyed"
	  " [--note TEXT]" },
	{ "hr", "import", cli_hr_import, "FILE [--dry-run] [--encoding utf-8|cp932|auto]"
	  " [--out PWFILE]" },
	{ "hr", "pending", cli_hr_pending, "" },
	{ "grant", "request", cli_grant_request, "--role ROLE --minutes N --reason TEXT"
	  " [--ticket ID]" },
	{ "grant", "breakglass", cli_grant_breakglass, "--role ROLE --minutes N --reason TEXT" },
	{ "grant", "approve", cli_grant_approve, "ID" },
	{ "grant", "confirm", cli_grant_confirm, "ID" },
	{ "grant", "deny", cli_grant_deny, "ID --reason TEXT" },
	{ "grant", "revoke", cli_grant_revoke, "ID" },
	{ "grant", "list", cli_grant_list, "" },
	{ "role", "list", cli_role_list, "" },
	{ "delegation", "nominate", cli_delegation_nominate, "--role ROLE --user USER --reason TEXT" },
	{ "delegation", "approve", cli_delegation_approve, "ID" },
	{ "delegation", "deny", cli_delegation_deny, "ID" },
	{ "delegation", "revoke", cli_delegation_revoke, "ID" },
	{ "delegation", "list", cli_delegation_list, "" },
	{ "review", "list", cli_review_list, "[--all]" },
	{ "review", "close", cli_review_close, "ID --comment TEXT" },
	{ "review", "access", cli_review_access, "[certify [--comment TEXT] | certifications |"
	  " revoke grant|delegation ID]" },
	{ "request", "removal", cli_request_removal, "totp|fido2 ID|card ID|role ROLE"
	  " --reason TEXT" },
	{ "request", "list", cli_request_list, "[--all]" },
	{ "request", "confirm", cli_request_confirm, "ID [--comment TEXT]" },
	{ "request", "refuse", cli_request_refuse, "ID [--comment TEXT]" },
	{ "report", "orphans", cli_report_orphans, "" },
	{ "report", "dormant", cli_report_dormant, "--days N" },
	{ "report", "outstanding", cli_report_outstanding, "" },
	{ "terminal", "revoke", cli_terminal_revoke, "FINGERPRINT|SERIAL" },
	{ "terminal", "list", cli_terminal_list, "" },
	{ "audit", "verify", cli_audit_verify, "[--anchor SEQ:MAC] [ROTATED-FILE...] | "
	  "--brokers [--store URI] LOG:ANCHOR[:KEY]..." },
	{ "audit", "report", cli_audit_report, "[--since TIME] [--until TIME]"
	  " [--json | --html FILE] [--anchor SEQ:MAC] [ROTATED-FILE...]" },
	{ "migrate", "pam-oath", cli_migrate_pam_oath, "FILE [--dry-run] [--replace]" },
	{ "migrate", "google-authenticator", cli_migrate_google_authenticator,
	  "--user USER FILE [--dry-run] [--replace]" },
	{ "status", NULL, cli_status, "" },
	{ "admin", "login", cli_admin_login, "[--user NAME]" },
	{ "admin", "logout", cli_admin_logout, "" },
	{ "admin", "whoami", cli_admin_whoami, "" },
};

static void
usage(FILE *out)
{
	fprintf(out, "%s\n", _("usage: sekimori [-c FILE] [--json] COMMAND [ARGS]"));
	fprintf(out, _("  -c FILE  configuration (default %s)\n"), SK_DEFAULT_CONF);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  sekimori %s%s%s %s\n", commands[i].noun, commands[i].verb ? " " : "",
		        commands[i].verb ? commands[i].verb : "", commands[i].args);
}

/* A usage error names the word at fault (the caller printed that line) and points to
 * --help, rather than dumping the whole list (issue 7). */
static int
usage_error(void)
{
	fprintf(stderr, "%s\n", _("Try 'sekimori --help' for the list of commands."));
	return CLI_USAGE;
}

static const struct command *
find_command(int argc, char **argv, int i, int *noun_known)
{
	*noun_known = 0;
	for (size_t k = 0; i < argc && k < sizeof(commands) / sizeof(commands[0]); k++) {
		const struct command *cmd = &commands[k];

		if (strcmp(argv[i], cmd->noun) != 0)
			continue;
		*noun_known = 1;
		if (cmd->verb == NULL || (i + 1 < argc && strcmp(argv[i + 1], cmd->verb) == 0))
			return cmd;
	}
	return NULL;
}

/* Whether the option word appears in the command's synopsis (as "[--name", "|--name", ...). */
static int
command_takes(const struct command *cmd, const char *opt)
{
	size_t n = strlen(opt);

	if (strcmp(opt, "--json") == 0)
		return 1;
	for (const char *p = cmd->args; (p = strstr(p, opt)) != NULL; p += n) {
		int starts = p == cmd->args || strchr(" [|", p[-1]) != NULL;
		int ends = p[n] == '\0' || strchr(" ]|", p[n]) != NULL;

		if (starts && ends)
			return 1;
	}
	return 0;
}

/* The first option after the command that the command does not take, or NULL. */
static const char *
unknown_option(const struct command *cmd, const struct cli *c)
{
	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];

		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (!command_takes(cmd, a))
			return a;
		if (cli_option_takes_value(a))
			i++;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static struct cli c;
	const struct command *cmd;
	const char *conf_path = SK_DEFAULT_CONF, *bad = NULL;
	char err[512], words[256];
	int i = 1, r, noun_known, conf_ok;

	setlocale(LC_ALL, "");
	sk_log_set_ident("sekimori");
	sk_log_to_stderr(1);
	/* The installed catalogue until the configuration names another one. */
	sk_i18n_init("auto", SK_LOCALE_DIR);
	c.client.fd = -1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("sekimori %s\n", SK_VERSION);
			return CLI_OK;
		} else if (strcmp(argv[i], "-c") == 0) {
			fprintf(stderr, _("sekimori: option '%s' needs a file name\n"), argv[i]);
			return usage_error();
		} else {
			bad = argv[i];   /* said below, once the catalogue is known */
			break;
		}
	}
	conf_ok = sk_conf_load(conf_path, &c.conf, err, sizeof(err)) == SK_OK;
	/* Administrators read the CLI in their own terminal's language. */
	if (conf_ok)
		sk_i18n_init("auto", c.conf.locale_dir);
	if (bad != NULL) {
		fprintf(stderr, _("sekimori: unknown option '%s'\n"), bad);
		return usage_error();
	}
	if (i >= argc) {
		fprintf(stderr, "%s\n", _("sekimori: no command given"));
		return usage_error();
	}
	cmd = find_command(argc, argv, i, &noun_known);
	if (cmd == NULL) {
		/* Name what was typed: "user frob" when the noun is known, else the noun. */
		snprintf(words, sizeof(words), "%s%s%s", argv[i],
		         noun_known && i + 1 < argc ? " " : "", noun_known && i + 1 < argc ?
		         argv[i + 1] : "");
		if (noun_known && i + 1 >= argc)
			fprintf(stderr, _("sekimori: '%s' needs a command after it\n"), words);
		else
			fprintf(stderr, _("sekimori: unknown command '%s'\n"), words);
		return usage_error();
	}
	c.argc = argc - i - (cmd->verb ? 2 : 1);
	c.argv = argv + i + (cmd->verb ? 2 : 1);
	if (cli_flag(&c, "--help") || cli_flag(&c, "-h")) {
		usage(stdout);
		return CLI_OK;
	}
	if ((bad = unknown_option(cmd, &c)) != NULL) {
		fprintf(stderr, _("sekimori: unknown option '%s' for this command\n"), bad);
		return usage_error();
	}
	if (!conf_ok) {
		fprintf(stderr, "sekimori: %s\n", err);
		return CLI_USAGE;
	}
	/* --json may also follow the command. */
	if (cli_flag(&c, "--json"))
		c.json = 1;
	r = cmd->run(&c);
	sk_client_close(&c.client);
	return r;
}
