// SPDX-License-Identifier: GPL-2.0
/*
 * ESP selftest helpers: topology, SA/policy requests, counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "evs_esp_util.h"
#include "lib/msg.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

void evs_t_xfrm_alg(const struct evs_t_alg *a, char *buf, size_t len,
		    const char *key, const char *akey)
{
	if (a->aead)
		snprintf(buf, len, "aead '%s' %s %d", a->aead, key, a->icv);
	else if (!a->auth_key_bytes)
		snprintf(buf, len, "enc '%s' '' auth '%s' ''", a->enc, a->auth);
	else
		snprintf(buf, len, "enc '%s' %s auth-trunc '%s' %s %d", a->enc,
			 a->key_bytes ? key : "''", a->auth, akey, a->trunc);
}

int evs_t_xfrm_encap_socket(const char *ns, bool v6)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(4500),
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(4500),
	};
	int type = UDP_ENCAP_ESPINUDP, fd, ok;

	if (evs_t_enter(ns))
		return -1;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	ok = v6 ? !bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) :
		  !bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	if (!ok || setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type))) {
		close(fd);
		return -1;
	}
	return fd;
}

const struct evs_t_fam evs_t_fam4 = {
	EVS_T_A_OUTER, EVS_T_B_OUTER, "0.0.0.0",
	EVS_T_A_INNER, "192.168.77.0", EVS_T_B_INNER, 24, 32, "ping", false,
};

/* Peer: plain Linux xfrm, tunnel mode.  One command per object: long
 * keys would not fit evs_sh's buffer together. */
static int interop_xfrm(const struct evs_t_topo *t, const struct evs_t_interop *io,
			const char *alg)
{
	const struct evs_t_fam *out = io->out, *in = io->in;
	/* af-unspec: the state carries inner packets of either family. */
	const char *af = out->v6 || in->v6 ? " af-unspec" : "";
	const char *esn = io->esn ? " esn" : "";
	char encap[64] = "", flags[64] = "replay-window 64";

	if (io->udp)
		snprintf(encap, sizeof(encap), "encap espinudp 4500 4500 %s",
			 out->any);
	if (*af || *esn)
		snprintf(flags, sizeof(flags), "flag%s%s replay-window 64", af, esn);
	return evs_sh("ip -n %s xfrm state add src %s dst %s proto esp spi %u"
		      " reqid 1 mode tunnel %s %s %s", t->b, out->b_outer,
		      out->a_outer, io->spi_ba, alg, encap, flags) ?:
	       evs_sh("ip -n %s xfrm state add src %s dst %s proto esp spi %u"
		      " reqid 1 mode tunnel %s %s %s", t->b, out->a_outer,
		      out->b_outer, io->spi_ab, alg, encap, flags);
}

/* The peer's policies for @io->in, through the states of interop_xfrm. */
static int interop_xfrm_policies(const struct evs_t_topo *t,
				 const struct evs_t_interop *io)
{
	const struct evs_t_fam *out = io->out, *in = io->in;

	return evs_sh("ip -n %s xfrm policy add src %s/%d dst %s/%d dir out"
		      " tmpl src %s dst %s proto esp reqid 1 mode tunnel",
		      t->b, in->b_inner, in->host_plen, in->a_net, in->a_plen,
		      out->b_outer, out->a_outer) ?:
	       evs_sh("ip -n %s xfrm policy add src %s/%d dst %s/%d dir in"
		      " tmpl src %s dst %s proto esp reqid 1 mode tunnel",
		      t->b, in->a_net, in->a_plen, in->b_inner, in->host_plen,
		      out->a_outer, out->b_outer);
}

/* Us: evs, the same keys. */
static int interop_evs(struct evs_nl *nl, const struct evs_t_interop *io,
		       const char *key, const char *akey, char *why, size_t whylen)
{
	const struct evs_t_alg *a = io->alg;
	const struct evs_t_fam *out = io->out;
	struct evs_t_sa sa = {
		.aead = a->aead, .icv_bits = a->icv, .enc = a->enc,
		.auth = a->auth, .trunc_bits = a->trunc, .replay_window = 64,
		.flags = (io->esn ? EVS_SA_F_ESN : 0) |
			 (io->weak ? EVS_SA_F_ALLOW_WEAK : 0),
		.aead_key = key, .enc_key = key, .auth_key = akey,
	};
	const struct { uint8_t dir; uint32_t spi; const char *src, *dst, *what; } sas[] = {
		{ EVS_DIR_OUT, io->spi_ab, out->a_outer, out->b_outer, "SA out" },
		{ EVS_DIR_IN, io->spi_ba, out->b_outer, out->a_outer, "SA in" },
	};
	int ret;

	if (io->udp)
		sa.sport = sa.dport = 4500;
	for (size_t i = 0; i < sizeof(sas) / sizeof(sas[0]); i++) {
		sa.dir = sas[i].dir;
		sa.spi = sas[i].spi;
		sa.src = sas[i].src;
		sa.dst = sas[i].dst;
		ret = evs_t_sa_add(nl, &sa);
		if (ret) {
			snprintf(why, whylen, "%s: %s (%s)", sas[i].what,
				 strerror(-ret), nl->err_msg);
			return -1;
		}
	}
	return 0;
}

int evs_t_interop_policies(struct evs_nl *nl, const struct evs_t_topo *t,
			   const struct evs_t_interop *io, char *why,
			   size_t whylen)
{
	const struct evs_t_fam *in = io->in;
	int ret;

	if (interop_xfrm_policies(t, io)) {
		snprintf(why, whylen, "ip xfrm policy failed");
		return -1;
	}
	ret = evs_t_policy_add(nl, EVS_DIR_OUT, in->a_net, in->a_plen,
			       in->b_inner, in->host_plen, io->spi_ab) ?:
	      evs_t_policy_add(nl, EVS_DIR_IN, in->b_inner, in->host_plen,
			       in->a_net, in->a_plen, io->spi_ba);
	if (ret) {
		snprintf(why, whylen, "policy: %s (%s)", strerror(-ret), nl->err_msg);
		return -1;
	}
	return 0;
}

int evs_t_interop_setup(struct evs_nl *nl, const struct evs_t_topo *t,
			const struct evs_t_interop *io, int *encap_fd,
			char *why, size_t whylen)
{
	const struct evs_t_alg *a = io->alg;
	char key[200], akey[200], alg[512];

	evs_t_hexkey(key, a->key_bytes, a->key_bytes + a->icv);
	evs_t_hexkey(akey, a->auth_key_bytes, a->auth_key_bytes + 1);
	evs_t_xfrm_alg(a, alg, sizeof(alg), key, akey);
	if (interop_xfrm(t, io, alg)) {
		snprintf(why, whylen, "ip xfrm setup failed");
		return -1;
	}
	if (io->udp) {
		*encap_fd = evs_t_xfrm_encap_socket(t->b, io->out->v6);
		if (*encap_fd < 0 || evs_t_enter(t->a)) {
			snprintf(why, whylen, "encap socket in the peer namespace failed");
			return -1;
		}
	}
	return interop_evs(nl, io, key, akey, why, whylen) ?:
	       evs_t_interop_policies(nl, t, io, why, whylen);
}

void evs_t_teardown(struct evs_t_topo *t, struct evs_nl *nl, int nfd, ...)
{
	va_list ap;

	va_start(ap, nfd);
	while (nfd-- > 0) {
		int fd = va_arg(ap, int);

		if (fd >= 0)
			close(fd);
	}
	va_end(ap);
	evs_t_nl_close(nl);
	evs_t_topo_down(t);
}

int evs_t_tcp_transfer(const char *from, const char *to, const char *to_addr,
		       const char *from_addr, const char *tag)
{
	bool v6 = strchr(to_addr, ':');

	return evs_sh(
		"set -e; d=$(mktemp -d /tmp/evs-io-%s.XXXXXX);"
		"head -c %d /dev/urandom > $d/in;"
		"ip netns exec %s timeout 300 socat -u TCP%s-LISTEN:5001,bind=%s%s%s,reuseaddr OPEN:$d/out,creat,trunc & l=$!;"
		"ip netns exec %s timeout 300 socat -u OPEN:$d/in TCP%s:%s%s%s:5001,bind=%s%s%s,retry=50,interval=0.2;"
		"wait $l;"
		"a=$(sha256sum < $d/in); b=$(sha256sum < $d/out); rm -rf $d;"
		"[ \"$a\" = \"$b\" ]",
		tag, EVS_T_TCP_BYTES, to, v6 ? "6" : "", v6 ? "[" : "", to_addr, v6 ? "]" : "",
		from, v6 ? "6" : "", v6 ? "[" : "", to_addr, v6 ? "]" : "",
		v6 ? "[" : "", from_addr, v6 ? "]" : "");
}

int evs_t_topo_up(struct evs_t_topo *t, const char *tag)
{
	snprintf(t->a, sizeof(t->a), "evsA-%s-%d", tag, getpid());
	snprintf(t->b, sizeof(t->b), "evsB-%s-%d", tag, getpid());
	/* Few commands: every exec is slow in an emulated VM. */
	return evs_sh(
		"set -e; A=%s; B=%s; ip netns add $A; ip netns add $B;"
		"ip -n $A link add vA type veth peer name vB netns $B;"
		"printf '%%s\\n'"
		" 'link set lo up'"
		" 'addr add " EVS_T_A_OUTER "/24 dev vA' 'link set vA up'"
		" 'link add lan0 type dummy' 'addr add " EVS_T_A_INNER "/24 dev lan0'"
		" 'link set lan0 up' 'link add evs0 type evs' 'link set evs0 up'"
		" 'route add 10.77.0.0/16 dev evs0 src " EVS_T_A_INNER "'"
		" | ip -n $A -batch -;"
		"printf '%%s\\n'"
		" 'link set lo up'"
		" 'addr add " EVS_T_B_OUTER "/24 dev vB' 'link set vB up'"
		" 'addr add " EVS_T_B_INNER "/32 dev lo'"
		" 'route add 192.168.77.0/24 dev vB src " EVS_T_B_INNER "'"
		" | ip -n $B -batch -",
		t->a, t->b);
}

void evs_t_topo_down(struct evs_t_topo *t)
{
	evs_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
	       t->a, t->b);
}

int evs_t_enter(const char *name)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

int evs_t_unhex(const char *hex, uint8_t *out, int max)
{
	int n = 0;
	unsigned int b;

	if (!strncmp(hex, "0x", 2))
		hex += 2;
	while (hex[0] && hex[1]) {
		if (n >= max || sscanf(hex, "%2x", &b) != 1)
			return -1;
		out[n++] = b;
		hex += 2;
	}
	return hex[0] ? -1 : n;
}

void evs_t_hexkey(char *buf, int len, int seed)
{
	int i;

	strcpy(buf, "0x");
	for (i = 0; i < len; i++)
		sprintf(buf + 2 + 2 * i, "%02x", (seed * 37 + i * 11 + 5) & 0xff);
	if (!len)
		buf[0] = 0;
}

/* The `has` bit of attribute @t (lib/msg.h: a builder emits what is set). */
#define A(t) (1ULL << (t))

/* @hex ("0x..."; NULL or "" for none) into @key, a zero-length key when
 * it is not hex: the kernel is the one to refuse it. */
static uint16_t get_key(const char *hex, uint8_t key[EVS_KEY_MAX])
{
	int n = hex && *hex ? evs_t_unhex(hex, key, EVS_KEY_MAX) : 0;

	return n > 0 ? n : 0;
}

/* IPv4 or IPv6 @text with prefix length @plen (-1: a host address). */
static int get_addr(const char *text, int plen, struct evs_inaddr *a)
{
	struct in6_addr in6;
	struct in_addr in;

	if (inet_pton(AF_INET, text, &in) == 1)
		return evs_inaddr_from_raw(a, AF_INET, &in, sizeof(in),
					   plen < 0 ? 32 : plen) ? -EINVAL : 0;
	if (inet_pton(AF_INET6, text, &in6) == 1)
		return evs_inaddr_from_raw(a, AF_INET6, &in6, sizeof(in6),
					   plen < 0 ? 128 : plen) ? -EINVAL : 0;
	return -EINVAL;
}

int evs_t_sa_add(struct evs_nl *nl, const struct evs_t_sa *sa)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_SA_ADD, 0);
	struct evs_sa_info i = { .dev.ifname = "evs0", .dir = sa->dir,
				 .spi = sa->spi };
	int ret;

	if (get_addr(sa->src, -1, &i.src) || get_addr(sa->dst, -1, &i.dst))
		return -EINVAL;
	i.has = A(EVS_SA_A_DIR) | A(EVS_SA_A_SPI) | A(EVS_SA_A_SRC) |
		A(EVS_SA_A_DST);
	if (sa->aead) {
		snprintf(i.aead_name, sizeof(i.aead_name), "%s", sa->aead);
		i.aead_key_len = get_key(sa->aead_key, i.aead_key);
		i.aead_icv_bits = sa->icv_bits;
		i.has |= A(EVS_SA_A_AEAD_NAME) | A(EVS_SA_A_AEAD_KEY) |
			 A(EVS_SA_A_AEAD_ICV_BITS);
	} else {
		snprintf(i.enc_name, sizeof(i.enc_name), "%s", sa->enc);
		i.enc_key_len = get_key(sa->enc_key, i.enc_key);
		snprintf(i.auth_name, sizeof(i.auth_name), "%s", sa->auth);
		i.auth_key_len = get_key(sa->auth_key, i.auth_key);
		i.auth_trunc_bits = sa->trunc_bits;
		i.has |= A(EVS_SA_A_ENC_NAME) | A(EVS_SA_A_ENC_KEY) |
			 A(EVS_SA_A_AUTH_NAME) | A(EVS_SA_A_AUTH_KEY) |
			 (sa->trunc_bits ? A(EVS_SA_A_AUTH_TRUNC_BITS) : 0);
	}
	if (sa->dport) {
		i.encap_type = EVS_ENCAP_ESPINUDP;
		i.encap_sport = sa->sport;
		i.encap_dport = sa->dport;
		i.has |= A(EVS_SA_A_ENCAP_TYPE) | A(EVS_SA_A_ENCAP_SPORT) |
			 A(EVS_SA_A_ENCAP_DPORT);
	}
	i.replay_window = sa->replay_window;
	i.flags = sa->flags;
	i.oseq = sa->oseq;
	i.has |= (sa->dir == EVS_DIR_IN ? A(EVS_SA_A_REPLAY_WINDOW) : 0) |
		 (sa->flags ? A(EVS_SA_A_FLAGS) : 0) |
		 (sa->oseq ? A(EVS_SA_A_OSEQ) : 0);
	evs_msg_put_sa(nlh, &i);
	ret = evs_nl_talk(nl, nlh, NULL, NULL);
	evs_sa_info_wipe(&i);
	return ret;
}

int evs_t_policy_add(struct evs_nl *nl, uint8_t dir, const char *src,
		     int src_plen, const char *dst, int dst_plen, uint32_t spi)
{
	return evs_t_policy_add_conn(nl, dir, src, src_plen, dst, dst_plen,
				     spi, 0);
}

int evs_t_policy_add_conn(struct evs_nl *nl, uint8_t dir, const char *src,
			  int src_plen, const char *dst, int dst_plen,
			  uint32_t spi, uint32_t conn)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_POLICY_ADD, 0);
	struct evs_policy_info pol = {
		.dev.ifname = "evs0", .dir = dir, .action = EVS_POL_IPSEC,
		.spi = spi, .conn_id = conn,
	};

	if (get_addr(src, src_plen, &pol.src) ||
	    get_addr(dst, dst_plen, &pol.dst))
		return -EINVAL;
	pol.has = A(EVS_POL_A_DIR) | A(EVS_POL_A_SRC) | A(EVS_POL_A_DST) |
		  A(EVS_POL_A_ACTION) | A(EVS_POL_A_SPI) |
		  (conn ? A(EVS_POL_A_CONN_ID) : 0);
	evs_msg_put_policy(nlh, &pol);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

struct stats_reply {
	uint64_t *st;
	int found;
};

static void stats_nest(struct stats_reply *r, const struct nlattr *nest)
{
	const struct nlattr *s;

	r->found = 1;
	mnl_attr_for_each_nested(s, nest)
		if (mnl_attr_get_type(s) <= EVS_STATS_A_MAX &&
		    mnl_attr_get_payload_len(s) == 8)
			r->st[mnl_attr_get_type(s)] = mnl_attr_get_u64(s);
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_reply *r = data;
	struct nlattr *sa = evs_nl_attr(nlh, EVS_A_SA), *a;

	if (!sa)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, sa)
		if (mnl_attr_get_type(a) == EVS_SA_A_STATS)
			stats_nest(r, a);
	return MNL_CB_OK;
}

static int dev_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a = evs_nl_attr(nlh, EVS_A_STATS);

	if (a)
		stats_nest(data, a);
	return MNL_CB_OK;
}

int evs_t_dev_stats(struct evs_nl *nl, uint64_t st[EVS_STATS_A_MAX + 1])
{
	return evs_t_link_stats(nl, 0, st);
}

int evs_t_link_stats(struct evs_nl *nl, int ifindex,
		     uint64_t st[EVS_STATS_A_MAX + 1])
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_LINK_GET, 0);
	struct stats_reply r = { .st = st };
	int ret;

	memset(st, 0, sizeof(uint64_t) * (EVS_STATS_A_MAX + 1));
	if (ifindex)
		mnl_attr_put_u32(nlh, EVS_A_IFINDEX, ifindex);
	else
		mnl_attr_put_strz(nlh, EVS_A_IFNAME, "evs0");
	ret = evs_nl_talk(nl, nlh, dev_stats_cb, &r);
	if (ret)
		return ret;
	return r.found ? 0 : -ENODATA;
}

int evs_t_sa_stats(struct evs_nl *nl, uint8_t dir, uint32_t spi,
		   uint64_t st[EVS_STATS_A_MAX + 1])
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_SA_GET, 0);
	struct stats_reply r = { .st = st };
	struct nlattr *nest;
	int ret;

	memset(st, 0, sizeof(uint64_t) * (EVS_STATS_A_MAX + 1));
	mnl_attr_put_strz(nlh, EVS_A_IFNAME, "evs0");
	nest = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, EVS_SA_A_SPI, spi);
	mnl_attr_nest_end(nlh, nest);
	ret = evs_nl_talk(nl, nlh, stats_cb, &r);
	if (ret)
		return ret;
	return r.found ? 0 : -ENODATA;
}

int evs_t_udp_socket(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* xorshift64*: small, seedable, the same on every build. */
static uint64_t evs_t_rnd_state;

void evs_t_fuzz_start(const char *name, long *seconds)
{
	const char *env_s = getenv("EVS_FUZZ_SECONDS");
	const char *env_seed = getenv("EVS_FUZZ_SEED");
	uint64_t seed;

	seed = env_seed ? strtoull(env_seed, NULL, 0) : (uint64_t)time(NULL);
	*seconds = env_s ? atol(env_s) : 30;
	printf("# %s: seed %llu, %ld s (EVS_FUZZ_SEED, EVS_FUZZ_SECONDS)\n",
	       name, (unsigned long long)seed, *seconds);
	fflush(stdout);
	evs_t_rnd_state = seed * 0x9E3779B97F4A7C15ULL | 1;
}

uint32_t evs_t_rnd(void)
{
	evs_t_rnd_state ^= evs_t_rnd_state >> 12;
	evs_t_rnd_state ^= evs_t_rnd_state << 25;
	evs_t_rnd_state ^= evs_t_rnd_state >> 27;
	return (evs_t_rnd_state * 2685821657736338717ULL) >> 32;
}

uint32_t evs_t_rnd_below(uint32_t n)
{
	return evs_t_rnd() % n;
}
