/* sekimori user add | show | list | unlock | lock | disable | enable | reset-password | reconfirm,
 * totp remove, and status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_totp.h"
#include "skc_priv.h"
#include "skc_user.h"

int
cli_show_json(struct cli *c, int r, struct skc_json_out *out, const char *user)
{
	int rc = cli_verdict(c, r, &out->res, user);

	if (rc == CLI_OK)
		cli_print_json(c, out->doc);
	json_object_put(out->doc);
	out->doc = NULL;
	return rc;
}

/* The exit code of a request that names the user: a name that cannot be sent is a usage
 * error said here; the rest as cli_verdict. */
static int
user_verdict(struct cli *c, int r, const struct skc_result *res, const char *user)
{
	if (r == SK_ERR_RANGE) {
		fprintf(stderr, _("sekimori: invalid user name: %s\n"), user);
		return CLI_USAGE;
	}
	return cli_verdict(c, r, res, user);
}

/* Prints a temporary password once: it is not stored anywhere in clear (R-CRED-1). */
static int
print_temp_password(struct cli *c, const char *user, int r, struct skc_temp_password_out *out,
                    const char *done_text)
{
	r = user_verdict(c, r, &out->res, user);
	if (r == CLI_OK && c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "user", json_object_new_string(user));
		json_object_object_add(o, "temporary_password",
		                       json_object_new_string(out->temp_password));
		cli_print_json(c, o);
		json_object_put(o);
	} else if (r == CLI_OK) {
		printf("%s\n", done_text);
		printf(_("Temporary password (shown only now; it must be changed at the first login): "
		         "%s\n"), out->temp_password);
	}
	explicit_bzero(out, sizeof(*out));
	return r;
}

int
cli_user_add(struct cli *c)
{
	struct skc_user_add_in in = { .actor = cli_actor(), .user = cli_user_arg(c),
	                              .profile = cli_option(c, "--profile"),
	                              .contractor = cli_flag(c, "--contractor"),
	                              .staff_no = cli_option(c, "--staff") };
	struct skc_temp_password_out out;

	if (in.user == NULL)
		return CLI_USAGE;
	return print_temp_password(c, in.user, skc_user_add(cli_client(c), &in, &out), &out,
	                           _("User added."));
}

/* The account's HR link: --staff N links it (HR events then reach it), --clear unlinks. */
int
cli_user_set_staff(struct cli *c)
{
	struct skc_user_set_staff_in in = { .actor = cli_actor(), .user = cli_user_arg(c),
	                                    .staff_no = cli_option(c, "--staff") };
	struct skc_reply_out out;
	int clear = cli_flag(c, "--clear"), r;

	if (in.user == NULL)
		return CLI_USAGE;
	if ((in.staff_no == NULL) == !clear) {
		fprintf(stderr, "%s\n", _("sekimori: give either --staff STAFF_NO or --clear"));
		return CLI_USAGE;
	}
	if (clear)
		in.staff_no = "";
	r = user_verdict(c, skc_user_set_staff(cli_client(c), &in, &out), &out.res, in.user);
	if (r == CLI_OK && !c->json)
		printf("%s\n", clear ? _("Unlinked from HR.") : _("Linked to the staff number."));
	return r;
}

/* An HR return's factors re-confirmed, with the person present (admin session, fresh MFA). */
int
cli_user_reconfirm(struct cli *c)
{
	struct skc_user_in in = { .actor = cli_actor(), .user = cli_user_arg(c) };
	struct skc_json_out out;
	json_object *v;
	int r;

	if (in.user == NULL)
		return CLI_USAGE;
	r = user_verdict(c, skc_user_reconfirm(cli_client(c), &in, &out), &out.res, in.user);
	if (r == CLI_OK && c->json) {
		cli_print_json(c, out.doc);
	} else if (r == CLI_OK) {
		int64_t n[4] = { 0 };
		static const char *const keys[4] = { "totp", "fido2", "cards", "cards_expired" };

		for (size_t i = 0; i < 4; i++)
			if (json_object_object_get_ex(out.doc, keys[i], &v))
				n[i] = json_object_get_int64(v);
		printf(_("Factors re-confirmed: TOTP %lld, FIDO2 %lld, cards %lld (certificate "
		         "expired: %lld). The account can log in again.\n"), (long long)n[0],
		       (long long)n[1], (long long)n[2], (long long)n[3]);
	}
	json_object_put(out.doc);
	return r;
}

int
cli_user_reset_password(struct cli *c)
{
	struct skc_user_in in = { .actor = cli_actor(), .user = cli_user_arg(c) };
	struct skc_temp_password_out out;

	if (in.user == NULL)
		return CLI_USAGE;
	return print_temp_password(c, in.user, skc_user_reset_password(cli_client(c), &in, &out),
	                           &out, _("Password reset."));
}

int
cli_show_user_json(struct cli *c, cli_user_json_call call)
{
	struct skc_user_in in = { .actor = cli_actor(), .user = cli_user_arg(c) };
	struct skc_json_out out;

	if (in.user == NULL)
		return CLI_USAGE;
	return cli_show_json(c, call(cli_client(c), &in, &out), &out, in.user);
}

/* A read command about the whole broker (no user). */
static int
show_all(struct cli *c, int (*call)(struct sk_client *, const struct skc_status_in *,
                                    struct skc_json_out *))
{
	struct skc_status_in in = { .actor = cli_actor() };
	struct skc_json_out out;

	return cli_show_json(c, call(cli_client(c), &in, &out), &out, NULL);
}

int
cli_user_show(struct cli *c)
{
	return cli_show_user_json(c, skc_user_show);
}

int
cli_user_list(struct cli *c)
{
	return show_all(c, skc_user_list);
}

int
cli_status(struct cli *c)
{
	return show_all(c, skc_status);
}

typedef int (*user_call)(struct sk_client *, const struct skc_user_in *, struct skc_reply_out *);

/* A verb that takes a user and says one line when done. */
static int
simple_verb(struct cli *c, user_call call, const char *done)
{
	struct skc_user_in in = { .actor = cli_actor(), .user = cli_user_arg(c) };
	struct skc_reply_out out;
	int r;

	if (in.user == NULL)
		return CLI_USAGE;
	r = user_verdict(c, call(cli_client(c), &in, &out), &out.res, in.user);
	if (r == CLI_OK && !c->json)
		printf("%s\n", done);
	return r;
}

int
cli_user_unlock(struct cli *c)
{
	return simple_verb(c, skc_user_unlock, _("Unlocked."));
}

/* --all-privileged: containment (R-INC-1). Every live privileged session ends at once and
 * the accounts that held one are locked. */
static int
lock_all_privileged(struct cli *c)
{
	struct skc_priv_end_all_in in = { .actor = cli_actor() };
	struct skc_priv_end_all_out out;
	int r = cli_verdict(c, skc_priv_end_all(cli_client(c), &in, &out), &out.res, NULL);

	if (r == CLI_OK && c->json)
		printf("{\"ended\": %llu}\n", (unsigned long long)out.ended);
	else if (r == CLI_OK)
		printf(_("%llu privileged sessions ended; their accounts are locked until an "
		         "administrator unlocks.\n"), (unsigned long long)out.ended);
	return r;
}

int
cli_user_lock(struct cli *c)
{
	if (cli_flag(c, "--all-privileged"))
		return lock_all_privileged(c);
	return simple_verb(c, skc_user_lock, _("Locked until an administrator unlocks."));
}

int
cli_user_disable(struct cli *c)
{
	return simple_verb(c, skc_user_disable, _("Disabled."));
}

int
cli_user_enable(struct cli *c)
{
	return simple_verb(c, skc_user_enable, _("Enabled."));
}

int
cli_totp_remove(struct cli *c)
{
	return simple_verb(c, skc_totp_remove, _("TOTP token removed."));
}
