/* One TOTP + attempt-limit transaction through libpam, the same for every module under test,
 * and the lockout check. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peer.h"
#include "sk_totp.h"

struct conv_state {
	const char *code;
	int prompts;
	int oath;
};

static struct pam_response *
answer(const struct pam_message **msg, int n, struct conv_state *cs)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF && msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;   /* banners, lock notices: what a terminal would show */
		cs->prompts++;
		if ((r[i].resp = strdup(cs->code)) == NULL) {
			for (int k = 0; k < i; k++)
				free(r[k].resp);
			free(r);
			return NULL;
		}
	}
	return r;
}

/* See PEER_OATH_SERVICE. The frame must stay for the suppression to name it: not inlined,
 * and no tail call (the empty asm runs after answer returns). */
__attribute__((noinline)) static struct pam_response *
peer_answer_kept_by_pam_oath(const struct pam_message **msg, int n, struct conv_state *cs)
{
	struct pam_response *r = answer(msg, n, cs);

	__asm__ volatile("" ::: "memory");
	return r;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct conv_state *cs = arg;
	struct pam_response *r = cs->oath ? peer_answer_kept_by_pam_oath(msg, n, cs)
	                                  : answer(msg, n, cs);

	if (r == NULL)
		return PAM_BUF_ERR;
	*resp = r;
	return PAM_SUCCESS;
}

/* pam_faillock asks libpam for a 2 s delay after a failure (pam_fail_delay); an application
 * may take the delay over with PAM_FAIL_DELAY, as this one does, so that the lockout check
 * does not sleep. Successful transactions are never delayed either way. */
static void
no_delay(int retval, unsigned usec_delay, void *appdata)
{
	(void)retval;
	(void)usec_delay;
	(void)appdata;
}

void
peer_transaction(const char *pamdir, const char *service, const char *user, const char *code,
                 struct peer_tx *tx)
{
	struct conv_state cs = { .code = code, .oath = strcmp(service, PEER_OATH_SERVICE) == 0 };
	struct pam_conv c = { conv, &cs };
	pam_handle_t *h = NULL;
	double t0 = bench_now_ms(), t1, t2, t3;
	int r;

	memset(tx, 0, sizeof(*tx));
	tx->auth = tx->acct = -1;
	if ((r = pam_start_confdir(service, user, &c, pamdir, &h)) != PAM_SUCCESS) {
		tx->auth = r;
		tx->ms = bench_now_ms() - t0;
		return;
	}
	t1 = t2 = t3 = bench_now_ms();
	if ((r = pam_set_item(h, PAM_TTY, "pts/1")) != PAM_SUCCESS ||
	    (r = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay)) != PAM_SUCCESS) {
		tx->auth = r;
	} else {
		tx->auth = r = pam_authenticate(h, 0);
		t2 = t3 = bench_now_ms();
		if (r == PAM_SUCCESS) {
			tx->acct = r = pam_acct_mgmt(h, 0);
			t3 = bench_now_ms();
		}
	}
	pam_end(h, r);
	tx->ms = bench_now_ms() - t0;
	tx->call_ms[PC_START] = t1 - t0;
	tx->call_ms[PC_AUTH] = t2 - t1;
	tx->call_ms[PC_ACCT] = t3 - t2;
	tx->call_ms[PC_END] = tx->ms - (t3 - t0);
	tx->prompts = cs.prompts;
}

void
peer_code_at(const unsigned char seed[PEER_SEED_LEN], time_t t, char code[16])
{
	struct sk_totp_params p;

	sk_totp_params_default(&p);
	if (sk_totp_generate(seed, PEER_SEED_LEN, &p, t, code, 16) != 0)
		bench_die("sk_totp_generate failed");
}

void
peer_code_now(const unsigned char seed[PEER_SEED_LEN], char code[16])
{
	peer_code_at(seed, time(NULL), code);
}

void
peer_wrong_code(const unsigned char seed[PEER_SEED_LEN], char code[16])
{
	time_t now = time(NULL);

	for (unsigned v = 0;; v = (v + 7919) % 1000000) {
		int clash = 0;

		snprintf(code, 16, "%06u", v);
		for (int k = -10; k <= 10 && !clash; k++) {
			char real[16];

			peer_code_at(seed, now + k * 30, real);
			clash = strcmp(real, code) == 0;
		}
		if (!clash)
			return;
	}
}

static const char *
result_name(int r)
{
	return r < 0 ? "-" : pam_strerror(NULL, r);
}

size_t
peer_lockout_check(const char *label, const char *pamdir, const char *service, const char *user,
                   const unsigned char seed[PEER_SEED_LEN])
{
	struct peer_tx tx;
	char code[16];
	size_t bad = 0;

	printf("| %s |", label);
	for (int i = 0; i < PEER_DENY; i++) {
		peer_wrong_code(seed, code);
		peer_transaction(pamdir, service, user, code, &tx);
		bad += tx.auth == PAM_SUCCESS || tx.prompts != 1;
		printf(" %s%s |", result_name(tx.auth), tx.prompts != 1 ? " (prompts != 1)" : "");
	}
	/* Locked now: the right code must not get in. A module that refuses before it asks
	 * (the attempt limit checked first) prompts 0 times; either is a refusal. */
	peer_code_now(seed, code);
	peer_transaction(pamdir, service, user, code, &tx);
	bad += tx.auth == PAM_SUCCESS;
	printf(" %s (%d prompt%s) | %s |\n", result_name(tx.auth), tx.prompts,
	       tx.prompts == 1 ? "" : "s", bad ? "**unexpected**" : "as expected");
	return bad;
}
