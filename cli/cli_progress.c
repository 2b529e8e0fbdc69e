/* cli_progress.h: one line, "\r"-redrawn, on stderr when it is a terminal. */
#include "cli_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sk_i18n.h"

#define REDRAW_MS 200

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cli_progress_begin(struct cli_progress *p, const char *phase)
{
	if (p->shown)
		cli_progress_end(p);
	p->on = isatty(STDERR_FILENO);
	p->phase = phase;
	p->start_ms = now_ms();
	p->last_ms = 0;
}

void
cli_progress_update(struct cli_progress *p, unsigned long done, unsigned long total,
                    double fraction, int final)
{
	int64_t t = now_ms(), elapsed = t - p->start_ms;
	double rate, share;

	if (!p->on || (!final && t - p->last_ms < REDRAW_MS))
		return;
	p->last_ms = t;
	rate = elapsed > 0 ? (double)done * 1000.0 / (double)elapsed : 0.0;
	share = total > 0 ? (double)done / (double)total : fraction;
	fprintf(stderr, "\r\033[K");
	if (total > 0)
		fprintf(stderr, _("%s: %lu of %lu rows, %.0f rows/s"), p->phase, done, total, rate);
	else
		fprintf(stderr, _("%s: %lu rows, %.0f rows/s"), p->phase, done, rate);
	if (!final && share > 0.0 && share < 1.0 && elapsed >= 500)
		fprintf(stderr, _(", about %.0f s left"),
		        (double)elapsed / 1000.0 * (1.0 - share) / share);
	else if (final)
		fprintf(stderr, _(", %.1f s"), (double)elapsed / 1000.0);
	fflush(stderr);
	p->shown = 1;
}

void
cli_progress_end(struct cli_progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = 0;
}
