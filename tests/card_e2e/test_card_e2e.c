/* IC cards end to end (issue 4): the real pcscd + vsmartcard-vpcd with sk-cardemu as the card
 * (tests/smartcard/harness.sh gives the namespaces and the test PKI), a real sekimorid with
 * [card] trust_anchors = the test CA, the built pam_sekimori.so through real libpam
 * (pam_start_confdir), and the real `sekimori card ...` CLI.
 *
 * Requirement IDs: R-MFA-1 (card = knowledge + possession; password + card; PIV 9E is one
 * class), R-CARD-1 (one certificate, one person), R-CARD-2 / R-LOGIN-2 (removal locks or ends
 * the session through lock_command or loginctl, escalating to a hang-up; pcscd vanishing
 * counts as removal), R-CARD-3 (a card reported lost is refused mid-login and at the next
 * login), R-CARD-4 / R-LIFE-5 (replacement revokes the old card; collection and destruction
 * recorded once), R-TEST-1 (generated keys and certificates only).
 *
 * The lock command and a fake loginctl (bind-mounted over /usr/bin/loginctl inside the
 * private mount namespace only) append their arguments to a marker file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sc_pcsc.h"
#include "sc_test_card.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define CARD_WAIT_MS 5000
#define REMOVAL_BOUND_MS 2000       /* generous: the watcher acts within 1 s of pcscd noticing */
#define END ((const char *)NULL)

static struct sk_fixture fx;
static const char *pki, *emu_bin, *work, *agent;
static char readers[2][SC_READER_NAME_MAX];
static int slot = 1;                /* the reader of the current (or last) card */
static pid_t emu_pid = -1;
static SCARDCONTEXT ctx;
static char marker[1024];
static char fake_loginctl[1024];    /* bound over /usr/bin/loginctl while a test needs it */
static char loginctl_fail[1024];    /* while this file exists the fake loginctl fails */
static char out[65536];             /* the last CLI output */
static char tanaka_pw[64];          /* tanaka's temporary password */

/* ---- the emulated card ----------------------------------------------------------------- */

/* vpcd offers two readers (ports 35963 and 35964). A new card goes into the other reader
 * than the last one, so that pcscd noticing the old card leave overlaps the new card's
 * insertion; logins start only once the old one is seen gone (exactly one card present). */
static int stale = -1;              /* a reader whose card was pulled, not yet seen empty */
static char current[1024];          /* the options of the card in the reader, "" for none */

static void
emu_settle(void)
{
	if (stale >= 0)
		assert_int_equal(sc_card_wait_empty(ctx, readers[stale], CARD_WAIT_MS), SK_OK);
	stale = -1;
}

/* The card is pulled (the emulator exits; vpcd reports the reader empty). */
static void
emu_pull(void)
{
	if (emu_pid < 0)
		return;
	sct_emu_kill(emu_pid);
	emu_pid = -1;
	stale = slot;
	current[0] = '\0';
}

/* Makes sure the card with these options (NULL-terminated) is the one in a reader: when
 * another card is in, it is pulled and this one inserted in the other reader. */
static void
emu_card(const char *type, ...)
{
	struct sct_emu_argv a;
	char want[sizeof(current)], found[SC_READER_NAME_MAX];
	const char *arg;
	va_list ap;

	snprintf(want, sizeof(want), "%s", type);
	va_start(ap, type);
	while ((arg = va_arg(ap, const char *)) != NULL) {
		size_t len = strlen(want);

		snprintf(want + len, sizeof(want) - len, " %s", arg);
	}
	va_end(ap);
	if (emu_pid >= 0 && strcmp(want, current) == 0)
		return;
	emu_pull();
	slot = 1 - slot;
	if (stale == slot)
		emu_settle();
	sct_emu_argv_init(&a, emu_bin, type, slot);
	va_start(ap, type);
	sct_emu_argv_add_list(&a, ap);
	va_end(ap);
	emu_pid = sct_emu_spawn(ctx, readers[slot], &a, found, sizeof(found));
	memcpy(current, want, sizeof(current));
	emu_settle();
}

/* A JPKI card with the key and certificate NAME.key / NAME.pem, and its state file. */
static void
emu_jpki(const char *name, const char *option)
{
	char cert[64], key[64];

	snprintf(cert, sizeof(cert), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key", name);
	emu_card("jpki", "--cert", sct_pki_path(cert), "--key", sct_pki_path(key), "--state",
	         sct_pki_path("cardemu.state"), option, END);
}

static long
emu_state(const char *key)
{
	return sct_emu_state(sct_pki_path("cardemu.state"), key);
}

/* ---- the CLI, PAM, the audit log ------------------------------------------------------- */

static int
cli(const char *fmt, ...)
{
	char args[2048];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(args));
	r = skfx_cli(&fx, args, NULL, out, sizeof(out));
	print_message("$ sekimori %s -> %d\n%s", args, r, out);
	return r;
}

/* The card list of user as JSON (`card list USER --json`); caller puts it. */
static json_object *
card_list(const char *user)
{
	json_object *doc;

	assert_int_equal(cli("--json card list %s", user), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_true(json_object_is_type(doc, json_type_array));
	return doc;
}

static const char *
jtext(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

static int64_t
jint(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

/* SHA-256 of the SubjectPublicKeyInfo, computed by openssl, not by Sekimori. */
static void
spki_hash(const char *pem, char hash[65])
{
	char cmd[2048], buf[256];

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -pubkey | openssl pkey -pubin "
	         "-outform DER | sha256sum", sct_pki_path(pem));
	assert_int_equal(sk_test_run(cmd, buf, sizeof(buf)), 0);
	assert_true(strlen(buf) > 64);
	memcpy(hash, buf, 64);
	hash[64] = '\0';
}

static int
login(struct skpd *d, const char *service, const char *user, const char *a1, const char *a2)
{
	int r = skpd_authenticate(d, fx.pamdir, service, user, NULL, a1, a2);

	print_message("login %s@%s -> %d\n%s", user, service, r, d->transcript);
	return r;
}

/* Waits until at least `want` audit records hold all the needles (at most 4; NULL ends). */
static int
audit_wait(int want, const char *a, const char *b, const char *c, const char *e)
{
	long long deadline = sct_now_ms() + REMOVAL_BOUND_MS;
	int n;

	while ((n = skfx_audit_count(&fx, a, b, c, e, NULL)) < want && sct_now_ms() < deadline)
		usleep(20000);
	return n;
}

/* Live session agents (comm "sekimori-agent"; zombies waiting for their reaper do not
 * count). */
static int
watchers(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], stat[512], *p;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(stat, sizeof(stat), f) != NULL && strstr(stat, "(sekimori-agent) ") &&
		    (p = strrchr(stat, ')')) != NULL && p[2] != 'Z')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static int
watchers_wait(int want, int ms)
{
	long long deadline = sct_now_ms() + ms;
	int n;

	while ((n = watchers()) != want && sct_now_ms() < deadline)
		usleep(20000);
	return n;
}

/* Waits up to bound ms until the marker file (the lock command's log) holds a line; returns
 * ms waited or -1. */
static long long
marker_wait_for(long long since, long long bound, char *line, size_t cap)
{
	while (sct_now_ms() - since <= bound) {
		FILE *f = fopen(marker, "r");

		if (f != NULL) {
			int got = fgets(line, (int)cap, f) != NULL;

			fclose(f);
			if (got) {
				line[strcspn(line, "\n")] = '\0';
				return sct_now_ms() - since;
			}
		}
		usleep(10000);
	}
	return -1;
}

static long long
marker_wait(long long since, char *line, size_t cap)
{
	return marker_wait_for(since, REMOVAL_BOUND_MS, line, cap);
}

/* A user of profile with a card enrolled from the emulator now in the reader. */
static void
add_user_with_card(const char *user, const char *profile, char *pw, size_t pwsz,
                   const char *enroll_args)
{
	skfx_add_user(&fx, user, profile, pw, pwsz);
	assert_int_equal(cli("card enroll %s%s", user, enroll_args), 0);
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int
setup(void **state)
{
	char profiles[4096], path[1024], args[1024];
	FILE *f;

	(void)state;
	pki = getenv("SK_TEST_PKI");
	emu_bin = getenv("SK_CARDEMU");
	work = getenv("SK_TEST_WORK");
	agent = getenv("SK_SESSION_AGENT");   /* the build's agent, not the installed one */
	if (pki == NULL || emu_bin == NULL || work == NULL || agent == NULL) {
		fprintf(stderr, "run me through harness.sh (SK_TEST_PKI, SK_CARDEMU, SK_TEST_WORK, "
		        "SK_SESSION_AGENT)\n");
		return -1;
	}
	if (sct_extra_certs("card1 card2 card3 card4 lost5 lost6 lost7 lost8", out, sizeof(out)) != 0)
		return -1;
	if (sct_readers_open(&ctx, readers) != 0)
		return -1;
	/* The lock command gets an empty environment: the marker path is written into it. */
	snprintf(marker, sizeof(marker), "%s/lock-marker", work);
	snprintf(path, sizeof(path), "%s/lock.sh", work);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "#!/bin/sh\necho \"$*\" >> '%s'\n", marker);
	if (fclose(f) != 0 || chmod(path, 0755) != 0)
		return -1;
	snprintf(profiles, sizeof(profiles),
	         "[card]\ntrust_anchors = %s\nlock_command = %s\ntimeout = 5\n"
	         "[profile mynumber]\n"
	         "classes = knowledge, possession\nmethods = password, card\n"
	         "deny = 20\nunlock_time = 0\ncard_removal = lock\n"
	         "[profile cardonly]\n"
	         "classes = knowledge, possession\nmethods = card\n"
	         "deny = 20\nunlock_time = 0\ncard_removal = end\n",
	         sct_pki_path("ca.pem"), path);
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s session_agent=%s", fx.conf, agent);
	skpd_write_service(fx.pamdir, "sk-card", args, NULL);
	snprintf(args, sizeof(args), "profile=cardonly conf=%s session_agent=%s", fx.conf, agent);
	skpd_write_service(fx.pamdir, "sk-cardonly", args, NULL);
	/* sk-logind: the same broker, but a configuration without lock_command, so that the
	 * watcher falls back to loginctl (a fake one, see logind_begin). */
	{
		char conf[8192], logind_conf[1024];
		FILE *in = fopen(fx.conf, "r"), *o;
		size_t n;

		snprintf(logind_conf, sizeof(logind_conf), "%s/logind.conf", fx.dir);
		if (in == NULL || (o = fopen(logind_conf, "w")) == NULL)
			return -1;
		n = fread(conf, 1, sizeof(conf) - 1, in);
		conf[n] = '\0';
		fclose(in);
		for (char *line = strtok(conf, "\n"); line != NULL; line = strtok(NULL, "\n"))
			if (strncmp(line, "lock_command", 12) != 0)
				fprintf(o, "%s\n", line);
		if (fclose(o) != 0)
			return -1;
		snprintf(args, sizeof(args), "profile=mynumber conf=%s session_agent=%s", logind_conf, agent);
		skpd_write_service(fx.pamdir, "sk-logind", args, NULL);
	}
	snprintf(fake_loginctl, sizeof(fake_loginctl), "%s/loginctl", work);
	snprintf(loginctl_fail, sizeof(loginctl_fail), "%s/loginctl-fail", work);
	f = fopen(fake_loginctl, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "#!/bin/sh\necho \"loginctl $*\" >> '%s'\n[ -e '%s' ] && exit 1\nexit 0\n",
	        marker, loginctl_fail);
	if (fclose(f) != 0 || chmod(fake_loginctl, 0755) != 0)
		return -1;
	/* tanaka: the JPKI card jpki.pem, used by the PIN, removal and binding tests. */
	skfx_add_user(&fx, "tanaka", "mynumber", tanaka_pw, sizeof(tanaka_pw));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	emu_pull();
	skfx_finish(&fx);
	sc_ctx_close(ctx);
	return 0;
}

/* ---- enrolment and logins with tanaka's JPKI card ------------------------------------------ */

/* The certificate is read from the card without a PIN and bound to the user; the CLI prints
 * the binding hash, which is SHA-256 of the SubjectPublicKeyInfo (R-CARD-1). */
static void
test_enroll_jpki(void **state)
{
	char hash[65];
	json_object *cards;

	(void)state;
	emu_jpki("jpki", NULL);
	assert_int_equal(cli("card enroll tanaka"), 0);
	spki_hash("jpki.pem", hash);
	assert_non_null(strstr(out, hash));
	assert_non_null(strstr(out, "Card enrolled for tanaka"));
	/* No PIN went to the card: enrolment reads the public certificate only. */
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("sign_ops"), 0);
	cards = card_list("tanaka");
	assert_int_equal(json_object_array_length(cards), 1);
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "cert"), hash);
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "kind"), "jpki");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "state"), "active");
	json_object_put(cards);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_enroll\"",
	                                  "\"user\":\"tanaka\"", "\"result\":\"ok\"", NULL), 1);
	/* The same card again: refused, it is bound already. */
	assert_int_equal(cli("card enroll tanaka"), 1);
	assert_non_null(strstr(out, "already enrolled for tanaka"));
	/* Usage errors and a user the broker does not know. */
	assert_int_equal(cli("card enroll tanaka --kind bogus"), 2);
	assert_int_equal(cli("card enroll nosuchuser"), 1);
	assert_non_null(strstr(out, "no such user"));
}

/* R-MFA-1: password (knowledge) then the card with its PIN (possession + knowledge). */
static void
test_login_password_and_card(void **state)
{
	struct skpd d;

	(void)state;
	emu_jpki("jpki", NULL);
	assert_int_equal(login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Password: "));
	assert_true(skpd_contains(&d, "i 3 PIN attempts are left on this card."));
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(emu_state("pin_verified"), 0);   /* logged out after use */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                                  "\"result\":\"allow\"", "\"methods\":\"password,card\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
}

/* A wrong PIN: the card's tries left are shown; the next login shows the count first. */
static void
test_wrong_pin_shows_tries(void **state)
{
	struct skpd d;
	long signed_before;

	(void)state;
	emu_jpki("jpki", NULL);
	signed_before = emu_state("sign_ops");
	assert_int_equal(login(&d, "sk-card", "tanaka", tanaka_pw, "9999"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "! The card PIN is wrong. 2 attempts are left."));
	assert_int_equal(emu_state("pin_tries"), 2);
	assert_int_equal(emu_state("sign_ops"), signed_before);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                                  "\"reason\":\"card_pin_wrong\"", NULL), 1);
	assert_int_equal(login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "i 2 PIN attempts are left on this card."));
	assert_int_equal(emu_state("pin_tries"), 3);   /* a right PIN resets the counter */
}

/* ---- removal (R-CARD-2, R-LOGIN-2) ------------------------------------------------------ */

/* Opens a session for user on service with a card login; leaves the handle in d. */
static void
open_card_session(struct skpd *d, const char *service, const char *user, const char *pw,
                  const char *pin)
{
	if (pw != NULL)
		skpd_begin(d, fx.pamdir, service, user, NULL, pw, pin, NULL);
	else
		skpd_begin(d, fx.pamdir, service, user, NULL, pin, NULL);
	d->last = pam_authenticate(d->pamh, 0);
	assert_int_equal(d->last, PAM_SUCCESS);
	d->last = pam_open_session(d->pamh, 0);
	if (d->last != PAM_SUCCESS)
		print_message("%s", d->transcript);
	assert_int_equal(d->last, PAM_SUCCESS);
}

static void
end_session(struct skpd *d)
{
	d->last = pam_close_session(d->pamh, 0);
	assert_int_equal(skpd_end(d), PAM_SUCCESS);
}

/* Pulling the card locks the session through lock_command, and the broker records it. */
static void
test_removal_locks_session(void **state)
{
	struct skpd d;
	char line[256], want[256];
	long long t0, waited;

	(void)state;
	emu_jpki("jpki", NULL);
	unlink(marker);
	open_card_session(&d, "sk-card", "tanaka", tanaka_pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	t0 = sct_now_ms();
	emu_pull();
	waited = marker_wait(t0, line, sizeof(line));
	print_message("removal -> lock command after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	/* ACTION USER LOGIND_SESSION SEKIMORI_SESSION; no logind session in this namespace. */
	assert_int_equal(strncmp(line, "lock tanaka - ", 14), 0);
	snprintf(want, sizeof(want), "\"session\":%s", line + 14);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                            "\"result\":\"card_removed_lock\"", want), 1);
	assert_int_equal(watchers_wait(0, 2000), 0);   /* it acted once and left */
	end_session(&d);
}

/* The watcher leaves with the session: after pam_close_session + pam_end, pulling the card
 * does nothing. */
static void
test_watcher_ends_with_session(void **state)
{
	struct skpd d;

	(void)state;
	emu_jpki("jpki", NULL);
	unlink(marker);
	open_card_session(&d, "sk-card", "tanaka", tanaka_pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	end_session(&d);
	assert_int_equal(watchers_wait(0, 2000), 0);
	emu_pull();
	emu_settle();
	usleep(300000);
	assert_int_equal(access(marker, F_OK), -1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                                  NULL), 1);   /* only the one from the lock test */
}

/* The card left between the login and the session: the session is not opened. */
static void
test_card_missing_at_open(void **state)
{
	struct skpd d;

	(void)state;
	emu_jpki("jpki", NULL);
	skpd_begin(&d, fx.pamdir, "sk-card", "tanaka", NULL, tanaka_pw, "1234", NULL);
	assert_int_equal(pam_authenticate(d.pamh, 0), PAM_SUCCESS);
	emu_pull();
	emu_settle();
	d.last = pam_open_session(d.pamh, 0);
	print_message("%s", d.transcript);
	assert_int_equal(d.last, PAM_SESSION_ERR);
	assert_true(skpd_contains(&d, "! The IC card is no longer in the reader"));
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                                  "\"result\":\"card_missing_at_open\"", NULL), 1);
	/* The watcher that found no card exits on its own after answering: wait for it (it may
	 * still be alive for a moment after the module read its answer). */
	assert_int_equal(watchers_wait(0, 2000), 0);
}

/* ---- removal without lock_command: logind ----------------------------------------------- */

/* A fake loginctl over /usr/bin/loginctl: only in harness.sh's private mount namespace. */
static void
logind_begin(int fail)
{
	const char *in_ns = getenv("SK_SC_IN_NS");

	assert_non_null(in_ns);
	assert_string_equal(in_ns, "1");
	/* The watcher runs /usr/bin/loginctl (package systemd) when no lock_command is set. */
	assert_int_equal(access("/usr/bin/loginctl", F_OK), 0);
	assert_int_equal(mount(fake_loginctl, "/usr/bin/loginctl", NULL, MS_BIND, NULL), 0);
	if (fail)
		sk_test_write_file(work, "loginctl-fail", "", loginctl_fail, sizeof(loginctl_fail));
	else
		unlink(loginctl_fail);
	unlink(marker);
}

static void
logind_end(void)
{
	assert_int_equal(umount2("/usr/bin/loginctl", 0), 0);
	unlink(loginctl_fail);
}

/* Without lock_command: `loginctl lock-session ID`, ID from XDG_SESSION_ID in the PAM
 * environment (pam_systemd puts it there). */
static void
test_removal_loginctl_lock(void **state)
{
	struct skpd d;
	char line[256];
	long long t0, waited;

	(void)state;
	emu_jpki("jpki", NULL);
	logind_begin(0);
	skpd_begin(&d, fx.pamdir, "sk-logind", "tanaka", NULL, tanaka_pw, "1234", NULL);
	assert_int_equal(pam_authenticate(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_putenv(d.pamh, "XDG_SESSION_ID=c7"), PAM_SUCCESS);
	assert_int_equal(pam_open_session(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(watchers_wait(1, 2000), 1);
	t0 = sct_now_ms();
	emu_pull();
	waited = marker_wait(t0, line, sizeof(line));
	print_message("removal -> loginctl after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	assert_string_equal(line, "loginctl lock-session c7");
	assert_int_equal(audit_wait(2, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                            "\"result\":\"card_removed_lock\"", NULL), 2);
	end_session(&d);
	logind_end();
}

/* Nothing can lock or end the session (loginctl fails): the watcher escalates from lock to
 * terminate, and then hangs up the session's leader (the PAM application's process) rather
 * than leave the session open. The leader here is a child process that opened the session. */
static void
test_removal_unlockable_hangs_up_leader(void **state)
{
	int ready[2], status = 0;
	char buf[1024] = "";
	long long t0;
	pid_t child, w;
	FILE *f;

	(void)state;
	emu_jpki("jpki", NULL);
	logind_begin(1);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct skpd d;

		close(ready[0]);
		skpd_begin(&d, fx.pamdir, "sk-logind", "tanaka", NULL, tanaka_pw, "1234", NULL);
		if (pam_authenticate(d.pamh, 0) != PAM_SUCCESS ||
		    pam_putenv(d.pamh, "XDG_SESSION_ID=c8") != PAM_SUCCESS ||
		    pam_open_session(d.pamh, 0) != PAM_SUCCESS)
			_exit(1);
		if (write(ready[1], "o", 1) != 1)
			_exit(1);
		for (;;)
			pause();   /* the session's leader, until something ends it */
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], buf, 1), 1);
	close(ready[0]);
	assert_int_equal(watchers_wait(1, 2000), 1);
	t0 = sct_now_ms();
	emu_pull();
	while ((w = waitpid(child, &status, WNOHANG)) == 0 && sct_now_ms() - t0 < 3 * REMOVAL_BOUND_MS)
		usleep(20000);
	if (w == 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	print_message("removal, nothing can lock -> leader ended after %lld ms\n", sct_now_ms() - t0);
	assert_int_equal(w, child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGHUP);
	f = fopen(marker, "r");
	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	assert_string_equal(buf, "loginctl lock-session c8\nloginctl terminate-session c8\n");
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                            "\"result\":\"card_removed_end\"", NULL), 1);
	logind_end();
}

/* ---- PIN safety ------------------------------------------------------------------------ */

/* One try left: no PIN prompt is sent to the user and no PIN to the card; the message sends
 * the user to the counter. A blocked card likewise. */
static void
test_last_try_and_blocked(void **state)
{
	struct skpd d;

	(void)state;
	emu_jpki("jpki", "--one-try-left");
	assert_int_equal(login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_true(skpd_contains(&d, "! Only one PIN attempt is left on this card, so the PIN was "
	                          "not sent."));
	assert_true(skpd_contains(&d, "municipal counter"));
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 1);
	emu_jpki("jpki", "--blocked");
	assert_int_equal(login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_true(skpd_contains(&d, "! The card PIN is blocked."));
	assert_int_equal(emu_state("pin_verify_data"), 0);
}

/* ---- enrolment refusals ------------------------------------------------------------------ */

/* Expired and untrusted certificates are refused at enrolment; so is a PIV request on a card
 * that has no PIV application. */
static void
test_enroll_refusals(void **state)
{
	json_object *cards;
	char pw[64];

	(void)state;
	skfx_add_user(&fx, "kobayashi", "mynumber", pw, sizeof(pw));
	emu_card("jpki", "--cert", sct_pki_path("expired.pem"), "--key", sct_pki_path("other.key"), END);
	assert_int_equal(cli("card enroll kobayashi"), 1);
	assert_non_null(strstr(out, "the certificate has expired"));
	assert_int_equal(cli("card enroll kobayashi --kind piv"), 1);
	assert_non_null(strstr(out, "no certificate of the requested kind"));
	emu_card("jpki", "--cert", sct_pki_path("untrusted.pem"), "--key", sct_pki_path("other.key"), END);
	assert_int_equal(cli("card enroll kobayashi"), 1);
	assert_non_null(strstr(out, "not issued by a configured certificate authority"));
	cards = card_list("kobayashi");
	assert_int_equal(json_object_array_length(cards), 0);
	json_object_put(cards);
}

/* ---- the card alone, and card_removal = end ------------------------------------------------ */

/* The card alone where the profile says so: one device, two classes (PIN + card). */
static void
test_card_only_login(void **state)
{
	struct skpd d;
	char pw[64];

	(void)state;
	emu_jpki("card4", NULL);
	add_user_with_card("suzuki", "cardonly", pw, sizeof(pw), "");
	assert_int_equal(login(&d, "sk-cardonly", "suzuki", "1234", NULL), PAM_SUCCESS);
	assert_false(skpd_contains(&d, "Password"));
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"suzuki\"",
	                                  "\"result\":\"allow\"", "\"methods\":\"card\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
	/* Without the card's PIN there is no second class: a wrong PIN is a refusal. */
	assert_int_equal(login(&d, "sk-cardonly", "suzuki", "0000", NULL), PAM_AUTH_ERR);
}

/* card_removal = end: the lock command is told to end the session. */
static void
test_removal_ends_session(void **state)
{
	struct skpd d;
	char line[256];
	long long t0, waited;

	(void)state;
	emu_jpki("card4", NULL);
	unlink(marker);
	open_card_session(&d, "sk-cardonly", "suzuki", NULL, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	t0 = sct_now_ms();
	emu_pull();
	waited = marker_wait(t0, line, sizeof(line));
	print_message("removal -> end command after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	assert_int_equal(strncmp(line, "end suzuki - ", 13), 0);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", "\"user\":\"suzuki\"",
	                            "\"result\":\"card_removed_end\"", NULL), 1);
	end_session(&d);
}

/* ---- revocation, binding, replacement (R-CARD-1, R-CARD-3, R-CARD-4, R-LIFE-5) -------------- */

/* A conversation that reports the card lost while the module asks for its PIN, that is
 * between the broker's challenge (AUTH_BEGIN) and the signed answer (AUTH_FINISH). */
struct revoking {
	const char *user, *password;
	int revoked;
	char transcript[4096];
};

static int
revoking_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct revoking *rv = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(rv->transcript);

		snprintf(rv->transcript + len, sizeof(rv->transcript) - len, "%s\n", msg[i]->msg);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF && msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if (strstr(msg[i]->msg, "Card PIN") != NULL) {
			rv->revoked = cli("card revoke %s --reason lost", rv->user) == 0;
			r[i].resp = strdup("1234");
		} else {
			r[i].resp = strdup(rv->password);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* R-CARD-3: a card reported lost stops at once: a login under way when it is reported is
 * refused (card_revoked), and so is the next one. */
static void
test_revoked_card_refused(void **state)
{
	struct revoking rv;
	struct pam_conv conv = { revoking_conv, &rv };
	pam_handle_t *pamh;
	struct skpd d;
	json_object *cards;
	char pw[64];
	int r;

	(void)state;
	emu_jpki("card1", NULL);
	add_user_with_card("sato", "mynumber", pw, sizeof(pw), "");
	assert_int_equal(login(&d, "sk-card", "sato", pw, "1234"), PAM_SUCCESS);
	/* Reported lost while this login waits for the PIN. */
	memset(&rv, 0, sizeof(rv));
	rv.user = "sato";
	rv.password = pw;
	assert_int_equal(pam_start_confdir("sk-card", "sato", &conv, fx.pamdir, &pamh), PAM_SUCCESS);
	r = pam_authenticate(pamh, 0);
	assert_int_equal(pam_end(pamh, r), PAM_SUCCESS);
	print_message("login sato@sk-card (revoked meanwhile) -> %d\n%s", r, rv.transcript);
	assert_true(rv.revoked);
	assert_int_equal(r, PAM_AUTH_ERR);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"sato\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"card_revoked\"", NULL),
	                 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_revoke\"", "\"user\":\"sato\"",
	                                  "\"action\":\"lost\"", NULL), 1);
	/* The next login: sato has no usable card left. He is answered as an unknown name is
	 * (issue 7 item 6: the decoy plan, denied at the end, not counted), and the audit
	 * says no_factors. */
	assert_int_equal(login(&d, "sk-card", "sato", pw, "1234"), PAM_AUTH_ERR);
	/* The decoy's card step names a key no card holds, so the revoked card in the reader
	 * gets no PIN and the person is told it is not registered, exactly as a name that does
	 * not exist is told with the same card in the reader. */
	assert_true(skpd_contains(&d, "not registered for your account"));
	assert_false(skpd_contains(&d, "more failed attempts"));
	assert_int_equal(login(&d, "sk-card", "nosuchuser", pw, "1234"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "not registered for your account"));
	assert_false(skpd_contains(&d, "more failed attempts"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"sato\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"no_factors\"", NULL),
	                 1);
	cards = card_list("sato");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "state"), "revoked");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "revoke_reason"), "lost");
	json_object_put(cards);
	/* Nothing left to revoke; a bad reason is a usage error. */
	assert_int_equal(cli("card revoke sato --reason lost"), 1);
	assert_non_null(strstr(out, "no active card"));
	assert_int_equal(cli("card revoke sato --reason stolen"), 2);
}

/* R-CARD-3 "stopped at once": a card reported lost while a session opened with it is live.
 * The broker orders the session's agent over its SESSION_WATCH connection; the agent runs
 * the profile's card_removal action (mynumber: lock; cardonly: end) at once, with the card
 * still in the reader. Audited: session_open names the card, the broker's order
 * (session_order) and the agent's report (session_event card_revoked_*) name session, user
 * and card. */
static void
lost_card_stops_session(const char *card, const char *user, const char *profile,
                        const char *service, const char *action, int by_hash)
{
	struct skpd d;
	char pw[64], hash[65], pem[64], line[256], want[256], session[32], card_field[128];
	long long t0, waited;

	snprintf(pem, sizeof(pem), "%s.pem", card);
	spki_hash(pem, hash);
	snprintf(card_field, sizeof(card_field), "\"card\":\"%s\"", hash);
	emu_jpki(card, NULL);
	add_user_with_card(user, profile, pw, sizeof(pw), "");
	unlink(marker);
	if (strcmp(profile, "cardonly") == 0)
		open_card_session(&d, service, user, NULL, "1234");
	else
		open_card_session(&d, service, user, pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	/* The session rests on this card, and the broker recorded which. */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"", "\"result\":\"ok\"",
	                                  "\"user\":", card_field, NULL), 1);
	t0 = sct_now_ms();
	if (by_hash)
		assert_int_equal(cli("card revoke --cert %s --reason lost", hash), 0);
	else
		assert_int_equal(cli("card revoke %s --reason lost", user), 0);
	waited = marker_wait(t0, line, sizeof(line));
	print_message("card reported lost -> %s command after %lld ms: %s\n", action, waited, line);
	assert_true(waited >= 0);
	/* ACTION USER LOGIND_SESSION SEKIMORI_SESSION */
	snprintf(want, sizeof(want), "%s %s - ", action, user);
	assert_int_equal(strncmp(line, want, strlen(want)), 0);
	snprintf(session, sizeof(session), "\"session\":%s", line + strlen(want));
	snprintf(want, sizeof(want), "\"result\":\"%s\"", action);
	assert_int_equal(audit_wait(1, "\"event\":\"session_order\"", want, session, card_field), 1);
	snprintf(want, sizeof(want), "\"user\":\"%s\"", user);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_order\"", want,
	                                  "\"cause\":\"card_revoked\"", NULL), 1);
	snprintf(want, sizeof(want), "\"result\":\"card_revoked_%s\"", action);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", want, session, card_field),
	                 1);
	assert_int_equal(watchers_wait(0, 2000), 0);   /* it acted once and left */
	end_session(&d);
	/* The card is still in the reader: the agent is gone, so nothing more happens. */
	unlink(marker);
	emu_pull();
	emu_settle();
	assert_int_equal(access(marker, F_OK), -1);
}

static void
test_r_card_3_lost_card_locks_open_session(void **state)
{
	(void)state;
	lost_card_stops_session("lost5", "watanabe", "mynumber", "sk-card", "lock", 0);
}

static void
test_r_card_3_lost_card_ends_open_session(void **state)
{
	(void)state;
	lost_card_stops_session("lost6", "nakamura", "cardonly", "sk-cardonly", "end", 1);
}

/* R-CARD-3 across a broker restart: the agent's watch connection breaks when the broker
 * stops; the agent registers again with the new broker (first try after 1 s), and a card
 * revoked meanwhile is caught at that registration. Bound: the 1 s retry plus the removal
 * bound. */
static void
test_r_card_3_agent_watches_again_after_broker_restart(void **state)
{
	struct skpd d;
	char pw[64], hash[65], line[256], card_field[128];
	long long t0, waited;

	(void)state;
	spki_hash("lost8.pem", hash);
	snprintf(card_field, sizeof(card_field), "\"card\":\"%s\"", hash);
	emu_jpki("lost8", NULL);
	add_user_with_card("hayashi", "mynumber", pw, sizeof(pw), "");
	unlink(marker);
	open_card_session(&d, "sk-card", "hayashi", pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	skfx_stop_broker(&fx);
	skfx_restart(&fx);
	assert_int_equal(watchers(), 1);   /* the agent outlives the broker */
	t0 = sct_now_ms();
	assert_int_equal(cli("card revoke hayashi --reason lost"), 0);
	waited = marker_wait_for(t0, 1000 + REMOVAL_BOUND_MS, line, sizeof(line));
	print_message("broker restarted, card reported lost -> lock command after %lld ms: %s\n",
	              waited, line);
	assert_true(waited >= 0);
	assert_int_equal(strncmp(line, "lock hayashi - ", 15), 0);
	assert_int_equal(audit_wait(1, "\"event\":\"session_order\"", "\"user\":\"hayashi\"",
	                            "\"cause\":\"card_revoked\"", card_field), 1);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", "\"user\":\"hayashi\"",
	                            "\"result\":\"card_revoked_lock\"", card_field), 1);
	assert_int_equal(watchers_wait(0, 2000), 0);
	end_session(&d);
}

/* R-CARD-3: the card reported lost between the login and the session: SESSION_OPEN refuses
 * the session (the broker checks the card the module names), audited with the card. */
static void
test_r_card_3_card_revoked_before_session_open(void **state)
{
	struct skpd d;
	char pw[64], hash[65], card_field[128];

	(void)state;
	spki_hash("lost7.pem", hash);
	snprintf(card_field, sizeof(card_field), "\"card\":\"%s\"", hash);
	emu_jpki("lost7", NULL);
	add_user_with_card("kondo", "mynumber", pw, sizeof(pw), "");
	skpd_begin(&d, fx.pamdir, "sk-card", "kondo", NULL, pw, "1234", NULL);
	assert_int_equal(pam_authenticate(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(cli("card revoke kondo --reason lost"), 0);
	d.last = pam_open_session(d.pamh, 0);
	print_message("%s", d.transcript);
	assert_int_equal(d.last, PAM_SESSION_ERR);
	assert_true(skpd_contains(&d, "! The IC card used for this login has been revoked"));
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"", "\"user\":\"kondo\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"card_revoked\"",
	                                  card_field, NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"", "\"user\":\"kondo\"",
	                                  "\"result\":\"ok\"", NULL), 0);
	assert_int_equal(watchers_wait(0, 2000), 0);   /* no agent was started */
}

/* R-CARD-1: sato's card (revoked, bound to sato) never becomes somebody else's; and a card
 * bound to another user does not log in as this one. */
static void
test_card_of_another_user(void **state)
{
	struct skpd d;
	char pw[64];

	(void)state;
	emu_jpki("card1", NULL);
	skfx_add_user(&fx, "ito", "mynumber", pw, sizeof(pw));
	assert_int_equal(cli("card enroll ito"), 1);
	assert_non_null(strstr(out, "enrolled for another person"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_enroll\"", "\"user\":\"ito\"",
	                                  "\"reason\":\"certificate_already_bound\"", NULL), 1);
	/* tanaka's account with sato's card: not tanaka's key, so not even asked for its PIN. */
	assert_int_equal(login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                                  "\"reason\":\"card_not_enrolled\"", NULL), 1);
}

/* R-CARD-4, R-LIFE-5: a new card replaces the old one, which is revoked at once; collecting
 * and destroying it are recorded and listed. */
static void
test_replacement(void **state)
{
	struct skpd d;
	json_object *cards, *old = NULL, *cur = NULL;
	char pw[64], old_hash[65], new_hash[65];

	(void)state;
	spki_hash("card2.pem", old_hash);
	spki_hash("card3.pem", new_hash);
	emu_jpki("card2", NULL);
	add_user_with_card("kato", "mynumber", pw, sizeof(pw), "");
	emu_jpki("card3", NULL);
	assert_int_equal(cli("card enroll kato"), 0);
	assert_non_null(strstr(out, "was revoked as replaced"));
	assert_non_null(strstr(out, old_hash));
	assert_non_null(strstr(out, "sekimori card dispose kato --reason collected"));
	/* The new card logs in; */
	assert_int_equal(login(&d, "sk-card", "kato", pw, "1234"), PAM_SUCCESS);
	/* an active card cannot be recorded as handed back; */
	assert_int_equal(cli("card dispose --cert %s --reason collected", new_hash), 1);
	assert_non_null(strstr(out, "no revoked card of"));
	/* the old one is refused: it is no longer among kato's keys, so no PIN reaches it. */
	emu_jpki("card2", NULL);
	assert_int_equal(login(&d, "sk-card", "kato", pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"kato\"",
	                                  "\"reason\":\"card_not_enrolled\"", NULL), 1);
	assert_int_equal(cli("card dispose kato --reason collected --note 'handed back at the desk'"),
	                 0);
	assert_non_null(strstr(out, "collected"));
	assert_int_equal(cli("card dispose --cert %s --reason destroyed", old_hash), 0);
	assert_non_null(strstr(out, "destroyed"));
	/* A step is recorded once: its time and note are not rewritten later. */
	assert_int_equal(cli("card dispose kato --reason destroyed --note 'shredded again'"), 1);
	assert_non_null(strstr(out, "left to record as destroyed"));
	cards = card_list("kato");
	assert_int_equal(json_object_array_length(cards), 2);
	for (size_t i = 0; i < 2; i++) {
		json_object *k = json_object_array_get_idx(cards, i);

		if (strcmp(jtext(k, "cert"), old_hash) == 0)
			old = k;
		else if (strcmp(jtext(k, "cert"), new_hash) == 0)
			cur = k;
	}
	assert_non_null(old);
	assert_non_null(cur);
	assert_string_equal(jtext(old, "state"), "revoked");
	assert_string_equal(jtext(old, "revoke_reason"), "replaced");
	assert_int_equal(jint(old, "replaced_by"), jint(cur, "id"));
	assert_true(jint(old, "collected") > 0);
	assert_true(jint(old, "destroyed") > 0);
	assert_string_equal(jtext(old, "disposal_note"), "handed back at the desk");
	assert_string_equal(jtext(cur, "state"), "active");
	assert_int_equal(jint(cur, "collected"), 0);
	json_object_put(cards);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_dispose\"", "\"user\":\"kato\"",
	                                  "\"action\":\"collected\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_dispose\"",
	                                  "\"action\":\"destroyed\"", NULL), 1);
	assert_int_equal(cli("card dispose kato --reason lost"), 2);
}

/* ---- PIV --------------------------------------------------------------------------------- */

/* PIV: key 9A with its PIN (possession + knowledge), and key 9E (possession only) next to the
 * password. */
static void
test_piv(void **state)
{
	struct skpd d;
	json_object *cards, *doc, *replaced;
	char pw[64], pw2[64], hash[65];

	(void)state;
	emu_card("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
	         sct_pki_path("piv9a_rsa.key"), "--state", sct_pki_path("cardemu.state"), END);
	skfx_add_user(&fx, "yamada", "mynumber", pw, sizeof(pw));
	assert_int_equal(cli("card enroll yamada --kind piv --reader 'No Such Reader 99'"), 1);
	assert_non_null(strstr(out, "the reader does not exist"));
	assert_int_equal(cli("card enroll yamada --kind piv --reader '%s'", readers[slot]), 0);
	assert_int_equal(login(&d, "sk-card", "yamada", pw, "123456"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"yamada\"",
	                                  "\"result\":\"allow\"", "\"classes\":\"knowledge,possession\"",
	                                  NULL), 1);
	cards = card_list("yamada");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "kind"), "piv-auth");
	json_object_put(cards);
	emu_card("piv", "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e", sct_pki_path("piv9e.key"), END);
	skfx_add_user(&fx, "kimura", "mynumber", pw2, sizeof(pw2));
	assert_int_equal(cli("--json card enroll kimura --kind piv-card"), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	spki_hash("piv9e.pem", hash);
	assert_string_equal(jtext(doc, "user"), "kimura");
	assert_string_equal(jtext(doc, "cert"), hash);
	assert_true(jint(doc, "id") > 0);
	assert_true(json_object_object_get_ex(doc, "replaced", &replaced));
	assert_int_equal(json_object_array_length(replaced), 0);
	json_object_put(doc);
	assert_int_equal(login(&d, "sk-card", "kimura", pw2, NULL), PAM_SUCCESS);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"kimura\"",
	                                  "\"result\":\"allow\"", "\"methods\":\"password,card\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
	/* 9E alone is one class: the card-only terminal refuses it (R-MFA-1). */
	assert_int_equal(login(&d, "sk-cardonly", "kimura", NULL, NULL), PAM_AUTH_ERR);
}

/* ---- fail closed --------------------------------------------------------------------------- */

static pid_t
find_process(const char *comm)
{
	char want[64];
	struct dirent *e;
	DIR *dir = opendir("/proc");
	pid_t pid = 0;

	assert_non_null(dir);
	snprintf(want, sizeof(want), "%s\n", comm);
	while ((e = readdir(dir)) != NULL && pid == 0) {
		char path[300], name[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || (f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(name, sizeof(name), f) != NULL && strcmp(name, want) == 0)
			pid = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(dir);
	return pid;
}

/* The session agent is exec'd, as pam_unix runs its helpers (issue 8 item 6): its image is
 * the agent program, not a copy of the PAM application; its environment is empty; it holds
 * none of the application's descriptors (a file the application left open without
 * O_CLOEXEC is not inherited) but /dev/null on 0-2, the pidfd on 3 and the lifeline on 4;
 * no secret is on its command line; it is not the application's child and not in its
 * session. */
static void
test_r_card_2_agent_is_execd_clean(void **state)
{
	struct skpd d;
	char path[PATH_MAX], link[PATH_MAX], want[PATH_MAX], buf[4096], stat[512], *p;
	int sentinel, ppid = 0, sid = 0;
	pid_t agent_pid;
	ssize_t n;
	DIR *dir;
	struct dirent *e;
	FILE *f;

	(void)state;
	emu_jpki("jpki", NULL);
	unlink(marker);
	snprintf(path, sizeof(path), "%s/leaked-sentinel", work);
	sentinel = open(path, O_RDWR | O_CREAT, 0600);   /* no O_CLOEXEC, on purpose */
	assert_true(sentinel >= 0);
	open_card_session(&d, "sk-card", "tanaka", tanaka_pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	assert_true((agent_pid = find_process("sekimori-agent")) > 0);
	/* Its image is the agent program. */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)agent_pid);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_non_null(realpath(agent, want));
	assert_string_equal(link, want);
	/* An empty environment. */
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)agent_pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), 0);
	fclose(f);
	/* No secret on its command line (the password; the PIN never reached the module's
	 * session phase). */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)agent_pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	assert_true(n > 0);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	print_message("agent: %s\n", buf);
	assert_non_null(strstr(buf, "--user tanaka "));
	assert_null(strstr(buf, tanaka_pw));
	/* Descriptors: nothing of ours. */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)agent_pid);
	dir = opendir(path);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		char fdpath[PATH_MAX + 300];
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		print_message("agent fd %d -> %s\n", fd, link);
		assert_null(strstr(link, "leaked-sentinel"));
		if (fd <= 2)
			assert_string_equal(link, "/dev/null");
		if (fd == 3)
			assert_non_null(strstr(link, "pidfd"));
		if (fd == 4)
			assert_int_equal(strncmp(link, "pipe:", 5), 0);
	}
	closedir(dir);
	/* Not our child, not in our session. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)agent_pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(stat, sizeof(stat), f));
	fclose(f);
	assert_non_null(p = strrchr(stat, ')'));
	assert_int_equal(sscanf(p + 2, "%*c %d %*d %d", &ppid, &sid), 2);
	assert_int_not_equal(ppid, (int)getpid());
	assert_int_not_equal(sid, (int)getsid(0));
	end_session(&d);
	close(sentinel);
	assert_int_equal(watchers_wait(0, 2000), 0);
}

/* pcscd stopping (nothing can vouch for the card any more) locks the session. Runs last:
 * pcscd stays down. */
static void
test_pcscd_gone_locks_session(void **state)
{
	struct skpd d;
	char line[256];
	long long t0, waited;
	pid_t pcscd;

	(void)state;
	emu_jpki("jpki", NULL);
	unlink(marker);
	open_card_session(&d, "sk-card", "tanaka", tanaka_pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	assert_true((pcscd = find_process("pcscd")) > 0);
	t0 = sct_now_ms();
	assert_int_equal(kill(pcscd, SIGKILL), 0);
	waited = marker_wait(t0, line, sizeof(line));
	print_message("pcscd gone -> lock command after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	assert_int_equal(strncmp(line, "lock tanaka - ", 14), 0);
	assert_int_equal(audit_wait(3, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                            "\"result\":\"card_removed_lock\"", NULL), 3);
	end_session(&d);
}

int
main(void)
{
	/* In this order: each test inserts the card it needs, and consecutive tests share cards
	 * so that the emulator is swapped as rarely as possible. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll_jpki),
		cmocka_unit_test(test_login_password_and_card),
		cmocka_unit_test(test_wrong_pin_shows_tries),
		cmocka_unit_test(test_removal_locks_session),
		cmocka_unit_test(test_watcher_ends_with_session),
		cmocka_unit_test(test_card_missing_at_open),
		cmocka_unit_test(test_removal_loginctl_lock),
		cmocka_unit_test(test_removal_unlockable_hangs_up_leader),
		cmocka_unit_test(test_last_try_and_blocked),
		cmocka_unit_test(test_enroll_refusals),
		cmocka_unit_test(test_card_only_login),
		cmocka_unit_test(test_removal_ends_session),
		cmocka_unit_test(test_revoked_card_refused),
		cmocka_unit_test(test_r_card_3_lost_card_locks_open_session),
		cmocka_unit_test(test_r_card_3_lost_card_ends_open_session),
		cmocka_unit_test(test_r_card_3_card_revoked_before_session_open),
		cmocka_unit_test(test_r_card_3_agent_watches_again_after_broker_restart),
		cmocka_unit_test(test_card_of_another_user),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_piv),
		cmocka_unit_test(test_r_card_2_agent_is_execd_clean),
		cmocka_unit_test(test_pcscd_gone_locks_session),
	};

	return cmocka_run_group_tests_name("card_e2e", tests, setup, teardown);
}
