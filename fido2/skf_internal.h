/* Helpers private to skfido2: the hard deadline, libfido2 error mapping, bounded copies of
 * what a key returned, and the PIN prompt. Not installed, not for callers. */
#ifndef SKF_INTERNAL_H
#define SKF_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>

#include "skf_common.h"
#include "skf_devices.h"

/* A deadline that can be pushed back by the time a PIN prompt took: the timeout is about
 * waiting for the key, not about how long a person takes to type. */
struct skf_deadline {
	int64_t end_ms;
};
void skf_deadline_start(struct skf_deadline *dl, int timeout_ms);
/* Remaining milliseconds, at least 0. */
int skf_deadline_left(const struct skf_deadline *dl);
void skf_deadline_extend(struct skf_deadline *dl, int64_t by_ms);
/* Arms libfido2's own timeout on d with what is left of dl (capped at cap_ms when > 0).
 * SK_ERR_TIMEOUT when nothing is left. */
int skf_deadline_arm(const struct skf_deadline *dl, struct skf_dev *d, int cap_ms);

/* Maps a libfido2 error to SK_ERR_* and a reason. A transport error after the deadline has
 * passed is a timeout: that is how libfido2 reports a key nobody touched. Does not log. */
int skf_map_fido_err(int fido_err, const struct skf_deadline *dl, enum skf_fail *fail);

/* The checks a request to the key shares (enrolment and assertion): n credential ids in
 * list (non-NULL when n > 0), each 1..SKF_CRED_ID_MAX bytes, at most SKF_MAX_ALLOW (what
 * names the list in the log: "allowed", "excluded"); then a positive timeout. SK_ERR_ARG,
 * logged, when not. */
int skf_check_cred_list(const struct skf_cred_ref *list, size_t n, const char *what);
int skf_check_timeout(int timeout_ms);

/* Bounded copy of untrusted bytes; SK_ERR_RANGE (logged with what) when they do not fit. */
int skf_copy_blob(unsigned char *dst, size_t cap, size_t *dst_len, const unsigned char *src,
                  size_t len, const char *what);

/* Asks for the PIN of d through ui (only call when a PIN is really needed). Reads the tries
 * left first and refuses without asking when none or only one is left (SKF_FAIL_PIN_BLOCKED,
 * SKF_FAIL_PIN_LAST_TRY): the last try is never spent here. The PIN lands in pin (pinsz >=
 * SKF_PIN_MAX + 1); the caller zeroes it with explicit_bzero after use. The time the prompt
 * took is added to dl. */
int skf_pin_ask(struct skf_dev *d, const struct skf_ui *ui, struct skf_deadline *dl, char *pin,
                size_t pinsz, int *retries, enum skf_fail *fail);

/* Before built-in verification on d: with one try or none left on its sensor (CTAP 2.1
 * getUVRetries), *m becomes SKF_UVM_PIN when a PIN can be asked, otherwise SK_ERR_DENIED
 * with SKF_FAIL_UV_LAST_TRY. A key that cannot tell keeps *m. */
int skf_keep_last_uv_try(struct skf_dev *d, const struct skf_deadline *dl, bool can_ask_pin,
                         enum skf_uv_method *m, enum skf_fail *fail);

void skf_cue(const struct skf_ui *ui, enum skf_cue cue);

#endif
