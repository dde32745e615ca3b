// SPDX-License-Identifier: MIT
/* lib/nl.c ACK/extack parsing, evsadm's naming of the attribute an
 * extack offset points at, and events: decoding, JSON, text. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>

#include "tests/unit/unit.h"
#include "evsadm/evsadm.h"

/* Build an NLMSG_ERROR as the kernel does with NETLINK_CAP_ACK and
 * NETLINK_EXT_ACK: nlmsgerr (request header only) + TLVs. */
static struct nlmsghdr *ack(char *buf, int error, const struct nlmsghdr *req,
			    const char *msg, int offs, bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | (msg || offs >= 0 ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *req;
	if (!capped) {		/* the whole request echoed */
		size_t n = req->nlmsg_len - sizeof(*req);
		void *p = mnl_nlmsg_put_extra_header(nlh, NLMSG_ALIGN(n));

		memcpy(p, (const char *)req + sizeof(*req), n);
	}
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	return nlh;
}

static struct nlmsghdr *sa_request(char *buf)
{
	struct nlmsghdr *nlh = evs_nl_msg_start(buf, 0x20, EVS_CMD_SA_ADD, 1, 0);
	struct nlattr *n;

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, 3);
	n = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, 1);
	mnl_attr_put_u32(nlh, EVS_SA_A_SPI, 0x1000);
	mnl_attr_put_strz(nlh, EVS_SA_A_AEAD_NAME, "foo");
	{
		struct nlattr *l = mnl_attr_nest_start(nlh, EVS_SA_A_LIMITS);

		mnl_attr_put_u64(nlh, EVS_LFT_A_BYTES_SOFT, 10);
		mnl_attr_put_u64(nlh, EVS_LFT_A_TIME_HARD, 10);
		mnl_attr_nest_end(nlh, l);
	}
	mnl_attr_put_u64(nlh, EVS_SA_A_OSEQ, 5);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

/* Byte offset of attribute @type inside the SA nest of @req. */
static int sa_attr_offset(const struct nlmsghdr *req, uint16_t type, uint16_t sub)
{
	const struct nlattr *a, *b, *c;

	mnl_attr_for_each(a, req, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != EVS_A_SA)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != type)
				continue;
			if (!sub)
				return (int)((const char *)b - (const char *)req);
			mnl_attr_for_each_nested(c, b)
				if (mnl_attr_get_type(c) == sub)
					return (int)((const char *)c - (const char *)req);
		}
	}
	return -1;
}

UNIT_TEST(ack_with_extack_message_and_offset)
{
	char rbuf[EVS_NL_BUFSZ], abuf[EVS_NL_BUFSZ];
	struct nlmsghdr *req = sa_request(rbuf);
	int offs = sa_attr_offset(req, EVS_SA_A_AEAD_NAME, 0);
	struct evs_nl_err err;

	UNIT_ASSERT(offs > 0);
	for (int capped = 0; capped <= 1; capped++) {
		struct nlmsghdr *a = ack(abuf, -ENOENT, req, "unknown algorithm \"foo\"", offs,
					 capped);

		UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(a, &err), -ENOENT);
		UNIT_ASSERT_EQ_INT(err.err, ENOENT);
		UNIT_ASSERT(err.kernel);
		UNIT_ASSERT(err.has_msg);
		UNIT_ASSERT_EQ_STR(err.msg, "unknown algorithm \"foo\"");
		UNIT_ASSERT(err.has_offs);
		UNIT_ASSERT_EQ_INT(err.offs, offs);
	}
}

UNIT_TEST(ack_without_extack_uses_strerror)
{
	char rbuf[EVS_NL_BUFSZ], abuf[EVS_NL_BUFSZ];
	struct nlmsghdr *req = sa_request(rbuf);
	struct evs_nl_err err;

	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(ack(abuf, -EPERM, req, NULL, -1, true), &err), -EPERM);
	UNIT_ASSERT(!err.has_msg);
	UNIT_ASSERT(!err.has_offs);
	UNIT_ASSERT_EQ_STR(err.msg, strerror(EPERM));
	/* Success, with a warning. */
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(ack(abuf, 0, req, "careful", -1, true), &err), 0);
	UNIT_ASSERT(!err.kernel);
	UNIT_ASSERT_EQ_INT(err.err, 0);
	UNIT_ASSERT_EQ_STR(err.warning, "careful");
	/* Plain success. */
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(ack(abuf, 0, req, NULL, -1, true), &err), 0);
	UNIT_ASSERT_EQ_STR(err.warning, "");
}

/* EVS_CMD_BATCH_ADD: the cookie (items added) is kept on failure and on
 * success, and an offset inside an item names the user's word. */
UNIT_TEST(batch_ack_cookie_and_item_word)
{
	char rbuf[EVS_NL_BUFSZ], abuf[EVS_NL_BUFSZ], word[48];
	struct nlmsghdr *req = evs_nl_msg_start(rbuf, 0x20, EVS_CMD_BATCH_ADD, 1, 0), *a;
	struct nlattr *batch, *item;
	struct evs_nl_err err;
	uint32_t two = 2;
	int offs = -1;

	mnl_attr_put_u32(req, EVS_A_IFINDEX, 3);
	batch = mnl_attr_nest_start(req, EVS_A_BATCH);
	for (int i = 0; i < 3; i++) {
		item = mnl_attr_nest_start(req, i == 1 ? EVS_A_POLICY : EVS_A_SA);
		mnl_attr_put_u8(req, i == 1 ? EVS_POL_A_DIR : EVS_SA_A_DIR, 1);
		if (i == 2)
			offs = (int)req->nlmsg_len;
		mnl_attr_put_u32(req, i == 1 ? EVS_POL_A_SPI : EVS_SA_A_SPI, 0x1000);
		mnl_attr_nest_end(req, item);
	}
	mnl_attr_nest_end(req, batch);

	a = ack(abuf, -EEXIST, req, "an SA with this SPI already exists in this direction",
		offs, true);
	mnl_attr_put(a, NLMSGERR_ATTR_COOKIE, sizeof(two), &two);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(a, &err), -EEXIST);
	UNIT_ASSERT(err.has_cookie);
	UNIT_ASSERT_EQ_INT(err.cookie, 2);
	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, err.offs, word, sizeof(word)), "spi");

	a = ack(abuf, 0, req, NULL, -1, true);
	a->nlmsg_flags |= NLM_F_ACK_TLVS;
	two = 3;
	mnl_attr_put(a, NLMSGERR_ATTR_COOKIE, sizeof(two), &two);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(a, &err), 0);
	UNIT_ASSERT(err.has_cookie);
	UNIT_ASSERT_EQ_INT(err.cookie, 3);
	/* A short cookie is not ours: ignored. */
	a = ack(abuf, 0, req, NULL, -1, true);
	a->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put(a, NLMSGERR_ATTR_COOKIE, 2, &two);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(a, &err), 0);
	UNIT_ASSERT(!err.has_cookie);
}

/* An error code that is no errno (INT_MIN cannot be negated: UBSan stops
 * the old code) is a protocol error, for an ACK and for a dump's DONE. */
UNIT_TEST(error_code_out_of_errno_range)
{
	char rbuf[EVS_NL_BUFSZ], abuf[EVS_NL_BUFSZ];
	struct nlmsghdr *req = sa_request(rbuf);
	const int bad[] = { INT_MIN, INT_MAX, -4096, 100000 };
	struct evs_nl_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nlmsghdr *a = ack(abuf, bad[i], req, NULL, -1, true);
		struct nlmsghdr *d;

		UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(a, &err), -EPROTO);
		UNIT_ASSERT_EQ_INT(err.err, EPROTO);
		d = mnl_nlmsg_put_header(abuf);
		d->nlmsg_type = NLMSG_DONE;
		memcpy(mnl_nlmsg_put_extra_header(d, sizeof(int)), &bad[i], sizeof(int));
		UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(d, &err), -EPROTO);
	}
}

UNIT_TEST(dump_done_carries_error)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct evs_nl_err err;
	int *status;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	status = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	*status = -EMSGSIZE;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(nlh, &err), -EMSGSIZE);
	UNIT_ASSERT_EQ_STR(err.msg, "dump failed");
	*status = 0;
	nlh->nlmsg_flags = NLM_F_MULTI;
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(nlh, &err), 0);
}

UNIT_TEST(truncated_error_is_rejected)
{
	char buf[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct evs_nl_err err;

	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, 4);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_ack(nlh, &err), -EBADMSG);
}

UNIT_TEST(extack_offset_named_as_cli_word)
{
	char rbuf[EVS_NL_BUFSZ], word[48];
	struct nlmsghdr *req = sa_request(rbuf);
	const struct nlattr *a;

	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, sa_attr_offset(req, EVS_SA_A_OSEQ, 0), word,
					    sizeof(word)), "oseq");
	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, sa_attr_offset(req, EVS_SA_A_SPI, 0), word,
					    sizeof(word)), "spi");
	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, sa_attr_offset(req, EVS_SA_A_AEAD_NAME, 0), word,
					    sizeof(word)), "aead");
	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, sa_attr_offset(req, EVS_SA_A_LIMITS,
								 EVS_LFT_A_TIME_HARD),
					    word, sizeof(word)), "limit time-hard");
	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, sa_attr_offset(req, EVS_SA_A_LIMITS, 0), word,
					    sizeof(word)), "limit");
	a = mnl_nlmsg_get_payload_offset(req, GENL_HDRLEN);	/* EVS_A_IFINDEX */
	UNIT_ASSERT_EQ_STR(evsadm_attr_word(req, (uint32_t)((const char *)a - rbuf), word,
					    sizeof(word)), "dev");
	UNIT_ASSERT(evsadm_attr_word(req, 2, word, sizeof(word)) == NULL);
	UNIT_ASSERT(evsadm_attr_word(req, req->nlmsg_len + 40, word, sizeof(word)) == NULL);
}

/* --- events ------------------------------------------------------------- */

static struct nlmsghdr *event_start(char *buf, uint8_t cmd)
{
	return evs_nl_msg_start(buf, 0x20, cmd, 1, 0);
}

static void put_sa_brief(struct nlmsghdr *nlh)
{
	struct nlattr *n;

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, 3);
	n = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, EVS_DIR_OUT);
	mnl_attr_put_u32(nlh, EVS_SA_A_SPI, 0x1000);
	mnl_attr_put_u16(nlh, EVS_SA_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, EVS_SA_A_SRC, 4, "\xc6\x33\x64\x01");
	mnl_attr_put(nlh, EVS_SA_A_DST, 4, "\xcb\x00\x71\x07");
	mnl_attr_put_u32(nlh, EVS_SA_A_CONN_ID, 7);
	mnl_attr_nest_end(nlh, n);
}

static char *event_text(const struct evs_event *ev)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	evsadm_event_print(f, ev);
	fclose(f);
	return text;
}

static void check_json(const struct evs_event *ev, const char *want)
{
	struct json_object *o = evs_json_event(ev, ev->route.has ? "evs0" : NULL,
					       ev->parp.has ? "lan0" : NULL);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (strcmp(s, want)) {
		printf("#   got  %s\n#   want %s\n", s, want);
		json_object_put(o);
		UNIT_FAIL("JSON differs");
	}
	json_object_put(o);
}

UNIT_TEST(event_expire_hard)
{
	char buf[EVS_NL_BUFSZ], *t;
	struct nlmsghdr *nlh = event_start(buf, EVS_CMD_EV_EXPIRE);
	struct evs_event ev;

	put_sa_brief(nlh);
	mnl_attr_put(nlh, EVS_A_EXPIRE_HARD, 0, NULL);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), 0);
	UNIT_ASSERT_EQ_INT(ev.cmd, EVS_CMD_EV_EXPIRE);
	UNIT_ASSERT(ev.hard);
	UNIT_ASSERT_EQ_INT(ev.sa.spi, 0x1000);
	UNIT_ASSERT_EQ_INT(ev.sa.dev.ifindex, 3);
	check_json(&ev, "{\"event\":\"expire\",\"hard\":true,\"sa\":{\"ifindex\":3,\"dir\":\"out\","
		   "\"spi\":4096,\"src\":\"198.51.100.1\",\"dst\":\"203.0.113.7\",\"conn\":7}}");
	t = event_text(&ev);
	UNIT_ASSERT(!strncmp(t, "[expire hard] dev ", 18));
	UNIT_ASSERT(strstr(t, " dir out spi 0x00001000 src 198.51.100.1 dst 203.0.113.7 conn 7\n"));
	free(t);
}

UNIT_TEST(event_sa_deleted_with_reason)
{
	char buf[EVS_NL_BUFSZ], *t;
	struct nlmsghdr *nlh = event_start(buf, EVS_CMD_EV_SA_DELETED);
	struct evs_event ev;

	put_sa_brief(nlh);
	mnl_attr_put_u8(nlh, EVS_A_REASON, EVS_REASON_HARD_EXPIRE);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), 0);
	UNIT_ASSERT(ev.has_reason);
	t = event_text(&ev);
	UNIT_ASSERT(!strncmp(t, "[sa-deleted] dev ", 17));
	UNIT_ASSERT(strstr(t, " reason hard-expire\n"));
	free(t);
	{
		struct json_object *o = evs_json_event(&ev, NULL, NULL), *v;

		UNIT_ASSERT(json_object_object_get_ex(o, "reason", &v));
		UNIT_ASSERT_EQ_STR(json_object_get_string(v), "hard-expire");
		UNIT_ASSERT(!json_object_object_get_ex(o, "hard", NULL));
		json_object_put(o);
	}
}

UNIT_TEST(event_nat_mapping)
{
	char buf[EVS_NL_BUFSZ], *t;
	struct nlmsghdr *nlh = event_start(buf, EVS_CMD_EV_NAT_MAPPING);
	struct evs_event ev;
	struct nlattr *n;

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, 3);
	n = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, EVS_DIR_OUT);
	mnl_attr_put_u32(nlh, EVS_SA_A_SPI, 0x1000);
	mnl_attr_put_u16(nlh, EVS_SA_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, EVS_SA_A_DST, 4, "\xcb\x00\x71\x09");
	mnl_attr_put_u8(nlh, EVS_SA_A_ENCAP_TYPE, EVS_ENCAP_ESPINUDP);
	mnl_attr_put_u16(nlh, EVS_SA_A_ENCAP_SPORT, 4500);
	mnl_attr_put_u16(nlh, EVS_SA_A_ENCAP_DPORT, 31000);
	mnl_attr_nest_end(nlh, n);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), 0);
	t = event_text(&ev);
	UNIT_ASSERT(strstr(t, "[nat-mapping] dev "));
	UNIT_ASSERT(strstr(t, " dst 203.0.113.9 encap espinudp 4500 31000\n"));
	free(t);
	check_json(&ev, "{\"event\":\"nat-mapping\",\"sa\":{\"ifindex\":3,\"dir\":\"out\",\"spi\":4096,"
		   "\"dst\":\"203.0.113.9\",\"encap\":{\"type\":\"espinudp\",\"sport\":4500,"
		   "\"dport\":31000}}}");
}

UNIT_TEST(event_conn_route_parp)
{
	char buf[EVS_NL_BUFSZ], *t;
	struct nlmsghdr *nlh;
	struct evs_event ev;
	struct nlattr *n;

	nlh = event_start(buf, EVS_CMD_EV_CONN_DELETED);
	n = mnl_attr_nest_start(nlh, EVS_A_CONN);
	mnl_attr_put_u32(nlh, EVS_CONN_A_ID, 7);
	mnl_attr_put_strz(nlh, EVS_CONN_A_LABEL, "alice");
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u8(nlh, EVS_A_REASON, EVS_REASON_USER);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), 0);
	t = event_text(&ev);
	UNIT_ASSERT_EQ_STR(t, "[conn-deleted] conn 7 label \"alice\" reason user\n");
	free(t);
	check_json(&ev, "{\"event\":\"conn-deleted\",\"reason\":\"user\",\"conn\":{\"id\":7,"
		   "\"label\":\"alice\"}}");

	nlh = event_start(buf, EVS_CMD_EV_ROUTE);
	n = mnl_attr_nest_start(nlh, EVS_A_ROUTE);
	mnl_attr_put_u16(nlh, EVS_ROUTE_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, EVS_ROUTE_A_DST, 4, "\x0a\x4d\x00\x05");
	mnl_attr_put_u8(nlh, EVS_ROUTE_A_PLEN, 32);
	mnl_attr_put_u32(nlh, EVS_ROUTE_A_CONN_ID, 7);
	mnl_attr_put_u32(nlh, EVS_ROUTE_A_TABLE, 254);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u8(nlh, EVS_A_EVENT_OP, EVS_EVENT_OP_ADD);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), 0);
	UNIT_ASSERT_EQ_INT(ev.op, EVS_EVENT_OP_ADD);
	t = event_text(&ev);
	UNIT_ASSERT(!strncmp(t, "[route add] 10.77.0.5 dev ", 26));
	UNIT_ASSERT(strstr(t, " conn 7\n"));
	free(t);
	check_json(&ev, "{\"event\":\"route\",\"op\":\"add\",\"route\":{\"dst\":\"10.77.0.5/32\","
		   "\"dev\":\"evs0\",\"conn\":7,\"table\":254}}");

	nlh = event_start(buf, EVS_CMD_EV_PROXY_ARP);
	n = mnl_attr_nest_start(nlh, EVS_A_PROXY_ARP);
	mnl_attr_put(nlh, EVS_PARP_A_ADDR, 4, "\xc0\xa8\x4d\xc8");
	mnl_attr_put_u32(nlh, EVS_PARP_A_CONN_ID, 7);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u8(nlh, EVS_A_EVENT_OP, EVS_EVENT_OP_DEL);
	mnl_attr_put_u8(nlh, EVS_A_REASON, EVS_REASON_CONN_DELETED);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), 0);
	t = event_text(&ev);
	UNIT_ASSERT(!strncmp(t, "[proxy-arp del] 192.168.77.200 dev ", 35));
	UNIT_ASSERT(strstr(t, " conn 7 reason conn-deleted\n"));
	free(t);
	check_json(&ev, "{\"event\":\"proxy-arp\",\"op\":\"del\",\"reason\":\"conn-deleted\","
		   "\"proxy_arp\":{\"addr\":\"192.168.77.200\",\"dev\":\"lan0\",\"conn\":7}}");
}

UNIT_TEST(event_malformed_rejected)
{
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh = event_start(buf, EVS_CMD_EV_ROUTE);
	struct evs_event ev;
	struct nlattr *n;

	/* A 5-byte IPv4 address. */
	n = mnl_attr_nest_start(nlh, EVS_A_ROUTE);
	mnl_attr_put_u16(nlh, EVS_ROUTE_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, EVS_ROUTE_A_DST, 5, "\x0a\x4d\x00\x05\x00");
	mnl_attr_nest_end(nlh, n);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), -1);
	UNIT_ASSERT_EQ_INT(errno, EBADMSG);
	/* A flag attribute with a payload. */
	nlh = event_start(buf, EVS_CMD_EV_EXPIRE);
	mnl_attr_put_u32(nlh, EVS_A_EXPIRE_HARD, 1);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), -1);
	/* A header with no room for the generic header. */
	nlh = mnl_nlmsg_put_header(buf);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_event(nlh, &ev), -1);
}

UNIT_MAIN()
