// SPDX-License-Identifier: MIT
/* Proposal generation (client) and priority matching (server). */
#include <string.h>

#include "ike/engine/ike_config.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "lib/daemon_log.h"
#include "ike/proposal.h"
#include "tests/unit/unit.h"

static char logbuf[8192];

static void hook(enum evsd_log_level lvl, const char *msg, void *arg)
{
	size_t o = strlen(logbuf);

	(void)arg;
	snprintf(logbuf + o, sizeof(logbuf) - o, "%d|%s\n", (int)lvl, msg);
}

static void capture(enum evsd_log_level level)
{
	logbuf[0] = '\0';
	evsd_log_set_quiet(true);
	evsd_log_set_hook(hook, NULL);
	evsd_log_set_level(level);
}

static void names(const struct p1_xform *x, int n, char out[][64])
{
	for (int i = 0; i < n; i++)
		snprintf(out[i], 64, "%s-%s", ike_cipher_name(x[i].encr, x[i].key_bits),
			 ike_hash_name(x[i].hash));
}

/* The seed's example, with the capabilities listed weakest first to show
 * the ordering is ours, not the configuration's. */
UNIT_TEST(seed_permutation_example)
{
	struct p1_caps caps = {
		.n_encr = 2, .encr = { { IKE_ENCR_DES, 0 }, { IKE_ENCR_3DES, 0 } },
		.n_hash = 2, .hash = { IKE_HASH_MD5, IKE_HASH_SHA1 },
		.n_group = 1, .group = { DH_MODP_1024 },
		.n_auth = 1, .auth = { IKE_AUTH_RSA_SIG },
		.life_secs = 86400,
	};
	struct p1_xform x[16];
	char n[16][64];
	int cnt = p1_permute(&caps, false, x, 16);

	UNIT_ASSERT_EQ_INT(cnt, 4);
	names(x, cnt, n);
	UNIT_ASSERT_EQ_STR(n[0], "3des-sha1");
	UNIT_ASSERT_EQ_STR(n[1], "3des-md5");
	UNIT_ASSERT_EQ_STR(n[2], "des-sha1");
	UNIT_ASSERT_EQ_STR(n[3], "des-md5");
	for (int i = 0; i < cnt; i++) {
		UNIT_ASSERT_EQ_INT(x[i].num, i + 1);
		UNIT_ASSERT_EQ_INT(x[i].group, 2);
		UNIT_ASSERT_EQ_INT(x[i].auth, IKE_AUTH_RSA_SIG);
	}
}

/* The same example through evsd.conf, then onto the wire and back. */
UNIT_TEST(seed_example_from_config_and_wire)
{
	static const char conf[] =
		"pki {\n"
		"  ca /nonexistent\n"
		"}\n";
	static const char conf2[] =
		"peer hq {\n"
		"  server 203.0.113.1\n"
		"  authentication pre-share\n"
		"  group-key \"k\"\n"
		"  encryption des 3des\n"
		"  hash md5 sha\n"
		"  group 2\n"
		"}\n";
	struct evs_err err;
	struct cfg_node *root = cfg_parse_string(conf, "a.conf", &err);
	struct ike_config ike;
	struct p1_xform x[16], back[16];
	struct isakmp_hdr h = { .icookie = { 1 }, .exch = ISAKMP_EXCH_MAIN };
	struct isakmp_bld b;
	struct isakmp_msg msg;
	struct isakmp_sa sa;
	struct isakmp_perr perr;
	char n[16][64];
	int cnt;

	capture(EVSD_LOG_INFO);
	/* A pki block whose CA file does not exist is a config error. */
	UNIT_ASSERT(root);
	UNIT_ASSERT_EQ_INT(ike_config_load(root, &ike, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "a.conf:1: pki: /nonexistent"));
	cfg_free(root);

	root = cfg_parse_string(conf2, "b.conf", &err);
	UNIT_ASSERT(root);
	UNIT_ASSERT_EQ_INT(ike_config_load(root, &ike, &err), 0);
	UNIT_ASSERT_EQ_INT(ike.n_peers, 1);
	/* weak choices were accepted and logged as weak */
	UNIT_ASSERT(strstr(logbuf, "weak"));
	cnt = p1_permute(&ike.peers[0].caps, false, x, 16);
	UNIT_ASSERT_EQ_INT(cnt, 4);
	names(x, cnt, n);
	UNIT_ASSERT_EQ_STR(n[0], "3des-sha1");
	UNIT_ASSERT_EQ_STR(n[3], "des-md5");

	isakmp_bld_init(&b, &h);
	p1_build_sa(&b, x, (size_t)cnt);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &msg, &perr), 0);
	UNIT_ASSERT_EQ_INT(msg.n, 1);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(msg.p[0].body, msg.p[0].len, &sa, &perr), 0);
	UNIT_ASSERT_EQ_INT(p1_parse_sa(&sa, back, 16, &perr), 4);
	for (int i = 0; i < cnt; i++) {
		UNIT_ASSERT_EQ_INT(back[i].encr, x[i].encr);
		UNIT_ASSERT_EQ_INT(back[i].hash, x[i].hash);
		UNIT_ASSERT_EQ_INT(back[i].group, x[i].group);
		UNIT_ASSERT_EQ_INT(back[i].auth, IKE_AUTH_PSK);
		UNIT_ASSERT_EQ_INT(back[i].life_secs, 86400);
		UNIT_ASSERT_EQ_INT(back[i].num, i + 1);
	}
	isakmp_buf_free(&b.buf);
	ike_config_free(&ike);
	cfg_free(root);
	evsd_log_set_hook(NULL, NULL);
}

UNIT_TEST(full_permutation_order_and_aggressive_single_group)
{
	struct p1_caps caps = {
		.n_encr = 3, .encr = { { IKE_ENCR_3DES, 0 }, { IKE_ENCR_AES_CBC, 128 },
				       { IKE_ENCR_AES_CBC, 256 } },
		.n_hash = 2, .hash = { IKE_HASH_SHA1, IKE_HASH_SHA2_256 },
		.n_group = 3, .group = { 2, 14, 19 },
		.n_auth = 2, .auth = { IKE_AUTH_XAUTH_INIT_PSK, IKE_AUTH_PSK },
	};
	struct p1_xform x[64];
	int cnt = p1_permute(&caps, false, x, 64);

	UNIT_ASSERT_EQ_INT(cnt, 3 * 2 * 3 * 2);
	/* strongest first: aes-256, sha256, ecp256 (strength 129 > 2048's 112) */
	UNIT_ASSERT_EQ_INT(x[0].encr, IKE_ENCR_AES_CBC);
	UNIT_ASSERT_EQ_INT(x[0].key_bits, 256);
	UNIT_ASSERT_EQ_INT(x[0].hash, IKE_HASH_SHA2_256);
	UNIT_ASSERT_EQ_INT(x[0].group, 19);
	UNIT_ASSERT_EQ_INT(x[0].auth, IKE_AUTH_XAUTH_INIT_PSK);	/* configured order */
	UNIT_ASSERT_EQ_INT(x[1].auth, IKE_AUTH_PSK);
	UNIT_ASSERT_EQ_INT(x[2].group, 14);
	UNIT_ASSERT_EQ_INT(x[4].group, 2);
	UNIT_ASSERT_EQ_INT(x[6].hash, IKE_HASH_SHA1);
	UNIT_ASSERT_EQ_INT(x[cnt - 1].encr, IKE_ENCR_3DES);
	UNIT_ASSERT_EQ_INT(x[cnt - 1].group, 2);

	cnt = p1_permute(&caps, true, x, 64);
	UNIT_ASSERT_EQ_INT(cnt, 3 * 2 * 1 * 2);
	for (int i = 0; i < cnt; i++)
		UNIT_ASSERT_EQ_INT(x[i].group, 19);
	/* a too small output array is an error, not a silent truncation */
	UNIT_ASSERT_EQ_INT(p1_permute(&caps, false, x, 5), -1);
}

static const struct p1_policy server_pol[] = {
	{ .number = 10, .encr = IKE_ENCR_AES_CBC, .key_bits = 256,
	  .hash = IKE_HASH_SHA2_256, .auth = IKE_AUTH_PSK, .group = 14,
	  .life_secs = 28800 },
	{ .number = 20, .encr = IKE_ENCR_3DES, .hash = IKE_HASH_SHA1,
	  .auth = IKE_AUTH_PSK, .group = 2, .life_secs = 86400 },
	{ .number = 30, .encr = IKE_ENCR_AES_CBC, .key_bits = 128,
	  .hash = IKE_HASH_SHA1, .auth = IKE_AUTH_RSA_SIG, .group = 14,
	  .life_secs = 86400 },
};

UNIT_TEST(server_picks_lowest_numbered_policy_not_clients_first)
{
	struct p1_xform offer[] = {
		{ .num = 1, .encr = IKE_ENCR_3DES, .hash = IKE_HASH_SHA1,
		  .auth = IKE_AUTH_PSK, .group = 2, .life_secs = 86400 },
		{ .num = 2, .encr = IKE_ENCR_AES_CBC, .key_bits = 256,
		  .hash = IKE_HASH_SHA2_256, .auth = IKE_AUTH_XAUTH_INIT_PSK,
		  .group = 14, .life_secs = 86400 },
	};
	struct p1_match m;

	capture(EVSD_LOG_DEBUG);
	UNIT_ASSERT_EQ_INT(p1_select(server_pol, 3, offer, 2, &m), 0);
	UNIT_ASSERT_EQ_INT(m.policy, 0);		/* policy 10 */
	UNIT_ASSERT_EQ_INT(m.xform, 1);			/* the client's second */
	UNIT_ASSERT_EQ_INT(m.chosen.auth, IKE_AUTH_XAUTH_INIT_PSK);
	UNIT_ASSERT(p1_auth_is_xauth(m.chosen.auth));
	/* the client asked for a day, policy 10 allows 8 hours */
	UNIT_ASSERT_EQ_INT(m.chosen.life_secs, 28800);
	UNIT_ASSERT(m.lifetime_shortened);
	UNIT_ASSERT(strstr(logbuf, "6|phase1: policy 10 matched offered transform 2"));

	/* Only 3DES offered: policy 10 explains itself at debug, 20 matches. */
	capture(EVSD_LOG_DEBUG);
	UNIT_ASSERT_EQ_INT(p1_select(server_pol, 3, offer, 1, &m), 0);
	UNIT_ASSERT_EQ_INT(m.policy, 1);
	UNIT_ASSERT(strstr(logbuf, "7|phase1: policy 10 not chosen: #1: encryption 3des, policy has aes-256"));
	UNIT_ASSERT(strstr(logbuf, "6|phase1: policy 20 matched offered transform 1"));
	/* at info level the debug reasons are not produced */
	capture(EVSD_LOG_INFO);
	UNIT_ASSERT_EQ_INT(p1_select(server_pol, 3, offer, 1, &m), 0);
	UNIT_ASSERT(!strstr(logbuf, "not chosen"));

	/* Nothing matches: -1 and a reason per policy. */
	offer[0].hash = IKE_HASH_MD5;
	offer[1].group = 15;
	capture(EVSD_LOG_DEBUG);
	UNIT_ASSERT_EQ_INT(p1_select(server_pol, 3, offer, 2, &m), -1);
	UNIT_ASSERT(strstr(logbuf, "policy 30 not chosen: #1: encryption 3des, policy has aes-128; #2: encryption aes-256, policy has aes-128"));
	UNIT_ASSERT(strstr(logbuf, "policy 10 not chosen: #1: encryption 3des, policy has aes-256; #2: group 15, policy has 14"));
	evsd_log_set_hook(NULL, NULL);
	evsd_log_set_level(EVSD_LOG_INFO);
}

UNIT_TEST(rsa_policy_needs_rsa_offer_and_reply_check)
{
	struct p1_xform offer[] = {
		{ .num = 1, .encr = IKE_ENCR_AES_CBC, .key_bits = 0 /* = 128 */,
		  .hash = IKE_HASH_SHA1, .auth = IKE_AUTH_RSA_SIG, .group = 14 },
	};
	struct p1_xform reply;
	struct p1_match m;

	evsd_log_set_quiet(true);
	UNIT_ASSERT_EQ_INT(p1_select(server_pol, 3, offer, 1, &m), 0);
	UNIT_ASSERT_EQ_INT(m.policy, 2);
	UNIT_ASSERT_EQ_INT(m.chosen.key_bits, 128);
	UNIT_ASSERT_EQ_INT(m.chosen.life_secs, 86400);	/* none offered: ours */
	UNIT_ASSERT(!m.lifetime_shortened);

	reply = offer[0];
	reply.life_secs = 3600;
	UNIT_ASSERT_EQ_INT(p1_check_reply(offer, 1, &reply), 0);
	reply.hash = IKE_HASH_MD5;
	UNIT_ASSERT_EQ_INT(p1_check_reply(offer, 1, &reply), -1);
}

UNIT_TEST(phase1_parse_skips_unusable_transforms)
{
	struct isakmp_hdr h = { .icookie = { 9 }, .exch = ISAKMP_EXCH_MAIN };
	struct isakmp_sa_bld s;
	struct isakmp_bld b;
	struct isakmp_msg msg;
	struct isakmp_sa sa;
	struct isakmp_perr perr;
	struct p1_xform x[4];

	isakmp_bld_init(&b, &h);
	isakmp_sa_begin(&b, &s);
	isakmp_prop_begin(&b, &s, 1, ISAKMP_PROTO_ISAKMP, NULL, 0, 3);
	/* 1: PRF attribute we do not implement -> skipped */
	isakmp_xf_begin(&b, &s, 1, ISAKMP_XFORM_KEY_IKE);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_ENCRYPTION, IKE_ENCR_3DES);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_HASH, IKE_HASH_SHA1);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_AUTH, IKE_AUTH_PSK);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_GROUP_DESC, 2);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_PRF, 1);
	isakmp_xf_end(&b, &s);
	/* 2: no group -> skipped */
	isakmp_xf_begin(&b, &s, 2, ISAKMP_XFORM_KEY_IKE);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_ENCRYPTION, IKE_ENCR_3DES);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_HASH, IKE_HASH_SHA1);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_AUTH, IKE_AUTH_PSK);
	isakmp_xf_end(&b, &s);
	/* 3: fine, with a 4-byte TLV lifetime */
	isakmp_xf_begin(&b, &s, 3, ISAKMP_XFORM_KEY_IKE);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_ENCRYPTION, IKE_ENCR_AES_CBC);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_KEY_LENGTH, 256);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_HASH, IKE_HASH_SHA2_256);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_AUTH, IKE_AUTH_PSK);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_GROUP_DESC, 14);
	isakmp_put_attr_tv(&b.buf, IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
	isakmp_put_attr_u32(&b.buf, IKE_ATTR_LIFE_DURATION, 200000);
	isakmp_xf_end(&b, &s);
	isakmp_prop_end(&b, &s);
	isakmp_sa_end(&b, &s);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &msg, &perr), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(msg.p[0].body, msg.p[0].len, &sa, &perr), 0);
	UNIT_ASSERT_EQ_INT(p1_parse_sa(&sa, x, 4, &perr), 1);
	UNIT_ASSERT_EQ_INT(x[0].num, 3);
	UNIT_ASSERT_EQ_INT(x[0].key_bits, 256);
	UNIT_ASSERT_EQ_INT(x[0].life_secs, 200000);
	isakmp_buf_free(&b.buf);
}

static const struct p2_set sets[] = {
	{ .name = "STRONG", .n_esp = 1, .esp = { { ESP_AES_CBC, 256 } },
	  .n_auth = 1, .auth = { IPSEC_AUTH_HMAC_SHA2_256 } },
	{ .name = "LEGACY", .n_esp = 2, .esp = { { ESP_DES, 0 }, { ESP_3DES, 0 } },
	  .n_auth = 2, .auth = { IPSEC_AUTH_HMAC_MD5, IPSEC_AUTH_HMAC_SHA1 } },
};

UNIT_TEST(phase2_permutations_wire_and_priority)
{
	struct p2_params cli = { .pfs_group = 14, .life_secs = 7200,
				 .life_kb = 100000, .natt = true, .natt_level = 2 };
	struct p2_params srv = { .pfs_group = 0, .life_secs = 3600,
				 .life_kb = 4608000, .natt = true };
	struct p2_xform x[32], back[32], reply_x[2];
	struct isakmp_hdr h = { .icookie = { 3 }, .exch = ISAKMP_EXCH_QUICK };
	struct isakmp_bld b;
	struct isakmp_msg msg;
	struct isakmp_sa sa;
	struct isakmp_perr perr;
	struct p2_match m;
	int n;

	evsd_log_set_quiet(true);
	/* client lists LEGACY first */
	const struct p2_set cli_sets[] = { sets[1], sets[0] };

	n = p2_permute(cli_sets, 2, &cli, x, 32);
	UNIT_ASSERT_EQ_INT(n, 4 + 1);
	UNIT_ASSERT_EQ_INT(x[0].esp_id, ESP_3DES);
	UNIT_ASSERT_EQ_INT(x[0].auth, IPSEC_AUTH_HMAC_SHA1);
	UNIT_ASSERT_EQ_INT(x[3].esp_id, ESP_DES);
	UNIT_ASSERT_EQ_INT(x[3].auth, IPSEC_AUTH_HMAC_MD5);
	UNIT_ASSERT_EQ_INT(x[4].esp_id, ESP_AES_CBC);
	UNIT_ASSERT_EQ_INT(x[0].encap, IPSEC_ENCAP_UDP_TUNNEL);
	UNIT_ASSERT_EQ_INT(x[0].group, 14);

	isakmp_bld_init(&b, &h);
	p2_build_sa(&b, x, (size_t)n, 0x11223344);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &msg, &perr), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(msg.p[0].body, msg.p[0].len, &sa, &perr), 0);
	UNIT_ASSERT_EQ_INT(sa.n_prop, 5);
	UNIT_ASSERT_EQ_INT(p2_parse_sa(&sa, back, 32, &perr), 5);
	UNIT_ASSERT_EQ_INT(back[4].spi, 0x11223344);
	UNIT_ASSERT_EQ_INT(back[4].key_bits, 256);
	UNIT_ASSERT_EQ_INT(back[4].life_kb, 100000);
	UNIT_ASSERT_EQ_INT(back[4].prop_num, 5);
	isakmp_buf_free(&b.buf);

	/* server: STRONG is its first set, so it wins over the client's order;
	 * client's 7200 s is longer than ours -> RESPONDER-LIFETIME */
	UNIT_ASSERT_EQ_INT(p2_select(sets, 2, &srv, back, 5, &m), 0);
	UNIT_ASSERT_EQ_INT(m.set, 0);
	UNIT_ASSERT_EQ_INT(m.xform, 4);
	UNIT_ASSERT_EQ_INT(m.chosen.group, 14);
	UNIT_ASSERT_EQ_INT(m.chosen.life_secs, 3600);
	UNIT_ASSERT_EQ_INT(m.chosen.life_kb, 100000);
	UNIT_ASSERT(m.responder_lifetime);

	/* reply on the wire, checked by the initiator */
	isakmp_bld_init(&b, &h);
	p2_build_reply_sa(&b, &m.chosen, 0xaabbccdd);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &msg, &perr), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(msg.p[0].body, msg.p[0].len, &sa, &perr), 0);
	UNIT_ASSERT_EQ_INT(p2_parse_sa(&sa, reply_x, 2, &perr), 1);
	UNIT_ASSERT_EQ_INT(reply_x[0].spi, 0xaabbccdd);
	UNIT_ASSERT_EQ_INT(reply_x[0].prop_num, 5);
	UNIT_ASSERT_EQ_INT(p2_check_reply(x, (size_t)n, &reply_x[0]), 0);
	reply_x[0].auth = IPSEC_AUTH_HMAC_SHA2_512;
	UNIT_ASSERT_EQ_INT(p2_check_reply(x, (size_t)n, &reply_x[0]), -1);
	isakmp_buf_free(&b.buf);

	/* server requiring PFS group 19: nothing matches */
	srv.pfs_group = 19;
	UNIT_ASSERT_EQ_INT(p2_select(sets, 2, &srv, back, 5, &m), -1);
	/* no NAT on the server's side: UDP encapsulation refused */
	srv.pfs_group = 0;
	srv.natt = false;
	UNIT_ASSERT_EQ_INT(p2_select(sets, 2, &srv, back, 5, &m), -1);

	/* kernel names and key sizes for KEYMAT */
	UNIT_ASSERT_EQ_STR(p2_enc_kname(&x[4]), "cbc(aes)");
	UNIT_ASSERT_EQ_INT(p2_enc_key_len(&x[4]), 32);
	UNIT_ASSERT_EQ_STR(p2_auth_kname(&x[4]), "hmac(sha256)");
	UNIT_ASSERT_EQ_INT(p2_auth_key_len(&x[4]), 32);
	UNIT_ASSERT_EQ_INT(p2_auth_trunc_bits(&x[4]), 128);
	UNIT_ASSERT_EQ_INT(p2_auth_trunc_bits(&x[0]), 96);
	UNIT_ASSERT(p2_xform_weak(&x[3]));
	UNIT_ASSERT(!p2_xform_weak(&x[4]));
}

UNIT_TEST(phase2_draft_natt_encapsulation)
{
	struct p2_params cli = { .life_secs = 3600, .natt = true, .natt_level = 1 };
	struct p2_params srv = { .life_secs = 3600, .natt = true };
	struct p2_xform x[4];
	struct p2_match m;

	evsd_log_set_quiet(true);
	UNIT_ASSERT_EQ_INT(p2_permute(sets, 1, &cli, x, 4), 1);
	UNIT_ASSERT_EQ_INT(x[0].encap, IPSEC_ENCAP_UDP_TUNNEL_DRAFT);
	UNIT_ASSERT_EQ_INT(p2_select(sets, 2, &srv, x, 1, &m), 0);
	UNIT_ASSERT(!m.responder_lifetime);
}

/* Does transform t carry attribute type? (its value in *v) */
static bool xf_attr(const struct isakmp_transform *t, uint16_t type, uint32_t *v)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;

	isakmp_attr_iter_init(&it, t->attrs, t->attrs_len);
	while (isakmp_attr_next(&it, &a, NULL) > 0)
		if (a.type == type) {
			*v = a.u;
			return true;
		}
	return false;
}

/* RFC 4106 §8: AES-GCM is ESP transform 18/19/20 with a Key Length and no
 * Authentication Algorithm; an AEAD in a mixed set is offered once, the
 * CBC cipher with each HMAC. */
UNIT_TEST(phase2_aes_gcm_offer_wire_select_and_keys)
{
	static const struct p2_set cli_sets[] = {
		{ .name = "MIX", .n_esp = 3,
		  .esp = { { ESP_AES_CBC, 256 }, { ESP_AES_GCM_16, 128 },
			   { ESP_AES_GCM_8, 256 } },
		  .n_auth = 2, .auth = { IPSEC_AUTH_HMAC_SHA1, IPSEC_AUTH_HMAC_SHA2_256 } },
	};
	static const struct p2_set srv_sets[] = {
		{ .name = "GCM256", .n_esp = 1, .esp = { { ESP_AES_GCM_16, 256 } } },
		{ .name = "GCM128", .n_esp = 1, .esp = { { ESP_AES_GCM_16, 128 } } },
		{ .name = "CBC", .n_esp = 1, .esp = { { ESP_AES_CBC, 256 } },
		  .n_auth = 1, .auth = { IPSEC_AUTH_HMAC_SHA1 } },
	};
	struct p2_params prm = { .life_secs = 3600 };
	struct isakmp_hdr h = { .icookie = { 3 }, .exch = ISAKMP_EXCH_QUICK };
	struct p2_xform x[8], back[8], bad[2];
	struct isakmp_perr perr;
	struct isakmp_bld b;
	struct isakmp_msg msg;
	struct isakmp_sa sa;
	struct p2_match m;
	char desc[96];
	uint32_t v;
	int n;

	capture(EVSD_LOG_DEBUG);
	n = p2_permute(cli_sets, 1, &prm, x, 8);
	/* GCM-8 256 and GCM-16 128 (AEADs first), then CBC x 2 HMACs */
	UNIT_ASSERT_EQ_INT(n, 4);
	UNIT_ASSERT_EQ_INT(x[0].esp_id, ESP_AES_GCM_8);
	UNIT_ASSERT_EQ_INT(x[0].key_bits, 256);
	UNIT_ASSERT_EQ_INT(x[0].auth, 0);
	UNIT_ASSERT_EQ_INT(x[1].esp_id, ESP_AES_GCM_16);
	UNIT_ASSERT_EQ_INT(x[1].key_bits, 128);
	UNIT_ASSERT_EQ_INT(x[1].auth, 0);
	UNIT_ASSERT_EQ_INT(x[2].esp_id, ESP_AES_CBC);
	UNIT_ASSERT_EQ_INT(x[2].auth, IPSEC_AUTH_HMAC_SHA2_256);
	UNIT_ASSERT_EQ_INT(x[3].auth, IPSEC_AUTH_HMAC_SHA1);

	isakmp_bld_init(&b, &h);
	p2_build_sa(&b, x, (size_t)n, 0x01020304);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &msg, &perr), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(msg.p[0].body, msg.p[0].len, &sa, &perr), 0);
	/* on the wire: transform id 20, Key Length 128, no auth attribute */
	UNIT_ASSERT_EQ_INT(sa.xf[sa.prop[1].first_xf].id, 20);
	UNIT_ASSERT(xf_attr(&sa.xf[sa.prop[1].first_xf], IPSEC_ATTR_KEY_LENGTH, &v));
	UNIT_ASSERT_EQ_INT(v, 128);
	UNIT_ASSERT(!xf_attr(&sa.xf[sa.prop[1].first_xf], IPSEC_ATTR_AUTH_ALG, &v));
	UNIT_ASSERT_EQ_INT(sa.xf[sa.prop[0].first_xf].id, 18);
	UNIT_ASSERT(xf_attr(&sa.xf[sa.prop[2].first_xf], IPSEC_ATTR_AUTH_ALG, &v));
	UNIT_ASSERT_EQ_INT(p2_parse_sa(&sa, back, 8, &perr), 4);
	UNIT_ASSERT_EQ_INT(back[1].esp_id, ESP_AES_GCM_16);
	UNIT_ASSERT_EQ_INT(back[1].key_bits, 128);
	UNIT_ASSERT_EQ_INT(back[1].auth, 0);
	isakmp_buf_free(&b.buf);

	/* GCM256 matches nothing (GCM-8 is another transform); GCM128 takes
	 * the client's GCM-16 128, not the CBC set below it. */
	UNIT_ASSERT_EQ_INT(p2_select(srv_sets, 3, &prm, back, 4, &m), 0);
	UNIT_ASSERT_EQ_INT(m.set, 1);
	UNIT_ASSERT_EQ_INT(m.xform, 1);
	UNIT_ASSERT_EQ_INT(p2_check_reply(x, (size_t)n, &m.chosen), 0);
	p2_xform_format(&m.chosen, desc, sizeof(desc));
	UNIT_ASSERT_EQ_STR(desc, "esp-gcm-128 aead tunnel no-pfs");
	/* an AEAD set does not take a CBC transform without integrity */
	UNIT_ASSERT_EQ_INT(p2_select(srv_sets, 2, &prm, &back[2], 2, &m), -1);

	/* KEYMAT: key + 4-byte salt (RFC 4106 §8.1), no integrity key */
	UNIT_ASSERT_EQ_STR(p2_enc_kname(&back[1]), "rfc4106(gcm(aes))");
	UNIT_ASSERT_EQ_INT(p2_enc_key_len(&back[1]), 16 + 4);
	UNIT_ASSERT_EQ_INT(p2_enc_key_len(&back[0]), 32 + 4);
	UNIT_ASSERT_EQ_INT(p2_auth_key_len(&back[1]), 0);
	UNIT_ASSERT_EQ_INT(p2_aead_icv_bits(&back[1]), 128);
	UNIT_ASSERT_EQ_INT(p2_aead_icv_bits(&back[0]), 64);
	UNIT_ASSERT_EQ_INT(p2_aead_icv_bits(&back[2]), 0);
	UNIT_ASSERT(!p2_xform_weak(&back[0]));

	/* A GCM transform without Key Length, and one naming an HMAC, are
	 * refused (skipped, the rest of the SA is still read). */
	memset(bad, 0, sizeof(bad));
	bad[0].esp_id = ESP_AES_GCM_16;
	bad[0].encap = IPSEC_ENCAP_TUNNEL;
	bad[1] = bad[0];
	bad[1].key_bits = 128;
	bad[1].auth = IPSEC_AUTH_HMAC_SHA1;
	isakmp_bld_init(&b, &h);
	p2_build_sa(&b, bad, 2, 0x01020304);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &msg, &perr), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(msg.p[0].body, msg.p[0].len, &sa, &perr), 0);
	logbuf[0] = '\0';
	UNIT_ASSERT_EQ_INT(p2_parse_sa(&sa, back, 8, &perr), 0);
	UNIT_ASSERT(strstr(logbuf, "AES-GCM without a key length"));
	UNIT_ASSERT(strstr(logbuf, "AES-GCM with an authentication algorithm"));
	isakmp_buf_free(&b.buf);
	evsd_log_set_hook(NULL, NULL);
}

UNIT_MAIN()
