// SPDX-License-Identifier: GPL-2.0
/*
 * Random attribute sets at every command of the "evs" family: every
 * refusal must carry an extack message or attribute offset, nothing may
 * WARN (scripts/run-selftests checks the kernel log), and afterwards the
 * objects are all gone and the module unloads.
 *
 * evs-selftest-timeout: 900
 *
 * Each request is a command (any number, handled or not), NLM_F_DUMP or
 * not, and a random set of top-level attributes; nests get random inner
 * attributes whose payloads are random bytes of the common sizes, IPv4
 * addresses or algorithm names, so that some requests get past the
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
	long seconds;
	uint8_t cmd;
	time_t end;
	int ret, i;

	evs_t_fuzz_start("nl_fuzz", &seconds);
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_sh("ip link set lo up && ip link add evs0 type evs &&"
			    " ip link set evs0 up && ip link add lan0 type veth peer name lan1 &&"
			    " ip addr add 198.51.100.1/24 dev lan0 && ip link set lan0 up &&"
			    " ip addr add 192.168.77.1/24 dev evs0"));
	ASSERT_EQ(0, evs_nl_open(&nl));

	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		if (sent % 500 == 0)
			seed_objects(&nl, 1 + evs_t_rnd_below(4));
		nlh = random_request(&nl, &cmd);
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
	evs_nl_close(&nl);
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
