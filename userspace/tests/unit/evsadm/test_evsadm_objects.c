// SPDX-License-Identifier: MIT
/* evsadm policy, conn, route, proxy-arp, link: grammar accepted and
 * rejected, messages built (walked back with libmnl), JSON shape. */
#include <arpa/inet.h>

#include "tests/unit/evsadm/run_words.h"
#include "tests/unit/nl_walk.h"
#include "tests/unit/unit.h"
#include "evsadm/evsadm.h"

#define OK(fn, line, req) do {						\
		struct evs_err e_ = { "" };				\
		if (run_parse((parse_fn)(fn), (line), (req), &e_))	\
			UNIT_FAIL("rejected: %s: %s", (line), e_.msg);	\
	} while (0)

#define BAD(fn, line, want) do {						\
		union { struct evsadm_policy_req p; struct evsadm_conn_req c;	\
			struct evsadm_route_req r; struct evsadm_parp_req a;	\
			struct evsadm_link_req l; } req_;		\
		struct evs_err e_ = { "" };				\
		if (!run_parse((parse_fn)(fn), (line), &req_, &e_))	\
			UNIT_FAIL("accepted: %s", (line));		\
		if (strcmp(e_.msg, (want)))				\
			UNIT_FAIL("%s:\n#     got  \"%s\"\n#     want \"%s\"", (line), e_.msg, (want)); \
	} while (0)

static uint8_t cmd_of(const struct nlmsghdr *nlh)
{
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd;
}

/* --- policy ------------------------------------------------------------- */

UNIT_TEST(policy_grammar_accepted)
{
	struct evsadm_policy_req r;

	OK(evsadm_policy_parse, "add dev evs0 dir out src 192.168.77.0/24 dst 10.77.0.5 spi 0x1000", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_ADD);
	UNIT_ASSERT_EQ_INT(r.pol.action, EVS_POL_IPSEC);
	UNIT_ASSERT_EQ_INT(r.pol.spi, 0x1000);
	UNIT_ASSERT_EQ_INT(r.pol.dst.plen, 32);
	UNIT_ASSERT_EQ_INT(r.pol.src.plen, 24);
	OK(evsadm_policy_parse, "add dev evs0 dir in src 10.77.0.5 dst 0.0.0.0/0 proto tcp sport 1024 dport 22 "
	   "spi 4096 priority 10 conn 3", &r);
	UNIT_ASSERT_EQ_INT(r.pol.proto, 6);
	UNIT_ASSERT_EQ_INT(r.pol.sport, 1024);
	UNIT_ASSERT_EQ_INT(r.pol.dport, 22);
	UNIT_ASSERT_EQ_INT(r.pol.priority, 10);
	UNIT_ASSERT_EQ_INT(r.pol.conn_id, 3);
	OK(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto 47 bypass", &r);
	UNIT_ASSERT_EQ_INT(r.pol.action, EVS_POL_BYPASS);
	UNIT_ASSERT_EQ_INT(r.pol.proto, 47);
	OK(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto udp drop", &r);
	UNIT_ASSERT_EQ_INT(r.pol.action, EVS_POL_DROP);
	OK(evsadm_policy_parse, "add dev evs0 dir out src 2001:db8::/32 dst ::/0 drop", &r);
	UNIT_ASSERT_EQ_INT(r.pol.src.family, AF_INET6);
	OK(evsadm_policy_parse, "del dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto udp dport 53", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_DEL);
	OK(evsadm_policy_parse, "show", &r);
	OK(evsadm_policy_parse, "show dev evs0 dir in", &r);
	UNIT_ASSERT(r.have_dir);
	OK(evsadm_policy_parse, "flush dev evs0", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_FLUSH);
}

UNIT_TEST(policy_grammar_rejected)
{
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16",
	    "missing an action: \"spi SPI\", \"bypass\" or \"drop\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 drop bypass",
	    "give only one of \"spi\", \"bypass\" and \"drop\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 spi 12",
	    "\"spi\" 12 is reserved (SPIs 0 to 255, RFC 4303); use 256 or more");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 dport 22 drop",
	    "\"dport\" needs \"proto tcp\", \"udp\", \"sctp\" or \"udplite\" before it");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto icmp sport 1 drop",
	    "\"sport\" needs \"proto tcp\", \"udp\", \"sctp\" or \"udplite\" before it");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto tcp dport 70000 drop",
	    "\"dport\" expects a number from 0 to 65535, got \"70000\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto tcpp drop",
	    "\"proto\" expects a protocol name or number, got \"tcpp\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 proto 300 drop",
	    "\"proto\" expects a number from 0 to 255, got \"300\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 2001:db8::/32 drop",
	    "\"src\" and \"dst\" must both be IPv4 or both IPv6");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/40 dst 10.1.0.0/16 drop",
	    "\"src\" prefix length must be 0 to 32, got \"10.0.0.0/40\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 priority x drop",
	    "\"priority\" expects a number, got \"x\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 drop conn 0",
	    "\"conn\" expects a number from 1 to 4294967295, got \"0\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 drop", "missing \"dst PREFIX\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out dst 10.0.0.0/8 drop", "missing \"src PREFIX\"");
	BAD(evsadm_policy_parse, "add dev evs0 src 10.0.0.0/8 dst 10.1.0.0/16 drop", "missing \"dir in|out\"");
	BAD(evsadm_policy_parse, "add dir in src 10.0.0.0/8 dst 10.1.0.0/16 drop", "missing \"dev DEV\"");
	BAD(evsadm_policy_parse, "del dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 drop",
	    "unknown keyword \"drop\"");
	BAD(evsadm_policy_parse, "show src 10.0.0.0/8", "unknown keyword \"src\"");
	BAD(evsadm_policy_parse, "add dev evs0 dir out dir in", "\"dir\" given twice");
	BAD(evsadm_policy_parse, "get", "unknown command \"get\" for \"policy\"; one of add, del, show, list or flush");
}

UNIT_TEST(policy_messages)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_policy_req r;
	const struct nlattr *p, *a;
	struct nlmsghdr *nlh;

	OK(evsadm_policy_parse, "add dev evs0 dir in src 10.77.0.5 dst 192.168.77.0/24 proto tcp dport 22 "
	   "spi 0x2000 priority 5 conn 9", &r);
	r.pol.dev.ifindex = 4;
	nlh = evsadm_policy_build(&r, 0x21, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_POLICY_ADD);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(top(nlh, EVS_A_IFINDEX)), 4);
	p = top(nlh, EVS_A_POLICY);
	UNIT_ASSERT(p != NULL);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_POL_A_DIR)), EVS_DIR_IN);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(p, EVS_POL_A_FAMILY)), AF_INET);
	a = nested(p, EVS_POL_A_SRC);
	UNIT_ASSERT(a && mnl_attr_get_payload_len(a) == 4);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a), "\x0a\x4d\x00\x05", 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_POL_A_SRC_PLEN)), 32);
	a = nested(p, EVS_POL_A_DST);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a), "\xc0\xa8\x4d\x00", 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_POL_A_DST_PLEN)), 24);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_POL_A_PROTO)), 6);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_payload_len(nested(p, EVS_POL_A_DPORT)), 2);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(p, EVS_POL_A_DPORT)), 22);
	UNIT_ASSERT(nested(p, EVS_POL_A_SPORT) == NULL);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_POL_A_ACTION)), EVS_POL_IPSEC);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(p, EVS_POL_A_SPI)), 0x2000);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(p, EVS_POL_A_PRIORITY)), 5);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(p, EVS_POL_A_CONN_ID)), 9);
	UNIT_ASSERT(nested(p, EVS_POL_A_HITS) == NULL);

	OK(evsadm_policy_parse, "add dev evs0 dir out src 10.0.0.0/8 dst 10.1.0.0/16 drop", &r);
	nlh = evsadm_policy_build(&r, 0x21, buf);
	p = top(nlh, EVS_A_POLICY);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_POL_A_ACTION)), EVS_POL_DROP);
	UNIT_ASSERT(nested(p, EVS_POL_A_SPI) == NULL);
	UNIT_ASSERT(nested(p, EVS_POL_A_PROTO) == NULL);

	OK(evsadm_policy_parse, "show dev evs0", &r);
	r.pol.dev.ifindex = 4;
	nlh = evsadm_policy_build(&r, 0x21, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_POLICY_GET);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	UNIT_ASSERT(top(nlh, EVS_A_POLICY) == NULL);

	OK(evsadm_policy_parse, "flush", &r);
	nlh = evsadm_policy_build(&r, 0x21, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_POLICY_FLUSH);
	UNIT_ASSERT(top(nlh, EVS_A_IFINDEX) == NULL);
}

UNIT_TEST(policy_reply_json_and_text)
{
	char buf[EVS_NL_BUFSZ], *text = NULL;
	struct evs_policy_info in, out;
	struct json_object *o, *v;
	struct nlmsghdr *nlh;
	size_t len;
	FILE *f;

	memset(&in, 0, sizeof(in));
	in.dev.ifindex = 3;
	snprintf(in.dev.ifname, sizeof(in.dev.ifname), "evs0");
	in.dir = EVS_DIR_OUT;
	evs_parse_prefix("src", "192.168.77.0/24", 0, false, &in.src, NULL);
	evs_parse_prefix("dst", "10.77.0.5", 0, false, &in.dst, NULL);
	in.action = EVS_POL_IPSEC;
	in.spi = 0x1000;
	in.hits = 42;
	in.has = 1ULL << EVS_POL_A_DIR | 1ULL << EVS_POL_A_SRC | 1ULL << EVS_POL_A_DST |
		 1ULL << EVS_POL_A_ACTION | 1ULL << EVS_POL_A_SPI | 1ULL << EVS_POL_A_HITS;
	nlh = evs_nl_msg_start(buf, 0x21, EVS_CMD_POLICY_GET, 1, NLM_F_MULTI);
	evs_msg_put_policy(nlh, &in);
	memset(&out, 0, sizeof(out));
	UNIT_ASSERT_EQ_INT(evs_msg_parse_policy(nlh, &out), 0);
	UNIT_ASSERT_EQ_INT(out.dev.ifindex, 3);
	UNIT_ASSERT_EQ_INT(out.dst.plen, 32);
	UNIT_ASSERT_EQ_INT(out.src.plen, 24);

	o = evs_json_policy(&out, true);
	UNIT_ASSERT(json_object_object_get_ex(o, "src", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "192.168.77.0/24");
	UNIT_ASSERT(json_object_object_get_ex(o, "dst", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "10.77.0.5/32");
	UNIT_ASSERT(json_object_object_get_ex(o, "action", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "ipsec");
	UNIT_ASSERT(json_object_object_get_ex(o, "hits", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int64(v), 42);
	json_object_put(o);
	o = evs_json_policy(&out, false);
	UNIT_ASSERT(!json_object_object_get_ex(o, "hits", NULL));
	json_object_put(o);

	f = open_memstream(&text, &len);
	evsadm_policy_print(f, &out, 1);
	fclose(f);
	UNIT_ASSERT_EQ_STR(text, "src 192.168.77.0/24 dst 10.77.0.5/32\n"
			   "\tdev evs0 dir out spi 0x00001000 priority 0 hits 42\n");
	free(text);
}

/* --- conn --------------------------------------------------------------- */

UNIT_TEST(conn_grammar_and_messages)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_conn_req r;
	const struct nlattr *c;
	struct nlmsghdr *nlh;

	OK(evsadm_conn_parse, "add 7 label 'alice@example'", &r);
	UNIT_ASSERT_EQ_INT(r.conn.id, 7);
	UNIT_ASSERT_EQ_STR(r.conn.label, "alice@example");
	nlh = evsadm_conn_build(&r, 0x22, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_CONN_ADD);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	c = top(nlh, EVS_A_CONN);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(c, EVS_CONN_A_ID)), 7);
	UNIT_ASSERT_EQ_STR(mnl_attr_get_str(nested(c, EVS_CONN_A_LABEL)), "alice@example");

	OK(evsadm_conn_parse, "del 0x10", &r);
	nlh = evsadm_conn_build(&r, 0x22, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_CONN_DEL);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(top(nlh, EVS_A_CONN), EVS_CONN_A_ID)), 16);
	UNIT_ASSERT(nested(top(nlh, EVS_A_CONN), EVS_CONN_A_LABEL) == NULL);

	OK(evsadm_conn_parse, "show", &r);
	nlh = evsadm_conn_build(&r, 0x22, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_CONN_GET);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	UNIT_ASSERT(top(nlh, EVS_A_CONN) == NULL);

	OK(evsadm_conn_parse, "show 5", &r);
	nlh = evsadm_conn_build(&r, 0x22, buf);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(top(nlh, EVS_A_CONN), EVS_CONN_A_ID)), 5);

	OK(evsadm_conn_parse, "flush", &r);
	nlh = evsadm_conn_build(&r, 0x22, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_CONN_FLUSH);

	BAD(evsadm_conn_parse, "add", "missing ID");
	BAD(evsadm_conn_parse, "add x", "ID expects a number, got \"x\"");
	BAD(evsadm_conn_parse, "add 0", "ID expects a number from 1 to 4294967295, got \"0\"");
	BAD(evsadm_conn_parse, "add 4294967296", "ID expects a number from 1 to 4294967295, got \"4294967296\"");
	BAD(evsadm_conn_parse, "add 1 label", "\"label\" expects a text");
	BAD(evsadm_conn_parse, "add 1 label ''", "\"label\" expects 1 to 64 characters, got 0");
	BAD(evsadm_conn_parse, "add 1 label 01234567890123456789012345678901234567890123456789012345678901234",
	    "\"label\" expects 1 to 64 characters, got 65");
	BAD(evsadm_conn_parse, "add 1 label a label b", "\"label\" given twice");
	BAD(evsadm_conn_parse, "add 1 name a", "unknown keyword \"name\"");
	BAD(evsadm_conn_parse, "del", "missing ID");
	BAD(evsadm_conn_parse, "del 1 2", "unexpected \"2\"");
	BAD(evsadm_conn_parse, "flush 1", "unexpected \"1\"");
}

UNIT_TEST(conn_json)
{
	struct evs_conn_info c = { 0 };
	struct json_object *o, *v;

	c.id = 7;
	c.n_sa = 2;
	c.n_route = 1;
	snprintf(c.label, sizeof(c.label), "alice");
	c.has = 1ULL << EVS_CONN_A_ID | 1ULL << EVS_CONN_A_N_SA | 1ULL << EVS_CONN_A_N_ROUTE |
		1ULL << EVS_CONN_A_LABEL;
	o = evs_json_conn(&c);
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			   "{\"id\":7,\"label\":\"alice\",\"sas\":2,\"routes\":1}");
	UNIT_ASSERT(json_object_object_get_ex(o, "id", &v));
	json_object_put(o);
}

/* --- route -------------------------------------------------------------- */

UNIT_TEST(route_grammar_and_messages)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_route_req r;
	const struct nlattr *rt, *a;
	struct nlmsghdr *nlh;

	OK(evsadm_route_parse, "add 10.77.0.5/32 dev evs0 conn 7 metric 10 table 100", &r);
	UNIT_ASSERT_EQ_STR(r.dev, "evs0");
	r.rt.ifindex = 6;
	EVS_SET(&r.rt, EVS_ROUTE_A_IFINDEX);
	nlh = evsadm_route_build(&r, 0x23, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_ROUTE_ADD);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	rt = top(nlh, EVS_A_ROUTE);
	UNIT_ASSERT(rt != NULL);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(rt, EVS_ROUTE_A_FAMILY)), AF_INET);
	a = nested(rt, EVS_ROUTE_A_DST);
	UNIT_ASSERT(a && mnl_attr_get_payload_len(a) == 4);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a), "\x0a\x4d\x00\x05", 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(rt, EVS_ROUTE_A_PLEN)), 32);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(rt, EVS_ROUTE_A_METRIC)), 10);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(rt, EVS_ROUTE_A_TABLE)), 100);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(rt, EVS_ROUTE_A_CONN_ID)), 7);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(rt, EVS_ROUTE_A_IFINDEX)), 6);

	OK(evsadm_route_parse, "add 10.78.0.0/16 dev evs0 conn 7 table main", &r);
	UNIT_ASSERT_EQ_INT(r.rt.table, 254);
	UNIT_ASSERT(!EVS_HAS(&r.rt, EVS_ROUTE_A_METRIC));
	OK(evsadm_route_parse, "del 10.78.0.0/16", &r);
	nlh = evsadm_route_build(&r, 0x23, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_ROUTE_DEL);
	rt = top(nlh, EVS_A_ROUTE);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(rt, EVS_ROUTE_A_PLEN)), 16);
	UNIT_ASSERT(nested(rt, EVS_ROUTE_A_CONN_ID) == NULL);
	OK(evsadm_route_parse, "show conn 7", &r);
	nlh = evsadm_route_build(&r, 0x23, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_ROUTE_GET);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	UNIT_ASSERT(top(nlh, EVS_A_ROUTE) == NULL);

	/* IPv6: a /128 by default, 16 bytes, AF_INET6. */
	OK(evsadm_route_parse, "add 2001:db8:10::5 dev evs0 conn 7", &r);
	nlh = evsadm_route_build(&r, 0x23, buf);
	rt = top(nlh, EVS_A_ROUTE);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(rt, EVS_ROUTE_A_FAMILY)), AF_INET6);
	a = nested(rt, EVS_ROUTE_A_DST);
	UNIT_ASSERT(a && mnl_attr_get_payload_len(a) == 16);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a),
			   "\x20\x01\x0d\xb8\x00\x10\0\0\0\0\0\0\0\0\0\x05", 16);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(rt, EVS_ROUTE_A_PLEN)), 128);
	OK(evsadm_route_parse, "add 2001:db8:99::/48 dev evs0 conn 7", &r);
	UNIT_ASSERT_EQ_INT(r.rt.dst.plen, 48);
	BAD(evsadm_route_parse, "add 2001:db8:99::1/48 dev evs0 conn 7",
	    "PREFIX expects a prefix without host bits, got \"2001:db8:99::1/48\" (did you mean 2001:db8:99::/48?)");

	BAD(evsadm_route_parse, "add 10.77.0.5/24 dev evs0 conn 7",
	    "PREFIX expects a prefix without host bits, got \"10.77.0.5/24\" (did you mean 10.77.0.0/24?)");
	BAD(evsadm_route_parse, "add dev evs0 conn 7", "PREFIX expects an IP prefix (ADDR[/LEN]), got \"dev\"");
	BAD(evsadm_route_parse, "add", "PREFIX expects a prefix");
	BAD(evsadm_route_parse, "add 10.77.0.5 conn 7", "missing \"dev DEV\"");
	BAD(evsadm_route_parse, "add 10.77.0.5 dev evs0",
	    "missing \"conn ID\" (a route lives and dies with its connection)");
	BAD(evsadm_route_parse, "add 10.77.0.5 dev evs0 conn 7 metric -1", "\"metric\" expects a number, got \"-1\"");
	BAD(evsadm_route_parse, "add 10.77.0.5 dev evs0 conn 7 table 0",
	    "\"table\" expects a number from 1 to 4294967295, got \"0\"");
	BAD(evsadm_route_parse, "add 10.77.0.5 dev evs0 conn 7 via 1.2.3.4", "unknown keyword \"via\"");
	BAD(evsadm_route_parse, "del 10.77.0.5 conn 7", "unknown keyword \"conn\"");
	BAD(evsadm_route_parse, "show metric 5", "unknown keyword \"metric\"");
}

/* --- proxy-arp ---------------------------------------------------------- */

UNIT_TEST(parp_grammar_and_messages)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_parp_req r;
	const struct nlattr *p, *a;
	struct nlmsghdr *nlh;

	OK(evsadm_parp_parse, "add 192.168.77.200 dev lan0 conn 7", &r);
	r.parp.ifindex = 8;
	EVS_SET(&r.parp, EVS_PARP_A_IFINDEX);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_PROXY_ARP_ADD);
	p = top(nlh, EVS_A_PROXY_ARP);
	a = nested(p, EVS_PARP_A_ADDR);
	UNIT_ASSERT(a && mnl_attr_get_payload_len(a) == 4);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a), "\xc0\xa8\x4d\xc8", 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(p, EVS_PARP_A_IFINDEX)), 8);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(p, EVS_PARP_A_CONN_ID)), 7);
	UNIT_ASSERT(nested(p, EVS_PARP_A_ENABLE) == NULL);

	OK(evsadm_parp_parse, "on dev lan0", &r);
	r.parp.ifindex = 8;
	EVS_SET(&r.parp, EVS_PARP_A_IFINDEX);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_PROXY_ARP_SET);
	p = top(nlh, EVS_A_PROXY_ARP);
	a = nested(p, EVS_PARP_A_ENABLE);
	UNIT_ASSERT(a && mnl_attr_get_payload_len(a) == 1);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(a), 1);
	OK(evsadm_parp_parse, "off dev lan0", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(top(nlh, EVS_A_PROXY_ARP), EVS_PARP_A_ENABLE)), 0);
	OK(evsadm_parp_parse, "del 192.168.77.200 dev lan0", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_PROXY_ARP_DEL);
	OK(evsadm_parp_parse, "show", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	/* An IPv4 entry carries no family: absent means AF_INET. */
	OK(evsadm_parp_parse, "add 192.168.77.200 dev lan0 conn 7", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT(nested(top(nlh, EVS_A_PROXY_ARP), EVS_PARP_A_FAMILY) == NULL);

	/* IPv6: a proxy NDP entry, 16 bytes and AF_INET6. */
	OK(evsadm_parp_parse, "add 2001:db8:77::200 dev lan0 conn 7", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	p = top(nlh, EVS_A_PROXY_ARP);
	a = nested(p, EVS_PARP_A_ADDR);
	UNIT_ASSERT(a && mnl_attr_get_payload_len(a) == 16);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a),
			   "\x20\x01\x0d\xb8\x00\x77\0\0\0\0\0\0\0\0\x02\x00", 16);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(p, EVS_PARP_A_FAMILY)), AF_INET6);
	OK(evsadm_parp_parse, "del 2001:db8:77::200 dev lan0", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(top(nlh, EVS_A_PROXY_ARP), EVS_PARP_A_FAMILY)),
			   AF_INET6);
	/* The interface-wide switch: proxy_ndp with family inet6. */
	OK(evsadm_parp_parse, "on dev lan0 family inet6", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	p = top(nlh, EVS_A_PROXY_ARP);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(p, EVS_PARP_A_FAMILY)), AF_INET6);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(p, EVS_PARP_A_ENABLE)), 1);
	OK(evsadm_parp_parse, "off dev lan0 family inet", &r);
	nlh = evsadm_parp_build(&r, 0x24, buf);
	UNIT_ASSERT(nested(top(nlh, EVS_A_PROXY_ARP), EVS_PARP_A_FAMILY) == NULL);

	BAD(evsadm_parp_parse, "add 2001:db8::g dev lan0 conn 7",
	    "ADDR expects an IP address, got \"2001:db8::g\"");
	BAD(evsadm_parp_parse, "on dev lan0 family inet7", "\"family\" expects inet or inet6");
	BAD(evsadm_parp_parse, "add 2001:db8::5 dev lan0 conn 7 family inet6",
	    "unknown keyword \"family\"");
	BAD(evsadm_parp_parse, "add 192.168.77.200 dev lan0", "missing \"conn ID\" (an entry lives and dies with its connection)");
	BAD(evsadm_parp_parse, "add 192.168.77.200 conn 7", "missing \"dev LANDEV\"");
	BAD(evsadm_parp_parse, "del 192.168.77.200 dev lan0 conn 7", "unknown keyword \"conn\"");
	BAD(evsadm_parp_parse, "on", "missing \"dev LANDEV\"");
	BAD(evsadm_parp_parse, "o dev lan0", "\"o\" is ambiguous; one of add, del, show, list, on or off");
	BAD(evsadm_parp_parse, "enable dev lan0",
	    "unknown command \"enable\" for \"proxy-arp\"; one of add, del, show, list, on or off");
}

/* --- link --------------------------------------------------------------- */

UNIT_TEST(link_grammar_and_messages)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_link_req r;
	struct nlmsghdr *nlh;
	struct evs_link_info link;
	struct json_object *o, *v;

	OK(evsadm_link_parse, "", &r);
	nlh = evsadm_link_build(&r, 0x25, buf);
	UNIT_ASSERT_EQ_INT(cmd_of(nlh), EVS_CMD_LINK_GET);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	OK(evsadm_link_parse, "show dev evs0", &r);
	UNIT_ASSERT_EQ_STR(r.dev, "evs0");
	r.ifindex = 3;
	nlh = evsadm_link_build(&r, 0x25, buf);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(top(nlh, EVS_A_IFINDEX)), 3);
	BAD(evsadm_link_parse, "show dev", "\"dev\" expects an interface name");
	BAD(evsadm_link_parse, "show evs0", "unknown keyword \"evs0\"");
	BAD(evsadm_link_parse, "add", "unknown command \"add\" for \"link\"; one of show or list");

	/* A kernel reply: ifindex, name, counters. */
	nlh = evs_nl_msg_start(buf, 0x25, EVS_CMD_LINK_GET, 1, NLM_F_MULTI);
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, 3);
	mnl_attr_put_strz(nlh, EVS_A_IFNAME, "evs0");
	{
		struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_STATS);

		for (unsigned int t = EVS_STATS_A_RX_PACKETS; t <= EVS_STATS_A_MAX; t++)
			mnl_attr_put_u64(nlh, t, t);
		mnl_attr_nest_end(nlh, n);
	}
	UNIT_ASSERT_EQ_INT(evs_msg_parse_link(nlh, &link), 0);
	UNIT_ASSERT(link.has_stats);
	o = evs_json_link(&link, true);
	UNIT_ASSERT(json_object_object_get_ex(o, "ifname", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "evs0");
	UNIT_ASSERT(json_object_object_get_ex(o, "stats", &v));
	UNIT_ASSERT_EQ_INT(json_object_object_length(v), EVS_STATS_A_MAX - 1);
	UNIT_ASSERT(json_object_object_get_ex(v, "drop_other", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int64(v), EVS_STATS_A_DROP_OTHER);
	json_object_put(o);
	o = evs_json_link(&link, false);
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			   "{\"ifindex\":3,\"ifname\":\"evs0\",\"kind\":\"evs\"}");
	json_object_put(o);
}

UNIT_MAIN()
