/* The error list of one import: every error is counted, the first ones are kept with
 * their line, column header and a shortened, printable copy of the offending value. */
#include <string.h>

#include "hr_int.h"

/* Copies at most max bytes of valid UTF-8 from s, cut at a character boundary, with
 * control characters shown as '?' so an error message cannot inject lines. */
static void
copy_printable(char *dst, size_t max, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)s + i;
		int l = hr_utf8_seq(u, n - i);
		unsigned cp;

		if (l <= 0) {
			l = 1;
			cp = '?';
		} else {
			cp = hr_utf8_cp(u, l);
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || l == 1) {
			if (o + 1 > max)
				break;
			dst[o++] = (cp < 0x20 || cp == 0x7f || cp > 0x7e) ? '?' : (char)cp;
		} else {
			if (o + (size_t)l > max)
				break;
			memcpy(dst + o, u, (size_t)l);
			o += (size_t)l;
		}
		i += (size_t)l;
	}
	dst[o] = '\0';
}

void
hr_err_add_named(struct hr_errsink *s, unsigned long line, const char *column,
                 enum hr_problem p, const char *value, size_t vlen, unsigned long n1,
                 unsigned long n2)
{
	struct hr_error *e;

	s->total++;
	if (s->kept >= s->cap)
		return;
	e = &s->v[s->kept++];
	memset(e, 0, sizeof(*e));
	e->line = line;
	e->problem = p;
	e->n1 = n1;
	e->n2 = n2;
	if (column)
		copy_printable(e->column, HR_COLUMN_MAX, column, strlen(column));
	if (value)
		copy_printable(e->value, HR_VALUE_MAX, value, vlen);
}

void
hr_err_add(struct hr_errsink *s, unsigned long line, long col, enum hr_problem p,
           const char *value, size_t vlen, unsigned long n1, unsigned long n2)
{
	const char *column = NULL;

	if (col >= 0 && (size_t)col < s->nheaders)
		column = s->headers[col];
	hr_err_add_named(s, line, column, p, value, vlen, n1, n2);
}
