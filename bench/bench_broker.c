/* The benchmark's broker on a private folder, the users it creates with the real CLI, and
 * the pool that hands out users with an unspent TOTP step (each code is accepted once per
 * user and time step, so parallel logins need distinct users). Setup is not measured. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "bench.h"
#include "sk_totp.h"

static const char *profile_text =
	"[profile " BENCH_PROFILE "]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 5\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\npassword_history = 3\n"
	"message = Authorised staff only (benchmark)\n"
	/* The current step and two either side: a user can log in up to twice ahead of the
	 * clock, which lets a few hundred users carry a burst of logins. */
	"totp_window = 2\n";

void
bench_env_start(struct bench_env *e, const char *base)
{
	char text[4096];
	int n;

	n = snprintf(e->dir, sizeof(e->dir), "%s/sk-bench-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(e->dir) || mkdtemp(e->dir) == NULL)
		bench_die("cannot make a folder under %s: %s", base, strerror(errno));
	snprintf(e->conf, sizeof(e->conf), "%s/sekimori.conf", e->dir);
	snprintf(e->socket, sizeof(e->socket), "%s/sekimorid.sock", e->dir);
	snprintf(e->pamdir, sizeof(e->pamdir), "%s/pam.d", e->dir);
	if (mkdir(e->pamdir, 0700) != 0)
		bench_die("mkdir %s: %s", e->pamdir, strerror(errno));
	n = snprintf(text, sizeof(text),
	             "[broker]\nsocket = sekimorid.sock\nstore = state/sekimori.db\n"
	             "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	             "key_dir = keys\nlocale_dir = %s\nlanguage = C\n"
	             "default_profile = " BENCH_PROFILE "\n"
	             /* The bench sets up its users as root without an admin session (the
	             * recovery role), which may set up accounts of the admin profile only: the
	             * bench's users have it. What is measured (logins) does not depend on it. */
	             "admin_profile = " BENCH_PROFILE "\n%s",
	             e->locale_dir, profile_text);
	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("configuration text too long");
	bench_write_file(e->conf, text);
	bench_write_service(e);

	bench_broker_spawn(e);
}

void
bench_check_totp_against_oathtool(void)
{
	unsigned char seed[BENCH_SEED_LEN];
	char b32[64], ours[16], theirs[64], at[32];
	int64_t step = (int64_t)(time(NULL) / BENCH_PERIOD);

	if (RAND_bytes(seed, sizeof(seed)) != 1 || sk_base32_encode(seed, sizeof(seed), b32,
	                                                             sizeof(b32)) != 0)
		bench_die("cannot make a test seed");
	for (int64_t k = -1; k <= 2; k++) {
		char *argv[] = { "/usr/bin/oathtool", "--totp", "-b", "-N", at, b32, NULL };

		snprintf(at, sizeof(at), "@%lld", (long long)((step + k) * BENCH_PERIOD));
		bench_totp_at(seed, step + k, ours, sizeof(ours));
		if (bench_run(argv, theirs, sizeof(theirs)) != 0)
			bench_die("oathtool failed: %s", theirs);
		theirs[strcspn(theirs, "\n")] = '\0';
		if (strcmp(ours, theirs) != 0)
			bench_die("sk_totp_generate gave %s, oathtool %s at step %+lld", ours, theirs,
			          (long long)k);
	}
}

/* `sekimori --json user add NAME --profile P`: the temporary password from the JSON. */
static void
cli_add_user(const struct bench_env *e, const char *name, char *pw, size_t pwsz)
{
	char *argv[] = { (char *)e->cli, "-c", (char *)e->conf, "--json", "user", "add",
	                 (char *)name, "--profile", BENCH_PROFILE, NULL };
	char out[4096], *p, *q;

	if (bench_run(argv, out, sizeof(out)) != 0)
		bench_die("user add %s failed: %s", name, out);
	if ((p = strstr(out, "\"temporary_password\":")) == NULL ||
	    (p = strchr(p + 21, '"')) == NULL || (q = strchr(++p, '"')) == NULL ||
	    (size_t)(q - p) >= pwsz || memchr(p, '\\', (size_t)(q - p)) != NULL)
		bench_die("no temporary password in: %s", out);
	snprintf(pw, pwsz, "%.*s", (int)(q - p), p);
}

/* `sekimori totp enroll NAME --secret B32 --code CODE`, with the code for the current step,
 * which the broker then records as spent. */
static void
cli_enroll(const struct bench_env *e, struct bench_user *u)
{
	char code[16], out[8192];
	char *argv[] = { (char *)e->cli, "-c", (char *)e->conf, "totp", "enroll", u->name,
	                 "--secret", u->seed_b32, "--code", code, NULL };
	int64_t step = (int64_t)(time(NULL) / BENCH_PERIOD);

	bench_totp_at(u->seed, step, code, sizeof(code));
	if (bench_run(argv, out, sizeof(out)) != 0 || strstr(out, "otpauth://totp/") == NULL)
		bench_die("totp enroll %s failed: %s", u->name, out);
	u->last_step = step;
}

struct setup_job {
	const struct bench_env *e;
	struct bench_pool *pool;
	size_t next;
	pthread_mutex_t mu;
};

static void *
setup_worker(void *arg)
{
	struct setup_job *j = arg;

	for (;;) {
		struct bench_user *u;
		char temp[64], why[512];
		size_t i;

		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->pool->n)
			return NULL;
		u = &j->pool->users[i];
		snprintf(u->name, sizeof(u->name), "bench%04zu", i);
		if (RAND_bytes(u->seed, sizeof(u->seed)) != 1 ||
		    sk_base32_encode(u->seed, sizeof(u->seed), u->seed_b32, sizeof(u->seed_b32)) != 0)
			bench_die("cannot make a seed");
		cli_add_user(j->e, u->name, temp, sizeof(temp));
		cli_enroll(j->e, u);
		if (bench_pam_chauthtok(j->e, u->name, temp, BENCH_PASSWORD, why, sizeof(why)) != 0)
			bench_die("password change for %s failed: %s", u->name, why);
		if ((i + 1) % 100 == 0)
			bench_note("  %zu users ready", i + 1);
	}
}

void
bench_pool_setup(struct bench_env *e, struct bench_pool *pool, size_t n, int threads)
{
	struct setup_job j = { .e = e, .pool = pool };
	pthread_t t[16];

	memset(pool, 0, sizeof(*pool));
	pthread_mutex_init(&pool->mu, NULL);
	pthread_mutex_init(&j.mu, NULL);
	if ((pool->users = calloc(n, sizeof(*pool->users))) == NULL)
		bench_die("allocation");
	pool->n = n;
	if (threads < 1 || threads > 16)
		threads = 2;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, setup_worker, &j) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&j.mu);
}
