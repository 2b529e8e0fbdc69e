/* The module <-> broker and CLI <-> broker protocol, version 1 (doc/protocol.md).
 *
 * A frame is a 4-byte big-endian length (at most SK_MSG_MAX) followed by one CBOR map with
 * unsigned integer keys. Key 0 is the protocol version, key 1 the message type. Values are
 * unsigned integers, booleans, text, byte strings, or arrays of one of those. */
#ifndef SK_PROTO_H
#define SK_PROTO_H

#define SK_PROTO_VERSION 1
#define SK_MSG_MAX 65536
#define SK_TEXT_MAX 60000         /* any single value (JSON documents are the largest) */
#define SK_ARRAY_MAX 32           /* any array */
/* HR_STAGE's SK_K_HR_RECORD_BLOCK: at most this many records of at most 127 bytes each,
 * joined by '\n' (so at most SK_HR_STAGE_BLOCK_MAX bytes, within SK_TEXT_MAX and a frame);
 * of them at most SK_ARRAY_MAX hires, whose passwords the reply's array carries. */
#define SK_HR_STAGE_RECORDS_MAX 448
#define SK_HR_STAGE_BLOCK_MAX (SK_HR_STAGE_RECORDS_MAX * 128)
#define SK_USER_MAX 64            /* user names */
#define SK_NAME_MAX 64            /* profile, service and method names */
#define SK_HOST_MAX 256           /* PAM_RHOST, PAM_TTY */
#define SK_PASSWORD_MAX 256       /* bytes; longer passwords are refused, never cut */
#define SK_ATTEMPT_TOKEN_LEN 16   /* bytes: a pending stack attempt (SK_K_ATTEMPT_TOKEN) */
#define SK_AUTH_TICKET_LEN 32     /* bytes: an authentication ticket (SK_K_AUTH_TICKET) */
/* SK_K_SESSION_ACTION's value beside enum sk_card_removal's LOCK (1) and END (2): a warning
 * of the privileged session's deadline; the watch connection stays open after it. */
#define SK_SESSION_WARN 3
#define SK_ADMIN_TOKEN_LEN 32     /* bytes: an admin session (SK_K_ADMIN_TOKEN) */

/* Message types. Requests the module sends need a root peer; admin requests need an admin
 * session (or, for the recovery subset, root), reads the auditor role (broker/daemon/dispatch.c
 * lists every type once with the roles that may send it). */
enum sk_msg_type {
	SK_REQ_AUTH_BEGIN = 1,
	SK_REQ_AUTH_FINISH = 2,
	SK_REQ_PREAUTH = 3,
	SK_REQ_AUTHFAIL = 4,
	SK_REQ_ACCT = 5,
	SK_REQ_CHAUTHTOK = 6,
	SK_REQ_SESSION_OPEN = 7,
	SK_REQ_SESSION_CLOSE = 8,

	SK_REQ_STATUS = 20,
	SK_REQ_USER_ADD = 21,
	SK_REQ_USER_SHOW = 22,
	SK_REQ_USER_LIST = 23,
	SK_REQ_USER_UNLOCK = 24,
	SK_REQ_USER_RESET_PASSWORD = 25,
	SK_REQ_USER_LOCK = 26,        /* incident response: stop an ID at once (R-INC-1) */
	SK_REQ_USER_DISABLE = 27,
	SK_REQ_USER_ENABLE = 28,
	SK_REQ_TOTP_ENROLL_BEGIN = 30,
	SK_REQ_TOTP_ENROLL_CONFIRM = 31,
	SK_REQ_TOTP_REMOVE = 32,
	SK_REQ_FIDO2_ENROLL_BEGIN = 33,
	SK_REQ_FIDO2_ENROLL_FINISH = 34,
	SK_REQ_FIDO2_LIST = 35,
	SK_REQ_FIDO2_REMOVE = 36,
	SK_REQ_CARD_ENROLL = 40,
	SK_REQ_CARD_LIST = 41,
	SK_REQ_CARD_REVOKE = 42,
	SK_REQ_CARD_DISPOSE = 43,
	SK_REQ_SESSION_EVENT = 44,   /* the card left the reader: session locked or ended */
	/* The session agent's standing request: answered at once (registered) and again when the
	 * broker orders the session locked or ended (doc/protocol.md). */
	SK_REQ_SESSION_WATCH = 48,
	/* 52-57: administrators as themselves (issue 8, item 5; doc/protocol.md "Roles"). */
	SK_REQ_ADMIN_LOGIN_BEGIN = 52,  /* step-up of the calling administrator: AUTH_BEGIN's core */
	SK_REQ_ADMIN_LOGIN_FINISH = 53, /* AUTH_FINISH's core; OK carries a new admin session */
	SK_REQ_ADMIN_LOGOUT = 54,       /* ends the admin session attached to the connection */
	SK_REQ_ADMIN_WHOAMI = 55,       /* the connection's roles and admin session */
	SK_REQ_ADMIN_ATTACH = 56,       /* presents an admin session token for this connection */
	/* 57-62: remote access (issue 14). RADIUS challenge mode (doc/remote-access.md): the
	 * first round (user name and password) and the second (the one-time code), joined by
	 * a login transaction the broker keeps between them, named by SK_K_RADIUS_STATE. */
	SK_REQ_RADIUS_BEGIN = 57,
	SK_REQ_RADIUS_CONTINUE = 58,
	/* HR import (doc/hr-import.md): the CLI validates the file and stages its records in
	 * batches; COMMIT applies the staged rows of one file in one transaction. */
	SK_REQ_HR_STAGE = 63,
	SK_REQ_HR_COMMIT = 64,
	SK_REQ_HR_PENDING = 65,
	/* Bulk enrolment (sekimori user import, doc/bulk-enrol.md): the CLI validates the file
	 * and stages its rows in batches on its connection (SK_K_HR_FILE, SK_K_HR_RECORDS,
	 * SK_K_HR_FIRST); COMMIT (SK_K_HR_FILE, SK_K_HR_COUNT) adds them in one transaction. */
	SK_REQ_USER_IMPORT_STAGE = 90,
	SK_REQ_USER_IMPORT_COMMIT = 91,
	/* 66-69: HR links and reconciliation (issue 10; doc/hr-import.md). */
	SK_REQ_USER_SET_STAFF = 66,     /* links an account to a staff number ("" unlinks) */
	SK_REQ_REPORT_ORPHANS = 67,     /* accounts with no HR record, HR records with no account */
	SK_REQ_REPORT_DORMANT = 68,     /* accounts with no successful login in SK_K_DAYS days */
	/* 80-83: privileged sessions (issue 9, the login side; doc/protocol.md). */
	SK_REQ_PRIV_END_ALL = 80,   /* lock --all-privileged: end every live privileged session
	                             * at once and lock the accounts that held them (R-INC-1) */
	/* 70-79: privileged access just in time (issue 9, doc/privileged-access.md). Every one
	 * acts as the admin session's authenticated person; approvals want fresh MFA. */
	SK_REQ_GRANT_REQUEST = 70,    /* a grant of a role for the caller (or break-glass) */
	SK_REQ_GRANT_APPROVE = 71,    /* approve (or, SK_K_GRANT_STEP 1, confirm) someone else's */
	SK_REQ_GRANT_DENY = 72,
	SK_REQ_GRANT_REVOKE = 73,     /* ends a grant at once, whatever its state */
	SK_REQ_PRIV_LIST = 74,        /* a JSON list: SK_K_LIST_WHAT says which */
	SK_REQ_USER_CONTRACTOR = 75,  /* marks or unmarks a user as a contractor */
	SK_REQ_DELEGATION_NOMINATE = 76,
	SK_REQ_DELEGATION_DECIDE = 77,/* SK_K_GRANT_STEP: 0 approve, 1 deny, 2 revoke */
	SK_REQ_REVIEW_CLOSE = 79,     /* closes a break-glass review with a comment */
	/* 92-94: remote terminals (issue 12, item 4; doc/deployment.md "Remote terminals"). */
	SK_REQ_TERMINAL_REVOKE = 92,  /* revokes a terminal certificate: SK_K_TERMINAL_FP or
	                               * SK_K_TERMINAL_SERIAL; the reply's SK_K_TERMINAL_COUNT
	                               * says how many were revoked by it */
	SK_REQ_TERMINAL_LIST = 93,    /* SK_K_JSON: every terminal the broker has seen or revoked */
	/* 84-87: access review and self-service removal requests (issue 10, items 6-7;
	 * doc/privileged-access.md "Access review", doc/hr-import.md "Removal requests"). */
	SK_REQ_ACCESS_REVIEW = 84,    /* a JSON list: SK_K_REVIEW_WHAT says which */
	SK_REQ_ACCESS_CERTIFY = 85,   /* records the admin session's person's certification of
	                               * the access listing now, SK_K_COMMENT optional */
	SK_REQ_REMOVAL_REQUEST = 86,  /* the peer's own account asks for a factor or role to be
	                               * removed: SK_K_REMOVAL_KIND, SK_K_REMOVAL_TARGET,
	                               * SK_K_GRANT_REASON; reply SK_K_REQUEST_ID */
	SK_REQ_REMOVAL_DECIDE = 87,   /* SK_K_REQUEST_ID, SK_K_GRANT_STEP 0 confirm (removes at
	                               * once) or 1 refuse, SK_K_COMMENT optional */
	/* 97: an HR return's factors re-confirmed (issue 10, item 4; doc/hr-import.md). */
	SK_REQ_USER_RECONFIRM = 97,   /* clears the account's "to be re-confirmed" mark; reply
	                               * SK_K_JSON: the factors confirmed */
	/* 98-99: what a retired person still has to hand back (R-LIFE-5). */
	SK_REQ_FIDO2_DISPOSE = 98,    /* closes outstanding security keys: SK_K_USER (all of
	                               * theirs) and/or SK_K_FACTOR_ID (the one with that
	                               * outstanding id), SK_K_DISPOSAL, SK_K_MESSAGE (note,
	                               * optional); reply SK_K_JSON {"disposed": [ids]} */
	SK_REQ_REPORT_OUTSTANDING = 99, /* a JSON report of outstanding cards and keys */

	SK_MSG_REPLY = 100,
};

/* Map keys. One list for every message so a key means the same everywhere. */
enum sk_msg_key {
	SK_K_VERSION = 0,
	SK_K_TYPE = 1,
	SK_K_STATUS = 2,        /* uint, enum sk_status (replies) */
	SK_K_USER = 3,
	SK_K_SERVICE = 4,
	SK_K_RHOST = 5,
	SK_K_TTY = 6,
	SK_K_PROFILE = 7,
	SK_K_STEPS = 8,         /* uint array of enum sk_method: what the module must collect */
	SK_K_BANNER = 9,        /* text: the profile's login message */
	SK_K_PASSWORD = 10,     /* text, secret */
	SK_K_OTP = 11,          /* text, secret */
	SK_K_NEW_PASSWORD = 12, /* text, secret */
	SK_K_LOCKED_UNTIL = 13, /* uint: epoch seconds; 0 = until an administrator unlocks */
	SK_K_REASON = 14,       /* uint: enum sk_reason, why a request was refused */
	SK_K_SESSION_ID = 15,   /* uint */
	SK_K_PID = 16,
	SK_K_LAST_LOGIN = 17,   /* uint epoch, 0 = never */
	SK_K_LAST_FROM = 18,    /* text */
	SK_K_LAST_LOGOUT = 19,  /* uint epoch, 0 = never */
	SK_K_FAILURES = 20,     /* uint: failed attempts since the last login */
	SK_K_IDLE_TIMEOUT = 21, /* uint seconds */
	SK_K_JSON = 22,         /* text: a JSON document for read commands */
	SK_K_TEMP_PASSWORD = 23,/* text, secret, shown once */
	SK_K_ALGORITHM = 24,    /* text */
	SK_K_DIGITS = 25,
	SK_K_PERIOD = 26,
	SK_K_SECRET = 27,       /* bytes, secret: an imported TOTP seed */
	SK_K_URI = 28,          /* text, secret: otpauth:// URI */
	SK_K_ENROLL_ID = 29,
	SK_K_STACK_KNOWLEDGE = 30, /* bool: a preceding PAM module checked the password */
	SK_K_CLASSES = 31,      /* uint bitmask of enum sk_class proven */
	SK_K_FAIL_LIMIT = 32,   /* uint: deny */
	SK_K_ACTOR = 33,        /* text: SUDO_USER of an admin command, informational */
	SK_K_MESSAGE = 34,      /* text: detail for administrators (English) */
	SK_K_REMAINING = 35,    /* uint: attempts left before the lock */
	SK_K_MAX_AGE_DAYS = 36,
	SK_K_PW_EXPIRES = 37,   /* uint epoch */
	SK_K_FIDO2_CHALLENGE = 38, /* bytes (32): the client data hash the key signs */
	SK_K_RP_ID = 39,        /* text: FIDO2 relying party id */
	SK_K_CRED_IDS = 40,     /* bytes array: the credentials a login may use */
	SK_K_UV = 41,           /* uint: enum skf_uv, user verification the profile wants */
	SK_K_TIMEOUT_MS = 42,   /* uint: how long the module waits for a device */
	SK_K_CRED_ID = 43,      /* bytes */
	SK_K_AUTHDATA = 44,     /* bytes: authenticator data (CBOR byte string) */
	SK_K_SIG = 45,          /* bytes: a signature (FIDO2 assertion or card) */
	SK_K_UV_METHOD = 46,    /* text: "none" | "pin" | "builtin" */
	SK_K_DEVICE_FAIL = 47,  /* uint: why the module got no evidence from a device */
	SK_K_FMT = 48,          /* text: attestation format */
	SK_K_COSE_ALG = 49,     /* uint: minus the COSE algorithm (7 = ES256, 8 = EdDSA, 257 = RS256) */
	SK_K_ATTSTMT = 50,      /* bytes: CBOR attestation statement */
	SK_K_USER_HANDLE = 51,  /* bytes: opaque FIDO2 user id */
	SK_K_RESIDENT = 52,     /* bool */
	SK_K_CARD_CHALLENGE = 53, /* bytes: the nonce the card signs */
	SK_K_CERT = 54,         /* bytes: DER certificate */
	SK_K_CARD_KIND = 55,    /* uint: enum sk_card_kind */
	SK_K_FACTOR_ID = 56,    /* uint: a factor's id (fido2 list/remove, cards) */
	SK_K_CARD_REASON = 57,  /* text: lost | damaged | returned | replaced */
	SK_K_CERT_HASH = 58,    /* text: hex SHA-256 of the certificate's SubjectPublicKeyInfo */
	SK_K_PIN_TRIES = 59,    /* uint: tries left on a card PIN */
	SK_K_EVENT = 60,        /* text: session event name */
	SK_K_CARD_REMOVAL = 61, /* uint: enum sk_card_removal of the effective profile */
	SK_K_CARD_KEYS = 62,    /* bytes array (32 each): SHA-256 of the SubjectPublicKeyInfo of
	                         * every key the user may log in with (AUTH_BEGIN); the module
	                         * sends a PIN only to a card holding one of them (R-CARD-1) */
	SK_K_CARD_FAIL = 63,    /* uint: enum sk_reason (15..24): why the card step gave no
	                         * evidence (AUTH_FINISH, with SK_K_DEVICE_FAIL) */
	SK_K_CARD_UID = 64,     /* text: the card's identity, "piv-guid:HEX" or "piv-fascn:HEX"
	                         * from the PIV CHUID; absent for JPKI (enrolment, AUTH_FINISH) */
	SK_K_CARD_CERTS = 65,   /* bytes array: every other certificate on the card (enrolment),
	                         * so that every key of one card is bound to one person */
	SK_K_ATTEMPT_TOKEN = 75,/* bytes (16): a pending stack attempt, from PREAUTH's reply */
	SK_K_DISPOSAL = 77,     /* text: collected | destroyed | lost (FIDO2_DISPOSE) */
	SK_K_ABANDONED = 76,    /* bool: AUTHFAIL for a stack login that ended unfinished */
	SK_K_SESSION_ACTION = 70, /* uint: enum sk_card_removal, LOCK or END: what the agent does;
	                           * or SK_SESSION_WARN, a warning that is not the last answer */
	SK_K_ADMIN_TOKEN = 82,  /* bytes (32), secret: an admin session (ADMIN_LOGIN_FINISH, ATTACH) */
	SK_K_ADMIN_EXPIRES = 83,/* uint epoch: when the admin session ends */
	SK_K_ADMIN_AUTH_AT = 84,/* uint epoch: when its holder last proved their factors */
	SK_K_ROLES = 85,        /* uint: bitmask of enum sk_role the connection holds */
	/* 95-104: remote access (issue 14). */
	SK_K_FRONTEND = 95,     /* uint: enum sk_frontend (sk_origin.h), the PAM line's
	                         * frontend=; absent: local without PAM_RHOST, else other */
	SK_K_RADIUS_STATE = 96, /* bytes (32): the RADIUS State of a pending challenge login */
	SK_K_NAS = 97,          /* text: the RADIUS NAS (NAS-IP-Address, NAS-IPv6-Address or
	                         * NAS-Identifier), audited as "nas" */
	SK_K_HR_RECORD_BLOCK = 74, /* bytes (at most SK_HR_STAGE_BLOCK_MAX): HR_STAGE's records,
	                         * 1..SK_HR_STAGE_RECORDS_MAX texts of SK_K_HR_RECORDS joined by
	                         * '\n', at most SK_ARRAY_MAX of them hires; instead of
	                         * SK_K_HR_RECORDS, never with it */
	SK_K_HR_FILE = 105,     /* text: lower-case hex SHA-256 of the HR file's bytes */
	SK_K_HR_RECORDS = 106,  /* bytes array (at most SK_ARRAY_MAX): one HR record each,
	                         * "staff\tevent\temployment\tdept\tYYYY-MM-DD\tline" */
	SK_K_HR_FIRST = 107,    /* bool: the first batch of a file (drops an older staging) */
	SK_K_HR_COUNT = 108,    /* uint: records the CLI staged (HR_COMMIT checks it) */
	SK_K_HR_STAFF = 109,    /* text: the staff number a refusal is about */
	SK_K_HR_LINE = 110,     /* uint: the file line a refusal is about */
	SK_K_HR_TEMP_PASSWORDS = 111, /* bytes array, secret: "staff\tpassword" for each hire
	                               * HR_STAGE staged (shown once, after the commit) */
	/* 86-94: HR links and reconciliation (issue 10). */
	SK_K_STAFF_NO = 86,     /* text: a user's HR staff number, 1-16 digits (USER_ADD,
	                         * USER_SET_STAFF; "" unlinks in USER_SET_STAFF) */
	SK_K_DAYS = 87,         /* uint: REPORT_DORMANT's threshold in days, 1..36500 */
	/* 98-101: remote terminals (issue 12, item 4). */
	SK_K_TERMINAL_FP = 98,     /* text: a certificate's SHA-256, 64 lower-case hex digits */
	SK_K_TERMINAL_SERIAL = 99, /* text: a certificate's serial, lower-case hex, no leading 0 */
	SK_K_TERMINAL_COUNT = 100, /* uint: terminals TERMINAL_REVOKE revoked (0: already were) */
	/* 88-91: access review and removal requests (issue 10). */
	SK_K_REMOVAL_KIND = 88, /* uint: enum sk_removal_kind */
	SK_K_REMOVAL_TARGET = 89,/* text: the FIDO2 credential's or card's id in decimal, or the
	                          * role's name; "" for TOTP (all of the user's TOTP) */
	SK_K_REQUEST_ID = 90,   /* uint: a removal request's id */
	SK_K_REVIEW_WHAT = 91,  /* uint: enum sk_review_what (ACCESS_REVIEW) */
	/* 124-127, 71-74: privileged sessions (issue 9, the login side). */
	SK_K_AUTH_TICKET = 124, /* bytes (32), secret: AUTH_FINISH's proof of this transaction's
	                         * authentication, presented by ACCT and SESSION_OPEN */
	SK_K_PRIV_ENDS = 125,   /* uint epoch: a privileged session's deadline (its grant's end) */
	SK_K_PRIV_WARN = 126,   /* uint seconds: how long before the deadline the user is warned */
	SK_K_PRIV_IDLE = 127,   /* uint seconds: the privileged session's idle limit, 0 none */
	SK_K_PRIV_ROLE = 71,    /* text: the role whose grant the session rests on */
	SK_K_PRIV_COUNT = 72,   /* uint: privileged sessions ordered ended (PRIV_END_ALL) */
	SK_K_PRIV_GROUPS = 73,  /* text: ACCT's OK on a privileged service: the grant's unix
	                         * groups for the session, names [a-z0-9_-] separated by one
	                         * space, at most 16; "" none */
	/* 112-123: privileged access (issue 9). */
	SK_K_ROLE = 112,        /* text: a [role NAME] of sekimori.conf */
	SK_K_MINUTES = 113,     /* uint: the grant's length asked for */
	SK_K_GRANT_REASON = 114,/* text (UTF-8, at most 255 bytes): why (request, deny,
	                         * delegation) */
	SK_K_TICKET = 115,      /* text (at most 64 bytes): the change ticket */
	SK_K_GRANT_ID = 116,    /* uint: a grant's, delegation's or review's id */
	SK_K_BREAKGLASS = 117,  /* bool: an emergency self-grant (GRANT_REQUEST) */
	SK_K_GRANT_STEP = 118,  /* uint: which decision (GRANT_APPROVE, DELEGATION_DECIDE) */
	SK_K_COMMENT = 119,     /* text (UTF-8, at most 255 bytes): a review's closing comment */
	SK_K_LIST_WHAT = 120,   /* uint: enum sk_priv_list (PRIV_LIST) */
	SK_K_CONTRACTOR = 121,  /* bool: the user is a contractor (USER_ADD, USER_CONTRACTOR) */
	SK_K_GRANT_STATE = 122, /* uint: enum grant_state after the request (replies) */
	SK_K_GRANT_ENDS = 123,  /* uint epoch: when an active grant ends (replies) */
	/* Keys are written as one CBOR byte (below 256) and tracked in a 128-bit mask. */
	SK_K_KEY_MAX = 128
};

enum sk_status {
	SK_ST_OK = 0,
	SK_ST_DENIED = 1,         /* authentication failed */
	SK_ST_LOCKED = 2,         /* attempt limit reached (R-LOGIN-1) */
	SK_ST_NEW_AUTHTOK = 3,    /* password must be changed now (R-CRED-1) */
	SK_ST_ACCT_DISABLED = 4,
	SK_ST_BAD_REQUEST = 5,    /* malformed or not allowed in this state */
	SK_ST_FORBIDDEN = 6,      /* peer credentials do not allow this request */
	SK_ST_ERROR = 7,          /* store or audit failure: fail closed */
	SK_ST_NOT_FOUND = 8,
	SK_ST_EXISTS = 9,
	SK_ST_QUALITY = 10,       /* new password refused, see SK_K_REASON */
	SK_ST_BUSY = 11,
	SK_ST_NO_FACTORS = 12,    /* the user cannot satisfy the profile (nothing enrolled) */
	/* 13-15: the CLI's (issue 7). */
	SK_ST_INVALID = 13,       /* a value the administrator gave is invalid, see SK_K_REASON;
	                           * the CLI exits 2 as for its own usage errors */
	/* An administrative request that needs an admin session the connection does not hold
	 * (a root peer's non-recovery request, an admin_group member without a session), or a
	 * presented session that is unknown, expired or another uid's; SK_K_REASON says which.
	 * Unlike FORBIDDEN the connection stays open, so the client can log in on it. */
	SK_ST_ADMIN_SESSION = 14,
	/* The privileged-access policy refuses it (issue 9): SK_K_REASON says which rule (70-79),
	 * e.g. a requester approving their own request (R-SOD-1). */
	SK_ST_POLICY = 15,
	/* RADIUS_BEGIN: the password round is taken; ask for the one-time code in a second
	 * round (Access-Challenge) with SK_K_RADIUS_STATE as its State. */
	SK_ST_CHALLENGE = 18,
};

enum sk_reason {
	SK_REASON_NONE = 0,
	SK_REASON_TOO_SHORT = 1,
	SK_REASON_TOO_FEW_CLASSES = 2,
	SK_REASON_CONTAINS_USER = 3,
	SK_REASON_REUSED = 4,
	SK_REASON_BAD_CHARS = 5,
	SK_REASON_TOO_LONG = 6,
	SK_REASON_SAME_AS_OLD = 7,
	SK_REASON_OLD_WRONG = 8,
	SK_REASON_UNKNOWN_PROFILE = 9,
	SK_REASON_EXPIRED = 10,
	SK_REASON_FIDO2_REFUSED = 11,  /* enrolment refused by the attestation policy */
	SK_REASON_CERT_BOUND = 12,     /* certificate already bound to another user (R-CARD-1) */
	SK_REASON_CERT_INVALID = 13,   /* untrusted, expired or revoked certificate */
	SK_REASON_NOT_CONFIGURED = 14, /* the feature has no configuration ([fido2], [card]) */
	/* Why a card step gave no evidence (SK_K_CARD_FAIL); each is its own audit reason. */
	SK_REASON_CARD_PIN_WRONG = 15,     /* the card refused the PIN */
	SK_REASON_CARD_PIN_LAST_TRY = 16,  /* one try left: the PIN was withheld, not sent */
	SK_REASON_CARD_PIN_BLOCKED = 17,   /* no tries left: nothing sent */
	SK_REASON_CARD_FOREIGN = 18,       /* no card in any reader holds the user's key: no PIN */
	SK_REASON_CARD_PIN_EMPTY = 19,     /* an empty PIN was entered: nothing sent */
	SK_REASON_CARD_PIN_FORMAT = 20,    /* the PIN does not have the card's form: not sent */
	SK_REASON_CARD_ABSENT = 21,        /* no card inserted in time */
	SK_REASON_CARD_REMOVED = 22,       /* the card left during the exchange */
	SK_REASON_CARD_UNREADABLE = 23,    /* anything else: reader, pcscd, malformed answer */
	SK_REASON_CARD_PIN_CANCELLED = 24, /* the PIN prompt was cancelled */
	/* 50-64: why the broker refused an administrative request (issue 7); the CLI turns
	 * each into a sentence in the administrator's language (cli_reason_text). */
	SK_REASON_INVALID_USER_NAME = 50, /* missing, too long, or a character not allowed */
	SK_REASON_INVALID_ALGORITHM = 51, /* TOTP HMAC other than SHA1, SHA256, SHA512 */
	SK_REASON_INVALID_DIGITS = 52,    /* TOTP digits other than 6 or 8 */
	SK_REASON_INVALID_PERIOD = 53,    /* TOTP period outside 15..300 seconds */
	SK_REASON_INVALID_SECRET = 54,    /* imported TOTP seed shorter than 16 or over 64 bytes */
	SK_REASON_INVALID_UV = 55,        /* FIDO2 user verification not 0..2 */
	SK_REASON_INVALID_FACTOR_ID = 56, /* a factor or enrolment id missing or out of range */
	SK_REASON_MALFORMED_FIELD = 57,   /* a value missing, too long or of the wrong type */
	SK_REASON_UNKNOWN_REQUEST = 58,   /* a message type this broker does not know */
	SK_REASON_WRONG_STATE = 59,       /* a request out of order on this connection */
	SK_REASON_INVALID_PROFILE_NAME = 60, /* a profile name too long or not [a-z0-9_-] */
	/* HR import refusals (HR_STAGE, HR_COMMIT); SK_K_HR_STAFF and SK_K_HR_LINE say where. */
	SK_REASON_HR_UNKNOWN_STAFF = 65,  /* an event for a staff number with no user or hire */
	SK_REASON_HR_COUNT_MISMATCH = 66, /* staged records differ from what the CLI sent */
	SK_REASON_HR_TOO_MANY_HIRES = 67, /* no longer sent: hires per file are not capped */
	SK_REASON_HR_USER_EXISTS = 68,    /* a hire whose user name (the staff number) is taken */
	SK_REASON_HR_BAD_RECORD = 69,     /* a staged record that does not validate */
	/* A hire staged with a temporary password that another import recorded before this
	 * commit: the file is refused; importing it again counts the hire unchanged. */
	SK_REASON_HR_HIRE_RECORDED = 28,
	/* User import refusals (USER_IMPORT_*); SK_K_HR_LINE names the file line. */
	SK_REASON_IMPORT_BAD_ROW = 96,     /* a staged row that does not validate */
	SK_REASON_IMPORT_USER_EXISTS = 97, /* a user name or staff number that is taken */
	SK_REASON_IMPORT_NOT_STAGED = 98,  /* COMMIT's file or count differ from what was staged */
	SK_REASON_IMPORT_TOO_LARGE = 99,   /* more rows than USER_IMPORT_MAX */
	/* 87-92: HR links and reconciliation (issue 10). */
	SK_REASON_STAFF_NO_INVALID = 87,  /* a staff number that is not 1 to 16 digits */
	SK_REASON_STAFF_NO_TAKEN = 88,    /* the staff number is linked to another account */
	SK_REASON_INVALID_DAYS = 89,      /* REPORT_DORMANT's days missing or not 1..36500 */
	/* 90-93: remote terminals (issue 12, item 4). */
	SK_REASON_TERMINAL_KEY_INVALID = 90,  /* TERMINAL_REVOKE without exactly one well-formed
	                                       * fingerprint or serial */
	SK_REASON_TERMINAL_SERIAL_UNSEEN = 91,/* no terminal with that serial has connected yet:
	                                       * revoke it by fingerprint, or put it on tls_crl */
	SK_REASON_ATTEMPTS_PENDING = 30, /* failures plus attempts in flight reach deny */
	/* 31-39: admin sessions and roles (issue 8, item 5). */
	SK_REASON_ADMIN_SESSION_REQUIRED = 31, /* log in first: sekimori admin login */
	SK_REASON_ADMIN_SESSION_EXPIRED = 32,  /* the session's lifetime is over */
	SK_REASON_ADMIN_SESSION_INVALID = 33,  /* unknown or logged-out token, or another uid's */
	SK_REASON_NOT_ADMINISTRATOR = 34,      /* the account does not have the admin profile */
	SK_REASON_RECOVERY_ONLY = 35,          /* root without a session: not a recovery act */
	SK_REASON_FRESH_MFA_REQUIRED = 36,     /* the request wants MFA within fresh_mfa minutes */
	SK_REASON_PASSWORD_CHANGE_FIRST = 37,  /* temporary or expired password: log in via PAM */
	SK_REASON_ADMIN_NAME_REQUIRED = 38,    /* a root peer must name the administrator */
	SK_REASON_READ_ONLY = 39,              /* the auditor role reads, it does not change */
	/* 80-84: why the account phase refused a privileged login (issue 9). */
	SK_REASON_NO_GRANT = 80,          /* no active grant for a role that unlocks the service */
	SK_REASON_NO_FRESH_MFA = 81,      /* no MFA in this PAM transaction (no valid ticket) */
	/* 40-41: an HR return's factors to be re-confirmed (issue 10, item 4). */
	SK_REASON_RECONFIRM_REQUIRED = 40, /* back from leave, the factors are not yet
	                                    * re-confirmed: ACCT (SK_ST_ACCT_DISABLED), SESSION_OPEN,
	                                    * ADMIN_LOGIN_BEGIN, RADIUS_* (SK_ST_DENIED),
	                                    * REMOVAL_REQUEST (SK_ST_FORBIDDEN), a request on an
	                                    * admin session of such an account (ended:
	                                    * SK_ST_ADMIN_SESSION); account_entry_check */
	SK_REASON_NOTHING_TO_RECONFIRM = 41, /* USER_RECONFIRM: the account has no factors to
	                                      * be re-confirmed (SK_ST_INVALID) */
	SK_REASON_INVALID_DISPOSAL = 42,   /* FIDO2_DISPOSE: no or another SK_K_DISPOSAL, or neither
	                                    * user nor id (SK_ST_INVALID) */
	/* 82-86: removal requests (issue 10, item 7). */
	SK_REASON_OWN_REQUEST = 82,       /* the requester decides their own request
	                                   * (SK_ST_POLICY) */
	SK_REASON_REQUEST_DECIDED = 83,   /* the request was confirmed or refused already
	                                   * (SK_ST_POLICY) */
	SK_REASON_NOTHING_TO_REMOVE = 84, /* the account has no such factor, or no grant or
	                                   * delegation of the role (SK_ST_INVALID) */
	SK_REASON_NO_ACCOUNT = 85,        /* the peer (root, or a uid whose name is no account)
	                                   * has no account to ask for (SK_ST_FORBIDDEN) */
	SK_REASON_REQUEST_OPEN = 86,      /* an open request for the same thing exists
	                                   * (SK_ST_EXISTS) */
	/* 70-79: privileged access (issue 9), with SK_ST_POLICY unless said otherwise. */
	SK_REASON_SELF_APPROVAL = 70,   /* the requester (or nominator) decides their own (R-SOD-1) */
	SK_REASON_NOT_HOLDER = 71,      /* the caller does not hold the role (or is not on its
	                                 * break-glass list) */
	SK_REASON_NOT_APPROVER = 72,    /* the caller does not hold the approving role */
	SK_REASON_MINUTES_OVER = 73,    /* more minutes than the role allows (SK_ST_INVALID) */
	SK_REASON_CONTRACTOR = 74,      /* not for contractors (R-MFA-4, R-PRIV-4) */
	SK_REASON_UNKNOWN_ROLE = 75,    /* no such [role] (SK_ST_INVALID) */
	SK_REASON_GRANT_STATE = 76,     /* the grant, delegation or review is not in a state that
	                                 * allows this (decided, ended, closed) */
	SK_REASON_ALREADY_APPROVED = 77,/* the caller approved this grant already: another person
	                                 * must */
	SK_REASON_REASON_REQUIRED = 78, /* a reason or comment is required (SK_ST_INVALID) */
	SK_REASON_SAME_PERSON = 79,     /* two-person work: the second person must be someone
	                                 * other than the requester and the approvers (R-SOD-2) */
	/* 45-49: RADIUS challenge mode (RADIUS_CONTINUE, RADIUS_BEGIN). */
	SK_REASON_RADIUS_STATE_UNKNOWN = 45,   /* no pending login has this State (used already) */
	SK_REASON_RADIUS_STATE_EXPIRED = 46,   /* older than auth_timeout: taken, not continued */
	SK_REASON_RADIUS_STATE_MISMATCH = 47,  /* another user, NAS or client than round one's */
	SK_REASON_RADIUS_PLAN = 48,            /* a step RADIUS cannot carry (key, card, stack) */
	SK_REASON_RADIUS_PENDING_FULL = 49,    /* too many challenge logins pending */
};

/* PRIV_LIST: which list (SK_K_LIST_WHAT). */
enum sk_priv_list {
	SK_PRIV_LIST_GRANTS = 0,        /* {"grants": [...]} */
	SK_PRIV_LIST_ROLES = 1,         /* {"roles": [...]} with each holder's last use */
	SK_PRIV_LIST_DELEGATIONS = 2,   /* {"delegations": [...]} */
	SK_PRIV_LIST_REVIEWS = 3,       /* {"reviews": [...]}: open break-glass reviews */
	SK_PRIV_LIST_REVIEWS_ALL = 4,   /* {"reviews": [...]}: closed ones too */
};

/* ACCESS_REVIEW: which list (SK_K_REVIEW_WHAT). */
enum sk_review_what {
	SK_REVIEW_ACCESS = 0,           /* {"holders": [...], "grants": [...]} now */
	SK_REVIEW_CERTIFICATIONS = 1,   /* {"certifications": [...]} newest first */
	SK_REVIEW_REMOVALS = 2,         /* {"requests": [...]}: open removal requests */
	SK_REVIEW_REMOVALS_ALL = 3,     /* {"requests": [...]}: decided ones too */
};

/* REMOVAL_REQUEST: what is to be removed (SK_K_REMOVAL_KIND). */
enum sk_removal_kind {
	SK_REMOVAL_TOTP = 0,
	SK_REMOVAL_FIDO2 = 1,
	SK_REMOVAL_CARD = 2,
	SK_REMOVAL_ROLE = 3,
};

/* The roles a connection holds (SK_K_ROLES; broker/daemon/dispatch.c). */
enum sk_role {
	SK_ROLE_MODULE = 1 << 0,     /* a root peer: the PAM module's requests */
	SK_ROLE_ADMIN = 1 << 1,      /* a valid admin session attached */
	SK_ROLE_ADMIN_FRESH = 1 << 2,/* ... whose MFA is within fresh_mfa_minutes */
	SK_ROLE_AUDITOR = 1 << 3,    /* read-only: auditor_group, admin sessions, root */
	SK_ROLE_RECOVERY = 1 << 4,   /* root without an admin session: the recovery subset */
	SK_ROLE_ADMIN_LOGIN = 1 << 5,/* may log in as an administrator: root or admin_group */
	SK_ROLE_SELF = 1 << 6,       /* a peer whose uid has a login name: may ask for its own
	                              * account only (REMOVAL_REQUEST; root is refused there) */
};

enum sk_card_kind {
	SK_CARD_JPKI = 1,       /* My Number card, user-authentication certificate, PIN */
	SK_CARD_PIV_AUTH = 2,   /* PIV key 9A with PIN */
	SK_CARD_PIV_CARD = 3,   /* PIV key 9E, no PIN: possession only */
};

/* What the module must collect, in order. */
enum sk_method {
	SK_METHOD_PASSWORD = 1,   /* knowledge, checked by the broker */
	SK_METHOD_TOTP = 2,       /* possession */
	SK_METHOD_STACK = 3,      /* knowledge, checked by a preceding PAM module */
	SK_METHOD_FIDO2 = 4,
	SK_METHOD_CARD = 5,
};
/* Every method id is below this: tables indexed by method (the broker's factor table, the
 * plan's offers) have this many slots. */
#define SK_METHOD_SLOTS 8

enum sk_class {
	SK_CLASS_KNOWLEDGE = 1 << 0,
	SK_CLASS_POSSESSION = 1 << 1,
	SK_CLASS_INHERENCE = 1 << 2,
};

#endif
