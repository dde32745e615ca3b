// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink requests for SAs: parse and validate EVS_A_SA, add,
 * update, delete, get, dump and flush through the SAD (sad.c), and the
 * fill code that replies and events share.
 */
#include "evs.h"

#include "replay.h"

#include <net/sock.h>

static int evs_sa_fill_lft(struct sk_buff *msg, struct evs_sa *sa, bool cur)
{
	const struct evs_lifetime *l = &sa->limits;
	const u64 v[] = {
		[EVS_LFT_A_BYTES_SOFT] = l->bytes_soft,
		[EVS_LFT_A_BYTES_HARD] = l->bytes_hard,
		[EVS_LFT_A_PACKETS_SOFT] = l->packets_soft,
		[EVS_LFT_A_PACKETS_HARD] = l->packets_hard,
		[EVS_LFT_A_TIME_SOFT] = l->time_soft,
		[EVS_LFT_A_TIME_HARD] = l->time_hard,
		[EVS_LFT_A_USE_SOFT] = l->use_soft,
		[EVS_LFT_A_USE_HARD] = l->use_hard,
	};
	u64 use = atomic64_read(&sa->use_time);
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(msg, EVS_SA_A_LIMITS);
	if (!nest)
		return -EMSGSIZE;
	for (i = EVS_LFT_A_BYTES_SOFT; i <= EVS_LFT_A_USE_HARD; i++)
		if (v[i] && nla_put_u64_64bit(msg, i, v[i], EVS_LFT_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	if (!cur)
		return 0;

	nest = nla_nest_start(msg, EVS_SA_A_CURLFT);
	if (!nest ||
	    nla_put_u64_64bit(msg, EVS_LFT_A_BYTES,
			      atomic64_read(&sa->cur_bytes), EVS_LFT_A_PAD) ||
	    nla_put_u64_64bit(msg, EVS_LFT_A_PACKETS,
			      atomic64_read(&sa->cur_packets), EVS_LFT_A_PAD) ||
	    nla_put_u64_64bit(msg, EVS_LFT_A_ADD_TIME,
			      div_u64(sa->add_time, NSEC_PER_SEC),
			      EVS_LFT_A_PAD) ||
	    nla_put_u64_64bit(msg, EVS_LFT_A_USE_TIME,
			      div_u64(use, NSEC_PER_SEC), EVS_LFT_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* The SA nest: configuration, state, limits and, unless @brief, current
 * lifetimes and (with @stats) counters; never keys.
 */
static int evs_sa_fill_nest(struct sk_buff *msg, struct evs_sa *sa, bool stats,
			    bool brief)
{
	const struct evs_sa_encap *encap;
	union evs_addr src = sa->src, dst = sa->dst;
	struct nlattr *nest;
	int ret = -EMSGSIZE;

	nest = nla_nest_start(msg, EVS_A_SA);
	if (!nest)
		return -EMSGSIZE;
	rcu_read_lock();
	encap = rcu_dereference(sa->encap);
	/* The peer's address may have moved (NAT rebinding, SA_UPDATE). */
	if (sa->dir == EVS_DIR_OUT)
		dst = encap->peer;
	else
		src = encap->peer;
	if (nla_put_u8(msg, EVS_SA_A_DIR, sa->dir) ||
	    nla_put_u32(msg, EVS_SA_A_SPI, sa->spi) ||
	    nla_put_u16(msg, EVS_SA_A_FAMILY, sa->family) ||
	    evs_nla_put_addr(msg, EVS_SA_A_SRC, sa->family, &src) ||
	    evs_nla_put_addr(msg, EVS_SA_A_DST, sa->family, &dst) ||
	    (encap->type != EVS_ENCAP_NONE &&
	     (nla_put_u8(msg, EVS_SA_A_ENCAP_TYPE, encap->type) ||
	      nla_put_u16(msg, EVS_SA_A_ENCAP_SPORT, ntohs(encap->sport)) ||
	      nla_put_u16(msg, EVS_SA_A_ENCAP_DPORT, ntohs(encap->dport))))) {
		rcu_read_unlock();
		goto cancel;
	}
	rcu_read_unlock();

	if (nla_put_u32(msg, EVS_SA_A_REPLAY_WINDOW, sa->replay_window) ||
	    nla_put_u32(msg, EVS_SA_A_FLAGS, sa->flags) ||
	    nla_put_u32(msg, EVS_SA_A_CONN_ID, sa->conn_id) ||
	    nla_put_u8(msg, EVS_SA_A_STATE, READ_ONCE(sa->state)))
		goto cancel;
	if (sa->dir == EVS_DIR_OUT &&
	    nla_put_u64_64bit(msg, EVS_SA_A_OSEQ, atomic64_read(&sa->oseq),
			      EVS_SA_A_PAD))
		goto cancel;
	if (sa->dir == EVS_DIR_IN && sa->replay &&
	    nla_put_u64_64bit(msg, EVS_SA_A_SEQ_HI,
			      evs_replay_top(sa->replay), EVS_SA_A_PAD))
		goto cancel;
	ret = evs_esp_fill(msg, sa);
	if (ret)
		goto cancel;
	ret = -EMSGSIZE;
	if (evs_sa_fill_lft(msg, sa, !brief))
		goto cancel;
	if (stats && !brief && evs_sa_stats_fill(msg, EVS_SA_A_STATS, sa))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;

cancel:
	nla_nest_cancel(msg, nest);
	return ret;
}

int evs_sa_fill(struct sk_buff *msg, struct evs_sa *sa, bool stats)
{
	return evs_sa_fill_nest(msg, sa, stats, false);
}

/* @brief: a dump for a listing that shows no counters (EVS_A_DUMP_BRIEF):
 * summing the per-CPU counters and sending them is most of the fill.
 */
static int evs_sa_fill_msg(struct sk_buff *msg, struct evs_sa *sa, u8 cmd,
			   u32 portid, u32 seq, int flags, bool brief)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &evs_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, EVS_A_IFINDEX, sa->ed->dev->ifindex) ||
	    evs_sa_fill_nest(msg, sa, true, brief)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int evs_parse_addr(struct nlattr *a, u16 family, union evs_addr *out,
			  struct netlink_ext_ack *extack)
{
	memset(out, 0, sizeof(*out));
	if (!a)
		return 0;
	if (nla_len(a) == evs_addr_len(family)) {
		nla_memcpy(out, a, nla_len(a));
		return 0;
	}
	if (family == AF_INET)
		NL_SET_ERR_MSG_ATTR(extack, a, "an IPv4 address must be 4 bytes long");
	else
		NL_SET_ERR_MSG_ATTR(extack, a, "an IPv6 address must be 16 bytes long");
	return -EINVAL;
}

static void evs_parse_lifetime(struct nlattr **lt, struct evs_lifetime *l)
{
	memset(l, 0, sizeof(*l));
	if (lt[EVS_LFT_A_BYTES_SOFT])
		l->bytes_soft = nla_get_u64(lt[EVS_LFT_A_BYTES_SOFT]);
	if (lt[EVS_LFT_A_BYTES_HARD])
		l->bytes_hard = nla_get_u64(lt[EVS_LFT_A_BYTES_HARD]);
	if (lt[EVS_LFT_A_PACKETS_SOFT])
		l->packets_soft = nla_get_u64(lt[EVS_LFT_A_PACKETS_SOFT]);
	if (lt[EVS_LFT_A_PACKETS_HARD])
		l->packets_hard = nla_get_u64(lt[EVS_LFT_A_PACKETS_HARD]);
	if (lt[EVS_LFT_A_TIME_SOFT])
		l->time_soft = nla_get_u64(lt[EVS_LFT_A_TIME_SOFT]);
	if (lt[EVS_LFT_A_TIME_HARD])
		l->time_hard = nla_get_u64(lt[EVS_LFT_A_TIME_HARD]);
	if (lt[EVS_LFT_A_USE_SOFT])
		l->use_soft = nla_get_u64(lt[EVS_LFT_A_USE_SOFT]);
	if (lt[EVS_LFT_A_USE_HARD])
		l->use_hard = nla_get_u64(lt[EVS_LFT_A_USE_HARD]);
}

/* A soft limit above its hard limit would never fire: refuse it. */
static int evs_check_lifetime(const struct evs_lifetime *l, struct nlattr *a,
			      struct netlink_ext_ack *extack)
{
	if ((l->bytes_hard && l->bytes_soft > l->bytes_hard) ||
	    (l->packets_hard && l->packets_soft > l->packets_hard) ||
	    (l->time_hard && l->time_soft > l->time_hard) ||
	    (l->use_hard && l->use_soft > l->use_hard)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "a soft lifetime limit exceeds its hard limit");
		return -EINVAL;
	}
	return 0;
}

static int evs_parse_lifetime_attr(struct nlattr *a, struct evs_lifetime *l,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *lt[EVS_LFT_A_MAX + 1];
	int ret;

	memset(l, 0, sizeof(*l));
	if (!a)
		return 0;
	ret = nla_parse_nested(lt, EVS_LFT_A_MAX, a, NULL, extack);
	if (ret)
		return ret;
	evs_parse_lifetime(lt, l);
	return evs_check_lifetime(l, a, extack);
}

/* Outer encapsulation from attributes; @peer is the remote outer address. */
static struct evs_sa_encap *evs_parse_encap(struct nlattr **tb,
					    const union evs_addr *peer,
					    struct netlink_ext_ack *extack)
{
	struct evs_sa_encap *e;
	u8 type = EVS_ENCAP_NONE;

	if (tb[EVS_SA_A_ENCAP_TYPE])
		type = nla_get_u8(tb[EVS_SA_A_ENCAP_TYPE]);
	if (type == EVS_ENCAP_ESPINUDP &&
	    (!tb[EVS_SA_A_ENCAP_SPORT] || !tb[EVS_SA_A_ENCAP_DPORT] ||
	     !nla_get_u16(tb[EVS_SA_A_ENCAP_SPORT]) ||
	     !nla_get_u16(tb[EVS_SA_A_ENCAP_DPORT]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_SA_A_ENCAP_TYPE],
				    "espinudp needs non-zero source and destination ports");
		return ERR_PTR(-EINVAL);
	}
	if (type == EVS_ENCAP_NONE &&
	    (tb[EVS_SA_A_ENCAP_SPORT] || tb[EVS_SA_A_ENCAP_DPORT])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_SA_A_ENCAP_SPORT] ?:
				    tb[EVS_SA_A_ENCAP_DPORT],
				    "encapsulation ports given without an encapsulation type");
		return ERR_PTR(-EINVAL);
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->type = type;
	if (type != EVS_ENCAP_NONE) {
		e->sport = htons(nla_get_u16(tb[EVS_SA_A_ENCAP_SPORT]));
		e->dport = htons(nla_get_u16(tb[EVS_SA_A_ENCAP_DPORT]));
	}
	e->peer = *peer;
	return e;
}

/* Starting outbound sequence number (the last one used).  Without ESN
 * the counter is 32 bits and must not already be past its end.
 */
static int evs_parse_oseq(struct evs_sa *sa, struct nlattr *a,
			  struct netlink_ext_ack *extack)
{
	u64 v;

	if (!a)
		return 0;
	if (sa->dir != EVS_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "only an outbound SA takes a starting sequence number");
		return -EINVAL;
	}
	v = nla_get_u64(a);
	if (!(sa->flags & EVS_SA_F_ESN) && v > U32_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "a sequence number above 2^32-1 needs esn");
		return -EINVAL;
	}
	atomic64_set(&sa->oseq, v);
	return 0;
}

/* Starting inbound replay state: the highest number already delivered
 * (by the gateway the SA is taken over from).  Checked before the window
 * exists; evs_nl_sa_seq_hi_apply() sets it once it does.
 */
static int evs_parse_seq_hi(struct evs_sa *sa, struct nlattr *a,
			    struct netlink_ext_ack *extack)
{
	if (!a)
		return 0;
	if (sa->dir != EVS_DIR_IN) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "only an inbound SA takes a starting replay state");
		return -EINVAL;
	}
	if (!(sa->flags & EVS_SA_F_ESN) && nla_get_u64(a) > U32_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "a sequence number above 2^32-1 needs esn");
		return -EINVAL;
	}
	return 0;
}

static void evs_nl_sa_seq_hi_apply(struct evs_sa *sa, struct nlattr *a)
{
	if (a && sa->replay)
		evs_replay_start(sa->replay, nla_get_u64(a));
}

/* Crypto attributes: exactly one of AEAD, or ENC + AUTH. */
static int evs_parse_crypto(struct nlattr **tb, struct evs_sa_crypto *c,
			    struct nlattr *sa_attr,
			    struct netlink_ext_ack *extack)
{
	memset(c, 0, sizeof(*c));
	if (tb[EVS_SA_A_AEAD_NAME]) {
		if (tb[EVS_SA_A_ENC_NAME] || tb[EVS_SA_A_AUTH_NAME]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[EVS_SA_A_AEAD_NAME],
					    "an AEAD algorithm cannot be combined with separate encryption or authentication");
			return -EINVAL;
		}
		if (!tb[EVS_SA_A_AEAD_KEY] || !tb[EVS_SA_A_AEAD_ICV_BITS]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[EVS_SA_A_AEAD_NAME],
					    "an AEAD needs a key and an ICV length");
			return -EINVAL;
		}
		c->aead_name = nla_data(tb[EVS_SA_A_AEAD_NAME]);
		c->aead_key = nla_data(tb[EVS_SA_A_AEAD_KEY]);
		c->aead_keylen = nla_len(tb[EVS_SA_A_AEAD_KEY]);
		c->icv_bits = nla_get_u32(tb[EVS_SA_A_AEAD_ICV_BITS]);
		return 0;
	}
	if (!tb[EVS_SA_A_ENC_NAME] || !tb[EVS_SA_A_AUTH_NAME]) {
		NL_SET_ERR_MSG_ATTR(extack, sa_attr,
				    "an SA needs an AEAD, or an encryption and an authentication algorithm");
		return -EINVAL;
	}
	c->enc_name = nla_data(tb[EVS_SA_A_ENC_NAME]);
	if (tb[EVS_SA_A_ENC_KEY]) {
		c->enc_key = nla_data(tb[EVS_SA_A_ENC_KEY]);
		c->enc_keylen = nla_len(tb[EVS_SA_A_ENC_KEY]);
	}
	c->auth_name = nla_data(tb[EVS_SA_A_AUTH_NAME]);
	if (tb[EVS_SA_A_AUTH_KEY]) {
		c->auth_key = nla_data(tb[EVS_SA_A_AUTH_KEY]);
		c->auth_keylen = nla_len(tb[EVS_SA_A_AUTH_KEY]);
	}
	if (tb[EVS_SA_A_AUTH_TRUNC_BITS])
		c->trunc_bits = nla_get_u32(tb[EVS_SA_A_AUTH_TRUNC_BITS]);
	return 0;
}

static int evs_nl_parse_sa(struct genl_info *info, struct nlattr **tb)
{
	return evs_nl_parse_nest(info, EVS_A_SA, EVS_SA_A_MAX, evs_sa_policy,
				 tb);
}

static int evs_nl_sa_key(struct genl_info *info, struct nlattr *a,
			 struct nlattr **tb, u8 *dir, u32 *spi)
{
	if (!tb[EVS_SA_A_DIR] || !tb[EVS_SA_A_SPI]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "an SA is named by its direction and SPI");
		return -EINVAL;
	}
	*dir = nla_get_u8(tb[EVS_SA_A_DIR]);
	*spi = nla_get_u32(tb[EVS_SA_A_SPI]);
	return 0;
}

/* Add the SA of nest @a (EVS_A_SA of a request, or a batch item). */
int evs_nl_sa_add_nest(struct genl_info *info, struct nlattr *a)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_SA_A_MAX + 1];
	struct evs_sa_encap *encap;
	struct evs_sa_crypto crypto;
	struct evs_device *ed;
	struct evs_sa *sa;
	int ret;

	ret = nla_parse_nested(tb, EVS_SA_A_MAX, a, evs_sa_policy,
			       info->extack);
	if (ret)
		return ret;
	sa = evs_sa_alloc(en);
	if (!sa)
		return -ENOMEM;
	ret = evs_nl_sa_key(info, a, tb, &sa->dir, &sa->spi);
	if (ret)
		goto out;
	sa->family = tb[EVS_SA_A_FAMILY] ? nla_get_u16(tb[EVS_SA_A_FAMILY])
					 : AF_INET;
	if (sa->family != AF_INET && sa->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_SA_A_FAMILY],
				    "the outer family must be AF_INET or AF_INET6");
		ret = -EAFNOSUPPORT;
		goto out;
	}
	if (!tb[EVS_SA_A_SRC] || !tb[EVS_SA_A_DST]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "an SA needs outer source and destination addresses");
		ret = -EINVAL;
		goto out;
	}
	ret = evs_parse_addr(tb[EVS_SA_A_SRC], sa->family, &sa->src,
			     info->extack) ?:
	      evs_parse_addr(tb[EVS_SA_A_DST], sa->family, &sa->dst,
			     info->extack);
	if (ret)
		goto out;
	if (sa->dir == EVS_DIR_OUT && evs_addr_any(sa->family, &sa->dst)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_SA_A_DST],
				    "an outbound SA needs a peer address");
		ret = -EINVAL;
		goto out;
	}
	encap = evs_parse_encap(tb, sa->dir == EVS_DIR_OUT ? &sa->dst : &sa->src,
				info->extack);
	if (IS_ERR(encap)) {
		ret = PTR_ERR(encap);
		goto out;
	}
	RCU_INIT_POINTER(sa->encap, encap);
	/* Default: a 64-packet window, as most IPsec stacks; 0 disables. */
	sa->replay_window = tb[EVS_SA_A_REPLAY_WINDOW] ?
			    nla_get_u32(tb[EVS_SA_A_REPLAY_WINDOW]) : 64;
	if (tb[EVS_SA_A_FLAGS])
		sa->flags = nla_get_u32(tb[EVS_SA_A_FLAGS]);
	if (tb[EVS_SA_A_CONN_ID])
		sa->conn_id = nla_get_u32(tb[EVS_SA_A_CONN_ID]);
	ret = evs_parse_oseq(sa, tb[EVS_SA_A_OSEQ], info->extack) ?:
	      evs_parse_seq_hi(sa, tb[EVS_SA_A_SEQ_HI], info->extack);
	if (ret)
		goto out;
	ret = evs_parse_lifetime_attr(tb[EVS_SA_A_LIMITS], &sa->limits,
				      info->extack) ?:
	      evs_parse_crypto(tb, &crypto, a,
			       info->extack);
	if (ret)
		goto out;
	/* May sleep (crypto_alloc_aead): before taking the lock. */
	ret = evs_esp_init(sa, &crypto, info->extack);
	if (ret)
		goto out;
	evs_nl_sa_seq_hi_apply(sa, tb[EVS_SA_A_SEQ_HI]);

	mutex_lock(&en->lock);
	rcu_read_lock();
	ed = evs_nl_device(info);
	rcu_read_unlock();
	/* Holding en->lock keeps ed alive: its teardown needs the lock. */
	if (!ed || ed->dead) {
		ret = -ENODEV;
		goto out_unlock;
	}
	sa->ed = ed;
	ret = evs_sa_link(en, sa, info->extack);
	if (ret) {
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_SA_A_SPI],
					    "an SA with this SPI already exists in this direction");
		sa->ed = NULL;
		goto out_unlock;
	}
	mutex_unlock(&en->lock);
	return 0;

out_unlock:
	mutex_unlock(&en->lock);
out:
	evs_sa_put(sa);
	return ret;
}

int evs_nl_sa_add(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[EVS_A_SA]) {
		GENL_SET_ERR_MSG(info, "missing SA attributes (EVS_A_SA)");
		return -EINVAL;
	}
	return evs_nl_sa_add_nest(info, info->attrs[EVS_A_SA]);
}

/* Find the SA a request names, on the device it names (en->lock held). */
static struct evs_sa *evs_nl_sa_lookup(struct evs_net *en,
				       struct genl_info *info,
				       struct nlattr **tb)
{
	struct evs_device *ed;
	struct evs_sa *sa;
	u32 spi;
	u8 dir;

	if (evs_nl_sa_key(info, info->attrs[EVS_A_SA], tb, &dir, &spi))
		return ERR_PTR(-EINVAL);
	rcu_read_lock();
	ed = evs_nl_device(info);
	rcu_read_unlock();
	if (!ed)
		return ERR_PTR(-ENODEV);
	sa = evs_sa_find(en, dir, spi);
	if (!sa || sa->ed != ed) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_SA_A_SPI],
				    "no SA with this SPI and direction on this device");
		return ERR_PTR(-ENOENT);
	}
	return sa;
}

int evs_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_SA_A_MAX + 1];
	struct evs_sa *sa;
	int ret;

	ret = evs_nl_parse_sa(info, tb);
	if (ret)
		return ret;
	mutex_lock(&en->lock);
	sa = evs_nl_sa_lookup(en, info, tb);
	if (IS_ERR(sa))
		ret = PTR_ERR(sa);
	else
		evs_sa_delete(sa, EVS_REASON_USER);
	mutex_unlock(&en->lock);
	return ret;
}

/* SA_UPDATE changes what may change while traffic flows: the peer's outer
 * address and encapsulation ports (NAT rebinding) and the lifetimes.
 */
int evs_nl_sa_update(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_SA_A_MAX + 1];
	struct evs_sa_encap *encap = NULL, *old;
	struct evs_lifetime limits;
	union evs_addr peer;
	struct nlattr *peer_attr;
	struct evs_sa *sa;
	int ret;

	ret = evs_nl_parse_sa(info, tb);
	if (ret)
		return ret;
	if (tb[EVS_SA_A_AEAD_NAME] || tb[EVS_SA_A_AEAD_KEY] ||
	    tb[EVS_SA_A_ENC_NAME] || tb[EVS_SA_A_ENC_KEY] ||
	    tb[EVS_SA_A_AUTH_NAME] || tb[EVS_SA_A_AUTH_KEY] ||
	    tb[EVS_SA_A_REPLAY_WINDOW] || tb[EVS_SA_A_FLAGS] ||
	    tb[EVS_SA_A_CONN_ID] || tb[EVS_SA_A_OSEQ] || tb[EVS_SA_A_SEQ_HI]) {
		GENL_SET_ERR_MSG(info, "only peer address, encapsulation and lifetimes can be updated; rekey with a new SA");
		return -EINVAL;
	}
	ret = evs_parse_lifetime_attr(tb[EVS_SA_A_LIMITS], &limits,
				      info->extack);
	if (ret)
		return ret;

	mutex_lock(&en->lock);
	sa = evs_nl_sa_lookup(en, info, tb);
	if (IS_ERR(sa)) {
		ret = PTR_ERR(sa);
		goto out;
	}
	old = rcu_dereference_protected(sa->encap, lockdep_is_held(&en->lock));
	peer = old->peer;
	peer_attr = sa->dir == EVS_DIR_OUT ? tb[EVS_SA_A_DST] : tb[EVS_SA_A_SRC];
	if (peer_attr) {
		ret = evs_parse_addr(peer_attr, sa->family, &peer, info->extack);
		if (ret)
			goto out;
	}
	if (tb[EVS_SA_A_ENCAP_TYPE] || tb[EVS_SA_A_ENCAP_SPORT] ||
	    tb[EVS_SA_A_ENCAP_DPORT] || peer_attr) {
		if (!tb[EVS_SA_A_ENCAP_TYPE] && old->type != EVS_ENCAP_NONE &&
		    !tb[EVS_SA_A_ENCAP_SPORT] && !tb[EVS_SA_A_ENCAP_DPORT]) {
			/* Address only: keep the ports. */
			encap = kmemdup(old, sizeof(*old), GFP_KERNEL);
			if (!encap) {
				ret = -ENOMEM;
				goto out;
			}
			encap->peer = peer;
		} else {
			encap = evs_parse_encap(tb, &peer, info->extack);
			if (IS_ERR(encap)) {
				ret = PTR_ERR(encap);
				goto out;
			}
		}
		evs_sa_set_encap(sa, encap);
	}
	if (tb[EVS_SA_A_LIMITS])
		evs_sa_set_limits(sa, &limits);
out:
	mutex_unlock(&en->lock);
	return ret;
}

int evs_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_SA_A_MAX + 1];
	struct sk_buff *msg;
	struct evs_sa *sa;
	int ret;

	ret = evs_nl_parse_sa(info, tb);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&en->lock);
	sa = evs_nl_sa_lookup(en, info, tb);
	if (IS_ERR(sa))
		ret = PTR_ERR(sa);
	else
		ret = evs_sa_fill_msg(msg, sa, EVS_CMD_SA_GET, info->snd_portid,
				      info->snd_seq, 0, false);
	mutex_unlock(&en->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* Dump cursor: cb->args[0] is the next SA id to send; ids are stable, so
 * SAs added or deleted meanwhile never make the dump repeat or skip
 * another SA.  cb->args[1] is an optional ifindex filter.
 */
int evs_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct evs_net *en = evs_net(sock_net(skb->sk));
	bool brief = nla_get_flag(info->attrs[EVS_A_DUMP_BRIEF]);
	unsigned long id = cb->args[0];
	int ifindex = 0;
	struct evs_sa *sa;

	if (info->attrs[EVS_A_IFINDEX])
		ifindex = nla_get_u32(info->attrs[EVS_A_IFINDEX]);
	mutex_lock(&en->lock);
	xa_for_each_start(&en->sa_ids, id, sa, cb->args[0]) {
		if (ifindex && sa->ed->dev->ifindex != ifindex)
			continue;
		if (evs_sa_fill_msg(skb, sa, EVS_CMD_SA_GET,
				    NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, brief))
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&en->lock);
	return skb->len;
}

int evs_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct evs_device *ed = NULL;
	int ret = 0;

	mutex_lock(&en->lock);
	if (info->attrs[EVS_A_IFINDEX] || info->attrs[EVS_A_IFNAME]) {
		rcu_read_lock();
		ed = evs_nl_device(info);
		rcu_read_unlock();
		if (!ed)
			ret = -ENODEV;
	}
	if (!ret)
		evs_sad_flush(en, ed, 0, EVS_REASON_USER);
	mutex_unlock(&en->lock);
	return ret;
}
