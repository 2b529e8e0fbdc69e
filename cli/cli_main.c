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
	{ "user", "add", cli_user_add, "USER [--profile PROFILE]" },
	{ "user", "show", cli_user_show, "USER" },
	{ "user", "list", cli_user_list, "" },
	{ "user", "unlock", cli_user_unlock, "USER" },
	{ "user", "lock", cli_user_lock, "USER" },
	{ "user", "disable", cli_user_disable, "USER" },
	{ "user", "enable", cli_user_enable, "USER" },
	{ "user", "reset-password", cli_user_reset_password, "USER" },
	{ "totp", "enroll", cli_totp_enroll, "USER [--algorithm sha1|sha256|sha512] [--digits 6|8]"
	  " [--period N] [--secret BASE32] [--code CODE]" },
	{ "totp", "remove", cli_totp_remove, "USER" },
	{ "fido2", "enroll", cli_fido2_enroll, "USER [--uv required|preferred|discouraged]"
	  " [--resident]" },
	{ "fido2", "list", cli_fido2_list, "USER" },
	{ "fido2", "remove", cli_fido2_remove, "USER ID" },
	{ "card", "enroll", cli_card_enroll, "USER [--kind jpki|piv|piv-card] [--reader NAME]" },
	{ "card", "list", cli_card_list, "USER" },
	{ "card", "revoke", cli_card_revoke, "USER|--cert HASH --reason lost|damaged|returned" },
	{ "card", "dispose", cli_card_dispose, "USER|--cert HASH --reason collected|destroyed"
	  " [--note TEXT]" },
	{ "audit", "verify", cli_audit_verify, "[--anchor SEQ:MAC]" },
	{ "status", NULL, cli_status, "" },
};

static void
usage(FILE *out)
{
	fprintf(out, "%s\n", _("usage: sekimori [-c FILE] [--json] COMMAND [ARGS]"));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  sekimori %s%s%s %s\n", commands[i].noun, commands[i].verb ? " " : "",
		        commands[i].verb ? commands[i].verb : "", commands[i].args);
}

int
main(int argc, char **argv)
{
	static struct cli c;
	const char *conf_path = SK_DEFAULT_CONF;
	char err[512];
	int i = 1, r;

	setlocale(LC_ALL, "");
	sk_log_set_ident("sekimori");
	sk_log_to_stderr(1);
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
		} else {
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (sk_conf_load(conf_path, &c.conf, err, sizeof(err)) != SK_OK) {
		fprintf(stderr, "sekimori: %s\n", err);
		return CLI_USAGE;
	}
	/* Administrators read the CLI in their own terminal's language. */
	sk_i18n_init("auto", c.conf.locale_dir);
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		const struct command *cmd = &commands[k];
		int words = cmd->verb ? 2 : 1;

		if (i + words > argc || strcmp(argv[i], cmd->noun) != 0 ||
		    (cmd->verb && strcmp(argv[i + 1], cmd->verb) != 0))
			continue;
		c.argc = argc - i - words;
		c.argv = argv + i + words;
		/* --json may also follow the command. */
		if (cli_flag(&c, "--json"))
			c.json = 1;
		r = cmd->run(&c);
		sk_client_close(&c.client);
		return r;
	}
	usage(stderr);
	return CLI_USAGE;
}
