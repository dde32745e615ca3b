// SPDX-License-Identifier: GPL-2.0
/*
 * Random attribute sets at every command of the "evs" family: every
 * refusal must carry an extack message or attribute offset, nothing may
 * WARN (scripts/run-selftests checks the kernel log), and afterwards the
 * objects are all gone and the module unloads.
 *
 * evs-selftest-timeout: 900
 *
 * Half the requests are random: a command (any number, handled or not),
 * NLM_F_DUMP or not, and a random set of top-level attributes; nests get
 * random inner attributes whose payloads are random bytes of the common
 * sizes, IPv4 addresses or algorithm names.  The other half are shaped:
 * the usual attributes of the command with plausible values, some left
 * out and some replaced by random ones, so that they get past the
 * policies and into the handlers.  A few real objects (a connection, SAs,
 * policies) are added now and then so that lookups find something.
 *
 * EVS_FUZZ_SECONDS (default 30) sets the duration, EVS_FUZZ_SEED the seed
 * (default: from the clock); the seed is printed so a failure reproduces.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <kselftest_harness.h>

#include "evs_nl.h"
#include "evs_esp_util.h"

static const char * const names[] = {
	"rfc4106(gcm(aes))", "rfc7539esp(chacha20,poly1305)", "cbc(aes)",
	"hmac(sha256)", "hmac(sha1)", "ecb(cipher_null)", "digest_null",
	"cbc(des3_ede)", "hmac(md5)", "evs0", "lan0", "lo", "nonexistent",
};

/* One attribute of @type with a random payload. */
static void put_random(struct nlmsghdr *nlh, uint16_t type)
{
	static const int sizes[] = { 0, 1, 2, 4, 8, 16, 3, 5, 20, 36 };
	uint8_t buf[600];
	uint32_t addr;
	int len, i;

	switch (evs_t_rnd_below(8)) {
	case 0: {
		const char *s = names[evs_t_rnd_below(sizeof(names) / sizeof(names[0]))];

		mnl_attr_put_strz(nlh, type, s);
		return;
	}
	case 1:				/* an address of the test ranges */
		addr = htonl((evs_t_rnd_below(2) ? 0xc6336400 : 0x0a4d0000) |
			     evs_t_rnd_below(512));
		mnl_attr_put(nlh, type, 4, &addr);
		return;
	case 2:				/* small numbers */
		mnl_attr_put_u32(nlh, type, evs_t_rnd_below(4) == 0 ? 0 :
				 evs_t_rnd_below(2) ? 0x4000 + evs_t_rnd_below(8) : evs_t_rnd_below(300));
		return;
	case 3:
		len = evs_t_rnd_below(sizeof(buf));
		break;
	default:
		len = sizes[evs_t_rnd_below(sizeof(sizes) / sizeof(sizes[0]))];
		break;
	}
	for (i = 0; i < len; i++)
		buf[i] = evs_t_rnd_below(4) ? evs_t_rnd() : 0;
	mnl_attr_put(nlh, type, len, buf);
}

static void put_nest(struct nlmsghdr *nlh, uint16_t type, int max, int depth)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	int n = evs_t_rnd_below(12), i;

	for (i = 0; i < n; i++) {
		uint16_t t = evs_t_rnd_below(max + 3);

		/* EVS_SA_A_LIMITS is a nest inside the SA nest. */
		if (depth == 0 && evs_t_rnd_below(6) == 0)
			put_nest(nlh, t, EVS_LFT_A_MAX, 1);
		else
			put_random(nlh, t);
	}
	mnl_attr_nest_end(nlh, nest);
}

static const struct { uint16_t type; int max; } nests[] = {
	{ EVS_A_SA, EVS_SA_A_MAX }, { EVS_A_POLICY, EVS_POL_A_MAX },
	{ EVS_A_CONN, EVS_CONN_A_MAX }, { EVS_A_ROUTE, EVS_ROUTE_A_MAX },
	{ EVS_A_PROXY_ARP, EVS_PARP_A_MAX },
};

/* Well-formed requests, then bent: each attribute of a command's usual
 * set is left out now and then and sometimes given a random payload, so
 * that requests reach the handlers and their checks, not only the
 * policies.
 */
enum kind { K_U8, K_U16, K_U32, K_U64, K_ADDR, K_STR, K_EMPTY, K_NEST };

struct field {
	uint16_t type;
	uint8_t kind;
	uint32_t lo, span;	/* numbers: lo + random below span */
	const char *str;	/* K_STR */
};

#define F(t, k, l, n)	{ .type = (t), .kind = (k), .lo = (l), .span = (n) }
#define FS(t, v)	{ .type = (t), .kind = K_STR, .str = (v) }

static const struct field sa_fields[] = {
	F(EVS_SA_A_DIR, K_U8, 0, 3), F(EVS_SA_A_SPI, K_U32, 0x4000, 8),
	F(EVS_SA_A_FAMILY, K_U16, 2, 1), F(EVS_SA_A_SRC, K_ADDR, 0, 0),
	F(EVS_SA_A_DST, K_ADDR, 0, 0), FS(EVS_SA_A_ENC_NAME, "ecb(cipher_null)"),
	F(EVS_SA_A_ENC_KEY, K_EMPTY, 0, 0), FS(EVS_SA_A_AUTH_NAME, "digest_null"),
	F(EVS_SA_A_AUTH_KEY, K_EMPTY, 0, 0), F(EVS_SA_A_REPLAY_WINDOW, K_U32, 0, 5000),
	F(EVS_SA_A_ENCAP_TYPE, K_U8, 0, 3), F(EVS_SA_A_ENCAP_SPORT, K_U16, 4500, 2),
	F(EVS_SA_A_ENCAP_DPORT, K_U16, 4500, 2), F(EVS_SA_A_FLAGS, K_U32, 0, 4),
	F(EVS_SA_A_CONN_ID, K_U32, 0, 6), F(EVS_SA_A_OSEQ, K_U64, 0, 0xffffffff),
	F(EVS_SA_A_LIMITS, K_NEST, 0, 0),
};

static const struct field pol_fields[] = {
	F(EVS_POL_A_DIR, K_U8, 0, 3), F(EVS_POL_A_FAMILY, K_U16, 2, 1),
	F(EVS_POL_A_SRC, K_ADDR, 0, 0), F(EVS_POL_A_SRC_PLEN, K_U8, 0, 34),
	F(EVS_POL_A_DST, K_ADDR, 0, 0), F(EVS_POL_A_DST_PLEN, K_U8, 0, 34),
	F(EVS_POL_A_PROTO, K_U8, 0, 18), F(EVS_POL_A_SPORT, K_U16, 0, 3),
	F(EVS_POL_A_DPORT, K_U16, 0, 3), F(EVS_POL_A_ACTION, K_U8, 0, 4),
	F(EVS_POL_A_SPI, K_U32, 0x4000, 8), F(EVS_POL_A_PRIORITY, K_U32, 0, 3),
	F(EVS_POL_A_CONN_ID, K_U32, 0, 6),
};

static const struct field conn_fields[] = {
	F(EVS_CONN_A_ID, K_U32, 0, 7), FS(EVS_CONN_A_LABEL, "user@example"),
};

static const struct field route_fields[] = {
	F(EVS_ROUTE_A_FAMILY, K_U16, 2, 1), F(EVS_ROUTE_A_DST, K_ADDR, 0, 0),
	F(EVS_ROUTE_A_PLEN, K_U8, 0, 34), F(EVS_ROUTE_A_METRIC, K_U32, 0, 3),
	F(EVS_ROUTE_A_TABLE, K_U32, 253, 3), F(EVS_ROUTE_A_CONN_ID, K_U32, 0, 6),
};

static const struct field parp_fields[] = {
	F(EVS_PARP_A_ADDR, K_ADDR, 0, 0), F(EVS_PARP_A_CONN_ID, K_U32, 0, 6),
	F(EVS_PARP_A_ENABLE, K_U8, 0, 3),
};

static void put_field(struct nlmsghdr *nlh, const struct field *f)
{
	uint32_t v = f->lo + (f->span ? evs_t_rnd_below(f->span) : 0);
	uint32_t addr;
	struct nlattr *n;

	if (evs_t_rnd_below(10) == 0) {
		put_random(nlh, f->type);
		return;
	}
	switch (f->kind) {
	case K_U8:
		mnl_attr_put_u8(nlh, f->type, v);
		break;
	case K_U16:
		mnl_attr_put_u16(nlh, f->type, v);
		break;
	case K_U32:
		mnl_attr_put_u32(nlh, f->type, v);
		break;
	case K_U64:
		mnl_attr_put_u64(nlh, f->type, v);
		break;
	case K_ADDR:
		addr = htonl((evs_t_rnd_below(2) ? 0xc6336400 : 0x0a4d0000) |
			     evs_t_rnd_below(4));
		mnl_attr_put(nlh, f->type, 4, &addr);
		break;
	case K_STR:
		mnl_attr_put_strz(nlh, f->type, f->str);
		break;
	case K_EMPTY:
		mnl_attr_put(nlh, f->type, 0, NULL);
		break;
	case K_NEST:			/* lifetimes: a few seconds or packets */
		n = mnl_attr_nest_start(nlh, f->type);
		mnl_attr_put_u64(nlh, EVS_LFT_A_BYTES_SOFT + evs_t_rnd_below(8),
				 evs_t_rnd_below(5));
		mnl_attr_nest_end(nlh, n);
		break;
	}
}

static void put_fields(struct nlmsghdr *nlh, uint16_t type,
		       const struct field *f, int n)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	int i;

	for (i = 0; i < n; i++)
		if (evs_t_rnd_below(8))
			put_field(nlh, &f[i]);
	mnl_attr_nest_end(nlh, nest);
}

#define PUT_FIELDS(nlh, type, f) put_fields(nlh, type, f, sizeof(f) / sizeof((f)[0]))

static struct nlmsghdr *shaped_request(struct evs_nl *nl, uint8_t *cmd,
				       int udp_fd)
{
	struct nlmsghdr *nlh;

	*cmd = 1 + evs_t_rnd_below(EVS_CMD_ENCAP_DETACH);
	nlh = evs_nl_req(nl, *cmd, evs_t_rnd_below(8) == 0 ? NLM_F_DUMP : 0);
	if (evs_t_rnd_below(8))
		mnl_attr_put_strz(nlh, EVS_A_IFNAME, "evs0");
	switch (*cmd) {
	case EVS_CMD_SA_ADD ... EVS_CMD_SA_FLUSH:
		PUT_FIELDS(nlh, EVS_A_SA, sa_fields);
		break;
	case EVS_CMD_POLICY_ADD ... EVS_CMD_POLICY_FLUSH:
		PUT_FIELDS(nlh, EVS_A_POLICY, pol_fields);
		break;
	case EVS_CMD_CONN_ADD ... EVS_CMD_CONN_FLUSH:
		PUT_FIELDS(nlh, EVS_A_CONN, conn_fields);
		break;
	case EVS_CMD_ROUTE_ADD ... EVS_CMD_ROUTE_GET: {
		struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_ROUTE);
		int i;

		for (i = 0; i < (int)(sizeof(route_fields) / sizeof(route_fields[0])); i++)
			if (evs_t_rnd_below(8))
				put_field(nlh, &route_fields[i]);
		if (evs_t_rnd_below(2))
			mnl_attr_put_u32(nlh, EVS_ROUTE_A_IFINDEX, if_nametoindex("evs0"));
		mnl_attr_nest_end(nlh, n);
		break;
	}
	case EVS_CMD_PROXY_ARP_ADD ... EVS_CMD_PROXY_ARP_SET: {
		struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_PROXY_ARP);
		int i;

		for (i = 0; i < (int)(sizeof(parp_fields) / sizeof(parp_fields[0])); i++)
			if (evs_t_rnd_below(8))
				put_field(nlh, &parp_fields[i]);
		if (evs_t_rnd_below(8))
			mnl_attr_put_u32(nlh, EVS_PARP_A_IFINDEX, if_nametoindex("lan0"));
		mnl_attr_nest_end(nlh, n);
		break;
	}
	case EVS_CMD_ENCAP_ATTACH:
		mnl_attr_put_u32(nlh, EVS_A_ENCAP_FD, evs_t_rnd_below(2) ? udp_fd :
				 evs_t_rnd_below(12));
		break;
	}
	return nlh;
}

static struct nlmsghdr *random_request(struct evs_nl *nl, uint8_t *cmd)
{
	struct nlmsghdr *nlh;
	int n, i, k;

	*cmd = evs_t_rnd_below(EVS_CMD_MAX + 3);
	nlh = evs_nl_req(nl, *cmd, evs_t_rnd_below(4) == 0 ? NLM_F_DUMP : 0);
	n = evs_t_rnd_below(6);
	for (i = 0; i < n; i++) {
		k = evs_t_rnd_below(10);
		if (k < 5) {
			put_nest(nlh, nests[k].type, nests[k].max, 0);
		} else if (k == 5) {
			mnl_attr_put_strz(nlh, EVS_A_IFNAME, evs_t_rnd_below(2) ? "evs0" : "lan0");
		} else if (k == 6) {
			mnl_attr_put_u32(nlh, EVS_A_IFINDEX, evs_t_rnd_below(2) ?
					 if_nametoindex("evs0") : evs_t_rnd_below(8));
		} else if (k == 7) {
			mnl_attr_put_u32(nlh, EVS_A_ENCAP_FD, evs_t_rnd_below(12));
		} else {
			put_random(nlh, evs_t_rnd_below(EVS_A_MAX + 3));
		}
	}
	return nlh;
}

/* A connection with an SA pair and policies, so that lookups, deletes and
 * updates find real objects.
 */
static void seed_objects(struct evs_nl *nl, uint32_t conn)
{
	struct evs_t_sa sa = {
		.src = "198.51.100.1", .dst = "198.51.100.2",
		.enc = "ecb(cipher_null)", .enc_key = "", .auth = "digest_null",
		.auth_key = "", .replay_window = 32,
	};
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_CONN_ADD, 0);
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, EVS_A_CONN);
	mnl_attr_put_u32(nlh, EVS_CONN_A_ID, conn);
	mnl_attr_put_strz(nlh, EVS_CONN_A_LABEL, "fuzz");
	mnl_attr_nest_end(nlh, nest);
	evs_nl_talk(nl, nlh, NULL, NULL);
	sa.dir = EVS_DIR_OUT;
	sa.spi = 0x4000 + conn % 8;
	evs_t_sa_add(nl, &sa);
	sa.dir = EVS_DIR_IN;
	sa.src = "198.51.100.2";
	sa.dst = "198.51.100.1";
	evs_t_sa_add(nl, &sa);
	evs_t_policy_add(nl, EVS_DIR_IN, "10.77.0.0", 24, "192.168.77.0", 24,
			 0x4000 + conn % 8);
	evs_t_policy_add(nl, EVS_DIR_OUT, "192.168.77.0", 24, "10.77.0.0", 24,
			 0x4000 + conn % 8);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

static int dump_count(struct evs_nl *nl, uint8_t cmd)
{
	int n = 0;

	if (evs_nl_talk(nl, evs_nl_req(nl, cmd, NLM_F_DUMP), count_cb, &n))
		return -1;
	return n;
}

/* The first refusals without extack, by command and error. */
struct quiet {
	int n;
	uint8_t cmd[16];
	int err[16];
};

FIXTURE(nl) {
};

FIXTURE_SETUP(nl)
{
}

FIXTURE_TEARDOWN(nl)
{
}

TEST_F_TIMEOUT(nl, random_attributes, 7200)
{
	uint64_t sent = 0, ok = 0, refused = 0;
	unsigned int per_cmd[EVS_CMD_MAX + 3][2] = {};
	struct quiet q = {};
	struct nlmsghdr *nlh;
	struct evs_nl nl;
	int ret, i, udp_fd;
	long seconds;
	uint8_t cmd;
	time_t end;

	evs_t_fuzz_start("nl_fuzz", &seconds);
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_sh("ip link set lo up && ip link add evs0 type evs &&"
			    " ip link set evs0 up && ip link add lan0 type veth peer name lan1 &&"
			    " ip addr add 198.51.100.1/24 dev lan0 && ip link set lan0 up &&"
			    " ip addr add 192.168.77.1/24 dev evs0"));
	ASSERT_EQ(0, evs_t_nl_open(&nl));
	udp_fd = evs_t_udp_socket(4500);
	ASSERT_LE(0, udp_fd);

	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		if (sent % 500 == 0)
			seed_objects(&nl, 1 + evs_t_rnd_below(4));
		nlh = evs_t_rnd_below(2) ? shaped_request(&nl, &cmd, udp_fd) :
					   random_request(&nl, &cmd);
		ret = evs_nl_talk(&nl, nlh, NULL, NULL);
		sent++;
		per_cmd[cmd][ret != 0]++;
		if (!ret) {
			ok++;
			continue;
		}
		refused++;
		/* No handler for the command (events, unknown numbers, a
		 * doit asked of a dump-only command): the genetlink core
		 * refuses before evs sees it.
		 */
		if (ret == -EOPNOTSUPP || ret == -ENOMEM)
			continue;
		if (!nl.err_msg[0] && !nl.err_offset && q.n < 16) {
			q.cmd[q.n] = cmd;
			q.err[q.n++] = ret;
		}
	}
	printf("# nl_fuzz: %llu requests, %llu accepted, %llu refused\n",
	       (unsigned long long)sent, (unsigned long long)ok,
	       (unsigned long long)refused);
	for (i = 0; i <= EVS_CMD_MAX + 2; i++)
		if (per_cmd[i][0] || per_cmd[i][1])
			printf("# nl_fuzz: command %d: %u accepted, %u refused\n",
			       i, per_cmd[i][0], per_cmd[i][1]);
	fflush(stdout);
	for (i = 0; i < q.n; i++)
		TH_LOG("refusal without extack: command %u, %s",
		       q.cmd[i], strerror(-q.err[i]));
	EXPECT_EQ(0, q.n);

	/* Everything made can be taken away again. */
	EXPECT_EQ(0, evs_nl_talk(&nl, evs_nl_req(&nl, EVS_CMD_CONN_FLUSH, 0), NULL, NULL));
	EXPECT_EQ(0, evs_nl_talk(&nl, evs_nl_req(&nl, EVS_CMD_SA_FLUSH, 0), NULL, NULL));
	EXPECT_EQ(0, evs_nl_talk(&nl, evs_nl_req(&nl, EVS_CMD_POLICY_FLUSH, 0), NULL, NULL));
	evs_nl_talk(&nl, evs_nl_req(&nl, EVS_CMD_ENCAP_DETACH, 0), NULL, NULL);
	EXPECT_EQ(0, dump_count(&nl, EVS_CMD_SA_GET));
	EXPECT_EQ(0, dump_count(&nl, EVS_CMD_POLICY_GET));
	EXPECT_EQ(0, dump_count(&nl, EVS_CMD_CONN_GET));
	EXPECT_EQ(0, dump_count(&nl, EVS_CMD_ROUTE_GET));
	EXPECT_EQ(0, dump_count(&nl, EVS_CMD_PROXY_ARP_GET));
	evs_t_nl_close(&nl);
	close(udp_fd);
}

/* The fuzzed namespace is gone with its process: nothing it made may keep
 * the module (an SA never freed would make the unload wait forever).
 */
TEST_F_TIMEOUT(nl, module_unloads_clean, 600)
{
	ASSERT_EQ(0, evs_ensure_module());
	EXPECT_EQ(0, evs_sh("for i in $(seq 60); do timeout 120 rmmod evs 2>/dev/null && exit 0;"
			    " sleep 1; done; exit 1"));
	EXPECT_EQ(0, evs_ensure_module());
}

TEST_HARNESS_MAIN
