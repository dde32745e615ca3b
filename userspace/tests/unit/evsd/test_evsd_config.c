// SPDX-License-Identifier: MIT
/* evsd.conf: grammar, IKE sections, file:line errors, --check-config. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evsd/config.h"
#include "ike/crypto.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "lib/userdb.h"
#include "ezv/easyvpn_policy.h"
#include "tests/unit/conf_text.h"
#include "tests/unit/unit.h"

static const char good[] =
	"# evsd test configuration\n"
	"log-level debug\n"
	"device evs1\n"
	"listen 198.51.100.1\n"
	"ports 500 4500\n"
	"\n"
	"crypto isakmp policy 20 {\n"
	"    encryption 3des\n"
	"    hash sha\n"
	"    authentication pre-share\n"
	"    group 2\n"
	"}\n"
	"crypto isakmp policy 10 {   # strongest first by number\n"
	CONF_IKE_POLICY_BODY
	"    lifetime 28800\n"
	"}\n"
	"crypto isakmp key \"s3cret with spaces\" address 203.0.113.0/24\n"
	"crypto isakmp key narrow address 203.0.113.9\n"
	"crypto isakmp identity fqdn gw.example.net\n"
	"crypto ipsec transform-set STRONG esp-aes 256 esp-sha256-hmac\n"
	"crypto ipsec transform-set LEGACY esp-3des esp-aes-128 esp-sha-hmac esp-md5-hmac\n"
	"crypto ipsec transform-set AEAD esp-gcm 256 esp-gcm esp-gcm-icv12 192\n"
	"crypto ipsec security-association lifetime seconds 1800\n"
	"crypto ipsec pfs group14\n"
	"timers {\n"
	"    dpd-interval 15\n"
	"    dpd-retries 4\n"
	"    retransmit-interval 500\n"
	"}\n"
	"peer hq {\n"
	"    server 203.0.113.1 port 4501\n"
	"    mode aggressive\n"
	"    group-name sales\n"
	"    group-key \"grp \\\"key\\\"\"\n"
	"    authentication xauth-pre-share\n"
	"    encryption aes 3des\n"
	"    key-length 256\n"
	"    hash sha\n"
	"    group 14 2\n"
	"    transform-set STRONG\n"
	"    xauth-username alice\n"
	"    xauth-password pw\n"
	"}\n";

UNIT_TEST(full_configuration)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct evsd_config cfg;
	struct evs_err err;
	char *path = unit_tmpfile(good);
	const struct ike_config *ike = &cfg.ike;
	const struct ike_peer *p;
	const struct secret *k;

	evsd_log_set_quiet(true);
	if (evsd_config_load(path, &cfg, &err) < 0)
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT_EQ_INT(ike->log_level, EVSD_LOG_DEBUG);
	UNIT_ASSERT_EQ_STR(ike->device, "evs1");
	UNIT_ASSERT_EQ_INT(ike->n_listen, 1);
	UNIT_ASSERT_EQ_INT(ike->n_policies, 2);
	UNIT_ASSERT_EQ_INT(ike->policies[0].number, 10);	/* sorted */
	UNIT_ASSERT_EQ_INT(ike->policies[0].key_bits, 256);
	UNIT_ASSERT_EQ_INT(ike->policies[0].life_secs, 28800);
	UNIT_ASSERT_EQ_INT(ike->policies[1].number, 20);
	UNIT_ASSERT_EQ_INT(ike->policies[1].encr, IKE_ENCR_3DES);
	UNIT_ASSERT_EQ_INT(ike->policies[1].life_secs, 86400);
	UNIT_ASSERT_EQ_INT(ike->ident, IKE_IDENT_FQDN);
	UNIT_ASSERT_EQ_STR(ike->ident_value, "gw.example.net");

	inet_pton(AF_INET, "203.0.113.77", &a.sin_addr);
	k = ike_config_psk(ike, (struct sockaddr *)&a);
	UNIT_ASSERT(k && secret_len(k) == 18 &&
		    !memcmp(secret_data(k), "s3cret with spaces", 18));
	inet_pton(AF_INET, "203.0.113.9", &a.sin_addr);	/* longest prefix */
	k = ike_config_psk(ike, (struct sockaddr *)&a);
	UNIT_ASSERT(k && secret_len(k) == 6);
	inet_pton(AF_INET, "198.51.100.9", &a.sin_addr);
	UNIT_ASSERT(!ike_config_psk(ike, (struct sockaddr *)&a));

	UNIT_ASSERT_EQ_INT(ike->n_sets, 3);
	UNIT_ASSERT_EQ_INT(ike->sets[0].esp[0].key_bits, 256);
	/* esp-gcm as IOS spells it (key length default 128), the evs ICV
	 * variants, and no integrity */
	UNIT_ASSERT_EQ_INT(ike->sets[2].n_esp, 3);
	UNIT_ASSERT_EQ_INT(ike->sets[2].n_auth, 0);
	UNIT_ASSERT_EQ_INT(ike->sets[2].esp[0].esp_id, ESP_AES_GCM_16);
	UNIT_ASSERT_EQ_INT(ike->sets[2].esp[0].key_bits, 256);
	UNIT_ASSERT_EQ_INT(ike->sets[2].esp[1].esp_id, ESP_AES_GCM_16);
	UNIT_ASSERT_EQ_INT(ike->sets[2].esp[1].key_bits, 128);
	UNIT_ASSERT_EQ_INT(ike->sets[2].esp[2].esp_id, ESP_AES_GCM_12);
	UNIT_ASSERT_EQ_INT(ike->sets[2].esp[2].key_bits, 192);
	UNIT_ASSERT_EQ_INT(ike->sets[1].n_esp, 2);
	UNIT_ASSERT_EQ_INT(ike->sets[1].n_auth, 2);
	UNIT_ASSERT(ike_config_set(ike, "LEGACY") == &ike->sets[1]);
	UNIT_ASSERT_EQ_INT(ike->p2.life_secs, 1800);
	UNIT_ASSERT_EQ_INT(ike->p2.pfs_group, 14);
	UNIT_ASSERT_EQ_INT(ike->timers.dpd_interval, 15);
	UNIT_ASSERT_EQ_INT(ike->timers.dpd_retries, 4);
	UNIT_ASSERT_EQ_INT(ike->timers.retransmit_ms, 500);
	UNIT_ASSERT_EQ_INT(ike->timers.nat_keepalive, 20);	/* default */

	UNIT_ASSERT_EQ_INT(ike->n_peers, 1);
	p = &ike->peers[0];
	UNIT_ASSERT_EQ_STR(p->name, "hq");
	UNIT_ASSERT(p->aggressive);
	UNIT_ASSERT_EQ_INT(ntohs(((const struct sockaddr_in *)&p->server)->sin_port), 4501);
	UNIT_ASSERT_EQ_STR(p->group_name, "sales");
	UNIT_ASSERT(secret_len(p->group_key) == 9 &&
		    !memcmp(secret_data(p->group_key), "grp \"key\"", 9));
	/* aggressive PSK: the group name goes out as KEY_ID */
	UNIT_ASSERT_EQ_INT(p->ident, IKE_IDENT_KEY_ID);
	UNIT_ASSERT_EQ_STR(p->ident_value, "sales");
	UNIT_ASSERT_EQ_INT(p->caps.n_encr, 2);			/* aes-256, 3des */
	UNIT_ASSERT_EQ_INT(p->caps.encr[0].key_bits, 256);
	UNIT_ASSERT_EQ_INT(p->caps.auth[0], IKE_AUTH_XAUTH_INIT_PSK);
	UNIT_ASSERT_EQ_INT(p->caps.n_group, 2);
	UNIT_ASSERT_EQ_INT(p->n_sets, 1);
	UNIT_ASSERT_EQ_INT(p->set_idx[0], 0);
	UNIT_ASSERT_EQ_STR(p->xauth_user, "alice");
	UNIT_ASSERT_EQ_INT(p->p2.life_secs, 1800);
	evsd_config_free(&cfg);
	unlink(path);
	free(path);
}

/* Each bad configuration must fail with exactly this "file:line: ..." */
static void expect_error(const char *text, unsigned line, const char *part)
{
	char *path = unit_tmpfile(text), want[64];
	struct evsd_config cfg;
	struct evs_err err;

	evsd_log_set_quiet(true);
	err.msg[0] = '\0';
	UNIT_ASSERT_EQ_INT(evsd_config_load(path, &cfg, &err), -1);
	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	printf("# %s\n", err.msg + strlen(path));
	unlink(path);
	if (strncmp(err.msg, want, strlen(want)) || !strstr(err.msg, part)) {
		free(path);
		UNIT_FAIL("got \"%s\", want \"%s...%s\"", err.msg, want, part);
	}
	free(path);
}

UNIT_TEST(errors_carry_file_and_line)
{
	expect_error("device evs0\nfrobnicate 1\n", 2, "unknown directive 'frobnicate'");
	/* a mistyped key directive must not echo the key */
	expect_error("key s3cr3t\n", 1, "unknown directive 'key'");
	expect_error("crypto isakmp frob\n", 1, "unknown directive 'crypto isakmp frob'");
	expect_error("device \"evs0\n", 1, "unterminated quoted string");
	expect_error("\n\n}\n", 3, "'}' without an open block");
	expect_error("timers {\n  dpd-interval 5\n", 1, "block 'timers' is not closed");
	expect_error("timers { dpd-interval 5\n}\n", 1, "'{' must end the line");
	expect_error("timers {\n  dpd-interval many\n}\n", 2, "'many' is not a number");
	expect_error("timers {\n  dpd-retries 99\n}\n", 2, "outside 1..20");
	expect_error("timers {\n  sleep 1\n}\n", 2, "'sleep' is not one of");
	expect_error("crypto isakmp policy 10 {\n hash sha\n}\n", 1,
		     "needs encryption, hash, authentication and group");
	expect_error("crypto isakmp policy 10 {\n encryption rot13\n}\n", 2,
		     "'rot13' is not one of: des, 3des, aes");
	expect_error("crypto isakmp policy 10 {\n encryption aes 100\n}\n", 2,
		     "outside 128..256");
	expect_error("crypto isakmp policy 10 {\n group 1\n}\n", 2,
		     "not a supported DH group");
	expect_error("crypto isakmp policy 10 {\n hash sha\n hash md5\n}\n", 3,
		     "'hash' given twice");
	expect_error("crypto isakmp policy 5 {\n encryption aes\n hash sha\n"
		     " authentication pre-share\n group 14\n}\n"
		     "crypto isakmp policy 5 {\n}\n", 7, "policy 5 defined twice");
	expect_error("crypto isakmp policy 10\n", 1, "needs a { ... } block");
	expect_error("crypto isakmp key k address 1.2.3.4/40\n", 1, "bad prefix length");
	expect_error("crypto isakmp key k address gw.example\n", 1,
		     "not an IPv4 or IPv6 address");
	expect_error("crypto ipsec transform-set T esp-aes\n", 1,
		     "needs an integrity algorithm (esp-sha-hmac, ...) for its non-AEAD");
	expect_error("crypto ipsec transform-set T esp-gcm esp-aes 256\n", 1,
		     "needs an integrity algorithm");
	expect_error("crypto ipsec transform-set T esp-gcm 256 esp-sha-hmac\n", 1,
		     "esp-gcm carries its own integrity");
	expect_error("crypto ipsec transform-set T mode tunnel\n", 1,
		     "needs a cipher (esp-aes, esp-gcm, esp-3des, ...)");
	expect_error("crypto ipsec transform-set T esp-aes esp-sha-hmac esp-rc4\n", 1,
		     "unknown transform 'esp-rc4'");
	expect_error("crypto ipsec security-association lifetime seconds 5\n", 1,
		     "outside 120..172800");
	expect_error("\npeer hq {\n server 203.0.113.1\n group-key k\n"
		     " transform-set NOPE\n}\n", 5, "no transform-set named 'NOPE'");
	expect_error("peer hq {\n server 203.0.113.1\n mode aggressive\n"
		     " group-key k\n}\n", 1, "needs 'group-name'");
	expect_error("peer hq {\n server 203.0.113.1\n authentication rsa-sig\n}\n", 1,
		     "rsa-sig needs a pki block");
	expect_error("peer hq {\n group-key k\n}\n", 1, "needs 'server ADDRESS'");
	expect_error("peer hq {\n server 203.0.113.1\n group-key \"\"\n}\n", 3,
		     "empty secret");
	expect_error("crypto isakmp policy 1 {\n encryption aes\n hash sha\n"
		     " authentication rsa-sig\n group 14\n}\n", 1,
		     "policy 1 uses rsa-sig but there is no pki block");
	expect_error("pki {\n  ca /nonexistent/ca.pem\n}\n", 1, "/nonexistent/ca.pem");
	expect_error("log-level chatty\n", 1, "'chatty' is not one of");
	expect_error("ports 500 500\n", 1, "must differ");
	expect_error("device a\x01\n", 1, "unexpected character 0x01");
	expect_error("device evs0\nlisten 2001:db8::1\nlisten 2001:db8::1\n", 3,
		     "listen 2001:db8::1 given twice");
	expect_error("listen 2001:db8::1/64\n", 1, "no prefix length allowed");
	expect_error("peer hq {\n server 2001:db8::2\n server 2001:db8::2\n group-key k\n}\n",
		     3, "server 2001:db8::2 given twice");
	expect_error("device \"a\"b\n", 1, "text straight after a closing quote");
}

/* Dual stack: IPv6 listen addresses beside IPv4 ones, an IPv6 gateway
 * for the client role (its port kept). */
UNIT_TEST(ipv6_listen_and_server)
{
	static const char text[] =
		"listen 198.51.100.1\nlisten 2001:db8::1\n"
		"peer hq {\n server 2001:db8::2 port 4501\n server 198.51.100.9\n"
		" group-key k\n}\n";
	char *path = unit_tmpfile(text);
	const struct sockaddr_in6 *s6;
	struct evsd_config cfg;
	struct evs_err err;

	evsd_log_set_quiet(true);
	if (evsd_config_load(path, &cfg, &err) < 0)
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT_EQ_INT(cfg.ike.n_listen, 2);
	UNIT_ASSERT_EQ_INT(cfg.ike.listen[1].ss_family, AF_INET6);
	UNIT_ASSERT_EQ_INT(cfg.ike.peers[0].n_servers, 2);
	s6 = (const struct sockaddr_in6 *)&cfg.ike.peers[0].server;
	UNIT_ASSERT_EQ_INT(s6->sin6_family, AF_INET6);
	UNIT_ASSERT_EQ_INT(ntohs(s6->sin6_port), 4501);
	UNIT_ASSERT_EQ_INT(s6->sin6_addr.s6_addr[15], 2);
	UNIT_ASSERT_EQ_INT(cfg.ike.peers[0].servers[1].ss_family, AF_INET);
	evsd_config_free(&cfg);
	unlink(path);
	free(path);
}

UNIT_TEST(check_config_output)
{
	char *path = unit_tmpfile(good), *bad = unit_tmpfile("device evs0\nbogus\n");
	char out[512] = "", errout[512] = "";
	FILE *o = fmemopen(out, sizeof(out), "w");
	FILE *e = fmemopen(errout, sizeof(errout), "w");

	evsd_log_set_quiet(true);
	UNIT_ASSERT_EQ_INT(evsd_check_config(path, false, o, e), 0);
	UNIT_ASSERT_EQ_INT(evsd_check_config(bad, false, o, e), 1);
	fclose(o);
	fclose(e);
	UNIT_ASSERT(strstr(out, ": ok: 2 isakmp policies, 3 transform sets, 2 keys, 1 peers"));
	UNIT_ASSERT(strstr(errout, ":2: unknown directive 'bogus'"));
	UNIT_ASSERT(!strstr(out, "s3cret"));
	unlink(path);
	unlink(bad);
	free(path);
	free(bad);
}

UNIT_TEST(easyvpn_sections_and_defaults)
{
	char *path = unit_tmpfile("crypto isakmp policy 10 {\n encryption aes 256\n hash sha\n authentication pre-share\n group 14\n}\n"
			       "group sales {\n  key \"q7Rv2LmX9pWc4ZtKb8Ns\"\n}\n"
			       "unknown-thing 1\n");
	struct evsd_config cfg;
	struct evs_err err;

	evsd_log_set_quiet(true);
	/* The daemon's loader runs the Easy VPN sections too; what nobody
	 * claims is an error with its line. */
	UNIT_ASSERT_EQ_INT(evsd_config_load(path, &cfg, &err), -1);
	UNIT_ASSERT(strstr(err.msg, ":10: unknown directive 'unknown-thing'"));
	unlink(path);
	free(path);
	path = unit_tmpfile("crypto isakmp policy 10 {\n encryption aes 256\n hash sha\n authentication pre-share\n group 14\n}\n"
			 "group sales {\n  key \"q7Rv2LmX9pWc4ZtKb8Ns\"\n}\n");
	if (evsd_config_load(path, &cfg, &err) < 0)
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT(cfg.easyvpn);
	UNIT_ASSERT_EQ_INT(cfg.easyvpn->n_groups, 1);
	/* defaults */
	UNIT_ASSERT_EQ_STR(cfg.ike.device, "evs0");
	UNIT_ASSERT_EQ_INT(cfg.ike.port, 500);
	UNIT_ASSERT_EQ_INT(cfg.ike.natt_port, 4500);
	UNIT_ASSERT_EQ_INT(cfg.ike.n_sets, 1);
	UNIT_ASSERT_EQ_STR(cfg.ike.sets[0].name, "default");
	UNIT_ASSERT_EQ_INT(cfg.ike.p2.life_secs, 3600);
	UNIT_ASSERT_EQ_INT(cfg.ike.timers.dpd_interval, 10);
	evsd_config_free(&cfg);
	unlink(path);
	free(path);
}

UNIT_TEST(tree_shape_and_quoting)
{
	struct evs_err err;
	struct cfg_node *r = cfg_parse_string(
		"a b \"c d\" \"\\\\\" # comment\n"
		"blk x {\n"
		"  inner {\n"
		"    leaf 1\n"
		"  }\n"
		"  second\n"
		"}\r\n"
		"last\n", "t.conf", &err);

	UNIT_ASSERT(r);
	UNIT_ASSERT_EQ_INT(r->child->argc, 4);
	UNIT_ASSERT_EQ_STR(r->child->argv[2], "c d");
	UNIT_ASSERT_EQ_STR(r->child->argv[3], "\\");
	UNIT_ASSERT(r->child->next->block);
	UNIT_ASSERT_EQ_INT(r->child->next->line, 2);
	UNIT_ASSERT_EQ_STR(r->child->next->child->argv[0], "inner");
	UNIT_ASSERT_EQ_STR(r->child->next->child->child->argv[0], "leaf");
	UNIT_ASSERT_EQ_INT(r->child->next->child->child->line, 4);
	UNIT_ASSERT_EQ_STR(r->child->next->child->next->argv[0], "second");
	UNIT_ASSERT_EQ_STR(r->child->next->next->argv[0], "last");
	UNIT_ASSERT_EQ_INT(r->child->next->next->line, 8);
	UNIT_ASSERT(cfg_is(r->child, "a", "b", NULL));
	UNIT_ASSERT(!cfg_is(r->child, "a", "c", NULL));
	UNIT_ASSERT_EQ_INT(cfg_check_unused(r, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "t.conf:1: unknown directive 'a'"));
	cfg_free(r);
}

UNIT_TEST(secrets_guarded_and_compared_in_constant_time)
{
	struct secret *a = secret_from("abc", 3), *b = secret_from("abc", 3);
	struct secret *c = secret_from("abd", 3), *d = secret_concat(a, c);

	UNIT_ASSERT(secret_equal(a, b));
	UNIT_ASSERT(!secret_equal(a, c));
	UNIT_ASSERT(!secret_equal(a, d));
	UNIT_ASSERT_EQ_INT(secret_len(d), 6);
	UNIT_ASSERT(!memcmp(secret_data(d), "abcabd", 6));
	UNIT_ASSERT(secret_wdata(a) == NULL);	/* sealed: read-only */
	UNIT_ASSERT(secret_memeq("xy", "xy", 2));
	secret_free(a);
	secret_free(b);
	secret_free(c);
	secret_freep(&d);
	UNIT_ASSERT(d == NULL);
}

/* The pki block's revocation, depth and EKU directives (issue 10,
 * item 11); the checks themselves are in test_ike_cert. */
UNIT_TEST(pki_crl_depth_and_eku_directives)
{
	char dir[] = "/tmp/evs-pki-XXXXXX", cmd[1024], text[1024];
	struct evsd_config cfg;
	struct evs_err err;
	char *path;

	UNIT_ASSERT(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cd %s && openssl req -x509 -newkey rsa:2048 -nodes"
		 " -keyout ca.key -out ca.pem -days 2 -subj '/CN=t' 2>/dev/null &&"
		 " printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\n"
		 "crlnumber=n\\ndefault_md=sha256\\ndefault_crl_days=2\\n' > c.cnf &&"
		 " : > index.txt && echo 01 > n && openssl ca -config c.cnf -keyfile ca.key"
		 " -cert ca.pem -gencrl -out ca.crl 2>/dev/null", dir);
	UNIT_ASSERT_EQ_INT(system(cmd), 0);
	snprintf(text, sizeof(text), "pki {\n ca %s/ca.pem\n crl %s/ca.crl\n crl-check leaf\n"
		 " max-chain-depth 2\n extended-key-usage ipsec-ike server-auth\n}\n", dir, dir);
	path = unit_tmpfile(text);
	evsd_log_set_quiet(true);
	if (evsd_config_load(path, &cfg, &err) < 0)
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT(cfg.ike.certs);
	evsd_config_free(&cfg);
	unlink(path);
	free(path);
	snprintf(text, sizeof(text), "pki {\n ca %s/ca.pem\n extended-key-usage bogus\n}\n", dir);
	expect_error(text, 3, "\"bogus\" is none of none, ike,");
	snprintf(text, sizeof(text), "pki {\n ca %s/ca.pem\n max-chain-depth 17\n}\n", dir);
	expect_error(text, 3, "max-chain-depth");
	snprintf(text, sizeof(text), "pki {\n ca %s/ca.pem\n crl-check sometimes\n}\n", dir);
	expect_error(text, 3, "sometimes");
	snprintf(text, sizeof(text), "pki {\n ca %s/ca.pem\n crl %s/ca.pem\n}\n", dir, dir);
	expect_error(text, 1, "no PEM CRL");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	UNIT_ASSERT_EQ_INT(system(cmd), 0);
}


/* --check-config refuses what evsd refuses at start for its role. */
UNIT_TEST(check_config_role)
{
	static const char nopolicy[] =
		"device evs0\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\n";
	char *path = unit_tmpfile(nopolicy), *gw = unit_tmpfile(good);
	char out[512] = "", errout[512] = "";
	FILE *o = fmemopen(out, sizeof(out), "w");
	FILE *e = fmemopen(errout, sizeof(errout), "w");
	struct evsd_config cfg;
	struct evs_err err;

	evsd_log_set_quiet(true);
	/* a gateway without isakmp policy; a client without peers */
	UNIT_ASSERT_EQ_INT(evsd_check_config(path, false, o, e), 1);
	UNIT_ASSERT_EQ_INT(evsd_check_config(path, true, o, e), 1);
	UNIT_ASSERT_EQ_INT(evsd_check_config(gw, true, o, e), 0);
	fclose(o);
	fclose(e);
	UNIT_ASSERT(strstr(errout, "no 'crypto isakmp policy' block"));
	UNIT_ASSERT(strstr(errout, "--client needs at least one peer block"));
	UNIT_ASSERT(strstr(out, ": ok: 2 isakmp policies"));
	/* the start path uses the same check */
	UNIT_ASSERT_EQ_INT(evsd_config_load(path, &cfg, &err), 0);
	UNIT_ASSERT_EQ_INT(evsd_config_check_role(&cfg, false, &err), -1);
	evsd_config_free(&cfg);
	unlink(path);
	unlink(gw);
	free(path);
	free(gw);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	UNIT_ASSERT(f);
	fputs(text, f);
	fclose(f);
}

/* evsd_check_config(conf) with its output in out/errout. */
static int run_check(const char *conf, char *out, size_t olen, char *errout,
		     size_t elen)
{
	FILE *o = fmemopen(out, olen, "w"), *e = fmemopen(errout, elen, "w");
	int rc;

	UNIT_ASSERT(o && e);
	rc = evsd_check_config(conf, false, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

/* evsd --check-config loads the user database as evsd does at start, and
 * counts groups, pools and users. */
UNIT_TEST(check_config_user_database)
{
	char dir[] = "/tmp/evs-ck-XXXXXX", conf[256], users[256], text[1024];
	char out[1024] = "", errout[1024] = "";
	struct userdb db;
	struct evs_err ue;

	UNIT_ASSERT(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/evsd.conf", dir);
	snprintf(users, sizeof(users), "%s/users", dir);
	snprintf(text, sizeof(text),
		 "device evs0\nuser-database %s\n"
		 CONF_IKE_POLICY_10
		 "pool p1 10.77.1.0/24\npool p2 10.77.2.0/24\n"
		 "group g {\n  key \"q7Rv2LmX9pWc4ZtKb8Ns\"\n  pool p1\n}\n"
		 "group h {\n  key \"Vb7mQ2xR9tLc4WzKp8Jd\"\n  pool p2\n}\n"
		 "group i {\n  key \"Zt4mQ2xR9tLc4WzKp8Jd\"\n  pool p2\n}\n", users);
	write_file(conf, text);
	evsd_log_set_quiet(true);

	/* a missing user file is allowed (RADIUS-only gateways), as at start */
	UNIT_ASSERT_EQ_INT(run_check(conf, out, sizeof(out), errout, sizeof(errout)), 0);
	UNIT_ASSERT(strstr(out, ", 3 groups, 2 pools, 0 users"));

	/* two good users */
	userdb_init(&db);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "alice", "g", "pw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "bob", "h", "pw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_save(&db, users, &ue), 0);
	userdb_free(&db);
	UNIT_ASSERT_EQ_INT(run_check(conf, out, sizeof(out), errout, sizeof(errout)), 0);
	UNIT_ASSERT(strstr(out, ", 3 groups, 2 pools, 2 users"));

	/* a broken user file: refused with its file:line, as evsd would */
	write_file(users, "alice g\n");
	UNIT_ASSERT_EQ_INT(run_check(conf, out, sizeof(out), errout, sizeof(errout)), 1);
	snprintf(text, sizeof(text), "%s:1: ", users);
	UNIT_ASSERT(strstr(errout, text));

	unlink(users);
	unlink(conf);
	rmdir(dir);
}

UNIT_MAIN()
