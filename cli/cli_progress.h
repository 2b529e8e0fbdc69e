/* A progress line on a terminal for long CLI work (sekimori hr import): rows done, rate and
 * time left, redrawn at most five times a second on stderr; nothing at all when stderr is
 * not a terminal (scripts, cron, logs). */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H
#include <stdint.h>

struct cli_progress {
	int on;                 /* stderr is a terminal */
	int shown;              /* a line is on the screen, unfinished */
	int64_t start_ms, last_ms;
	const char *phase;      /* translated label */
};

/* Starts a phase (a new line when one was shown). */
void cli_progress_begin(struct cli_progress *p, const char *phase);
/* done of total units (total 0: unknown); fraction is done's share of the work when total is
 * unknown (0..1, negative: unknown). Redrawn at most every 200 ms unless final. */
void cli_progress_update(struct cli_progress *p, unsigned long done, unsigned long total,
                         double fraction, int final);
/* Ends the line, if one was shown. */
void cli_progress_end(struct cli_progress *p);

#endif
