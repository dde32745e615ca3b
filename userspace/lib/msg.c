// SPDX-License-Identifier: MIT
/* evs netlink objects <-> C structs; see msg.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/msg.h"
#include "lib/nl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- building ---------------------------------------------------------- */

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct evs_inaddr *a)
{
	mnl_attr_put(nlh, type, evs_inaddr_len(a), a->a);
}

static void put_u64_set(struct nlmsghdr *nlh, uint16_t type, uint64_t has,
			const uint64_t *v, unsigned int max)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	for (unsigned int t = 1; t <= max; t++)
		if ((has >> t) & 1)
			mnl_attr_put_u64(nlh, t, v[t]);
	mnl_attr_nest_end(nlh, nest);
}

void evs_msg_put_dev(struct nlmsghdr *nlh, const struct evs_msg_dev *dev)
{
	if (dev->ifindex)
		mnl_attr_put_u32(nlh, EVS_A_IFINDEX, dev->ifindex);
	if (dev->ifname[0])
		mnl_attr_put_strz(nlh, EVS_A_IFNAME, dev->ifname);
}

void evs_msg_put_sa(struct nlmsghdr *nlh, const struct evs_sa_info *sa)
{
	struct nlattr *nest;

	evs_msg_put_dev(nlh, &sa->dev);
	nest = mnl_attr_nest_start(nlh, EVS_A_SA);
	if (EVS_HAS(sa, EVS_SA_A_DIR))
		mnl_attr_put_u8(nlh, EVS_SA_A_DIR, sa->dir);
	if (EVS_HAS(sa, EVS_SA_A_SPI))
		mnl_attr_put_u32(nlh, EVS_SA_A_SPI, sa->spi);
	if (EVS_HAS(sa, EVS_SA_A_SRC) || EVS_HAS(sa, EVS_SA_A_DST))
		mnl_attr_put_u16(nlh, EVS_SA_A_FAMILY, EVS_HAS(sa, EVS_SA_A_SRC) ?
				 sa->src.family : sa->dst.family);
	if (EVS_HAS(sa, EVS_SA_A_SRC))
		put_addr(nlh, EVS_SA_A_SRC, &sa->src);
	if (EVS_HAS(sa, EVS_SA_A_DST))
		put_addr(nlh, EVS_SA_A_DST, &sa->dst);
	if (EVS_HAS(sa, EVS_SA_A_AEAD_NAME))
		mnl_attr_put_strz(nlh, EVS_SA_A_AEAD_NAME, sa->aead_name);
	if (EVS_HAS(sa, EVS_SA_A_AEAD_KEY))
		mnl_attr_put(nlh, EVS_SA_A_AEAD_KEY, sa->aead_key_len, sa->aead_key);
	if (EVS_HAS(sa, EVS_SA_A_AEAD_ICV_BITS))
		mnl_attr_put_u32(nlh, EVS_SA_A_AEAD_ICV_BITS, sa->aead_icv_bits);
	if (EVS_HAS(sa, EVS_SA_A_ENC_NAME))
		mnl_attr_put_strz(nlh, EVS_SA_A_ENC_NAME, sa->enc_name);
	if (EVS_HAS(sa, EVS_SA_A_ENC_KEY))
		mnl_attr_put(nlh, EVS_SA_A_ENC_KEY, sa->enc_key_len, sa->enc_key);
	if (EVS_HAS(sa, EVS_SA_A_AUTH_NAME))
		mnl_attr_put_strz(nlh, EVS_SA_A_AUTH_NAME, sa->auth_name);
	if (EVS_HAS(sa, EVS_SA_A_AUTH_KEY))
		mnl_attr_put(nlh, EVS_SA_A_AUTH_KEY, sa->auth_key_len, sa->auth_key);
	if (EVS_HAS(sa, EVS_SA_A_AUTH_TRUNC_BITS))
		mnl_attr_put_u32(nlh, EVS_SA_A_AUTH_TRUNC_BITS, sa->auth_trunc_bits);
	if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
		mnl_attr_put_u32(nlh, EVS_SA_A_KEY_BITS, sa->key_bits);
	if (EVS_HAS(sa, EVS_SA_A_AUTH_KEY_BITS))
		mnl_attr_put_u32(nlh, EVS_SA_A_AUTH_KEY_BITS, sa->auth_key_bits);
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_TYPE))
		mnl_attr_put_u8(nlh, EVS_SA_A_ENCAP_TYPE, sa->encap_type);
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_SPORT))
		mnl_attr_put_u16(nlh, EVS_SA_A_ENCAP_SPORT, sa->encap_sport);
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_DPORT))
		mnl_attr_put_u16(nlh, EVS_SA_A_ENCAP_DPORT, sa->encap_dport);
	if (EVS_HAS(sa, EVS_SA_A_REPLAY_WINDOW))
		mnl_attr_put_u32(nlh, EVS_SA_A_REPLAY_WINDOW, sa->replay_window);
	if (EVS_HAS(sa, EVS_SA_A_FLAGS))
		mnl_attr_put_u32(nlh, EVS_SA_A_FLAGS, sa->flags);
	if (EVS_HAS(sa, EVS_SA_A_LIMITS))
		put_u64_set(nlh, EVS_SA_A_LIMITS, sa->limits.has, sa->limits.v, EVS_LFT_A_MAX);
	if (EVS_HAS(sa, EVS_SA_A_CURLFT))
		put_u64_set(nlh, EVS_SA_A_CURLFT, sa->curlft.has, sa->curlft.v, EVS_LFT_A_MAX);
	if (EVS_HAS(sa, EVS_SA_A_CONN_ID))
		mnl_attr_put_u32(nlh, EVS_SA_A_CONN_ID, sa->conn_id);
	if (EVS_HAS(sa, EVS_SA_A_STATS))
		put_u64_set(nlh, EVS_SA_A_STATS, sa->stats.has, sa->stats.v, EVS_STATS_A_MAX);
	if (EVS_HAS(sa, EVS_SA_A_OSEQ))
		mnl_attr_put_u64(nlh, EVS_SA_A_OSEQ, sa->oseq);
	if (EVS_HAS(sa, EVS_SA_A_SEQ_HI))
		mnl_attr_put_u64(nlh, EVS_SA_A_SEQ_HI, sa->seq_hi);
	if (EVS_HAS(sa, EVS_SA_A_STATE))
		mnl_attr_put_u8(nlh, EVS_SA_A_STATE, sa->state);
	mnl_attr_nest_end(nlh, nest);
}

void evs_msg_put_policy(struct nlmsghdr *nlh, const struct evs_policy_info *pol)
{
	struct nlattr *nest;

	evs_msg_put_dev(nlh, &pol->dev);
	nest = mnl_attr_nest_start(nlh, EVS_A_POLICY);
	if (EVS_HAS(pol, EVS_POL_A_DIR))
		mnl_attr_put_u8(nlh, EVS_POL_A_DIR, pol->dir);
	if (EVS_HAS(pol, EVS_POL_A_SRC) || EVS_HAS(pol, EVS_POL_A_DST))
		mnl_attr_put_u16(nlh, EVS_POL_A_FAMILY, EVS_HAS(pol, EVS_POL_A_SRC) ?
				 pol->src.family : pol->dst.family);
	if (EVS_HAS(pol, EVS_POL_A_SRC)) {
		put_addr(nlh, EVS_POL_A_SRC, &pol->src);
		mnl_attr_put_u8(nlh, EVS_POL_A_SRC_PLEN, pol->src.plen);
	}
	if (EVS_HAS(pol, EVS_POL_A_DST)) {
		put_addr(nlh, EVS_POL_A_DST, &pol->dst);
		mnl_attr_put_u8(nlh, EVS_POL_A_DST_PLEN, pol->dst.plen);
	}
	if (EVS_HAS(pol, EVS_POL_A_PROTO))
		mnl_attr_put_u8(nlh, EVS_POL_A_PROTO, pol->proto);
	if (EVS_HAS(pol, EVS_POL_A_SPORT))
		mnl_attr_put_u16(nlh, EVS_POL_A_SPORT, pol->sport);
	if (EVS_HAS(pol, EVS_POL_A_DPORT))
		mnl_attr_put_u16(nlh, EVS_POL_A_DPORT, pol->dport);
	if (EVS_HAS(pol, EVS_POL_A_ACTION))
		mnl_attr_put_u8(nlh, EVS_POL_A_ACTION, pol->action);
	if (EVS_HAS(pol, EVS_POL_A_SPI))
		mnl_attr_put_u32(nlh, EVS_POL_A_SPI, pol->spi);
	if (EVS_HAS(pol, EVS_POL_A_PRIORITY))
		mnl_attr_put_u32(nlh, EVS_POL_A_PRIORITY, pol->priority);
	if (EVS_HAS(pol, EVS_POL_A_CONN_ID))
		mnl_attr_put_u32(nlh, EVS_POL_A_CONN_ID, pol->conn_id);
	if (EVS_HAS(pol, EVS_POL_A_HITS))
		mnl_attr_put_u64(nlh, EVS_POL_A_HITS, pol->hits);
	mnl_attr_nest_end(nlh, nest);
}

void evs_msg_put_conn(struct nlmsghdr *nlh, const struct evs_conn_info *conn)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, EVS_A_CONN);

	if (EVS_HAS(conn, EVS_CONN_A_ID))
		mnl_attr_put_u32(nlh, EVS_CONN_A_ID, conn->id);
	if (EVS_HAS(conn, EVS_CONN_A_N_SA))
		mnl_attr_put_u32(nlh, EVS_CONN_A_N_SA, conn->n_sa);
	if (EVS_HAS(conn, EVS_CONN_A_N_POLICY))
		mnl_attr_put_u32(nlh, EVS_CONN_A_N_POLICY, conn->n_policy);
	if (EVS_HAS(conn, EVS_CONN_A_N_ROUTE))
		mnl_attr_put_u32(nlh, EVS_CONN_A_N_ROUTE, conn->n_route);
	if (EVS_HAS(conn, EVS_CONN_A_N_PROXY_ARP))
		mnl_attr_put_u32(nlh, EVS_CONN_A_N_PROXY_ARP, conn->n_proxy_arp);
	if (EVS_HAS(conn, EVS_CONN_A_LABEL))
		mnl_attr_put_strz(nlh, EVS_CONN_A_LABEL, conn->label);
	mnl_attr_nest_end(nlh, nest);
}

void evs_msg_put_route(struct nlmsghdr *nlh, const struct evs_route_info *rt)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, EVS_A_ROUTE);

	if (EVS_HAS(rt, EVS_ROUTE_A_DST)) {
		mnl_attr_put_u16(nlh, EVS_ROUTE_A_FAMILY, rt->dst.family);
		put_addr(nlh, EVS_ROUTE_A_DST, &rt->dst);
		mnl_attr_put_u8(nlh, EVS_ROUTE_A_PLEN, rt->dst.plen);
	}
	if (EVS_HAS(rt, EVS_ROUTE_A_METRIC))
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_METRIC, rt->metric);
	if (EVS_HAS(rt, EVS_ROUTE_A_TABLE))
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_TABLE, rt->table);
	if (EVS_HAS(rt, EVS_ROUTE_A_CONN_ID))
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_CONN_ID, rt->conn_id);
	if (EVS_HAS(rt, EVS_ROUTE_A_IFINDEX))
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_IFINDEX, rt->ifindex);
	mnl_attr_nest_end(nlh, nest);
}

void evs_msg_put_parp(struct nlmsghdr *nlh, const struct evs_parp_info *parp)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, EVS_A_PROXY_ARP);

	uint16_t family = EVS_HAS(parp, EVS_PARP_A_ADDR) ? parp->addr.family :
			  EVS_HAS(parp, EVS_PARP_A_FAMILY) ? parp->family : AF_INET;

	if (EVS_HAS(parp, EVS_PARP_A_ADDR))
		put_addr(nlh, EVS_PARP_A_ADDR, &parp->addr);
	/* Absent means AF_INET: what a kernel without proxy NDP knows. */
	if (family != AF_INET)
		mnl_attr_put_u16(nlh, EVS_PARP_A_FAMILY, family);
	if (EVS_HAS(parp, EVS_PARP_A_IFINDEX))
		mnl_attr_put_u32(nlh, EVS_PARP_A_IFINDEX, parp->ifindex);
	if (EVS_HAS(parp, EVS_PARP_A_CONN_ID))
		mnl_attr_put_u32(nlh, EVS_PARP_A_CONN_ID, parp->conn_id);
	if (EVS_HAS(parp, EVS_PARP_A_ENABLE))
		mnl_attr_put_u8(nlh, EVS_PARP_A_ENABLE, parp->enable);
	mnl_attr_nest_end(nlh, nest);
}

/* --- decoding ---------------------------------------------------------- */

static int bad(void)
{
	errno = EBADMSG;
	return -1;
}

/*
 * Parse @nest into tb[] and check every known attribute against @types
 * (MNL_TYPE_UNSPEC: ignored, e.g. PAD).  Sets a bit in *has per attribute.
 */
static int get_tb(const struct nlattr *nest, const struct nlattr **tb, unsigned int max,
		  const enum mnl_attr_data_type *types, uint64_t *has)
{
	if (mnl_attr_get_payload_len(nest) && evs_nl_parse_nested(nest, tb, max) < 0)
		return bad();
	if (!mnl_attr_get_payload_len(nest))
		memset(tb, 0, (max + 1) * sizeof(*tb));
	for (unsigned int t = 1; t <= max; t++) {
		if (!tb[t])
			continue;
		if (types[t] == MNL_TYPE_UNSPEC) {
			tb[t] = NULL;
			continue;
		}
		if (mnl_attr_validate(tb[t], types[t]) < 0)
			return bad();
		*has |= 1ULL << t;
	}
	return 0;
}

static int get_addr(const struct nlattr *a, uint16_t family, uint8_t plen_or_0,
		    struct evs_inaddr *out)
{
	uint8_t plen = plen_or_0 ? plen_or_0 : family == AF_INET6 ? 128 : 32;

	if (evs_inaddr_from_raw(out, family, mnl_attr_get_payload(a),
				mnl_attr_get_payload_len(a), plen) < 0)
		return bad();
	return 0;
}

/* Truncated to @len - 1 bytes as snprintf would, without its cost (two
 * names per SA of a dump). */
static void get_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t n = strnlen(mnl_attr_get_str(a), len - 1);

	memcpy(buf, mnl_attr_get_str(a), n);
	buf[n] = '\0';
}

static int get_key(const struct nlattr *a, uint8_t *buf, uint16_t *len)
{
	size_t n = mnl_attr_get_payload_len(a);

	if (n > EVS_KEY_MAX)
		return bad();
	memcpy(buf, mnl_attr_get_payload(a), n);
	*len = (uint16_t)n;
	return 0;
}

static int get_u64_set(const struct nlattr *nest, uint64_t *has, uint64_t *v, unsigned int max)
{
	const struct nlattr *tb[64];

	*has = 0;
	if (max >= ARRAY_SIZE(tb) || evs_nl_parse_nested(nest, tb, max) < 0)
		return bad();
	for (unsigned int t = 2; t <= max; t++) {	/* 1 is PAD in every set */
		if (!tb[t])
			continue;
		if (mnl_attr_validate(tb[t], MNL_TYPE_U64) < 0)
			return bad();
		v[t] = mnl_attr_get_u64(tb[t]);
		*has |= 1ULL << t;
	}
	return 0;
}

int evs_msg_get_lft(const struct nlattr *nest, struct evs_lft *lft)
{
	memset(lft, 0, sizeof(*lft));
	return get_u64_set(nest, &lft->has, lft->v, EVS_LFT_A_MAX);
}

int evs_msg_get_counters(const struct nlattr *nest, struct evs_counters *c)
{
	memset(c, 0, sizeof(*c));
	return get_u64_set(nest, &c->has, c->v, EVS_STATS_A_MAX);
}

static const enum mnl_attr_data_type sa_types[EVS_SA_A_MAX + 1] = {
	[EVS_SA_A_DIR] = MNL_TYPE_U8,
	[EVS_SA_A_SPI] = MNL_TYPE_U32,
	[EVS_SA_A_FAMILY] = MNL_TYPE_U16,
	[EVS_SA_A_SRC] = MNL_TYPE_BINARY,
	[EVS_SA_A_DST] = MNL_TYPE_BINARY,
	[EVS_SA_A_AEAD_NAME] = MNL_TYPE_NUL_STRING,
	[EVS_SA_A_AEAD_KEY] = MNL_TYPE_BINARY,
	[EVS_SA_A_AEAD_ICV_BITS] = MNL_TYPE_U32,
	[EVS_SA_A_ENC_NAME] = MNL_TYPE_NUL_STRING,
	[EVS_SA_A_ENC_KEY] = MNL_TYPE_BINARY,
	[EVS_SA_A_AUTH_NAME] = MNL_TYPE_NUL_STRING,
	[EVS_SA_A_AUTH_KEY] = MNL_TYPE_BINARY,
	[EVS_SA_A_AUTH_TRUNC_BITS] = MNL_TYPE_U32,
	[EVS_SA_A_KEY_BITS] = MNL_TYPE_U32,
	[EVS_SA_A_AUTH_KEY_BITS] = MNL_TYPE_U32,
	[EVS_SA_A_ENCAP_TYPE] = MNL_TYPE_U8,
	[EVS_SA_A_ENCAP_SPORT] = MNL_TYPE_U16,
	[EVS_SA_A_ENCAP_DPORT] = MNL_TYPE_U16,
	[EVS_SA_A_REPLAY_WINDOW] = MNL_TYPE_U32,
	[EVS_SA_A_FLAGS] = MNL_TYPE_U32,
	[EVS_SA_A_LIMITS] = MNL_TYPE_NESTED,
	[EVS_SA_A_CURLFT] = MNL_TYPE_NESTED,
	[EVS_SA_A_CONN_ID] = MNL_TYPE_U32,
	[EVS_SA_A_STATS] = MNL_TYPE_NESTED,
	[EVS_SA_A_OSEQ] = MNL_TYPE_U64,
	[EVS_SA_A_SEQ_HI] = MNL_TYPE_U64,
	[EVS_SA_A_STATE] = MNL_TYPE_U8,
};

int evs_msg_get_sa(const struct nlattr *nest, struct evs_sa_info *sa)
{
	const struct nlattr *tb[EVS_SA_A_MAX + 1];
	uint16_t family = AF_INET;
	struct evs_msg_dev dev = sa->dev;	/* filled by the caller, if at all */

	memset(sa, 0, sizeof(*sa));
	sa->dev = dev;
	if (get_tb(nest, tb, EVS_SA_A_MAX, sa_types, &sa->has))
		return -1;
	if (tb[EVS_SA_A_DIR])
		sa->dir = mnl_attr_get_u8(tb[EVS_SA_A_DIR]);
	if (tb[EVS_SA_A_SPI])
		sa->spi = mnl_attr_get_u32(tb[EVS_SA_A_SPI]);
	if (tb[EVS_SA_A_FAMILY])
		family = mnl_attr_get_u16(tb[EVS_SA_A_FAMILY]);
	if (tb[EVS_SA_A_SRC] && get_addr(tb[EVS_SA_A_SRC], family, 0, &sa->src))
		return -1;
	if (tb[EVS_SA_A_DST] && get_addr(tb[EVS_SA_A_DST], family, 0, &sa->dst))
		return -1;
	if (tb[EVS_SA_A_AEAD_NAME])
		get_str(tb[EVS_SA_A_AEAD_NAME], sa->aead_name, sizeof(sa->aead_name));
	if (tb[EVS_SA_A_AEAD_KEY] && get_key(tb[EVS_SA_A_AEAD_KEY], sa->aead_key, &sa->aead_key_len))
		return -1;
	if (tb[EVS_SA_A_AEAD_ICV_BITS])
		sa->aead_icv_bits = mnl_attr_get_u32(tb[EVS_SA_A_AEAD_ICV_BITS]);
	if (tb[EVS_SA_A_ENC_NAME])
		get_str(tb[EVS_SA_A_ENC_NAME], sa->enc_name, sizeof(sa->enc_name));
	if (tb[EVS_SA_A_ENC_KEY] && get_key(tb[EVS_SA_A_ENC_KEY], sa->enc_key, &sa->enc_key_len))
		return -1;
	if (tb[EVS_SA_A_AUTH_NAME])
		get_str(tb[EVS_SA_A_AUTH_NAME], sa->auth_name, sizeof(sa->auth_name));
	if (tb[EVS_SA_A_AUTH_KEY] && get_key(tb[EVS_SA_A_AUTH_KEY], sa->auth_key, &sa->auth_key_len))
		return -1;
	if (tb[EVS_SA_A_AUTH_TRUNC_BITS])
		sa->auth_trunc_bits = mnl_attr_get_u32(tb[EVS_SA_A_AUTH_TRUNC_BITS]);
	if (tb[EVS_SA_A_KEY_BITS])
		sa->key_bits = mnl_attr_get_u32(tb[EVS_SA_A_KEY_BITS]);
	if (tb[EVS_SA_A_AUTH_KEY_BITS])
		sa->auth_key_bits = mnl_attr_get_u32(tb[EVS_SA_A_AUTH_KEY_BITS]);
	if (tb[EVS_SA_A_ENCAP_TYPE])
		sa->encap_type = mnl_attr_get_u8(tb[EVS_SA_A_ENCAP_TYPE]);
	if (tb[EVS_SA_A_ENCAP_SPORT])
		sa->encap_sport = mnl_attr_get_u16(tb[EVS_SA_A_ENCAP_SPORT]);
	if (tb[EVS_SA_A_ENCAP_DPORT])
		sa->encap_dport = mnl_attr_get_u16(tb[EVS_SA_A_ENCAP_DPORT]);
	if (tb[EVS_SA_A_REPLAY_WINDOW])
		sa->replay_window = mnl_attr_get_u32(tb[EVS_SA_A_REPLAY_WINDOW]);
	if (tb[EVS_SA_A_FLAGS])
		sa->flags = mnl_attr_get_u32(tb[EVS_SA_A_FLAGS]);
	if (tb[EVS_SA_A_LIMITS] && evs_msg_get_lft(tb[EVS_SA_A_LIMITS], &sa->limits))
		return -1;
	if (tb[EVS_SA_A_CURLFT] && evs_msg_get_lft(tb[EVS_SA_A_CURLFT], &sa->curlft))
		return -1;
	if (tb[EVS_SA_A_CONN_ID])
		sa->conn_id = mnl_attr_get_u32(tb[EVS_SA_A_CONN_ID]);
	if (tb[EVS_SA_A_STATS] && evs_msg_get_counters(tb[EVS_SA_A_STATS], &sa->stats))
		return -1;
	if (tb[EVS_SA_A_OSEQ])
		sa->oseq = mnl_attr_get_u64(tb[EVS_SA_A_OSEQ]);
	if (tb[EVS_SA_A_SEQ_HI])
		sa->seq_hi = mnl_attr_get_u64(tb[EVS_SA_A_SEQ_HI]);
	if (tb[EVS_SA_A_STATE])
		sa->state = mnl_attr_get_u8(tb[EVS_SA_A_STATE]);
	return 0;
}

static const enum mnl_attr_data_type pol_types[EVS_POL_A_MAX + 1] = {
	[EVS_POL_A_DIR] = MNL_TYPE_U8,
	[EVS_POL_A_FAMILY] = MNL_TYPE_U16,
	[EVS_POL_A_SRC] = MNL_TYPE_BINARY,
	[EVS_POL_A_SRC_PLEN] = MNL_TYPE_U8,
	[EVS_POL_A_DST] = MNL_TYPE_BINARY,
	[EVS_POL_A_DST_PLEN] = MNL_TYPE_U8,
	[EVS_POL_A_PROTO] = MNL_TYPE_U8,
	[EVS_POL_A_SPORT] = MNL_TYPE_U16,
	[EVS_POL_A_DPORT] = MNL_TYPE_U16,
	[EVS_POL_A_ACTION] = MNL_TYPE_U8,
	[EVS_POL_A_SPI] = MNL_TYPE_U32,
	[EVS_POL_A_PRIORITY] = MNL_TYPE_U32,
	[EVS_POL_A_CONN_ID] = MNL_TYPE_U32,
	[EVS_POL_A_HITS] = MNL_TYPE_U64,
};

static int get_prefix(const struct nlattr *a, const struct nlattr *plen, uint16_t family,
		      struct evs_inaddr *out)
{
	uint8_t max = family == AF_INET6 ? 128 : 32;
	uint8_t len = plen ? mnl_attr_get_u8(plen) : max;

	if (len > max)
		return bad();
	/* evs_inaddr_from_raw takes 0 as a real length; get_addr does not. */
	if (evs_inaddr_from_raw(out, family, mnl_attr_get_payload(a),
				mnl_attr_get_payload_len(a), len) < 0)
		return bad();
	return 0;
}

int evs_msg_get_policy(const struct nlattr *nest, struct evs_policy_info *pol)
{
	const struct nlattr *tb[EVS_POL_A_MAX + 1];
	struct evs_msg_dev dev = pol->dev;
	uint16_t family = AF_INET;

	memset(pol, 0, sizeof(*pol));
	pol->dev = dev;
	if (get_tb(nest, tb, EVS_POL_A_MAX, pol_types, &pol->has))
		return -1;
	if (tb[EVS_POL_A_DIR])
		pol->dir = mnl_attr_get_u8(tb[EVS_POL_A_DIR]);
	if (tb[EVS_POL_A_FAMILY])
		family = mnl_attr_get_u16(tb[EVS_POL_A_FAMILY]);
	if (tb[EVS_POL_A_SRC] &&
	    get_prefix(tb[EVS_POL_A_SRC], tb[EVS_POL_A_SRC_PLEN], family, &pol->src))
		return -1;
	if (tb[EVS_POL_A_DST] &&
	    get_prefix(tb[EVS_POL_A_DST], tb[EVS_POL_A_DST_PLEN], family, &pol->dst))
		return -1;
	if (tb[EVS_POL_A_PROTO])
		pol->proto = mnl_attr_get_u8(tb[EVS_POL_A_PROTO]);
	if (tb[EVS_POL_A_SPORT])
		pol->sport = mnl_attr_get_u16(tb[EVS_POL_A_SPORT]);
	if (tb[EVS_POL_A_DPORT])
		pol->dport = mnl_attr_get_u16(tb[EVS_POL_A_DPORT]);
	if (tb[EVS_POL_A_ACTION])
		pol->action = mnl_attr_get_u8(tb[EVS_POL_A_ACTION]);
	if (tb[EVS_POL_A_SPI])
		pol->spi = mnl_attr_get_u32(tb[EVS_POL_A_SPI]);
	if (tb[EVS_POL_A_PRIORITY])
		pol->priority = mnl_attr_get_u32(tb[EVS_POL_A_PRIORITY]);
	if (tb[EVS_POL_A_CONN_ID])
		pol->conn_id = mnl_attr_get_u32(tb[EVS_POL_A_CONN_ID]);
	if (tb[EVS_POL_A_HITS])
		pol->hits = mnl_attr_get_u64(tb[EVS_POL_A_HITS]);
	return 0;
}

static const enum mnl_attr_data_type conn_types[EVS_CONN_A_MAX + 1] = {
	[EVS_CONN_A_ID] = MNL_TYPE_U32,
	[EVS_CONN_A_N_SA] = MNL_TYPE_U32,
	[EVS_CONN_A_N_POLICY] = MNL_TYPE_U32,
	[EVS_CONN_A_N_ROUTE] = MNL_TYPE_U32,
	[EVS_CONN_A_N_PROXY_ARP] = MNL_TYPE_U32,
	[EVS_CONN_A_LABEL] = MNL_TYPE_NUL_STRING,
};

int evs_msg_get_conn(const struct nlattr *nest, struct evs_conn_info *conn)
{
	const struct nlattr *tb[EVS_CONN_A_MAX + 1];

	memset(conn, 0, sizeof(*conn));
	if (get_tb(nest, tb, EVS_CONN_A_MAX, conn_types, &conn->has))
		return -1;
	if (tb[EVS_CONN_A_ID])
		conn->id = mnl_attr_get_u32(tb[EVS_CONN_A_ID]);
	if (tb[EVS_CONN_A_N_SA])
		conn->n_sa = mnl_attr_get_u32(tb[EVS_CONN_A_N_SA]);
	if (tb[EVS_CONN_A_N_POLICY])
		conn->n_policy = mnl_attr_get_u32(tb[EVS_CONN_A_N_POLICY]);
	if (tb[EVS_CONN_A_N_ROUTE])
		conn->n_route = mnl_attr_get_u32(tb[EVS_CONN_A_N_ROUTE]);
	if (tb[EVS_CONN_A_N_PROXY_ARP])
		conn->n_proxy_arp = mnl_attr_get_u32(tb[EVS_CONN_A_N_PROXY_ARP]);
	if (tb[EVS_CONN_A_LABEL])
		get_str(tb[EVS_CONN_A_LABEL], conn->label, sizeof(conn->label));
	return 0;
}

static const enum mnl_attr_data_type route_types[EVS_ROUTE_A_MAX + 1] = {
	[EVS_ROUTE_A_FAMILY] = MNL_TYPE_U16,
	[EVS_ROUTE_A_DST] = MNL_TYPE_BINARY,
	[EVS_ROUTE_A_PLEN] = MNL_TYPE_U8,
	[EVS_ROUTE_A_METRIC] = MNL_TYPE_U32,
	[EVS_ROUTE_A_TABLE] = MNL_TYPE_U32,
	[EVS_ROUTE_A_CONN_ID] = MNL_TYPE_U32,
	[EVS_ROUTE_A_IFINDEX] = MNL_TYPE_U32,
};

int evs_msg_get_route(const struct nlattr *nest, struct evs_route_info *rt)
{
	const struct nlattr *tb[EVS_ROUTE_A_MAX + 1];
	uint16_t family = AF_INET;

	memset(rt, 0, sizeof(*rt));
	if (get_tb(nest, tb, EVS_ROUTE_A_MAX, route_types, &rt->has))
		return -1;
	if (tb[EVS_ROUTE_A_FAMILY])
		family = mnl_attr_get_u16(tb[EVS_ROUTE_A_FAMILY]);
	if (tb[EVS_ROUTE_A_DST] &&
	    get_prefix(tb[EVS_ROUTE_A_DST], tb[EVS_ROUTE_A_PLEN], family, &rt->dst))
		return -1;
	if (tb[EVS_ROUTE_A_METRIC])
		rt->metric = mnl_attr_get_u32(tb[EVS_ROUTE_A_METRIC]);
	if (tb[EVS_ROUTE_A_TABLE])
		rt->table = mnl_attr_get_u32(tb[EVS_ROUTE_A_TABLE]);
	if (tb[EVS_ROUTE_A_CONN_ID])
		rt->conn_id = mnl_attr_get_u32(tb[EVS_ROUTE_A_CONN_ID]);
	if (tb[EVS_ROUTE_A_IFINDEX])
		rt->ifindex = mnl_attr_get_u32(tb[EVS_ROUTE_A_IFINDEX]);
	return 0;
}

static const enum mnl_attr_data_type parp_types[EVS_PARP_A_MAX + 1] = {
	[EVS_PARP_A_ADDR] = MNL_TYPE_BINARY,
	[EVS_PARP_A_IFINDEX] = MNL_TYPE_U32,
	[EVS_PARP_A_CONN_ID] = MNL_TYPE_U32,
	[EVS_PARP_A_ENABLE] = MNL_TYPE_U8,
	[EVS_PARP_A_FAMILY] = MNL_TYPE_U16,
};

int evs_msg_get_parp(const struct nlattr *nest, struct evs_parp_info *parp)
{
	const struct nlattr *tb[EVS_PARP_A_MAX + 1];

	memset(parp, 0, sizeof(*parp));
	if (get_tb(nest, tb, EVS_PARP_A_MAX, parp_types, &parp->has))
		return -1;
	parp->family = tb[EVS_PARP_A_FAMILY] ? mnl_attr_get_u16(tb[EVS_PARP_A_FAMILY]) : AF_INET;
	if (tb[EVS_PARP_A_ADDR] && get_addr(tb[EVS_PARP_A_ADDR], parp->family, 0, &parp->addr))
		return -1;
	if (tb[EVS_PARP_A_IFINDEX])
		parp->ifindex = mnl_attr_get_u32(tb[EVS_PARP_A_IFINDEX]);
	if (tb[EVS_PARP_A_CONN_ID])
		parp->conn_id = mnl_attr_get_u32(tb[EVS_PARP_A_CONN_ID]);
	if (tb[EVS_PARP_A_ENABLE])
		parp->enable = mnl_attr_get_u8(tb[EVS_PARP_A_ENABLE]);
	return 0;
}

/* Top-level attributes of any evs message, type-checked. */
static int get_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	static const enum mnl_attr_data_type top_types[EVS_A_MAX + 1] = {
		[EVS_A_VERSION] = MNL_TYPE_NUL_STRING,
		[EVS_A_GENL_VERSION] = MNL_TYPE_U32,
		[EVS_A_IFINDEX] = MNL_TYPE_U32,
		[EVS_A_IFNAME] = MNL_TYPE_NUL_STRING,
		[EVS_A_SA] = MNL_TYPE_NESTED,
		[EVS_A_POLICY] = MNL_TYPE_NESTED,
		[EVS_A_CONN] = MNL_TYPE_NESTED,
		[EVS_A_ROUTE] = MNL_TYPE_NESTED,
		[EVS_A_PROXY_ARP] = MNL_TYPE_NESTED,
		[EVS_A_STATS] = MNL_TYPE_NESTED,
		[EVS_A_ENCAP_FD] = MNL_TYPE_U32,
		[EVS_A_EXPIRE_HARD] = MNL_TYPE_FLAG,
		[EVS_A_EVENT_OP] = MNL_TYPE_U8,
		[EVS_A_REASON] = MNL_TYPE_U8,
	};

	if (evs_nl_parse_attrs(nlh, tb, EVS_A_MAX) < 0)
		return bad();
	for (unsigned int t = 1; t <= EVS_A_MAX; t++) {
		if (!tb[t] || top_types[t] == MNL_TYPE_UNSPEC)
			continue;
		if (mnl_attr_validate(tb[t], top_types[t]) < 0)
			return bad();
	}
	return 0;
}

static void get_dev_tb(const struct nlattr **tb, struct evs_msg_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	if (tb[EVS_A_IFINDEX])
		dev->ifindex = mnl_attr_get_u32(tb[EVS_A_IFINDEX]);
	if (tb[EVS_A_IFNAME])
		get_str(tb[EVS_A_IFNAME], dev->ifname, sizeof(dev->ifname));
}

int evs_msg_get_dev(const struct nlmsghdr *nlh, struct evs_msg_dev *dev)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb))
		return -1;
	get_dev_tb(tb, dev);
	return 0;
}

int evs_msg_parse_sa(const struct nlmsghdr *nlh, struct evs_sa_info *sa)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb) || !tb[EVS_A_SA])
		return bad();
	get_dev_tb(tb, &sa->dev);
	return evs_msg_get_sa(tb[EVS_A_SA], sa);
}

int evs_msg_parse_policy(const struct nlmsghdr *nlh, struct evs_policy_info *pol)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb) || !tb[EVS_A_POLICY])
		return bad();
	get_dev_tb(tb, &pol->dev);
	return evs_msg_get_policy(tb[EVS_A_POLICY], pol);
}

int evs_msg_parse_conn(const struct nlmsghdr *nlh, struct evs_conn_info *conn)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb) || !tb[EVS_A_CONN])
		return bad();
	return evs_msg_get_conn(tb[EVS_A_CONN], conn);
}

int evs_msg_parse_route(const struct nlmsghdr *nlh, struct evs_route_info *rt)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb) || !tb[EVS_A_ROUTE])
		return bad();
	if (evs_msg_get_route(tb[EVS_A_ROUTE], rt))
		return -1;
	/* The device may come at top level instead of in the nest. */
	if (!EVS_HAS(rt, EVS_ROUTE_A_IFINDEX) && tb[EVS_A_IFINDEX]) {
		rt->ifindex = mnl_attr_get_u32(tb[EVS_A_IFINDEX]);
		EVS_SET(rt, EVS_ROUTE_A_IFINDEX);
	}
	return 0;
}

int evs_msg_parse_parp(const struct nlmsghdr *nlh, struct evs_parp_info *parp)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb) || !tb[EVS_A_PROXY_ARP])
		return bad();
	if (evs_msg_get_parp(tb[EVS_A_PROXY_ARP], parp))
		return -1;
	if (!EVS_HAS(parp, EVS_PARP_A_IFINDEX) && tb[EVS_A_IFINDEX]) {
		parp->ifindex = mnl_attr_get_u32(tb[EVS_A_IFINDEX]);
		EVS_SET(parp, EVS_PARP_A_IFINDEX);
	}
	return 0;
}

int evs_msg_parse_link(const struct nlmsghdr *nlh, struct evs_link_info *link)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	memset(link, 0, sizeof(*link));
	if (get_top(nlh, tb) || !tb[EVS_A_IFINDEX])
		return bad();
	get_dev_tb(tb, &link->dev);
	if (tb[EVS_A_STATS]) {
		if (evs_msg_get_counters(tb[EVS_A_STATS], &link->stats))
			return -1;
		link->has_stats = true;
	}
	return 0;
}

int evs_msg_parse_version(const struct nlmsghdr *nlh, char *version, size_t len,
			  uint32_t *genl_version)
{
	const struct nlattr *tb[EVS_A_MAX + 1];

	if (get_top(nlh, tb) || !tb[EVS_A_VERSION])
		return bad();
	get_str(tb[EVS_A_VERSION], version, len);
	*genl_version = tb[EVS_A_GENL_VERSION] ? mnl_attr_get_u32(tb[EVS_A_GENL_VERSION]) : 0;
	return 0;
}

int evs_msg_parse_event(const struct nlmsghdr *nlh, struct evs_event *ev)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[EVS_A_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN || get_top(nlh, tb))
		return bad();
	ev->cmd = g->cmd;
	get_dev_tb(tb, &ev->dev);
	ev->hard = tb[EVS_A_EXPIRE_HARD] != NULL;
	if (tb[EVS_A_EVENT_OP])
		ev->op = mnl_attr_get_u8(tb[EVS_A_EVENT_OP]);
	if (tb[EVS_A_REASON]) {
		ev->has_reason = true;
		ev->reason = mnl_attr_get_u8(tb[EVS_A_REASON]);
	}
	ev->sa.dev = ev->dev;
	ev->policy.dev = ev->dev;
	if (tb[EVS_A_SA] && evs_msg_get_sa(tb[EVS_A_SA], &ev->sa))
		return -1;
	if (tb[EVS_A_POLICY] && evs_msg_get_policy(tb[EVS_A_POLICY], &ev->policy))
		return -1;
	if (tb[EVS_A_CONN] && evs_msg_get_conn(tb[EVS_A_CONN], &ev->conn))
		return -1;
	if (tb[EVS_A_ROUTE] && evs_msg_get_route(tb[EVS_A_ROUTE], &ev->route))
		return -1;
	if (tb[EVS_A_PROXY_ARP] && evs_msg_get_parp(tb[EVS_A_PROXY_ARP], &ev->parp))
		return -1;
	/* Events never carry keys, but a copy of one must not linger either. */
	ev->sa.aead_key_len = ev->sa.enc_key_len = ev->sa.auth_key_len = 0;
	explicit_bzero(ev->sa.aead_key, sizeof(ev->sa.aead_key));
	explicit_bzero(ev->sa.enc_key, sizeof(ev->sa.enc_key));
	explicit_bzero(ev->sa.auth_key, sizeof(ev->sa.auth_key));
	return 0;
}

void evs_sa_info_wipe(struct evs_sa_info *sa)
{
	explicit_bzero(sa, sizeof(*sa));
}

/* --- names ------------------------------------------------------------- */

static const char *name_of(const char *const *names, size_t n, unsigned int i)
{
	return i < n ? names[i] : NULL;
}

const char *evs_stats_name(unsigned int type)
{
	static const char *const names[] = {
		[EVS_STATS_A_RX_PACKETS] = "rx_packets",
		[EVS_STATS_A_RX_BYTES] = "rx_bytes",
		[EVS_STATS_A_TX_PACKETS] = "tx_packets",
		[EVS_STATS_A_TX_BYTES] = "tx_bytes",
		[EVS_STATS_A_DROP_NO_SA] = "drop_no_sa",
		[EVS_STATS_A_DROP_REPLAY] = "drop_replay",
		[EVS_STATS_A_DROP_AUTH] = "drop_auth",
		[EVS_STATS_A_DROP_BAD_LEN] = "drop_bad_len",
		[EVS_STATS_A_DROP_POLICY] = "drop_policy",
		[EVS_STATS_A_DROP_NO_POLICY] = "drop_no_policy",
		[EVS_STATS_A_DROP_EXPIRED] = "drop_expired",
		[EVS_STATS_A_DROP_ENCAP] = "drop_encap",
		[EVS_STATS_A_DROP_CIPHER] = "drop_cipher",
		[EVS_STATS_A_DROP_OTHER] = "drop_other",
		[EVS_STATS_A_RX_DUMMY] = "rx_dummy",
	};

	return name_of(names, ARRAY_SIZE(names), type);
}

const char *evs_lft_name(unsigned int type)
{
	static const char *const names[] = {
		[EVS_LFT_A_BYTES_SOFT] = "bytes-soft",
		[EVS_LFT_A_BYTES_HARD] = "bytes-hard",
		[EVS_LFT_A_PACKETS_SOFT] = "packets-soft",
		[EVS_LFT_A_PACKETS_HARD] = "packets-hard",
		[EVS_LFT_A_TIME_SOFT] = "time-soft",
		[EVS_LFT_A_TIME_HARD] = "time-hard",
		[EVS_LFT_A_USE_SOFT] = "use-soft",
		[EVS_LFT_A_USE_HARD] = "use-hard",
		[EVS_LFT_A_BYTES] = "bytes",
		[EVS_LFT_A_PACKETS] = "packets",
		[EVS_LFT_A_ADD_TIME] = "add-time",
		[EVS_LFT_A_USE_TIME] = "use-time",
	};

	return name_of(names, ARRAY_SIZE(names), type);
}

const char *evs_dir_name(uint8_t dir)
{
	return dir == EVS_DIR_IN ? "in" : dir == EVS_DIR_OUT ? "out" : "?";
}

const char *evs_sa_state_name(uint8_t state)
{
	static const char *const names[] = {
		[EVS_SA_STATE_VALID] = "valid",
		[EVS_SA_STATE_SOFT_EXPIRED] = "soft-expired",
		[EVS_SA_STATE_DEAD] = "dead",
	};
	const char *n = name_of(names, ARRAY_SIZE(names), state);

	return n ? n : "unknown";
}

const char *evs_pol_action_name(uint8_t action)
{
	static const char *const names[] = {
		[EVS_POL_IPSEC] = "ipsec",
		[EVS_POL_BYPASS] = "bypass",
		[EVS_POL_DROP] = "drop",
	};
	const char *n = name_of(names, ARRAY_SIZE(names), action);

	return n ? n : "unknown";
}

const char *evs_reason_name(uint8_t reason)
{
	static const char *const names[] = {
		[EVS_REASON_USER] = "user",
		[EVS_REASON_HARD_EXPIRE] = "hard-expire",
		[EVS_REASON_SEQ_EXHAUSTED] = "seq-exhausted",
		[EVS_REASON_CONN_DELETED] = "conn-deleted",
		[EVS_REASON_DEVICE_GONE] = "device-gone",
	};
	const char *n = name_of(names, ARRAY_SIZE(names), reason);

	return n ? n : "unknown";
}

const char *evs_event_name(uint8_t cmd)
{
	switch (cmd) {
	case EVS_CMD_EV_EXPIRE:		return "expire";
	case EVS_CMD_EV_SA_DELETED:	return "sa-deleted";
	case EVS_CMD_EV_NAT_MAPPING:	return "nat-mapping";
	case EVS_CMD_EV_CONN_DELETED:	return "conn-deleted";
	case EVS_CMD_EV_ROUTE:		return "route";
	case EVS_CMD_EV_PROXY_ARP:	return "proxy-arp";
	case EVS_CMD_EV_POLICY:		return "policy";
	case EVS_CMD_EV_SA_ADDED:	return "sa-added";
	default:			return "unknown";
	}
}
