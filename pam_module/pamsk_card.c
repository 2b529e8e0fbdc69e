/* IC-card evidence for a login (issue 4): the card signs the broker's nonce after its PIN
 * was verified on the card. PIN safety comes first: the tries left are read before a PIN
 * is asked for, and with one try left no PIN is sent at all (a blocked My Number card means
 * a trip to the municipal counter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "sc_err.h"
#include "sc_login.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

static int
ask_pin(void *arg, int tries_left, char *pin, size_t cap)
{
	struct pamsk *m = arg;

	if (tries_left > 0)
		pamsk_info(m, _("%d PIN attempts are left on this card."), tries_left);
	return pamsk_prompt_secret(m, _("Card PIN: "), pin, cap);
}

static void
say_failure(struct pamsk *m, int err, int tries_left)
{
	switch (err) {
	case SC_PIN_WRONG:
		pamsk_error(m, _("The card PIN is wrong. %d attempts are left."), tries_left);
		break;
	case SC_PIN_LAST_TRY:
		pamsk_error(m, "%s", _("Only one PIN attempt is left on this card, so the PIN was not "
		                       "sent. Please have the card's PIN reset at the municipal "
		                       "counter."));
		break;
	case SC_PIN_BLOCKED:
		pamsk_error(m, "%s", _("The card PIN is blocked. Please have it reset at the municipal "
		                       "counter."));
		break;
	case SC_PIN_FORMAT:
		pamsk_error(m, "%s", _("The PIN does not have the form this card expects."));
		break;
	case SK_ERR_TIMEOUT:
		pamsk_error(m, "%s", _("No card was inserted in time."));
		break;
	case SC_CARD_REMOVED:
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
	unsigned char challenge[64];
	struct sc_login_req req;
	uint64_t kind = 0;
	size_t clen = 0;
	int r, err;

	if (res == NULL)
		return PAM_BUF_ERR;
	if (sk_msg_get_bytes(begin, SK_K_CARD_CHALLENGE, challenge, sizeof(challenge), &clen) ||
	    clen < SC_CHALLENGE_MIN || sk_msg_get_uint(begin, SK_K_CARD_KIND, &kind) ||
	    kind < SK_CARD_JPKI || kind > SK_CARD_PIV_CARD) {
		sk_logerr("the broker's card challenge is malformed");
		free(res);
		return PAM_SERVICE_ERR;
	}
	memset(&req, 0, sizeof(req));
	req.kind = kind == SK_CARD_JPKI ? SC_KIND_JPKI : kind == SK_CARD_PIV_AUTH ? SC_KIND_PIV_9A :
	           SC_KIND_PIV_9E;
	req.pin_cb = ask_pin;
	req.pin_arg = m;
	req.challenge = challenge;
	req.challenge_len = clen;
	req.card_wait_ms = m->conf.card.timeout * 1000;
	pamsk_info(m, "%s", _("Insert your IC card into the reader."));
	err = sc_login(&req, res);
	if (err == SK_OK) {
		r = sk_msg_put_bytes(finish, SK_K_CERT, res->cert, res->cert_len) == SK_OK &&
		    sk_msg_put_bytes(finish, SK_K_SIG, res->sig, res->sig_len) == SK_OK ?
		    PAM_SUCCESS : PAM_BUF_ERR;
		/* The session phase watches this reader and card (R-CARD-2, R-CARD-3). */
		(void)pamsk_card_watch_remember(m, res->reader, res->cert, res->cert_len);
	} else {
		say_failure(m, err, res->tries_left);
		r = sk_msg_put_uint(finish, SK_K_DEVICE_FAIL, (uint64_t)(-err)) == SK_OK ?
		    PAM_SUCCESS : PAM_BUF_ERR;
	}
	explicit_bzero(res, sizeof(*res));
	free(res);
	return r;
}
