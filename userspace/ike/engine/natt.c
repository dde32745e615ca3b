// SPDX-License-Identifier: MIT
/*
 * natt: NAT-T vendor ids, NAT-D, float to 4500, keepalives.  See natt.h.
 */
#include "ike/engine/natt.h"

#include <netinet/in.h>
#include <string.h>

#include "lib/daemon_log.h"

#define NATT_PORT_DEFAULT 4500

static const enum isakmp_vid natt_vids[] = {
	VID_NATT_RFC3947, VID_NATT_DRAFT_03, VID_NATT_DRAFT_02N,
	VID_NATT_DRAFT_02,
};

static uint16_t natt_port(const struct ike_sa *sa)
{
	return sa->eng->ike->natt_port ? sa->eng->ike->natt_port :
	       NATT_PORT_DEFAULT;
}

void natt_add_vids(struct ike_sa *sa, struct isakmp_bld *b)
{
	if (sa->initiator) {
		for (size_t i = 0; i < sizeof(natt_vids) / sizeof(natt_vids[0]); i++)
			isakmp_add_vid(b, natt_vids[i]);
		return;
	}
	/* Responder: echo the best one the initiator sent. */
	for (size_t i = 0; i < sizeof(natt_vids) / sizeof(natt_vids[0]); i++)
		if (sa->peer_vids & (1u << natt_vids[i])) {
			isakmp_add_vid(b, natt_vids[i]);
			return;
		}
}

void natt_note_vids(struct ike_sa *sa, const struct isakmp_msg *m)
{
	const struct isakmp_payload *p;
	int best = 0;

	for (unsigned i = 0; (p = isakmp_msg_find(m, ISAKMP_PT_VID, i)); i++) {
		enum isakmp_vid v = isakmp_vid_lookup(p->body, p->len);

		if (v == VID_UNKNOWN || v >= 32)
			continue;
		sa->peer_vids |= 1u << v;
		if (isakmp_vid_natt_level(v) > best)
			best = isakmp_vid_natt_level(v);
		log_debug("%s: peer vendor id %s", sa->name, isakmp_vid_get(v)->name);
	}
	if (best > sa->natt_level)
		sa->natt_level = best;
}

static int natd_hash(const struct ike_sa *sa, const struct sockaddr *addr,
		     uint8_t *out)
{
	const uint8_t *a;
	uint16_t port;
	size_t n = ike_sa_addr(addr, &a, &port);

	if (!n)
		return -1;
	return ike_natd_hash(sa->chosen.hash, sa->cky_i, sa->cky_r, a, n, port,
			     out);
}

static uint8_t natd_type(const struct ike_sa *sa)
{
	return sa->natt_level >= 2 ? ISAKMP_PT_NATD : ISAKMP_PT_NATD_DRAFT;
}

void natt_add_natd(struct ike_sa *sa, struct isakmp_bld *b)
{
	uint8_t h[IKE_MAX_HASH];
	size_t hl = ike_hash_len(sa->chosen.hash);

	if (!sa->natt_level || !hl)
		return;
	/* Destination first, then source (RFC 3947 §3.2). */
	if (natd_hash(sa, (const struct sockaddr *)&sa->path.remote, h) == 0)
		isakmp_add_raw(b, natd_type(sa), h, hl);
	if (natd_hash(sa, (const struct sockaddr *)&sa->path.local, h) == 0)
		isakmp_add_raw(b, natd_type(sa), h, hl);
}

void natt_check_natd(struct ike_sa *sa, const struct isakmp_msg *m)
{
	uint8_t ours[IKE_MAX_HASH], theirs[IKE_MAX_HASH];
	size_t hl = ike_hash_len(sa->chosen.hash);
	const struct isakmp_payload *first = NULL;
	bool peer_match = false;
	unsigned n = 0;

	if (!sa->natt_level || !hl)
		return;
	if (natd_hash(sa, (const struct sockaddr *)&sa->path.local, ours) < 0 ||
	    natd_hash(sa, (const struct sockaddr *)&sa->path.remote, theirs) < 0)
		return;
	for (unsigned i = 0; i < m->n; i++) {
		const struct isakmp_payload *p = &m->p[i];

		if (!isakmp_pt_is_natd(p->type))
			continue;
		if (!n++) {
			first = p;
			continue;
		}
		if (p->len == hl && !memcmp(p->body, theirs, hl))
			peer_match = true;
	}
	if (!first) {
		log_info("%s: peer sent no NAT-D payloads", sa->name);
		return;
	}
	sa->nat_local = first->len != hl || memcmp(first->body, ours, hl);
	sa->nat_remote = !peer_match;
	if (sa->nat_local || sa->nat_remote)
		log_info("%s: NAT detected (%s%s%s)", sa->name,
			 sa->nat_local ? "we are behind a NAT" : "",
			 sa->nat_local && sa->nat_remote ? ", " : "",
			 sa->nat_remote ? "the peer is behind a NAT" : "");
	else
		log_debug("%s: no NAT between us", sa->name);
}

bool natt_active(const struct ike_sa *sa)
{
	return sa->natt_level && (sa->nat_local || sa->nat_remote);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

void natt_float(struct ike_sa *sa)
{
	if (!natt_active(sa) || sa->path.natt)
		return;
	set_port(&sa->path.remote, natt_port(sa));
	set_port(&sa->path.local, natt_port(sa));
	sa->path.natt = true;
	ike_sa_reindex(sa);
	log_info("%s: floating to port %u", sa->name, natt_port(sa));
	sa->keepalive_at = sa->eng->now +
			   (uint64_t)sa->eng->ike->timers.nat_keepalive * 1000;
	ike_sa_rearm(sa);
}

void natt_update_path(struct ike_sa *sa, const struct ike_path *p)
{
	const uint8_t *a, *b;
	uint16_t pa, pb;

	/* Without NAT-T the peer has no reason to move, and a message from
	 * elsewhere proves nothing about where it is now. */
	if (!sa->natt_level ||
	    (!natt_active(sa) && !sa->path.natt && !p->natt))
		return;
	ike_sa_addr((const struct sockaddr *)&sa->path.remote, &a, &pa);
	ike_sa_addr((const struct sockaddr *)&p->remote, &b, &pb);
	if (sa->path.natt == p->natt && pa == pb &&
	    ike_addr_eq((const struct sockaddr *)&sa->path.remote,
			(const struct sockaddr *)&p->remote))
		return;
	if (!p->natt && sa->path.natt)
		return;		/* never float back to 500 */
	sa->path = *p;
	ike_sa_reindex(sa);
	log_info("%s: peer now at this address (NAT mapping)", sa->name);
	ike_sa_changed(sa);
}

void natt_tick(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;
	uint32_t ka = e->ike->timers.nat_keepalive;

	if (!ka || !sa->nat_local || !sa->path.natt || !e->ops->keepalive)
		return;
	if (e->now < sa->keepalive_at)
		return;
	sa->keepalive_at = e->now + (uint64_t)ka * 1000;
	e->ops->keepalive(e->ops_arg, &sa->path);
}
