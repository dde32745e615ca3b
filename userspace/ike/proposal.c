// SPDX-License-Identifier: MIT
/*
 * Proposal generation (client) and selection (server) for Phase 1 and
 * Phase 2.  Ordering and matching rules: see proposal.h.
 */
#include <stdio.h>
#include <string.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "lib/daemon_log.h"
#include "ike/proposal.h"

/* ---- shared helpers ----------------------------------------------------- */

static unsigned p1_cipher_rank(uint16_t encr, unsigned key_bits)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return key_bits == 256 ? 50 : key_bits == 192 ? 40 : 30;
	case IKE_ENCR_3DES:
		return 20;
	case IKE_ENCR_DES:
		return 10;
	}
	return 0;
}

static unsigned hash_rank(uint16_t hash)
{
	/* IKE hash ids and IPsec auth ids are ranked on the same scale. */
	switch (hash) {
	case IKE_HASH_SHA2_512: return 50;
	case IKE_HASH_SHA2_384: return 40;
	case IKE_HASH_SHA2_256: return 30;
	case IKE_HASH_SHA1: return 20;
	case IKE_HASH_MD5: return 10;
	}
	return 0;
}

static unsigned esp_auth_rank(uint16_t auth)
{
	switch (auth) {
	case IPSEC_AUTH_HMAC_SHA2_512: return 50;
	case IPSEC_AUTH_HMAC_SHA2_384: return 40;
	case IPSEC_AUTH_HMAC_SHA2_256: return 30;
	case IPSEC_AUTH_HMAC_SHA1: return 20;
	case IPSEC_AUTH_HMAC_MD5: return 10;
	}
	return 0;
}

static unsigned esp_rank(uint8_t id, unsigned key_bits)
{
	/* An AEAD above any cipher with an HMAC; within GCM the key length
	 * first, then the ICV. */
	unsigned gcm_key = key_bits == 256 ? 80 : key_bits == 192 ? 70 : 60;

	switch (id) {
	case ESP_AES_GCM_16:
		return gcm_key + 3;
	case ESP_AES_GCM_12:
		return gcm_key + 2;
	case ESP_AES_GCM_8:
		return gcm_key + 1;
	case ESP_AES_CBC:
		return key_bits == 256 ? 50 : key_bits == 192 ? 40 : 30;
	case ESP_3DES:
		return 20;
	case ESP_DES:
		return 10;
	case ESP_NULL:
		return 1;
	}
	return 0;
}

/* Stable insertion sort of an index array by descending key. */
static void order_desc(unsigned *idx, const unsigned *key, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		idx[i] = i;
	for (unsigned i = 1; i < n; i++) {
		unsigned v = idx[i], j = i;

		while (j > 0 && key[idx[j - 1]] < key[v]) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* ---- Phase 1 -------------------------------------------------------------- */

uint16_t p1_auth_base(uint16_t auth)
{
	switch (auth) {
	case IKE_AUTH_XAUTH_INIT_PSK:
	case IKE_AUTH_XAUTH_RESP_PSK:
		return IKE_AUTH_PSK;
	case IKE_AUTH_XAUTH_INIT_RSA:
	case IKE_AUTH_XAUTH_RESP_RSA:
		return IKE_AUTH_RSA_SIG;
	case IKE_AUTH_XAUTH_INIT_DSS:
	case IKE_AUTH_XAUTH_RESP_DSS:
		return IKE_AUTH_DSS;
	}
	return auth;
}

bool p1_auth_is_xauth(uint16_t auth)
{
	return (auth >= IKE_AUTH_XAUTH_INIT_PSK && auth <= IKE_AUTH_XAUTH_RESP_RSA) ||
	       p1_auth_is_hybrid(auth);
}

bool p1_auth_is_hybrid(uint16_t auth)
{
	return auth == IKE_AUTH_HYBRID_INIT_RSA || auth == IKE_AUTH_HYBRID_RESP_RSA;
}

bool p1_auth_signs(uint16_t auth, bool of_initiator)
{
	switch (auth) {
	case IKE_AUTH_HYBRID_INIT_RSA:
		return !of_initiator;
	case IKE_AUTH_HYBRID_RESP_RSA:
		return of_initiator;
	}
	return p1_auth_base(auth) == IKE_AUTH_RSA_SIG;
}

const char *p1_auth_name(uint16_t auth)
{
	static __thread char other[16];

	switch (auth) {
	case IKE_AUTH_PSK: return "pre-share";
	case IKE_AUTH_DSS: return "dss-sig";
	case IKE_AUTH_RSA_SIG: return "rsa-sig";
	case IKE_AUTH_RSA_ENC: return "rsa-encr";
	case IKE_AUTH_RSA_REV_ENC: return "rsa-rev-encr";
	case IKE_AUTH_HYBRID_INIT_RSA: return "hybrid-init-rsa";
	case IKE_AUTH_HYBRID_RESP_RSA: return "hybrid-resp-rsa";
	case IKE_AUTH_XAUTH_INIT_PSK: return "xauth-init-pre-share";
	case IKE_AUTH_XAUTH_RESP_PSK: return "xauth-resp-pre-share";
	case IKE_AUTH_XAUTH_INIT_DSS: return "xauth-init-dss";
	case IKE_AUTH_XAUTH_RESP_DSS: return "xauth-resp-dss";
	case IKE_AUTH_XAUTH_INIT_RSA: return "xauth-init-rsa-sig";
	case IKE_AUTH_XAUTH_RESP_RSA: return "xauth-resp-rsa-sig";
	}
	snprintf(other, sizeof(other), "auth-%u", auth);
	return other;
}

static unsigned aes_bits(uint16_t encr, unsigned key_bits)
{
	/* Cisco and RFC 3602 practice: AES without a key length is 128. */
	if (encr == IKE_ENCR_AES_CBC)
		return key_bits ? key_bits : 128;
	return 0;
}

void p1_xform_format(const struct p1_xform *x, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s-%s-%s-%s",
		 ike_cipher_name(x->encr, aes_bits(x->encr, x->key_bits)),
		 ike_hash_name(x->hash), dh_group_name(x->group),
		 p1_auth_name(x->auth));
}

int p1_permute(const struct p1_caps *caps, bool aggressive,
	       struct p1_xform *out, size_t max)
{
	unsigned ek[P1_CAP_MAX * 2], eo[P1_CAP_MAX * 2];
	unsigned hk[P1_CAP_MAX], ho[P1_CAP_MAX];
	unsigned gk[P1_CAP_MAX], go[P1_CAP_MAX];
	unsigned n_group;
	size_t n = 0;

	if (!caps->n_encr || !caps->n_hash || !caps->n_group || !caps->n_auth ||
	    caps->n_encr > P1_CAP_MAX * 2 || caps->n_hash > P1_CAP_MAX ||
	    caps->n_group > P1_CAP_MAX || caps->n_auth > P1_CAP_MAX)
		return -1;
	for (unsigned i = 0; i < caps->n_encr; i++)
		ek[i] = p1_cipher_rank(caps->encr[i].encr,
				       aes_bits(caps->encr[i].encr,
						caps->encr[i].key_bits));
	for (unsigned i = 0; i < caps->n_hash; i++)
		hk[i] = hash_rank(caps->hash[i]);
	for (unsigned i = 0; i < caps->n_group; i++)
		gk[i] = dh_group_strength(caps->group[i]);
	order_desc(eo, ek, caps->n_encr);
	order_desc(ho, hk, caps->n_hash);
	order_desc(go, gk, caps->n_group);
	/* Aggressive mode's KE goes out with the proposal: one group only. */
	n_group = aggressive ? 1 : caps->n_group;

	for (unsigned e = 0; e < caps->n_encr; e++)
		for (unsigned h = 0; h < caps->n_hash; h++)
			for (unsigned g = 0; g < n_group; g++)
				for (unsigned a = 0; a < caps->n_auth; a++) {
					struct p1_xform *x;

					if (n >= max || n >= 255)
						return -1;
					x = &out[n++];
					memset(x, 0, sizeof(*x));
					x->num = (uint8_t)n;
					x->encr = caps->encr[eo[e]].encr;
					x->key_bits = (uint16_t)aes_bits(x->encr,
						caps->encr[eo[e]].key_bits);
					x->hash = caps->hash[ho[h]];
					x->group = caps->group[go[g]];
					x->auth = caps->auth[a];
					x->life_secs = caps->life_secs;
					x->life_kb = caps->life_kb;
				}
	return (int)n;
}

static void p1_put_attrs(struct isakmp_buf *b, const struct p1_xform *x)
{
	isakmp_put_attr_tv(b, IKE_ATTR_ENCRYPTION, x->encr);
	if (x->key_bits)
		isakmp_put_attr_tv(b, IKE_ATTR_KEY_LENGTH, x->key_bits);
	isakmp_put_attr_tv(b, IKE_ATTR_HASH, x->hash);
	isakmp_put_attr_tv(b, IKE_ATTR_AUTH, x->auth);
	isakmp_put_attr_tv(b, IKE_ATTR_GROUP_DESC, x->group);
	if (x->life_secs) {
		isakmp_put_attr_tv(b, IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
		isakmp_put_attr_u32(b, IKE_ATTR_LIFE_DURATION, x->life_secs);
	}
	if (x->life_kb) {
		isakmp_put_attr_tv(b, IKE_ATTR_LIFE_TYPE, IKE_LIFE_KILOBYTES);
		isakmp_put_attr_u32(b, IKE_ATTR_LIFE_DURATION, x->life_kb);
	}
}

void p1_build_sa(struct isakmp_bld *b, const struct p1_xform *x, size_t n)
{
	struct isakmp_sa_bld s;

	isakmp_sa_begin(b, &s);
	isakmp_prop_begin(b, &s, 1, ISAKMP_PROTO_ISAKMP, NULL, 0,
			  (uint8_t)(n > 255 ? 255 : n));
	for (size_t i = 0; i < n && i < 255; i++) {
		isakmp_xf_begin(b, &s, x[i].num ? x[i].num : (uint8_t)(i + 1),
				ISAKMP_XFORM_KEY_IKE);
		p1_put_attrs(&b->buf, &x[i]);
		isakmp_xf_end(b, &s);
	}
	isakmp_prop_end(b, &s);
	isakmp_sa_end(b, &s);
}

/* A life type attribute (is_type) or the life duration that follows it
 * (RFC 2407 4.5, RFC 2409 appendix A), the same in Phase 1 and Phase 2:
 * the type names the unit of the next duration.  A duration of 0 means
 * the smallest lifetime rather than none. */
static bool life_attr(bool is_type, uint32_t v, int *life_type,
		      uint32_t *secs, uint32_t *kb, const char **why)
{
	if (is_type) {
		*life_type = (int)v;
		if (v != IKE_LIFE_SECONDS && v != IKE_LIFE_KILOBYTES) {
			*why = "unknown life type";
			return false;
		}
		return true;
	}
	if (!*life_type) {
		*why = "life duration without life type";
		return false;
	}
	if (*life_type == IKE_LIFE_SECONDS)
		*secs = v ? v : 1;
	else
		*kb = v ? v : 1;
	*life_type = 0;
	return true;
}

/* Decode one Phase 1 transform; false (with a reason) if we cannot use
 * it — that skips the transform, it does not fail the SA. */
static bool p1_decode(const struct isakmp_transform *t, struct p1_xform *x,
		      const char **why)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	unsigned seen = 0;
	int life_type = 0, r;

	memset(x, 0, sizeof(*x));
	x->num = t->num;
	if (t->id != ISAKMP_XFORM_KEY_IKE) {
		*why = "transform id is not KEY_IKE";
		return false;
	}
	isakmp_attr_iter_init(&it, t->attrs, t->attrs_len);
	while ((r = isakmp_attr_next(&it, &a, NULL)) > 0) {
		if (a.type < 32 && a.type != IKE_ATTR_LIFE_TYPE &&
		    a.type != IKE_ATTR_LIFE_DURATION) {
			if (seen & (1u << a.type)) {
				*why = "attribute repeated";
				return false;
			}
			seen |= 1u << a.type;
		}
		switch (a.type) {
		case IKE_ATTR_ENCRYPTION:
			x->encr = (uint16_t)a.u;
			break;
		case IKE_ATTR_HASH:
			x->hash = (uint16_t)a.u;
			break;
		case IKE_ATTR_AUTH:
			x->auth = (uint16_t)a.u;
			break;
		case IKE_ATTR_GROUP_DESC:
			x->group = (uint16_t)a.u;
			break;
		case IKE_ATTR_KEY_LENGTH:
			x->key_bits = (uint16_t)a.u;
			break;
		case IKE_ATTR_LIFE_TYPE:
		case IKE_ATTR_LIFE_DURATION:
			if (!life_attr(a.type == IKE_ATTR_LIFE_TYPE, a.u, &life_type,
				       &x->life_secs, &x->life_kb, why))
				return false;
			break;
		default:
			/* PRF, private groups, field size: not offered by
			 * anyone we talk to; skipping is the safe answer. */
			*why = "unsupported attribute";
			return false;
		}
	}
	if (r < 0) {
		*why = "malformed attributes";
		return false;
	}
	if (!x->encr || !x->hash || !x->auth || !x->group) {
		*why = "mandatory attribute missing";
		return false;
	}
	return true;
}

int p1_parse_sa(const struct isakmp_sa *sa, struct p1_xform *out, size_t max,
		struct isakmp_perr *err)
{
	const struct isakmp_proposal *prop = NULL;
	size_t n = 0;

	for (unsigned i = 0; i < sa->n_prop && !prop; i++)
		if (sa->prop[i].proto == ISAKMP_PROTO_ISAKMP)
			prop = &sa->prop[i];
	if (!prop) {
		if (err) {
			err->notify = ISAKMP_N_BAD_PROPOSAL_SYNTAX;
			err->why = "no ISAKMP proposal in the SA";
		}
		return -1;
	}
	for (unsigned i = 0; i < prop->n_xf && n < max; i++) {
		const char *why = "";

		if (p1_decode(&sa->xf[prop->first_xf + i], &out[n], &why))
			n++;
		else
			log_debug("proposal: skipping Phase 1 transform %u: %s",
				  sa->xf[prop->first_xf + i].num, why);
	}
	return (int)n;
}

static bool p1_supported(const struct p1_xform *x)
{
	uint16_t base = p1_auth_base(x->auth);

	return ike_cipher_supported(x->encr, x->key_bits) &&
	       ike_hash_supported(x->hash) && dh_group_supported(x->group) &&
	       (base == IKE_AUTH_PSK || base == IKE_AUTH_RSA_SIG ||
		base == IKE_AUTH_HYBRID_INIT_RSA);
}

/* Why policy p does not take transform x, or NULL if it does. */
static const char *p1_mismatch(const struct p1_policy *p,
			       const struct p1_xform *x, char *buf, size_t len)
{
	if (!p1_supported(x))
		return "not supported by evsd";
	if (p->encr != x->encr ||
	    aes_bits(p->encr, p->key_bits) != aes_bits(x->encr, x->key_bits)) {
		snprintf(buf, len, "encryption %s, policy has %s",
			 ike_cipher_name(x->encr, aes_bits(x->encr, x->key_bits)),
			 ike_cipher_name(p->encr, aes_bits(p->encr, p->key_bits)));
		return buf;
	}
	if (p->hash != x->hash) {
		snprintf(buf, len, "hash %s, policy has %s",
			 ike_hash_name(x->hash), ike_hash_name(p->hash));
		return buf;
	}
	if (p->group != x->group) {
		snprintf(buf, len, "group %u, policy has %u", x->group, p->group);
		return buf;
	}
	if (p1_auth_base(x->auth) != p->auth) {
		snprintf(buf, len, "authentication %s, policy has %s",
			 p1_auth_name(x->auth), p1_auth_name(p->auth));
		return buf;
	}
	return NULL;
}

int p1_select(const struct p1_policy *pol, size_t npol,
	      const struct p1_xform *offer, size_t noffer, struct p1_match *m)
{
	char why[128], line[512];

	for (size_t i = 0; i < npol; i++) {
		size_t o = 0;

		for (size_t j = 0; j < noffer; j++) {
			const char *r = p1_mismatch(&pol[i], &offer[j], why,
						    sizeof(why));
			if (!r) {
				char desc[96];

				m->policy = i;
				m->xform = j;
				m->chosen = offer[j];
				m->chosen.key_bits = (uint16_t)aes_bits(offer[j].encr,
							offer[j].key_bits);
				m->lifetime_shortened = false;
				if (!offer[j].life_secs ||
				    (pol[i].life_secs &&
				     offer[j].life_secs > pol[i].life_secs)) {
					m->lifetime_shortened = offer[j].life_secs != 0;
					m->chosen.life_secs = pol[i].life_secs;
				}
				/* Formatted for the log only. */
				if (log_enabled(EVSD_LOG_INFO)) {
					p1_xform_format(&m->chosen, desc, sizeof(desc));
					log_info("phase1: policy %u matched offered transform %u (%s), lifetime %us",
						 pol[i].number, offer[j].num, desc,
						 m->chosen.life_secs);
				}
				return 0;
			}
			if (log_enabled(EVSD_LOG_DEBUG) && o < sizeof(line))
				o += (size_t)snprintf(line + o, sizeof(line) - o,
						      "%s#%u: %s", j ? "; " : "",
						      offer[j].num, r);
		}
		if (log_enabled(EVSD_LOG_DEBUG))
			log_debug("phase1: policy %u not chosen: %s", pol[i].number,
				  noffer ? line : "no transforms offered");
	}
	log_info("phase1: no policy matches any of %zu offered transforms", noffer);
	return -1;
}

int p1_check_reply(const struct p1_xform *offered, size_t n,
		   const struct p1_xform *chosen)
{
	for (size_t i = 0; i < n; i++) {
		const struct p1_xform *o = &offered[i];

		if (o->encr == chosen->encr &&
		    aes_bits(o->encr, o->key_bits) ==
		    aes_bits(chosen->encr, chosen->key_bits) &&
		    o->hash == chosen->hash && o->group == chosen->group &&
		    o->auth == chosen->auth &&
		    (!o->life_secs || (chosen->life_secs &&
				       chosen->life_secs <= o->life_secs)))
			return 0;
	}
	return -1;
}

/* ---- Phase 2 -------------------------------------------------------------- */

static uint16_t p2_encap(const struct p2_params *prm, bool transport)
{
	if (!prm->natt)
		return transport ? IPSEC_ENCAP_TRANSPORT : IPSEC_ENCAP_TUNNEL;
	if (prm->natt_level >= 2)
		return transport ? IPSEC_ENCAP_UDP_TRANSPORT : IPSEC_ENCAP_UDP_TUNNEL;
	return transport ? IPSEC_ENCAP_UDP_TRANSPORT_DRAFT :
			   IPSEC_ENCAP_UDP_TUNNEL_DRAFT;
}

static bool encap_is_transport(uint16_t e)
{
	return e == IPSEC_ENCAP_TRANSPORT || e == IPSEC_ENCAP_UDP_TRANSPORT ||
	       e == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

static bool encap_is_udp(uint16_t e)
{
	return e == IPSEC_ENCAP_UDP_TUNNEL || e == IPSEC_ENCAP_UDP_TRANSPORT ||
	       e == IPSEC_ENCAP_UDP_TUNNEL_DRAFT ||
	       e == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

bool p2_esp_is_aead(uint8_t esp_id)
{
	return esp_id == ESP_AES_GCM_8 || esp_id == ESP_AES_GCM_12 ||
	       esp_id == ESP_AES_GCM_16;
}

static unsigned esp_bits(uint8_t id, unsigned key_bits)
{
	if (id == ESP_AES_CBC)
		return key_bits ? key_bits : 128;
	/* RFC 4106 §8.4: GCM always carries its Key Length (p2_decode
	 * refuses an offer without one). */
	if (p2_esp_is_aead(id))
		return key_bits;
	return 0;
}

int p2_permute(const struct p2_set *sets, size_t nsets,
	       const struct p2_params *prm, struct p2_xform *out, size_t max)
{
	size_t n = 0;

	for (size_t s = 0; s < nsets; s++) {
		const struct p2_set *set = &sets[s];
		unsigned ek[P2_SET_MAX], eo[P2_SET_MAX];
		unsigned ak[P2_SET_MAX], ao[P2_SET_MAX];

		if (!set->n_esp || set->n_esp > P2_SET_MAX ||
		    set->n_auth > P2_SET_MAX)
			return -1;
		for (unsigned i = 0; i < set->n_esp; i++)
			ek[i] = esp_rank(set->esp[i].esp_id,
					 esp_bits(set->esp[i].esp_id,
						  set->esp[i].key_bits));
		for (unsigned i = 0; i < set->n_auth; i++)
			ak[i] = esp_auth_rank(set->auth[i]);
		order_desc(eo, ek, set->n_esp);
		order_desc(ao, ak, set->n_auth);
		for (unsigned e = 0; e < set->n_esp; e++) {
			bool aead = p2_esp_is_aead(set->esp[eo[e]].esp_id);

			if (!aead && !set->n_auth)
				return -1;
			/* An AEAD carries its own integrity: one transform. */
			for (unsigned a = 0; a < (aead ? 1 : set->n_auth); a++) {
				struct p2_xform *x;

				if (n >= max || n >= 255)
					return -1;
				x = &out[n++];
				memset(x, 0, sizeof(*x));
				x->prop_num = (uint8_t)n;
				x->xf_num = 1;
				x->esp_id = set->esp[eo[e]].esp_id;
				x->key_bits = (uint16_t)esp_bits(x->esp_id,
						set->esp[eo[e]].key_bits);
				x->auth = aead ? 0 : set->auth[ao[a]];
				x->encap = p2_encap(prm, set->transport);
				x->group = prm->pfs_group;
				x->life_secs = prm->life_secs;
				x->life_kb = prm->life_kb;
			}
		}
	}
	return n ? (int)n : -1;
}

static void p2_put_attrs(struct isakmp_buf *b, const struct p2_xform *x)
{
	if (x->life_secs) {
		isakmp_put_attr_tv(b, IPSEC_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
		isakmp_put_attr_u32(b, IPSEC_ATTR_LIFE_DURATION, x->life_secs);
	}
	if (x->life_kb) {
		isakmp_put_attr_tv(b, IPSEC_ATTR_LIFE_TYPE, IKE_LIFE_KILOBYTES);
		isakmp_put_attr_u32(b, IPSEC_ATTR_LIFE_DURATION, x->life_kb);
	}
	if (x->group)
		isakmp_put_attr_tv(b, IPSEC_ATTR_GROUP_DESC, x->group);
	isakmp_put_attr_tv(b, IPSEC_ATTR_ENCAP_MODE, x->encap);
	if (x->auth)
		isakmp_put_attr_tv(b, IPSEC_ATTR_AUTH_ALG, x->auth);
	if (x->key_bits)
		isakmp_put_attr_tv(b, IPSEC_ATTR_KEY_LENGTH, x->key_bits);
}

static void p2_put_prop(struct isakmp_bld *b, struct isakmp_sa_bld *s,
			const struct p2_xform *x, uint8_t pnum, uint8_t xnum,
			uint32_t spi)
{
	uint8_t spib[4] = { spi >> 24, spi >> 16, spi >> 8, spi };

	isakmp_prop_begin(b, s, pnum, ISAKMP_PROTO_ESP, spib, 4, 1);
	isakmp_xf_begin(b, s, xnum, x->esp_id);
	p2_put_attrs(&b->buf, x);
	isakmp_xf_end(b, s);
	isakmp_prop_end(b, s);
}

void p2_build_sa(struct isakmp_bld *b, const struct p2_xform *x, size_t n,
		 uint32_t spi)
{
	struct isakmp_sa_bld s;

	isakmp_sa_begin(b, &s);
	for (size_t i = 0; i < n && i < 255; i++)
		p2_put_prop(b, &s, &x[i], (uint8_t)(i + 1), 1, spi);
	isakmp_sa_end(b, &s);
}

void p2_build_reply_sa(struct isakmp_bld *b, const struct p2_xform *chosen,
		       uint32_t our_spi)
{
	struct isakmp_sa_bld s;

	isakmp_sa_begin(b, &s);
	p2_put_prop(b, &s, chosen, chosen->prop_num, chosen->xf_num, our_spi);
	isakmp_sa_end(b, &s);
}

static bool p2_decode(const struct isakmp_transform *t, struct p2_xform *x,
		      const char **why)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	int life_type = 0, r;

	x->xf_num = t->num;
	x->esp_id = t->id;
	isakmp_attr_iter_init(&it, t->attrs, t->attrs_len);
	while ((r = isakmp_attr_next(&it, &a, NULL)) > 0) {
		switch (a.type) {
		case IPSEC_ATTR_LIFE_TYPE:
		case IPSEC_ATTR_LIFE_DURATION:
			if (!life_attr(a.type == IPSEC_ATTR_LIFE_TYPE, a.u, &life_type,
				       &x->life_secs, &x->life_kb, why))
				return false;
			break;
		case IPSEC_ATTR_GROUP_DESC:
			x->group = (uint16_t)a.u;
			break;
		case IPSEC_ATTR_ENCAP_MODE:
			x->encap = (uint16_t)a.u;
			break;
		case IPSEC_ATTR_AUTH_ALG:
			x->auth = (uint16_t)a.u;
			break;
		case IPSEC_ATTR_KEY_LENGTH:
			x->key_bits = (uint16_t)a.u;
			break;
		default:
			*why = "unsupported attribute";
			return false;
		}
	}
	if (r < 0) {
		*why = "malformed attributes";
		return false;
	}
	if (!x->encap)
		x->encap = IPSEC_ENCAP_TUNNEL;
	if (p2_esp_is_aead(x->esp_id)) {
		/* RFC 4106 §8.4: the Key Length is mandatory, and an AEAD
		 * transform must not name an integrity algorithm. */
		if (x->key_bits != 128 && x->key_bits != 192 && x->key_bits != 256) {
			*why = "AES-GCM without a key length of 128, 192 or 256";
			return false;
		}
		if (x->auth) {
			*why = "AES-GCM with an authentication algorithm";
			return false;
		}
	}
	return true;
}

int p2_parse_sa(const struct isakmp_sa *sa, struct p2_xform *out, size_t max,
		struct isakmp_perr *err)
{
	size_t n = 0;

	for (unsigned i = 0; i < sa->n_prop; i++) {
		const struct isakmp_proposal *p = &sa->prop[i];
		bool anded = (i > 0 && sa->prop[i - 1].num == p->num) ||
			     (i + 1 < sa->n_prop && sa->prop[i + 1].num == p->num);

		/* AND-ed bundles (ESP+IPCOMP, AH+ESP) are not offered by us. */
		if (p->proto != ISAKMP_PROTO_ESP || anded || p->spi_size != 4)
			continue;
		for (unsigned j = 0; j < p->n_xf && n < max; j++) {
			struct p2_xform *x = &out[n];
			const char *why = "";

			memset(x, 0, sizeof(*x));
			x->prop_num = p->num;
			x->spi = (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
				 (uint32_t)p->spi[2] << 8 | p->spi[3];
			if (p2_decode(&sa->xf[p->first_xf + j], x, &why))
				n++;
			else
				log_debug("proposal: skipping Phase 2 proposal %u transform %u: %s",
					  p->num, sa->xf[p->first_xf + j].num, why);
		}
	}
	(void)err;
	return (int)n;
}

static const char *p2_mismatch(const struct p2_set *set, const struct p2_params *prm,
			       const struct p2_xform *x)
{
	bool cipher = false, integ = false;

	for (unsigned i = 0; i < set->n_esp; i++)
		cipher |= set->esp[i].esp_id == x->esp_id &&
			  esp_bits(x->esp_id, set->esp[i].key_bits) ==
			  esp_bits(x->esp_id, x->key_bits);
	if (!cipher)
		return "cipher not in the set";
	for (unsigned i = 0; i < set->n_auth; i++)
		integ |= set->auth[i] == x->auth;
	if (p2_esp_is_aead(x->esp_id))
		integ = !x->auth;
	if (!integ)
		return "integrity not in the set";
	if (encap_is_transport(x->encap) != set->transport)
		return "encapsulation mode differs";
	if (encap_is_udp(x->encap) != prm->natt)
		return prm->natt ? "NAT detected but no UDP encapsulation offered" :
				   "UDP encapsulation without NAT";
	if (prm->pfs_group && x->group != prm->pfs_group)
		return "PFS group differs";
	if (x->group && !dh_group_supported(x->group))
		return "PFS group not supported";
	return NULL;
}

int p2_select(const struct p2_set *sets, size_t nsets,
	      const struct p2_params *prm, const struct p2_xform *offer,
	      size_t noffer, struct p2_match *m)
{
	for (size_t s = 0; s < nsets; s++) {
		for (size_t j = 0; j < noffer; j++) {
			const char *why = p2_mismatch(&sets[s], prm, &offer[j]);
			char desc[96];

			if (why) {
				log_debug("phase2: transform set %s vs proposal %u: %s",
					  sets[s].name, offer[j].prop_num, why);
				continue;
			}
			m->set = s;
			m->xform = j;
			m->chosen = offer[j];
			m->chosen.key_bits = (uint16_t)esp_bits(offer[j].esp_id,
							       offer[j].key_bits);
			m->responder_lifetime = false;
			if (!offer[j].life_secs ||
			    (prm->life_secs && offer[j].life_secs > prm->life_secs)) {
				m->responder_lifetime |= offer[j].life_secs != 0;
				m->chosen.life_secs = prm->life_secs;
			}
			if (prm->life_kb && (!offer[j].life_kb ||
					     offer[j].life_kb > prm->life_kb)) {
				m->responder_lifetime |= offer[j].life_kb != 0;
				m->chosen.life_kb = prm->life_kb;
			}
			if (log_enabled(EVSD_LOG_INFO)) {
				p2_xform_format(&m->chosen, desc, sizeof(desc));
				log_info("phase2: transform set %s matched proposal %u (%s)",
					 sets[s].name, offer[j].prop_num, desc);
			}
			return 0;
		}
	}
	log_info("phase2: no transform set matches any of %zu offered transforms",
		 noffer);
	return -1;
}

int p2_check_reply(const struct p2_xform *offered, size_t n,
		   const struct p2_xform *chosen)
{
	for (size_t i = 0; i < n; i++) {
		const struct p2_xform *o = &offered[i];

		if (o->esp_id == chosen->esp_id &&
		    esp_bits(o->esp_id, o->key_bits) ==
		    esp_bits(chosen->esp_id, chosen->key_bits) &&
		    o->auth == chosen->auth && o->encap == chosen->encap &&
		    o->group == chosen->group &&
		    (!o->life_secs || (chosen->life_secs &&
				       chosen->life_secs <= o->life_secs)) &&
		    (!o->life_kb || (chosen->life_kb &&
				     chosen->life_kb <= o->life_kb)))
			return 0;
	}
	return -1;
}

size_t p2_enc_key_len(const struct p2_xform *x)
{
	switch (x->esp_id) {
	case ESP_AES_CBC: return esp_bits(x->esp_id, x->key_bits) / 8;
	case ESP_AES_GCM_8:
	case ESP_AES_GCM_12:
	case ESP_AES_GCM_16:
		/* RFC 4106 §8.1: the key, then a 4-byte salt. */
		return esp_bits(x->esp_id, x->key_bits) / 8 + 4;
	case ESP_3DES: return 24;
	case ESP_DES: return 8;
	case ESP_NULL: return 0;
	}
	return 0;
}

size_t p2_auth_key_len(const struct p2_xform *x)
{
	switch (x->auth) {
	case IPSEC_AUTH_HMAC_MD5: return 16;
	case IPSEC_AUTH_HMAC_SHA1: return 20;
	case IPSEC_AUTH_HMAC_SHA2_256: return 32;
	case IPSEC_AUTH_HMAC_SHA2_384: return 48;
	case IPSEC_AUTH_HMAC_SHA2_512: return 64;
	}
	return 0;
}

const char *p2_enc_kname(const struct p2_xform *x)
{
	switch (x->esp_id) {
	case ESP_AES_CBC: return "cbc(aes)";
	case ESP_AES_GCM_8:
	case ESP_AES_GCM_12:
	case ESP_AES_GCM_16:
		return "rfc4106(gcm(aes))";
	case ESP_3DES: return "cbc(des3_ede)";
	case ESP_DES: return "cbc(des)";
	case ESP_NULL: return "ecb(cipher_null)";
	}
	return NULL;
}

const char *p2_auth_kname(const struct p2_xform *x)
{
	switch (x->auth) {
	case IPSEC_AUTH_HMAC_MD5: return "hmac(md5)";
	case IPSEC_AUTH_HMAC_SHA1: return "hmac(sha1)";
	case IPSEC_AUTH_HMAC_SHA2_256: return "hmac(sha256)";
	case IPSEC_AUTH_HMAC_SHA2_384: return "hmac(sha384)";
	case IPSEC_AUTH_HMAC_SHA2_512: return "hmac(sha512)";
	}
	return NULL;
}

unsigned p2_aead_icv_bits(const struct p2_xform *x)
{
	switch (x->esp_id) {
	case ESP_AES_GCM_8: return 64;
	case ESP_AES_GCM_12: return 96;
	case ESP_AES_GCM_16: return 128;
	}
	return 0;
}

unsigned p2_auth_trunc_bits(const struct p2_xform *x)
{
	/* RFC 2403/2404: 96 bits; RFC 4868: half the hash length. */
	switch (x->auth) {
	case IPSEC_AUTH_HMAC_MD5:
	case IPSEC_AUTH_HMAC_SHA1:
		return 96;
	case IPSEC_AUTH_HMAC_SHA2_256: return 128;
	case IPSEC_AUTH_HMAC_SHA2_384: return 192;
	case IPSEC_AUTH_HMAC_SHA2_512: return 256;
	}
	return 0;
}

static const char *esp_name(uint8_t id, unsigned bits)
{
	switch (id) {
	case ESP_AES_CBC:
		return bits == 256 ? "esp-aes-256" : bits == 192 ? "esp-aes-192" :
		       "esp-aes-128";
	case ESP_AES_GCM_16:
		return bits == 256 ? "esp-gcm-256" : bits == 192 ? "esp-gcm-192" :
		       "esp-gcm-128";
	case ESP_AES_GCM_12:
		return bits == 256 ? "esp-gcm-icv12-256" : bits == 192 ?
		       "esp-gcm-icv12-192" : "esp-gcm-icv12-128";
	case ESP_AES_GCM_8:
		return bits == 256 ? "esp-gcm-icv8-256" : bits == 192 ?
		       "esp-gcm-icv8-192" : "esp-gcm-icv8-128";
	case ESP_3DES: return "esp-3des";
	case ESP_DES: return "esp-des";
	case ESP_NULL: return "esp-null";
	}
	return "esp-?";
}

static const char *esp_auth_name(uint16_t auth)
{
	switch (auth) {
	case IPSEC_AUTH_HMAC_MD5: return "esp-md5-hmac";
	case IPSEC_AUTH_HMAC_SHA1: return "esp-sha-hmac";
	case IPSEC_AUTH_HMAC_SHA2_256: return "esp-sha256-hmac";
	case IPSEC_AUTH_HMAC_SHA2_384: return "esp-sha384-hmac";
	case IPSEC_AUTH_HMAC_SHA2_512: return "esp-sha512-hmac";
	}
	return "no-integrity";
}

void p2_xform_format(const struct p2_xform *x, char *out, size_t outlen)
{
	char pfs[24] = "no-pfs";

	if (x->group)
		snprintf(pfs, sizeof(pfs), "pfs-%s", dh_group_name(x->group));
	snprintf(out, outlen, "%s %s %s%s %s", esp_name(x->esp_id,
		 esp_bits(x->esp_id, x->key_bits)),
		 p2_esp_is_aead(x->esp_id) ? "aead" : esp_auth_name(x->auth),
		 encap_is_transport(x->encap) ? "transport" : "tunnel",
		 encap_is_udp(x->encap) ? "-udp" : "", pfs);
}

bool p2_xform_weak(const struct p2_xform *x)
{
	return x->esp_id == ESP_DES || x->esp_id == ESP_NULL ||
	       x->auth == IPSEC_AUTH_HMAC_MD5 || dh_group_weak(x->group);
}
