// SPDX-License-Identifier: MIT
/* The AAA workers: local logins off the event loop, in order on one
 * thread and all answered right on several, unknown users and wrong
 * passwords alike, database replacement while checks run. */
#include <poll.h>
#include <string.h>

#include "ezv/aaa.h"
#include "tests/unit/unit.h"

static struct userdb *make_db(const char *user, const char *group, const char *pw)
{
	struct userdb *db = calloc(1, sizeof(*db));
	struct evs_err err;

	userdb_init(db);
	if (userdb_add(db, user, group, pw, USERDB_COST_MIN, &err))
		return NULL;
	return db;
}

/* One local thread and one user: alice, group sales, password "right". */
static struct aaa *aaa_alice(struct easyvpn_config *cfg)
{
	struct evs_err err;
	struct aaa *a;

	memset(cfg, 0, sizeof(*cfg));
	cfg->aaa.local_threads = 1;
	a = aaa_new(cfg, make_db("alice", "sales", "right"), 0, &err);
	UNIT_ASSERT(a);
	return a;
}

static void submit(struct aaa *a, uint32_t id, const char *user, const char *pw)
{
	struct aaa_request rq = { .id = id, .method = EZV_AUTH_LOCAL };

	snprintf(rq.user, sizeof(rq.user), "%s", user);
	memcpy(rq.pass, pw, strlen(pw));
	rq.pass_len = strlen(pw);
	UNIT_ASSERT_EQ_INT(aaa_submit_auth(a, &rq), 0);
	UNIT_ASSERT_EQ_INT(rq.pass_len, 0);		/* wiped */
	UNIT_ASSERT_EQ_INT(rq.pass[0], 0);
}

static void wait_result(struct aaa *a, struct aaa_result *r)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = aaa_fd(a), .events = POLLIN };

		if (aaa_take_result(a, r))
			return;
		poll(&p, 1, 100);
	}
	UNIT_FAIL("no AAA result within 10 s");
}

UNIT_TEST(local_logins_in_order)
{
	struct easyvpn_config cfg;
	struct aaa_result r;
	struct aaa *a;

	a = aaa_alice(&cfg);
	submit(a, 1, "alice", "right");
	submit(a, 2, "alice", "wrong");
	submit(a, 3, "mallory", "right");
	wait_result(a, &r);
	UNIT_ASSERT_EQ_INT(r.id, 1);
	UNIT_ASSERT(r.ok);
	UNIT_ASSERT_EQ_STR(r.group, "sales");
	UNIT_ASSERT_EQ_INT(r.source, AAA_SRC_LOCAL);
	wait_result(a, &r);
	UNIT_ASSERT_EQ_INT(r.id, 2);
	UNIT_ASSERT(!r.ok);
	UNIT_ASSERT_EQ_STR(r.reason, "wrong password (local database)");
	wait_result(a, &r);
	UNIT_ASSERT_EQ_INT(r.id, 3);
	UNIT_ASSERT(!r.ok);
	UNIT_ASSERT_EQ_STR(r.group, "");
	UNIT_ASSERT_EQ_INT(aaa_take_result(a, &r), 0);

	/* a new database replaces the old one */
	aaa_set_userdb(a, make_db("bob", "eng", "pw2"));
	submit(a, 4, "alice", "right");
	submit(a, 5, "bob", "pw2");
	wait_result(a, &r);
	UNIT_ASSERT(!r.ok);
	wait_result(a, &r);
	UNIT_ASSERT(r.ok);
	UNIT_ASSERT_EQ_STR(r.group, "eng");
	aaa_drain(a);
	aaa_free(a);
}

/* Logins checked on three threads at once: each answered once, under its
 * own id, with its own verdict, while the database is replaced under them
 * (ASan sees a database freed while a thread still reads it). */
UNIT_TEST(local_checks_on_several_threads)
{
	static const char *const pw[] = { "right", "wrong", "right" };
	static const char *const who[] = { "alice", "alice", "mallory" };
	bool seen[60] = { false };
	struct easyvpn_config cfg;
	struct aaa_result r;
	struct evs_err err;
	struct aaa *a;

	memset(&cfg, 0, sizeof(cfg));
	cfg.aaa.local_threads = 3;
	a = aaa_new(&cfg, make_db("alice", "sales", "right"), 0, &err);
	UNIT_ASSERT(a);
	UNIT_ASSERT_EQ_INT(aaa_local_threads(a), 3);
	for (uint32_t id = 0; id < 60; id++) {
		submit(a, id, who[id % 3], pw[id % 3]);
		if (id == 30)	/* same users, alice's group now eng */
			aaa_set_userdb(a, make_db("alice", "eng", "right"));
	}
	for (unsigned n = 0; n < 60; n++) {
		wait_result(a, &r);
		UNIT_ASSERT(r.id < 60);
		UNIT_ASSERT(!seen[r.id]);
		seen[r.id] = true;
		UNIT_ASSERT_EQ_INT(r.ok, r.id % 3 == 0);
		UNIT_ASSERT_EQ_STR(r.user, who[r.id % 3]);
		if (r.ok)
			UNIT_ASSERT(!strcmp(r.group, "sales") || !strcmp(r.group, "eng"));
		if (r.ok && r.id > 30)
			UNIT_ASSERT_EQ_STR(r.group, "eng");
	}
	UNIT_ASSERT_EQ_INT(aaa_take_result(a, &r), 0);
	UNIT_ASSERT(aaa_idle(a));
	aaa_free(a);

	/* by default, the CPUs this process may use, at most four */
	cfg.aaa.local_threads = 0;
	a = aaa_new(&cfg, make_db("alice", "sales", "right"), 0, &err);
	UNIT_ASSERT(a);
	UNIT_ASSERT(aaa_local_threads(a) >= 1);
	UNIT_ASSERT(aaa_local_threads(a) <= AAA_LOCAL_THREADS_DEFAULT_MAX);
	aaa_free(a);
}

/* Submits logins for alice until the worker's queue refuses one (the
 * worker takes one every argon2id run, far slower than this loop); how
 * many were taken before. */
static unsigned logins_until_refused(struct aaa *a)
{
	unsigned taken = 0;

	for (unsigned i = 0; i < 100000; i++) {
		struct aaa_request rq = { .id = i, .method = EZV_AUTH_LOCAL };

		strcpy(rq.user, "alice");
		memcpy(rq.pass, "right", 5);
		rq.pass_len = 5;
		if (aaa_submit_auth(a, &rq))
			return taken;
		taken++;
	}
	UNIT_FAIL("the login queue never filled");
	return taken;
}

/* The login queue holds as many logins as the engine lets sessions wait
 * for XAUTH (unauthenticated-max): a reconnect storm of 2,000 clients got
 * 1,388 "AAA queue full" refusals (XAUTH failures, to users with the right
 * password) from a fixed 256.  Still bounded; accounting has its own room. */
UNIT_TEST(login_queue_holds_unauthenticated_max)
{
	struct easyvpn_config cfg;
	struct radius_acct_info ai;
	struct evs_err err;
	struct aaa *a;
	unsigned taken;

	memset(&cfg, 0, sizeof(cfg));
	a = aaa_new(&cfg, make_db("alice", "sales", "right"), 2048, &err);
	UNIT_ASSERT(a);
	taken = logins_until_refused(a);
	UNIT_ASSERT(taken >= 2048);
	UNIT_ASSERT(taken < 2048 + 1000);
	/* a full login queue leaves accounting its own room */
	memset(&ai, 0, sizeof(ai));
	ai.type = RADIUS_ACCT_START;
	UNIT_ASSERT_EQ_INT(aaa_submit_acct(a, &ai), 0);
	aaa_free(a);

	a = aaa_new(&cfg, make_db("alice", "sales", "right"), 16, &err);
	UNIT_ASSERT(a);
	taken = logins_until_refused(a);
	UNIT_ASSERT(taken >= 16);
	UNIT_ASSERT(taken < 16 + 1000);
	aaa_free(a);
}

UNIT_TEST(radius_without_servers_refuses)
{
	struct easyvpn_config cfg;
	struct aaa_request rq = { .id = 9, .method = EZV_AUTH_RADIUS };
	struct aaa_result r;
	struct aaa *a;

	a = aaa_alice(&cfg);
	strcpy(rq.user, "alice");
	memcpy(rq.pass, "right", 5);
	rq.pass_len = 5;
	UNIT_ASSERT_EQ_INT(aaa_submit_auth(a, &rq), 0);
	wait_result(a, &r);
	UNIT_ASSERT(!r.ok);
	UNIT_ASSERT_EQ_INT(r.source, AAA_SRC_RADIUS);
	/* radius-local falls back to the file when no server answers */
	rq.method = EZV_AUTH_RADIUS_THEN_LOCAL;
	memcpy(rq.pass, "right", 5);
	rq.pass_len = 5;
	UNIT_ASSERT_EQ_INT(aaa_submit_auth(a, &rq), 0);
	wait_result(a, &r);
	UNIT_ASSERT(r.ok);
	UNIT_ASSERT_EQ_INT(r.source, AAA_SRC_LOCAL);
	UNIT_ASSERT(strstr(r.reason, "after no RADIUS server configured"));
	aaa_free(a);
}

UNIT_TEST(class_names_a_group)
{
	char g[64];

	UNIT_ASSERT(radius_class_group((const uint8_t *)"group=sales", 11, g, sizeof(g)));
	UNIT_ASSERT_EQ_STR(g, "sales");
	UNIT_ASSERT(radius_class_group((const uint8_t *)"OU=eng;", 7, g, sizeof(g)));
	UNIT_ASSERT_EQ_STR(g, "eng");
	UNIT_ASSERT(radius_class_group((const uint8_t *)"ops", 3, g, sizeof(g)));
	UNIT_ASSERT(!radius_class_group((const uint8_t *)"a b", 3, g, sizeof(g)));
	UNIT_ASSERT(!radius_class_group((const uint8_t *)"x\0y", 3, g, sizeof(g)));
	UNIT_ASSERT(!radius_class_group((const uint8_t *)"", 0, g, sizeof(g)));
}

UNIT_MAIN()
