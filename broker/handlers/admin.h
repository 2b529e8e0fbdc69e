/* Administrative requests from the sekimori CLI. Every one is audited with the peer that
 * asked (R-LOG-3). */
#ifndef BROKER_ADMIN_H
#define BROKER_ADMIN_H
#include <json-c/json.h>

#include "broker.h"

int admin_status(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_add(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_show(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_unlock(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_lock(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_disable(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_enable(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_reset_password(struct broker_conn *c, const struct sk_msg *req,
                              struct sk_msg *reply);
int admin_totp_enroll_begin(struct broker_conn *c, const struct sk_msg *req,
                            struct sk_msg *reply);
int admin_totp_enroll_confirm(struct broker_conn *c, const struct sk_msg *req,
                              struct sk_msg *reply);
int admin_totp_remove(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_fido2_enroll_begin(struct broker_conn *c, const struct sk_msg *req,
                             struct sk_msg *reply);
int admin_fido2_enroll_finish(struct broker_conn *c, const struct sk_msg *req,
                              struct sk_msg *reply);
int admin_fido2_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_fido2_remove(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_card_enroll(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_card_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_card_revoke(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_card_dispose(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_hr_stage(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_hr_commit(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_hr_pending(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* sekimori user import (admin_import.c): at most USER_IMPORT_MAX users per file. */
#define USER_IMPORT_MAX 100000
int admin_user_import_stage(struct broker_conn *c, const struct sk_msg *req,
                            struct sk_msg *reply);
int admin_user_import_commit(struct broker_conn *c, const struct sk_msg *req,
                             struct sk_msg *reply);
/* Drops what the connection staged (wiped); called when the connection ends. */
void admin_import_free(struct broker_conn *c);
/* Privileged sessions (priv_admin.c): lock --all-privileged. */
int admin_priv_end_all(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* Privileged access (issue 9): admin_grant.c, admin_grant_list.c, admin_delegation.c. */
int admin_grant_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_grant_approve(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_grant_deny(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_grant_revoke(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_priv_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_user_contractor(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_delegation_nominate(struct broker_conn *c, const struct sk_msg *req,
                              struct sk_msg *reply);
int admin_delegation_decide(struct broker_conn *c, const struct sk_msg *req,
                            struct sk_msg *reply);
int admin_review_close(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* Access review and removal requests (issue 10): admin_access_review.c, admin_removal.c. */
int admin_access_review(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_access_certify(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* As the peer's own account (SK_ROLE_SELF), not an administrator. */
int removal_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int removal_decide(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* R-PRIV-4: 1 when the request may go on; 0 when the admin session's person is a contractor
 * and the user it changes is a privileged ID (refused and audited here, the reply says why);
 * or an error. */
int admin_contractor_allowed(struct broker_conn *c, const struct sk_msg *req,
                             const char *request, struct sk_msg *reply);

struct user_rec;

/* The target user (SK_K_USER) loaded from the store: SK_OK; ADMIN_ANSWERED when the reply
 * already says BAD_REQUEST or NOT_FOUND; or an error. */
#define ADMIN_ANSWERED 1
int admin_find_user(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                    struct user_rec *u);
/* Shared by the admin handlers: the target user from SK_K_USER, validated. */
int admin_target_user(const struct sk_msg *req, char *user, size_t cap);
/* Reads the target user and runs fn under that user's lock. */
int admin_with_user_lock(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                         int (*fn)(struct broker_conn *, const struct sk_msg *, const char *,
                                   struct sk_msg *));
/* Runs fn on the target user under the user's lock, in one transaction with its audit
 * record (event); answers NOT_FOUND / OK. */
int admin_change_user(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                      const char *event,
                      int (*fn)(struct broker_conn *, struct user_rec *, void *), void *arg);
/* A refusal that says why: status (BAD_REQUEST, INVALID, ...) and SK_K_REASON, which the
 * CLI turns into a sentence in the administrator's language (issue 7). */
int admin_refuse(struct sk_msg *reply, enum sk_status st, enum sk_reason why);
/* INVALID with reason INVALID_USER_NAME: a user name missing, too long or not allowed. */
int admin_refuse_user_name(struct sk_msg *reply);
/* Puts a json-c document into the reply as SK_K_JSON with status OK; releases doc. */
int admin_reply_json(struct sk_msg *reply, json_object *doc);
/* The factor records of the target user as a JSON array reply: list fills up to cap records
 * of rec_size bytes into recs, to_json turns one into an object. Answers NOT_FOUND itself. */
int admin_list_json(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                    size_t rec_size, size_t cap,
                    int (*list)(struct broker_conn *, int64_t, void *, size_t, size_t *),
                    json_object *(*to_json)(const void *));
/* The admin's own name as the CLI reported it (SUDO_USER), for the audit record. */
json_object *admin_actor(const struct sk_msg *req, json_object *extra);

#endif
