/* A JSON array of objects as a readable table: one column per key, padded to the widest
 * value by its display width (full-width characters count two), so that Japanese names and
 * readings line up on a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"
#include "sk_i18n.h"

#define TABLE_CELL_MAX 256

/* The text of one cell: strings as they are, null as "-", booleans as yes/no. */
static void
cell_text(json_object *row, const char *key, char *buf, size_t cap)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(row, key, &v) || v == NULL)
		snprintf(buf, cap, "-");
	else if (json_object_is_type(v, json_type_boolean))
		snprintf(buf, cap, "%s", json_object_get_boolean(v) ? _("yes") : _("no"));
	else
		snprintf(buf, cap, "%s", json_object_get_string(v));
}

/* Columns on a terminal: the display width of s in the current locale; its byte length when
 * it cannot be converted (then the table is merely less tidy). */
static size_t
display_width(const char *s)
{
	wchar_t w[TABLE_CELL_MAX];
	size_t n = mbstowcs(w, s, TABLE_CELL_MAX - 1);
	int cols;

	if (n == (size_t)-1)
		return strlen(s);
	w[n] = L'\0';
	cols = wcswidth(w, n);
	return cols < 0 ? strlen(s) : (size_t)cols;
}

static void
print_cell(const char *text, size_t width, int last)
{
	size_t pad = width - display_width(text);

	fputs(text, stdout);
	if (!last)
		printf("%*s", (int)(pad + 2), "");
}

void
cli_print_table(const struct cli_column *cols, size_t ncol, json_object *rows)
{
	size_t nrow = rows != NULL ? json_object_array_length(rows) : 0;
	size_t *width = calloc(ncol, sizeof(*width));
	char text[TABLE_CELL_MAX];

	if (width == NULL)
		return;
	for (size_t k = 0; k < ncol; k++)
		width[k] = display_width(_(cols[k].title));
	for (size_t i = 0; i < nrow; i++)
		for (size_t k = 0; k < ncol; k++) {
			size_t w;

			cell_text(json_object_array_get_idx(rows, i), cols[k].key, text, sizeof(text));
			if ((w = display_width(text)) > width[k])
				width[k] = w;
		}
	for (size_t k = 0; k < ncol; k++)
		print_cell(_(cols[k].title), width[k], k + 1 == ncol);
	putchar('\n');
	for (size_t i = 0; i < nrow; i++) {
		for (size_t k = 0; k < ncol; k++) {
			cell_text(json_object_array_get_idx(rows, i), cols[k].key, text, sizeof(text));
			print_cell(text, width[k], k + 1 == ncol);
		}
		putchar('\n');
	}
	free(width);
}
