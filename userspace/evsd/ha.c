// SPDX-License-Identifier: MIT
/*
 * Active/standby state sync between two gateways (ha.h,
 * Documentation/ha.md).
 *
 * One UDP socket, datagrams only from the configured peer address:
 *
 *	header (authenticated, clear): magic "EVH1", type, 3 zero bytes,
 *	    the sender's epoch (random per evsd run, 8 bytes), the sender's
 *	    sequence number (8), the sender's clock (CLOCK_MONOTONIC ms, 8)
 *	nonce (24, random)
 *	payload sealed with XChaCha20-Poly1305 under the pre-shared key,
 *	    the header as additional data
 *
 * Nothing is allocated before a datagram authenticates; a datagram that
 * does not is counted and dropped.  Within an epoch the sequence numbers
 * rise: an older one is a replay (dropped), a jump is a loss (the standby
 * asks for everything again).  A standby accepts an active's epoch only
 * from a FULL that echoes the random challenge of its own REQ, so an old
 * run's datagrams replayed later are never taken.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "evsd/evsd.h"
#include "evsd/ha.h"
#include "evsd/kernel.h"
#include "evsd/loop.h"
#include "ezv/easyvpn.h"
#include "ike/engine/phase2.h"
#include "ike/engine/sa_state.h"
#include "ike/engine/spi_index.h"
#include "lib/daemon_log.h"
#include "lib/htab.h"
#include "lib/secfile.h"

#define HA_MAGIC "EVH1"
#define HA_HDR 32
#define HA_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define HA_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define HA_MAX_DGRAM 65000
#define HA_MAX_PAYLOAD (HA_MAX_DGRAM - HA_HDR - HA_NONCE - HA_TAG)
#define HA_TICK_MS 1000
#define HA_PEER_LOST_MS 3500
#define HA_REQ_EVERY_MS 1000
#define HA_SPLIT_LOG_MS 10000
#define HA_NEW_EPOCH_MS 2000
#define HA_SEQ_ENTRY 20
/* Entries of one direction per datagram (the two share h->plain). */
#define HA_SEQ_BATCH (HA_MAX_PAYLOAD / 2 / HA_SEQ_ENTRY)
#define HA_CHALLENGE 16

_Static_assert(HA_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "ha.h's key size is libsodium's");

enum ha_type {
	HA_HELLO = 1,	/* role byte, records held */
	HA_RECORD,	/* serial (4), the record's JSON */
	HA_DELETE,	/* serial (4) */
	HA_SEQ,		/* entries: serial, conn, spi (4 each), oseq (8) */
	HA_REQ,		/* a challenge (16): send everything */
	HA_FULL,	/* the challenge echoed: everything follows */
	HA_FULL_END,	/* records sent (4) */
	HA_ISEQ,	/* as HA_SEQ for the inbound SAs: the highest received */
};

/* A connection's last report: what its outbound SA sent, what its
 * inbound SA received (spi 0: not reported). */
struct ha_seq {
	uint32_t conn, spi, spi_in;
	uint64_t oseq, iseq;
	uint64_t at;			/* our clock when oseq arrived */
};

/* A session the active reported, held by the standby. */
struct ha_rec {
	struct htab_node node;
	struct ha_rec *next, **pprev;
	uint32_t serial;
	char *json;
	size_t len;
	int64_t shift;			/* our clock - the active's */
	uint64_t at;			/* our clock when it arrived */
	uint32_t mark;			/* the full sync that last sent it */
	unsigned n_seq;
	struct ha_seq seq[STATE_MAX_CONNS];
};

struct ha_stats {
	uint64_t rx, tx, tx_fail, bad_source, bad_size, bad_auth, replays, gaps,
		 records, deletes, full_syncs_sent, full_syncs_received, too_many,
		 too_big, split_brain, takeovers, taken_over, takeover_failed,
		 handed_over;
};

struct ha {
	struct evsd *d;
	struct ha_config cfg;
	char role_file[256];
	int fd;
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	bool active;
	uint64_t epoch, seq;		/* ours */
	uint64_t peer_epoch, peer_seq;	/* accepted; 0: none */
	uint64_t peer_epoch_seen;	/* our clock, its last datagram */
	uint8_t challenge[HA_CHALLENGE];
	bool challenge_out;
	bool synced;			/* standby: a full sync ended, no gap since */
	bool peer_synced;		/* active: the standby's last HELLO said so */
	uint64_t req_epoch;		/* active: the run of the last REQ answered */
	uint64_t last_req, last_full_sent;
	uint64_t peer_seen;		/* our clock at its last datagram */
	int peer_role;			/* -1 unknown, 0 standby, 1 active */
	bool peer_lost_logged;
	uint64_t split_logged;
	uint32_t mark;
	struct htab recs;
	struct ha_rec *list;
	unsigned n_recs;
	struct ha_stats st;
	unsigned timer;
	uint8_t buf[HA_MAX_DGRAM + 1];
	uint8_t plain[HA_MAX_DGRAM];
};

/* ---- configuration ---------------------------------------------------------- */

static int load_key_file(const char *path, uint8_t *key, struct evs_err *err)
{
	char text[130];
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return evs_errf(err, "ha: key-file %s: %s", path, strerror(errno));
	/* As the other secret files, and stricter: readable by root alone. */
	rc = evs_secret_file_check(fd, path, err);
	if (rc) {
		struct evs_err why = *err;

		close(fd);
		return evs_errf(err, "ha: %s%s", why.msg, rc > 0 ? ": refused" : "");
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return evs_errf(err, "ha: key-file %s: %s", path, strerror(errno));
	text[n] = '\0';
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
		text[--n] = '\0';
	rc = sodium_hex2bin(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, text,
			    (size_t)n, NULL, &len, NULL);
	sodium_memzero(text, sizeof(text));
	if (rc < 0 || len != crypto_aead_xchacha20poly1305_ietf_KEYBYTES ||
	    (size_t)n != 2 * len)
		return evs_errf(err, "ha: key-file %s: not 64 hexadecimal digits (a "
				"256-bit key)", path);
	return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

int ha_config_load(struct cfg_node *root, struct ha_config *hc, struct evs_err *err)
{
	const struct cfg_node *blk = NULL;
	uint32_t port = HA_PORT_DEFAULT;
	bool have_peer = false, have_key = false;

	memset(hc, 0, sizeof(*hc));
	hc->max_sessions = HA_MAX_SESSIONS_DEFAULT;
	hc->seq_rate = HA_SEQ_RATE_DEFAULT;
	for (struct cfg_node *n = root->child; n; n = n->next) {
		if (!cfg_is(n, "ha", NULL))
			continue;
		n->used = true;
		if (blk)
			return cfg_error(err, n, "ha given twice (first at line %u)", blk->line);
		if (cfg_nargs(n, 1, 1, err) < 0 || cfg_want_block(n, true, err) < 0)
			return -1;
		blk = n;
	}
	if (!blk)
		return 0;
	for (const struct cfg_node *n = blk->child; n; n = n->next) {
		if (cfg_want_block(n, false, err) < 0)
			return -1;
		if (cfg_is(n, "peer", NULL)) {
			if (cfg_nargs(n, 2, 2, err) < 0 || cfg_addr(n, 1, &hc->peer, NULL, err) < 0)
				return -1;
			have_peer = true;
		} else if (cfg_is(n, "local", NULL)) {
			if (cfg_nargs(n, 2, 2, err) < 0 || cfg_addr(n, 1, &hc->local, NULL, err) < 0)
				return -1;
		} else if (cfg_is(n, "port", NULL)) {
			if (cfg_nargs(n, 2, 2, err) < 0 || cfg_u32(n, 1, 1, 65535, &port, err) < 0)
				return -1;
		} else if (cfg_is(n, "key-file", NULL)) {
			if (cfg_nargs(n, 2, 2, err) < 0)
				return -1;
			if (n->argv[1][0] != '/' ||
			    strlen(n->argv[1]) >= sizeof(hc->key_file))
				return cfg_error(err, n, "key-file: '%s' is not an absolute "
						 "file name", n->argv[1]);
			strcpy(hc->key_file, n->argv[1]);
			have_key = true;
		} else if (cfg_is(n, "max-sessions", NULL)) {
			if (cfg_nargs(n, 2, 2, err) < 0 ||
			    cfg_u32(n, 1, 1, 1000000, &hc->max_sessions, err) < 0)
				return -1;
		} else if (cfg_is(n, "seq-rate", NULL)) {
			if (cfg_nargs(n, 2, 2, err) < 0 ||
			    cfg_u32(n, 1, 1000, 100000000, &hc->seq_rate, err) < 0)
				return -1;
		} else {
			return cfg_error(err, n, "ha: unknown directive '%s' (peer, local, port, "
					 "key-file, max-sessions, seq-rate)", n->argv[0]);
		}
	}
	if (!have_peer || !have_key)
		return cfg_error(err, blk, "ha needs peer ADDRESS and key-file FILE");
	if (hc->local.ss_family && hc->local.ss_family != hc->peer.ss_family)
		return cfg_error(err, blk, "ha: local and peer are of different families");
	set_port(&hc->peer, (uint16_t)port);
	if (!hc->local.ss_family)
		hc->local.ss_family = hc->peer.ss_family;
	set_port(&hc->local, (uint16_t)port);
	hc->enabled = true;
	return 0;
}

/* ---- sending ---------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	       sizeof(struct sockaddr_in);
}

static int send_msg(struct ha *h, enum ha_type type, const uint8_t *pl, size_t len)
{
	uint8_t *b = h->buf;
	unsigned long long clen = 0;
	ssize_t w;

	if (len > HA_MAX_PAYLOAD)
		return -1;
	memset(b, 0, HA_HDR);
	memcpy(b, HA_MAGIC, 4);
	b[4] = (uint8_t)type;
	put64(b + 8, h->epoch);
	put64(b + 16, ++h->seq);
	put64(b + 24, loop_now_ms());
	randombytes_buf(b + HA_HDR, HA_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + HA_HDR + HA_NONCE, &clen, pl, len,
						   b, HA_HDR, NULL, b + HA_HDR, h->key);
	w = sendto(h->fd, b, HA_HDR + HA_NONCE + clen, 0,
		   (const struct sockaddr *)&h->cfg.peer, sa_len(&h->cfg.peer));
	if (w < 0) {
		h->st.tx_fail++;
		return -1;
	}
	h->st.tx++;
	return 0;
}

static void send_hello(struct ha *h)
{
	uint8_t p[8];

	p[0] = h->active;
	p[1] = !h->active && h->synced;	/* 0 from an evsd before this flag */
	memset(p + 2, 0, 2);
	put32(p + 4, h->n_recs);
	send_msg(h, HA_HELLO, p, sizeof(p));
}

static void send_record(struct ha *h, struct ike_sa *sa)
{
	size_t len;
	char *text = ike_sa_state_text(sa, &len);

	if (!text)
		return;
	if (len + 4 > HA_MAX_PAYLOAD) {
		h->st.too_big++;
		log_warn("ha: %s: record of %zu bytes too large to sync", sa->name, len);
	} else {
		put32(h->plain, sa->serial);
		memcpy(h->plain + 4, text, len);
		send_msg(h, HA_RECORD, h->plain, len + 4);
		sodium_memzero(h->plain, len + 4);
	}
	sodium_memzero(text, len);
	free(text);
}

void ha_sa_changed(struct ha *h, struct ike_sa *sa)
{
	uint8_t p[4];

	if (!h || !h->active)
		return;
	if (sa->state == IKE_S_DEAD || !ike_sa_state_savable(sa)) {
		if (sa->state == IKE_S_DEAD || sa->state == IKE_S_READY) {
			put32(p, sa->serial);
			send_msg(h, HA_DELETE, p, sizeof(p));
		}
		return;
	}
	send_record(h, sa);
}

/* Outbound entries (HA_SEQ) in the first half of h->plain, inbound ones
 * (HA_ISEQ, a type of their own so that a standby of the previous version
 * ignores them) in the second. */
struct seq_batch {
	struct ha *h;
	size_t n[2];
};

static uint8_t *seq_area(struct seq_batch *b, bool in)
{
	return b->h->plain + (in ? HA_SEQ_BATCH * HA_SEQ_ENTRY : 0);
}

static void seq_flush(struct seq_batch *b, bool in)
{
	if (b->n[in])
		send_msg(b->h, in ? HA_ISEQ : HA_SEQ, seq_area(b, in),
			 b->n[in] * HA_SEQ_ENTRY);
	b->n[in] = 0;
}

static void seq_one(uint32_t conn_id, uint32_t spi, bool in, uint64_t seq, void *arg)
{
	struct seq_batch *b = arg;
	struct ike_conn *c = conn_by_id(b->h->d->eng, conn_id);
	uint8_t *p;

	if (!c || !c->sa || (in ? c->spi_in : c->spi_out) != spi ||
	    !ike_sa_state_savable(c->sa))
		return;
	p = seq_area(b, in) + b->n[in] * HA_SEQ_ENTRY;
	put32(p, c->sa->serial);
	put32(p + 4, conn_id);
	put32(p + 8, spi);
	put64(p + 12, seq);
	if (++b->n[in] == HA_SEQ_BATCH)
		seq_flush(b, in);
}

static void send_seqs(struct ha *h)
{
	struct seq_batch b = { h, { 0, 0 } };

	if (kernel_sa_seqs(h->d->kernel, seq_one, &b) < 0)
		log_warn("ha: cannot read the SAs' sequence numbers");
	seq_flush(&b, false);
	seq_flush(&b, true);
}

static void send_full(struct ha *h, const uint8_t *challenge)
{
	uint32_t n = 0;
	uint8_t p[4];

	if (!h->active)
		return;
	send_msg(h, HA_FULL, challenge, HA_CHALLENGE);
	for (struct ike_sa *sa = h->d->eng->sas; sa; sa = sa->next)
		if (ike_sa_state_savable(sa)) {
			send_record(h, sa);
			n++;
		}
	send_seqs(h);
	put32(p, n);
	send_msg(h, HA_FULL_END, p, sizeof(p));
	h->st.full_syncs_sent++;
	log_notice("ha: sent the standby all %u session%s", n, n == 1 ? "" : "s");
}

static void send_req(struct ha *h)
{
	uint64_t now = loop_now_ms();

	if (h->active || (h->last_req && now - h->last_req < HA_REQ_EVERY_MS))
		return;
	h->last_req = now;
	/* A repeated REQ keeps the challenge: when the answer takes longer
	 * than the repeat interval (a loaded host, many sessions), a new one
	 * would refuse every FULL on its way, and the active answers one REQ
	 * a second.  A fresh challenge for each sync attempt is what keeps a
	 * FULL of an earlier run out. */
	if (!h->challenge_out)
		randombytes_buf(h->challenge, sizeof(h->challenge));
	h->challenge_out = true;
	send_msg(h, HA_REQ, h->challenge, sizeof(h->challenge));
}

/* ---- the standby's records ------------------------------------------------------ */

static uint64_t rec_hash(const struct ha *h, uint32_t serial)
{
	return htab_hash(&h->recs, &serial, sizeof(serial));
}

static struct ha_rec *rec_find(struct ha *h, uint32_t serial)
{
	struct htab_node *n;

	htab_for_each(&h->recs, n, rec_hash(h, serial)) {
		struct ha_rec *r = htab_entry(n, struct ha_rec, node);

		if (r->serial == serial)
			return r;
	}
	return NULL;
}

static void rec_free(struct ha *h, struct ha_rec *r)
{
	htab_del(&h->recs, &r->node);
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
	h->n_recs--;
	sodium_memzero(r->json, r->len);
	free(r->json);
	free(r);
}

static void recs_clear(struct ha *h)
{
	while (h->list)
		rec_free(h, h->list);
}

static void rec_store(struct ha *h, uint32_t serial, const uint8_t *json, size_t len,
		      int64_t shift)
{
	struct ha_rec *r = rec_find(h, serial);
	char *copy;

	if (!r) {
		if (h->n_recs >= h->cfg.max_sessions) {
			if (!h->st.too_many++)
				log_warn("ha: more than max-sessions %u records; the rest "
					 "would not survive a failover", h->cfg.max_sessions);
			return;
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			return;
		r->serial = serial;
		htab_add(&h->recs, &r->node, rec_hash(h, serial));
		r->next = h->list;
		if (h->list)
			h->list->pprev = &r->next;
		h->list = r;
		r->pprev = &h->list;
		h->n_recs++;
	}
	copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, json, len);
	copy[len] = '\0';
	if (r->json) {
		sodium_memzero(r->json, r->len);
		free(r->json);
	}
	r->json = copy;
	r->len = len;
	r->shift = shift;
	r->at = loop_now_ms();
	r->mark = h->mark;
	h->st.records++;
}

static void rec_seq(struct ha *h, const uint8_t *p, bool in)
{
	struct ha_rec *r = rec_find(h, get32(p));
	uint32_t conn = get32(p + 4), spi = get32(p + 8);
	struct ha_seq *s;
	unsigned i;

	if (!r)
		return;
	for (i = 0; i < r->n_seq; i++)
		if (r->seq[i].conn == conn)
			break;
	if (i == r->n_seq) {
		if (r->n_seq == STATE_MAX_CONNS)
			return;
		r->seq[r->n_seq++] = (struct ha_seq){ .conn = conn };
	}
	s = &r->seq[i];
	if (in) {
		s->spi_in = spi;
		s->iseq = get64(p + 12);
	} else {
		s->spi = spi;
		s->oseq = get64(p + 12);
		s->at = loop_now_ms();
	}
}

/* ---- receiving -------------------------------------------------------------- */

static bool from_peer(const struct ha *h, const struct sockaddr_storage *src)
{
	if (src->ss_family != h->cfg.peer.ss_family)
		return false;
	if (src->ss_family == AF_INET)
		return ((const struct sockaddr_in *)src)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&h->cfg.peer)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)src)->sin6_addr,
		       &((const struct sockaddr_in6 *)&h->cfg.peer)->sin6_addr, 16);
}

static void peer_hello(struct ha *h, uint64_t epoch, const uint8_t *p, size_t len)
{
	uint64_t now = loop_now_ms();

	if (len < 8)
		return;
	if (h->peer_role != p[0])
		log_notice("ha: the peer is %s", p[0] ? "active" : "standby");
	h->peer_role = p[0] ? 1 : 0;
	/* Only the run it last synced: an earlier run's HELLO replayed
	 * does not say the standby holds anything. */
	h->peer_synced = !p[0] && p[1] == 1 && epoch == h->req_epoch;
	if (h->active && p[0]) {
		h->st.split_brain++;
		if (!h->split_logged || now - h->split_logged >= HA_SPLIT_LOG_MS) {
			h->split_logged = now;
			log_err("ha: split brain: the peer is active too (this gateway "
				"keeps its sessions; see Documentation/ha.md)");
		}
	}
}

/* A datagram of the accepted epoch (or the FULL that makes it so). */
static void handle(struct ha *h, unsigned type, const uint8_t *hdr, const uint8_t *p,
		   size_t len)
{
	int64_t shift = (int64_t)loop_now_ms() - (int64_t)get64(hdr + 24);

	switch (type) {
	case HA_RECORD:
		if (len > 4 && !h->active)
			rec_store(h, get32(p), p + 4, len - 4, shift);
		break;
	case HA_DELETE:
		if (len == 4 && !h->active) {
			struct ha_rec *r = rec_find(h, get32(p));

			if (r) {
				rec_free(h, r);
				h->st.deletes++;
			}
		}
		break;
	case HA_SEQ:
	case HA_ISEQ:
		for (size_t i = 0; !h->active && i + HA_SEQ_ENTRY <= len; i += HA_SEQ_ENTRY)
			rec_seq(h, p + i, type == HA_ISEQ);
		break;
	case HA_FULL_END:
		if (len == 4 && !h->active) {
			/* What the full sync did not send has ended meanwhile. */
			for (struct ha_rec *r = h->list, *n; r; r = n) {
				n = r->next;
				if (r->mark != h->mark)
					rec_free(h, r);
			}
			h->synced = true;
			h->st.full_syncs_received++;
			log_notice("ha: synced: %u session%s held for a takeover",
				   h->n_recs, h->n_recs == 1 ? "" : "s");
		}
		break;
	}
}

static void on_ha(int fd, void *arg)
{
	struct ha *h = arg;
	struct sockaddr_storage src;
	socklen_t sl = sizeof(src);
	unsigned long long plen = 0;
	ssize_t n;

	while ((n = recvfrom(fd, h->buf, sizeof(h->buf), 0, (struct sockaddr *)&src,
			     &sl)) >= 0) {
		uint64_t epoch, seq;
		unsigned type;

		sl = sizeof(src);
		if (!from_peer(h, &src)) {
			h->st.bad_source++;
			continue;
		}
		if (n < HA_HDR + HA_NONCE + HA_TAG || n > HA_MAX_DGRAM ||
		    memcmp(h->buf, HA_MAGIC, 4)) {
			h->st.bad_size++;
			continue;
		}
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
			    h->plain, &plen, NULL, h->buf + HA_HDR + HA_NONCE,
			    (unsigned long long)n - HA_HDR - HA_NONCE, h->buf, HA_HDR,
			    h->buf + HA_HDR, h->key) < 0) {
			h->st.bad_auth++;
			continue;
		}
		h->st.rx++;
		type = h->buf[4];
		epoch = get64(h->buf + 8);
		seq = get64(h->buf + 16);
		if (epoch == h->epoch) {
			sodium_memzero(h->plain, plen);
			continue;	/* our own, reflected */
		}
		h->peer_seen = loop_now_ms();
		if (h->peer_lost_logged)
			log_notice("ha: the peer is back");
		h->peer_lost_logged = false;
		if (type == HA_HELLO)
			/* Its role from any epoch: a replayed one can do no
			 * more than a log line. */
			peer_hello(h, epoch, h->plain, plen);
		if (type == HA_REQ) {
			uint64_t now = loop_now_ms();

			/* Bounded: one full sync a second, whoever asks. */
			if (plen == HA_CHALLENGE && h->active &&
			    (!h->last_full_sent || now - h->last_full_sent >= HA_REQ_EVERY_MS)) {
				uint8_t c[HA_CHALLENGE];

				h->last_full_sent = now;
				h->req_epoch = epoch;
				h->peer_synced = false;
				memcpy(c, h->plain, sizeof(c));
				send_full(h, c);
			}
		} else if (type == HA_FULL && plen == HA_CHALLENGE && h->challenge_out &&
			   !h->active && !sodium_memcmp(h->plain, h->challenge, HA_CHALLENGE)) {
			h->challenge_out = false;
			h->synced = false;
			h->peer_epoch = epoch;
			h->peer_seq = seq;
			h->peer_epoch_seen = loop_now_ms();
			h->mark++;
		} else if (epoch != h->peer_epoch || !h->peer_epoch) {
			/* A run we have not synced with: ask, unless the one we
			 * did is still talking (an old datagram replayed). */
			if (!h->peer_epoch || loop_now_ms() - h->peer_epoch_seen > HA_NEW_EPOCH_MS)
				send_req(h);
		} else if (seq <= h->peer_seq) {
			h->st.replays++;
		} else {
			if (seq != h->peer_seq + 1) {
				/* lost some: take this one, ask for all */
				h->st.gaps++;
				h->synced = false;
				h->last_req = 0;
				send_req(h);
			}
			h->peer_seq = seq;
			h->peer_epoch_seen = loop_now_ms();
			handle(h, type, h->buf, h->plain, plen);
		}
		sodium_memzero(h->plain, plen);
	}
}

/* ---- taking over ---------------------------------------------------------------- */

/* The active's clock (CLOCK_MONOTONIC ms, its own boot) is not ours: each
 * time of the record is moved by what the two clocks differed by when it
 * was sent.  Every time field of the engine's and the Easy VPN layer's
 * records (sa_state.c, sess_state.c) is listed here. */
static const char *const time_keys[] = {
	"created", "established", "expire_at", "old_del_at", "installed_at",
	"start_ms", "acct_start_ms", "next_interim_ms", "session_deadline_ms", NULL,
};

static void shift_times(struct json_object *o, int64_t shift)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			shift_times(json_object_array_get_idx(o, i), shift);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, k, v) {
		bool is_time = false;

		for (unsigned i = 0; time_keys[i]; i++)
			is_time |= !strcmp(k, time_keys[i]);
		if (is_time && json_object_is_type(v, json_type_int)) {
			uint64_t t = json_object_get_uint64(v);
			int64_t s = (int64_t)t + shift;

			if (t)
				json_object_set_uint64(v, s > 1 ? (uint64_t)s : 1);
		} else {
			shift_times(v, shift);
		}
	}
}

/* The replaced pair of a rekey in flight is not taken over: only the
 * current one (its keys are the ones kept). */
static void drop_old_pairs(struct json_object *o)
{
	struct json_object *a;

	if (!json_object_object_get_ex(o, "conns", &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		json_object_object_add(c, "old_spi_in", json_object_new_uint64(0));
		json_object_object_add(c, "old_spi_out", json_object_new_uint64(0));
		json_object_object_add(c, "old_del_at", json_object_new_uint64(0));
	}
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	struct json_object *j;
	uint64_t old = json_object_object_get_ex(o, k, &j) ? json_object_get_uint64(j) : 0;

	json_object_object_add(o, k, json_object_new_uint64(old + v));
}

/* The new SAs' counters start from zero under the same SPIs: the Easy VPN
 * part's last figures of the live SAs (sess_state.c, "sas") become
 * retired traffic, so accounting neither loses nor repeats them. */
static void retire_live_counts(struct json_object *o)
{
	struct json_object *steps, *x, *a;

	if (!json_object_object_get_ex(o, "steps", &steps) ||
	    !json_object_object_get_ex(steps, "xauth", &x) ||
	    !json_object_object_get_ex(x, "sas", &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i), *in, *b, *p;
		bool inbound;

		if (!json_object_object_get_ex(c, "in", &in) ||
		    !json_object_object_get_ex(c, "bytes", &b) ||
		    !json_object_object_get_ex(c, "packets", &p))
			continue;
		inbound = json_object_get_boolean(in);
		add_u64(x, inbound ? "retired_rx_bytes" : "retired_tx_bytes",
			json_object_get_uint64(b));
		add_u64(x, inbound ? "retired_rx_pkts" : "retired_tx_pkts",
			json_object_get_uint64(p));
	}
	json_object_object_add(x, "sas", json_object_new_array());
}

/* Past anything the active can have sent on conn: the last number it
 * reported and what seq-rate packets a second could add since (at least
 * a second's worth, for a report in flight). */
static uint64_t oseq_for(const struct ha *h, const struct ha_rec *r, const struct ike_conn *c,
			 uint64_t now)
{
	uint64_t base = 0, at = r->at, secs;

	for (unsigned i = 0; i < r->n_seq; i++)
		if (r->seq[i].conn == c->id && r->seq[i].spi == c->spi_out) {
			base = r->seq[i].oseq;
			at = r->seq[i].at;
		}
	if (!base && c->installed_at && c->installed_at < at)
		at = c->installed_at;	/* never reported: since it was made */
	secs = (now > at ? now - at : 0) / 1000 + 1;
	return base + secs * h->cfg.seq_rate;
}

/* The inbound window starts at the last number the active reported
 * receiving, with no margin: what the client sent after it (during the
 * last second, or since the active died) is new to the client and must
 * pass; what the active received before it must not pass again.  0 (no
 * report of this pair): an empty window. */
static uint64_t iseq_for(const struct ha_rec *r, const struct ike_conn *c)
{
	for (unsigned i = 0; i < r->n_seq; i++)
		if (r->seq[i].conn == c->id && r->seq[i].spi_in == c->spi_in)
			return r->seq[i].iseq;
	return 0;
}

static bool take_over(struct ha *h, struct ha_rec *r)
{
	struct evsd *d = h->d;
	struct json_object *o = json_tokener_parse(r->json);
	uint64_t now = loop_now_ms();
	struct ike_sa *sa;
	struct evs_err why;

	if (!o) {
		log_err("ha: session %u: the record does not parse; not taken over", r->serial);
		return false;
	}
	shift_times(o, r->shift);
	drop_old_pairs(o);
	retire_live_counts(o);
	ike_engine_set_time(d->eng, now);
	sa = ike_sa_state_restore(d->eng, o, &why);
	json_object_put(o);
	if (!sa) {
		log_err("ha: session %u: %s; not taken over", r->serial, why.msg);
		return false;
	}
	for (struct ike_conn *c = sa->conns; c; c = c->next) {
		uint64_t oseq = oseq_for(h, r, c, now);

		/* Without extended sequence numbers the space ends at 2^32-1. */
		if (oseq > UINT32_MAX - 65536 ||
		    conn_reinstall(sa, c, oseq, iseq_for(r, c)) < 0) {
			c->installed = false;
			ike_sa_kill(sa, EVS_END_ERROR, "could not be taken over", true, true);
			return false;
		}
	}
	if (d->ezv)
		ezv_sess_rri_again(d->ezv, sa->serial);
	log_notice("%s: taken over from the peer (user %s)", sa->name, sa->user);
	ike_sa_changed(sa);
	return true;
}

static void write_role(const struct ha *h)
{
	FILE *f = fopen(h->role_file, "w");

	if (!f || fputs(h->active ? "master\n" : "backup\n", f) < 0 || fclose(f)) {
		log_warn("ha: %s: %s", h->role_file, strerror(errno));
		if (f)
			fclose(f);
	}
}

int ha_set_role(struct ha *h, bool active, struct evs_err *err)
{
	struct evsd *d = h->d;
	unsigned ok = 0, failed = 0;

	if (h->active == active)
		return 0;
	h->active = active;
	h->synced = h->peer_synced = false;
	write_role(h);
	if (active) {
		log_notice("ha: becoming active: taking over %u session%s", h->n_recs,
			   h->n_recs == 1 ? "" : "s");
		for (struct ha_rec *r = h->list; r; r = r->next) {
			if (take_over(h, r))
				ok++;
			else
				failed++;
		}
		recs_clear(h);
		h->peer_epoch = 0;
		h->challenge_out = false;
		h->st.takeovers++;
		h->st.taken_over += ok;
		h->st.takeover_failed += failed;
		log_notice("ha: active: %u session%s taken over, %u failed", ok,
			   ok == 1 ? "" : "s", failed);
	} else {
		log_notice("ha: becoming the standby: handing every session over");
		h->challenge_out = false;	/* a new sync attempt */
		ike_engine_set_time(d->eng, loop_now_ms());
		for (struct ike_sa *sa = d->eng->sas; sa; sa = sa->next)
			if (sa->state != IKE_S_DEAD) {
				/* No delete: the client's session lives on with
				 * the peer.  The kernel's connections go. */
				ike_sa_kill(sa, EVS_END_HANDOVER, "handed over to the HA peer",
					    false, true);
				h->st.handed_over++;
			}
		h->peer_epoch = 0;
		h->last_req = 0;
		send_req(h);
	}
	send_hello(h);
	(void)err;
	return 0;
}

bool ha_active(const struct ha *h)
{
	return !h || h->active;
}

/* ---- reload --------------------------------------------------------------------- */

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family && !memcmp(a, b, sa_len(a));
}

int ha_reload_prepare(const struct ha *h, const struct ha_config *nc, uint8_t *key,
		      struct evs_err *err)
{
	if (!h) {
		if (nc->enabled)
			log_warn("reload: the ha section takes effect at the next restart "
				 "(HA was off when evsd started)");
		return 0;
	}
	if (!nc->enabled) {
		log_warn("reload: the ha section is gone; HA stays on until the next "
			 "restart");
		return 0;
	}
	if (!same_addr(&nc->peer, &h->cfg.peer) || !same_addr(&nc->local, &h->cfg.local))
		log_warn("reload: ha peer, local and port change only with a restart; "
			 "the running ones are kept");
	return load_key_file(nc->key_file, key, err);
}

void ha_reload_commit(struct ha *h, const struct ha_config *nc, const uint8_t *key)
{
	if (!h || !nc->enabled)
		return;
	memcpy(h->key, key, sizeof(h->key));
	strcpy(h->cfg.key_file, nc->key_file);
	h->cfg.max_sessions = nc->max_sessions;
	h->cfg.seq_rate = nc->seq_rate;
	log_notice("ha: reloaded: key-file %s, max-sessions %u, seq-rate %u",
		   h->cfg.key_file, h->cfg.max_sessions, h->cfg.seq_rate);
}

/* ---- timer, open, show ---------------------------------------------------------- */

bool ha_standby_asks(bool active, bool have_epoch, bool challenge_out)
{
	/* The active answers one request a second and drops the rest: a
	 * request it dropped (one sent on a gap, right after a full sync)
	 * is asked again until a FULL echoes it, not only while no run
	 * was ever synced. */
	return !active && (!have_epoch || challenge_out);
}

static void on_tick(void *arg)
{
	struct ha *h = arg;
	uint64_t now = loop_now_ms();

	send_hello(h);
	if (h->active)
		send_seqs(h);
	else if (ha_standby_asks(h->active, h->peer_epoch != 0, h->challenge_out))
		send_req(h);
	if (h->peer_seen && now - h->peer_seen > HA_PEER_LOST_MS && !h->peer_lost_logged) {
		h->peer_lost_logged = true;
		h->peer_role = -1;
		log_warn("ha: nothing from the peer for %u ms", HA_PEER_LOST_MS);
	}
	h->timer = loop_timer(h->d->loop, now + HA_TICK_MS, on_tick, h);
}

static int read_role(const char *path)
{
	char b[16] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (!fgets(b, sizeof(b), f))
		b[0] = '\0';
	fclose(f);
	return !strcmp(b, "master\n");
}

struct ha *ha_open(struct evsd *d, const struct ha_config *hc, const char *role_file,
		   struct evs_err *err)
{
	struct ha *h = calloc(1, sizeof(*h));
	int big = 4 << 20, one = 1;

	if (!h)
		return evs_errf(err, "out of memory"), NULL;
	h->d = d;
	h->cfg = *hc;
	h->fd = -1;
	h->peer_role = -1;
	snprintf(h->role_file, sizeof(h->role_file), "%s", role_file);
	if (htab_init(&h->recs) < 0) {
		free(h);
		return evs_errf(err, "out of memory"), NULL;
	}
	if (load_key_file(hc->key_file, h->key, err) < 0)
		goto fail;
	h->fd = socket(hc->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		evs_errf(err, "ha: socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (bind(h->fd, (const struct sockaddr *)&hc->local, sa_len(&hc->local)) < 0) {
		evs_errf(err, "ha: bind: %s", strerror(errno));
		goto fail;
	}
	randombytes_buf(&h->epoch, sizeof(h->epoch));
	h->epoch |= 1;
	h->active = read_role(h->role_file);
	log_notice("ha: %s, syncing with the peer on UDP port %u",
		   h->active ? "active (as this boot's last evsd was told)" : "standby",
		   ntohs(((struct sockaddr_in *)&hc->peer)->sin_port));
	return h;
fail:
	ha_close(h);
	return NULL;
}

/* Once the loop exists. */
void ha_start(struct ha *h)
{
	loop_add_fd(h->d->loop, h->fd, on_ha, h);
	h->timer = loop_timer(h->d->loop, loop_now_ms(), on_tick, h);
}

void ha_close(struct ha *h)
{
	if (!h)
		return;
	recs_clear(h);
	htab_free(&h->recs);
	if (h->fd >= 0)
		close(h->fd);
	sodium_memzero(h->key, sizeof(h->key));
	sodium_memzero(h->plain, sizeof(h->plain));
	free(h);
}

static void put(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

void ha_show(const struct ha *h, struct json_object *res)
{
	struct json_object *st = json_object_new_object();
	char peer[64];

	evs_sockaddr_str((const struct sockaddr *)&h->cfg.peer, true, peer, sizeof(peer));
	json_object_object_add(res, "role", json_object_new_string(h->active ? "master" :
								   "backup"));
	json_object_object_add(res, "peer", json_object_new_string(peer));
	json_object_object_add(res, "peer_role", json_object_new_string(
				       h->peer_role < 0 ? "unknown" :
				       h->peer_role ? "master" : "backup"));
	put(res, "peer_seen_ms", h->peer_seen ? loop_now_ms() - h->peer_seen : 0);
	/* The standby: holds a complete copy; the active: its standby said so. */
	json_object_object_add(res, "synced", json_object_new_boolean(
				       h->active ? h->peer_synced && h->peer_role == 0 :
				       h->synced));
	put(res, "records", h->n_recs);
	put(res, "max_sessions", h->cfg.max_sessions);
	put(res, "seq_rate", h->cfg.seq_rate);
	put(st, "rx", h->st.rx);
	put(st, "tx", h->st.tx);
	put(st, "tx_fail", h->st.tx_fail);
	put(st, "bad_source", h->st.bad_source);
	put(st, "bad_size", h->st.bad_size);
	put(st, "bad_auth", h->st.bad_auth);
	put(st, "replays", h->st.replays);
	put(st, "gaps", h->st.gaps);
	put(st, "records", h->st.records);
	put(st, "deletes", h->st.deletes);
	put(st, "full_syncs_sent", h->st.full_syncs_sent);
	put(st, "full_syncs_received", h->st.full_syncs_received);
	put(st, "too_many", h->st.too_many);
	put(st, "too_big", h->st.too_big);
	put(st, "split_brain", h->st.split_brain);
	put(st, "takeovers", h->st.takeovers);
	put(st, "taken_over", h->st.taken_over);
	put(st, "takeover_failed", h->st.takeover_failed);
	put(st, "handed_over", h->st.handed_over);
	json_object_object_add(res, "stats", st);
}
