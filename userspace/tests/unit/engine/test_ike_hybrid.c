// SPDX-License-Identifier: MIT
/*
 * Hybrid authentication (HybridInitRSA, 64221) between two engines: the
 * gateway signs with its certificate, the client sends only HASH_I and
 * has no key; the user then logs in (XAUTH, here the stand-in step that
 * authorizes the session).  A hybrid client that does not log in gets no
 * Phase 2; a wrong HASH_I is refused; a certificate-only policy does not
 * take a hybrid offer; the client refuses a gateway certificate that does
 * not name the gateway.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/conf_text.h"
#include "tests/unit/ike_conf.h"
#include "ike/crypto.h"
#include "ike/engine/ikesa.h"
#include "ike/engine/session.h"
#include "lib/daemon_log.h"
#include "tests/unit/unit.h"

#include "tests/unit/ike_pair.h"
#include "tests/unit/log_capture.h"

#define PKI_GW								\
	"pki {\n"							\
	"    ca " EVS_CERTS "/ca.pem\n"					\
	"    certificate " EVS_CERTS "/gw.pem\n"			\
	"    private-key " EVS_CERTS "/gw.key\n"			\
	"}\n"

static const char server_conf[] =
	PKI_GW
	"crypto isakmp policy 10 {\n"
	"    encryption aes 256\n"
	"    hash sha256\n"
	"    authentication hybrid\n"
	"    group 14\n"
	"}\n"
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n";

/* The same gateway with certificates for both sides only. */
static const char server_rsa_conf[] =
	PKI_GW
	"crypto isakmp policy 10 {\n"
	"    encryption aes 256\n"
	"    hash sha256\n"
	"    authentication rsa-sig\n"
	"    group 14\n"
	"}\n"
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n";

/* A client with the CA only: no certificate, no key, no group key. */
#define CLIENT_CONF(mode_lines, name_line)				\
	"pki {\n"							\
	"    ca " EVS_CERTS "/ca.pem\n"					\
	"}\n"								\
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"	\
	"peer gw {\n"							\
	"    server 203.0.113.1\n"					\
	mode_lines							\
	"    authentication hybrid\n"					\
	"    xauth-username alice\n"					\
	name_line							\
	CONF_PEER_TAIL

#define MAIN "    mode main\n"
static const char client_conf[] = CLIENT_CONF(MAIN, "");
static const char client_named_conf[] = CLIENT_CONF(MAIN, "    server-name gw.example\n");
static const char client_misnamed_conf[] = CLIENT_CONF(MAIN, "    server-name other.example\n");
/* as vpnc does it: aggressive mode, the group name as KEY_ID */
static const char client_aggr_conf[] =
	CLIENT_CONF("    mode aggressive\n    group-name sales\n", "    server-name gw.example\n");

/* Stands in for XAUTH (ezv): when set, a server session logs in as this
 * user. */
static const char *login_user;

static int login_begin(struct evs_session *s, void *arg, void **state)
{
	(void)arg;
	(void)state;
	if (evs_session_role(s) == EVS_ROLE_SERVER && login_user)
		evs_session_set_authorized(s, login_user);
	return EVS_STEP_SKIP;
}

static const struct evs_post_phase1_ops login_step = {
	.name = "login",
	.begin = login_begin,
};

static void login_hooks(struct ike_engine *e)
{
	evs_session_register_step(e, &login_step, NULL);
}

static void side_init(struct side *s, const char *name, const char *conf,
		      enum evs_role role)
{
	side_open(s, name, conf, role, login_hooks);
}

static void setup(struct side *srv, const char *srv_conf, struct side *cli,
		  const char *cli_conf)
{
	unit_logged[0] = '\0';
	evsd_log_set_quiet(true);
	evsd_log_set_hook(unit_log_hook, NULL);
	evsd_log_set_level(EVSD_LOG_INFO);
	login_user = NULL;
	nat_on = false;
	side_init(srv, "server", srv_conf, EVS_ROLE_SERVER);
	side_init(cli, "client", cli_conf, EVS_ROLE_CLIENT);
}

static struct ike_sa *connect_client(struct side *cli)
{
	struct sockaddr_storage local;

	set_addr(&local, "198.51.100.2", 500);
	return ike_engine_connect(cli->e, &cli->cfg.ike.peers[0], &local);
}

/* Deliver the one queued message of from to to. */
static void step(struct side *from, struct side *to)
{
	UNIT_ASSERT_EQ_INT(from->nq, 1);
	deliver(from, to, 0);
	flush_q(from);
}

/* ---- the tests -------------------------------------------------------------- */

UNIT_TEST(hybrid_main_mode_then_login_then_quick_mode)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, server_conf, &cli, client_named_conf);
	login_user = "alice";
	c = connect_client(&cli);
	UNIT_ASSERT(c);
	UNIT_ASSERT_EQ_INT(c->p1->offer[0].auth, IKE_AUTH_HYBRID_INIT_RSA);
	pump_to_ready(&cli, &srv, &c, &s);
	UNIT_ASSERT_EQ_INT(s->chosen.auth, IKE_AUTH_HYBRID_INIT_RSA);
	/* The client named itself by its address (it has no certificate);
	 * the gateway by its certificate's DN, which the client checked. */
	UNIT_ASSERT_EQ_INT(s->peer_id.type, ISAKMP_ID_IPV4_ADDR);
	UNIT_ASSERT_EQ_INT(c->peer_id.type, ISAKMP_ID_DER_ASN1_DN);
	if (!strstr(unit_logged, "certificate \"CN=gw.example,O=evs fuzz\" verified"))
		UNIT_FAIL("no certificate check logged:\n%s", unit_logged);
	/* Logged in: quick mode went through, matching SAs both sides. */
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.spi_in, srv.kadd[0].c.spi_out);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.spi_out, srv.kadd[0].c.spi_in);
	UNIT_ASSERT(!memcmp(cli.kadd[0].enc_in, srv.kadd[0].enc_out, cli.kadd[0].c.enc_len));
	pair_close(&cli, &srv);
}

/* Aggressive mode (vpnc): AM2 carries the gateway's CERT + SIG, AM3 the
 * client's HASH_I; the KEY_ID the client sent proves nothing. */
UNIT_TEST(hybrid_aggressive_mode)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, server_conf, &cli, client_aggr_conf);
	login_user = "alice";
	c = connect_client(&cli);
	UNIT_ASSERT(c);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_AM_I_SENT);
	pump_pair(&cli, &srv, &c, &s);
	UNIT_ASSERT_EQ_INT(s->exch, ISAKMP_EXCH_AGGRESSIVE);
	UNIT_ASSERT_EQ_INT(s->chosen.auth, IKE_AUTH_HYBRID_INIT_RSA);
	UNIT_ASSERT_EQ_INT(s->peer_id.type, ISAKMP_ID_KEY_ID);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	pair_close(&cli, &srv);
	/* and without the login, no Phase 2 */
	setup(&srv, server_conf, &cli, client_aggr_conf);
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY && !s->authorized);
	UNIT_ASSERT_EQ_INT(srv.n_kadd + cli.n_kadd, 0);
	pair_close(&cli, &srv);
}

/* Without a server-name the certificate must carry the server address
 * (gw.pem has iPAddress 203.0.113.1). */
UNIT_TEST(hybrid_gateway_named_by_address)
{
	struct side srv, cli;

	setup(&srv, server_conf, &cli, client_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	pair_close(&cli, &srv);
}

/* Phase 1 alone proves nothing about a hybrid client: without the login
 * its quick mode is refused and nothing reaches the gateway's kernel. */
UNIT_TEST(hybrid_client_that_skips_xauth_gets_no_phase2)
{
	struct side srv, cli;
	struct ike_sa *s;

	setup(&srv, server_conf, &cli, client_named_conf);
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY);
	UNIT_ASSERT(!s->authorized && !s->site);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 0);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
	UNIT_ASSERT(strstr(unit_logged, "peer did not log in (no XAUTH)"));
	pair_close(&cli, &srv);
}

/* Find the HASH payload in a plaintext message; return the offset of its
 * body and set *end to the end of the last payload. */
static size_t hash_body(const uint8_t *m, size_t len, size_t *end)
{
	uint8_t next = m[16];
	size_t off = 28, found = 0;

	while (next && off + 4 <= len) {
		size_t plen = (size_t)m[off + 2] << 8 | m[off + 3];

		UNIT_ASSERT(plen >= 4 && off + plen <= len);
		if (next == ISAKMP_PT_HASH)
			found = off + 4;
		next = m[off];
		off += plen;
	}
	*end = off;
	return found;
}

/* Run main mode up to MM5, then send MM5 again as the client built it,
 * decrypted with the client's keys, HASH_I's first bit flipped if flip,
 * encrypted again. */
static void resend_mm5(struct side *srv, struct side *cli, bool flip)
{
	struct ike_sa *c = connect_client(cli);
	struct ike_iv iv, iv_next;
	struct isakmp_buf plain, re;
	size_t at, end;

	UNIT_ASSERT(c);
	step(cli, srv);		/* MM1 */
	step(srv, cli);		/* MM2 */
	step(cli, srv);		/* MM3 */
	step(srv, cli);		/* MM4 */
	UNIT_ASSERT_EQ_INT(cli->nq, 1);	/* MM5, encrypted */
	UNIT_ASSERT_EQ_INT(ike_iv_phase1(&c->keys, c->p1->gxi, c->p1->gxi_len, c->p1->gxr,
					 c->p1->gxr_len, &iv), 0);
	isakmp_buf_init(&plain);
	UNIT_ASSERT_EQ_INT(ike_decrypt_msg(&c->keys, &iv, cli->q[0].buf, cli->q[0].len,
					   &plain, &iv_next), 0);
	at = hash_body(plain.data, plain.len, &end);
	UNIT_ASSERT(at);
	if (flip)
		plain.data[at] ^= 1;
	isakmp_buf_init(&re);
	isakmp_buf_put(&re, plain.data, end);
	re.data[19] &= (uint8_t)~ISAKMP_FLAG_ENC;
	UNIT_ASSERT_EQ_INT(ike_encrypt_msg(&c->keys, &iv, &re), 0);
	free(cli->q[0].buf);
	cli->q[0].buf = malloc(re.len);
	memcpy(cli->q[0].buf, re.data, re.len);
	cli->q[0].len = re.len;
	isakmp_buf_free(&re);
	isakmp_buf_free(&plain);
	step(cli, srv);
}

/* A flipped bit of HASH_I: the gateway refuses MM5 and signs nothing. */
UNIT_TEST(hybrid_wrong_hash_refused)
{
	struct side srv, cli;

	setup(&srv, server_conf, &cli, client_named_conf);
	login_user = "alice";
	resend_mm5(&srv, &cli, true);
	UNIT_ASSERT(strstr(unit_logged, "hybrid: HASH mismatch"));
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 0);
	pair_close(&cli, &srv);
}

/* The same exchange untouched passes: the re-encryption above is not
 * what the gateway refused. */
UNIT_TEST(hybrid_reencrypted_untouched_hash_accepted)
{
	struct side srv, cli;
	struct ike_sa *s;

	setup(&srv, server_conf, &cli, client_named_conf);
	login_user = "alice";
	resend_mm5(&srv, &cli, false);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY);
	pair_close(&cli, &srv);
}

/* A policy for certificates on both sides does not take a hybrid offer
 * (the client would skip its signature). */
UNIT_TEST(rsa_sig_policy_does_not_take_hybrid)
{
	struct side srv, cli;

	setup(&srv, server_rsa_conf, &cli, client_named_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.n_kadd + cli.n_kadd, 0);
	UNIT_ASSERT(strstr(unit_logged, "no policy matches"));
	pair_close(&cli, &srv);
}

/* Any certificate of the CA is not enough: it must name the gateway. */
UNIT_TEST(hybrid_client_refuses_certificate_of_another_name)
{
	struct side srv, cli;

	setup(&srv, server_conf, &cli, client_misnamed_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&cli) == NULL);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
	UNIT_ASSERT(strstr(unit_logged, "does not name other.example"));
	pair_close(&cli, &srv);
}

/* rsa-sig both ways: the client signs too (here with the gateway's own
 * certificate, the one the test PKI has a key for; identity dn). */
#define CLIENT_RSA_CONF(name_line)					\
	PKI_GW								\
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"	\
	"peer gw {\n"							\
	"    server 203.0.113.1\n"					\
	"    mode main\n"						\
	"    authentication rsa-sig\n"					\
	"    identity dn\n"						\
	name_line							\
	CONF_PEER_TAIL

/* The gateway's certificate (CN=gw.example, iPAddress 203.0.113.1) is
 * accepted when it names the gateway by server-name or, without one, by
 * the address connected to. */
UNIT_TEST(rsa_sig_client_accepts_the_gateway_it_names)
{
	static const char *const confs[] = {
		CLIENT_RSA_CONF(""), CLIENT_RSA_CONF("    server-name gw.example\n"),
	};
	struct side srv, cli;

	for (unsigned i = 0; i < 2; i++) {
		setup(&srv, server_rsa_conf, &cli, confs[i]);
		login_user = "alice";
		UNIT_ASSERT(connect_client(&cli));
		pump(&cli, &srv);
		UNIT_ASSERT(only_sa(&cli) && only_sa(&cli)->state == IKE_S_READY);
		UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
		pair_close(&cli, &srv);
	}
}

/* Any certificate of the CA whose DN matches the ID the gateway sent
 * was enough for an rsa-sig client: another holder of the CA (another
 * gateway, a client) could stand in for the gateway.  It must name the
 * gateway, as in hybrid. */
UNIT_TEST(rsa_sig_client_refuses_certificate_of_another_name)
{
	static const char *const confs[] = {
		CLIENT_RSA_CONF("    server-name other.example\n"),
		/* no server-name, and another server address than the
		 * certificate's 203.0.113.1 */
		CLIENT_RSA_CONF(""),
	};
	struct side srv, cli;

	for (unsigned i = 0; i < 2; i++) {
		setup(&srv, server_rsa_conf, &cli, confs[i]);
		login_user = "alice";
		if (i == 1)
			set_addr(&cli.cfg.ike.peers[0].server, "203.0.113.9", 500);
		UNIT_ASSERT(connect_client(&cli));
		pump(&cli, &srv);
		UNIT_ASSERT(only_sa(&cli) == NULL);
		UNIT_ASSERT_EQ_INT(cli.n_kadd + srv.n_kadd, 0);
		if (!strstr(unit_logged, i ? "does not name 203.0.113.9" : "does not name other.example"))
			UNIT_FAIL("no refusal logged:\n%s", unit_logged);
		pair_close(&cli, &srv);
	}
}

/* Configuration: what hybrid needs. */
static void expect_conf_error(const char *text, const char *needle)
{
	struct ike_conf c;
	struct evs_err err;
	char *path = unit_tmpfile(text);

	UNIT_ASSERT_EQ_INT(ike_conf_load(path, &c, &err), -1);
	if (!strstr(err.msg, needle))
		UNIT_FAIL("error \"%s\" lacks \"%s\"", err.msg, needle);
	unlink(path);
	free(path);
}

UNIT_TEST(hybrid_config_errors)
{
	/* a gateway policy needs our certificate and key */
	expect_conf_error("pki {\n ca " EVS_CERTS "/ca.pem\n}\n"
			  "crypto isakmp policy 1 {\n encryption aes\n hash sha\n"
			  " authentication hybrid\n group 14\n}\n",
			  "policy 1 uses hybrid but there is no pki block");
	/* a client needs the CA, a user, main mode */
	expect_conf_error("peer gw {\n server 203.0.113.1\n authentication hybrid\n"
			  " xauth-username a\n}\n", "hybrid needs a pki block");
	expect_conf_error("pki {\n ca " EVS_CERTS "/ca.pem\n}\n"
			  "peer gw {\n server 203.0.113.1\n authentication hybrid\n}\n",
			  "hybrid needs 'xauth-username'");
}
UNIT_MAIN()
