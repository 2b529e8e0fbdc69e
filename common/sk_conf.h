/* sekimori.conf: one parser for the broker, the module and the CLI (sekimori.conf(5)).
 * INI syntax (inih). [broker] holds paths and limits; each [profile NAME] is a policy a PAM
 * line names with profile=NAME. */
#ifndef SK_CONF_H
#define SK_CONF_H
#include <limits.h>
#include <stddef.h>

#include "sk_origin.h"
#include "sk_proto.h"
#include "sk_conf_tls.h"

#define SK_PROFILES_MAX 16
#define SK_METHODS_MAX 8
#define SK_MESSAGE_MAX 2048

enum sk_knowledge_source {
	SK_KNOWLEDGE_BROKER = 0,  /* the broker's own password store */
	SK_KNOWLEDGE_STACK = 1,   /* a preceding PAM module (pam_unix, pam_sss) checked it */
};

struct sk_profile {
	char name[SK_NAME_MAX];
	int line;                         /* where the section starts, for error messages */
	unsigned required_classes;        /* bitmask of enum sk_class that must all be proven */
	unsigned min_classes;             /* at least this many different classes */
	unsigned methods[SK_METHODS_MAX]; /* enum sk_method, in order of preference */
	size_t n_methods;
	enum sk_knowledge_source knowledge;
	unsigned deny;                    /* failures before the lock */
	unsigned fail_interval;           /* seconds in which failures add up */
	unsigned unlock_time;             /* seconds; 0 = only an administrator unlocks */
	unsigned idle_timeout;            /* seconds; exported as TMOUT */
	unsigned pw_min_length;
	unsigned pw_min_classes;
	unsigned pw_history;
	unsigned pw_max_age_days;         /* 0 = never expires */
	/* Accounts whose own profile this is, without a successful login in this many days, are
	 * disabled by the broker (issue 10, R-LIFE-3); 0 = never. Not merged with a PAM line's
	 * profile: the broker's sweep reads the account's profile only. */
	unsigned dormant_suspend_days;
	unsigned totp_window;             /* steps either side of now */
	int allow_remote;                 /* remote logins (default no), unless `origins` says */
	struct sk_origin_policy origin;   /* origins, from.KIND, classes.KIND (sk_origin.h) */
	unsigned fido2_uv;                /* enum skf_uv (fido2/skf_common.h), in uv_names order */
	int fido2_up;                     /* demand user presence (touch) */
	unsigned card_removal;            /* enum sk_card_removal (R-CARD-2) */
	char message[SK_MESSAGE_MAX];     /* the login message (R-LOGIN-1) */
};

enum sk_card_removal {
	SK_CARD_REMOVAL_NONE = 0,
	SK_CARD_REMOVAL_LOCK = 1,         /* lock the session (logind) */
	SK_CARD_REMOVAL_END = 2,          /* end the session */
};

/* [fido2]: the relying party and the attestation policy (issue 3). The keys that fill it, and
 * every factor's profile keys (totp_window, fido2_uv, fido2_up, card_removal), are listed
 * with their limits, defaults and merge rules in the factor's row of sk_factor.c. */
struct sk_fido2_conf {
	char rp_id[254];                  /* empty: FIDO2 is not configured */
	char attestation_roots[PATH_MAX]; /* PEM trust store; empty: attestation not required */
	char allowed_aaguids[1024];       /* models that may enrol; empty: any */
	char inherence_aaguids[1024];     /* models whose built-in UV counts as inherence */
	int inherence_line;               /* where inherence_aaguids stands (start-up check) */
	unsigned timeout;                 /* seconds the module waits for a touch */
};

/* [card]: IC cards over PC/SC (issue 4); its keys: sk_factor.c. */
struct sk_card_conf {
	char trust_anchors[PATH_MAX];     /* PEM CA certificates; empty: cards not configured */
	char crl[PATH_MAX];               /* optional imported CRL file */
	char lock_command[PATH_MAX];      /* run on removal instead of logind's lock-session */
	unsigned timeout;                 /* seconds the module waits for a card */
};

#define SK_CONF_AUTO 0xffffffffu   /* a value the user left to the program */
#define SK_BROKER_ID_MAX 64        /* broker_id, NUL included */

/* Privileged roles (issue 9, doc/privileged-access.md): [role NAME] sections, read by
 * sk_conf_role.c. Lists are comma-separated in the file, kept here one name per entry. */
#define SK_ROLES_MAX 16
#define SK_ROLE_ITEMS 16                  /* names in one list */
#define SK_ROLE_REASON_MAX 256

struct sk_name_list {
	char v[SK_ROLE_ITEMS][SK_NAME_MAX];
	size_t n;
};

struct sk_priv_role {
	char name[SK_NAME_MAX];
	int line;                          /* where the section starts */
	struct sk_name_list services;      /* PAM services it unlocks (sudo, su, sshd-admin) */
	struct sk_name_list groups;        /* unix groups added for the session */
	struct sk_name_list accounts;      /* privileged accounts it unlocks */
	struct sk_name_list holders;       /* who may request it (with approved delegates) */
	struct sk_name_list breakglass;    /* who may grant it to themselves in an emergency */
	/* HR department codes the role is tied to (issue 10): empty = none. A holder whose HR
	 * department is not listed does not hold it; an HR transfer out of a listed department
	 * revokes the user's grants and delegations of it (broker/handlers/hr_transfer.c). */
	struct sk_name_list departments;
	unsigned max_minutes;              /* longest grant (R-PRIV-7) */
	unsigned breakglass_minutes;       /* longest break-glass grant */
	unsigned approvers;                /* 1 or 2 different approvers */
	char approver_role[SK_NAME_MAX];   /* whose holders approve; "" = this role's holders */
	int contractors;                   /* contractors may hold it (default no) */
	int two_person;                    /* a second person confirms before it activates */
	char default_name_reason[SK_ROLE_REASON_MAX]; /* why an account has a default name */
};

/* [grant]: what every role shares. */
struct sk_grant_conf {
	char notify_command[PATH_MAX];     /* exec'd (no shell) for each notified event; "" none */
	unsigned notify_timeout;           /* seconds before the command is killed */
	struct sk_name_list delegation_notify; /* roles whose holders hear of delegations */
	unsigned pending_minutes;          /* a request not decided by then expires */
	char ciso_role[SK_NAME_MAX];       /* approves delegations, closes break-glass reviews */
	struct sk_name_list default_admin_names; /* names a role's accounts may not have */
};

struct sk_conf {
	char path[PATH_MAX];
	char socket_path[108];
	char socket_group[SK_NAME_MAX];
	char admin_group[SK_NAME_MAX];
	char store_path[PATH_MAX];        /* a SQLite file, or a postgresql:// URI */
	char broker_id[SK_BROKER_ID_MAX]; /* this broker among those sharing one store */
	char audit_log[PATH_MAX];
	char audit_anchor[PATH_MAX];
	char key_dir[PATH_MAX];
	char locale_dir[PATH_MAX];
	char language[16];                /* "ja", "C", or "auto" (the process locale) */
	char totp_issuer[SK_NAME_MAX];
	char default_profile[SK_NAME_MAX];
	unsigned max_clients;             /* connections open at once (accepted, queued or served) */
	unsigned workers;                 /* threads that serve requests (broker/daemon/server_pool.c) */
	unsigned auth_timeout;            /* seconds between AUTH_BEGIN and AUTH_FINISH */
	unsigned request_timeout_ms;      /* one request/reply on the socket */
	/* Connection slots (broker/server.c): slots of max_clients only root peers (the module)
	 * may take (SK_CONF_AUTO: a quarter), connections at once per other uid, the longest a
	 * connection stays open from its accept (seconds), and one refusal log line per peer
	 * uid per this many seconds. */
	unsigned root_reserved_clients;
	unsigned max_clients_per_uid;
	unsigned connection_lifetime;
	unsigned refusal_log_interval;
	/* Administrators as themselves (doc/architecture.md "Roles"): the profile an admin login
	 * is checked against (and that makes an account an administrator), how long an admin
	 * session lasts, how recent its MFA must be for requests that want it fresh, and the
	 * group whose members may read (status, users, factors) without changing anything. */
	char admin_profile[SK_NAME_MAX];
	unsigned admin_session_minutes;
	unsigned fresh_mfa_minutes;
	char auditor_group[SK_NAME_MAX];  /* empty: no auditor group */
	/* HR import (doc/hr-import.md): the IANA time zone whose calendar day decides when an
	 * event is due, and how often (seconds) the broker looks for events that became due. */
	char hr_timezone[64];
	unsigned hr_check_interval;
	/* Privileged sessions (issue 9): how many minutes before a session's deadline (its grant's
	 * end) the session agent warns the user on the terminal; 0: no warning. */
	unsigned priv_warn_minutes;
	/* The remote transport (sk_conf_tls.h): the broker's TLS listener and, in [client], the
	 * brokers the module reaches over TLS. */
	struct sk_tls_conf tls;
	struct sk_fido2_conf fido2;
	struct sk_card_conf card;
	struct sk_profile profiles[SK_PROFILES_MAX];
	size_t n_profiles;
	struct sk_grant_conf grant;
	struct sk_priv_role roles[SK_ROLES_MAX];
	size_t n_roles;
};

/* 1 when name is a time zone the system knows: [A-Za-z0-9_+-/], no "..", and a file of
 * that name under /usr/share/zoneinfo. */
int sk_conf_valid_timezone(const char *name);

/* Fills defaults, then reads path. On error writes "FILE:LINE: what is wrong" to err and
 * returns SK_ERR_CONFIG. Profiles are validated (sk_conf_check_profile) as they are read. */
int sk_conf_load(const char *path, struct sk_conf *conf, char *err, size_t errsz);
void sk_conf_defaults(struct sk_conf *conf);
const struct sk_profile *sk_conf_profile(const struct sk_conf *conf, const char *name);

/* The role of that name, or NULL. */
const struct sk_priv_role *sk_conf_role(const struct sk_conf *conf, const char *name);
/* 1 when name is in the list. */
int sk_name_list_has(const struct sk_name_list *l, const char *name);

/* Classes a method can prove at most (for validation and planning). */
unsigned sk_method_classes(unsigned method);
const char *sk_method_name(unsigned method);
int sk_method_parse(const char *name, unsigned *out);
unsigned sk_class_count(unsigned mask);
/* "knowledge,possession" style rendering of a class mask. */
void sk_class_names(unsigned mask, char *out, size_t outsz);
/* "password,totp" style rendering of a list of methods. */
void sk_method_names(const unsigned *methods, size_t n, char *out, size_t outsz);

/* The stricter of two profiles: the line's profile (what this endpoint demands) and the
 * user's own profile (what the ID demands, e.g. privileged IDs, R-PRIV-5). */
void sk_profile_merge(const struct sk_profile *line, const struct sk_profile *user,
                      struct sk_profile *out);

#endif
