/* sekimorid: the Sekimori broker. Owns all state and policy; reached over a Unix socket. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_durable.h"
#include "audit_event.h"
#include "audit_log.h"
#include "broker.h"
#include "factor.h"
#include "grant.h"
#include "hr_apply.h"
#include "radius_pending.h"
#include "server.h"
#include "sk_audit_chain.h"
#include "sk_build.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

static struct broker *the_broker;

static void
on_signal(int sig)
{
	if (the_broker == NULL)
		return;
	if (sig == SIGUSR1)
		the_broker->audit_rotate_prepare = 1;
	else if (sig == SIGUSR2)
		the_broker->audit_rotate_finish = 1;
	else
		the_broker->stop = 1;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: sekimorid [-c FILE] [-f] [-d]\n"
	             "       sekimorid -h | --help | --version\n"
	             "  -c FILE    configuration (default %s)\n"
	             "  -f         log to stderr instead of syslog (it never forks)\n"
	             "  -d         debug logging\n"
	             "  -h, --help this text, on standard output\n"
	             "  --version  the version\n", SK_DEFAULT_CONF);
}

/* Makes the folder holding path (one level), root-owned and closed to others. */
static int
make_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return SK_OK;
	if ((size_t)(slash - path) >= sizeof(dir))
		return SK_ERR_CONFIG;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, mode) == 0)
		return chmod(dir, mode) == 0 ? SK_OK : SK_ERR_IO;   /* the umask is 077 */
	if (errno != EEXIST) {
		sk_logerr("mkdir %s: %s", dir, strerror(errno));
		return SK_ERR_IO;
	}
	return SK_OK;
}

static int
load_key(const char *dir, const char *name, unsigned char *key, size_t len)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		sk_logerr("key folder path %s too long", dir);
		return SK_ERR_CONFIG;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		sk_logerr("mkdir %s: %s", dir, strerror(errno));
		return SK_ERR_IO;
	}
	return sk_keyfile_load(path, key, len, 1);
}

static int
broker_start(struct broker *b)
{
	unsigned char audit_key[SK_AUDIT_KEY_LEN];
	struct group *g;
	int r;

	if ((g = getgrnam(b->conf.admin_group)) != NULL) {
		b->admin_gid = g->gr_gid;
		b->have_admin_gid = 1;
	} else {
		sk_logwarn("admin_group '%s' does not exist: only root may administer",
		           b->conf.admin_group);
	}
	if (b->conf.auditor_group[0] != '\0') {
		if ((g = getgrnam(b->conf.auditor_group)) != NULL) {
			b->auditor_gid = g->gr_gid;
			b->have_auditor_gid = 1;
		} else {
			sk_logwarn("auditor_group '%s' does not exist: nobody has the auditor role "
			           "but root and administrators", b->conf.auditor_group);
		}
	}
	grant_log_conf(&b->conf);   /* R-PRIV-6: the default names a site kept, and why */
	umask(077);
	if ((!store_is_remote(b->conf.store_path) &&
	     (r = make_parent(b->conf.store_path, 0700)) != SK_OK) ||
	    (r = make_parent(b->conf.audit_log, 0700)) != SK_OK ||
	    (r = make_parent(b->conf.audit_anchor, 0700)) != SK_OK ||
	    (r = make_parent(b->conf.socket_path, 0755)) != SK_OK)
		return r;
	if ((r = load_key(b->conf.key_dir, "seed.key", b->seed_key, sizeof(b->seed_key))) != SK_OK ||
	    (r = load_key(b->conf.key_dir, "audit.key", audit_key, sizeof(audit_key))) != SK_OK)
		return r;   /* logged where detected */
	r = audit_log_open(b->conf.audit_log, b->conf.audit_anchor, audit_key, sizeof(audit_key),
	                   &b->audit);
	explicit_bzero(audit_key, sizeof(audit_key));
	if (r != SK_OK)
		return r;
	if ((r = store_open(b->conf.store_path, &b->store)) != SK_OK)
		return r;
	/* Before the audit recovery: a shared store keeps the audit seq per broker_id. */
	if ((r = store_set_instance(b->store, b->conf.broker_id)) != SK_OK)
		return r;
	if ((r = audit_recover(b)) != SK_OK)   /* records a killed broker left uncommitted */
		return r;
	if ((r = factor_init_all(b)) != SK_OK)   /* each logs what it found unusable */
		return r;
	/* HR events that became due while the broker was down are applied before the first
	 * client is answered; then the periodic check runs (doc/hr-import.md). */
	if ((r = hr_scheduler_start(b)) != SK_OK)
		return r;
	return server_listen(b);
}

int
main(int argc, char **argv)
{
	const char *conf_path = SK_DEFAULT_CONF;
	static struct broker b;
	struct sigaction sa;
	char err[512];
	int opt, foreground = 0, r;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	/* getopt_long names a bad option itself ("unrecognized option '--frob'"). */
	while ((opt = getopt_long(argc, argv, "c:fdh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'd': sk_log_set_debug(1); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sekimorid %s\n", SK_VERSION); return 0;
		default:
			fprintf(stderr, "Try 'sekimorid --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sekimorid: unexpected argument '%s'\nTry 'sekimorid --help'.\n",
		        argv[optind]);
		return 2;
	}
	sk_log_set_ident("sekimorid");
	sk_log_to_stderr(foreground);
	openlog("sekimorid", LOG_PID, LOG_AUTHPRIV);
	if (sk_conf_load(conf_path, &b.conf, err, sizeof(err)) != SK_OK ||
	    factor_check_conf_all(&b.conf, err, sizeof(err)) != SK_OK) {
		sk_log(LOG_ERR, "configuration refused: %s", err);
		if (!foreground)
			fprintf(stderr, "sekimorid: configuration refused: %s\n", err);
		return 1;
	}
	if (b.conf.n_profiles == 0) {
		fprintf(stderr, "sekimorid: %s defines no [profile ...]\n", conf_path);
		return 1;
	}
	if (broker_start(&b) != SK_OK) {
		fprintf(stderr, "sekimorid: start failed (see the log above)\n");
		return 1;
	}
	the_broker = &b;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Audit log rotation (doc/deployment.md): logrotate's prerotate and postrotate. */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);   /* no reload: a changed policy needs a restart */
	sk_log(LOG_INFO, "sekimorid %s listening on %s", SK_VERSION, b.conf.socket_path);
	r = server_run(&b);
	hr_scheduler_stop();
	/* The flusher stopped, and what it had not synced yet made durable before the files
	 * close. */
	audit_durable_stop();
	unlink(b.conf.socket_path);
	store_close(b.store);
	audit_log_close(b.audit);
	factor_release_all();
	radius_pending_clear();   /* round-one passwords: wiped, not left to the exit */
	explicit_bzero(b.seed_key, sizeof(b.seed_key));
	return r == SK_OK ? 0 : 1;
}
