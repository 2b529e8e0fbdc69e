/* Logging for every component. Messages go to syslog (LOG_AUTHPRIV) or, for a
 * foreground broker and for tests, to stderr. Never pass secrets to these. */
#ifndef SK_LOG_H
#define SK_LOG_H
#include <syslog.h>

void sk_log_to_stderr(int on);
void sk_log_set_ident(const char *ident);
void sk_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The error-path style: "function: what failed". */
#define sk_logerr(...) sk_log_func(LOG_ERR, __func__, __VA_ARGS__)
#define sk_logwarn(...) sk_log_func(LOG_WARNING, __func__, __VA_ARGS__)
#define sk_logdebug(...) sk_log_func(LOG_DEBUG, __func__, __VA_ARGS__)
void sk_log_func(int priority, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sk_log_set_debug(int on);

#endif
