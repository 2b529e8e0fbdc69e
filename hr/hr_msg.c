/* Error messages in English and Japanese. The msgids are English and marked N_() so
 * xgettext collects them; the Japanese comes from po/ja.po through gettext, looked up in
 * the ja_JP.UTF-8 locale for this call only (uselocale), because an import report shows
 * both languages whatever the caller's locale is. gettext rather than a pair of strings in
 * the code keeps one catalogue for every message Sekimori shows. */
#include <libintl.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>

#include "hr.h"
#include "sk_build.h"

static pthread_once_t ja_once = PTHREAD_ONCE_INIT;
static locale_t ja_locale = (locale_t)0;

static void
ja_init(void)
{
	ja_locale = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "ja_JP.UTF-8", (locale_t)0);
}

__attribute__((destructor)) static void
ja_fini(void)
{
	if (ja_locale != (locale_t)0)
		freelocale(ja_locale);
	ja_locale = (locale_t)0;
}

#define N_(s) (s)

static const char *tr(enum hr_lang lang, const char *msgid) __attribute__((format_arg(2)));

static const char *
tr(enum hr_lang lang, const char *msgid)
{
	const char *s;
	locale_t old;

	if (lang != HR_LANG_JA)
		return msgid;
	pthread_once(&ja_once, ja_init);
	if (ja_locale == (locale_t)0)
		return msgid;        /* the locale is not installed: English */
	old = uselocale(ja_locale);
	s = dgettext(SK_TEXT_DOMAIN, msgid);
	uselocale(old);
	return s;
}

/* The message proper; each case has its own literal so the compiler checks the arguments. */
static int
message(const struct hr_error *e, enum hr_lang l, char *buf, size_t n)
{
	const char *v = e->value;

	switch (e->problem) {
	case HR_P_IO:
		return snprintf(buf, n, "%s", tr(l, N_("the file could not be read")));
	case HR_P_ENCODING:
		return snprintf(buf, n, tr(l, N_("the bytes %s are not valid in the file's "
		                                 "encoding; the rest of the file was not read")), v);
	case HR_P_BOM_NOT_CP932:
		return snprintf(buf, n, "%s", tr(l, N_("the file starts with a UTF-8 byte order "
		                                      "mark but CP932 was given as its encoding")));
	case HR_P_CSV_SYNTAX:
		return snprintf(buf, n, "%s", tr(l, N_("malformed quoting in the CSV; the rest of "
		                                      "the file was not read")));
	case HR_P_ROW_TOO_LONG:
		return snprintf(buf, n, tr(l, N_("the row is longer than %lu bytes (is a quote "
		                                 "left open?); the rest of the file was not read")),
		                e->n1);
	case HR_P_FILE_CHANGED:
		return snprintf(buf, n, "%s", tr(l, N_("the file changed while it was being read")));
	case HR_P_EMPTY_FILE:
		return snprintf(buf, n, "%s", tr(l, N_("the file has no header row")));
	case HR_P_HEADER_MISSING:
		return snprintf(buf, n, "%s", tr(l, N_("the header row lacks this required column")));
	case HR_P_HEADER_DUPLICATE:
		return snprintf(buf, n, "%s", tr(l, N_("this column is for a field that an earlier "
		                                      "column already provides")));
	case HR_P_TOO_MANY_COLUMNS:
		return snprintf(buf, n, tr(l, N_("the row has more than %lu columns")), e->n1);
	case HR_P_FIELD_COUNT:
		return snprintf(buf, n, tr(l, N_("the row has %lu fields but the header row has "
		                                 "%lu")), e->n1, e->n2);
	case HR_P_FIELD_TOO_LONG:
		return snprintf(buf, n, tr(l, N_("the value is longer than %lu bytes")), e->n1);
	case HR_P_CONTROL_CHAR:
		return snprintf(buf, n, tr(l, N_("the value \"%s\" contains a control character "
		                                 "(shown as ?)")), v);
	case HR_P_REQUIRED:
		return snprintf(buf, n, "%s", tr(l, N_("a value is required for this event")));
	case HR_P_STAFF_NO:
		return snprintf(buf, n, tr(l, N_("the staff number \"%s\" is not 1 to %lu digits")),
		                v, e->n1);
	case HR_P_KANA:
		return snprintf(buf, n, tr(l, N_("the reading \"%s\" is not in katakana")), v);
	case HR_P_DEPT:
		return snprintf(buf, n, tr(l, N_("the department code \"%s\" is not 1 to %lu "
		                                 "letters, digits or hyphens")), v, e->n1);
	case HR_P_EMPLOYMENT:
		return snprintf(buf, n, tr(l, N_("unknown employment type \"%s\"")), v);
	case HR_P_EVENT:
		return snprintf(buf, n, tr(l, N_("unknown event \"%s\"")), v);
	case HR_P_DATE:
		return snprintf(buf, n, tr(l, N_("\"%s\" is not a date (use 2025-04-01, 2025/4/1, "
		                                 "R7.4.1 or the era form with year, month, day)")), v);
	case HR_P_DATE_ERA:
		return snprintf(buf, n, tr(l, N_("the date \"%s\" is outside its era")), v);
	case HR_P_DATE_RANGE:
		return snprintf(buf, n, tr(l, N_("the date \"%s\" is not between the years 1900 "
		                                 "and 2199")), v);
	}
	return snprintf(buf, n, "%s", tr(l, N_("unknown problem")));
}

int
hr_error_format(const struct hr_error *e, enum hr_lang lang, char *buf, size_t n)
{
	int k, m;

	if (n == 0)
		return -1;
	if (e->line == 0)
		k = 0;
	else if (e->column[0] != '\0')
		k = snprintf(buf, n, tr(lang, N_("line %lu, column \"%s\": ")), e->line, e->column);
	else
		k = snprintf(buf, n, tr(lang, N_("line %lu: ")), e->line);
	if (k < 0)
		return -1;
	if ((size_t)k >= n)
		return k;
	buf[k] = '\0';
	m = message(e, lang, buf + k, n - (size_t)k);
	return m < 0 ? -1 : k + m;
}
