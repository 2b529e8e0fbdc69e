/* sekimori user add | show | list | unlock | reset-password, and status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"

int
cli_show_json(struct cli *c, unsigned type, const char *user)
{
	struct sk_msg *req = cli_request(type), *reply = NULL;
	char *text = malloc(SK_TEXT_MAX + 1);
	json_object *doc = NULL;
	int r = text ? CLI_OK : CLI_FAILED;

	if (r == CLI_OK && user != NULL && sk_msg_put_text(req, SK_K_USER, user) != SK_OK)
		r = CLI_USAGE;
	if (r == CLI_OK)
		r = cli_call(c, req, &reply);
	if (r == CLI_OK)
		r = cli_status_error(reply, user);
	if (r == CLI_OK && (sk_msg_get_text(reply, SK_K_JSON, text, SK_TEXT_MAX + 1) != SK_OK ||
	                    (doc = json_tokener_parse(text)) == NULL)) {
		fprintf(stderr, "%s\n", _("sekimori: the broker's answer is malformed"));
		r = CLI_FAILED;
	}
	if (r == CLI_OK)
		cli_print_json(c, doc);
	json_object_put(doc);
	free(text);
	sk_msg_free(req);
	sk_msg_free(reply);
	return r;
}

/* A request whose only argument is the user and whose answer is a status. */
static int
user_verb(struct cli *c, unsigned type, struct sk_msg **reply_out)
{
	const char *user = cli_positional(c);
	struct sk_msg *req, *reply = NULL;
	int r;

	if (user == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: a user name is required"));
		return CLI_USAGE;
	}
	req = cli_request(type);
	if (req == NULL || sk_msg_put_text(req, SK_K_USER, user) != SK_OK) {
		sk_msg_free(req);
		fprintf(stderr, _("sekimori: invalid user name: %s\n"), user);
		return CLI_USAGE;
	}
	if (type == SK_REQ_USER_ADD && cli_option(c, "--profile") != NULL &&
	    sk_msg_put_text(req, SK_K_PROFILE, cli_option(c, "--profile")) != SK_OK) {
		sk_msg_free(req);
		return CLI_USAGE;
	}
	r = cli_call(c, req, &reply);
	sk_msg_free(req);
	if (r == CLI_OK)
		r = cli_status_error(reply, user);
	if (r == CLI_OK && reply_out != NULL) {
		*reply_out = reply;
		return CLI_OK;
	}
	sk_msg_free(reply);
	return r;
}

/* Prints a temporary password once: it is not stored anywhere in clear (R-CRED-1). */
static int
print_temp_password(struct cli *c, unsigned type, const char *done_text)
{
	struct sk_msg *reply = NULL;
	char pw[SK_PASSWORD_MAX + 1];
	int r = user_verb(c, type, &reply);

	if (r != CLI_OK)
		return r;
	if (sk_msg_get_text(reply, SK_K_TEMP_PASSWORD, pw, sizeof(pw)) != SK_OK) {
		sk_msg_free(reply);
		return CLI_FAILED;
	}
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "user", json_object_new_string(cli_positional(c)));
		json_object_object_add(o, "temporary_password", json_object_new_string(pw));
		cli_print_json(c, o);
		json_object_put(o);
	} else {
		printf("%s\n", done_text);
		printf(_("Temporary password (shown only now; it must be changed at the first login): "
		         "%s\n"), pw);
	}
	explicit_bzero(pw, sizeof(pw));
	sk_msg_free(reply);
	return CLI_OK;
}

int
cli_user_add(struct cli *c)
{
	return print_temp_password(c, SK_REQ_USER_ADD, _("User added."));
}

int
cli_user_reset_password(struct cli *c)
{
	return print_temp_password(c, SK_REQ_USER_RESET_PASSWORD, _("Password reset."));
}

int
cli_user_show(struct cli *c)
{
	const char *user = cli_positional(c);

	if (user == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: a user name is required"));
		return CLI_USAGE;
	}
	return cli_show_json(c, SK_REQ_USER_SHOW, user);
}

int
cli_user_list(struct cli *c)
{
	return cli_show_json(c, SK_REQ_USER_LIST, NULL);
}

int
cli_status(struct cli *c)
{
	return cli_show_json(c, SK_REQ_STATUS, NULL);
}

/* A verb that takes a user and says one line when done. */
static int
simple_verb(struct cli *c, unsigned type, const char *done)
{
	int r = user_verb(c, type, NULL);

	if (r == CLI_OK && !c->json)
		printf("%s\n", done);
	return r;
}

int
cli_user_unlock(struct cli *c)
{
	return simple_verb(c, SK_REQ_USER_UNLOCK, _("Unlocked."));
}

int
cli_user_lock(struct cli *c)
{
	return simple_verb(c, SK_REQ_USER_LOCK, _("Locked until an administrator unlocks."));
}

int
cli_user_disable(struct cli *c)
{
	return simple_verb(c, SK_REQ_USER_DISABLE, _("Disabled."));
}

int
cli_user_enable(struct cli *c)
{
	return simple_verb(c, SK_REQ_USER_ENABLE, _("Enabled."));
}

int
cli_totp_remove(struct cli *c)
{
	return simple_verb(c, SK_REQ_TOTP_REMOVE, _("TOTP token removed."));
}
