/* Generated HR data (see hr_gen.h). */
#include "hr_gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const family1[] = { "山", "川", "田", "中", "森", "林", "木", "村",
                                       "野", "原", "髙", "﨑", "本", "井", "石", "松" };
static const char *const family2[] = { "田", "本", "口", "川", "野", "﨑", "橋", "沢" };
static const char *const given[] = { "太", "花", "一", "美", "健", "翔", "結", "陽" };
static const char *const given2[] = { "郎", "子", "樹", "菜", "斗", "香" };
static const char *const kana1[] = { "ヤマ", "カワ", "タ", "ナカ", "モリ", "ハヤシ", "キ", "ムラ" };
static const char *const kana2[] = { "ダ", "モト", "グチ", "サキ", "ノ", "ハシ" };
static const char *const kana3[] = { "タロウ", "ハナコ", "イチロウ", "ミキ", "ケン", "ユイ" };
static const char *const jobs[] = { "主事", "主任①", "係長", "課長補佐", "㈱派遣先担当",
                                    "技師" };
static const char *const emps[] = { "正規職員", "会計年度任用職員", "業務委託", "出向",
                                    "委託", "regular" };
static const char *const events[] = { "採用", "異動", "出向", "休職", "復職", "退職" };
static const char *const fw_digits[] = { "０", "１", "２", "３", "４", "５", "６", "７",
                                         "８", "９" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

int
hr_gen_row(unsigned long i, int with_newlines, char *buf, size_t n, int *newlines)
{
	char staff[64], date[64];
	const char *remark = "";
	int month = 1 + (int)((i / 28) % 12), day = 1 + (int)(i % 28), k;

	*newlines = 0;
	/* Staff numbers: 7 digits; every 11th row in full-width digits. */
	if (i % 11 == 3) {
		char ascii[16];
		size_t o = 0;
		snprintf(ascii, sizeof(ascii), "%07lu", i + 1);
		for (size_t d = 0; ascii[d]; d++) {
			size_t l = strlen(fw_digits[ascii[d] - '0']);
			memcpy(staff + o, fw_digits[ascii[d] - '0'], l);
			o += l;
		}
		staff[o] = '\0';
	} else {
		snprintf(staff, sizeof(staff), "%07lu", i + 1);
	}
	switch (i % 4) {
	case 0: snprintf(date, sizeof(date), "2025-%02d-%02d", month, day); break;
	case 1: snprintf(date, sizeof(date), "令和7年%d月%d日", month, day); break;
	case 2: snprintf(date, sizeof(date), "R7.%d.%d", month, day); break;
	default: snprintf(date, sizeof(date), "2025/%d/%d", month, day); break;
	}
	if (i % 50 == 7)
		remark = "\"要確認, \"\"至急\"\"\"";
	else if (with_newlines && i % 97 == 5) {
		remark = "\"一行目\n二行目\"";
		*newlines = 1;
	}
	k = snprintf(buf, n, "%s,%s%s　%s%s,%s%s　%s,D%03lu,%s,%s,%s,%s,%s", staff,
	             family1[i % N(family1)], family2[(i / 3) % N(family2)],
	             given[(i / 5) % N(given)], given2[(i / 7) % N(given2)],
	             kana1[i % N(kana1)], kana2[(i / 3) % N(kana2)], kana3[(i / 5) % N(kana3)],
	             i % 200, jobs[i % N(jobs)], emps[i % N(emps)], date, events[i % N(events)],
	             remark);
	return k < 0 || (size_t)k >= n ? -1 : k;
}

int
hr_gen_open(struct hr_gen_writer *w, char *path, size_t pathsz, int cp932, int bom)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	memset(w, 0, sizeof(*w));
	w->cd = (iconv_t)-1;
	if (snprintf(path, pathsz, "%s/hr-gen-XXXXXX", tmp && *tmp ? tmp : "/tmp") >= (int)pathsz)
		return -1;
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		close(fd);
		return -1;
	}
	if (cp932) {
		w->cd = iconv_open("CP932", "UTF-8");
		if (w->cd == (iconv_t)-1)
			return -1;
	} else if (bom) {
		if (fwrite("\xef\xbb\xbf", 1, 3, w->f) != 3)
			return -1;
		w->written = 3;
	}
	return 0;
}

int
hr_gen_put(struct hr_gen_writer *w, const char *utf8, size_t n)
{
	char out[4096];
	char *ip = (char *)utf8;
	size_t il = n;

	if (w->cd == (iconv_t)-1) {
		if (fwrite(utf8, 1, n, w->f) != n)
			return -1;
		w->written += n;
		return 0;
	}
	while (il > 0) {
		char *op = out;
		size_t ol = sizeof(out);
		size_t k = iconv(w->cd, &ip, &il, &op, &ol);
		size_t len = (size_t)(op - out);
		if (fwrite(out, 1, len, w->f) != len)
			return -1;
		w->written += len;
		if (k == (size_t)-1 && errno != E2BIG)
			return -1;   /* the generator only writes characters CP932 has */
	}
	return 0;
}

int
hr_gen_puts(struct hr_gen_writer *w, const char *utf8)
{
	return hr_gen_put(w, utf8, strlen(utf8));
}

int
hr_gen_close(struct hr_gen_writer *w)
{
	int rc = 0;

	if (w->cd != (iconv_t)-1)
		iconv_close(w->cd);
	if (w->f && fclose(w->f) != 0)
		rc = -1;
	w->f = NULL;
	w->cd = (iconv_t)-1;
	return rc;
}

int
hr_gen_collect_fn(const struct hr_record *rec, void *arg)
{
	struct hr_gen_collect *c = arg;

	if (c->n < HR_GEN_KEEP)
		c->first[c->n] = *rec;
	c->last = *rec;
	c->n++;
	return 0;
}

int
hr_gen_import_text(const char *utf8, size_t n, int cp932, int bom, enum hr_encoding enc,
                   const struct hr_limits *lim, struct hr_gen_collect *c,
                   struct hr_result *res)
{
	struct hr_gen_writer w;
	struct hr_options opt;
	char path[512];
	int rc;

	memset(c, 0, sizeof(*c));
	memset(&opt, 0, sizeof(opt));
	opt.encoding = enc;
	if (lim)
		opt.limits = *lim;
	if (hr_gen_open(&w, path, sizeof(path), cp932, bom) != 0 || hr_gen_put(&w, utf8, n) != 0 ||
	    hr_gen_close(&w) != 0)
		return -1000;
	rc = hr_import_file(path, &opt, hr_gen_collect_fn, c, res);
	unlink(path);
	return rc;
}
