/* The default column mapping and the keyword tables for employment types and events. */
#include <string.h>

#include "hr_int.h"
#include "sk_err.h"

/* Japanese headers as personnel systems export them, then English alternatives. */
const struct hr_mapping hr_mapping_default = {
	.header = {
		[HR_F_STAFF_NO] = { "職員番号", "staff_no", "Staff Number", NULL },
		[HR_F_NAME] = { "氏名", "name", NULL, NULL },
		[HR_F_KANA] = { "氏名カナ", "カナ氏名", "kana", NULL },
		[HR_F_DEPT] = { "所属コード", "department", "dept", NULL },
		[HR_F_JOB] = { "職名", "job", "role", NULL },
		[HR_F_EMPLOYMENT] = { "雇用区分", "employment", NULL, NULL },
		[HR_F_DATE] = { "発令日", "effective_date", "Effective Date", NULL },
		[HR_F_EVENT] = { "異動区分", "event", NULL, NULL },
	},
};

const char *
hr_field_name(enum hr_field f)
{
	static const char *const names[HR_F_COUNT] = {
		"staff number", "name", "kana", "department code", "job", "employment type",
		"effective date", "event",
	};
	return (unsigned)f < HR_F_COUNT ? names[f] : "?";
}

struct keyword {
	const char *text;
	int value;
};

/* Japanese terms first; the English keyword of each value is its first ASCII entry. */
static const struct keyword events[] = {
	{ "採用", HR_EV_HIRE }, { "異動", HR_EV_TRANSFER }, { "出向", HR_EV_SECONDMENT },
	{ "休職", HR_EV_LEAVE }, { "復職", HR_EV_RETURN }, { "退職", HR_EV_RETIREMENT },
	{ "hire", HR_EV_HIRE }, { "transfer", HR_EV_TRANSFER },
	{ "secondment", HR_EV_SECONDMENT }, { "leave", HR_EV_LEAVE },
	{ "return", HR_EV_RETURN }, { "retirement", HR_EV_RETIREMENT },
};

static const struct keyword employments[] = {
	{ "正規職員", HR_EMP_REGULAR }, { "正職員", HR_EMP_REGULAR },
	{ "会計年度任用職員", HR_EMP_FISCAL_YEAR }, { "会計年度任用", HR_EMP_FISCAL_YEAR },
	{ "委託", HR_EMP_CONTRACTOR }, { "業務委託", HR_EMP_CONTRACTOR },
	{ "出向", HR_EMP_SECONDEE },
	{ "regular", HR_EMP_REGULAR }, { "fiscal-year", HR_EMP_FISCAL_YEAR },
	{ "contractor", HR_EMP_CONTRACTOR }, { "secondee", HR_EMP_SECONDEE },
};

static int
lookup(const struct keyword *k, size_t n, const char *s, int *out)
{
	char norm[64];

	if (hr_norm_ascii(s, strlen(s), norm, sizeof(norm)) != SK_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (hr_header_eq(norm, strlen(norm), k[i].text)) {
			*out = k[i].value;
			return 1;
		}
	}
	return 0;
}

static const char *
keyword_of(const struct keyword *k, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].value == value && (unsigned char)k[i].text[0] < 0x80)
			return k[i].text;
	return "";
}

int
hr_parse_event(const char *s, enum hr_event *out)
{
	int v;

	if (!lookup(events, sizeof(events) / sizeof(events[0]), s, &v))
		return HR_P_EVENT;
	*out = (enum hr_event)v;
	return 0;
}

int
hr_parse_employment(const char *s, enum hr_employment *out)
{
	int v;

	if (!lookup(employments, sizeof(employments) / sizeof(employments[0]), s, &v))
		return HR_P_EMPLOYMENT;
	*out = (enum hr_employment)v;
	return 0;
}

const char *
hr_event_keyword(enum hr_event ev)
{
	return keyword_of(events, sizeof(events) / sizeof(events[0]), (int)ev);
}

const char *
hr_employment_keyword(enum hr_employment emp)
{
	return keyword_of(employments, sizeof(employments) / sizeof(employments[0]), (int)emp);
}

int
hr_encoding_parse(const char *s, enum hr_encoding *out)
{
	if (hr_header_eq(s, strlen(s), "auto"))
		*out = HR_ENC_AUTO;
	else if (hr_header_eq(s, strlen(s), "utf-8") || hr_header_eq(s, strlen(s), "utf8"))
		*out = HR_ENC_UTF8;
	else if (hr_header_eq(s, strlen(s), "cp932") || hr_header_eq(s, strlen(s), "shift_jis") ||
	         hr_header_eq(s, strlen(s), "sjis"))
		*out = HR_ENC_CP932;
	else
		return SK_ERR_ARG;
	return SK_OK;
}

const char *
hr_encoding_name(enum hr_encoding enc)
{
	switch (enc) {
	case HR_ENC_UTF8: return "utf-8";
	case HR_ENC_CP932: return "cp932";
	default: return "auto";
	}
}

int
hr_parse_staff_no(const char *s, size_t n, char out[HR_STAFF_NO_MAX + 1])
{
	char norm[HR_STAFF_NO_MAX + 1];
	size_t len;

	if (hr_norm_ascii(s, n, norm, sizeof(norm)) != SK_OK)
		return HR_P_STAFF_NO;
	len = strlen(norm);
	if (len == 0)
		return HR_P_STAFF_NO;
	for (size_t i = 0; i < len; i++)
		if (norm[i] < '0' || norm[i] > '9')
			return HR_P_STAFF_NO;
	memcpy(out, norm, len + 1);
	return 0;
}
