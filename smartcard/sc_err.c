#include "sc_err.h"

#include "sk_err.h"

const char *
sc_strerror(int err)
{
	switch (err) {
	case SC_PIN_WRONG: return "wrong PIN";
	case SC_PIN_LAST_TRY: return "one PIN try left: PIN not sent";
	case SC_PIN_BLOCKED: return "PIN blocked";
	case SC_PIN_FORMAT: return "PIN has the wrong form";
	case SC_PIN_CANCELLED: return "PIN entry cancelled";
	case SC_CARD_REMOVED: return "card removed";
	case SC_CARD_FOREIGN: return "no card holds the user's key: no PIN sent";
	case SC_PIN_EMPTY: return "empty PIN: not sent";
	default: return sk_strerror(err);
	}
}
