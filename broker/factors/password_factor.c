/* The broker's own password (knowledge, R-CRED-1): yescrypt in verify/password.c, the hash
 * in the user's row. */
#include <pthread.h>
#include <string.h>

#include "factor.h"
#include "password.h"
#include "sk_err.h"
#include "sk_log.h"

/* The password the module sent: absent, or within PASSWORD_MAX. */
static int
read_password(const struct sk_msg *req, char pw[PASSWORD_MAX + 1])
{
	if (sk_msg_get_text_opt(req, SK_K_PASSWORD, pw, PASSWORD_MAX + 1) != SK_OK) {
		sk_logerr("password malformed or too long");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

static int
password_check_evidence(const struct sk_msg *req)
{
	char pw[PASSWORD_MAX + 1];
	int r = read_password(req, pw);

	explicit_bzero(pw, sizeof(pw));
	return r;
}

static int
password_can_prove(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
                   unsigned *classes)
{
	(void)c;
	(void)user_id;
	*classes = u != NULL && u->pw_hash[0] != '\0' ? SK_CLASS_KNOWLEDGE : 0;
	return SK_OK;
}

static void
password_verify_step(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
                     const unsigned char challenge[BROKER_CHALLENGE_LEN], int64_t now,
                     struct factor_result *res)
{
	char pw[PASSWORD_MAX + 1] = "";

	(void)c;
	(void)challenge;
	(void)now;
	memset(res, 0, sizeof(*res));
	res->reason = "bad_password";
	if (read_password(req, pw) == SK_OK &&
	    password_verify_user(pw, u->pw_hash, u->pw_temporary) == SK_OK) {
		res->ok = 1;
		res->classes = SK_CLASS_KNOWLEDGE;
		res->reason = "ok";
	}
	explicit_bzero(pw, sizeof(pw));
}

/* A hash verified when the user does not exist, so the answer takes as long as for a real
 * user. Made once from a random password at first use. */
static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy_hash(void)
{
	char pw[PASSWORD_TEMP_LEN + 1];

	if (password_generate_temp(pw, sizeof(pw)) == SK_OK)
		(void)password_hash(pw, dummy_hash, sizeof(dummy_hash));
	explicit_bzero(pw, sizeof(pw));
}

static void
password_decoy_verify(const struct sk_msg *req)
{
	char pw[PASSWORD_MAX + 1] = "";

	pthread_once(&dummy_once, make_dummy_hash);
	if (read_password(req, pw) != SK_OK)
		pw[0] = '\0';
	(void)password_verify(pw[0] ? pw : "x", dummy_hash);
	explicit_bzero(pw, sizeof(pw));
}

const struct factor_ops password_factor = {
	.method = SK_METHOD_PASSWORD,
	.can_prove = password_can_prove,
	.check_evidence = password_check_evidence,
	.verify = password_verify_step,
	.decoy_verify = password_decoy_verify,
};
