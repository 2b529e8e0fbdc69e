/* Effective dates: Western (2025-04-01, 2025/4/1, 2025.4.1, 2025年4月1日) or Japanese era
 * (令和7年4月1日, 令和元年5月1日, R7.4.1, H31/4/30), full-width digits allowed. An era date
 * must fall inside its era: 平成31年4月30日 is the last day of Heisei, 平成31年5月1日 does
 * not exist, 令和元年5月1日 is the first day of Reiwa. */
#include <string.h>

#include "hr_int.h"
#include "sk_err.h"

#define HR_YEAR_MIN 1900
#define HR_YEAR_MAX 2199

struct era {
	const char *kanji;
	char letter;
	struct hr_date first, last;    /* last day; {9999,12,31} while it lasts */
};

static const struct era eras[] = {
	{ "令和", 'R', { 2019, 5, 1 }, { 9999, 12, 31 } },
	{ "平成", 'H', { 1989, 1, 8 }, { 2019, 4, 30 } },
	{ "昭和", 'S', { 1926, 12, 25 }, { 1989, 1, 7 } },
};

static int
date_cmp(const struct hr_date *a, const struct hr_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* mind..maxd ASCII digits at *p. */
static int
digits(const char **p, int mind, int maxd, int *v)
{
	int n = 0, x = 0;

	while (n < maxd && (*p)[n] >= '0' && (*p)[n] <= '9') {
		x = x * 10 + ((*p)[n] - '0');
		n++;
	}
	if (n < mind)
		return 0;
	*p += n;
	*v = x;
	return 1;
}

static int
lit(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* "M<sep>D" with the same separator as before, or "M月D日", then the end. */
static int
month_day(const char *p, char sep, int *m, int *d)
{
	if (sep == '\0')
		return digits(&p, 1, 2, m) && lit(&p, "月") && digits(&p, 1, 2, d) &&
		       lit(&p, "日") && *p == '\0';
	return digits(&p, 1, 2, m) && *p++ == sep && digits(&p, 1, 2, d) && *p == '\0';
}

static int
is_sep(char c)
{
	return c == '-' || c == '/' || c == '.';
}

static int
check_day(const struct hr_date *d)
{
	if (d->year < HR_YEAR_MIN || d->year > HR_YEAR_MAX)
		return HR_P_DATE_RANGE;
	if (d->month < 1 || d->month > 12 || d->day < 1 ||
	    d->day > days_in_month(d->year, d->month))
		return HR_P_DATE;
	return 0;
}

static int
era_date(const struct era *e, int n, int m, int day, struct hr_date *out)
{
	struct hr_date d = { e->first.year + n - 1, m, day };
	int rc;

	if (n < 1)
		return HR_P_DATE;
	rc = check_day(&d);
	if (rc)
		return rc;
	if (date_cmp(&d, &e->first) < 0 || date_cmp(&d, &e->last) > 0)
		return HR_P_DATE_ERA;
	*out = d;
	return 0;
}

int
hr_parse_date(const char *s, struct hr_date *out)
{
	char buf[64];
	const char *p = buf;
	int y, m, d, rc;

	if (hr_norm_ascii(s, strlen(s), buf, sizeof(buf)) != SK_OK || buf[0] == '\0')
		return HR_P_DATE;
	for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		const struct era *e = &eras[i];
		char c = buf[0];

		if (lit(&p, e->kanji)) {
			if (lit(&p, "元"))
				y = 1;
			else if (!digits(&p, 1, 2, &y))
				return HR_P_DATE;
			if (!lit(&p, "年") || !month_day(p, '\0', &m, &d))
				return HR_P_DATE;
			return era_date(e, y, m, d, out);
		}
		if (c == e->letter || c == e->letter - 'A' + 'a') {
			p = buf + 1;
			if (!digits(&p, 1, 2, &y) || !is_sep(*p))
				return HR_P_DATE;
			{
				char sep = *p++;
				if (!month_day(p, sep, &m, &d))
					return HR_P_DATE;
			}
			return era_date(e, y, m, d, out);
		}
	}
	p = buf;
	if (!digits(&p, 4, 4, &y))
		return HR_P_DATE;
	if (lit(&p, "年")) {
		if (!month_day(p, '\0', &m, &d))
			return HR_P_DATE;
	} else if (is_sep(*p)) {
		char sep = *p++;
		if (!month_day(p, sep, &m, &d))
			return HR_P_DATE;
	} else {
		return HR_P_DATE;
	}
	{
		struct hr_date x = { y, m, d };
		rc = check_day(&x);
		if (rc)
			return rc;
		*out = x;
	}
	return 0;
}
