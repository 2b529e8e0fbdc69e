/* Drives the built pam_sekimori.so through real libpam with pam_start_confdir and a scripted
 * conversation that records everything the module said. */
#ifndef SK_PAMDRIVE_H
#define SK_PAMDRIVE_H
#include <security/pam_appl.h>
#include <stddef.h>

#define SKPD_ANSWERS_MAX 12

struct skpd {
	const char *answers[SKPD_ANSWERS_MAX];
	size_t n_answers;
	size_t next;
	char transcript[8192];   /* prompts, info and errors, one per line */
	pam_handle_t *pamh;
	int last;                /* last PAM return code */
};

/* Writes confdir/service with module lines for all four phases (args appended), or the
 * given full text when lines != NULL. */
void skpd_write_service(const char *confdir, const char *service, const char *module_args,
                        const char *lines);
/* Starts a transaction for user with the answers given (NULL-terminated list). */
void skpd_begin(struct skpd *d, const char *confdir, const char *service, const char *user,
                const char *rhost, ...);
/* Replaces the remaining answers (NULL-terminated). */
void skpd_answers(struct skpd *d, ...);
int skpd_end(struct skpd *d);
/* One call: authenticate with these answers; returns the PAM code and keeps the transcript. */
int skpd_authenticate(struct skpd *d, const char *confdir, const char *service,
                      const char *user, const char *rhost, const char *a1, const char *a2);
/* PAM's account phase alone for user (no answers); returns pam_acct_mgmt's result. */
int skpd_acct_mgmt(const char *confdir, const char *service, const char *user);
int skpd_contains(const struct skpd *d, const char *needle);

#endif
