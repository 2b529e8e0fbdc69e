#include "sk_log.h"

#include <stdarg.h>
#include <stdio.h>

static int log_stderr;
static int log_debug;
static const char *log_ident = "sekimori";

void
sk_log_to_stderr(int on)
{
	log_stderr = on;
}

void
sk_log_set_debug(int on)
{
	log_debug = on;
}

void
sk_log_set_ident(const char *ident)
{
	log_ident = ident;
}

static void sk_vlog(int priority, const char *func, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void
sk_vlog(int priority, const char *func, const char *fmt, va_list ap)
{
	char line[1024];
	int off = 0;

	if (priority == LOG_DEBUG && !log_debug)
		return;
	if (func != NULL)
		off = snprintf(line, sizeof(line), "%s: ", func);
	if (off < 0 || (size_t)off >= sizeof(line))
		off = 0;
	vsnprintf(line + off, sizeof(line) - (size_t)off, fmt, ap);
	if (log_stderr) {
		fprintf(stderr, "%s: %s\n", log_ident, line);
		return;
	}
	syslog(LOG_AUTHPRIV | priority, "%s", line);
}

void
sk_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sk_vlog(priority, NULL, fmt, ap);
	va_end(ap);
}

void
sk_log_func(int priority, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sk_vlog(priority, func, fmt, ap);
	va_end(ap);
}
