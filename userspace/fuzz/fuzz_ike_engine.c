// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the IKE engine as a peer reaches it: every input
 * runs a real Easy VPN exchange between evsd's client role and its server
 * role, two engines in one process (tests/unit/ike_pair.h: fake network
 * with an optional NAT between them, fake kernel and clock), with the
 * Easy VPN steps (XAUTH through the AAA worker and a local user file,
 * mode config from a pool, the client applying it through a fake host).
 * The input says which client (aggressive mode with a group, main mode
 * with an address key, a network-extension branch, a user with a wrong
 * password), whether there is a NAT, and then what happens along the exchange:
 *
 *   0 step      deliver the next datagram unchanged
 *   1 mutate    deliver the next datagram with bytes changed
 *   2 drop      lose the next datagram
 *   3 raw       a datagram of the input's choosing, to either side, from
 *               the peer's address (optionally with the live cookies)
 *   4 forge     an encrypted, correctly HASHed INFO, TRANSACTION or QUICK
 *               message with the input's payloads, under the keys and the
 *               IV the receiver expects (new or current exchange): what a
 *               peer holding the Phase 1 keys, e.g. the group key, can send
 *   5 time      advance the clock and run both engines' timers
 *   6 settle    deliver everything both ways (and AAA results) until quiet
 *   7 replay    deliver the last datagram again, optionally from another
 *               address
 *   8 kernel    an SA expired (soft or hard, either direction) or a
 *               connection went away, as the kernel reports them
 *
 * When the input ends the exchange is let settle, so even an empty input
 * drives Phase 1, XAUTH, mode config and quick mode to the end.  Set
 * EVS_FUZZ_IKE_DUMP=DIR to write every datagram delivered as a file (seeds
 * for fuzz_isakmp), EVS_FUZZ_IKE_VERBOSE=1 to see evsd's log.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ezv/aaa.h"
#include "evsd/client/client_host.h"
#include "evsd/client/clientcfg.h"
#include "ezv/config_easyvpn.h"
#include "ezv/config_easyvpn.h"
#include "ike/crypto.h"
#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "lib/userdb.h"

#include "tests/unit/ike_pair.h"

static struct side srv, cli;
/* The server's IKE sections with the client's peers, and its Easy VPN
 * sections: what the one Easy VPN module of the process serves. */
static struct {
	struct ike_config ike;
	struct easyvpn_config *easyvpn;
} ezv_view;
static struct ezv *fz_ezv;
static struct client_host *fz_host;
static const char *dump_dir, *verbose;
static unsigned n_dumped;

/* ---- input -------------------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t u16(struct in *in)
{
	uint16_t v = (uint16_t)(u8(in) << 8);

	return v | u8(in);
}

static uint32_t u32(struct in *in)
{
	uint32_t v = (uint32_t)u16(in) << 16;

	return v | u16(in);
}

/* len bytes (fewer when the input ends) */
static const uint8_t *bytes(struct in *in, size_t *len)
{
	const uint8_t *p = in->p;

	if (*len > in->n)
		*len = in->n;
	in->p += *len;
	in->n -= *len;
	return p;
}

/* ---- a host that takes everything (clientcfg.c) ---------------------------------- */

static unsigned h_ifindex(void *arg, const char *name)
{
	return 7;
}

static int h_addr(void *arg, bool add, unsigned ifindex, int family, const uint8_t *a,
		  unsigned plen, struct evs_err *err)
{
	return 0;
}

static int h_route(void *arg, bool add, const struct rtnl_route *r,
		   struct evs_err *err)
{
	return 0;
}

static int h_route_get(void *arg, int family, const uint8_t *dst, struct rtnl_route *out,
		       struct evs_err *err)
{
	memset(out, 0, sizeof(*out));
	out->oif = 3;
	return 0;
}

static int h_within(void *arg, int family, const uint8_t *net, unsigned plen,
		    uint8_t *out)
{
	return -1;
}

static int h_nft(void *arg, const char *script, struct evs_err *err)
{
	return 0;
}

static const struct clientcfg_backend host = {
	.ifindex = h_ifindex, .addr = h_addr, .route = h_route,
	.route_get = h_route_get, .addr_within = h_within, .nft = h_nft,
};

/* ---- set-up ---------------------------------------------------------------------- */

static const char server_fmt[] =
	"crypto isakmp policy 10 {\n encryption aes 256\n hash sha256\n"
	" authentication pre-share\n group 2\n}\n"
	"crypto isakmp key mainsecret address 198.51.100.0/24\n"
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n half-open-max 8\n rate-limit 1000\n dpd-interval 10\n}\n"
	"user-database %s\n"
	"xauth {\n retries 2\n lockout 1000 1\n}\n"
	"pool sales 10.77.1.10 10.77.1.20\n"
	"group sales {\n key groupsecret\n pool sales\n dns 192.168.77.53\n"
	" domain corp.example\n banner \"Welcome\"\n split-include 192.168.77.0/24\n}\n"
	"group branch {\n key branchsecret\n mode network-extension\n"
	" split-include 192.168.77.0/24\n network-extension allow 10.77.200.0/21\n}\n";

static const char client_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n dpd-interval 10\n}\n"
	"peer gw {\n server 203.0.113.1\n mode aggressive\n group-name sales\n"
	" group-key groupsecret\n encryption aes\n key-length 256\n hash sha256\n"
	" group 2\n transform-set T\n xauth-username alice\n xauth-password alicepw\n}\n"
	"peer mm {\n server 203.0.113.1\n mode main\n group-key mainsecret\n"
	" authentication xauth-pre-share pre-share\n encryption aes\n key-length 256\n"
	" hash sha256\n group 2\n transform-set T\n pfs group2\n"
	" xauth-username alice\n xauth-password alicepw\n}\n"
	"peer ne {\n server 203.0.113.1\n mode aggressive\n group-name branch\n"
	" group-key branchsecret\n encryption aes\n key-length 256\n hash sha256\n"
	" group 2\n transform-set T\n ezvpn-mode network-extension\n"
	" local-network 10.77.200.0/24\n xauth-username dave\n xauth-password davepw\n}\n"
	"peer bad {\n server 203.0.113.1\n mode aggressive\n group-name sales\n"
	" group-key groupsecret\n encryption aes\n key-length 256\n hash sha256\n"
	" group 2\n transform-set T\n xauth-username alice\n xauth-password wrong\n}\n";

static void load(struct ike_conf *cfg, const char *text,
		 struct easyvpn_config **ezv)
{
	char path[] = "/tmp/evs-fuzz-ike-XXXXXX";
	struct evs_err err;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	if (ike_conf_load(path, cfg, &err) < 0 ||
	    (ezv && easyvpn_config_load(cfg->tree, ezv, &err) < 0)) {
		fprintf(stderr, "fuzz_ike_engine: %s\n", err.msg);
		abort();
	}
	unlink(path);
}

static void setup(void)
{
	struct evs_err err;
	char dir[] = "/tmp/evs-fuzz-ike-XXXXXX", users[64], text[4096];
	struct evs_err ue;
	struct userdb db;

	verbose = getenv("EVS_FUZZ_IKE_VERBOSE");
	evsd_log_set_quiet(!verbose);
	evsd_log_set_level(verbose ? EVSD_LOG_DEBUG : EVSD_LOG_ERR);
	if (secret_init() < 0 || !mkdtemp(dir))
		abort();
	snprintf(users, sizeof(users), "%s/users", dir);
	userdb_init(&db);
	if (userdb_add(&db, "alice", "sales", "alicepw", USERDB_COST_MIN, &ue) ||
	    userdb_add(&db, "dave", "branch", "davepw", USERDB_COST_MIN, &ue) ||
	    userdb_save(&db, users, &ue))
		abort();
	userdb_free(&db);
	snprintf(text, sizeof(text), server_fmt, users);
	srv.name = "server";
	cli.name = "client";
	load(&srv.cfg, text, &ezv_view.easyvpn);
	load(&cli.cfg, client_conf, NULL);
	/* One Easy VPN module serves both roles: the server's sections and
	 * the client's peer blocks. */
	ezv_view.ike = srv.cfg.ike;
	ezv_view.ike.peers = cli.cfg.ike.peers;
	ezv_view.ike.n_peers = cli.cfg.ike.n_peers;
	fz_ezv = ezv_init(&ezv_view.ike, ezv_view.easyvpn, NULL, NULL, &err);
	if (!fz_ezv) {
		fprintf(stderr, "fuzz_ike_engine: %s\n", err.msg);
		abort();
	}
	unlink(users);		/* read once, by ezv_init */
	rmdir(dir);
	fz_host = client_host_new(&host);
	if (!fz_host)
		abort();
	dump_dir = getenv("EVS_FUZZ_IKE_DUMP");
}

/* The client's host set-up runs too (against the host above), as evsd
 * wires it. */

static void fz_child_up(void *arg, struct ike_sa *sa, uint32_t conn_id)
{
	client_host_child_up(fz_host, sa, conn_id);
}

static void fz_child_down(void *arg, struct ike_sa *sa, uint32_t conn_id)
{
	client_host_child_down(fz_host, sa, conn_id);
}

static void fz_end(void *arg, struct ike_sa *sa)
{
	client_host_end(fz_host, sa);
}

static const struct ike_engine_ops fuzz_ops = {
	FAKE_NET_AND_KERNEL_OPS,
	.client_child_up = fz_child_up,
	.client_child_down = fz_child_down,
	.client_end = fz_end,
};

static void side_reset(struct side *s, enum evs_role role)
{
	flush_q(s);
	s->sent = 0;
	s->drop_next = 0;
	s->n_kadd = s->n_kdel = s->n_kdel_sas = s->keepalives = 0;
	s->e = ike_engine_new(&s->cfg.ike, role, &fuzz_ops, s);
	if (!s->e)
		abort();
	ezv_attach(fz_ezv, s->e);
	ike_engine_set_time(s->e, now_ms);
}

/* ---- actions -------------------------------------------------------------------- */

static struct pkt last;			/* the last datagram delivered */
static struct side *last_to;
static bool last_from_cli;

static void dump(const struct pkt *p)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/dgram-%ld-%05u", dump_dir, (long)getpid(), n_dumped++);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p->buf, 1, p->len, f);
		fclose(f);
	}
}

/* Take the next queued datagram (the client's first), or false. */
static bool take(struct pkt *p, bool *from_cli)
{
	struct side *s = cli.nq ? &cli : srv.nq ? &srv : NULL;

	if (!s)
		return false;
	*p = s->q[0];
	memmove(s->q, s->q + 1, sizeof(s->q[0]) * --s->nq);
	*from_cli = s == &cli;
	return true;
}

static void give(struct pkt *p, bool from_cli)
{
	struct side tmp = { .name = from_cli ? "client" : "server" };

	if (dump_dir)
		dump(p);
	tmp.q[0] = *p;
	tmp.nq = 1;
	deliver(&tmp, from_cli ? &srv : &cli, 0);
	free(last.buf);
	last = *p;
	last_to = from_cli ? &srv : &cli;
	last_from_cli = from_cli;
}

static void op_step(struct in *in, unsigned kind)
{
	struct pkt p;
	bool from_cli;

	if (!take(&p, &from_cli))
		return;
	if (kind == 2) {
		free(p.buf);
		return;
	}
	if (kind == 1) {
		for (unsigned k = u8(in) % 4 + 1; k; k--) {
			uint16_t at = u16(in);

			p.buf[at % p.len] ^= u8(in) | 1;
		}
	}
	give(&p, from_cli);
}

static struct ike_sa *live_sa(struct side *s)
{
	for (struct ike_sa *sa = s->e->sas; sa; sa = sa->next)
		if (sa->have_keys && sa->state != IKE_S_DEAD)
			return sa;
	return s->e->sas;
}

static void op_raw(struct in *in)
{
	uint8_t flags = u8(in);
	struct side *to = flags & 1 ? &cli : &srv;
	struct ike_sa *sa = live_sa(to);
	size_t len = u16(in) % 2048;
	const uint8_t *b = bytes(in, &len);
	struct pkt p = { .len = len };

	if (!len)
		return;
	p.buf = malloc(len);
	memcpy(p.buf, b, len);
	if ((flags & 2) && sa && len >= 16) {
		memcpy(p.buf, sa->cky_i, 8);
		memcpy(p.buf + 8, sa->cky_r, 8);
	}
	/* as the peer sent it: the reverse of the receiver's view */
	if (sa) {
		p.path.local = sa->path.remote;
		p.path.remote = sa->path.local;
		p.path.natt = sa->path.natt;
	} else {
		set_addr(&p.path.local, "198.51.100.2", 500);
		set_addr(&p.path.remote, "203.0.113.1", 500);
	}
	if (flags & 4) {
		p.path.natt = !p.path.natt;
		((struct sockaddr_in *)&p.path.local)->sin_port = htons(4500);
		((struct sockaddr_in *)&p.path.remote)->sin_port = htons(4500);
	}
	/* already in the receiver's terms: deliver() would NAT it again */
	ike_engine_set_time(to->e, now_ms);
	{
		struct ike_path rp = { .local = p.path.remote, .remote = p.path.local,
				       .natt = p.path.natt };

		ike_engine_input(to->e, &rp, p.buf, p.len);
	}
	free(p.buf);
}

static const uint8_t forge_exch[4] = {
	ISAKMP_EXCH_INFO, ISAKMP_EXCH_TRANSACTION, ISAKMP_EXCH_QUICK, ISAKMP_EXCH_INFO
};

struct forge {
	struct in *in;
	const struct ike_sa *sa;
	uint8_t flags;
};

/* Payloads from the input: [type][len u16][body], up to 8.  A NOTIFY or
 * DELETE can name this SA (its cookies as a 16-byte SPI) or its first
 * connection (our outbound SPI, which the peer calls its inbound one):
 * the input cannot know them, they are new in every run. */
static void forge_fill(struct isakmp_bld *b, void *arg)
{
	struct forge *f = arg;
	unsigned n = u8(f->in) % 8 + 1;

	for (unsigned i = 0; i < n && f->in->n; i++) {
		uint8_t type = u8(f->in), body[1024];
		size_t len = u16(f->in) % sizeof(body);
		const uint8_t *p = bytes(f->in, &len);

		memcpy(body, p, len);
		if ((type == ISAKMP_PT_N || type == ISAKMP_PT_D) && (f->flags & 0x40) &&
		    len >= 24) {
			memcpy(body + 8, f->sa->cky_i, 8);
			memcpy(body + 16, f->sa->cky_r, 8);
		} else if ((type == ISAKMP_PT_N || type == ISAKMP_PT_D) && (f->flags & 0x80) &&
			   len >= 12 && f->sa->conns) {
			uint32_t spi = htonl(f->sa->conns->spi_out);

			memcpy(body + 8, &spi, 4);
		}
		isakmp_add_raw(b, type, body, len);
	}
}

static void op_forge(struct in *in)
{
	uint8_t flags = u8(in);
	struct side *to = flags & 1 ? &cli : &srv;
	struct ike_sa *sa = live_sa(to);
	uint8_t exch = forge_exch[(flags >> 1) & 3];
	struct isakmp_hdr h;
	struct isakmp_bld b;
	struct ike_xchg *x;
	struct ike_iv iv;
	uint32_t msgid;
	size_t hoff, rlen;
	const uint8_t *rest;

	if (!sa || !sa->have_keys)
		return;
	switch ((flags >> 3) & 3) {
	case 0:		/* the receiver's newest exchange */
		msgid = sa->xchgs ? sa->xchgs->msgid : 1;
		break;
	case 1:
		msgid = u32(in);
		break;
	default:
		msgid = 0x01000000u + u16(in);
		break;
	}
	x = ike_xchg_find(sa, msgid);
	if (x)
		iv = x->iv;
	else if (ike_iv_phase2(&sa->keys, &sa->iv, msgid, &iv) < 0)
		return;
	ike_sa_hdr(sa, &h, exch, msgid, 0);
	isakmp_bld_init(&b, &h);
	hoff = isakmp_add_hash_slot(&b, sa->keys.hash_len);
	forge_fill(&b, &(struct forge){ in, sa, flags });
	if (isakmp_bld_finish(&b) < 0)
		goto out;
	rest = isakmp_bld_after(&b, hoff, sa->keys.hash_len, &rlen);
	if (ike_hash_msgid(&sa->keys, msgid, rest, rlen, b.buf.data + hoff) < 0)
		goto out;
	if (flags & 0x20)
		b.buf.data[hoff] ^= 1;		/* a wrong HASH */
	if (ike_encrypt_msg(&sa->keys, &iv, &b.buf) < 0)
		goto out;
	ike_engine_set_time(to->e, now_ms);
	ike_engine_input(to->e, &sa->path, b.buf.data, b.buf.len);
out:
	isakmp_buf_free(&b.buf);
}

/* 0.1 s steps up to 12.8 s (retransmissions, DPD), 10 s steps up to
 * 640 s (Phase 2 rekey and expiry), 300 s steps up to 5.3 h (Phase 1). */
static void op_time(struct in *in)
{
	uint8_t v = u8(in);

	tick(&srv, &cli, v < 128 ? (uint64_t)v * 100 : v < 192 ? (uint64_t)(v - 127) * 10000 :
			 (uint64_t)(v - 191) * 300000);
	ezv_tick(fz_ezv, now_ms);
}

/* A kernel event: an SA of a live connection (or any SPI) expired, or a
 * connection went away. */
static void op_kernel(struct in *in)
{
	uint8_t flags = u8(in);
	struct side *s = flags & 1 ? &cli : &srv;
	struct ike_sa *sa = live_sa(s);
	const struct ike_conn *c = sa ? sa->conns : NULL;
	uint32_t spi = u32(in);

	if (c && (flags & 2))
		spi = flags & 4 ? c->spi_out : c->spi_in;
	if (flags & 8)
		ike_engine_conn_gone(s->e, c && (flags & 2) ? c->id : spi);
	else
		ike_engine_sa_expired(s->e, spi, (flags >> 4) & 1, flags & 0x20);
}

/* Logins handed to the AAA worker and not yet answered (the link wraps
 * these two, see the Makefile), so settle() waits only when one is out. */
static unsigned aaa_pending;
int __real_aaa_submit_auth(struct aaa *a, struct aaa_request *req);
int __real_aaa_take_result(struct aaa *a, struct aaa_result *out);

int __wrap_aaa_submit_auth(struct aaa *a, struct aaa_request *req)
{
	int rc = __real_aaa_submit_auth(a, req);

	aaa_pending += rc == 0;
	return rc;
}

int __wrap_aaa_take_result(struct aaa *a, struct aaa_result *out)
{
	int rc = __real_aaa_take_result(a, out);

	if (rc == 1 && aaa_pending)
		aaa_pending--;
	return rc;
}

/* Everything both ways, and the AAA worker's answers, until quiet. */
static void settle(void)
{
	for (int round = 0; round < 40; round++) {
		struct pollfd p = { .fd = ezv_fd(fz_ezv), .events = POLLIN };
		struct pkt k;
		bool from_cli;
		unsigned n = 0;

		while (n < 64 && take(&k, &from_cli)) {
			give(&k, from_cli);
			n++;
		}
		if (aaa_pending && p.fd >= 0 && poll(&p, 1, n ? 0 : 2000) > 0) {
			ezv_process(fz_ezv);
			continue;
		}
		if (!n)
			break;
	}
}

static void op_replay(struct in *in)
{
	uint8_t flags = u8(in);
	struct pkt p = last;

	if (!last.buf || !last_to)
		return;
	p.buf = malloc(last.len);
	memcpy(p.buf, last.buf, last.len);
	if (flags & 1)	/* from elsewhere: the sender's address changes */
		set_addr(last_from_cli ? &p.path.local : &p.path.remote, "198.51.100.66",
			 (uint16_t)(500 + (flags >> 1)));
	{
		struct side tmp = { .name = last_from_cli ? "client" : "server" };

		tmp.q[0] = p;
		tmp.nq = 1;
		deliver(&tmp, last_to, 0);
	}
	free(p.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct in in = { data, size };
	struct sockaddr_storage local;
	uint8_t how;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size > 16384)
		return 0;
	how = u8(&in);
	nat_on = how & 4;
	side_reset(&srv, EVS_ROLE_SERVER);
	side_reset(&cli, EVS_ROLE_CLIENT);
	/* session ids are per engine; Easy VPN keeps one table for both */
	cli.e->next_serial = 1u << 20;
	set_addr(&local, nat_on ? "10.1.1.2" : "198.51.100.2", 500);
	ike_engine_connect(cli.e, &cli.cfg.ike.peers[(how & 3) % cli.cfg.ike.n_peers], &local);
	for (unsigned ops = 0; in.n && ops < 256; ops++) {
		switch (u8(&in) % 9) {
		case 0: op_step(&in, 0); break;
		case 1: op_step(&in, 1); break;
		case 2: op_step(&in, 2); break;
		case 3: op_raw(&in); break;
		case 4: op_forge(&in); break;
		case 5: op_time(&in); break;
		case 6: settle(); break;
		case 7: op_replay(&in); break;
		case 8: op_kernel(&in); break;
		}
	}
	settle();
	if (verbose)
		fprintf(stderr, "fuzz_ike_engine: children installed: client %u, server %u\n",
			cli.n_kadd, srv.n_kadd);
	ike_engine_free(cli.e);
	ike_engine_free(srv.e);
	cli.e = srv.e = NULL;
	flush_q(&cli);
	flush_q(&srv);
	free(last.buf);
	memset(&last, 0, sizeof(last));
	last_to = NULL;
	/* results of logins whose sessions are gone */
	while (aaa_pending) {
		struct pollfd p = { .fd = ezv_fd(fz_ezv), .events = POLLIN };

		if (poll(&p, 1, 2000) <= 0)
			abort();	/* the worker never answered */
		ezv_process(fz_ezv);
	}
	/* every session has ended: every address is back in its pool */
	if (ezv_leases(fz_ezv))
		abort();
	return 0;
}
