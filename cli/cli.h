/* sekimori: the admin and self-service CLI. */
#ifndef CLI_H
#define CLI_H
#include <json-c/json.h>

#include "sk_client.h"
#include "sk_conf.h"
#include "sk_msg.h"

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

/* A request to the broker, carrying SK_K_ACTOR (SUDO_USER) for the audit record. */
struct sk_msg *cli_request(unsigned type);
/* Opens the connection once, presenting the caller's admin session (cli_admin.c) when
 * there is one. CLI_OK, or CLI_UNAVAILABLE after saying why. */
int cli_connect(struct cli *c);
/* Says that the broker cannot be reached; returns CLI_UNAVAILABLE. */
int cli_unavailable(const struct cli *c);
/* Presents the token file's admin session on the open connection (cli_admin.c). */
void cli_admin_present(struct cli *c);
/* Sends and receives; on failure prints why and returns CLI_UNAVAILABLE. */
int cli_call(struct cli *c, const struct sk_msg *req, struct sk_msg **reply);
/* Prints the message for a non-OK status (with the broker's SK_K_REASON as a sentence) and
 * returns the exit code for it: 2 for SK_ST_INVALID, 1 for other refusals. */
int cli_status_error(const struct sk_msg *reply, const char *user);
/* The translated sentence for an enum sk_reason, or NULL when this CLI does not know it. */
const char *cli_reason_text(uint64_t reason);
/* "sekimori: refused: SENTENCE" on stderr; an unknown reason is named by its number. */
void cli_print_reason(uint64_t reason);
/* Prints a JSON document: as JSON with --json, else as indented "key: value" lines. */
void cli_print_json(const struct cli *c, json_object *doc);
/* Sends a request (with the user when given) and prints the JSON the broker returns. */
int cli_show_json(struct cli *c, unsigned type, const char *user);
/* Looks for --name VALUE in c->argv; returns VALUE or NULL. */
const char *cli_option(const struct cli *c, const char *name);
int cli_flag(const struct cli *c, const char *name);
/* Whether the option is followed by a value (--profile NAME), not a flag (--resident). */
int cli_option_takes_value(const char *a);
/* The first argument that is not an option or an option's value. */
const char *cli_positional(const struct cli *c);

int cli_user_add(struct cli *c);
int cli_user_show(struct cli *c);
int cli_user_list(struct cli *c);
int cli_user_unlock(struct cli *c);
int cli_user_lock(struct cli *c);
int cli_user_disable(struct cli *c);
int cli_user_enable(struct cli *c);
int cli_user_reset_password(struct cli *c);
int cli_totp_enroll(struct cli *c);
int cli_totp_remove(struct cli *c);
int cli_audit_verify(struct cli *c);
int cli_fido2_enroll(struct cli *c);
int cli_fido2_list(struct cli *c);
int cli_fido2_remove(struct cli *c);
int cli_card_enroll(struct cli *c);
int cli_card_list(struct cli *c);
int cli_card_revoke(struct cli *c);
int cli_card_dispose(struct cli *c);
int cli_status(struct cli *c);
int cli_admin_login(struct cli *c);
int cli_admin_logout(struct cli *c);
int cli_admin_whoami(struct cli *c);

/* Keys beyond libfido2's own discovery (cli_fido2_devices.c: none; a test build replaces
 * that file). */
struct skf_devlist;
void cli_fido2_extra_devices(struct skf_devlist *l);

#endif
