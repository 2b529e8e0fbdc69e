/* bench_cluster: whole PAM logins (password + TOTP) per second with 1 or more sekimorid on
 * one PostgreSQL store, or one sekimorid on its SQLite store, and what each login costs:
 * CPU in the brokers and in the PostgreSQL server, WAL bytes, audit log bytes, and the
 * database's size per user (issue 12, item 6; doc/performance.md). A program, not a test.
 *
 *   bench_cluster [-b BROKERS] [-u USERS] [-t CLIENTS] [-x LOGINS] [-d DIR] [--store URI]
 *
 * Without --store: one broker on SQLite (-b must be 1). With --store postgresql://...: the
 * brokers share that database (each its own broker_id, socket, audit log; the keys of the
 * first), and the clients spread their logins over them in turn. The PostgreSQL server's CPU
 * is that of the server whose data folder SK_TEST_PG_DATA names and of its children
 * (bench/cluster/run.sh makes a server of its own with tests/pg/with-pg.sh). Prints
 * markdown. Run as root: the brokers answer logins from root only. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define BROKERS_MAX 8

static const char *profile_text =
	"[profile " BENCH_PROFILE "]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 5\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\npassword_history = 3\n"
	"totp_window = 2\n";

struct run {
	struct bench_env env[BROKERS_MAX];
	int brokers;
	struct bench_pool pool;
	size_t logins;
	atomic_size_t next, failed;
	double *lat;
};

static void
start_broker(struct bench_env *e, const char *base, const char *store, int index,
             const struct bench_env *first)
{
	char text[4096], log[700], keys[700], dir[sizeof(e->dir)];
	int n;

	/* The folder is named through a copy: the paths below are written into the same
	 * struct, and the compiler cannot tell that they do not overlap e->dir. */
	n = snprintf(dir, sizeof(dir), "%s/sk-cluster-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(dir) || mkdtemp(dir) == NULL)
		bench_die("cannot make a folder under %s: %s", base, strerror(errno));
	memcpy(e->dir, dir, sizeof(dir));
	snprintf(e->conf, sizeof(e->conf), "%s/sekimori.conf", dir);
	snprintf(e->socket, sizeof(e->socket), "%s/sekimorid.sock", dir);
	snprintf(e->pamdir, sizeof(e->pamdir), "%s/pam.d", dir);
	if (mkdir(e->pamdir, 0700) != 0)
		bench_die("mkdir %s: %s", e->pamdir, strerror(errno));
	if (first != NULL) {
		/* The TOTP seeds are sealed with seed.key: every broker needs the first one's. */
		char *argv[] = { "/bin/cp", "-a", keys, e->dir, NULL };
		char out[512];

		snprintf(keys, sizeof(keys), "%s/keys", first->dir);
		if (bench_run(argv, out, sizeof(out)) != 0)
			bench_die("cannot copy the keys: %s", out);
	}
	n = snprintf(text, sizeof(text),
	             "[broker]\nsocket = sekimorid.sock\nstore = %s\nbroker_id = bench%d\n"
	             "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	             "key_dir = keys\nlocale_dir = %s\nlanguage = C\n"
	             "default_profile = " BENCH_PROFILE "\n"
	             "admin_profile = " BENCH_PROFILE "\n%s",
	             store != NULL ? store : "state/sekimori.db", index + 1, e->locale_dir,
	             profile_text);
	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("configuration text too long");
	bench_write_file(e->conf, text);
	bench_write_service(e);
	snprintf(log, sizeof(log), "%s/broker.log", dir);
	if ((e->broker = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (e->broker == 0) {
		if (freopen(log, "a", stderr) == NULL)
			_exit(126);
		execl(e->sekimorid, "sekimorid", "-c", e->conf, "-f", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) {
		struct stat st;
		int status;

		if (stat(e->socket, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		if (waitpid(e->broker, &status, WNOHANG) == e->broker)
			bench_die("sekimorid exited early (status %d); see %s", status, log);
		usleep(25000);
	}
	bench_die("sekimorid did not create %s", e->socket);
}

/* The PostgreSQL server's process (postmaster.pid's first line in the data folder named by
 * SK_TEST_PG_DATA, as tests/pg/with-pg.sh sets it), or 0. */
static pid_t
postmaster_pid(void)
{
	const char *data = getenv("SK_TEST_PG_DATA");
	char path[700], line[64] = "";
	FILE *f;

	if (data == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/postmaster.pid", data);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	return (pid_t)atoi(line);
}

/* CPU seconds of that server: the postmaster and its children (backends, WAL writer,
 * checkpointer...), not other PostgreSQL servers on the machine. A backend that ended
 * during the run takes its CPU with it; the brokers keep their connections open. */
static double
postgres_cpu_s(pid_t postmaster)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	double sum = 0;

	if (d == NULL || postmaster <= 0) {
		if (d != NULL)
			closedir(d);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char path[300], line[512];
		struct bench_proc p;
		const char *q;
		int ppid = 0;
		pid_t pid;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
		/* Fields after the command name's ')': state, ppid, ... */
		if ((q = strrchr(line, ')')) == NULL || sscanf(q + 2, "%*c %d", &ppid) != 1)
			continue;
		if ((pid == postmaster || ppid == postmaster) && bench_proc_read(pid, &p) == 0)
			sum += p.cpu_s;
	}
	closedir(d);
	return sum;
}

/* One value from the database (psql -At), as text in out. */
static void
sql_value(const char *store, const char *sql, char *out, size_t outsz)
{
	char *argv[] = { "/usr/bin/psql", "-X", "-A", "-t", "-q", (char *)store, "-c", (char *)sql,
	                 NULL };

	if (bench_run(argv, out, outsz) != 0)
		bench_die("psql %s: %s", sql, out);
	out[strcspn(out, "\n")] = '\0';
}

static long long
file_size(const char *dir, const char *name)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* Bytes the store takes: the database, or the SQLite file with its WAL. */
static long long
store_bytes(const struct run *r, const char *store)
{
	char out[256];

	if (store == NULL)
		return file_size(r->env[0].dir, "state/sekimori.db") +
		       file_size(r->env[0].dir, "state/sekimori.db-wal");
	sql_value(store, "SELECT pg_database_size(current_database())", out, sizeof(out));
	return atoll(out);
}

static long long
audit_bytes(const struct run *r)
{
	long long sum = 0;

	for (int i = 0; i < r->brokers; i++)
		sum += file_size(r->env[i].dir, "log/audit.jsonl");
	return sum;
}

static void *
client(void *arg)
{
	struct run *r = arg;
	size_t i;

	while ((i = atomic_fetch_add(&r->next, 1)) < r->logins) {
		double total, ph[PH_COUNT];
		char code[16], why[256];
		struct bench_user *u = bench_pool_take(&r->pool, code, sizeof(code));

		if (bench_pam_login(&r->env[i % (size_t)r->brokers], u->name, code, &total, ph, why,
		                    sizeof(why)) != 0) {
			atomic_fetch_add(&r->failed, 1);
			r->lat[i] = -1;
			bench_note("login failed: %s", why);
		} else {
			r->lat[i] = total;
		}
		bench_pool_give_back(&r->pool, u);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "store", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static struct run r;
	const char *store = NULL, *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	size_t users = 400;
	int clients = 8, opt;
	double wall0, wall, bcpu0 = 0, bcpu1 = 0, pcpu0 = 0, pcpu1 = 0, sys0, sys1;
	long long size0, size1, size2, audit0, audit1;
	char lsn0[64] = "", wal[64] = "", out[4096], pg_cpu[32], wal_per[32];
	struct bench_stats st;
	size_t ok = 0;
	pid_t pm = 0;

	r.brokers = 1;
	r.logins = 400;
	while ((opt = getopt_long(argc, argv, "b:u:t:x:d:", longs, NULL)) != -1) {
		switch (opt) {
		case 'b': r.brokers = atoi(optarg); break;
		case 'u': users = strtoul(optarg, NULL, 10); break;
		case 't': clients = atoi(optarg); break;
		case 'x': r.logins = strtoul(optarg, NULL, 10); break;
		case 'd': base = optarg; break;
		case 's': store = optarg; break;
		default:
			fprintf(stderr, "usage: bench_cluster [-b BROKERS] [-u USERS] [-t CLIENTS] "
			        "[-x LOGINS] [-d DIR] [--store postgresql://...]\n");
			return 2;
		}
	}
	if (r.brokers < 1 || r.brokers > BROKERS_MAX || (store == NULL && r.brokers != 1) ||
	    clients < 1 || clients > 256 || users < (size_t)clients * 4 || r.logins < 1)
		bench_die("bad options (SQLite: one broker; users >= 4 x clients)");
	for (int i = 0; i < r.brokers; i++) {
		r.env[i].sekimorid = SK_BENCH_SEKIMORID;
		r.env[i].cli = SK_BENCH_CLI;
		r.env[i].module = SK_BENCH_PAM_MODULE;
		r.env[i].locale_dir = SK_BENCH_LOCALE_DIR;
	}
	bench_check_totp_against_oathtool();
	if (store != NULL && (pm = postmaster_pid()) <= 0)
		bench_note("warning: SK_TEST_PG_DATA names no running server: no PostgreSQL CPU");
	for (int i = 0; i < r.brokers; i++)
		start_broker(&r.env[i], base, store, i, i > 0 ? &r.env[0] : NULL);
	size0 = store_bytes(&r, store);
	bench_note("setting up %zu users", users);
	bench_pool_setup(&r.env[0], &r.pool, users, 2);
	size1 = store_bytes(&r, store);
	if ((r.lat = calloc(r.logins, sizeof(*r.lat))) == NULL)
		bench_die("allocation");

	bench_note("%zu logins from %d clients over %d broker(s)", r.logins, clients, r.brokers);
	if (store != NULL)
		sql_value(store, "SELECT pg_current_wal_lsn()", lsn0, sizeof(lsn0));
	audit0 = audit_bytes(&r);
	for (int i = 0; i < r.brokers; i++) {
		struct bench_proc p;

		bench_proc_read(r.env[i].broker, &p);
		bcpu0 += p.cpu_s;
	}
	pcpu0 = postgres_cpu_s(pm);
	sys0 = bench_system_cpu_s();
	wall0 = bench_now_ms();
	{
		pthread_t t[256];

		for (int i = 0; i < clients; i++)
			if (pthread_create(&t[i], NULL, client, &r) != 0)
				bench_die("pthread_create");
		for (int i = 0; i < clients; i++)
			pthread_join(t[i], NULL);
	}
	wall = (bench_now_ms() - wall0) / 1e3;
	sys1 = bench_system_cpu_s();
	pcpu1 = postgres_cpu_s(pm);
	for (int i = 0; i < r.brokers; i++) {
		struct bench_proc p;

		bench_proc_read(r.env[i].broker, &p);
		bcpu1 += p.cpu_s;
	}
	audit1 = audit_bytes(&r);
	if (store != NULL) {
		char sql[256];

		snprintf(sql, sizeof(sql), "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')", lsn0);
		sql_value(store, sql, wal, sizeof(wal));
	}
	size2 = store_bytes(&r, store);
	for (size_t i = 0; i < r.logins; i++)
		if (r.lat[i] >= 0)
			r.lat[ok++] = r.lat[i];
	bench_stats_of(r.lat, ok, &st);

	snprintf(pg_cpu, sizeof(pg_cpu), "(in the broker)");
	snprintf(wal_per, sizeof(wal_per), "-");
	if (store != NULL && ok > 0) {
		snprintf(pg_cpu, sizeof(pg_cpu), "%.2f", (pcpu1 - pcpu0) * 1e3 / (double)ok);
		snprintf(wal_per, sizeof(wal_per), "%.0f", atof(wal) / (double)ok);
	}
	printf("| store | brokers | clients | logins | failed | wall s | logins/s | p50 ms | p90 ms "
	       "| broker CPU ms/login | PostgreSQL CPU ms/login | machine CPU ms/login "
	       "| WAL bytes/login | audit bytes/login |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	printf("| %s | %d | %d | %zu | %zu | %.1f | %.1f | %.1f | %.1f | %.2f | %s | %.2f | %s "
	       "| %.0f |\n", store != NULL ? "PostgreSQL" : "SQLite", r.brokers, clients, ok,
	       (size_t)atomic_load(&r.failed), wall, (double)ok / wall, st.p50, st.p90,
	       ok ? (bcpu1 - bcpu0) * 1e3 / (double)ok : 0, pg_cpu,
	       ok ? (sys1 - sys0) * 1e3 / (double)ok : 0, wal_per,
	       ok ? (double)(audit1 - audit0) / (double)ok : 0);
	printf("\nStore size: %lld bytes empty, %lld with %zu users (%.0f bytes/user), %lld after "
	       "the logins (%.0f bytes/login).\n", size0, size1, users,
	       (double)(size1 - size0) / (double)users, size2,
	       ok ? (double)(size2 - size1) / (double)ok : 0);
	if (store != NULL) {
		/* Rows per table, exactly (count(*) of each table in the schema). */
		sql_value(store, "SELECT string_agg(table_name || '=' || (xpath('/row/c/text()', "
		          "query_to_xml('SELECT count(*) AS c FROM ' || quote_ident(table_name), "
		          "false, true, '')))[1]::text, ' ' ORDER BY table_name) FROM "
		          "information_schema.tables WHERE table_schema = 'public'", out, sizeof(out));
		printf("\nRows after the run (%zu users, %zu logins): %s\n", users, ok, out);
	}
	for (int i = 0; i < r.brokers; i++) {
		bench_env_stop(&r.env[i]);
		bench_env_remove(&r.env[i]);
	}
	free(r.lat);
	return atomic_load(&r.failed) > 0 ? 3 : 0;
}
