/* IC-card evidence for a login (issue 4): the card signs the broker's nonce after its PIN
 * was verified on the card. PIN safety comes first: only a card holding a key the broker
 * bound to this user is used (a citizen's card in a reader at a counter is never asked for
 * its PIN); the tries left are read before a PIN is asked for, and with one try left no PIN
 * is sent at all (a blocked My Number card means a trip to the municipal counter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "sc_login.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

static int
ask_pin(void *arg, int tries_left, char *pin, size_t cap)
{
	struct pamsk *m = arg;
	char *answer;
	size_t n;

	if (tries_left > 0)
		pamsk_info(m, _("%d PIN attempts are left on this card."), tries_left);
	answer = pamsk_prompt(m, 0, _("Card PIN: "));
	if (answer == NULL)
		return SK_ERR_PIN_CANCELLED;
	n = strlen(answer);
	/* An empty answer is its own outcome (nothing is sent), not a card failure. */
	if (n == 0 || n >= cap) {
		pamsk_free_secret(answer);
		return n == 0 ? SK_ERR_PIN_EMPTY : SK_ERR_PIN_FORMAT;
	}
	memcpy(pin, answer, n + 1);
	pamsk_free_secret(answer);
	return SK_OK;
}

/* What the broker records for each outcome (its own audit reason, R-LOG-1). */
static uint64_t
fail_reason(int err)
{
	switch (err) {
	case SK_ERR_PIN_WRONG: return SK_REASON_CARD_PIN_WRONG;
	case SK_ERR_PIN_LAST_TRY: return SK_REASON_CARD_PIN_LAST_TRY;
	case SK_ERR_PIN_BLOCKED: return SK_REASON_CARD_PIN_BLOCKED;
	case SK_ERR_CARD_FOREIGN: return SK_REASON_CARD_FOREIGN;
	case SK_ERR_PIN_EMPTY: return SK_REASON_CARD_PIN_EMPTY;
	case SK_ERR_PIN_FORMAT: return SK_REASON_CARD_PIN_FORMAT;
	case SK_ERR_PIN_CANCELLED: return SK_REASON_CARD_PIN_CANCELLED;
	case SK_ERR_TIMEOUT: return SK_REASON_CARD_ABSENT;
	case SK_ERR_CARD_REMOVED: return SK_REASON_CARD_REMOVED;
	default: return SK_REASON_CARD_UNREADABLE;
	}
}

static void
say_failure(struct pamsk *m, int err, int tries_left)
{
	switch (err) {
	case SK_ERR_PIN_WRONG:
		pamsk_error(m, _("The card PIN is wrong. %d attempts are left."), tries_left);
		break;
	case SK_ERR_PIN_LAST_TRY:
		pamsk_error(m, "%s", _("Only one PIN attempt is left on this card, so the PIN was not "
		                       "sent. Please have the card's PIN reset at the municipal "
		                       "counter."));
		break;
	case SK_ERR_PIN_BLOCKED:
		pamsk_error(m, "%s", _("The card PIN is blocked. Please have it reset at the municipal "
		                       "counter."));
		break;
	case SK_ERR_PIN_FORMAT:
		pamsk_error(m, "%s", _("The PIN does not have the form this card expects."));
		break;
	case SK_ERR_PIN_EMPTY:
		pamsk_error(m, "%s", _("No PIN was entered, so nothing was sent to the card and no "
		                       "attempt was used."));
		break;
	case SK_ERR_PIN_CANCELLED:
		pamsk_error(m, "%s", _("The PIN entry was cancelled; nothing was sent to the card."));
		break;
	case SK_ERR_CARD_FOREIGN:
		pamsk_error(m, "%s", _("The card in the reader is not registered for your account, "
		                       "so its PIN was not asked for. Insert your own card."));
		break;
	case SK_ERR_TIMEOUT:
		pamsk_error(m, "%s", _("No card was inserted in time."));
		break;
	case SK_ERR_CARD_REMOVED:
		pamsk_error(m, "%s", _("The card was removed during the login."));
		break;
	default:
		pamsk_error(m, "%s", _("The card could not be read."));
	}
}

int
pamsk_collect_card(struct pamsk *m, const struct sk_msg *begin, struct sk_msg *finish)
{
	struct sc_login_result *res = calloc(1, sizeof(*res));
	uint8_t keys[SC_BOUND_KEYS_MAX][SC_KEY_HASH_LEN];
	unsigned char challenge[64];
	struct sc_login_req req;
	uint64_t kind = 0;
	size_t clen = 0, nkeys = 0, klen = 0;
	int r, err;

	if (res == NULL)
		return PAM_BUF_ERR;
	if (sk_msg_get_bytes(begin, SK_K_CARD_CHALLENGE, challenge, sizeof(challenge), &clen) ||
	    clen < SC_CHALLENGE_MIN || sk_msg_get_uint(begin, SK_K_CARD_KIND, &kind) ||
	    kind < SK_CARD_JPKI || kind > SK_CARD_PIV_CARD ||
	    sk_msg_get_array_len(begin, SK_K_CARD_KEYS, &nkeys) || nkeys > SC_BOUND_KEYS_MAX) {
		sk_logerr("the broker's card challenge is malformed");
		free(res);
		return PAM_SERVICE_ERR;
	}
	/* The keys bound to the user: the card that gets the PIN must hold one (R-CARD-1). */
	for (size_t i = 0; i < nkeys; i++) {
		if (sk_msg_get_array_bytes(begin, SK_K_CARD_KEYS, i, keys[i], sizeof(keys[i]),
		                           &klen) != SK_OK || klen != SC_KEY_HASH_LEN) {
			sk_logerr("the broker's card key list is malformed");
			free(res);
			return PAM_SERVICE_ERR;
		}
	}
	memset(&req, 0, sizeof(req));
	req.kind = (enum sc_card_kind)kind;   /* the same numbers (sc_login.h) */
	req.bound_keys = (const uint8_t (*)[SC_KEY_HASH_LEN])keys;
	req.n_bound_keys = nkeys;
	req.pin_cb = ask_pin;
	req.pin_arg = m;
	req.challenge = challenge;
	req.challenge_len = clen;
	req.card_wait_ms = m->conf.card.timeout * 1000;
	pamsk_info(m, "%s", _("Insert your IC card into the reader."));
	err = sc_login(&req, res);
	if (err == SK_OK) {
		r = sk_msg_put_bytes(finish, SK_K_CERT, res->cert, res->cert_len) == SK_OK &&
		    sk_msg_put_bytes(finish, SK_K_SIG, res->sig, res->sig_len) == SK_OK &&
		    (res->card_uid[0] == '\0' ||
		     sk_msg_put_text(finish, SK_K_CARD_UID, res->card_uid) == SK_OK) ?
		    PAM_SUCCESS : PAM_BUF_ERR;
		/* The session phase watches this reader and card (R-CARD-2, R-CARD-3). */
		(void)pamsk_card_watch_remember(m, res->reader, res->cert, res->cert_len);
	} else {
		say_failure(m, err, res->tries_left);
		r = sk_msg_put_uint(finish, SK_K_DEVICE_FAIL, (uint64_t)(-err)) == SK_OK &&
		    sk_msg_put_uint(finish, SK_K_CARD_FAIL, fail_reason(err)) == SK_OK ?
		    PAM_SUCCESS : PAM_BUF_ERR;
	}
	explicit_bzero(res, sizeof(*res));
	free(res);
	return r;
}
