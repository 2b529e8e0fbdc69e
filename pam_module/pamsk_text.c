/* Messages several phases show: locked accounts, an unreachable service, times. */
#include <stdio.h>
#include <time.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"

void
pamsk_format_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

void
pamsk_say_locked_until(struct pamsk *m, uint64_t until)
{
	char when[64];
	int64_t now = (int64_t)time(NULL), minutes;

	if (until == 0) {
		pamsk_error(m, "%s", _("This account is locked after too many failed attempts. "
		                       "Ask an administrator to unlock it."));
		return;
	}
	pamsk_format_time((int64_t)until, when, sizeof(when));
	minutes = ((int64_t)until - now + 59) / 60;
	if (minutes < 1)
		minutes = 1;
	pamsk_error(m, _("This account is locked after too many failed attempts until %s "
	                 "(%lld more minutes)."), when, (long long)minutes);
}

void
pamsk_say_unavailable(struct pamsk *m)
{
	pamsk_error(m, "%s", _("The authentication service is unavailable. "
	                       "Please contact the system administrator."));
}

int
pamsk_refused(struct pamsk *m, unsigned status)
{
	if (status == SK_ST_NOT_FOUND)
		return PAM_USER_UNKNOWN;
	pamsk_say_unavailable(m);
	return PAM_AUTHINFO_UNAVAIL;
}
