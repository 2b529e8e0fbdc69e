/* sekimori-radius [-c CONF] [-p PROFILE] [-s SERVICE]: one round of a RADIUS challenge-mode
 * login (radius.h). Without a State attribute the request is round one (user name and
 * password: RADIUS_BEGIN); with one it is round two (the one-time code in User-Password:
 * RADIUS_CONTINUE). Everything that is not a clear answer from sekimorid ends in a
 * refusal (fail closed). */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "radius.h"
#include "sk_build.h"
#include "sk_client.h"
#include "sk_conf.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_origin.h"

struct options {
	const char *conf;
	const char *profile;   /* NULL: the broker's default_profile */
	const char *service;
};

static int
usage(void)
{
	fprintf(stderr, "%s\n", _("usage: sekimori-radius [-c CONF] [-p PROFILE] [-s SERVICE]"));
	return RADIUS_FAIL;
}

/* The broker's verdict as rlm_exec's exit status. */
static int
verdict(int r, const struct skc_result *res, const char *user, const char *round)
{
	if (r != SK_OK) {
		sk_log(LOG_ERR, "%s for %s: no answer from sekimorid (%s): refused", round, user,
		       sk_strerror(r));
		return RADIUS_FAIL;
	}
	if (res->status == SK_ST_OK)
		return RADIUS_ACCEPT;
	sk_log(LOG_NOTICE, "%s for %s: refused (status %u, reason %llu)", round, user,
	       res->status, (unsigned long long)res->reason);
	return RADIUS_REJECT;
}

static int
round_one(struct sk_client *c, const struct options *o, struct radius_request *rq)
{
	struct skc_radius_begin_in in = {
		.who = { .user = rq->user, .service = o->service, .rhost = rq->calling_station,
		         .tty = "", .profile = o->profile, .frontend = SK_FRONTEND_RADIUS },
		.nas = rq->nas,
	};
	struct skc_radius_begin_out out;
	int r;

	memcpy(in.password, rq->password, sizeof(in.password));
	r = skc_radius_begin(c, &in, &out);
	explicit_bzero(in.password, sizeof(in.password));
	if (r == SK_OK && out.res.status == SK_ST_CHALLENGE) {
		r = radius_print_challenge(out.state, out.banner, _("One-time code: "));
		explicit_bzero(out.state, sizeof(out.state));
		return r == SK_OK ? RADIUS_CHALLENGE : RADIUS_FAIL;
	}
	return verdict(r, &out.res, rq->user, "round one");
}

static int
round_two(struct sk_client *c, const struct options *o, struct radius_request *rq)
{
	struct skc_radius_continue_in in = {
		.user = rq->user, .service = o->service, .rhost = rq->calling_station,
		.nas = rq->nas,
	};
	struct skc_radius_continue_out out;
	int r;

	if (strlen(rq->password) >= sizeof(in.code)) {
		sk_log(LOG_NOTICE, "round two for %s: the code is too long: refused", rq->user);
		return RADIUS_REJECT;
	}
	memcpy(in.state, rq->state, sizeof(in.state));
	memcpy(in.code, rq->password, strlen(rq->password) + 1);
	r = skc_radius_continue(c, &in, &out);
	explicit_bzero(&in, sizeof(in));
	return verdict(r, &out.res, rq->user, "round two");
}

int
main(int argc, char **argv)
{
	static struct sk_conf conf;
	struct options o = { .conf = SK_DEFAULT_CONF, .profile = NULL, .service = "radius" };
	struct radius_request rq;
	struct sk_client c = { .fd = -1 };
	char err[512];
	int opt, r;

	setlocale(LC_ALL, "");
	sk_log_set_ident("sekimori-radius");
	/* The installed catalogue until the configuration names another one. */
	sk_i18n_init("auto", SK_LOCALE_DIR);
	while ((opt = getopt(argc, argv, "c:p:s:")) != -1) {
		switch (opt) {
		case 'c': o.conf = optarg; break;
		case 'p': o.profile = optarg; break;
		case 's': o.service = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (sk_conf_load(o.conf, &conf, err, sizeof(err)) != SK_OK) {
		sk_log(LOG_ERR, "%s", err);
		return RADIUS_FAIL;
	}
	/* The prompt goes to the RADIUS client's user: the broker's language. */
	sk_i18n_init(conf.language, conf.locale_dir);
	if (radius_read_env(&rq) != SK_OK) {
		explicit_bzero(&rq, sizeof(rq));
		return RADIUS_FAIL;
	}
	if (sk_client_open(&c, conf.socket_path, (int)conf.request_timeout_ms) != SK_OK) {
		sk_log(LOG_ERR, "sekimorid at %s cannot be reached: %s refused", conf.socket_path,
		       rq.user);
		explicit_bzero(&rq, sizeof(rq));
		return RADIUS_FAIL;
	}
	r = rq.has_state ? round_two(&c, &o, &rq) : round_one(&c, &o, &rq);
	sk_client_close(&c);
	explicit_bzero(&rq, sizeof(rq));
	return r;
}
