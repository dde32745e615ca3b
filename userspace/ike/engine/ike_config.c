// SPDX-License-Identifier: MIT
/*
 * The IKE sections of evsd.conf: Phase 1 policies, pre-shared keys by
 * address, identity, transform sets and Phase 2 parameters, pki, timers,
 * client peers and the global directives.  See Documentation/evsd.conf.5.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/cert.h"
#include "ike/engine/ike_config.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "lib/daemon_log.h"

#define MAX_POLICIES	64
#define MAX_SETS	32
#define MAX_PSKS	256
#define MAX_PEERS	16

/* ---- word tables ---------------------------------------------------------- */

struct word_map {
	const char *word;
	uint16_t v1, v2;
};

static const struct word_map p1_encr_words[] = {
	{ "des", IKE_ENCR_DES, 0 },
	{ "3des", IKE_ENCR_3DES, 0 },
	{ "aes", IKE_ENCR_AES_CBC, 0 },
	{ "aes-128", IKE_ENCR_AES_CBC, 128 },
	{ "aes-192", IKE_ENCR_AES_CBC, 192 },
	{ "aes-256", IKE_ENCR_AES_CBC, 256 },
	{ NULL, 0, 0 },
};

static const struct word_map p1_hash_words[] = {
	{ "md5", IKE_HASH_MD5, 0 },
	{ "sha", IKE_HASH_SHA1, 0 },
	{ "sha1", IKE_HASH_SHA1, 0 },
	{ "sha256", IKE_HASH_SHA2_256, 0 },
	{ "sha384", IKE_HASH_SHA2_384, 0 },
	{ "sha512", IKE_HASH_SHA2_512, 0 },
	{ NULL, 0, 0 },
};

static const struct word_map auth_words[] = {
	{ "pre-share", IKE_AUTH_PSK, 0 },
	{ "rsa-sig", IKE_AUTH_RSA_SIG, 0 },
	{ "xauth-pre-share", IKE_AUTH_XAUTH_INIT_PSK, 0 },
	{ "xauth-rsa-sig", IKE_AUTH_XAUTH_INIT_RSA, 0 },
	{ "hybrid", IKE_AUTH_HYBRID_INIT_RSA, 0 },
	{ NULL, 0, 0 },
};

static const struct word_map esp_words[] = {
	{ "esp-des", ESP_DES, 0 },
	{ "esp-3des", ESP_3DES, 0 },
	{ "esp-aes", ESP_AES_CBC, 0 },
	{ "esp-aes-128", ESP_AES_CBC, 128 },
	{ "esp-aes-192", ESP_AES_CBC, 192 },
	{ "esp-aes-256", ESP_AES_CBC, 256 },
	{ "esp-null", ESP_NULL, 0 },
	/* IOS's spelling (16-byte ICV), then evs's for the shorter ICVs. */
	{ "esp-gcm", ESP_AES_GCM_16, 0 },
	{ "esp-gcm-icv12", ESP_AES_GCM_12, 0 },
	{ "esp-gcm-icv8", ESP_AES_GCM_8, 0 },
	{ NULL, 0, 0 },
};

static const struct word_map esp_auth_words[] = {
	{ "esp-md5-hmac", IPSEC_AUTH_HMAC_MD5, 0 },
	{ "esp-sha-hmac", IPSEC_AUTH_HMAC_SHA1, 0 },
	{ "esp-sha256-hmac", IPSEC_AUTH_HMAC_SHA2_256, 0 },
	{ "esp-sha384-hmac", IPSEC_AUTH_HMAC_SHA2_384, 0 },
	{ "esp-sha512-hmac", IPSEC_AUTH_HMAC_SHA2_512, 0 },
	{ NULL, 0, 0 },
};

static const struct word_map *word_find(const struct word_map *m, const char *w)
{
	for (; m->word; m++)
		if (!strcmp(m->word, w))
			return m;
	return NULL;
}

static int word_error(struct evs_err *err, const struct cfg_node *n,
		      const char *w, const struct word_map *m)
{
	char list[256];
	size_t o = 0;

	list[0] = '\0';
	for (int i = 0; m[i].word && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				      i ? ", " : "", m[i].word);
	return cfg_error(err, n, "%s: '%s' is not one of: %s", n->argv[0], w, list);
}

/* "14", "group14", "modp2048", "ecp256", "curve25519", "none" (-> 0). */
static int parse_group(const struct cfg_node *n, const char *w, bool allow_none,
		       uint16_t *out, struct evs_err *err)
{
	static const uint16_t all[] = { 2, 5, 14, 15, 16, 19, 20, 21, 31 };
	const char *num = !strncmp(w, "group", 5) ? w + 5 : w;

	if (allow_none && !strcmp(w, "none")) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		char buf[8];

		snprintf(buf, sizeof(buf), "%u", all[i]);
		if (!strcmp(num, buf) || !strcmp(w, dh_group_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return cfg_error(err, n, "%s: '%s' is not a supported DH group "
			 "(2, 5, 14, 15, 16, 19, 20, 21, 31%s)", n->argv[0], w,
			 allow_none ? " or none" : "");
}

static void warn_weak(const struct cfg_node *n, const char *what)
{
	log_warn("%s:%u: %s is weak; accepted because it is configured",
		 n->file, n->line, what);
}

/* ---- Phase 1 policies ------------------------------------------------------- */

static int policy_encr(const struct cfg_node *c, struct p1_policy *p,
		       struct evs_err *err)
{
	const struct word_map *m;

	if (cfg_nargs(c, 2, 3, err) < 0)
		return -1;
	m = word_find(p1_encr_words, c->argv[1]);
	if (!m)
		return word_error(err, c, c->argv[1], p1_encr_words);
	p->encr = m->v1;
	p->key_bits = m->v2;
	if (c->argc == 3) {
		uint32_t bits;

		if (m->v1 != IKE_ENCR_AES_CBC || m->v2)
			return cfg_error(err, c, "a key length only follows 'aes'");
		if (cfg_u32(c, 2, 128, 256, &bits, err) < 0)
			return -1;
		if (bits != 128 && bits != 192 && bits != 256)
			return cfg_error(err, c, "AES key length is 128, 192 or 256");
		p->key_bits = (uint16_t)bits;
	}
	if (p->encr == IKE_ENCR_AES_CBC && !p->key_bits)
		p->key_bits = 128;
	if (ike_cipher_weak(p->encr))
		warn_weak(c, "encryption des");
	return 0;
}

static int policy_child(const struct cfg_node *c, struct p1_policy *p,
			unsigned *seen, struct evs_err *err)
{
	static const char *const keys[] = {
		"encryption", "hash", "authentication", "group", "lifetime", NULL
	};
	const struct word_map *m;
	uint32_t v;
	int k = cfg_choice(c, 0, keys, err);

	if (k < 0 || cfg_want_block(c, false, err) < 0)
		return -1;
	if (*seen & (1u << k))
		return cfg_error(err, c, "'%s' given twice", keys[k]);
	*seen |= 1u << k;
	switch (k) {
	case 0:
		return policy_encr(c, p, err);
	case 1:
		if (cfg_nargs(c, 2, 2, err) < 0)
			return -1;
		m = word_find(p1_hash_words, c->argv[1]);
		if (!m)
			return word_error(err, c, c->argv[1], p1_hash_words);
		p->hash = m->v1;
		if (ike_hash_weak(p->hash))
			warn_weak(c, "hash md5");
		return 0;
	case 2:
		if (cfg_nargs(c, 2, 2, err) < 0)
			return -1;
		m = word_find(auth_words, c->argv[1]);
		if (!m || (m->v1 > IKE_AUTH_RSA_SIG && m->v1 != IKE_AUTH_HYBRID_INIT_RSA))
			return cfg_error(err, c, "authentication: '%s' is not pre-share, "
					 "rsa-sig or hybrid", c->argv[1]);
		p->auth = m->v1;
		return 0;
	case 3:
		if (cfg_nargs(c, 2, 2, err) < 0 ||
		    parse_group(c, c->argv[1], false, &p->group, err) < 0)
			return -1;
		if (dh_group_weak(p->group))
			warn_weak(c, "DH group 2/5");
		return 0;
	case 4:
		if (cfg_nargs(c, 2, 2, err) < 0 ||
		    cfg_u32(c, 1, 60, 86400 * 7, &v, err) < 0)
			return -1;
		p->life_secs = v;
		return 0;
	}
	return -1;
}

static int load_policy(struct cfg_node *n, struct ike_config *ike,
		       struct evs_err *err)
{
	struct p1_policy p = { .life_secs = 86400 };
	unsigned seen = 0;
	uint32_t num;

	if (cfg_nargs(n, 4, 4, err) < 0 || cfg_u32(n, 3, 1, 65535, &num, err) < 0 ||
	    cfg_want_block(n, true, err) < 0)
		return -1;
	for (size_t i = 0; i < ike->n_policies; i++)
		if (ike->policies[i].number == num)
			return cfg_error(err, n, "policy %u defined twice", num);
	if (ike->n_policies >= MAX_POLICIES)
		return cfg_error(err, n, "more than %d policies", MAX_POLICIES);
	p.number = num;
	for (struct cfg_node *c = n->child; c; c = c->next)
		if (policy_child(c, &p, &seen, err) < 0)
			return -1;
	if (!p.encr || !p.hash || !p.auth || !p.group)
		return cfg_error(err, n, "policy %u needs encryption, hash, "
				 "authentication and group", num);
	ike->policies[ike->n_policies++] = p;
	return 0;
}

static int policy_cmp(const void *a, const void *b)
{
	const struct p1_policy *x = a, *y = b;

	return (x->number > y->number) - (x->number < y->number);
}

/* ---- keys and identity ------------------------------------------------------ */

static int net_line(const struct cfg_node *c, struct evs_prefix *nets,
		    unsigned *n, struct evs_err *err);

/* The selectors of a no-xauth key: local-network (ours) and
 * remote-network (the peer's), both required. */
static int load_psk_nets(struct cfg_node *n, struct ike_psk *k,
			 struct evs_err *err)
{
	for (struct cfg_node *c = n->child; c; c = c->next) {
		bool local = cfg_is(c, "local-network", NULL);

		if (!local && !cfg_is(c, "remote-network", NULL))
			return cfg_error(err, c, "unknown '%s' in a key block (local-network "
					 "or remote-network)", c->argv[0]);
		if (cfg_want_block(c, false, err) < 0 ||
		    net_line(c, local ? k->local_nets : k->remote_nets,
			     local ? &k->n_local_nets : &k->n_remote_nets, err) < 0)
			return -1;
	}
	if (!k->n_local_nets || !k->n_remote_nets)
		return cfg_error(err, n, "a no-xauth (site-to-site) key needs its selectors: "
				 "a block with at least one local-network and one "
				 "remote-network");
	return 0;
}

/* crypto isakmp key SECRET address A[/plen] [no-xauth] [aggressive] [{ nets }] */
static int load_psk(struct cfg_node *n, struct ike_config *ike,
		    struct evs_err *err)
{
	struct ike_psk *k;

	if (cfg_nargs(n, 6, 8, err) < 0)
		return -1;
	if (strcmp(n->argv[4], "address"))
		return cfg_error(err, n, "expected 'crypto isakmp key SECRET address A[/LEN]"
				 " [no-xauth] [aggressive]'");
	if (ike->n_psks >= MAX_PSKS)
		return cfg_error(err, n, "more than %d keys", MAX_PSKS);
	k = &ike->psks[ike->n_psks];
	memset(k, 0, sizeof(*k));
	for (unsigned i = 6; i < n->argc; i++) {
		bool *flag = !strcmp(n->argv[i], "no-xauth") ? &k->no_xauth :
			     !strcmp(n->argv[i], "aggressive") ? &k->aggressive : NULL;

		if (!flag)
			return cfg_error(err, n, "unknown key option '%s' (no-xauth or "
					 "aggressive)", n->argv[i]);
		if (*flag)
			return cfg_error(err, n, "'%s' given twice", n->argv[i]);
		*flag = true;
	}
	if (!k->no_xauth && n->block)
		return cfg_error(err, n, "only a no-xauth key has a block of selectors");
	if (k->no_xauth && load_psk_nets(n, k, err) < 0)
		return -1;
	if (cfg_addr(n, 5, &k->addr, &k->plen, err) < 0 ||
	    cfg_secret(n, 3, &k->key, err) < 0)
		return -1;
	k->file = n->file;
	k->line = n->line;
	ike->n_psks++;
	return 0;
}

static int load_identity(const struct cfg_node *n, unsigned at,
			 enum ike_identity *id, char *value, size_t vlen,
			 bool allow_keyid, struct evs_err *err)
{
	static const char *const kinds[] = {
		"address", "fqdn", "user-fqdn", "dn", "key-id", NULL
	};
	int k = cfg_choice(n, at, kinds, err);
	bool needs_value;

	if (k < 0)
		return -1;
	if (k == IKE_IDENT_KEY_ID && !allow_keyid)
		return cfg_error(err, n, "key-id identities belong in a peer block");
	needs_value = k == IKE_IDENT_FQDN || k == IKE_IDENT_USER_FQDN ||
		      k == IKE_IDENT_KEY_ID;
	if (cfg_nargs(n, at + 1 + needs_value, at + 1 + needs_value, err) < 0)
		return -1;
	*id = (enum ike_identity)k;
	value[0] = '\0';
	if (needs_value) {
		if (strlen(n->argv[at + 1]) >= vlen)
			return cfg_error(err, n, "identity longer than %zu bytes",
					 vlen - 1);
		strcpy(value, n->argv[at + 1]);
	}
	return 0;
}

/* ---- Phase 2 -------------------------------------------------------------------- */

/* crypto ipsec transform-set NAME T... [mode tunnel|transport] */
static int load_set(struct cfg_node *n, struct ike_config *ike,
		    struct evs_err *err)
{
	struct p2_set *s;
	unsigned n_aead = 0;

	if (cfg_nargs(n, 5, 64, err) < 0 || cfg_want_block(n, false, err) < 0)
		return -1;
	if (strlen(n->argv[3]) >= sizeof(s->name))
		return cfg_error(err, n, "transform-set name too long");
	if (ike_config_set(ike, n->argv[3]))
		return cfg_error(err, n, "transform-set %s defined twice", n->argv[3]);
	if (ike->n_sets >= MAX_SETS)
		return cfg_error(err, n, "more than %d transform sets", MAX_SETS);
	s = &ike->sets[ike->n_sets];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, n->argv[3]);
	for (unsigned i = 4; i < n->argc; i++) {
		const char *w = n->argv[i];
		const struct word_map *m;

		if (!strcmp(w, "mode")) {
			if (i + 1 >= n->argc ||
			    (strcmp(n->argv[i + 1], "tunnel") &&
			     strcmp(n->argv[i + 1], "transport")))
				return cfg_error(err, n, "'mode' is tunnel or transport");
			s->transport = !strcmp(n->argv[++i], "transport");
		} else if ((m = word_find(esp_words, w))) {
			uint16_t bits = m->v2;

			if ((m->v1 == ESP_AES_CBC || p2_esp_is_aead((uint8_t)m->v1)) &&
			    !bits) {
				bits = 128;
				if (i + 1 < n->argc && (!strcmp(n->argv[i + 1], "128") ||
							!strcmp(n->argv[i + 1], "192") ||
							!strcmp(n->argv[i + 1], "256")))
					bits = (uint16_t)atoi(n->argv[++i]);
			}
			if (s->n_esp >= P2_SET_MAX)
				return cfg_error(err, n, "more than %d ciphers", P2_SET_MAX);
			s->esp[s->n_esp].esp_id = (uint8_t)m->v1;
			s->esp[s->n_esp++].key_bits = bits;
			if (m->v1 == ESP_DES || m->v1 == ESP_NULL)
				warn_weak(n, w);
		} else if ((m = word_find(esp_auth_words, w))) {
			if (s->n_auth >= P2_SET_MAX)
				return cfg_error(err, n, "more than %d integrity algorithms",
						 P2_SET_MAX);
			s->auth[s->n_auth++] = m->v1;
			if (m->v1 == IPSEC_AUTH_HMAC_MD5)
				warn_weak(n, w);
		} else {
			return cfg_error(err, n, "transform-set: unknown transform '%s'", w);
		}
	}
	if (!s->n_esp)
		return cfg_error(err, n, "transform-set %s needs a cipher (esp-aes, "
				 "esp-gcm, esp-3des, ...)", s->name);
	for (unsigned i = 0; i < s->n_esp; i++)
		n_aead += p2_esp_is_aead(s->esp[i].esp_id);
	if (n_aead < s->n_esp && !s->n_auth)
		return cfg_error(err, n, "transform-set %s needs an integrity algorithm "
				 "(esp-sha-hmac, ...) for its non-AEAD ciphers", s->name);
	if (n_aead == s->n_esp && s->n_auth)
		return cfg_error(err, n, "transform-set %s: esp-gcm carries its own "
				 "integrity; drop the HMAC or add a non-AEAD cipher",
				 s->name);
	ike->n_sets++;
	return 0;
}

/* "seconds N" / "kilobytes N" into the p2 params. */
static int sa_lifetime(const struct cfg_node *n, unsigned at,
		       struct p2_params *p, struct evs_err *err)
{
	static const char *const units[] = { "seconds", "kilobytes", NULL };
	int u = cfg_choice(n, at, units, err);
	uint32_t v;

	if (u < 0 || cfg_nargs(n, at + 2, at + 2, err) < 0)
		return -1;
	if (u == 0) {
		if (cfg_u32(n, at + 1, 120, 86400 * 2, &v, err) < 0)
			return -1;
		p->life_secs = v;
	} else {
		if (cfg_u32(n, at + 1, 0, UINT32_MAX, &v, err) < 0)
			return -1;
		if (v && v < 2560)
			return cfg_error(err, n, "kilobytes: at least 2560 (or 0 = no limit)");
		p->life_kb = v;
	}
	return 0;
}

static int load_crypto_ipsec(struct cfg_node *n, struct ike_config *ike,
			     struct evs_err *err)
{
	if (cfg_is(n, "crypto", "ipsec", "transform-set", NULL))
		return load_set(n, ike, err);
	if (cfg_is(n, "crypto", "ipsec", "security-association", "lifetime", NULL))
		return cfg_want_block(n, false, err) < 0 ? -1 :
		       sa_lifetime(n, 4, &ike->p2, err);
	if (cfg_is(n, "crypto", "ipsec", "pfs", NULL)) {
		if (cfg_nargs(n, 4, 4, err) < 0 || cfg_want_block(n, false, err) < 0 ||
		    parse_group(n, n->argv[3], true, &ike->p2.pfs_group, err) < 0)
			return -1;
		if (dh_group_weak(ike->p2.pfs_group))
			warn_weak(n, "PFS group 2/5");
		return 0;
	}
	return 1;	/* not ours: maybe another section's, else unknown */
}

static int load_crypto_isakmp(struct cfg_node *n, struct ike_config *ike,
			      struct evs_err *err)
{
	if (cfg_is(n, "crypto", "isakmp", "policy", NULL))
		return load_policy(n, ike, err);
	if (cfg_is(n, "crypto", "isakmp", "key", NULL))
		return load_psk(n, ike, err);
	if (cfg_is(n, "crypto", "isakmp", "identity", NULL))
		return cfg_want_block(n, false, err) < 0 ? -1 :
		       load_identity(n, 3, &ike->ident, ike->ident_value,
				     sizeof(ike->ident_value), false, err);
	return 1;	/* e.g. "crypto isakmp client configuration group" */
}

/* ---- pki and timers -------------------------------------------------------------- */

static int load_pki(struct cfg_node *n, struct ike_config *ike,
		    struct evs_err *err)
{
	static const char *const keys[] = { "ca", "certificate", "private-key", "crl",
					    "crl-check", "max-chain-depth",
					    "extended-key-usage", NULL };
	static const char *const crl_modes[] = { "chain", "leaf", NULL };
	struct cert_policy pol = { .max_depth = CERT_DEFAULT_DEPTH, .eku = CERT_EKU_IKE };
	struct evs_err why;
	uint32_t depth;

	if (cfg_nargs(n, 1, 1, err) < 0 || cfg_want_block(n, true, err) < 0)
		return -1;
	if (ike->ca_file)
		return cfg_error(err, n, "pki given twice");
	for (struct cfg_node *c = n->child; c; c = c->next) {
		int k = cfg_choice(c, 0, keys, err);
		char **slot;

		if (k < 0 || cfg_want_block(c, false, err) < 0)
			return -1;
		if (k == 4) {
			int m;

			if (cfg_nargs(c, 2, 2, err) < 0 || (m = cfg_choice(c, 1, crl_modes, err)) < 0)
				return -1;
			pol.crl_leaf_only = m == 1;
			continue;
		}
		if (k == 5) {
			if (cfg_nargs(c, 2, 2, err) < 0 || cfg_u32(c, 1, 0, 16, &depth, err) < 0)
				return -1;
			pol.max_depth = (int)depth;
			continue;
		}
		if (k == 6) {
			if (cfg_nargs(c, 2, 9, err) < 0)
				return -1;
			pol.eku = 0;
			for (unsigned i = 1; i < c->argc; i++) {
				uint32_t bit = cert_eku_parse(c->argv[i]);

				if (c->argc == 2 && !strcmp(c->argv[1], "none"))
					break;
				if (c->argc == 2 && !strcmp(c->argv[1], "ike")) {
					pol.eku = CERT_EKU_IKE;
					break;
				}
				if (!bit)
					return cfg_error(err, c, "extended-key-usage: \"%s\" is none "
							 "of none, ike, ipsec-ike, server-auth, "
							 "client-auth, ipsec-end-system, "
							 "ipsec-tunnel, ipsec-user, any",
							 c->argv[i]);
				pol.eku |= bit;
			}
			continue;
		}
		if (cfg_nargs(c, 2, 2, err) < 0)
			return -1;
		slot = k == 0 ? &ike->ca_file : k == 1 ? &ike->cert_file :
		       k == 2 ? &ike->key_file : &ike->crl_file;
		if (*slot)
			return cfg_error(err, c, "'%s' given twice", keys[k]);
		*slot = strdup(c->argv[1]);
		if (!*slot)
			return cfg_error(err, c, "out of memory");
	}
	if (!ike->ca_file)
		return cfg_error(err, n, "pki needs 'ca FILE'");
	if (!ike->cert_file != !ike->key_file)
		return cfg_error(err, n, "pki: 'certificate' and 'private-key' go together");
	ike->certs = cert_store_load(ike->ca_file, ike->cert_file, ike->key_file, &why);
	if (!ike->certs)
		return cfg_error(err, n, "pki: %s", why.msg);
	pol.crl_file = ike->crl_file;
	if (cert_store_set_policy(ike->certs, &pol, &why) < 0)
		return cfg_error(err, n, "pki: %s", why.msg);
	return 0;
}

static int load_timers(struct cfg_node *n, struct ike_config *ike,
		       struct evs_err *err)
{
	static const char *const keys[] = {
		"retransmit-interval", "retransmit-count", "half-open-max",
		"half-open-timeout", "rate-limit", "dpd-interval", "dpd-retries",
		"nat-keepalive", "half-open-per-source", "unauthenticated-max",
		"unauthenticated-per-source", "exchanges-max", "message-ids-max",
		"connections-max", NULL
	};
	static const uint32_t lo[] = { 100, 1, 1, 5, 1, 0, 1, 0, 1, 1, 1, 2,
				       64, 1 };
	static const uint32_t hi[] = { 60000, 20, 100000, 600, 100000, 3600, 20,
				       3600, 100000, 100000, 100000, 256,
				       1000000, 64 };
	struct ike_timers *t = &ike->timers;
	uint32_t *slot[] = {
		&t->retransmit_ms, &t->retransmit_count, &t->half_open_max,
		&t->half_open_timeout, &t->rate_limit, &t->dpd_interval,
		&t->dpd_retries, &t->nat_keepalive, &t->half_open_per_source,
		&t->unauth_max, &t->unauth_per_source, &t->exchanges_max,
		&t->msgids_max, &t->conns_max,
	};

	if (cfg_nargs(n, 1, 1, err) < 0 || cfg_want_block(n, true, err) < 0)
		return -1;
	for (struct cfg_node *c = n->child; c; c = c->next) {
		int k = cfg_choice(c, 0, keys, err);

		if (k < 0 || cfg_nargs(c, 2, 2, err) < 0 ||
		    cfg_want_block(c, false, err) < 0 ||
		    cfg_u32(c, 1, lo[k], hi[k], slot[k], err) < 0)
			return -1;
	}
	return 0;
}

/* ---- peers (client role) ------------------------------------------------------------ */

/* Several words of a table into a list, e.g. "hash sha256 sha". */
static int word_list(const struct cfg_node *c, const struct word_map *map,
		     uint16_t *v1, uint16_t *v2, unsigned *n, unsigned max,
		     struct evs_err *err)
{
	if (c->argc < 2)
		return cfg_error(err, c, "'%s' needs at least one value", c->argv[0]);
	*n = 0;
	for (unsigned i = 1; i < c->argc; i++) {
		const struct word_map *m = word_find(map, c->argv[i]);

		if (!m)
			return word_error(err, c, c->argv[i], map);
		if (*n >= max)
			return cfg_error(err, c, "too many values");
		v1[*n] = m->v1;
		if (v2)
			v2[*n] = m->v2;
		(*n)++;
	}
	return 0;
}

struct peer_tmp {
	uint16_t encr[P1_CAP_MAX], encr_bits[P1_CAP_MAX];
	unsigned n_encr;
	uint16_t key_bits[3];
	unsigned n_key_bits;
	const struct cfg_node *sets_node;
	const struct cfg_node *lan6_node;	/* the first IPv6 local-network */
};

/* "local-network 192.168.1.0/24": one prefix per line, IPv4 or IPv6. */
static int net_line(const struct cfg_node *c, struct evs_prefix *nets,
		    unsigned *n, struct evs_err *err)
{
	struct sockaddr_storage ss;
	struct evs_prefix p = { 0 };
	char s[EVS_PREFIX_STRLEN];

	if (cfg_nargs(c, 2, 2, err) < 0 || cfg_addr(c, 1, &ss, &p.plen, err) < 0)
		return -1;
	p.family = (uint8_t)ss.ss_family;
	memcpy(p.addr, ss.ss_family == AF_INET6 ?
	       (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
	       (const void *)&((struct sockaddr_in *)&ss)->sin_addr,
	       evs_prefix_addr_len(&p));
	{
		struct evs_prefix net = p;

		evs_prefix_clear_host(&net);
		if (!evs_prefix_eq(&net, &p))
			return cfg_error(err, c, "'%s' has host bits set (the network is %s)",
					 c->argv[1], evs_prefix_str(&net, s, sizeof(s)));
	}
	for (unsigned i = 0; i < *n; i++)
		if (evs_prefix_eq(&nets[i], &p))
			return cfg_error(err, c, "'%s' given twice", c->argv[1]);
	if (*n >= IKE_PEER_MAX_NETS)
		return cfg_error(err, c, "more than %d '%s' lines", IKE_PEER_MAX_NETS,
				 c->argv[0]);
	nets[(*n)++] = p;
	return 0;
}

/* server A [port N]; more lines: the gateways to fail over to, in order */
static int peer_server(const struct cfg_node *c, struct ike_peer *p,
		      struct peer_tmp *t, struct evs_err *err)
{
	struct sockaddr_storage ss;
	uint32_t v;

	if (cfg_nargs(c, 2, 4, err) < 0 || cfg_addr(c, 1, &ss, NULL, err) < 0)
		return -1;
	v = 500;
	if (c->argc > 2 && (strcmp(c->argv[2], "port") || c->argc != 4))
		return cfg_error(err, c, "expected 'server ADDRESS [port N]'");
	if (c->argc == 4 && cfg_u32(c, 3, 1, 65535, &v, err) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)v);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)v);
	for (unsigned i = 0; i < p->n_servers; i++)
		if (!memcmp(&p->servers[i], &ss, sizeof(ss)))
			return cfg_error(err, c, "server %s given twice", c->argv[1]);
	if (p->n_servers >= IKE_PEER_MAX_SERVERS)
		return cfg_error(err, c, "more than %d 'server' lines", IKE_PEER_MAX_SERVERS);
	p->servers[p->n_servers++] = ss;
	if (p->n_servers == 1)
		p->server = ss;
	return 0;
}

/* return-to-primary never | after SECONDS */
static int peer_return(const struct cfg_node *c, struct ike_peer *p,
		       struct peer_tmp *t, struct evs_err *err)
{
	if (c->argc == 2 && !strcmp(c->argv[1], "never")) {
		p->return_after = 0;
		return 0;
	}
	if (c->argc != 3 || strcmp(c->argv[1], "after"))
		return cfg_error(err, c, "expected 'return-to-primary never | after SECONDS'");
	return cfg_u32(c, 2, 10, 7 * 86400, &p->return_after, err) < 0 ? -1 : 0;
}

static int peer_mode(const struct cfg_node *c, struct ike_peer *p,
		    struct peer_tmp *t, struct evs_err *err)
{
	static const char *const modes[] = { "main", "aggressive", NULL };
	int m;

	if (cfg_nargs(c, 2, 2, err) < 0 || (m = cfg_choice(c, 1, modes, err)) < 0)
		return -1;
	p->aggressive = m == 1;
	return 0;
}

static int peer_group_name(const struct cfg_node *c, struct ike_peer *p,
		          struct peer_tmp *t, struct evs_err *err)
{
	if (cfg_nargs(c, 2, 2, err) < 0)
		return -1;
	if (strlen(c->argv[1]) >= sizeof(p->group_name))
		return cfg_error(err, c, "group-name too long");
	strcpy(p->group_name, c->argv[1]);
	return 0;
}

static int peer_group_key(const struct cfg_node *c, struct ike_peer *p,
		         struct peer_tmp *t, struct evs_err *err)
{
	return cfg_nargs(c, 2, 2, err) < 0 ? -1 :
	       cfg_secret(c, 1, &p->group_key, err);
}

static int peer_authentication(const struct cfg_node *c, struct ike_peer *p,
		              struct peer_tmp *t, struct evs_err *err)
{
	return word_list(c, auth_words, p->caps.auth, NULL, &p->caps.n_auth,
			 P1_CAP_MAX, err);
}

static int peer_encryption(const struct cfg_node *c, struct ike_peer *p,
		          struct peer_tmp *t, struct evs_err *err)
{
	return word_list(c, p1_encr_words, t->encr, t->encr_bits, &t->n_encr,
			 P1_CAP_MAX, err);
}

static int peer_key_length(const struct cfg_node *c, struct ike_peer *p,
		          struct peer_tmp *t, struct evs_err *err)
{
	uint32_t v;

	if (cfg_nargs(c, 2, 4, err) < 0)
		return -1;
	for (unsigned i = 1; i < c->argc; i++) {
		if (cfg_u32(c, i, 128, 256, &v, err) < 0)
			return -1;
		if (v != 128 && v != 192 && v != 256)
			return cfg_error(err, c, "AES key length is 128, 192 or 256");
		t->key_bits[t->n_key_bits++] = (uint16_t)v;
	}
	return 0;
}

static int peer_hash(const struct cfg_node *c, struct ike_peer *p,
		    struct peer_tmp *t, struct evs_err *err)
{
	return word_list(c, p1_hash_words, p->caps.hash, NULL, &p->caps.n_hash,
			 P1_CAP_MAX, err);
}

static int peer_group(const struct cfg_node *c, struct ike_peer *p,
		     struct peer_tmp *t, struct evs_err *err)
{
	if (c->argc < 2 || c->argc > P1_CAP_MAX + 1)
		return cfg_error(err, c, "'group' needs 1 to %d groups", P1_CAP_MAX);
	for (unsigned i = 1; i < c->argc; i++)
		if (parse_group(c, c->argv[i], false,
				&p->caps.group[p->caps.n_group++], err) < 0)
			return -1;
	return 0;
}

static int peer_lifetime(const struct cfg_node *c, struct ike_peer *p,
		        struct peer_tmp *t, struct evs_err *err)
{
	uint32_t v;

	if (cfg_nargs(c, 2, 2, err) < 0 || cfg_u32(c, 1, 60, 86400 * 7, &v, err) < 0)
		return -1;
	p->caps.life_secs = v;
	return 0;
}

static int peer_transform_set(const struct cfg_node *c, struct ike_peer *p,
		             struct peer_tmp *t, struct evs_err *err)
{
	if (c->argc < 2 || c->argc > 9)
		return cfg_error(err, c, "'transform-set' needs 1 to 8 names");
	t->sets_node = c;
	return 0;
}

static int peer_pfs(const struct cfg_node *c, struct ike_peer *p,
		   struct peer_tmp *t, struct evs_err *err)
{
	return cfg_nargs(c, 2, 2, err) < 0 ? -1 :
	       parse_group(c, c->argv[1], true, &p->p2.pfs_group, err);
}

static int peer_sa_lifetime(const struct cfg_node *c, struct ike_peer *p,
		           struct peer_tmp *t, struct evs_err *err)
{
	return sa_lifetime(c, 1, &p->p2, err);
}

static int peer_identity(const struct cfg_node *c, struct ike_peer *p,
		        struct peer_tmp *t, struct evs_err *err)
{
	return load_identity(c, 1, &p->ident, p->ident_value,
			     sizeof(p->ident_value), true, err);
}

static int peer_xauth_username(const struct cfg_node *c, struct ike_peer *p,
		              struct peer_tmp *t, struct evs_err *err)
{
	if (cfg_nargs(c, 2, 2, err) < 0)
		return -1;
	if (strlen(c->argv[1]) >= sizeof(p->xauth_user))
		return cfg_error(err, c, "xauth-username too long");
	strcpy(p->xauth_user, c->argv[1]);
	return 0;
}

static int peer_server_name(const struct cfg_node *c, struct ike_peer *p,
			    struct peer_tmp *t, struct evs_err *err)
{
	if (cfg_nargs(c, 2, 2, err) < 0)
		return -1;
	if (strlen(c->argv[1]) >= sizeof(p->server_name))
		return cfg_error(err, c, "server-name too long");
	strcpy(p->server_name, c->argv[1]);
	return 0;
}

static int peer_xauth_password(const struct cfg_node *c, struct ike_peer *p,
		              struct peer_tmp *t, struct evs_err *err)
{
	return cfg_nargs(c, 2, 2, err) < 0 ? -1 :
	       cfg_secret(c, 1, &p->xauth_pass, err);
}

static int peer_local_network(const struct cfg_node *c, struct ike_peer *p,
		             struct peer_tmp *t, struct evs_err *err)
{
	if (net_line(c, p->local_nets, &p->n_local_nets, err) < 0)
		return -1;
	if (p->local_nets[p->n_local_nets - 1].family == AF_INET6 && !t->lan6_node)
		t->lan6_node = c;	/* client mode refuses it (peer_finish) */
	return 0;
}

static int peer_remote_network(const struct cfg_node *c, struct ike_peer *p,
		              struct peer_tmp *t, struct evs_err *err)
{
	return net_line(c, p->remote_nets, &p->n_remote_nets, err);
}

static int peer_ezvpn_mode(const struct cfg_node *c, struct ike_peer *p,
		          struct peer_tmp *t, struct evs_err *err)
{
	static const char *const ezvpn_modes[] = {
		"client", "network-extension", NULL
	};
	int m;

	if (cfg_nargs(c, 2, 2, err) < 0 ||
	    (m = cfg_choice(c, 1, ezvpn_modes, err)) < 0)
		return -1;
	p->ezvpn_mode = m ? IKE_EZVPN_NETWORK_EXTENSION : IKE_EZVPN_CLIENT;
	return 0;
}

static int peer_address_device(const struct cfg_node *c, struct ike_peer *p,
		              struct peer_tmp *t, struct evs_err *err)
{
	if (cfg_nargs(c, 2, 2, err) < 0)
		return -1;
	if (!c->argv[1][0] || strlen(c->argv[1]) >= sizeof(p->addr_device) ||
	    strchr(c->argv[1], '/'))
		return cfg_error(err, c, "'%s' is not an interface name",
				 c->argv[1]);
	strcpy(p->addr_device, c->argv[1]);
	return 0;
}

static int peer_connect(const struct cfg_node *c, struct ike_peer *p,
			struct peer_tmp *t, struct evs_err *err)
{
	static const char *const how[] = { "auto", "manual", NULL };
	int m;

	if (cfg_nargs(c, 2, 2, err) < 0 || (m = cfg_choice(c, 1, how, err)) < 0)
		return -1;
	p->connect_manual = m == 1;
	return 0;
}

/* "WORD on|off": *off says which. */
static int on_off(const struct cfg_node *c, bool *off, struct evs_err *err)
{
	static const char *const how[] = { "on", "off", NULL };
	int m;

	if (cfg_nargs(c, 2, 2, err) < 0 || (m = cfg_choice(c, 1, how, err)) < 0)
		return -1;
	*off = m == 1;
	return 0;
}

static int peer_firewall(const struct cfg_node *c, struct ike_peer *p,
			 struct peer_tmp *t, struct evs_err *err)
{
	return on_off(c, &p->firewall_off, err);
}

/* ipv6 on|off: ask mode config for IPv6 too (on) */
static int peer_ipv6(const struct cfg_node *c, struct ike_peer *p,
		     struct peer_tmp *t, struct evs_err *err)
{
	return on_off(c, &p->ipv6_off, err);
}

/* firewall-allow tcp|udp|icmp|any [PORT] [from NET/LEN], or
 * firewall-allow from NET/LEN */
static int peer_firewall_allow(const struct cfg_node *c, struct ike_peer *p,
			       struct peer_tmp *t, struct evs_err *err)
{
	static const char *const protos[] = { "any", "tcp", "udp", "icmp", NULL };
	static const uint8_t proto_nums[] = { 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	struct ike_fw_allow a = { 0 };
	unsigned i = 1;
	uint32_t v;
	int k;

	if (cfg_nargs(c, 2, 5, err) < 0)
		return -1;
	if (strcmp(c->argv[i], "from")) {
		if ((k = cfg_choice(c, i, protos, err)) < 0)
			return -1;
		a.proto = proto_nums[k];
		i++;
		if (i < c->argc && strcmp(c->argv[i], "from")) {
			if (a.proto != IPPROTO_TCP && a.proto != IPPROTO_UDP)
				return cfg_error(err, c, "a port needs tcp or udp");
			if (cfg_u32(c, i, 1, 65535, &v, err) < 0)
				return -1;
			a.port = (uint16_t)v;
			i++;
		}
	}
	if (i < c->argc) {
		struct sockaddr_storage ss;

		if (strcmp(c->argv[i], "from") || i + 2 != c->argc)
			return cfg_error(err, c, "expected 'firewall-allow tcp|udp|icmp|any "
					 "[PORT] [from NET/LEN]'");
		a.from.family = AF_INET;
		if (cfg_addr(c, i + 1, &ss, &a.from.plen, err) < 0)
			return -1;
		if (ss.ss_family != AF_INET)
			return cfg_error(err, c, "firewall-allow: only IPv4 networks");
		memcpy(a.from.addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		for (unsigned b = a.from.plen; b < 32; b++)	/* the network */
			a.from.addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	} else if (c->argc == 2 && !a.proto) {
		return cfg_error(err, c, "'firewall-allow any' would let everything in: "
				 "say 'firewall off' for that");
	}
	if (p->n_fw_allow >= IKE_PEER_MAX_FW_ALLOW)
		return cfg_error(err, c, "more than %d 'firewall-allow' lines",
				 IKE_PEER_MAX_FW_ALLOW);
	p->fw_allow[p->n_fw_allow++] = a;
	return 0;
}

/* A peer block's directives by keyword; repeatable ones may appear on
 * several lines (sa-lifetime for seconds and for kilobytes, networks one
 * per line). */
struct peer_directive {
	const char *name;
	int (*parse)(const struct cfg_node *c, struct ike_peer *p,
		     struct peer_tmp *t, struct evs_err *err);
	bool repeatable;
};

static const struct peer_directive peer_directives[] = {
	{ "server", peer_server, true },
	{ "mode", peer_mode, false },
	{ "group-name", peer_group_name, false },
	{ "group-key", peer_group_key, false },
	{ "authentication", peer_authentication, false },
	{ "encryption", peer_encryption, false },
	{ "key-length", peer_key_length, false },
	{ "hash", peer_hash, false },
	{ "group", peer_group, false },
	{ "lifetime", peer_lifetime, false },
	{ "transform-set", peer_transform_set, false },
	{ "pfs", peer_pfs, false },
	{ "sa-lifetime", peer_sa_lifetime, true },
	{ "identity", peer_identity, false },
	{ "server-name", peer_server_name, false },
	{ "xauth-username", peer_xauth_username, false },
	{ "xauth-password", peer_xauth_password, false },
	{ "local-network", peer_local_network, true },
	{ "remote-network", peer_remote_network, true },
	{ "ezvpn-mode", peer_ezvpn_mode, false },
	{ "address-device", peer_address_device, false },
	{ "connect", peer_connect, false },
	{ "firewall", peer_firewall, false },
	{ "firewall-allow", peer_firewall_allow, true },
	{ "return-to-primary", peer_return, false },
	{ "ipv6", peer_ipv6, false },
};

static int peer_child(struct cfg_node *c, struct ike_peer *p,
		      struct peer_tmp *t, unsigned *seen, struct evs_err *err)
{
	const size_t n = sizeof(peer_directives) / sizeof(peer_directives[0]);
	const char *names[sizeof(peer_directives) / sizeof(peer_directives[0]) + 1];
	const struct peer_directive *d;
	int k;

	for (size_t i = 0; i < n; i++)
		names[i] = peer_directives[i].name;
	names[n] = NULL;
	k = cfg_choice(c, 0, names, err);
	if (k < 0 || cfg_want_block(c, false, err) < 0)
		return -1;
	d = &peer_directives[k];
	if (!d->repeatable && (*seen & (1u << k)))
		return cfg_error(err, c, "'%s' given twice", d->name);
	*seen |= 1u << k;
	return d->parse(c, p, t, err);
}

/* Expand "aes" by the key lengths, fill defaults, check consistency. */
static int peer_finish(struct cfg_node *n, struct ike_peer *p,
		       struct peer_tmp *t, struct ike_config *ike,
		       struct evs_err *err)
{
	static const uint16_t def_bits[] = { 256, 128 };
	bool psk = false, rsa = false, hybrid = false;

	if (!p->server.ss_family)
		return cfg_error(err, n, "peer %s needs 'server ADDRESS'", p->name);
	if (!t->n_encr) {
		t->encr[0] = IKE_ENCR_AES_CBC;
		t->n_encr = 1;
	}
	for (unsigned i = 0; i < t->n_encr; i++) {
		bool plain_aes = t->encr[i] == IKE_ENCR_AES_CBC && !t->encr_bits[i];
		unsigned nb = plain_aes ? (t->n_key_bits ? t->n_key_bits : 2) : 1;

		for (unsigned b = 0; b < nb; b++) {
			if (p->caps.n_encr >= P1_CAP_MAX * 2)
				return cfg_error(err, n, "too many ciphers");
			p->caps.encr[p->caps.n_encr].encr = t->encr[i];
			p->caps.encr[p->caps.n_encr++].key_bits = plain_aes ?
				(t->n_key_bits ? t->key_bits[b] : def_bits[b]) :
				t->encr_bits[i];
		}
		if (t->encr[i] == IKE_ENCR_DES)
			warn_weak(n, "peer encryption des");
	}
	if (!p->caps.n_hash) {
		p->caps.hash[0] = IKE_HASH_SHA2_256;
		p->caps.hash[1] = IKE_HASH_SHA1;
		p->caps.n_hash = 2;
	}
	if (!p->caps.n_group) {
		p->caps.group[0] = DH_MODP_2048;
		p->caps.n_group = 1;
	}
	if (!p->caps.n_auth) {
		p->caps.auth[0] = IKE_AUTH_PSK;
		p->caps.n_auth = 1;
	}
	if (!p->caps.life_secs)
		p->caps.life_secs = 86400;
	for (unsigned i = 0; i < p->caps.n_hash; i++)
		if (ike_hash_weak(p->caps.hash[i]))
			warn_weak(n, "peer hash md5");
	for (unsigned i = 0; i < p->caps.n_group; i++)
		if (dh_group_weak(p->caps.group[i]))
			warn_weak(n, "peer DH group 2/5");
	for (unsigned i = 0; i < p->caps.n_auth; i++) {
		psk |= p1_auth_base(p->caps.auth[i]) == IKE_AUTH_PSK;
		rsa |= p1_auth_base(p->caps.auth[i]) == IKE_AUTH_RSA_SIG;
		hybrid |= p1_auth_is_hybrid(p->caps.auth[i]);
	}
	if (hybrid && !ike->certs)
		return cfg_error(err, n, "peer %s: hybrid needs a pki block with the "
				 "'ca' that signed the gateway's certificate", p->name);
	if (hybrid && !p->xauth_user[0])
		return cfg_error(err, n, "peer %s: hybrid needs 'xauth-username' (the user "
				 "is what proves the client)", p->name);

	if (psk && !p->group_key)
		return cfg_error(err, n, "peer %s: pre-shared key authentication needs 'group-key'",
				 p->name);
	if (rsa && (!ike->certs || !ike->cert_file))
		return cfg_error(err, n, "peer %s: rsa-sig needs a pki block with "
				 "certificate and private-key", p->name);
	if (p->aggressive && psk && !p->group_name[0])
		return cfg_error(err, n, "peer %s: aggressive mode with a pre-shared key "
				 "needs 'group-name' (sent as the KEY_ID identity)", p->name);
	if (p->aggressive && psk && p->ident == IKE_IDENT_ADDRESS &&
	    !p->ident_value[0]) {
		p->ident = IKE_IDENT_KEY_ID;
		strcpy(p->ident_value, p->group_name);
	}
	/* a user name alone: the password is typed (evsadm client xauth) */
	if (p->xauth_pass && !p->xauth_user[0])
		return cfg_error(err, n, "peer %s: xauth-password needs xauth-username",
				 p->name);
	if (p->ezvpn_mode == IKE_EZVPN_NETWORK_EXTENSION && !p->n_local_nets)
		return cfg_error(err, n, "peer %s: network-extension mode needs at least "
				 "one 'local-network' (the networks to tunnel)", p->name);
	/* Client mode hides the LAN behind the assigned address (PAT); IPv6
	 * has no PAT, and NAT66 of a whole LAN is not what anyone wants. */
	if (p->ezvpn_mode == IKE_EZVPN_CLIENT && t->lan6_node)
		return cfg_error(err, t->lan6_node, "peer %s: an IPv6 local-network needs "
				 "'ezvpn-mode network-extension' (client mode hides the "
				 "LAN behind the assigned address; IPv6 has no PAT)", p->name);
	if (t->sets_node) {
		for (unsigned i = 1; i < t->sets_node->argc; i++) {
			const struct p2_set *s = ike_config_set(ike, t->sets_node->argv[i]);

			if (!s)
				return cfg_error(err, t->sets_node, "no transform-set named '%s'",
						 t->sets_node->argv[i]);
			p->set_idx[p->n_sets++] = (size_t)(s - ike->sets);
		}
	} else {
		for (size_t i = 0; i < ike->n_sets && i < 8; i++)
			p->set_idx[p->n_sets++] = i;
	}
	if (!p->p2.life_secs)
		p->p2.life_secs = ike->p2.life_secs;
	return 0;
}

static int load_peer(struct cfg_node *n, struct ike_config *ike,
		     struct evs_err *err)
{
	struct peer_tmp t;
	struct ike_peer *p;
	unsigned seen = 0;

	if (cfg_nargs(n, 2, 2, err) < 0 || cfg_want_block(n, true, err) < 0)
		return -1;
	if (strlen(n->argv[1]) >= sizeof(p->name))
		return cfg_error(err, n, "peer name too long");
	for (size_t i = 0; i < ike->n_peers; i++)
		if (!strcmp(ike->peers[i].name, n->argv[1]))
			return cfg_error(err, n, "peer %s defined twice", n->argv[1]);
	if (ike->n_peers >= MAX_PEERS)
		return cfg_error(err, n, "more than %d peers", MAX_PEERS);
	p = &ike->peers[ike->n_peers++];
	memset(p, 0, sizeof(*p));
	memset(&t, 0, sizeof(t));
	strcpy(p->name, n->argv[1]);
	p->file = n->file;
	p->line = n->line;
	for (struct cfg_node *c = n->child; c; c = c->next)
		if (peer_child(c, p, &t, &seen, err) < 0)
			return -1;
	return peer_finish(n, p, &t, ike, err);
}

/* ---- globals ---------------------------------------------------------------------- */

static int load_global(struct cfg_node *n, struct ike_config *ike,
		       struct evs_err *err)
{
	uint32_t a, b;
	int lvl;

	/* Block directives of other sections (aaa, group, ...) are not ours. */
	if (!cfg_is(n, "log-level", NULL) && !cfg_is(n, "device", NULL) &&
	    !cfg_is(n, "listen", NULL) && !cfg_is(n, "ports", NULL))
		return 1;
	if (cfg_want_block(n, false, err) < 0)
		return -1;
	if (cfg_is(n, "log-level", NULL)) {
		if (cfg_nargs(n, 2, 2, err) < 0)
			return -1;
		lvl = evsd_log_level_parse(n->argv[1]);
		if (lvl < 0)
			return cfg_error(err, n, "log-level: '%s' is not one of: err, warn, "
					 "notice, info, debug", n->argv[1]);
		ike->log_level = lvl;
		return 0;
	}
	if (cfg_is(n, "device", NULL)) {
		if (cfg_nargs(n, 2, 2, err) < 0)
			return -1;
		if (strlen(n->argv[1]) >= IFNAMSIZ || !n->argv[1][0] ||
		    strchr(n->argv[1], '/'))
			return cfg_error(err, n, "device: '%s' is not an interface name",
					 n->argv[1]);
		strcpy(ike->device, n->argv[1]);
		return 0;
	}
	if (cfg_is(n, "listen", NULL)) {
		if (cfg_nargs(n, 2, 2, err) < 0)
			return -1;
		if (ike->n_listen >= 8)
			return cfg_error(err, n, "more than 8 listen addresses");
		if (cfg_addr(n, 1, &ike->listen[ike->n_listen], NULL, err) < 0)
			return -1;
		for (unsigned i = 0; i < ike->n_listen; i++)
			if (!memcmp(&ike->listen[i], &ike->listen[ike->n_listen],
				    sizeof(ike->listen[i])))
				return cfg_error(err, n, "listen %s given twice", n->argv[1]);
		ike->n_listen++;
		return 0;
	}
	if (cfg_is(n, "ports", NULL)) {
		if (cfg_nargs(n, 3, 3, err) < 0 || cfg_u32(n, 1, 1, 65535, &a, err) < 0 ||
		    cfg_u32(n, 2, 1, 65535, &b, err) < 0)
			return -1;
		if (a == b)
			return cfg_error(err, n, "ports: IKE and NAT-T ports must differ");
		ike->port = (uint16_t)a;
		ike->natt_port = (uint16_t)b;
		return 0;
	}
	return 1;	/* not ours */
}

/* ---- entry points -------------------------------------------------------------------- */

static void defaults(struct ike_config *ike)
{
	memset(ike, 0, sizeof(*ike));
	ike->log_level = EVSD_LOG_INFO;
	strcpy(ike->device, "evs0");
	ike->port = 500;
	ike->natt_port = 4500;
	ike->p2.life_secs = 3600;
	ike->p2.life_kb = 4608000;
	/* half-open-max and unauthenticated-max fit a restart's reconnect
	 * storm of 2,000 clients: below that the storm evicts and refuses
	 * real clients, each of which then waits out a 63 s retransmission
	 * cycle (performance.md, "Reconnect storm"); still bounded, a few
	 * KiB each. */
	ike->timers = (struct ike_timers){
		.retransmit_ms = 1000, .retransmit_count = 5,
		.half_open_max = 2048, .half_open_timeout = 60,
		.rate_limit = 20, .dpd_interval = 10, .dpd_retries = 3,
		.nat_keepalive = 20, .half_open_per_source = 16,
		.unauth_max = 2048, .unauth_per_source = 32,
		.exchanges_max = 16, .msgids_max = 16384, .conns_max = 16,
	};
}

static int default_set(struct ike_config *ike)
{
	struct p2_set *s = &ike->sets[0];

	/* AES-GCM for the peers that have it (strongSwan, Cisco), then what
	 * vpnc, Android and iOS offer, strongest first. */
	memset(s, 0, sizeof(*s));
	strcpy(s->name, "default");
	s->esp[0].esp_id = ESP_AES_GCM_16;
	s->esp[0].key_bits = 256;
	s->esp[1].esp_id = ESP_AES_GCM_16;
	s->esp[1].key_bits = 128;
	s->esp[2].esp_id = ESP_AES_CBC;
	s->esp[2].key_bits = 256;
	s->esp[3].esp_id = ESP_AES_CBC;
	s->esp[3].key_bits = 128;
	s->esp[4].esp_id = ESP_3DES;
	s->n_esp = 5;
	s->auth[0] = IPSEC_AUTH_HMAC_SHA2_256;
	s->auth[1] = IPSEC_AUTH_HMAC_SHA1;
	s->n_auth = 2;
	ike->n_sets = 1;
	return 0;
}

int ike_config_load(struct cfg_node *root, struct ike_config *ike,
		    struct evs_err *err)
{
	const struct cfg_node *pol_node[MAX_POLICIES + 1];

	defaults(ike);
	ike->policies = calloc(MAX_POLICIES, sizeof(*ike->policies));
	ike->sets = calloc(MAX_SETS, sizeof(*ike->sets));
	ike->psks = calloc(MAX_PSKS, sizeof(*ike->psks));
	ike->peers = calloc(MAX_PEERS, sizeof(*ike->peers));
	if (!ike->policies || !ike->sets || !ike->psks || !ike->peers) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", root->file);
		goto fail;
	}
	/* Pass 1: everything but peers (which name transform sets and pki). */
	for (struct cfg_node *n = root->child; n; n = n->next) {
		int r = 0;

		if (cfg_is(n, "crypto", "isakmp", "policy", NULL))
			pol_node[ike->n_policies] = n;
		if (cfg_is(n, "crypto", "isakmp", NULL))
			r = load_crypto_isakmp(n, ike, err);
		else if (cfg_is(n, "crypto", "ipsec", NULL))
			r = load_crypto_ipsec(n, ike, err);
		else if (cfg_is(n, "pki", NULL))
			r = load_pki(n, ike, err);
		else if (cfg_is(n, "timers", NULL))
			r = load_timers(n, ike, err);
		else if (cfg_is(n, "peer", NULL))
			continue;
		else
			r = load_global(n, ike, err);
		if (r < 0)
			goto fail;
		if (r == 0)
			n->used = true;	/* r > 0: not an IKE directive */
	}
	if (!ike->n_sets)
		default_set(ike);
	for (struct cfg_node *n = root->child; n; n = n->next) {
		if (!cfg_is(n, "peer", NULL))
			continue;
		if (load_peer(n, ike, err) < 0)
			goto fail;
		n->used = true;
	}
	/* pki may come after the policies in the file: check them now. */
	for (size_t i = 0; i < ike->n_policies; i++)
		if ((ike->policies[i].auth == IKE_AUTH_RSA_SIG ||
		     ike->policies[i].auth == IKE_AUTH_HYBRID_INIT_RSA) &&
		    (!ike->certs || !ike->cert_file)) {
			cfg_error(err, pol_node[i], "policy %u uses %s but there "
				  "is no pki block with certificate and private-key",
				  ike->policies[i].number,
				  ike->policies[i].auth == IKE_AUTH_RSA_SIG ? "rsa-sig" : "hybrid");
			goto fail;
		}
	qsort(ike->policies, ike->n_policies, sizeof(*ike->policies), policy_cmp);
	return 0;
fail:
	ike_config_free(ike);
	return -1;
}

void ike_config_free(struct ike_config *ike)
{
	for (size_t i = 0; ike->psks && i < ike->n_psks; i++)
		secret_free(ike->psks[i].key);
	for (size_t i = 0; ike->peers && i < ike->n_peers; i++) {
		secret_free(ike->peers[i].group_key);
		secret_free(ike->peers[i].xauth_pass);
	}
	free(ike->policies);
	free(ike->sets);
	free(ike->psks);
	free(ike->peers);
	free(ike->ca_file);
	free(ike->cert_file);
	free(ike->crl_file);
	free(ike->key_file);
	cert_store_free(ike->certs);
	memset(ike, 0, sizeof(*ike));
}

static bool prefix_match(const struct sockaddr_storage *net, uint8_t plen,
			 const struct sockaddr *a)
{
	const uint8_t *x, *y;
	unsigned bytes, bits;

	if (net->ss_family != a->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		x = (const uint8_t *)&((const struct sockaddr_in *)net)->sin_addr;
		y = (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr;
	} else if (a->sa_family == AF_INET6) {
		x = (const uint8_t *)&((const struct sockaddr_in6 *)net)->sin6_addr;
		y = (const uint8_t *)&((const struct sockaddr_in6 *)a)->sin6_addr;
	} else {
		return false;
	}
	bytes = plen / 8;
	bits = plen % 8;
	if (memcmp(x, y, bytes))
		return false;
	return !bits || ((x[bytes] ^ y[bytes]) & (0xff << (8 - bits))) == 0;
}

const struct ike_psk *ike_config_psk_entry(const struct ike_config *ike,
					   const struct sockaddr *peer)
{
	const struct ike_psk *best = NULL;

	for (size_t i = 0; i < ike->n_psks; i++)
		if (prefix_match(&ike->psks[i].addr, ike->psks[i].plen, peer) &&
		    (!best || ike->psks[i].plen > best->plen))
			best = &ike->psks[i];
	return best;
}

const struct secret *ike_config_psk(const struct ike_config *ike,
				    const struct sockaddr *peer)
{
	const struct ike_psk *best = ike_config_psk_entry(ike, peer);

	return best ? best->key : NULL;
}

const struct p2_set *ike_config_set(const struct ike_config *ike,
				    const char *name)
{
	for (size_t i = 0; i < ike->n_sets; i++)
		if (!strcmp(ike->sets[i].name, name))
			return &ike->sets[i];
	return NULL;
}
