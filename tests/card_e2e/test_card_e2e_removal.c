/* IC-card removal end to end (card_e2e_fixture.h): the session agent locks or ends the
 * session through lock_command or loginctl, escalating to a hang-up; it ends with the session,
 * is exec'd with a clean environment, and pcscd vanishing counts as removal.
 *
 * Requirement IDs: R-CARD-2 / R-LOGIN-2, R-TEST-1. */
#include "card_e2e_fixture.h"

/* Pulling the card locks the session through lock_command, and the broker records it. */
void
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
	t0 = sk_now_ms();
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
void
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
void
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
void
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
	t0 = sk_now_ms();
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
void
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
	t0 = sk_now_ms();
	emu_pull();
	while ((w = waitpid(child, &status, WNOHANG)) == 0 && sk_now_ms() - t0 < 3 * REMOVAL_BOUND_MS)
		usleep(20000);
	if (w == 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	print_message("removal, nothing can lock -> leader ended after %lld ms\n", sk_now_ms() - t0);
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

/* card_removal = end: the lock command is told to end the session. */
void
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
	t0 = sk_now_ms();
	emu_pull();
	waited = marker_wait(t0, line, sizeof(line));
	print_message("removal -> end command after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	assert_int_equal(strncmp(line, "end suzuki - ", 13), 0);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", "\"user\":\"suzuki\"",
	                            "\"result\":\"card_removed_end\"", NULL), 1);
	end_session(&d);
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
void
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
void
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
	t0 = sk_now_ms();
	assert_int_equal(kill(pcscd, SIGKILL), 0);
	waited = marker_wait(t0, line, sizeof(line));
	print_message("pcscd gone -> lock command after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	assert_int_equal(strncmp(line, "lock tanaka - ", 14), 0);
	assert_int_equal(audit_wait(3, "\"event\":\"session_event\"", "\"user\":\"tanaka\"",
	                            "\"result\":\"card_removed_lock\"", NULL), 3);
	end_session(&d);
}
