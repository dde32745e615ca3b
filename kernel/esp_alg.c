// SPDX-License-Identifier: GPL-2.0
/*
 * ESP algorithms: which names we accept, their key and ICV sizes, and how
 * an SA's crypto state (one AEAD transform) is built from them.  The names
 * are the kernel crypto API names `ip xfrm` uses, so an operator can copy a
 * state between the two.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/rtnetlink.h>
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <net/netlink.h>
#include "esp.h"
#include "replay.h"

enum evs_alg_kind { EVS_ALG_AEAD, EVS_ALG_ENC, EVS_ALG_AUTH };

struct evs_alg {
	const char *name;	/* kernel crypto API name, as ip xfrm uses */
	const char *alias;	/* also accepted on input */
	u8 kind;		/* enum evs_alg_kind */
	bool weak;		/* needs EVS_SA_F_ALLOW_WEAK */
	bool null;		/* no protection at all: benchmarks */
	const char *geniv;	/* IV generator template, NULL: no IV */
	u16 key_bits[3];	/* allowed key sizes (AEAD: without salt) */
	u8 n_key;
	u8 salt;		/* AEAD: salt bytes after the key */
	u16 icv_bits[3];	/* AEAD: allowed ICV sizes */
	u8 n_icv;
	u16 full_bits;		/* AUTH: HMAC output size */
	u16 trunc_bits;		/* AUTH: the RFC's truncation */
	u8 block;		/* ENC/AEAD: payload alignment in bytes */
	/* extack strings must be static on 6.1: one per algorithm. */
	const char *key_msg;
	const char *size_msg;	/* ICV (AEAD) or truncation (AUTH) */
};

static const struct evs_alg evs_algs[] = {
	{ .name = "rfc4106(gcm(aes))", .kind = EVS_ALG_AEAD, .geniv = "seqiv",
	  .key_bits = { 128, 192, 256 }, .n_key = 3, .salt = 4,
	  .icv_bits = { 64, 96, 128 }, .n_icv = 3, .block = 4,
	  .key_msg = "rfc4106(gcm(aes)) needs a 16, 24 or 32-byte key followed by a 4-byte salt",
	  .size_msg = "rfc4106(gcm(aes)) takes an ICV of 64, 96 or 128 bits" },
	{ .name = "rfc7539esp(chacha20,poly1305)", .kind = EVS_ALG_AEAD,
	  .geniv = "seqiv", .key_bits = { 256 }, .n_key = 1, .salt = 4,
	  .icv_bits = { 128 }, .n_icv = 1, .block = 4,
	  .key_msg = "rfc7539esp(chacha20,poly1305) needs a 32-byte key followed by a 4-byte salt",
	  .size_msg = "rfc7539esp(chacha20,poly1305) takes an ICV of 128 bits" },
	{ .name = "cbc(aes)", .alias = "aes", .kind = EVS_ALG_ENC,
	  .geniv = "echainiv", .key_bits = { 128, 192, 256 }, .n_key = 3,
	  .block = 16,
	  .key_msg = "cbc(aes) needs a 16, 24 or 32-byte key" },
	{ .name = "cbc(des3_ede)", .alias = "des3_ede", .kind = EVS_ALG_ENC,
	  .weak = true, .geniv = "echainiv", .key_bits = { 192 }, .n_key = 1,
	  .block = 8,
	  .key_msg = "cbc(des3_ede) needs a 24-byte key" },
	{ .name = "cbc(des)", .alias = "des", .kind = EVS_ALG_ENC,
	  .weak = true, .geniv = "echainiv", .key_bits = { 64 }, .n_key = 1,
	  .block = 8,
	  .key_msg = "cbc(des) needs an 8-byte key" },
	{ .name = "ecb(cipher_null)", .alias = "cipher_null",
	  .kind = EVS_ALG_ENC, .null = true, .key_bits = { 0 }, .n_key = 1,
	  .block = 4,
	  .key_msg = "ecb(cipher_null) takes no key" },
	{ .name = "hmac(sha1)", .alias = "sha1", .kind = EVS_ALG_AUTH,
	  .key_bits = { 160 }, .n_key = 1, .full_bits = 160,
	  .trunc_bits = 96,
	  .key_msg = "hmac(sha1) needs a 20-byte key",
	  .size_msg =
		"hmac(sha1) truncation must be 96 to 160 bits in steps of 8 (RFC 2404: 96)" },
	{ .name = "hmac(md5)", .alias = "md5", .kind = EVS_ALG_AUTH,
	  .weak = true, .key_bits = { 128 }, .n_key = 1, .full_bits = 128,
	  .trunc_bits = 96,
	  .key_msg = "hmac(md5) needs a 16-byte key",
	  .size_msg =
		"hmac(md5) truncation must be 96 to 128 bits in steps of 8 (RFC 2403: 96)" },
	{ .name = "hmac(sha256)", .alias = "sha256", .kind = EVS_ALG_AUTH,
	  .key_bits = { 256 }, .n_key = 1, .full_bits = 256,
	  .trunc_bits = 128,
	  .key_msg = "hmac(sha256) needs a 32-byte key",
	  .size_msg =
		"hmac(sha256) truncation must be 96 to 256 bits in steps of 8 (RFC 4868: 128)" },
	{ .name = "hmac(sha384)", .alias = "sha384", .kind = EVS_ALG_AUTH,
	  .key_bits = { 384 }, .n_key = 1, .full_bits = 384,
	  .trunc_bits = 192,
	  .key_msg = "hmac(sha384) needs a 48-byte key",
	  .size_msg =
		"hmac(sha384) truncation must be 96 to 384 bits in steps of 8 (RFC 4868: 192)" },
	{ .name = "hmac(sha512)", .alias = "sha512", .kind = EVS_ALG_AUTH,
	  .key_bits = { 512 }, .n_key = 1, .full_bits = 512,
	  .trunc_bits = 256,
	  .key_msg = "hmac(sha512) needs a 64-byte key",
	  .size_msg =
		"hmac(sha512) truncation must be 96 to 512 bits in steps of 8 (RFC 4868: 256)" },
	{ .name = "digest_null", .kind = EVS_ALG_AUTH, .null = true,
	  .key_bits = { 0 }, .n_key = 1,
	  .key_msg = "digest_null takes no key",
	  .size_msg = "digest_null has no ICV to truncate" },
};

/* Table strings are static, so they can be extack messages as they are. */
static void evs_alg_msg(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

static const struct evs_alg *evs_alg_find(const char *name, u8 kind,
					  struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(evs_algs); i++) {
		const struct evs_alg *a = &evs_algs[i];

		if (a->kind != kind)
			continue;
		if (!strcmp(name, a->name) || (a->alias && !strcmp(name, a->alias)))
			return a;
	}
	if (kind == EVS_ALG_AEAD)
		NL_SET_ERR_MSG_MOD(extack,
				   "unknown AEAD algorithm (rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305))");
	else if (kind == EVS_ALG_ENC)
		NL_SET_ERR_MSG_MOD(extack,
				   "unknown encryption algorithm (cbc(aes), cbc(des3_ede), cbc(des), ecb(cipher_null))");
	else
		NL_SET_ERR_MSG_MOD(extack,
				   "unknown authentication algorithm (hmac(sha1|md5|sha256|sha384|sha512), digest_null)");
	return NULL;
}

static bool evs_alg_key_ok(const struct evs_alg *a, unsigned int keylen,
			   struct netlink_ext_ack *extack)
{
	unsigned int i;

	if (keylen >= a->salt) {
		for (i = 0; i < a->n_key; i++)
			if ((keylen - a->salt) * 8 == a->key_bits[i])
				return true;
	}
	evs_alg_msg(extack, a->key_msg);
	return false;
}

static bool evs_alg_allowed(const struct evs_alg *a, u32 flags,
			    struct netlink_ext_ack *extack)
{
	if (a->weak && !(flags & EVS_SA_F_ALLOW_WEAK)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "DES, 3DES and MD5 are weak and refused unless the SA allows weak algorithms (allow-weak)");
		return false;
	}
	return true;
}

/* Build "geniv(authenc[esn](auth,enc))" or "geniv(aead)". */
static int evs_alg_tfm_name(char *buf, const struct evs_alg *aead,
			    const struct evs_alg *enc,
			    const struct evs_alg *auth, bool esn)
{
	const struct evs_alg *outer = aead ?: enc;
	char inner[CRYPTO_MAX_ALG_NAME];
	int n;

	if (aead)
		n = snprintf(inner, sizeof(inner), "%s", aead->name);
	else
		n = snprintf(inner, sizeof(inner), "%s(%s,%s)",
			     esn ? "authencesn" : "authenc", auth->name,
			     enc->name);
	if (n >= sizeof(inner))
		return -ENAMETOOLONG;
	if (outer->geniv)
		n = snprintf(buf, CRYPTO_MAX_ALG_NAME, "%s(%s)", outer->geniv,
			     inner);
	else
		n = snprintf(buf, CRYPTO_MAX_ALG_NAME, "%s", inner);
	return n >= CRYPTO_MAX_ALG_NAME ? -ENAMETOOLONG : 0;
}

/* authenc keys travel as one blob: an rtattr saying how long the cipher
 * key is, then the authentication key, then the cipher key.
 */
static int evs_alg_setkey_authenc(struct crypto_aead *tfm,
				  const struct evs_sa_crypto *c)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + c->auth_keylen + c->enc_keylen;
	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(c->enc_keylen);
	p = blob + RTA_SPACE(sizeof(*param));
	if (c->auth_keylen)
		memcpy(p, c->auth_key, c->auth_keylen);
	if (c->enc_keylen)
		memcpy(p + c->auth_keylen, c->enc_key, c->enc_keylen);
	err = crypto_aead_setkey(tfm, blob, len);
	kfree_sensitive(blob);
	return err;
}

static int evs_alg_check_aead(struct evs_esp *esp, const struct evs_sa_crypto *c,
			      u32 flags, struct netlink_ext_ack *extack)
{
	const struct evs_alg *a;
	unsigned int i;

	if (c->enc_name || c->auth_name) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an AEAD algorithm cannot be combined with separate encryption or authentication");
		return -EINVAL;
	}
	a = evs_alg_find(c->aead_name, EVS_ALG_AEAD, extack);
	if (!a)
		return -ENOENT;
	if (!evs_alg_allowed(a, flags, extack) ||
	    !evs_alg_key_ok(a, c->aead_keylen, extack))
		return -EINVAL;
	for (i = 0; i < a->n_icv; i++)
		if (c->icv_bits == a->icv_bits[i])
			break;
	if (i == a->n_icv) {
		evs_alg_msg(extack, a->size_msg);
		return -EINVAL;
	}
	esp->aead_alg = a;
	esp->icvlen = c->icv_bits / 8;
	esp->key_bits = (c->aead_keylen - a->salt) * 8;
	esp->blksize = a->block;
	return 0;
}

static int evs_alg_check_pair(struct evs_esp *esp, const struct evs_sa_crypto *c,
			      u32 flags, struct netlink_ext_ack *extack)
{
	const struct evs_alg *e, *a;
	u32 trunc;

	if (!c->enc_name || !c->auth_name) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an SA needs an AEAD algorithm, or both an encryption and an authentication algorithm");
		return -EINVAL;
	}
	e = evs_alg_find(c->enc_name, EVS_ALG_ENC, extack);
	if (!e)
		return -ENOENT;
	a = evs_alg_find(c->auth_name, EVS_ALG_AUTH, extack);
	if (!a)
		return -ENOENT;
	if (!evs_alg_allowed(e, flags, extack) ||
	    !evs_alg_allowed(a, flags, extack) ||
	    !evs_alg_key_ok(e, c->enc_keylen, extack) ||
	    !evs_alg_key_ok(a, c->auth_keylen, extack))
		return -EINVAL;
	if (a->null && !e->null) {
		/* Confidentiality without integrity is open to cut-and-paste
		 * attacks (RFC 4303 section 3.2.2): never offer it.
		 */
		NL_SET_ERR_MSG_MOD(extack,
				   "encryption without authentication is refused; digest_null only goes with ecb(cipher_null)");
		return -EINVAL;
	}
	trunc = c->trunc_bits ?: a->trunc_bits;
	if (!a->null && (trunc % 8 || trunc < 96 || trunc > a->full_bits)) {
		evs_alg_msg(extack, a->size_msg);
		return -EINVAL;
	}
	if (a->null && c->trunc_bits) {
		NL_SET_ERR_MSG_MOD(extack, "digest_null has no ICV to truncate");
		return -EINVAL;
	}
	esp->enc_alg = e;
	esp->auth_alg = a;
	esp->icvlen = a->null ? 0 : trunc / 8;
	esp->key_bits = c->enc_keylen * 8;
	esp->auth_key_bits = c->auth_keylen * 8;
	esp->blksize = e->block;
	esp->null = e->null && a->null;
	return 0;
}

static int evs_esp_alloc_tfm(struct evs_esp *esp, const struct evs_sa_crypto *c,
			     struct netlink_ext_ack *extack)
{
	char name[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *tfm;
	int err;

	err = evs_alg_tfm_name(name, esp->aead_alg, esp->enc_alg,
			       esp->auth_alg, esp->esn);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "algorithm name is too long");
		return err;
	}
	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm)) {
		pr_info("evs: crypto_alloc_aead(%s): %ld\n", name, PTR_ERR(tfm));
		NL_SET_ERR_MSG_MOD(extack,
				   "the kernel crypto API cannot provide this algorithm (crypto module missing?)");
		return PTR_ERR(tfm);
	}
	esp->aead = tfm;
	if (esp->aead_alg)
		err = crypto_aead_setkey(tfm, c->aead_key, c->aead_keylen);
	else
		err = evs_alg_setkey_authenc(tfm, c);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the cipher refused the key");
		return err;
	}
	err = crypto_aead_setauthsize(tfm, esp->icvlen);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the cipher refused the ICV length");
		return err;
	}
	esp->ivlen = crypto_aead_ivsize(tfm);
	if (esp->ivlen > EVS_ESP_MAX_IV ||
	    ALIGN(crypto_aead_blocksize(tfm), 4) > EVS_ESP_MAX_BLOCK) {
		NL_SET_ERR_MSG_MOD(extack, "unexpected IV or block size");
		return -EINVAL;
	}
	esp->blksize = max_t(unsigned int, esp->blksize,
			     ALIGN(crypto_aead_blocksize(tfm), 4));
	return 0;
}

static void evs_esp_free_state(struct evs_esp *esp)
{
	if (!esp)
		return;
	/* crypto_free_aead zeroes the transform's key schedule. */
	if (!IS_ERR_OR_NULL(esp->aead))
		crypto_free_aead(esp->aead);
	dst_cache_destroy(&esp->dst_cache);
	kfree_sensitive(esp);
}

int evs_esp_init(struct evs_sa *sa, const struct evs_sa_crypto *c,
		 struct netlink_ext_ack *extack)
{
	struct evs_replay *replay = NULL;
	struct evs_esp *esp;
	int err;

	esp = kzalloc(sizeof(*esp), GFP_KERNEL);
	if (!esp)
		return -ENOMEM;
	/* Only outbound SAs route (evs_esp_xmit); the per-CPU cache is a
	 * per-CPU allocation, a large share of a bulk install's cost.
	 */
	if (sa->dir == EVS_DIR_OUT) {
		err = dst_cache_init(&esp->dst_cache, GFP_KERNEL);
		if (err) {
			kfree(esp);
			return err;
		}
	}
	esp->esn = sa->flags & EVS_SA_F_ESN;
	if (c->aead_name)
		err = evs_alg_check_aead(esp, c, sa->flags, extack);
	else
		err = evs_alg_check_pair(esp, c, sa->flags, extack);
	if (err)
		goto fail;
	if (esp->enc_alg && esp->enc_alg->null)
		pr_warn_once("evs: SA with null encryption: for benchmarks only\n");
	/* Null protection never reaches the crypto API (evs_esp_xmit_one,
	 * evs_esp_input): its transform would only cost time and memory.
	 */
	if (!esp->null) {
		err = evs_esp_alloc_tfm(esp, c, extack);
		if (err)
			goto fail;
	}
	if (sa->dir == EVS_DIR_IN) {
		if (sa->replay_window > EVS_REPLAY_MAX_WINDOW) {
			NL_SET_ERR_MSG_MOD(extack,
					   "replay window too large (0..4096 packets)");
			err = -EINVAL;
			goto fail;
		}
		replay = evs_replay_alloc(sa->replay_window, esp->esn,
					  GFP_KERNEL);
		if (IS_ERR(replay)) {
			err = PTR_ERR(replay);
			goto fail;
		}
	}
	sa->esp = esp;
	sa->replay = replay;
	return 0;
fail:
	evs_esp_free_state(esp);
	return err;
}

void evs_esp_free(struct evs_sa *sa)
{
	evs_esp_free_state(sa->esp);
	sa->esp = NULL;
	evs_replay_free(sa->replay);
	sa->replay = NULL;
}

int evs_esp_fill(struct sk_buff *msg, const struct evs_sa *sa)
{
	const struct evs_esp *esp = sa->esp;

	if (!esp)
		return 0;
	if (esp->aead_alg) {
		if (nla_put_string(msg, EVS_SA_A_AEAD_NAME, esp->aead_alg->name) ||
		    nla_put_u32(msg, EVS_SA_A_AEAD_ICV_BITS, esp->icvlen * 8))
			return -EMSGSIZE;
	} else {
		if (nla_put_string(msg, EVS_SA_A_ENC_NAME, esp->enc_alg->name) ||
		    nla_put_string(msg, EVS_SA_A_AUTH_NAME, esp->auth_alg->name) ||
		    nla_put_u32(msg, EVS_SA_A_AUTH_TRUNC_BITS, esp->icvlen * 8) ||
		    nla_put_u32(msg, EVS_SA_A_AUTH_KEY_BITS, esp->auth_key_bits))
			return -EMSGSIZE;
	}
	if (nla_put_u32(msg, EVS_SA_A_KEY_BITS, esp->key_bits))
		return -EMSGSIZE;
	return 0;
}
