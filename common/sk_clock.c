/* The kernel's view of clock synchronisation, recorded in every audit record so that an
 * auditor can tell which timestamps rest on a synchronised clock (R-LOG-4). */
#include "sk_audit_chain.h"
#include "sk_log.h"

#include <errno.h>
#include <string.h>
#include <sys/timex.h>

int
sk_clock_synced(void)
{
	struct timex tx;
	int state;

	/* modes = 0 only reads the state, which needs no privilege. */
	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	if (state == -1) {
		/* Not knowing is reported as "not synchronised": a record must never claim an
		 * accuracy nobody vouched for. */
		sk_logerr("adjtimex failed: %s", strerror(errno));
		return 0;
	}
	return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}
