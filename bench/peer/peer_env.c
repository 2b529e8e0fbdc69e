/* The set-up of the side-by-side benchmarks: users, nss_wrapper, Sekimori's broker with its
 * store filled directly, the peers' files, and the PAM service files. Nothing here is
 * measured. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "peer.h"
#include "sk_aead.h"
#include "sk_totp.h"

#define NSS_WRAPPER_LIB "libnss_wrapper.so"

void
peer_users_make(struct peer_users *u, size_t n)
{
	u->n = n;
	u->name = calloc(n, sizeof(*u->name));
	u->seed = calloc(n, sizeof(*u->seed));
	if (u->name == NULL || u->seed == NULL)
		bench_die("allocation");
	if (RAND_bytes((unsigned char *)u->seed, (int)(n * PEER_SEED_LEN)) != 1)
		bench_die("RAND_bytes");
	for (size_t i = 0; i < n; i++)
		snprintf(u->name[i], PEER_NAME_LEN, "peer%06zu", i);
}

void
peer_users_free(struct peer_users *u)
{
	if (u->seed != NULL)
		explicit_bzero(u->seed, u->n * PEER_SEED_LEN);
	free(u->name);
	free(u->seed);
	memset(u, 0, sizeof(*u));
}

static char nss_dir[512];

static void
nss_cleanup(void)
{
	char path[600];

	if (nss_dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/passwd", nss_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/group", nss_dir);
	unlink(path);
	rmdir(nss_dir);
}

void
peer_nss_reexec(int argc, char **argv, const char *base, size_t n)
{
	const char *have = getenv("SK_PEER_NSS_DIR");
	char path[600];
	FILE *f;

	(void)argc;
	if (have != NULL && getenv("NSS_WRAPPER_PASSWD") != NULL) {
		snprintf(nss_dir, sizeof(nss_dir), "%s", have);
		atexit(nss_cleanup);
		return;
	}
	snprintf(nss_dir, sizeof(nss_dir), "%s/sk-peer-nss-XXXXXX", base);
	if (mkdtemp(nss_dir) == NULL)
		bench_die("mkdtemp under %s: %s", base, strerror(errno));
	snprintf(path, sizeof(path), "%s/passwd", nss_dir);
	if ((f = fopen(path, "w")) == NULL)
		bench_die("%s: %s", path, strerror(errno));
	fprintf(f, "root:x:0:0:root:/root:/bin/sh\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "peer%06zu:x:%zu:%d::/nonexistent:/usr/sbin/nologin\n", i,
		        PEER_UID_BASE + i, PEER_UID_BASE);
	if (fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	snprintf(path, sizeof(path), "%s/group", nss_dir);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "root:x:0:\npeer:x:%d:\n", PEER_UID_BASE) < 0 ||
	    fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
	setenv("NSS_WRAPPER_GROUP", path, 1);
	{
		/* A sanitizer build: its runtime must stay first in the list of libraries. */
		char preload[1200], asan[1024] = "";
		FILE *m = fopen("/proc/self/maps", "r");
		char line[1400];

		while (m != NULL && asan[0] == '\0' && fgets(line, sizeof(line), m) != NULL) {
			char *lib = strchr(line, '/');
			if (lib != NULL && strstr(lib, "/libasan.so") != NULL) {
				lib[strcspn(lib, "\n")] = '\0';
				snprintf(asan, sizeof(asan), "%s ", lib);
			}
		}
		if (m != NULL)
			fclose(m);
		snprintf(preload, sizeof(preload), "%s" NSS_WRAPPER_LIB, asan);
		setenv("LD_PRELOAD", preload, 1);
	}
	setenv("SK_PEER_NSS_DIR", nss_dir, 1);
	execv("/proc/self/exe", argv);
	bench_die("re-executing under nss_wrapper: %s", strerror(errno));
}

static void
wait_for_socket(struct peer_sekimori *s)
{
	struct stat st;

	for (int i = 0; i < 800; i++) {
		int status;

		if (stat(s->socket, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		if (waitpid(s->broker, &status, WNOHANG) == s->broker)
			bench_die("sekimorid exited early (status %d); see %s/broker.log", status, s->dir);
		usleep(25000);
	}
	bench_die("sekimorid did not create %s", s->socket);
}

static void
broker_spawn(struct peer_sekimori *s, const char *sekimorid)
{
	char log[700];

	snprintf(log, sizeof(log), "%s/broker.log", s->dir);
	unlink(s->socket);
	if ((s->broker = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (s->broker == 0) {
		/* The broker sees the real system, not the benchmark's nss_wrapper. */
		unsetenv("LD_PRELOAD");
		unsetenv("NSS_WRAPPER_PASSWD");
		unsetenv("NSS_WRAPPER_GROUP");
		if (freopen(log, "a", stderr) == NULL)
			_exit(126);
		execl(sekimorid, "sekimorid", "-c", s->conf, "-f", (char *)NULL);
		_exit(127);
	}
	wait_for_socket(s);
}

void
peer_sekimori_stop(struct peer_sekimori *s)
{
	int status = 0;

	if (s->broker <= 0)
		return;
	kill(s->broker, SIGTERM);
	while (waitpid(s->broker, &status, 0) < 0 && errno == EINTR)
		;
	s->broker = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_note("warning: sekimorid ended with status %d (see %s/broker.log)", status, s->dir);
}

static void
sq(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		bench_die("sqlite: %s: %s", sql, sqlite3_errmsg(db));
}

/* Accounts and confirmed TOTP factors, as `sekimori user add` + `totp enroll` leave them:
 * the seed sealed under the seed key with the AAD totp_factor_seal uses. */
static void
fill_store(const struct peer_sekimori *s, const struct peer_users *u)
{
	unsigned char key[SK_AEAD_KEY_LEN];
	char path[700];
	sqlite3 *db = NULL;
	sqlite3_stmt *ins_user = NULL, *ins_totp = NULL;
	int64_t now = (int64_t)time(NULL);

	snprintf(path, sizeof(path), "%s/keys/seed.key", s->dir);
	if (sk_keyfile_load(path, key, sizeof(key), 0) != 0)
		bench_die("cannot read %s", path);
	snprintf(path, sizeof(path), "%s/state/sekimori.db", s->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		bench_die("cannot open %s", path);
	sq(db, "BEGIN");
	if (sqlite3_prepare_v2(db, "INSERT INTO users(name, profile, created) VALUES(?, '"
	                       PEER_PROFILE "', ?)", -1, &ins_user, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO totp(user_id, algorithm, digits, period, sealed,"
	                       " last_step, confirmed, created) VALUES(?, 'SHA1', 6, 30, ?, -1, 1, ?)",
	                       -1, &ins_totp, NULL) != SQLITE_OK)
		bench_die("sqlite prepare: %s", sqlite3_errmsg(db));
	for (size_t i = 0; i < u->n; i++) {
		unsigned char sealed[PEER_SEED_LEN + SK_AEAD_OVERHEAD];
		char aad[64];
		size_t sealed_len = 0;
		int n = snprintf(aad, sizeof(aad), "sekimori-totp-v1:%s", u->name[i]);

		if (sk_aead_seal(key, aad, (size_t)n, u->seed[i], PEER_SEED_LEN, sealed, sizeof(sealed),
		                 &sealed_len) != 0)
			bench_die("sealing a seed failed");
		sqlite3_bind_text(ins_user, 1, u->name[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins_user, 2, now);
		if (sqlite3_step(ins_user) != SQLITE_DONE)
			bench_die("insert user: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins_user);
		sqlite3_bind_int64(ins_totp, 1, sqlite3_last_insert_rowid(db));
		sqlite3_bind_blob(ins_totp, 2, sealed, (int)sealed_len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins_totp, 3, now);
		if (sqlite3_step(ins_totp) != SQLITE_DONE)
			bench_die("insert totp: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins_totp);
	}
	sqlite3_finalize(ins_user);
	sqlite3_finalize(ins_totp);
	sq(db, "COMMIT");
	sqlite3_close(db);
	explicit_bzero(key, sizeof(key));
}

void
peer_sekimori_start(struct peer_sekimori *s, const char *base, const char *sekimorid,
                    const char *locale_dir, const struct peer_users *u)
{
	char text[2048];
	double t0;
	int n;

	memset(s, 0, sizeof(*s));
	n = snprintf(s->dir, sizeof(s->dir), "%s/sk-peer-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(s->dir) || mkdtemp(s->dir) == NULL)
		bench_die("cannot make a folder under %s: %s", base, strerror(errno));
	snprintf(s->conf, sizeof(s->conf), "%s/sekimori.conf", s->dir);
	snprintf(s->socket, sizeof(s->socket), "%s/sekimorid.sock", s->dir);
	/* knowledge = stack: a profile must reach two classes (R-MFA-1), so a TOTP-only profile
	 * does not load; the stack's pam_permit line gives the knowledge class, and what the
	 * broker does per transaction is the TOTP check and the attempt limit. deny,
	 * fail_interval and unlock_time are pam_faillock's defaults; totp_window is left at
	 * Sekimori's default (1). */
	n = snprintf(text, sizeof(text),
	             "[broker]\nsocket = sekimorid.sock\nstore = state/sekimori.db\n"
	             "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	             "key_dir = keys\nlocale_dir = %s\nlanguage = C\n"
	             "default_profile = " PEER_PROFILE "\nadmin_profile = " PEER_PROFILE "\n"
	             "[profile " PEER_PROFILE "]\nclasses = knowledge, possession\n"
	             "methods = password, totp\nknowledge = stack\n"
	             "deny = %d\nfail_interval = 900\nunlock_time = 600\n",
	             locale_dir, PEER_DENY);
	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("configuration text too long");
	bench_write_file(s->conf, text);
	broker_spawn(s, sekimorid);   /* makes the store, its schema and the keys */
	peer_sekimori_stop(s);
	t0 = bench_now_ms();
	fill_store(s, u);
	s->seed_s = (bench_now_ms() - t0) / 1e3;
	broker_spawn(s, sekimorid);
}

static void
write_service(const char *pamdir, const char *service, const char *text)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", pamdir, service);
	bench_write_file(path, text);
}

void
peer_pamdir_make(const char *pamdir)
{
	if (mkdir(pamdir, 0700) != 0)
		bench_die("mkdir %s: %s", pamdir, strerror(errno));
	write_service(pamdir, "other", "auth required pam_deny.so\naccount required pam_deny.so\n"
	              "password required pam_deny.so\nsession required pam_deny.so\n");
}

void
peer_sekimori_service(const struct peer_sekimori *s, const char *module, const char *pamdir,
                      const char *service)
{
	char text[4096];
	int n;

	/* conf/pam.d/sekimori-stack, with pam_permit where pam_unix would check a password. */
	n = snprintf(text, sizeof(text),
	             "auth requisite %s profile=" PEER_PROFILE " conf=%s preauth\n"
	             "auth [success=1 default=bad] pam_permit.so\n"
	             "auth [default=die] %s profile=" PEER_PROFILE " conf=%s authfail\n"
	             "auth required %s profile=" PEER_PROFILE " conf=%s\n"
	             "account required %s profile=" PEER_PROFILE " conf=%s\n",
	             module, s->conf, module, s->conf, module, s->conf, module, s->conf);
	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("PAM service text too long");
	write_service(pamdir, service, text);
}

/* pam_faillock(8)'s example stack with the one-time-code module in pam_unix's place. */
static void
faillock_service(const char *pamdir, const char *service, const char *tally, const char *otp_line)
{
	char text[4096];
	int n = snprintf(text, sizeof(text),
	                 "auth required pam_faillock.so preauth dir=%s\n"
	                 "auth [success=1 default=bad] %s\n"
	                 "auth [default=die] pam_faillock.so authfail dir=%s\n"
	                 "auth sufficient pam_faillock.so authsucc dir=%s\n"
	                 "auth required pam_deny.so\n"
	                 "account required pam_faillock.so dir=%s\n",
	                 tally, otp_line, tally, tally, tally);

	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("PAM service text too long");
	write_service(pamdir, service, text);
}

static void
make_dir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		bench_die("mkdir %s: %s", path, strerror(errno));
}

void
peer_oath_setup(const char *dir, const struct peer_users *u, const char *pamdir,
                const char *service)
{
	char path[700], tally[700], line[900];
	FILE *f;

	make_dir(dir);
	snprintf(tally, sizeof(tally), "%s/faillock", dir);
	make_dir(tally);
	snprintf(path, sizeof(path), "%s/users.oath", dir);
	if ((f = fopen(path, "w")) == NULL)
		bench_die("%s: %s", path, strerror(errno));
	/* The format of oathtool's users file: type, user, password ('-': none), hex secret. */
	for (size_t i = 0; i < u->n; i++) {
		fprintf(f, "HOTP/T30 %s - ", u->name[i]);
		for (size_t k = 0; k < PEER_SEED_LEN; k++)
			fprintf(f, "%02x", u->seed[i][k]);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
	chmod(path, 0600);
	/* pam_oath's documented defaults: window 5, digits from the users file. */
	snprintf(line, sizeof(line), "pam_oath.so usersfile=%s", path);
	faillock_service(pamdir, service, tally, line);
}

void
peer_google_setup(const char *dir, const struct peer_users *u, const char *pamdir,
                  const char *service)
{
	char path[1400], tally[700], secrets[700], line[900], b32[64];

	make_dir(dir);
	snprintf(tally, sizeof(tally), "%s/faillock", dir);
	make_dir(tally);
	snprintf(secrets, sizeof(secrets), "%s/secrets", dir);
	make_dir(secrets);
	for (size_t i = 0; i < u->n; i++) {
		int fd;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", secrets, u->name[i]);
		if (sk_base32_encode(u->seed[i], PEER_SEED_LEN, b32, sizeof(b32)) != 0)
			bench_die("base32");
		/* As `google-authenticator -t -d` writes it: TOTP, each code usable once (the
		 * replay refusal the other two have); no RATE_LIMIT: pam_faillock is the limit. */
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    (f = fdopen(fd, "w")) == NULL)
			bench_die("%s: %s", path, strerror(errno));
		fprintf(f, "%s\n\" DISALLOW_REUSE\n\" TOTP_AUTH\n", b32);
		if (fclose(f) != 0)
			bench_die("%s: %s", path, strerror(errno));
	}
	explicit_bzero(b32, sizeof(b32));
	/* user=root: the module reads the files as root (they are root's, mode 0600); window
	 * 3 and the rest are the module's defaults. */
	snprintf(line, sizeof(line), "pam_google_authenticator.so secret=%s/${USER} user=root",
	         secrets);
	faillock_service(pamdir, service, tally, line);
}

void
peer_loadavg(char *out, size_t outsz)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;

	if (f == NULL || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		a = b = c = -1;
	if (f != NULL)
		fclose(f);
	snprintf(out, outsz, "%.2f %.2f %.2f", a, b, c);
}

double
peer_fdatasync_ms(int fd)
{
	static const char rec[300] = { 'x' };
	double t0 = bench_now_ms();

	if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fdatasync(fd) != 0)
		bench_die("write + fdatasync: %s", strerror(errno));
	return bench_now_ms() - t0;
}
