// SPDX-License-Identifier: MIT
/*
 * phase1: main mode and aggressive mode, both roles.  See phase1.h for the
 * state diagram; every transition goes through ike_sa_set_state() and is
 * logged.  Each handler checks that the payloads its message must carry
 * are there and well formed before touching any state.
 */
#include "ike/engine/phase1.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/cert.h"
#include "ike/engine/info.h"
#include "lib/daemon_log.h"
#include "ike/engine/natt.h"
#include "ike/engine/phase2.h"

#define NONCE_LEN	32
#define DEFAULT_P1_LIFE	28800	/* seconds, when nobody says */

/* Why a message was refused: the notify to answer with (0 = none). */
struct p1_fail {
	uint16_t notify;
	const char *why;
};

static int fail(struct p1_fail *f, uint16_t notify, const char *why)
{
	f->notify = notify;
	f->why = why;
	return -1;
}

/* ---- payload helpers ------------------------------------------------------ */

/* The one payload of a type the message must carry. */
static const struct isakmp_payload *need(const struct isakmp_msg *m,
					 uint8_t type, struct p1_fail *f,
					 const char *why)
{
	const struct isakmp_payload *p = isakmp_msg_find(m, type, 0);

	if (!p)
		fail(f, ISAKMP_N_PAYLOAD_MALFORMED, why);
	return p;
}

static uint8_t *dup_body(const struct isakmp_payload *p, size_t *len)
{
	*len = p->len;
	return ike_memdup(p->body, p->len);
}

static bool auth_is_sig(const struct ike_sa *sa)
{
	return p1_auth_base(sa->chosen.auth) == IKE_AUTH_RSA_SIG;
}

/* Phase 1 keys as for signatures (SKEYID = prf(Ni | Nr, g^xy)): RSA and
 * hybrid; there is no pre-shared key in either. */
static bool keys_as_sig(const struct ike_sa *sa)
{
	return auth_is_sig(sa) || p1_auth_is_hybrid(sa->chosen.auth);
}

/* Does our side (own) or the peer's send CERT + SIG?  In hybrid only the
 * gateway does; the XAUTH client sends HASH, which proves nothing but
 * that it holds the exchange's keys: XAUTH must follow. */
static bool side_signs(const struct ike_sa *sa, bool own)
{
	return p1_auth_signs(sa->chosen.auth, own == sa->initiator);
}

/* Our Phase 1 ID payload body into sa->p1->id_own. */
static int make_own_id(struct ike_sa *sa)
{
	const struct ike_config *ike = sa->eng->ike;
	enum ike_identity ident = ike->ident;
	const char *value = ike->ident_value;
	uint8_t body[4 + 512];
	const uint8_t *data = NULL;
	size_t len = 0;
	uint16_t port;

	if (sa->peer) {
		ident = sa->peer->ident;
		value = sa->peer->ident_value;
		if (sa->exch == ISAKMP_EXCH_AGGRESSIVE && sa->peer->group_name[0]) {
			ident = IKE_IDENT_KEY_ID;
			value = sa->peer->group_name;
		}
	}
	if (side_signs(sa, true) && ident == IKE_IDENT_ADDRESS && ike->certs)
		ident = IKE_IDENT_DN;	/* what certificates can be matched to */
	switch (ident) {
	case IKE_IDENT_ADDRESS:
		len = ike_sa_addr((const struct sockaddr *)&sa->path.local, &data,
				  &port);
		body[0] = len == 16 ? ISAKMP_ID_IPV6_ADDR : ISAKMP_ID_IPV4_ADDR;
		break;
	case IKE_IDENT_FQDN:
	case IKE_IDENT_USER_FQDN:
	case IKE_IDENT_KEY_ID:
		body[0] = ident == IKE_IDENT_FQDN ? ISAKMP_ID_FQDN :
			  ident == IKE_IDENT_USER_FQDN ? ISAKMP_ID_USER_FQDN :
			  ISAKMP_ID_KEY_ID;
		data = (const uint8_t *)value;
		len = strlen(value);
		break;
	case IKE_IDENT_DN:
		body[0] = ISAKMP_ID_DER_ASN1_DN;
		data = ike->certs ? cert_own_subject_der(ike->certs, &len) : NULL;
		break;
	}
	if (!data || !len || len > 512) {
		log_err("%s: no usable local identity", sa->name);
		return -1;
	}
	/* RFC 2407 §4.6.2: zero or UDP/500 in Phase 1; UDP/500 is what the
	 * common clients send and check. */
	body[1] = IPPROTO_UDP;
	body[2] = 500 >> 8;
	body[3] = 500 & 0xff;
	memcpy(body + 4, data, len);
	ike_free_bytes(&sa->p1->id_own, &sa->p1->id_own_len);
	sa->p1->id_own = ike_memdup(body, 4 + len);
	sa->p1->id_own_len = sa->p1->id_own ? 4 + len : 0;
	return sa->p1->id_own ? 0 : -1;
}

static int take_peer_id(struct ike_sa *sa, const struct isakmp_payload *p,
			struct p1_fail *f)
{
	struct isakmp_perr err;
	char s[128];

	if (isakmp_parse_id(p->body, p->len, &sa->peer_id, &err) < 0)
		return fail(f, err.notify, err.why);
	ike_free_bytes(&sa->id_peer, &sa->id_peer_len);
	sa->id_peer = dup_body(p, &sa->id_peer_len);
	if (!sa->id_peer)
		return fail(f, 0, "out of memory");
	/* Re-point the decoded view at our copy. */
	sa->peer_id.data = sa->id_peer + 4;
	isakmp_id_format(&sa->peer_id, s, sizeof(s));
	log_info("%s: peer identity %s", sa->name, s);
	return 0;
}

static int take_ke(struct ike_sa *sa, const struct isakmp_msg *m,
		   struct p1_fail *f, uint8_t **dst, size_t *dlen)
{
	const struct isakmp_payload *p = need(m, ISAKMP_PT_KE, f, "no KE payload");

	if (!p)
		return -1;
	if (p->len != dh_public_len(sa->chosen.group))
		return fail(f, ISAKMP_N_INVALID_KEY_INFORMATION,
			    "KE length does not match the group");
	*dst = dup_body(p, dlen);
	return *dst ? 0 : fail(f, 0, "out of memory");
}

static int take_nonce(const struct isakmp_msg *m, struct p1_fail *f,
		      uint8_t **dst, size_t *dlen)
{
	struct isakmp_perr err;
	const struct isakmp_payload *p = need(m, ISAKMP_PT_NONCE, f,
					      "no NONCE payload");

	if (!p)
		return -1;
	if (isakmp_check_nonce(p, &err) < 0)
		return fail(f, err.notify, err.why);
	*dst = dup_body(p, dlen);
	return *dst ? 0 : fail(f, 0, "out of memory");
}

static int make_nonce(uint8_t **dst, size_t *dlen)
{
	*dst = malloc(NONCE_LEN);
	if (!*dst)
		return -1;
	ike_random(*dst, NONCE_LEN);
	*dlen = NONCE_LEN;
	return 0;
}

static int make_dh(struct ike_sa *sa, uint8_t **dst, size_t *dlen)
{
	const uint8_t *pub;
	size_t n;

	dh_free(sa->p1->dh);
	sa->p1->dh = dh_new(sa->chosen.group);
	if (!sa->p1->dh)
		return -1;
	pub = dh_public(sa->p1->dh, &n);
	*dst = ike_memdup(pub, n);
	*dlen = n;
	return *dst ? 0 : -1;
}

static void note_vids(struct ike_sa *sa, const struct isakmp_msg *m)
{
	natt_note_vids(sa, m);
}

/* Our other vendor ids (NAT-T's come from natt.c). */
static void add_vids(struct ike_sa *sa, struct isakmp_bld *b)
{
	bool xauth = p1_auth_is_xauth(sa->have_chosen ? sa->chosen.auth : 0);

	if (sa->initiator && !sa->have_chosen)
		for (size_t i = 0; i < sa->p1->n_offer; i++)
			xauth |= p1_auth_is_xauth(sa->p1->offer[i].auth);
	natt_add_vids(sa, b);
	if (sa->eng->ike->timers.dpd_interval || !sa->initiator)
		isakmp_add_vid(b, VID_DPD);
	if (xauth)
		isakmp_add_vid(b, VID_XAUTH);
	if (sa->eng->role == EVS_ROLE_CLIENT ? xauth :
	    (sa->peer_vids & (1u << VID_CISCO_UNITY)) != 0)
		isakmp_add_vid(b, VID_CISCO_UNITY);
}

/* Build, optionally encrypt with the Phase 1 IV, send. */
static int send_p1(struct ike_sa *sa, struct isakmp_bld *b, bool encrypt,
		   bool awaiting)
{
	int rc = -1;

	if (isakmp_bld_finish(b) < 0)
		goto out;
	if (encrypt && ike_encrypt_msg(&sa->keys, &sa->iv, &b->buf) < 0)
		goto out;
	rc = ike_sa_send_p1(sa, &b->buf, awaiting);
out:
	isakmp_buf_free(&b->buf);
	return rc;
}

static void start_msg(struct ike_sa *sa, struct isakmp_bld *b)
{
	struct isakmp_hdr h;

	ike_sa_hdr(sa, &h, sa->exch, 0, 0);
	isakmp_bld_init(b, &h);
}

/* Add our SA payload and keep its body when we are the initiator. */
static void add_sa(struct ike_sa *sa, struct isakmp_bld *b,
		   const struct p1_xform *x, size_t n)
{
	size_t off = b->buf.len;

	p1_build_sa(b, x, n);
	if (sa->initiator && !b->buf.oom) {
		ike_free_bytes(&sa->p1->sai_b, &sa->p1->sai_len);
		sa->p1->sai_len = b->buf.len - off - ISAKMP_GEN_LEN;
		sa->p1->sai_b = ike_memdup(b->buf.data + off + ISAKMP_GEN_LEN,
				       sa->p1->sai_len);
	}
}

/* ---- keys and authentication -------------------------------------------- */

static int derive_keys(struct ike_sa *sa, struct p1_fail *f)
{
	const uint8_t *peer_ke = sa->initiator ? sa->p1->gxr : sa->p1->gxi;
	size_t peer_len = sa->initiator ? sa->p1->gxr_len : sa->p1->gxi_len;
	struct secret *gxy = NULL;
	struct ike_skeyid_in in;
	struct ike_p1_algs algs;
	int rc;

	if (dh_shared(sa->p1->dh, peer_ke, peer_len, &gxy) < 0)
		return fail(f, ISAKMP_N_INVALID_KEY_INFORMATION,
			    "invalid DH public value");
	memset(&in, 0, sizeof(in));
	in.psk = keys_as_sig(sa) ? NULL : sa->p1->psk;
	in.ni_b = sa->p1->ni;
	in.ni_len = sa->p1->ni_len;
	in.nr_b = sa->p1->nr;
	in.nr_len = sa->p1->nr_len;
	in.gxy = gxy;
	memcpy(in.cky_i, sa->cky_i, ISAKMP_COOKIE_LEN);
	memcpy(in.cky_r, sa->cky_r, ISAKMP_COOKIE_LEN);
	algs.encr = sa->chosen.encr;
	algs.key_bits = sa->chosen.key_bits;
	algs.hash = sa->chosen.hash;
	algs.auth = p1_auth_base(sa->chosen.auth);
	algs.group = sa->chosen.group;
	/* g^xy's wipe and the new key schedule: one write window. */
	secret_batch_begin();
	ike_keys_clear(&sa->keys);
	rc = ike_keys_derive(&sa->keys, &algs, &in);
	secret_free(gxy);
	secret_batch_end();
	if (rc < 0)
		return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN, "cannot derive keys");
	if (ike_iv_phase1(&sa->keys, sa->p1->gxi, sa->p1->gxi_len, sa->p1->gxr, sa->p1->gxr_len,
			  &sa->iv) < 0)
		return fail(f, 0, "cannot derive the IV");
	sa->have_keys = true;
	return 0;
}

/* HASH_I (initiator's) or HASH_R into out. */
static int auth_hash(struct ike_sa *sa, bool of_initiator, uint8_t *out)
{
	struct ike_skeyid_in kin;
	struct ike_auth_in a;
	bool own = of_initiator == sa->initiator;

	memset(&kin, 0, sizeof(kin));
	memcpy(kin.cky_i, sa->cky_i, ISAKMP_COOKIE_LEN);
	memcpy(kin.cky_r, sa->cky_r, ISAKMP_COOKIE_LEN);
	a.gxi = sa->p1->gxi;
	a.gxi_len = sa->p1->gxi_len;
	a.gxr = sa->p1->gxr;
	a.gxr_len = sa->p1->gxr_len;
	a.sai_b = sa->p1->sai_b;
	a.sai_len = sa->p1->sai_len;
	a.id_b = own ? sa->p1->id_own : sa->id_peer;
	a.id_len = own ? sa->p1->id_own_len : sa->id_peer_len;
	return ike_hash_auth(&sa->keys, of_initiator, &kin, &a, out);
}

/* Our HASH or [CERT] SIG payloads. */
static int add_auth(struct ike_sa *sa, struct isakmp_bld *b)
{
	uint8_t h[IKE_MAX_HASH];

	if (auth_hash(sa, sa->initiator, h) < 0)
		return -1;
	if (side_signs(sa, true)) {
		const struct cert_store *cs = sa->eng->ike->certs;
		uint8_t sig[1024];
		size_t siglen = sizeof(sig), dlen;
		const uint8_t *der;

		if (!cs || !(der = cert_own_der(cs, &dlen)))
			return -1;
		isakmp_add_cert(b, ISAKMP_CERT_X509_SIG, der, dlen);
		if (cert_sign_hash(cs, h, sa->keys.hash_len, sig, &siglen) < 0)
			return -1;
		isakmp_add_raw(b, ISAKMP_PT_SIG, sig, siglen);
	} else {
		isakmp_add_raw(b, ISAKMP_PT_HASH, h, sa->keys.hash_len);
	}
	secret_wipe(h, sizeof(h));
	return 0;
}

/* A certificate from our CA proves only that its holder is someone the
 * CA certified, maybe another client or another gateway.  The client
 * role, whose user password (hybrid) or whole tunnel (rsa-sig) goes to
 * whoever holds the certificate, also requires it to name the gateway:
 * the peer's `server-name` (dNSName), else the address it connects to,
 * the configured or backup server in use (iPAddress). */
static int check_gateway_name(struct ike_sa *sa, const char *subj,
			      struct p1_fail *f)
{
	const struct ike_peer *peer = sa->peer;
	struct isakmp_id want;
	struct evs_err why;
	uint16_t port;
	char addr[64] = "the server address";

	if (sa->eng->role != EVS_ROLE_CLIENT || !peer)
		return 0;
	memset(&want, 0, sizeof(want));
	if (peer->server_name[0]) {
		want.type = ISAKMP_ID_FQDN;
		want.data = (const uint8_t *)peer->server_name;
		want.len = strlen(peer->server_name);
	} else {
		want.len = ike_sa_addr((const struct sockaddr *)&sa->path.remote,
				       &want.data, &port);
		want.type = want.len == 16 ? ISAKMP_ID_IPV6_ADDR : ISAKMP_ID_IPV4_ADDR;
		if (want.len == 4 || want.len == 16)
			inet_ntop(want.len == 4 ? AF_INET : AF_INET6, want.data, addr,
				  sizeof(addr));
	}
	if (cert_peer_matches_id(sa->p1->peer_cert, &want, &why))
		return 0;
	log_notice("%s: gateway certificate \"%s\" does not name %s: %s", sa->name,
		   subj, peer->server_name[0] ? peer->server_name : addr, why.msg);
	return fail(f, ISAKMP_N_INVALID_ID_INFORMATION,
		    "gateway certificate does not name the gateway");
}

/* Check the peer's HASH_x or CERT+SIG_x. */
static int check_auth(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	uint8_t h[IKE_MAX_HASH];
	int rc = -1;

	if (auth_hash(sa, !sa->initiator, h) < 0)
		return fail(f, 0, "cannot compute the peer's hash");
	if (side_signs(sa, false)) {
		const struct cert_store *cs = sa->eng->ike->certs;
		const struct isakmp_payload *sig = need(m, ISAKMP_PT_SIG, f,
							"no SIG payload");
		const struct isakmp_payload *cp = isakmp_msg_find(m, ISAKMP_PT_CERT, 0);
		struct isakmp_cert c;
		struct isakmp_perr err;
		struct evs_err why;
		char subj[256];

		if (!sig)
			goto out;
		if (!cp) {
			fail(f, ISAKMP_N_CERTIFICATE_UNAVAILABLE,
			     "no CERT payload (certificates are not cached)");
			goto out;
		}
		if (!cs) {
			fail(f, ISAKMP_N_INVALID_CERTIFICATE, "no CA configured");
			goto out;
		}
		if (isakmp_parse_cert(cp->body, cp->len, &c, &err) < 0) {
			fail(f, err.notify, err.why);
			goto out;
		}
		if (c.encoding != ISAKMP_CERT_X509_SIG) {
			fail(f, ISAKMP_N_CERT_TYPE_UNSUPPORTED,
			     "certificate encoding is not X.509 signature");
			goto out;
		}
		if (sa->p1->peer_cert)
			cert_peer_free(sa->p1->peer_cert);
		sa->p1->peer_cert = cert_peer_parse(c.data, c.len);
		if (!sa->p1->peer_cert) {
			fail(f, ISAKMP_N_INVALID_CERTIFICATE, "unparseable certificate");
			goto out;
		}
		for (unsigned i = 1; (cp = isakmp_msg_find(m, ISAKMP_PT_CERT, i)); i++)
			if (isakmp_parse_cert(cp->body, cp->len, &c, &err) == 0 &&
			    c.encoding == ISAKMP_CERT_X509_SIG)
				cert_peer_add_chain(sa->p1->peer_cert, c.data, c.len);
		cert_peer_subject(sa->p1->peer_cert, subj, sizeof(subj));
		if (cert_peer_verify(cs, sa->p1->peer_cert, &why) < 0) {
			log_notice("%s: certificate \"%s\" refused: %s", sa->name,
				   subj, why.msg);
			fail(f, ISAKMP_N_INVALID_CERTIFICATE, "certificate not trusted");
			goto out;
		}
		if (!cert_peer_matches_id(sa->p1->peer_cert, &sa->peer_id, &why)) {
			log_notice("%s: identity does not match certificate \"%s\": %s",
				   sa->name, subj, why.msg);
			fail(f, ISAKMP_N_INVALID_ID_INFORMATION,
			     "identity does not match the certificate");
			goto out;
		}
		if (check_gateway_name(sa, subj, f) < 0)
			goto out;
		if (cert_verify_hash(sa->p1->peer_cert, h, sa->keys.hash_len,
				     sig->body, sig->len) < 0) {
			fail(f, ISAKMP_N_INVALID_SIGNATURE, "bad signature");
			goto out;
		}
		log_info("%s: certificate \"%s\" verified", sa->name, subj);
	} else {
		const struct isakmp_payload *hp = need(m, ISAKMP_PT_HASH, f,
						       "no HASH payload");

		if (!hp)
			goto out;
		if (hp->len != sa->keys.hash_len ||
		    !secret_memeq(hp->body, h, sa->keys.hash_len) || sa->p1->psk_dummy) {
			fail(f, ISAKMP_N_AUTHENTICATION_FAILED,
			     keys_as_sig(sa) ? "hybrid: HASH mismatch" :
			     "hash mismatch (wrong pre-shared key?)");
			goto out;
		}
	}
	rc = 0;
out:
	secret_wipe(h, sizeof(h));
	return rc;
}

/* Notifies inside the authenticated message (INITIAL-CONTACT, RESPONDER-
 * LIFETIME). */
static void take_notifies(struct ike_sa *sa, const struct isakmp_msg *m)
{
	const struct isakmp_payload *p;

	for (unsigned i = 0; (p = isakmp_msg_find(m, ISAKMP_PT_N, i)); i++) {
		struct isakmp_notify_pl n;
		struct isakmp_perr err;

		if (isakmp_parse_notify(p->body, p->len, &n, &err) < 0)
			continue;
		if (n.type == ISAKMP_N_INITIAL_CONTACT) {
			sa->initial_contact = true;
		} else if (n.type == ISAKMP_N_RESPONDER_LIFETIME) {
			struct isakmp_attr_iter it;
			struct isakmp_attr a;
			int type = 0;

			isakmp_attr_iter_init(&it, n.data, n.data_len);
			while (isakmp_attr_next(&it, &a, &err) == 1) {
				if (a.type == IKE_ATTR_LIFE_TYPE)
					type = (int)a.u;
				else if (a.type == IKE_ATTR_LIFE_DURATION &&
					 type == IKE_LIFE_SECONDS && a.u &&
					 (!sa->chosen.life_secs ||
					  a.u < sa->chosen.life_secs))
					sa->chosen.life_secs = a.u;
			}
			log_info("%s: responder lifetime %us", sa->name,
				 sa->chosen.life_secs);
		} else {
			log_info("%s: notify %s in Phase 1", sa->name,
				 isakmp_notify_name(n.type));
		}
	}
}

/* INITIAL-CONTACT: the peer has no other SA with us: forget the ones we
 * still hold for the same address, port and identity. */
static bool same_contact(const struct ike_sa *o, const struct ike_sa *sa,
			 void *arg)
{
	return !ike_state_phase1(o->state) && o->id_peer_len == sa->id_peer_len &&
	       !memcmp(o->id_peer, sa->id_peer, sa->id_peer_len);
}

static void initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o;

	/* A killed SA leaves the table: each pass finds the next one. */
	while ((o = ike_sa_same_peer(sa, same_contact, NULL)))
		ike_sa_kill(o, EVS_END_REPLACED, "INITIAL-CONTACT from the same peer", false, true);
}

static void established(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;
	uint32_t life = sa->chosen.life_secs ? sa->chosen.life_secs :
			DEFAULT_P1_LIFE;
	char desc[96] = "";

	/* Formatted for the log only. */
	if (log_enabled(EVSD_LOG_NOTICE))
		p1_xform_format(&sa->chosen, desc, sizeof(desc));
	sa->established = e->now;
	sa->last_rx = e->now;
	sa->expire_at = e->now + (uint64_t)life * 1000;
	/* The initiator renews at 90% (minus jitter) so the new SA is up
	 * before the old one goes. */
	if (sa->initiator) {
		uint32_t jitter;

		ike_random(&jitter, sizeof(jitter));
		sa->rekey_at = e->now + (uint64_t)life * 900 -
			       (jitter % (life * 50 + 1));
	}
	sa->dpd = e->ike->timers.dpd_interval &&
		  (sa->peer_vids & (1u << VID_DPD));
	sa->dpd_next = e->now + (uint64_t)e->ike->timers.dpd_interval * 1000;
	ike_sa_rearm(sa);
	ike_random(&sa->dpd_seq, sizeof(sa->dpd_seq));
	sa->dpd_seq &= 0x7fffffff;
	e->stats.p1_ok++;
	log_notice("%s: Phase 1 %s established (%s, %s, lifetime %us%s%s)",
		   sa->name,
		   sa->exch == ISAKMP_EXCH_MAIN ? "main mode" : "aggressive mode",
		   sa->initiator ? "initiator" : "responder", desc, life,
		   natt_active(sa) ? ", NAT-T" : "", sa->dpd ? ", DPD" : "");
	if (!sa->initiator && sa->initial_contact)
		initial_contact(sa);
	/* A no-xauth key makes a site-to-site peer, unless the peer itself
	 * asked for XAUTH; every other responder session must log in. */
	if (!sa->initiator && sa->p1->psk_entry && sa->p1->psk_entry->no_xauth &&
	    !p1_auth_is_xauth(sa->chosen.auth)) {
		sa->site = sa->p1->psk_entry;
		log_notice("%s: site-to-site peer (no-xauth key at %s:%u): no XAUTH; "
			   "quick mode limited to the key's selectors", sa->name,
			   sa->site->file, sa->site->line);
	}
	/* Free what only Phase 1 needed (offers, DH, nonces, our ID,
	 * the key); the peer's ID and the keys stay. */
	ike_sa_p1_free(sa);
	ike_sa_set_state(sa, IKE_S_STEPS);
	evs_session_phase1_done(sa);
}

static void refuse(struct ike_sa *sa, const struct p1_fail *f)
{
	log_notice("%s: %s refused in state %s: %s", sa->name,
		   sa->exch == ISAKMP_EXCH_MAIN ? "main mode" : "aggressive mode",
		   ike_state_name(sa->state), f->why ? f->why : "error");
	/* A refused first message is not answered: its source is unproven
	 * and the notify would reflect at whoever it names. */
	if (f->notify && sa->state != IKE_S_NEW) {
		struct isakmp_hdr h;

		ike_sa_hdr(sa, &h, sa->exch, 0, 0);
		info_send_notify_clear(sa->eng, &sa->path, &h, f->notify);
	}
	ike_sa_kill(sa, EVS_END_ERROR, f->why ? f->why : "Phase 1 failed", false, false);
}

/* ---- initiator ------------------------------------------------------------ */

/* INITIAL-CONTACT only when we hold no other SA with this peer: a Phase 1
 * renewal must not make the peer drop the connections it takes over. */
static void add_initial_contact(struct ike_sa *sa, struct isakmp_bld *b)
{
	/* Client role: the SAs of its few configured peers. */
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->state != IKE_S_DEAD && o->peer == sa->peer &&
		    !ike_state_phase1(o->state))
			return;
	isakmp_add_notify(b, ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, sa->cky_i,
			  16, ISAKMP_N_INITIAL_CONTACT, NULL, 0);
}

int p1_initiate(struct ike_sa *sa, const struct ike_peer *peer)
{
	struct isakmp_bld b;
	int n;

	sa->peer = peer;
	sa->exch = peer->aggressive ? ISAKMP_EXCH_AGGRESSIVE : ISAKMP_EXCH_MAIN;
	n = p1_permute(&peer->caps, peer->aggressive, sa->p1->offer,
		       sizeof(sa->p1->offer) / sizeof(sa->p1->offer[0]));
	if (n <= 0) {
		log_err("%s: peer %s: no Phase 1 proposals", sa->name, peer->name);
		return -1;
	}
	sa->p1->n_offer = (size_t)n;
	if (peer->group_key)
		sa->p1->psk = secret_dup(peer->group_key);
	log_info("%s: connecting to peer %s, %s mode, %d proposals", sa->name,
		 peer->name, peer->aggressive ? "aggressive" : "main", n);

	start_msg(sa, &b);
	add_sa(sa, &b, sa->p1->offer, sa->p1->n_offer);
	if (peer->aggressive) {
		/* The KE goes out now: its group is the one offered. */
		sa->chosen = sa->p1->offer[0];
		if (make_dh(sa, &sa->p1->gxi, &sa->p1->gxi_len) < 0 ||
		    make_nonce(&sa->p1->ni, &sa->p1->ni_len) < 0 || make_own_id(sa) < 0) {
			isakmp_buf_free(&b.buf);
			return -1;
		}
		isakmp_add_raw(&b, ISAKMP_PT_KE, sa->p1->gxi, sa->p1->gxi_len);
		isakmp_add_raw(&b, ISAKMP_PT_NONCE, sa->p1->ni, sa->p1->ni_len);
		isakmp_add_raw(&b, ISAKMP_PT_ID, sa->p1->id_own, sa->p1->id_own_len);
	}
	add_vids(sa, &b);
	if (send_p1(sa, &b, false, true) < 0)
		return -1;
	ike_sa_set_state(sa, peer->aggressive ? IKE_S_AM_I_SENT :
			 IKE_S_MM_I_SA_SENT);
	return 0;
}

/* The responder's SA payload: exactly one proposal with one transform,
 * one we offered. */
static int take_reply_sa(struct ike_sa *sa, const struct isakmp_msg *m,
			 struct p1_fail *f)
{
	const struct isakmp_payload *p = need(m, ISAKMP_PT_SA, f, "no SA payload");
	struct isakmp_sa *isa;
	struct isakmp_perr err;
	struct p1_xform x[2];
	int n;

	if (!p)
		return -1;
	isa = malloc(sizeof(*isa));
	if (!isa)
		return fail(f, 0, "out of memory");
	if (isakmp_parse_sa(p->body, p->len, isa, &err) < 0) {
		free(isa);
		return fail(f, err.notify, err.why);
	}
	n = p1_parse_sa(isa, x, 2, &err);
	free(isa);
	if (n < 0)
		return fail(f, err.notify, err.why);
	if (n != 1)
		return fail(f, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
			    "responder did not choose exactly one transform");
	if (p1_check_reply(sa->p1->offer, sa->p1->n_offer, &x[0]) < 0)
		return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			    "responder chose a transform we did not offer");
	sa->chosen = x[0];
	sa->have_chosen = true;
	return 0;
}

static int mm_i_recv2(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	struct isakmp_bld b;
	char desc[96];

	if (take_reply_sa(sa, m, f) < 0)
		return -1;
	note_vids(sa, m);
	p1_xform_format(&sa->chosen, desc, sizeof(desc));
	log_info("%s: responder chose %s", sa->name, desc);
	if (keys_as_sig(sa) && !sa->eng->ike->certs)
		return fail(f, 0, "signature authentication without certificates");
	if (!keys_as_sig(sa) && !sa->p1->psk)
		return fail(f, 0, "pre-shared key authentication without a key");
	if (make_dh(sa, &sa->p1->gxi, &sa->p1->gxi_len) < 0 ||
	    make_nonce(&sa->p1->ni, &sa->p1->ni_len) < 0)
		return fail(f, 0, "out of memory");
	start_msg(sa, &b);
	isakmp_add_raw(&b, ISAKMP_PT_KE, sa->p1->gxi, sa->p1->gxi_len);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, sa->p1->ni, sa->p1->ni_len);
	if (side_signs(sa, false)) {
		size_t dnlen;
		const uint8_t *dn = cert_ca_subject_der(sa->eng->ike->certs, 0,
							&dnlen);

		isakmp_add_cr(&b, ISAKMP_CERT_X509_SIG, dn, dn ? dnlen : 0);
	}
	natt_add_natd(sa, &b);
	if (send_p1(sa, &b, false, true) < 0)
		return fail(f, 0, "cannot send");
	ike_sa_set_state(sa, IKE_S_MM_I_KE_SENT);
	return 0;
}

static int mm_i_recv4(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	struct isakmp_bld b;

	if (take_ke(sa, m, f, &sa->p1->gxr, &sa->p1->gxr_len) < 0 ||
	    take_nonce(m, f, &sa->p1->nr, &sa->p1->nr_len) < 0)
		return -1;
	sa->p1->peer_sent_cr = isakmp_msg_find(m, ISAKMP_PT_CR, 0) != NULL;
	natt_check_natd(sa, m);
	if (derive_keys(sa, f) < 0)
		return -1;
	natt_float(sa);
	if (make_own_id(sa) < 0)
		return fail(f, 0, "no identity");
	start_msg(sa, &b);
	isakmp_add_raw(&b, ISAKMP_PT_ID, sa->p1->id_own, sa->p1->id_own_len);
	if (add_auth(sa, &b) < 0) {
		isakmp_buf_free(&b.buf);
		return fail(f, 0, "cannot authenticate");
	}
	add_initial_contact(sa, &b);
	if (send_p1(sa, &b, true, true) < 0)
		return fail(f, 0, "cannot send");
	ike_sa_set_state(sa, IKE_S_MM_I_AUTH_SENT);
	return 0;
}

static int mm_i_recv6(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	const struct isakmp_payload *id = need(m, ISAKMP_PT_ID, f, "no ID payload");

	if (!id || take_peer_id(sa, id, f) < 0 || check_auth(sa, m, f) < 0)
		return -1;
	take_notifies(sa, m);
	ike_rexmit_clear(&sa->p1rx);
	established(sa);
	return 0;
}

static int am_i_recv2(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	const struct isakmp_payload *id;
	struct isakmp_bld b;

	if (take_reply_sa(sa, m, f) < 0)
		return -1;
	note_vids(sa, m);
	if (sa->chosen.auth == IKE_AUTH_HYBRID_INIT_RSA ? !sa->eng->ike->certs :
	    p1_auth_base(sa->chosen.auth) != IKE_AUTH_PSK || !sa->p1->psk)
		return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			    "aggressive mode needs a pre-shared key or hybrid");
	id = need(m, ISAKMP_PT_ID, f, "no ID payload");
	if (!id || take_ke(sa, m, f, &sa->p1->gxr, &sa->p1->gxr_len) < 0 ||
	    take_nonce(m, f, &sa->p1->nr, &sa->p1->nr_len) < 0 ||
	    take_peer_id(sa, id, f) < 0 || derive_keys(sa, f) < 0 ||
	    check_auth(sa, m, f) < 0)
		return -1;
	natt_check_natd(sa, m);
	take_notifies(sa, m);
	natt_float(sa);
	start_msg(sa, &b);
	if (add_auth(sa, &b) < 0) {
		isakmp_buf_free(&b.buf);
		return fail(f, 0, "cannot authenticate");
	}
	natt_add_natd(sa, &b);
	add_initial_contact(sa, &b);
	/* Encrypted, as Cisco and strongSwan do (RFC 2409 leaves it open).
	 * AM3 is the last message and nothing acknowledges it: when it is
	 * lost (a gateway's full socket buffer in a reconnect storm), the
	 * gateway waits in AM_R_SENT and we wait for its XAUTH until both
	 * give up.  So it is resent on the usual back-off until the first
	 * authenticated message from the gateway (ikesa.c), as vpnc does,
	 * and the SA ends when they run out; a gateway that has it takes a
	 * copy as a duplicate. */
	if (send_p1(sa, &b, true, true) < 0)
		return fail(f, 0, "cannot send");
	established(sa);
	return 0;
}

/* ---- responder ------------------------------------------------------------ */

/* Choose among the offered transforms with our numbered policies. */
static int select_offer(struct ike_sa *sa, const struct isakmp_msg *m,
			struct p1_fail *f)
{
	const struct ike_config *ike = sa->eng->ike;
	const struct isakmp_payload *p = need(m, ISAKMP_PT_SA, f, "no SA payload");
	struct isakmp_sa *isa;
	struct isakmp_perr err;
	struct p1_match match;
	int n;

	if (!p)
		return -1;
	if (isakmp_msg_count(m, ISAKMP_PT_SA) != 1)
		return fail(f, ISAKMP_N_PAYLOAD_MALFORMED, "more than one SA payload");
	isa = malloc(sizeof(*isa));
	if (!isa)
		return fail(f, 0, "out of memory");
	if (isakmp_parse_sa(p->body, p->len, isa, &err) < 0) {
		free(isa);
		return fail(f, err.notify, err.why);
	}
	n = p1_parse_sa(isa, sa->p1->offer, sizeof(sa->p1->offer) / sizeof(sa->p1->offer[0]),
			&err);
	free(isa);
	if (n < 0)
		return fail(f, err.notify, err.why);
	sa->p1->n_offer = (size_t)n;
	if (p1_select(ike->policies, ike->n_policies, sa->p1->offer, sa->p1->n_offer,
		      &match) < 0)
		return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			    "no policy matches the offered transforms");
	sa->chosen = match.chosen;
	sa->have_chosen = true;
	sa->p1->p1_life_shortened = match.lifetime_shortened;
	sa->p1->sai_b = dup_body(p, &sa->p1->sai_len);
	if (!sa->p1->sai_b)
		return fail(f, 0, "out of memory");
	log_info("%s: Phase 1 policy %u matched", sa->name,
		 ike->policies[match.policy].number);
	return 0;
}

static int mm_r_recv1(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	struct isakmp_bld b;

	if (select_offer(sa, m, f) < 0)
		return -1;
	note_vids(sa, m);
	start_msg(sa, &b);
	add_sa(sa, &b, &sa->chosen, 1);
	add_vids(sa, &b);
	/* Not retransmitted on a timer: the source is unproven (spoofable);
	 * the initiator retransmits MM1 and gets MM2 again (ikesa.c). */
	if (send_p1(sa, &b, false, false) < 0)
		return fail(f, 0, "cannot send");
	ike_sa_set_state(sa, IKE_S_MM_R_SA_SENT);
	return 0;
}

static int mm_r_recv3(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	struct isakmp_bld b;

	if (take_ke(sa, m, f, &sa->p1->gxi, &sa->p1->gxi_len) < 0 ||
	    take_nonce(m, f, &sa->p1->ni, &sa->p1->ni_len) < 0)
		return -1;
	sa->p1->peer_sent_cr = isakmp_msg_find(m, ISAKMP_PT_CR, 0) != NULL;
	if (keys_as_sig(sa)) {
		if (!sa->eng->ike->certs || !cert_own_der(sa->eng->ike->certs, &(size_t){ 0 }))
			return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN,
				    "signature authentication without certificates");
	} else {
		const struct ike_psk *k = ike_config_psk_entry(sa->eng->ike,
				(const struct sockaddr *)&sa->path.remote);

		if (!k)
			return fail(f, ISAKMP_N_AUTHENTICATION_FAILED,
				    "no pre-shared key for this peer address");
		sa->p1->psk = secret_dup(k->key);
		sa->p1->psk_entry = k;
	}
	natt_check_natd(sa, m);
	if (make_dh(sa, &sa->p1->gxr, &sa->p1->gxr_len) < 0 ||
	    make_nonce(&sa->p1->nr, &sa->p1->nr_len) < 0)
		return fail(f, 0, "out of memory");
	if (derive_keys(sa, f) < 0)
		return -1;
	start_msg(sa, &b);
	isakmp_add_raw(&b, ISAKMP_PT_KE, sa->p1->gxr, sa->p1->gxr_len);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, sa->p1->nr, sa->p1->nr_len);
	if (side_signs(sa, false)) {
		size_t dnlen;
		const uint8_t *dn = cert_ca_subject_der(sa->eng->ike->certs, 0,
							&dnlen);

		isakmp_add_cr(&b, ISAKMP_CERT_X509_SIG, dn, dn ? dnlen : 0);
	}
	natt_add_natd(sa, &b);
	if (send_p1(sa, &b, false, true) < 0)
		return fail(f, 0, "cannot send");
	ike_sa_set_state(sa, IKE_S_MM_R_KE_SENT);
	return 0;
}

static void add_responder_lifetime(struct ike_sa *sa, struct isakmp_bld *b)
{
	struct isakmp_buf attrs;

	if (!sa->p1->p1_life_shortened || !sa->chosen.life_secs)
		return;
	isakmp_buf_init(&attrs);
	isakmp_put_attr_tv(&attrs, IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
	isakmp_put_attr_u32(&attrs, IKE_ATTR_LIFE_DURATION, sa->chosen.life_secs);
	if (!attrs.oom)
		isakmp_add_notify(b, ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP,
				  sa->cky_i, 16, ISAKMP_N_RESPONDER_LIFETIME,
				  attrs.data, attrs.len);
	isakmp_buf_free(&attrs);
}

static int mm_r_recv5(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	const struct isakmp_payload *id = need(m, ISAKMP_PT_ID, f, "no ID payload");
	struct isakmp_bld b;

	if (!(m->hdr.flags & ISAKMP_FLAG_ENC))
		return fail(f, ISAKMP_N_INVALID_FLAGS, "MM5 not encrypted");
	if (!id || take_peer_id(sa, id, f) < 0 || check_auth(sa, m, f) < 0)
		return -1;
	take_notifies(sa, m);
	if (make_own_id(sa) < 0)
		return fail(f, 0, "no identity");
	start_msg(sa, &b);
	isakmp_add_raw(&b, ISAKMP_PT_ID, sa->p1->id_own, sa->p1->id_own_len);
	if (add_auth(sa, &b) < 0) {
		isakmp_buf_free(&b.buf);
		return fail(f, 0, "cannot authenticate");
	}
	add_responder_lifetime(sa, &b);
	if (send_p1(sa, &b, true, false) < 0)
		return fail(f, 0, "cannot send");
	established(sa);
	return 0;
}

/* The aggressive-mode PSK for the peer's ID: a group's key for a KEY_ID,
 * an address key only when it is marked `aggressive` (HASH_R under a key
 * can be attacked offline, and aggressive mode hands it to anyone who
 * asks).  Otherwise a random key, so the answer looks the same as for a
 * wrong key: nothing tells whether an address key covers the source. */
static int am_pick_psk(struct ike_sa *sa)
{
	const struct sockaddr *peer = (const struct sockaddr *)&sa->path.remote;
	const struct secret *k = evs_session_psk_lookup(sa->eng, &sa->peer_id, peer);
	char id[128];

	if (!k && sa->peer_id.type != ISAKMP_ID_KEY_ID) {
		const struct ike_psk *e = ike_config_psk_entry(sa->eng->ike, peer);

		if (e && e->aggressive) {
			k = e->key;
			sa->p1->psk_entry = e;
		} else if (e) {
			log_info("%s: aggressive mode with an address identity: the "
				 "key for this address (%s:%u) is not marked 'aggressive'; "
				 "answering with a random key", sa->name, e->file, e->line);
		}
	}
	if (k) {
		sa->p1->psk = secret_dup(k);
		return sa->p1->psk ? 0 : -1;
	}
	isakmp_id_format(&sa->peer_id, id, sizeof(id));
	log_debug("%s: no pre-shared key for %s", sa->name, id);
	sa->p1->psk = secret_new(32);
	if (!sa->p1->psk)
		return -1;
	ike_random(secret_wdata(sa->p1->psk), 32);
	secret_seal(sa->p1->psk);
	sa->p1->psk_dummy = true;
	return 0;
}

static int am_r_recv1(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	const struct isakmp_payload *id;
	struct isakmp_bld b;

	if (select_offer(sa, m, f) < 0)
		return -1;
	/* Hybrid too (vpnc and Cisco clients use it in aggressive mode):
	 * no key to attack offline; the gateway signs, the user logs in. */
	if (p1_auth_base(sa->chosen.auth) != IKE_AUTH_PSK &&
	    sa->chosen.auth != IKE_AUTH_HYBRID_INIT_RSA)
		return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			    "aggressive mode is offered with pre-shared keys or hybrid only");
	if (keys_as_sig(sa) &&
	    (!sa->eng->ike->certs || !cert_own_der(sa->eng->ike->certs, &(size_t){ 0 })))
		return fail(f, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			    "signature authentication without certificates");
	note_vids(sa, m);
	id = need(m, ISAKMP_PT_ID, f, "no ID payload");
	if (!id || take_ke(sa, m, f, &sa->p1->gxi, &sa->p1->gxi_len) < 0 ||
	    take_nonce(m, f, &sa->p1->ni, &sa->p1->ni_len) < 0 ||
	    take_peer_id(sa, id, f) < 0)
		return -1;
	if ((!keys_as_sig(sa) && am_pick_psk(sa) < 0) ||
	    make_dh(sa, &sa->p1->gxr, &sa->p1->gxr_len) < 0 ||
	    make_nonce(&sa->p1->nr, &sa->p1->nr_len) < 0)
		return fail(f, 0, "out of memory");
	if (derive_keys(sa, f) < 0)
		return -1;
	if (make_own_id(sa) < 0)
		return fail(f, 0, "no identity");
	start_msg(sa, &b);
	add_sa(sa, &b, &sa->chosen, 1);
	isakmp_add_raw(&b, ISAKMP_PT_KE, sa->p1->gxr, sa->p1->gxr_len);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, sa->p1->nr, sa->p1->nr_len);
	isakmp_add_raw(&b, ISAKMP_PT_ID, sa->p1->id_own, sa->p1->id_own_len);
	if (add_auth(sa, &b) < 0) {
		isakmp_buf_free(&b.buf);
		return fail(f, 0, "cannot authenticate");
	}
	add_vids(sa, &b);
	natt_add_natd(sa, &b);
	/* As MM2: answered again only to a retransmitted AM1. */
	if (send_p1(sa, &b, false, false) < 0)
		return fail(f, 0, "cannot send");
	ike_sa_set_state(sa, IKE_S_AM_R_SENT);
	return 0;
}

static int am_r_recv3(struct ike_sa *sa, const struct isakmp_msg *m,
		      struct p1_fail *f)
{
	if (check_auth(sa, m, f) < 0)
		return -1;
	natt_check_natd(sa, m);
	take_notifies(sa, m);
	ike_rexmit_clear(&sa->p1rx);
	established(sa);
	return 0;
}

int p1_respond(struct ike_sa *sa, const struct isakmp_msg *m)
{
	struct p1_fail f = { 0, NULL };
	int rc;

	sa->exch = m->hdr.exch;
	if (m->hdr.exch == ISAKMP_EXCH_MAIN)
		rc = mm_r_recv1(sa, m, &f);
	else
		rc = am_r_recv1(sa, m, &f);
	if (rc < 0)
		refuse(sa, &f);
	return rc;
}

void p1_input(struct ike_sa *sa, const struct isakmp_msg *m)
{
	struct p1_fail f = { 0, NULL };
	int rc;

	switch (sa->state) {
	case IKE_S_MM_I_SA_SENT:
		rc = mm_i_recv2(sa, m, &f);
		break;
	case IKE_S_MM_I_KE_SENT:
		rc = mm_i_recv4(sa, m, &f);
		break;
	case IKE_S_MM_I_AUTH_SENT:
		rc = mm_i_recv6(sa, m, &f);
		break;
	case IKE_S_MM_R_SA_SENT:
		rc = mm_r_recv3(sa, m, &f);
		break;
	case IKE_S_MM_R_KE_SENT:
		rc = mm_r_recv5(sa, m, &f);
		break;
	case IKE_S_AM_I_SENT:
		rc = am_i_recv2(sa, m, &f);
		break;
	case IKE_S_AM_R_SENT:
		rc = am_r_recv3(sa, m, &f);
		break;
	default:
		log_debug("%s: Phase 1 message in state %s ignored", sa->name,
			  ike_state_name(sa->state));
		return;
	}
	if (rc < 0 && sa->state != IKE_S_DEAD)
		refuse(sa, &f);
}
