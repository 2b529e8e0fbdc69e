/* The shared IC-card end-to-end fixture (card_e2e_fixture.h). */
#include "card_e2e_fixture.h"

struct sk_fixture fx;
const char *setup_extra_conf;
const char *pki, *emu_bin, *work, *agent;
char readers[2][SC_READER_NAME_MAX];
int slot = 1;                /* the reader of the current (or last) card */
pid_t emu_pid = -1;
SCARDCONTEXT ctx;
char marker[1024];
char fake_loginctl[1024];    /* bound over /usr/bin/loginctl while a test needs it */
char loginctl_fail[1024];    /* while this file exists the fake loginctl fails */
char cli_out[65536];             /* the last CLI output */
char tanaka_pw[64];          /* tanaka's temporary password */

/* ---- the emulated card ----------------------------------------------------------------- */

/* vpcd offers two readers (ports 35963 and 35964). A new card goes into the other reader
 * than the last one, so that pcscd noticing the old card leave overlaps the new card's
 * insertion; logins start only once the old one is seen gone (exactly one card present). */
int stale = -1;              /* a reader whose card was pulled, not yet seen empty */
char current[1024];          /* the options of the card in the reader, "" for none */

void
emu_settle(void)
{
	sct_settle(ctx, readers, &stale);
}

/* The card is pulled (the emulator exits; vpcd reports the reader empty). */
void
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
void
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
void
emu_jpki(const char *name, const char *option)
{
	char cert[64], key[64];

	snprintf(cert, sizeof(cert), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key", name);
	emu_card("jpki", "--cert", sct_pki_path(cert), "--key", sct_pki_path(key), "--state",
	         sct_pki_path("cardemu.state"), option, END);
}

/* ---- the CLI, PAM, the audit log ------------------------------------------------------- */

int
cli(const char *fmt, ...)
{
	char args[2048];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(args));
	r = skfx_cli(&fx, args, NULL, cli_out, sizeof(cli_out));
	print_message("$ sekimori %s -> %d\n%s", args, r, cli_out);
	return r;
}

/* The card list of user as JSON (`card list USER --json`); caller puts it. */
json_object *
card_list(const char *user)
{
	json_object *doc;

	assert_int_equal(cli("--json card list %s", user), 0);
	doc = json_tokener_parse(cli_out);
	assert_non_null(doc);
	assert_true(json_object_is_type(doc, json_type_array));
	return doc;
}

const char *
jtext(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

/* SHA-256 of the SubjectPublicKeyInfo, computed by openssl, not by Sekimori. */
void
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

int
pam_login(struct skpd *d, const char *service, const char *user, const char *a1, const char *a2)
{
	int r = skpd_authenticate(d, fx.pamdir, service, user, NULL, a1, a2);

	print_message("login %s@%s -> %d\n%s", user, service, r, d->transcript);
	return r;
}

/* Waits until at least `want` audit records hold all the needles (at most 4; NULL ends). */
int
audit_wait(int want, const char *a, const char *b, const char *c, const char *e)
{
	long long deadline = sk_now_ms() + REMOVAL_BOUND_MS;
	int n;

	while ((n = skfx_audit_count(&fx, a, b, c, e, NULL)) < want && sk_now_ms() < deadline)
		usleep(20000);
	return n;
}

/* Live session agents (comm "sekimori-agent"; zombies waiting for their reaper do not
 * count). */
int
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

int
watchers_wait(int want, int ms)
{
	long long deadline = sk_now_ms() + ms;
	int n;

	while ((n = watchers()) != want && sk_now_ms() < deadline)
		usleep(20000);
	return n;
}

/* Waits up to bound ms until the marker file (the lock command's log) holds a line; returns
 * ms waited or -1. */
long long
marker_wait_for(long long since, long long bound, char *line, size_t cap)
{
	while (sk_now_ms() - since <= bound) {
		FILE *f = fopen(marker, "r");

		if (f != NULL) {
			int got = fgets(line, (int)cap, f) != NULL;

			fclose(f);
			if (got) {
				line[strcspn(line, "\n")] = '\0';
				return sk_now_ms() - since;
			}
		}
		usleep(10000);
	}
	return -1;
}

long long
marker_wait(long long since, char *line, size_t cap)
{
	return marker_wait_for(since, REMOVAL_BOUND_MS, line, cap);
}

/* A user of profile with a card enrolled from the emulator now in the reader. */
void
add_user_with_card(const char *user, const char *profile, char *pw, size_t pwsz,
                   const char *enroll_args)
{
	skfx_add_user(&fx, user, profile, pw, pwsz);
	assert_int_equal(cli("card enroll %s%s", user, enroll_args), 0);
}

/* ---- set-up ---------------------------------------------------------------------------- */

int
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
	if (sct_extra_certs("card1 card2 card3 card4 lost5 lost6 lost7 lost8 hr9 wide4 wide5 ret10",
	                    cli_out, sizeof(cli_out)) != 0)
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
	         "deny = 20\nunlock_time = 0\ncard_removal = end\n%s",
	         sct_pki_path("ca.pem"), path, setup_extra_conf != NULL ? setup_extra_conf : "");
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

int
teardown(void **state)
{
	(void)state;
	emu_pull();
	skfx_finish(&fx);
	sc_ctx_close(ctx);
	return 0;
}

/* ---- removal (R-CARD-2, R-LOGIN-2) ------------------------------------------------------ */

/* Opens a session for user on service with a card login; leaves the handle in d. */
void
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

void
end_session(struct skpd *d)
{
	d->last = pam_close_session(d->pamh, 0);
	assert_int_equal(skpd_end(d), PAM_SUCCESS);
}
