// SPDX-License-Identifier: MIT
/* evsadm as a whole: global options, object dispatch and abbreviations,
 * per-object help, exit statuses and the exact error lines. */
#include <fcntl.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "evsadm/evsadm.h"

struct run {
	int rc;
	char out[8192];
	char err[2048];
	struct evsadm_opts opt;		/* the global options it ran with */
};

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
}

/* Run evsadm with stdout and stderr captured. */
static void run(struct run *r, int argc, const char **argv)
{
	struct evsadm ctx = { .out = stdout, .err = stderr };
	FILE *o = tmpfile(), *e = tmpfile();
	int so = dup(1), se = dup(2);

	if (!o || !e || so < 0 || se < 0)
		UNIT_FAIL("cannot capture output");
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(o), 1);
	dup2(fileno(e), 2);
	r->rc = evsadm_run(&ctx, argc, (char **)argv);
	r->opt = ctx.opt;
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(o, r->out, sizeof(r->out));
	slurp(e, r->err, sizeof(r->err));
	fclose(o);
	fclose(e);
}

#define RUN(r, ...) do {						\
		const char *argv_[] = { "evsadm", __VA_ARGS__, NULL };	\
		run((r), (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_); \
	} while (0)

UNIT_TEST(main_help_and_usage)
{
	struct run r;

	RUN(&r, "-h");
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	UNIT_ASSERT(strstr(r.out, "Usage: evsadm [OPTIONS] OBJECT"));
	RUN(&r, "help");
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	{
		const char *argv_[] = { "evsadm", NULL };

		run(&r, 1, argv_);
	}
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT(strstr(r.err, "Usage: evsadm"));
	UNIT_ASSERT_EQ_STR(r.out, "");
	RUN(&r, "-V");
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	UNIT_ASSERT(!strncmp(r.out, "evsadm ", 7));
	RUN(&r, "-x", "link");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: unknown option \"-x\"; try \"evsadm -h\"\n");
}

UNIT_TEST(unknown_and_ambiguous_objects)
{
	struct run r;

	RUN(&r, "frob");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: unknown object \"frob\"; one of version, link, sa, "
			   "policy, conn, route, proxy-arp, monitor, user, session, daemon, pool, "
			   "reload, ike, import-ios, client\n");
	RUN(&r, "p", "show");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT(!strncmp(r.err, "evsadm: ambiguous object \"p\"", 28));
}

/* The control-socket objects: words to a request, and errors named. */
static void ctl_parse(const char *const *argv, int argc, struct evsadm_ctl_req *req,
		      int want_rc, struct evs_err *e)
{
	int rc = evsadm_ctl_parse(argc, (char **)argv, req, e);

	if (rc != want_rc)
		UNIT_FAIL("%s %s: rc %d (%s)", argv[0], argc > 1 ? argv[1] : "", rc, e->msg);
}

#define CTL(req, rc, e, ...) do {						\
		const char *argv_[] = { __VA_ARGS__ };				\
		ctl_parse(argv_, (int)(sizeof(argv_) / sizeof(argv_[0])), (req), (rc), (e)); \
	} while (0)

UNIT_TEST(control_socket_objects_parse_to_requests)
{
	struct evsadm_ctl_req q;
	struct evs_err e;

	CTL(&q, 0, &e, "session", "show", "user", "alice", "-s", "-j");
	UNIT_ASSERT_EQ_STR(q.command, "session-show");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN),
			   "{\"user\":\"alice\"}");
	UNIT_ASSERT_EQ_INT(q.opt.stats, 1);
	UNIT_ASSERT(q.opt.json);
	json_object_put(q.args);
	CTL(&q, 0, &e, "session", "sh");
	UNIT_ASSERT_EQ_STR(q.command, "session-show");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN), "{}");
	json_object_put(q.args);
	CTL(&q, 0, &e, "session", "del", "id", "42");
	UNIT_ASSERT_EQ_STR(q.command, "session-del");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN),
			   "{\"id\":42}");
	json_object_put(q.args);
	CTL(&q, 0, &e, "session", "del", "address", "10.77.0.10");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN),
			   "{\"address\":\"10.77.0.10\"}");
	json_object_put(q.args);
	/* session del must name whom, and only one way */
	CTL(&q, -1, &e, "session", "del");
	UNIT_ASSERT(strstr(e.msg, "name the session"));
	json_object_put(q.args);
	CTL(&q, -1, &e, "session", "del", "group", "sales");
	UNIT_ASSERT(strstr(e.msg, "\"group\" is not a way"));
	json_object_put(q.args);
	CTL(&q, -1, &e, "session", "del", "user", "a", "id", "3");
	UNIT_ASSERT(strstr(e.msg, "one of user"));
	json_object_put(q.args);
	CTL(&q, -1, &e, "session", "show", "address", "10.77.0.300");
	json_object_put(q.args);
	/* a client's IPv6 address names its session too */
	CTL(&q, 0, &e, "session", "del", "address", "2001:db8:77::1:1");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN),
			   "{\"address\":\"2001:db8:77::1:1\"}");
	json_object_put(q.args);
	CTL(&q, -1, &e, "session", "show", "address", "2001:db8::77::1");
	UNIT_ASSERT(strstr(e.msg, "address"));
	json_object_put(q.args);
	CTL(&q, -1, &e, "session", "show", "id", "0");
	json_object_put(q.args);
	CTL(&q, -1, &e, "session", "show", "usr", "alice");
	UNIT_ASSERT(strstr(e.msg, "unknown keyword \"usr\""));
	json_object_put(q.args);
	CTL(&q, 0, &e, "pool", "show", "sales");
	UNIT_ASSERT_EQ_STR(q.command, "pool-show");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN),
			   "{\"name\":\"sales\"}");
	json_object_put(q.args);
	CTL(&q, 0, &e, "daemon", "show");
	UNIT_ASSERT_EQ_STR(q.command, "daemon-show");
	json_object_put(q.args);
	CTL(&q, 0, &e, "ike", "show");
	UNIT_ASSERT_EQ_STR(q.command, "ike-sa-show");
	json_object_put(q.args);
	CTL(&q, 0, &e, "reload");
	UNIT_ASSERT_EQ_STR(q.command, "reload");
	json_object_put(q.args);
	CTL(&q, -1, &e, "reload", "now");
	json_object_put(q.args);
}

#define CLI(req, rc, e, t, ...) do {						\
		const char *argv_[] = { "client", __VA_ARGS__ };		\
		int rc_ = evsadm_client_parse((int)(sizeof(argv_) / sizeof(argv_[0])), \
					      (char **)argv_, (req), (t), (e));	\
		if (rc_ != (rc))						\
			UNIT_FAIL("client %s: rc %d (%s)", argv_[1], rc_, (e)->msg); \
	} while (0)

UNIT_TEST(client_object_parses_to_requests)
{
	struct evsadm_ctl_req q;
	struct evs_err e;
	unsigned t;

	CLI(&q, 0, &e, &t, "show");
	UNIT_ASSERT_EQ_STR(q.command, "client-show");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN), "{}");
	json_object_put(q.args);
	CLI(&q, 0, &e, &t, "sh", "gw", "-j");
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(q.args, JSON_C_TO_STRING_PLAIN),
			   "{\"peer\":\"gw\"}");
	UNIT_ASSERT(q.opt.json);
	json_object_put(q.args);
	CLI(&q, 0, &e, &t, "connect", "gw");
	UNIT_ASSERT_EQ_STR(q.command, "client-connect");
	json_object_put(q.args);
	CLI(&q, 0, &e, &t, "disconnect", "gw");
	UNIT_ASSERT_EQ_STR(q.command, "client-disconnect");
	json_object_put(q.args);
	CLI(&q, 0, &e, &t, "xauth", "gw");
	UNIT_ASSERT_EQ_STR(q.command, "client-xauth");
	UNIT_ASSERT_EQ_INT(t, 120);
	json_object_put(q.args);
	CLI(&q, 0, &e, &t, "xauth", "gw", "timeout", "30");
	UNIT_ASSERT_EQ_INT(t, 30);
	json_object_put(q.args);
	/* connect, disconnect and xauth name the peer, once */
	CLI(&q, -1, &e, &t, "connect");
	UNIT_ASSERT(strstr(e.msg, "name the peer"));
	json_object_put(q.args);
	CLI(&q, -1, &e, &t, "disconnect", "gw", "other");
	UNIT_ASSERT(strstr(e.msg, "unexpected \"other\""));
	json_object_put(q.args);
	CLI(&q, -1, &e, &t, "xauth", "gw", "timeout", "0");
	json_object_put(q.args);
	CLI(&q, -1, &e, &t, "show", "gw", "timeout", "5");
	json_object_put(q.args);
	CLI(&q, -1, &e, &t, "frob");
	json_object_put(q.args);
}

UNIT_TEST(control_socket_objects_abbreviate_without_taking_old_ones)
{
	struct run r;

	/* "s" stays sa, "po" policy, "r" route: their old meaning. */
	RUN(&r, "s", "help");
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	UNIT_ASSERT(strstr(r.out, "evsadm sa add"));
	RUN(&r, "po", "help");
	UNIT_ASSERT(strstr(r.out, "evsadm policy add"));
	RUN(&r, "r", "help");
	UNIT_ASSERT(strstr(r.out, "evsadm route add"));
	/* no daemon at that path: exit 1, the path and a hint */
	RUN(&r, "--socket", "/nonexistent/evsd.sock", "se", "show");
	UNIT_ASSERT_EQ_INT(r.rc, 1);
	UNIT_ASSERT(strstr(r.err, "/nonexistent/evsd.sock"));
	UNIT_ASSERT(strstr(r.err, "is evsd running?"));
	RUN(&r, "--socket", "/nonexistent/evsd.sock", "pool", "show");
	UNIT_ASSERT_EQ_INT(r.rc, 1);
	RUN(&r, "session", "help");
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	UNIT_ASSERT(strstr(r.out, "evsadm session del { user NAME"));
	RUN(&r, "session", "del");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	RUN(&r, "--socket");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
}

UNIT_TEST(per_object_help)
{
	static const char *const objs[][2] = {
		{ "sa", "evsadm sa add dev DEV dir {in|out} spi SPI src ADDR dst ADDR" },
		{ "policy", "evsadm policy add dev DEV dir {in|out} src PREFIX dst PREFIX" },
		{ "conn", "evsadm conn add ID [label TEXT]" },
		{ "route", "evsadm route add PREFIX dev DEV conn ID [metric N] [table TABLE]" },
		{ "proxy-arp", "evsadm proxy-arp {on|off} dev LANDEV" },
		{ "link", "evsadm link show [dev DEV]" },
		{ "monitor", "evsadm monitor" },
		{ "version", "evsadm version" },
	};
	struct run r;

	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		RUN(&r, objs[i][0], "help");
		UNIT_ASSERT_EQ_INT(r.rc, 0);
		if (!strstr(r.out, objs[i][1]))
			UNIT_FAIL("%s help lacks \"%s\"", objs[i][0], objs[i][1]);
		RUN(&r, objs[i][0], "-h");
		UNIT_ASSERT_EQ_INT(r.rc, 0);
		UNIT_ASSERT(strstr(r.out, objs[i][1]));
	}
	RUN(&r, "sa", "add", "--help");
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	UNIT_ASSERT(strstr(r.out, "LIMIT := {bytes-soft|"));
	RUN(&r, "pr", "-h");		/* abbreviated object */
	UNIT_ASSERT_EQ_INT(r.rc, 0);
	UNIT_ASSERT(strstr(r.out, "proxy-arp add ADDR dev LANDEV conn ID"));
}

UNIT_TEST(usage_errors_exit_2_naming_the_word)
{
	struct run r;

	RUN(&r, "sa", "add", "dev", "evs0", "dir", "out", "spi", "zz");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: sa add: \"spi\" expects a number, got \"zz\"\n");
	UNIT_ASSERT_EQ_STR(r.out, "");
	RUN(&r, "s", "a", "dev", "evs0", "dir", "up");	/* abbreviations, canonical in message */
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: sa add: \"dir\" expects \"in\" or \"out\", got \"up\"\n");
	RUN(&r, "sa", "frob");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: sa: unknown command \"frob\" for \"sa\"; one of add, "
			   "update, del, get, show, list or flush\n");
	RUN(&r, "sa");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: sa: missing command; one of add, update, del, get, "
			   "show, list or flush\n");
	RUN(&r, "policy", "add", "dev", "evs0", "dir", "in", "src", "10.0.0.0/8", "dst", "x", "drop");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: policy add: \"dst\" expects an IP prefix (ADDR[/LEN]), got \"x\"\n");
	RUN(&r, "conn", "del", "abc");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: conn del: ID expects a number, got \"abc\"\n");
	RUN(&r, "route", "add", "10.77.0.5", "dev", "evs0");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: route add: missing \"conn ID\" (a route lives and dies with its connection)\n");
	RUN(&r, "proxy-arp", "add", "192.168.77.300", "dev", "lan0", "conn", "1");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: proxy-arp add: ADDR expects an IP address, got \"192.168.77.300\"\n");
	RUN(&r, "monitor", "all");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: monitor: unexpected \"all\"\n");
	RUN(&r, "version", "now");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	RUN(&r, "link", "show", "dev", "a/b");
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: link show: \"dev\" expects an interface name, got \"a/b\"\n");
}

UNIT_TEST(runtime_errors_exit_1)
{
	struct run r;

	/* A device that does not exist: checked before the kernel is asked. */
	RUN(&r, "sa", "del", "dev", "nosuchdev0", "dir", "in", "spi", "300");
	UNIT_ASSERT_EQ_INT(r.rc, 1);
	UNIT_ASSERT_EQ_STR(r.err, "evsadm: sa del: device \"nosuchdev0\" does not exist\n");
	/* The host test machine never has evs.ko loaded; where it is, the
	 * command succeeds and prints JSON instead. */
	RUN(&r, "-j", "version");
	if (r.rc == 0) {
		UNIT_ASSERT(strstr(r.out, "\"module\":"));
	} else {
		UNIT_ASSERT_EQ_INT(r.rc, 1);
		UNIT_ASSERT_EQ_STR(r.err, "evsadm: evs kernel module not loaded (try: modprobe evs)\n");
	}
	RUN(&r, "version");
	UNIT_ASSERT(!strncmp(r.out, "evsadm ", 7));	/* our version even without the module */
}

UNIT_TEST(keys_blanked_in_argv)
{
	char k1[] = "0x000102030405060708090a0b0c0d0e0f10111213";
	char k2[] = "0x000102030405060708090a0b0c0d0e0f";
	char *argv[] = { "evsadm", "sa", "add", "dev", "nosuchdev0", "dir", "out", "spi", "300",
			 "src", "10.0.0.1", "dst", "10.0.0.2", "aead", "rfc4106(gcm(aes))", k1, "128",
			 NULL };
	char *argv2[] = { "evsadm", "sa", "add", "dev", "evs0", "enc", "cbc(aes)", k2, "spi", "zz",
			  NULL };
	struct run r;

	run(&r, 17, (const char **)argv);
	UNIT_ASSERT_EQ_INT(r.rc, 1);	/* no such device, after parsing */
	UNIT_ASSERT_EQ_STR(k1, "0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	/* Even when the command line is rejected. */
	run(&r, 10, (const char **)argv2);
	UNIT_ASSERT_EQ_INT(r.rc, 2);
	UNIT_ASSERT_EQ_STR(k2, "0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	UNIT_ASSERT_EQ_STR(argv2[6], "cbc(aes)");
}

UNIT_TEST(global_option_spellings)
{
	const struct evsadm_opts *o;
	struct run r;

	RUN(&r, "-j", "-s", "-s", "-p", "sa", "bogus");
	o = &r.opt;
	UNIT_ASSERT(o->json && o->pretty);
	UNIT_ASSERT_EQ_INT(o->stats, 2);
	RUN(&r, "--json", "-stat", "sa", "bogus");
	o = &r.opt;
	UNIT_ASSERT(o->json && !o->pretty);
	UNIT_ASSERT_EQ_INT(o->stats, 1);
	RUN(&r, "-pretty", "sa", "bogus");
	o = &r.opt;
	UNIT_ASSERT(o->json && o->pretty);	/* -p implies -j */
	UNIT_ASSERT_EQ_INT(o->stats, 0);
}

UNIT_MAIN()
