/* The load generator's broker and users. The broker runs the shipped sekimorid with its
 * defaults (workers, max_clients) on a new folder; its one profile is a stack profile (the
 * password is pam_unix's, as in conf/pam.d/sekimori-stack), so that a decision is the TOTP
 * code and the attempt limit, not a yescrypt hash. Users are made through the broker's own
 * requests from several connections at once: one CLI process per user would take most of
 * the run. Setup is not measured. */
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

#include "load.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_totp.h"
#include "skc_totp.h"
#include "skc_user.h"

#define SETUP_TIMEOUT_MS 30000

const char *load_store;

void
load_broker_start(struct bench_env *e, const char *base, unsigned window, unsigned deny)
{
	char text[4096];
	int n;

	n = snprintf(e->dir, sizeof(e->dir), "%s/sk-load-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(e->dir) || mkdtemp(e->dir) == NULL)
		bench_die("cannot make a folder under %s: %s", base, strerror(errno));
	snprintf(e->conf, sizeof(e->conf), "%s/sekimori.conf", e->dir);
	snprintf(e->socket, sizeof(e->socket), "%s/sekimorid.sock", e->dir);
	snprintf(e->pamdir, sizeof(e->pamdir), "%s/pam.d", e->dir);
	if (mkdir(e->pamdir, 0700) != 0)
		bench_die("mkdir %s: %s", e->pamdir, strerror(errno));
	/* admin_profile: root without an admin session (the recovery role) may set up accounts
	 * of that profile only, and the load's users are set up so. Nothing measured depends on
	 * it. */
	n = snprintf(text, sizeof(text),
	             "[broker]\nsocket = sekimorid.sock\nstore = %s\n"
	             "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	             "key_dir = keys\nlocale_dir = %s\nlanguage = C\n"
	             "default_profile = " LOAD_PROFILE "\nadmin_profile = " LOAD_PROFILE "\n"
	             "[profile " LOAD_PROFILE "]\n"
	             "classes = knowledge, possession\nmethods = password, totp\n"
	             "knowledge = stack\n"
	             "deny = %u\nfail_interval = 600\nunlock_time = 0\n"
	             "totp_window = %u\n",
	             load_store != NULL ? load_store : "state/sekimori.db", e->locale_dir, deny,
	             window);
	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("configuration text too long");
	bench_write_file(e->conf, text);
	load_pam_write_service(e);

	bench_broker_spawn(e);
}

/* USER_ADD, then TOTP_ENROLL_BEGIN with the user's seed and TOTP_ENROLL_CONFIRM with the
 * code of the current step, which the broker then holds as spent. */
static void
make_user(struct sk_client *c, struct load_user *u)
{
	struct skc_user_add_in add = { .user = u->name, .profile = LOAD_PROFILE };
	struct skc_temp_password_out pw;
	struct skc_totp_enroll_begin_in bin = { .user = u->name, .secret = u->seed,
	                                        .secret_len = BENCH_SEED_LEN };
	struct skc_totp_enroll_begin_out bout;
	struct skc_totp_enroll_confirm_in cin = { .user = u->name };
	struct skc_reply_out cout;
	char code[16];
	int64_t step;
	int r;

	if ((r = skc_user_add(c, &add, &pw)) != SK_OK || pw.res.status != SK_ST_OK)
		bench_die("user add %s: error %d status %u %s", u->name, r, pw.res.status,
		          pw.res.message);
	explicit_bzero(&pw, sizeof(pw));
	if ((r = skc_totp_enroll_begin(c, &bin, &bout)) != SK_OK || bout.res.status != SK_ST_OK)
		bench_die("totp enroll %s: error %d status %u %s", u->name, r, bout.res.status,
		          bout.res.message);
	cin.enroll_id = bout.enroll_id;
	explicit_bzero(&bout, sizeof(bout));
	step = (int64_t)(time(NULL) / BENCH_PERIOD);
	bench_totp_at(u->seed, step, code, sizeof(code));
	cin.code = code;
	if ((r = skc_totp_enroll_confirm(c, &cin, &cout)) != SK_OK || cout.res.status != SK_ST_OK)
		bench_die("totp confirm %s: error %d status %u %s", u->name, r, cout.res.status,
		          cout.res.message);
	u->last_step = step;
}

struct setup_job {
	const struct bench_env *e;
	struct load_pool *pool;
	size_t next;
	pthread_mutex_t mu;
};

static void *
setup_worker(void *arg)
{
	struct setup_job *j = arg;
	struct sk_client c = { .fd = -1 };

	if (sk_client_open(&c, j->e->socket, SETUP_TIMEOUT_MS) != SK_OK)
		bench_die("cannot connect to %s", j->e->socket);
	for (;;) {
		size_t i;

		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->pool->n)
			break;
		make_user(&c, &j->pool->users[i]);
		if ((i + 1) % 500 == 0)
			bench_note("  %zu users ready", i + 1);
	}
	sk_client_close(&c);
	return NULL;
}

void
load_users_setup(const struct bench_env *e, struct load_pool *pool, size_t n, int threads)
{
	struct setup_job j = { .e = e, .pool = pool };
	pthread_t t[64];

	pool->users = calloc(n, sizeof(*pool->users));
	if (pool->users == NULL)
		bench_die("allocation");
	pool->n = n;
	pthread_mutex_init(&pool->mu, NULL);
	for (size_t i = 0; i < n; i++) {
		snprintf(pool->users[i].name, LOAD_USER_LEN, "load%06u", (unsigned)(i % 1000000));
		if (RAND_bytes(pool->users[i].seed, BENCH_SEED_LEN) != 1)
			bench_die("cannot make a seed");
	}
	if (threads < 1 || threads > 64)
		threads = 8;
	pthread_mutex_init(&j.mu, NULL);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, setup_worker, &j) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&j.mu);
}
