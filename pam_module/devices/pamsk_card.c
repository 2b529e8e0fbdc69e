/* IC-card evidence for a login (issue 4), in pam_sekimori_devices.so (pamsk_devices.h): the
 * card signs the broker's nonce after its PIN was verified on the card. PIN safety comes
 * first: only a card holding a key the broker bound to this user is used (a citizen's card
 * in a reader at a counter is never asked for its PIN); the tries left are read before a
 * PIN is asked for, and with one try left no PIN is sent at all (a blocked My Number card
 * means a trip to the municipal counter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamsk_factor.h"
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

/* The card's answer, within the typed evidence's bounds. */
static int
put_evidence(struct skc_card_evidence *e, const struct sc_login_result *res)
{
	size_t uid_len = strlen(res->card_uid);

	if (res->cert_len > sizeof(e->cert) || res->sig_len > sizeof(e->sig) ||
	    uid_len >= sizeof(e->card_uid))
		return SK_ERR_RANGE;
	memcpy(e->cert, res->cert, res->cert_len);
	e->cert_len = res->cert_len;
	memcpy(e->sig, res->sig, res->sig_len);
	e->sig_len = res->sig_len;
	memcpy(e->card_uid, res->card_uid, uid_len + 1);
	e->present = 1;
	return SK_OK;
}

static int
collect(struct pamsk *m, const struct skc_auth_begin_out *begin,
        struct skc_auth_finish_in *finish)
{
	const struct skc_card_challenge *ch = &begin->card;
	struct sc_login_result *res;
	struct sc_login_req req;
	int r, err;

	/* The keys bound to the user: the card that gets the PIN must hold one (R-CARD-1). */
	if (!begin->has_card || ch->challenge_len < SC_CHALLENGE_MIN ||
	    ch->n_keys > SC_BOUND_KEYS_MAX || SKC_CARD_KEY_LEN != SC_KEY_HASH_LEN) {
		sk_logerr("the broker's card challenge is malformed");
		return PAM_SERVICE_ERR;
	}
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return PAM_BUF_ERR;
	memset(&req, 0, sizeof(req));
	req.kind = (enum sc_card_kind)ch->kind;   /* the same numbers (sc_login.h) */
	req.bound_keys = (const uint8_t (*)[SC_KEY_HASH_LEN])ch->keys;
	req.n_bound_keys = ch->n_keys;
	req.pin_cb = ask_pin;
	req.pin_arg = m;
	req.challenge = ch->challenge;
	req.challenge_len = ch->challenge_len;
	req.card_wait_ms = m->conf.card.timeout * 1000;
	pamsk_info(m, "%s", _("Insert your IC card into the reader."));
	err = sc_login(&req, res);
	if (err == SK_OK) {
		r = put_evidence(&finish->card, res) == SK_OK ? PAM_SUCCESS : PAM_BUF_ERR;
		/* The session phase watches this reader and card (R-CARD-2, R-CARD-3). */
		(void)pamsk_card_watch_remember(m, res->reader, res->cert, res->cert_len);
	} else {
		say_failure(m, err, res->tries_left);
		finish->card.present = 1;
		finish->card.failed = 1;
		finish->card.device_fail = (uint64_t)(-err);
		finish->card.fail_reason = (unsigned)fail_reason(err);
		r = PAM_SUCCESS;
	}
	explicit_bzero(res, sizeof(*res));
	free(res);
	return r;
}

/* Handed to the module by pamsk_dev_entry.c (the module's row is in pamsk_devices.c). */
const struct pamsk_factor pamsk_device_card = { SK_METHOD_CARD, collect };
