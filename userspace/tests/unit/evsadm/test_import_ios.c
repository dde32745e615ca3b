// SPDX-License-Identifier: MIT
/*
 * evsadm import-ios: the four IOS configurations of tests/data/ios
 * converted, their key directives checked, and every result loaded by the
 * real evsd --check-config (with its user file and, for the certificate
 * one, the test PKI copied where the pki block points); then hostile input.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evsadm/import_ios.h"
#include "evsadm/ios_tree.h"
#include "lib/userdb.h"
#include "tests/unit/unit.h"

#ifndef EVS_IOS_DATA
#error "EVS_IOS_DATA (tests/data/ios) is set by the Makefile"
#endif

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	if (!f || !buf) {
		fprintf(stderr, "cannot read %s\n", path);
		abort();
	}
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = slurp(from, &len);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
	free(buf);
}

struct conv {
	struct ios_import imp;
	char dir[64], conf[128], users[128];
};

/* Convert tests/data/ios/NAME into a fresh directory. */
static int convert(const char *name, struct conv *c)
{
	struct ios_import_opts o = { 0 };
	char path[512];
	struct evs_err e;
	size_t len;
	char *text;
	int rc;

	snprintf(c->dir, sizeof(c->dir), "/tmp/evs-ios-XXXXXX");
	if (!mkdtemp(c->dir))
		abort();
	snprintf(c->conf, sizeof(c->conf), "%s/evsd.conf", c->dir);
	snprintf(c->users, sizeof(c->users), "%s/users", c->dir);
	snprintf(path, sizeof(path), "%s/%s", EVS_IOS_DATA, name);
	text = slurp(path, &len);
	o.source = name;
	o.users_path = c->users;
	o.pki_dir = c->dir;
	rc = ios_import(text, len, &o, &c->imp, &e);
	free(text);
	return rc;
}

static const struct ios_user *user(const struct conv *c, const char *name)
{
	for (size_t i = 0; i < c->imp.n_users; i++)
		if (!strcmp(c->imp.users[i].name, name))
			return &c->imp.users[i];
	return NULL;
}

/* The conversion's files written as evsadm import-ios -o -u writes them,
 * then evsd --check-config; its exit status. */
static int check_config(struct conv *c)
{
	struct userdb db;
	struct evs_err e;
	char cmd[512];
	int fd, st;

	fd = open(c->conf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, c->imp.conf, c->imp.conf_len) != (ssize_t)c->imp.conf_len)
		abort();
	close(fd);
	userdb_init(&db);
	for (size_t i = 0; i < c->imp.n_users; i++)
		if (c->imp.users[i].password &&
		    userdb_add(&db, c->imp.users[i].name, c->imp.users[i].group,
			       c->imp.users[i].password, USERDB_COST_MIN, &e))
			abort();
	if (db.n && userdb_save(&db, c->users, &e))
		abort();
	userdb_free(&db);
	snprintf(cmd, sizeof(cmd), "%s --check-config -c %s >%s/check.out 2>&1", EVS_EVSD_BIN,
		 c->conf, c->dir);
	st = system(cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/#   /' %s/check.out; sed 's/^/#   /' %s",
			 c->dir, c->conf);
		if (system(cmd) < 0)
			return -1;
		return -1;
	}
	return 0;
}

static void cleanup(struct conv *c)
{
	char cmd[128];

	ios_import_free(&c->imp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	if (system(cmd) < 0)
		return;
}

#define HAS(c, s) UNIT_ASSERT(strstr((c)->imp.conf, (s)) != NULL)
#define HASNT(c, s) UNIT_ASSERT(strstr((c)->imp.conf, (s)) == NULL)

UNIT_TEST(type7)
{
	char out[64];

	UNIT_ASSERT_EQ_INT(ios_type7_decode("02050D480809", out, sizeof(out)), 0);
	UNIT_ASSERT_EQ_STR(out, "cisco");
	UNIT_ASSERT_EQ_INT(ios_type7_decode("110B16075A26121C017D6634292026", out, sizeof(out)), 0);
	UNIT_ASSERT_EQ_STR(out, "bob-Type7-pass");
	UNIT_ASSERT_EQ_INT(ios_type7_decode("0205", out, sizeof(out)), 0);
	UNIT_ASSERT(ios_type7_decode("99050D48", out, sizeof(out)) < 0);	/* seed > 15 */
	UNIT_ASSERT(ios_type7_decode("02050D4", out, sizeof(out)) < 0);	/* odd */
	UNIT_ASSERT(ios_type7_decode("020G0D48", out, sizeof(out)) < 0);	/* not hex */
	UNIT_ASSERT(ios_type7_decode("0266", out, sizeof(out)) < 0);		/* decodes to NUL */
	UNIT_ASSERT(ios_type7_decode("02050D480809", out, 3) < 0);		/* no room */
}

/* Local users and one group, the crypto map style (also the VM test's). */
UNIT_TEST(local_users_one_group)
{
	struct conv c;
	const struct ios_user *u;

	UNIT_ASSERT_EQ_INT(convert("local_one_group.cfg", &c), 0);
	HAS(&c, "listen 198.51.100.1");
	HAS(&c, "crypto isakmp policy 10 {\n    encryption aes 256\n    hash sha\n"
		"    authentication pre-share\n    group 2\n    lifetime 28800\n}");
	HAS(&c, "crypto isakmp policy 20 {\n    encryption 3des\n    hash md5\n");
	HAS(&c, "crypto ipsec transform-set ESP-AES256-SHA esp-aes 256 esp-sha-hmac\n"
		"crypto ipsec transform-set ESP-3DES-SHA esp-3des esp-sha-hmac\n");
	HAS(&c, "dpd-interval 10");
	HAS(&c, "nat-keepalive 20");
	HAS(&c, "pool SALES-POOL 10.77.0.10 10.77.0.100");
	HAS(&c, "group sales {\n    key Kq7Rv2LmX9pWc4ZtKb8Nsales\n");
	HAS(&c, "    dns 192.168.77.53 192.168.77.54\n");
	HAS(&c, "    wins 192.168.77.20\n");
	HAS(&c, "    domain corp.example\n");
	HAS(&c, "    pool SALES-POOL\n");
	HAS(&c, "    split-include 192.168.77.0/24");
	HAS(&c, "    save-password yes\n");
	HAS(&c, "    backup-servers 198.51.100.3\n");
	HAS(&c, "    include-local-lan\n");
	HAS(&c, "    max-logins 2\n");
	HAS(&c, "    banner \"Welcome to the evs test gateway\"\n");
	HASNT(&c, "authentication radius");
	HASNT(&c, "aaa {");
	/* what could not be carried over is named, with the line */
	HAS(&c, "# line 61: max-users 50: evsd limits sessions per user");
	HAS(&c, "# line 62: netmask 255.255.255.0:");
	HAS(&c, "# line 31: username admin privilege 15 secret 5 <secret>: a type 5 hash");
	HASNT(&c, "$1$k1Zn");		/* no hash or secret in a note */
	HAS(&c, "top-level lines outside the VPN configuration were skipped");
	/* users: clear text (spaces kept), type 7 decoded, hashes to reset */
	u = user(&c, "alice");
	UNIT_ASSERT(u && u->password);
	UNIT_ASSERT_EQ_STR(u->password, "alice pw 1");
	UNIT_ASSERT_EQ_STR(u->group, "sales");
	u = user(&c, "bob");
	UNIT_ASSERT(u && u->password);
	UNIT_ASSERT_EQ_STR(u->password, "bob-Type7-pass");
	u = user(&c, "carol");
	UNIT_ASSERT(u && !u->password && strstr(u->why, "type 9"));
	u = user(&c, "admin");
	UNIT_ASSERT(u && !u->password && strstr(u->why, "type 5"));
	UNIT_ASSERT(c.imp.commented >= 4);
	UNIT_ASSERT(c.imp.carried >= 40);
	UNIT_ASSERT_EQ_INT(check_config(&c), 0);
	cleanup(&c);
}

/* Two groups with isakmp profiles, split tunnelling and RADIUS. */
UNIT_TEST(two_groups_split_radius)
{
	struct conv c;

	UNIT_ASSERT_EQ_INT(convert("radius_two_groups.cfg", &c), 0);
	HAS(&c, "group sales {\n");
	HAS(&c, "group eng {\n");
	HAS(&c, "    split-include 10.77.10.0/24 10.77.30.5/32 10.77.50.0/24");
	HAS(&c, "    split-include 10.77.10.0/24 10.77.31.0/25");
	HAS(&c, "    split-dns sales.example.net example.net\n");
	HAS(&c, "    backup-servers 203.0.113.2 203.0.113.3\n");
	HAS(&c, "    pfs yes\n");
	HAS(&c, "    max-logins 1\n");
	HAS(&c, "    group-lock yes\n");
	HAS(&c, "    group-lock no\n");
	HAS(&c, "    authentication radius-local\n");
	HAS(&c, "    accounting radius\n");
	HAS(&c, "    interim-interval 600");
	HAS(&c, "    radius-server 10.77.10.11 {");
	HAS(&c, "        key Rad1us-Old-Secret\n");	/* type 7 decoded */
	HAS(&c, "    radius-server 10.77.10.12 {");
	HAS(&c, "        key Rad-B-Shared-Secret-77\n");
	HAS(&c, "        auth-port 1812\n        acct-port 1813\n");
	/* the ipsec profile's order */
	UNIT_ASSERT(strstr(c.imp.conf, "transform-set AES128-SHA256") <
		    strstr(c.imp.conf, "transform-set AES256-SHA "));
	HAS(&c, "virtual-template 1: evsd has no virtual-template interfaces");
	HAS(&c, "deny ip 10.77.40.0 0.0.0.255 any: evsd's split-include has no exceptions");
	HAS(&c, "timeout 5: evsd's RADIUS timeout and retries are global");
	HAS(&c, "    firewall are-you-there\n");
	HAS(&c, "aaa authentication login default local: not used by the VPN");
	UNIT_ASSERT_EQ_INT(check_config(&c), 0);
	cleanup(&c);
}

/* Certificates in main mode, and a site-to-site no-xauth peer. */
UNIT_TEST(certificates_and_site_to_site)
{
	char from[512], to[256];
	struct conv c;
	const char *const files[][2] = { { "ca.pem", "CORP-CA-ca.pem" },
					 { "gw.pem", "CORP-CA-cert.pem" },
					 { "gw.key", "CORP-CA-key.pem" } };

	UNIT_ASSERT_EQ_INT(convert("certs_site_to_site.cfg", &c), 0);
	HAS(&c, "    authentication rsa-sig\n");
	HAS(&c, "crypto isakmp identity dn\n");
	HAS(&c, "crypto isakmp key S2S-Branch-Key-9f3k2m address 203.0.113.9/32 no-xauth {\n");
	HAS(&c, "    local-network 192.168.77.0/24\n    remote-network 10.77.200.0/24\n}");
	HAS(&c, "crypto ipsec pfs 14\n");
	HAS(&c, "crypto ipsec transform-set RA-SET esp-aes 256 esp-sha-hmac\n"
		"crypto ipsec transform-set S2S-SET esp-aes 256 esp-sha256-hmac\n");
	/* AES-GCM carries over as IOS spells it, without an HMAC */
	HAS(&c, "crypto ipsec transform-set GCM-SET esp-gcm 256\n");
	HAS(&c, "pki {\n");
	HAS(&c, "-ca.pem\n");
	HAS(&c, "crypto pki export CORP-CA pem terminal");
	HAS(&c, "group staff {\n");
	HAS(&c, "    split-include 192.168.77.0/24 10.77.200.0/24");
	/* a no-xauth key without its tunnel's networks is not carried over,
	 * and its key is not shown */
	HAS(&c, "set peer 203.0.113.77");
	HASNT(&c, "Old-Branch-K3y");
	HAS(&c, "crypto pki certificate chain CORP-CA (and its sub-lines): the certificates");
	UNIT_ASSERT(user(&c, "dave") && user(&c, "dave")->password);
	UNIT_ASSERT_EQ_STR(user(&c, "dave")->password, "Dave's \"quoted\" pass");
	for (unsigned i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s/%s", EVS_CERTS, files[i][0]);
		snprintf(to, sizeof(to), "%s/%s", c.dir, files[i][1]);
		copy_file(from, to);
	}
	UNIT_ASSERT_EQ_INT(check_config(&c), 0);
	cleanup(&c);
}

/* IOS 12.4: radius-server host, several transform sets and policies. */
UNIT_TEST(old_radius_server_host)
{
	struct conv c;

	UNIT_ASSERT_EQ_INT(convert("old_radius_server.cfg", &c), 0);
	HAS(&c, "listen 192.0.2.1");
	HAS(&c, "crypto isakmp policy 3 {\n    encryption 3des\n    hash md5\n");
	HAS(&c, "crypto isakmp policy 10 {\n    encryption aes 256\n    hash sha\n"
		"    authentication pre-share\n    group 5\n}");
	HAS(&c, "crypto isakmp policy 1 (and its sub-lines): no group line: IOS's default "
		"DH group 1");
	HAS(&c, "authentication rsa-encr is not supported");
	HAS(&c, "crypto ipsec transform-set AES-SHA esp-aes 256 esp-sha-hmac\n"
		"crypto ipsec transform-set 3DES-MD5 esp-3des esp-md5-hmac\n"
		"crypto ipsec transform-set DES-SHA esp-des esp-sha-hmac\n"
		"crypto ipsec transform-set COMP esp-3des esp-sha-hmac\n");
	HAS(&c, "AH-AES");
	HAS(&c, "crypto ipsec security-association lifetime seconds 28800\n");
	HAS(&c, "crypto ipsec pfs 2\n");
	HAS(&c, "aaa {\n    authentication radius\n    accounting radius\n    timeout 5\n"
		"    retries 2\n");
	HAS(&c, "    radius-server 172.16.1.50 {");
	HAS(&c, "        auth-port 1645\n        acct-port 1646\n");
	HAS(&c, "    radius-server 172.16.1.51 {");
	HAS(&c, "        key Shared-Fallback-Key-31\n");
	HAS(&c, "    pool REMOTE-POOL   # crypto isakmp client configuration address-pool local");
	HAS(&c, "    modecfg push\n");
	HAS(&c, "key 6 <secret>: the group key cannot be carried over");
	HAS(&c, "a second range for pool LEGACY");
	HAS(&c, "radius-server vsa send accounting: evsd sends and reads no Cisco");
	HASNT(&c, "JcO[HbLb");
	UNIT_ASSERT(user(&c, "operator") == NULL);	/* RADIUS-only VPN */
	UNIT_ASSERT_EQ_INT(check_config(&c), 0);
	cleanup(&c);
}

/* Hostile input: no crash, no leak, bounded (ASan and UBSan watch). */
UNIT_TEST(hostile_input)
{
	struct ios_import_opts o = { 0 };
	struct ios_import imp;
	struct evs_err e;
	size_t n = 300000;
	char *buf = malloc(n + 1);
	static const char *const snippets[] = {
		"crypto isakmp client configuration group g\n banner ^C never ends",
		"crypto isakmp key 7 address 1.2.3.4 no-xauth\n",
		"crypto isakmp key 0\n",
		"username u password 7 \n",
		"username u password 7 0\n",
		"username u secret 5\n",
		"crypto isakmp client configuration group g\n acl\n acl 1\naccess-list 1 permit\n",
		"ip access-list extended X\n permit ip host\ncrypto isakmp client configuration group g\n acl X\n",
		"ip local pool P 10.0.0.9 10.0.0.1\nip local pool Q 0.0.0.0 255.255.255.255\n",
		"radius-server host 1.2.3.4 key\nradius-server key 7 0\naaa authentication login L group radius\ncrypto map M client authentication list L\n",
		"crypto map M 1 ipsec-isakmp\n set peer 1.1.1.1\n match address 100\naccess-list 100 permit ip any any\ncrypto isakmp key k address 1.1.1.1 no-xauth\n",
		"\x00\x01\xff crypto \x00isakmp policy 1\n\tgroup\x7f 2\n",
		"banner motd #\n",
		"crypto dynamic-map D 1\n set transform-set\n set pfs group99\n set security-association lifetime seconds 1\n",
		/* found by fuzz_import_ios: a profile without a client
		 * authentication list, and the crypto map's list undefined */
		"crypto map M client authentication list NOPE\ncrypto isakmp profile P\n match identity group g\n"
		"crypto isakmp client configuration group g\n key k\n",
	};

	UNIT_ASSERT(buf);
	for (unsigned i = 0; i < sizeof(snippets) / sizeof(snippets[0]); i++) {
		UNIT_ASSERT_EQ_INT(ios_import(snippets[i], strlen(snippets[i]) +
					      (i == 11 ? 4 : 0), &o, &imp, &e), 0);
		UNIT_ASSERT(imp.conf && strlen(imp.conf) == imp.conf_len);
		ios_import_free(&imp);
	}
	/* deep indentation, one very long line, many words */
	for (size_t i = 0; i < n; i++)
		buf[i] = i % 1000 == 999 ? '\n' : i % 7 ? ' ' : 'x';
	buf[n] = '\0';
	UNIT_ASSERT_EQ_INT(ios_import(buf, n, &o, &imp, &e), 0);
	ios_import_free(&imp);
	memset(buf, 'a', n);
	memcpy(buf, "crypto ", 7);
	UNIT_ASSERT_EQ_INT(ios_import(buf, n, &o, &imp, &e), 0);
	UNIT_ASSERT(strstr(imp.conf, "a line too long") != NULL);
	ios_import_free(&imp);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(i * 7919 % 251);
	UNIT_ASSERT_EQ_INT(ios_import(buf, n, &o, &imp, &e), 0);
	ios_import_free(&imp);
	free(buf);
	/* too large: refused with a reason */
	buf = calloc(1, IOS_MAX_FILE + 1);
	UNIT_ASSERT(buf);
	UNIT_ASSERT(ios_import(buf, IOS_MAX_FILE + 1, &o, &imp, &e) < 0);
	UNIT_ASSERT(strstr(e.msg, "larger than") != NULL);
	free(buf);
}

UNIT_MAIN()
