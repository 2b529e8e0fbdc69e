/* Privileged access just in time (issue 9, doc/privileged-access.md) through the real broker
 * and CLI, each person with their own admin session got by a real step-up (password + TOTP
 * from oathtool): requests, approvals and denials; self-approval refused on every path (the
 * CLI, a raw client that lies about its actor, root without a session); two-person
 * activation; delegation that needs the CISO role and notifies; break-glass on the review
 * list until the CISO role closes it; contractors kept away from privileged IDs; the
 * notification command's failure audited.
 * Requirement IDs: R-SOD-1, R-SOD-2, R-PRIV-1, R-PRIV-3, R-PRIV-4, R-PRIV-7, R-EXC-1, R-MFA-4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_client.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_msg.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"
#include "skc_admin.h"

#define PEOPLE_PW "Grant-Person-Pass-7"

static const char *conf_text =
	"[profile mynumber]\n"
	"methods = password, totp\n"
	"[role dba]\n"
	"services = sudo\ngroups = dba\naccounts = dbadmin\n"
	"holders = alice, bob, ext1\n"
	"max_minutes = 30\n"
	"breakglass = alice, ext1\nbreakglass_minutes = 15\n"
	"[role pair]\n"
	"services = su\n"
	"holders = alice, bob, carol\n"
	"two_person = yes\n"
	"[role dual]\n"
	"services = sshd-admin\n"
	"holders = alice\n"
	"approvers = 2\napprover_role = ciso\n"
	"[role ciso]\n"
	"holders = kato, bob\n"
	/* R-PRIV-6: a default administrator name, kept for a reason the site gives. */
	"[role appliance]\n"
	"services = sshd-appliance\naccounts = root\nholders = bob\n"
	"default_name_reason = vendor appliance allows only root (ticket V-7)\n"
	"[grant]\n"
	"notify_command = notify.sh\n"
	"notify_timeout = 5\n"
	"delegation_notify = ciso\n";

/* One person: their account, factors and their own admin session in their own folder. */
struct person {
	const char *name;
	char seed[64];
	long long last;
	char rundir[700];
};

static struct sk_fixture fx;
static struct person alice = { .name = "alice" }, bob = { .name = "bob" },
                     carol = { .name = "carol" }, kato = { .name = "kato" },
                     ext1 = { .name = "ext1" };

/* Runs the CLI as p (their admin session), or as root without one when p is NULL. */
static int
as(struct person *p, const char *args, char *out, size_t outsz)
{
	char saved[sizeof(fx.rundir)], bare[700];
	int r;

	memcpy(saved, fx.rundir, sizeof(saved));
	if (p != NULL) {
		snprintf(fx.rundir, sizeof(fx.rundir), "%s", p->rundir);
	} else {
		snprintf(bare, sizeof(bare), "%s/run-nobody", fx.dir);
		(void)mkdir(bare, 0700);
		snprintf(fx.rundir, sizeof(fx.rundir), "%s", bare);
	}
	r = skfx_cli(&fx, args, NULL, out, outsz);
	memcpy(fx.rundir, saved, sizeof(saved));
	return r;
}

static void
make_person(struct person *p, int contractor)
{
	char temp[64], out[4096], args[128], saved[sizeof(fx.rundir)];

	if (contractor) {
		/* user add --contractor, as the fixture administrator. */
		snprintf(args, sizeof(args), "--json user add %s --profile %s --contractor", p->name,
		         SKFX_ADMIN_PROFILE);
		assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
		{
			const char *k = strstr(out, "\"temporary_password\"");
			const char *q1, *q2;

			assert_non_null(k);
			q1 = strchr(k + 20, '"');
			assert_non_null(q1);
			q2 = strchr(q1 + 1, '"');
			assert_non_null(q2);
			snprintf(temp, sizeof(temp), "%.*s", (int)(q2 - q1 - 1), q1 + 1);
		}
	} else {
		skfx_add_user(&fx, p->name, SKFX_ADMIN_PROFILE, temp, sizeof(temp));
	}
	skfx_enroll_totp(&fx, p->name, p->seed, sizeof(p->seed));
	p->last = (long long)time(NULL) / 30;
	skfx_set_password(&fx, p->name, SKFX_ADMIN_PROFILE, temp, PEOPLE_PW);
	snprintf(p->rundir, sizeof(p->rundir), "%s/run-%s", fx.dir, p->name);
	assert_int_equal(mkdir(p->rundir, 0700), 0);
	memcpy(saved, fx.rundir, sizeof(saved));
	snprintf(fx.rundir, sizeof(fx.rundir), "%s", p->rundir);
	if (skfx_admin_login_as(&fx, p->name, PEOPLE_PW, p->seed, &p->last, out, sizeof(out)) != 0)
		fail_msg("%s could not log in: %s", p->name, out);
	memcpy(fx.rundir, saved, sizeof(saved));
}

static void
write_notify(const char *body)
{
	char path[700], text[1024];

	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	sk_test_write_file(fx.dir, "notify.sh", text, path, sizeof(path));
	assert_int_equal(chmod(path, 0755), 0);
}

static int
setup(void **state)
{
	(void)state;
	skfx_start(&fx, "C", conf_text);
	/* Each notification appends one line: argv, then what the environment carries. */
	write_notify("echo \"$1 $2 role=$SEKIMORI_ROLE user=$SEKIMORI_USER actor=$SEKIMORI_ACTOR"
	             " notify=$SEKIMORI_NOTIFY_USERS home=${HOME:-unset}\""
	             " >> \"$(dirname \"$0\")/notified.log\"");
	make_person(&alice, 0);
	make_person(&bob, 0);
	make_person(&carol, 0);
	make_person(&kato, 0);
	make_person(&ext1, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

/* The id in "Grant N: state". */
static unsigned long long
grant_id(const char *out)
{
	const char *p = strstr(out, "Grant ");

	assert_non_null(p);
	return strtoull(p + 6, NULL, 10);
}

static void
expect_state(unsigned long long id, const char *state)
{
	char out[65536], needle[64];
	const char *p;

	assert_int_equal(as(&kato, "--json grant list", out, sizeof(out)), 0);
	snprintf(needle, sizeof(needle), "\"id\":%llu,", id);
	p = strstr(out, needle);
	if (p == NULL) {
		snprintf(needle, sizeof(needle), "\"id\": %llu,", id);
		p = strstr(out, needle);
	}
	assert_non_null(p);
	snprintf(needle, sizeof(needle), "\"%s\"", state);
	{
		const char *st = strstr(p, "\"state\"");

		assert_non_null(st);
		if (strncmp(strchr(st + 7, '"'), needle, strlen(needle)) != 0)
			fail_msg("grant %llu: expected %s in %.80s", id, state, st);
	}
}

/* A line of notified.log containing every needle shows up within 10 s. */
static void
expect_notified(const char *a, const char *b)
{
	char path[700], line[1024];

	snprintf(path, sizeof(path), "%s/notified.log", fx.dir);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL)) {
				fclose(f);
				return;
			}
		if (f != NULL)
			fclose(f);
		usleep(50000);
	}
	fail_msg("no notification with '%s' '%s'", a, b ? b : "");
}

/* R-SOD-1, R-PRIV-7: request, approval by another holder, denial with a reason, revoke; the
 * requester's own approval refused in the CLI; minutes capped by the role; every step
 * audited under the authenticated person. */
static void
test_r_sod_1_request_approve_deny_revoke(void **state)
{
	char out[65536];
	unsigned long long id, id2;

	(void)state;
	assert_int_equal(as(&alice, "grant request --role dba --minutes 20 --reason 'patch db'"
	                     " --ticket CHG-1", out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": pending"));
	id = grant_id(out);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.requested\"",
	                                  "\"admin\":\"alice\"", "\"ticket\":\"CHG-1\"", NULL), 1);
	/* R-PRIV-7: more than the role's max_minutes is refused as a usage error. */
	assert_int_equal(as(&alice, "grant request --role dba --minutes 31 --reason x", out,
	                     sizeof(out)), 2);
	assert_non_null(strstr(out, "more minutes than the role allows"));
	assert_int_equal(as(&alice, "grant request --role nosuch --minutes 5 --reason x", out,
	                     sizeof(out)), 2);
	/* R-SOD-1 in the CLI. */
	snprintf(out, sizeof(out), "grant approve %llu", id);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "grant approve %llu", id);
		assert_int_equal(as(&alice, cmd, out, sizeof(out)), 1);
		assert_non_null(strstr(out, "nobody may approve"));
		assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.approve\"",
		                                  "\"result\":\"refused\"", "\"admin\":\"alice\"",
		                                  "\"reason\":\"self_approval\"", NULL), 1);
		/* carol holds no dba: she cannot approve it. */
		assert_int_equal(as(&carol, cmd, out, sizeof(out)), 1);
		assert_non_null(strstr(out, "do not hold the role that approves"));
		expect_state(id, "pending");
		assert_int_equal(as(&bob, cmd, out, sizeof(out)), 0);
		assert_non_null(strstr(out, ": active"));
		assert_non_null(strstr(out, "Active until"));
	}
	expect_state(id, "active");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.activated\"", "\"admin\":\"bob\"",
	                                  "\"approver\":\"bob\"", "\"requester\":\"alice\"", NULL), 1);
	assert_int_equal(as(&kato, "--json grant list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"approver\":\"bob\""));
	/* Deny, with a reason, by another holder; not by the requester. */
	assert_int_equal(as(&alice, "grant request --role dba --minutes 5 --reason again", out,
	                     sizeof(out)), 0);
	id2 = grant_id(out);
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "grant deny %llu --reason 'no ticket'", id2);
		assert_int_equal(as(&alice, cmd, out, sizeof(out)), 1);
		snprintf(cmd, sizeof(cmd), "grant deny %llu", id2);
		assert_int_equal(as(&bob, cmd, out, sizeof(out)), 2);
		snprintf(cmd, sizeof(cmd), "grant deny %llu --reason 'no ticket'", id2);
		assert_int_equal(as(&bob, cmd, out, sizeof(out)), 0);
		assert_non_null(strstr(out, ": denied"));
		/* Decided: not again. */
		snprintf(cmd, sizeof(cmd), "grant approve %llu", id2);
		assert_int_equal(as(&bob, cmd, out, sizeof(out)), 1);
		assert_non_null(strstr(out, "not in a state that allows this"));
		snprintf(cmd, sizeof(cmd), "grant revoke %llu", id);
		assert_int_equal(as(&alice, cmd, out, sizeof(out)), 0);
		assert_non_null(strstr(out, ": revoked"));
	}
	expect_state(id2, "denied");
	expect_state(id, "revoked");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.denied\"", "\"admin\":\"bob\"",
	                                  "\"reason\":\"no ticket\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.revoked\"",
	                                  "\"revoked_by\":\"alice\"", "\"was\":\"active\"", NULL), 1);
	assert_int_equal(as(&kato, "grant revoke 999", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "no such grant: 999"));
	expect_notified("grant.requested", "user=alice");
}

/* An admin session of p on a connection of the test's own (a raw client). */
static void
attach_as(struct person *p, struct sk_client *c)
{
	unsigned char token[SK_ADMIN_TOKEN_LEN];
	struct skc_admin_attach_in in = { token };
	struct skc_admin_session_out out;
	char path[800];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sekimori-admin-session", p->rundir);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(token, 1, sizeof(token), f), sizeof(token));
	fclose(f);
	assert_int_equal(skc_admin_attach(c, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_string_equal(out.user, p->name);
}

/* R-SOD-1 on the other paths: a raw request that claims another actor is still the
 * authenticated person's own approval; root without an admin session may not approve at
 * all, and the grant stays pending. */
static void
test_r_sod_1_self_approval_refused_on_raw_protocol_and_root(void **state)
{
	struct sk_client c;
	struct sk_msg *req, *reply = NULL;
	uint64_t st = 0, why = 0;
	unsigned long long id;
	char out[65536], cmd[64];

	(void)state;
	assert_int_equal(as(&alice, "grant request --role dba --minutes 10 --reason raw", out,
	                     sizeof(out)), 0);
	id = grant_id(out);
	assert_int_equal(sk_client_open(&c, fx.socket, 10000), 0);
	attach_as(&alice, &c);
	assert_non_null(req = sk_msg_new(SK_REQ_GRANT_APPROVE));
	assert_int_equal(sk_msg_put_uint(req, SK_K_GRANT_ID, id), 0);
	assert_int_equal(sk_msg_put_text(req, SK_K_ACTOR, "bob"), 0);   /* a lie */
	assert_int_equal(sk_client_call(&c, req, &reply, 0), 0);
	assert_int_equal(sk_msg_get_uint(reply, SK_K_STATUS, &st), SK_OK);
	assert_int_equal(st, SK_ST_POLICY);
	assert_int_equal(sk_msg_get_uint(reply, SK_K_REASON, &why), SK_OK);
	assert_int_equal(why, SK_REASON_SELF_APPROVAL);
	sk_msg_free(reply);
	/* Confirming one's own is refused the same way. */
	assert_int_equal(sk_msg_put_uint(req, SK_K_GRANT_STEP, 1), 0);
	assert_int_equal(sk_client_call(&c, req, &reply, 0), 0);
	assert_int_equal(sk_msg_get_uint(reply, SK_K_REASON, &why), SK_OK);
	assert_int_equal(why, SK_REASON_SELF_APPROVAL);
	sk_msg_free(reply);
	sk_msg_free(req);
	sk_client_close(&c);
	/* Root without a session: no recovery path to an approval. */
	snprintf(cmd, sizeof(cmd), "grant approve %llu", id);
	assert_int_equal(as(NULL, cmd, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "root without an admin session may only do recovery"));
	expect_state(id, "pending");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.refused\"",
	                                  "\"request\":\"grant_approve\"", "\"role\":\"recovery\"",
	                                  NULL), 1);
	/* Root may take a privilege away (revoke), audited in the recovery role. */
	snprintf(cmd, sizeof(cmd), "grant revoke %llu", id);
	assert_int_equal(as(NULL, cmd, out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.revoked\"",
	                                  "\"revoked_by\":\"root\"", NULL), 1);
}

/* R-SOD-2: a two-person role activates only when a second, different person confirms with
 * their own admin session; both names are in the record. Two approvers: two different
 * people. */
static void
test_r_sod_2_two_person_activation(void **state)
{
	char out[65536], cmd[64];
	unsigned long long id;

	(void)state;
	assert_int_equal(as(&alice, "grant request --role pair --minutes 15 --reason 'swap disk'",
	                     out, sizeof(out)), 0);
	id = grant_id(out);
	snprintf(cmd, sizeof(cmd), "grant approve %llu", id);
	assert_int_equal(as(&bob, cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": approved"));
	snprintf(cmd, sizeof(cmd), "grant confirm %llu", id);
	assert_int_equal(as(&alice, cmd, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "nobody may approve"));
	assert_int_equal(as(&bob, cmd, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "the second person must be someone other"));
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 1);   /* holds neither pair nor its approvers */
	expect_state(id, "approved");
	assert_int_equal(as(&carol, cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": active"));
	expect_state(id, "active");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.activated\"",
	                                  "\"requester\":\"alice\"", "\"confirmer\":\"carol\"",
	                                  "\"approver\":\"bob\"", "\"admin\":\"carol\"", NULL), 1);
	assert_int_equal(as(&kato, "--json grant list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"confirmer\":\"carol\""));
	/* Two approvers from the ciso role: the same one twice does not count. */
	assert_int_equal(as(&alice, "grant request --role dual --minutes 10 --reason 'audit'", out,
	                     sizeof(out)), 0);
	id = grant_id(out);
	snprintf(cmd, sizeof(cmd), "grant approve %llu", id);
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": pending"));
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "you approved this already"));
	assert_int_equal(as(&bob, cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": active"));
}

/* R-PRIV-3: a delegation takes effect only when the CISO role approves it (not the
 * nominator, not the delegate); the configured roles are notified (audit record and the
 * notification command). R-PRIV-1: role list shows the holders and how. */
static void
test_r_priv_3_delegation_needs_ciso(void **state)
{
	char out[65536], cmd[64];
	unsigned long long id;
	const char *p;

	(void)state;
	assert_int_equal(as(&carol, "grant request --role dba --minutes 5 --reason x", out,
	                     sizeof(out)), 1);
	assert_non_null(strstr(out, "you do not hold this role"));
	assert_int_equal(as(&alice, "delegation nominate --role dba --user carol --reason 'cover"
	                     " leave'", out, sizeof(out)), 0);
	assert_non_null(p = strstr(out, "Delegation "));
	id = strtoull(p + 11, NULL, 10);
	expect_notified("delegation.nominated", "notify=kato bob");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"delegation.nominated\"",
	                                  "\"notified_roles\":\"ciso\"", "\"admin\":\"alice\"",
	                                  NULL), 1);
	/* Not yet effective. */
	assert_int_equal(as(&carol, "grant request --role dba --minutes 5 --reason x", out,
	                     sizeof(out)), 1);
	snprintf(cmd, sizeof(cmd), "delegation approve %llu", id);
	assert_int_equal(as(&alice, cmd, out, sizeof(out)), 1);   /* the nominator */
	assert_non_null(strstr(out, "nobody may approve"));
	assert_int_equal(as(&carol, cmd, out, sizeof(out)), 1);   /* the delegate */
	assert_int_equal(as(&ext1, cmd, out, sizeof(out)), 1);    /* not the CISO role */
	assert_non_null(strstr(out, "do not hold the role that approves"));
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 0);
	expect_notified("delegation.approved", "actor=kato");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"delegation.approved\"",
	                                  "\"decided_by\":\"kato\"", "\"delegate\":\"carol\"", NULL), 1);
	assert_int_equal(as(&carol, "grant request --role dba --minutes 5 --reason x", out,
	                     sizeof(out)), 0);
	assert_int_equal(as(&kato, "--json role list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"user\":\"carol\""));
	assert_non_null(strstr(out, "\"via\":\"delegation\""));
	assert_int_equal(as(&kato, "role list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "holder alice (config), last use: never"));
	assert_int_equal(as(&kato, "--json delegation list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"state\":\"approved\""));
	/* The notification command sees only the environment the broker gives it. */
	expect_notified("delegation.approved", "home=unset");
}

/* R-EXC-1: break-glass is for the configured list only, short, active at once, announced at
 * once, and stays on the review list until the CISO role (someone else) closes it with a
 * comment. */
static void
test_r_exc_1_breakglass_on_review_list(void **state)
{
	char out[65536], cmd[96];
	unsigned long long id;
	const char *p;

	(void)state;
	assert_int_equal(as(&bob, "grant breakglass --role dba --minutes 10 --reason outage", out,
	                     sizeof(out)), 1);
	assert_non_null(strstr(out, "break-glass list"));
	assert_int_equal(as(&alice, "grant breakglass --role dba --minutes 16 --reason outage", out,
	                     sizeof(out)), 2);
	assert_int_equal(as(&alice, "grant breakglass --role dba --minutes 10", out, sizeof(out)),
	                 2);
	assert_int_equal(as(&alice, "grant breakglass --role dba --minutes 10 --reason 'db down'",
	                     out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": active"));
	expect_notified("breakglass.activated", "user=alice");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"breakglass.activated\"",
	                                  "\"admin\":\"alice\"", "\"reason\":\"db down\"", NULL), 1);
	assert_int_equal(as(&kato, "--json review list", out, sizeof(out)), 0);
	assert_non_null(p = strstr(out, "\"id\":"));
	id = strtoull(p + 5, NULL, 10);
	assert_non_null(strstr(out, "\"user\":\"alice\""));
	snprintf(cmd, sizeof(cmd), "review close %llu --comment 'checked, fine'", id);
	assert_int_equal(as(&alice, cmd, out, sizeof(out)), 1);   /* her own */
	assert_int_equal(as(&carol, cmd, out, sizeof(out)), 1);   /* not the CISO role */
	snprintf(cmd, sizeof(cmd), "review close %llu", id);
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 2);    /* no comment */
	assert_int_equal(as(&kato, "review list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "alice"));
	snprintf(cmd, sizeof(cmd), "review close %llu --comment 'checked, fine'", id);
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 0);
	assert_int_equal(as(&kato, "review list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "No break-glass reviews are open."));
	assert_int_equal(as(&kato, "--json review list --all", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"comment\":\"checked, fine\""));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"review.closed\"", "\"admin\":\"kato\"",
	                                  "\"comment\":\"checked, fine\"", NULL), 1);
	assert_int_equal(as(&kato, cmd, out, sizeof(out)), 1);    /* closed already */
}

/* R-MFA-4, R-PRIV-4: a contractor (marked at user add) gets no role closed to contractors,
 * never breaks glass, and cannot change a privileged ID or its credentials, nor anyone's
 * contractor mark; an ordinary user they may still serve. */
static void
test_r_priv_4_contractor_kept_off_privileged_ids(void **state)
{
	char out[65536], pw[64];

	(void)state;
	assert_int_equal(as(&ext1, "grant request --role dba --minutes 5 --reason x", out,
	                     sizeof(out)), 1);
	assert_non_null(strstr(out, "not allowed for contractors"));
	assert_int_equal(as(&ext1, "grant breakglass --role dba --minutes 5 --reason x", out,
	                     sizeof(out)), 1);
	assert_non_null(strstr(out, "not allowed for contractors"));
	assert_int_equal(as(&ext1, "user reset-password alice", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "not allowed for contractors"));
	assert_int_equal(as(&ext1, "totp remove bob", out, sizeof(out)), 1);
	assert_int_equal(as(&ext1, "user add boss2 --profile " SKFX_ADMIN_PROFILE, out,
	                     sizeof(out)), 1);
	assert_int_equal(as(&ext1, "user contractor ext1 no", out, sizeof(out)), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.refused\"", "\"admin\":\"ext1\"",
	                                  "\"reason\":\"contractor\"",
	                                  "\"request\":\"user_reset_password\"", NULL), 1);
	/* An ordinary staff ID: allowed. */
	skfx_add_user(&fx, "staff1", "mynumber", pw, sizeof(pw));
	assert_int_equal(as(&ext1, "user reset-password staff1", out, sizeof(out)), 0);
	/* The mark is set and cleared by others, audited. */
	assert_int_equal(as(&alice, "user contractor staff1 yes", out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_contractor_set\"",
	                                  "\"user\":\"staff1\"", "\"admin\":\"alice\"", NULL), 1);
	assert_int_equal(as(&alice, "user contractor staff1 no", out, sizeof(out)), 0);
	assert_int_equal(as(&alice, "user contractor staff1 maybe", out, sizeof(out)), 2);
}

/* The notification command's failure is logged and audited, and the decision stands. */
static void
test_r_exc_1_notification_failure_audited(void **state)
{
	char out[65536];

	(void)state;
	write_notify("exit 3");
	assert_int_equal(as(&alice, "grant request --role dba --minutes 5 --reason 'notify test'",
	                     out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": pending"));
	for (int i = 0; i < 200 && skfx_audit_count(&fx, "\"event\":\"grant.notify_failed\"",
	                                             "\"status\":3", NULL) == 0; i++)
		usleep(50000);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.notify_failed\"",
	                                  "\"notified_event\":\"grant.requested\"",
	                                  "\"failure\":\"exit_status\"", "\"status\":3", NULL), 1);
	/* A command that hangs is killed after notify_timeout (5 s). */
	write_notify("sleep 60");
	assert_int_equal(as(&alice, "grant request --role dba --minutes 5 --reason 'hang test'",
	                     out, sizeof(out)), 0);
	for (int i = 0; i < 300 && skfx_audit_count(&fx, "\"failure\":\"timeout\"", NULL) == 0; i++)
		usleep(50000);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.notify_failed\"",
	                                  "\"failure\":\"timeout\"", NULL), 1);
}

/* R-PRIV-7: a request nobody decided within pending_minutes (60) expires, with its own audit
 * record, and can no longer be approved; an active grant past its end is expired too. */
static void
test_r_priv_7_undecided_request_and_ended_grant_expire(void **state)
{
	char sql[512], out[65536];
	long long now = (long long)time(NULL);
	unsigned long long stale, over;

	(void)state;
	/* Behind the broker's back on whichever store the test runs on (skfx_store_sql):
	 * RETURNING means the same in SQLite and PostgreSQL. */
	snprintf(sql, sizeof(sql), "INSERT INTO grants(role, requester, reason, minutes, state,"
	         " created, services) VALUES('dba', 'alice', 'old', 10, 0, %lld, 'sudo')"
	         " RETURNING id;", now - 3601);
	assert_int_equal(skfx_store_sql(&fx, sql, out, sizeof(out)), 0);
	stale = strtoull(out, NULL, 10);
	assert_true(stale > 0);
	snprintf(sql, sizeof(sql), "INSERT INTO grants(role, requester, reason, minutes, state,"
	         " created, starts, ends, services) VALUES('dba', 'bob', 'done', 10, 2, %lld, %lld,"
	         " %lld, 'sudo') RETURNING id;", now - 700, now - 600, now - 1);
	assert_int_equal(skfx_store_sql(&fx, sql, out, sizeof(out)), 0);
	over = strtoull(out, NULL, 10);
	assert_true(over > stale);
	assert_int_equal(as(&kato, "grant list", out, sizeof(out)), 0);
	expect_state(stale, "expired");
	expect_state(over, "expired");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.expired\"",
	                                  "\"cause\":\"not decided in time\"",
	                                  "\"requester\":\"alice\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.expired\"",
	                                  "\"cause\":\"ended\"", "\"requester\":\"bob\"", NULL),
	                 1);
	snprintf(sql, sizeof(sql), "grant approve %lld", (long long)stale);
	assert_int_equal(as(&bob, sql, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "not in a state that allows this"));
}

/* R-PRIV-6: the broker started with a role that keeps a default name only because the site
 * said why, and its log says so; without the reason the same file stops it (FILE:LINE). */
static void
test_r_priv_6_default_name_kept_only_with_reason_logged(void **state)
{
	char path[700], line[1024], conf[8192], out[4096], cmd[2048];
	int found = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/broker.log", fx.dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		found |= strstr(line, "role 'appliance' unlocks the account 'root', a default"
		                " administrator name (R-PRIV-6), for the site's reason: vendor"
		                " appliance allows only root (ticket V-7)") != NULL;
	fclose(f);
	assert_true(found);
	/* The same file without the reason: refused at load, naming the line. */
	assert_non_null(f = fopen(fx.conf, "r"));
	conf[fread(conf, 1, sizeof(conf) - 1, f)] = '\0';
	fclose(f);
	{
		char *r = strstr(conf, "default_name_reason");

		assert_non_null(r);
		memcpy(r, "#", 1);
	}
	sk_test_write_file(fx.dir, "no-reason.conf", conf, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' -f 2>&1", getenv("SK_SEKIMORID"), path);
	assert_int_not_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "role 'appliance' unlocks the account 'root', a default"
	                       " administrator name (R-PRIV-6)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_sod_1_request_approve_deny_revoke),
		cmocka_unit_test(test_r_sod_1_self_approval_refused_on_raw_protocol_and_root),
		cmocka_unit_test(test_r_sod_2_two_person_activation),
		cmocka_unit_test(test_r_priv_3_delegation_needs_ciso),
		cmocka_unit_test(test_r_exc_1_breakglass_on_review_list),
		cmocka_unit_test(test_r_priv_4_contractor_kept_off_privileged_ids),
		cmocka_unit_test(test_r_exc_1_notification_failure_audited),
		cmocka_unit_test(test_r_priv_6_default_name_kept_only_with_reason_logged),
		cmocka_unit_test(test_r_priv_7_undecided_request_and_ended_grant_expire),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
