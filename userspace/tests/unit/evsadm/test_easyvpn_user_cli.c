// SPDX-License-Identifier: MIT
/* evsadm user: command-line grammar (no I/O). */
#include <string.h>

#include "evsadm/evsadm.h"
#include "evsadm/user.h"
#include "tests/unit/unit.h"

static int parse(struct evsadm_user_req *r, struct evs_err *e, const char *line)
{
	char buf[512], *argv[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && argc < 32; t = strtok(NULL, " "))
		argv[argc++] = t;
	return evsadm_user_parse(argc, argv, r, e);
}

UNIT_TEST(grammar)
{
	struct evsadm_user_req r;
	struct evs_err e;

	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user add alice group sales"), 0);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_USER_ADD);
	UNIT_ASSERT_EQ_STR(r.name, "alice");
	UNIT_ASSERT_EQ_STR(r.group, "sales");
	UNIT_ASSERT_EQ_STR(r.file, USERDB_PATH);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user passwd bob file /tmp/u cost moderate"), 0);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_USER_PASSWD);
	UNIT_ASSERT_EQ_STR(r.file, "/tmp/u");
	UNIT_ASSERT_EQ_INT(r.cost, USERDB_COST_MODERATE);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user show"), 0);
	UNIT_ASSERT_EQ_STR(r.name, "");
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user show file /x"), 0);
	UNIT_ASSERT_EQ_STR(r.name, "");
	UNIT_ASSERT_EQ_STR(r.file, "/x");
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user del carol"), 0);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_USER_DEL);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user sh alice"), 0);	/* prefix */
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_USER_SHOW);
}

UNIT_TEST(refusals)
{
	struct evsadm_user_req r;
	struct evs_err e;

	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user add alice"), -1);
	UNIT_ASSERT(strstr(e.msg, "missing \"group GROUP\""));
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user add alice group sales password hunter2"), -1);
	UNIT_ASSERT(strstr(e.msg, "not taken on the command line"));
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user add a:b group sales"), -1);
	UNIT_ASSERT(strstr(e.msg, "invalid user name"));
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user add a group s@les"), -1);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user add a group s group t"), -1);
	UNIT_ASSERT(strstr(e.msg, "twice"));
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user del"), -1);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user passwd a cost huge"), -1);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user del a group g"), -1);
	UNIT_ASSERT_EQ_INT(parse(&r, &e, "user frobnicate"), -1);
}

UNIT_MAIN()
