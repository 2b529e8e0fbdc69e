/* sekimori: the admin and self-service CLI. */
#ifndef CLI_H
#define CLI_H
#include <json-c/json.h>

#include "sk_client.h"
#include "sk_conf.h"
#include "skc.h"

enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,       /* refused, not found, verification failed */
	CLI_USAGE = 2,
	CLI_UNAVAILABLE = 3,  /* the broker could not be reached */
};

struct cli {
	struct sk_conf conf;
	struct sk_client client;
	int json;             /* --json: machine-readable output on stdout */
	int argc;             /* what follows "NOUN VERB" */
	char **argv;
};

/* Requests go through the typed calls of common/skc_*.h, given these two: */
/* The administrator's name for the audit record (SUDO_USER, SK_K_ACTOR), or NULL. */
const char *cli_actor(void);
/* The connection to the broker, connected on first use; a new connection first presents the
 * caller's admin session (cli_admin_present) when there is one. */
struct sk_client *cli_client(struct cli *c);
/* cli_client, as an exit code: CLI_OK, or CLI_UNAVAILABLE after saying why. */
int cli_connect(struct cli *c);
/* Says that the broker cannot be reached; returns CLI_UNAVAILABLE. */
int cli_unavailable(const struct cli *c);
/* Presents the token file's admin session on the open connection (cli_admin.c). */
void cli_admin_present(struct cli *c);
/* The exit code for a typed call's return r and verdict res, after printing why it is not
 * CLI_OK: the broker unreachable (3), a malformed answer (1), a value that cannot be sent
 * (2, silent: the caller names it), or the verdict as cli_status_error says. */
int cli_verdict(const struct cli *c, int r, const struct skc_result *res, const char *user);
/* Prints the message for a non-OK status (with the broker's reason as a sentence) and
 * returns the exit code for it: 2 for SK_ST_INVALID, 1 for other refusals. */
int cli_status_error(const struct skc_result *res, const char *user);
/* The translated sentence for an enum sk_reason, or NULL when this CLI does not know it. */
const char *cli_reason_text(uint64_t reason);
/* "sekimori: refused: SENTENCE" on stderr; an unknown reason is named by its number. */
void cli_print_reason(uint64_t reason);
/* Prints a JSON document: as JSON with --json, else as indented "key: value" lines. */
void cli_print_json(const struct cli *c, json_object *doc);
/* A read command's end: the exit code for the typed call's return r and out (as
 * cli_verdict), and the document printed when it is CLI_OK. Releases out->doc. */
int cli_show_json(struct cli *c, int r, struct skc_json_out *out, const char *user);
/* A read command about the user named on the command line: the typed call, then as
 * cli_show_json. */
typedef int (*cli_user_json_call)(struct sk_client *, const struct skc_user_in *,
                                  struct skc_json_out *);
int cli_show_user_json(struct cli *c, cli_user_json_call call);
/* The user named on the command line, or NULL after saying that one is required. */
const char *cli_user_arg(const struct cli *c);
/* A table of the objects in the JSON array rows: one column per cli_column, its title
 * (translated) above, values padded by display width; null is "-", booleans yes/no. */
struct cli_column {
	const char *title;   /* N_() msgid */
	const char *key;
};
void cli_print_table(const struct cli_column *cols, size_t ncol, json_object *rows);
/* Looks for --name VALUE in c->argv; returns VALUE or NULL. */
const char *cli_option(const struct cli *c, const char *name);
int cli_flag(const struct cli *c, const char *name);
/* Whether the option is followed by a value (--profile NAME), not a flag (--resident). */
int cli_option_takes_value(const char *a);
/* The first argument that is not an option or an option's value. */
const char *cli_positional(const struct cli *c);

int cli_user_add(struct cli *c);
int cli_user_import(struct cli *c);
int cli_user_show(struct cli *c);
int cli_user_list(struct cli *c);
int cli_user_unlock(struct cli *c);
int cli_user_lock(struct cli *c);
int cli_user_disable(struct cli *c);
int cli_user_enable(struct cli *c);
int cli_user_reset_password(struct cli *c);
int cli_user_set_staff(struct cli *c);
int cli_user_reconfirm(struct cli *c);
int cli_totp_enroll(struct cli *c);
int cli_totp_remove(struct cli *c);
int cli_audit_verify(struct cli *c);
/* audit verify --brokers: the logs of several brokers on one store (cli_audit_brokers.c). */
int cli_audit_verify_brokers(struct cli *c);
int cli_audit_report(struct cli *c);
int cli_fido2_enroll(struct cli *c);
int cli_fido2_list(struct cli *c);
int cli_fido2_remove(struct cli *c);
int cli_card_enroll(struct cli *c);
int cli_card_list(struct cli *c);
int cli_card_revoke(struct cli *c);
int cli_card_dispose(struct cli *c);
int cli_fido2_dispose(struct cli *c);
int cli_report_outstanding(struct cli *c);
int cli_status(struct cli *c);
int cli_admin_login(struct cli *c);
int cli_admin_logout(struct cli *c);
int cli_admin_whoami(struct cli *c);
int cli_hr_import(struct cli *c);
int cli_hr_pending(struct cli *c);
int cli_report_orphans(struct cli *c);
int cli_report_dormant(struct cli *c);
int cli_terminal_revoke(struct cli *c);
int cli_terminal_list(struct cli *c);
int cli_migrate_pam_oath(struct cli *c);
int cli_migrate_google_authenticator(struct cli *c);
int cli_totp_import(struct cli *c);
/* Privileged access (cli_grant.c, cli_review.c). */
int cli_grant_request(struct cli *c);
int cli_grant_breakglass(struct cli *c);
int cli_grant_approve(struct cli *c);
int cli_grant_confirm(struct cli *c);
int cli_grant_deny(struct cli *c);
int cli_grant_revoke(struct cli *c);
int cli_grant_list(struct cli *c);
int cli_user_contractor(struct cli *c);
int cli_role_list(struct cli *c);
int cli_delegation_nominate(struct cli *c);
int cli_delegation_approve(struct cli *c);
int cli_delegation_deny(struct cli *c);
int cli_delegation_revoke(struct cli *c);
int cli_delegation_list(struct cli *c);
int cli_review_list(struct cli *c);
int cli_review_close(struct cli *c);
/* Access review and removal requests (cli_access.c, cli_request.c; issue 10). */
int cli_review_access(struct cli *c);
int cli_request_removal(struct cli *c);
int cli_request_list(struct cli *c);
int cli_request_confirm(struct cli *c);
int cli_request_refuse(struct cli *c);
/* A positive decimal number no larger than max, or 0 (cli_grant.c). */
uint64_t cli_number(const char *s, uint64_t max);
/* The id on the command line, or 0 after saying it is missing or invalid. */
uint64_t cli_id_arg(const struct cli *c);
/* A PRIV_LIST (enum sk_priv_list) reply printed: JSON with --json, else one line per entry
 * of the array `list` with the named fields, or `empty`. */
int cli_priv_list(struct cli *c, unsigned what, const char *list, const char *const *fields,
                  const char *empty);

/* Keys beyond libfido2's own discovery (cli_fido2_devices.c: none; a test build replaces
 * that file). */
struct skf_devlist;
void cli_fido2_extra_devices(struct skf_devlist *l);

#endif
