// SPDX-License-Identifier: MIT
/*
 * client_dns: the pushed DNS servers and domains on the host.  With
 * systemd-resolved (a fake resolvectl that records its argv): per-link
 * servers (IPv4, then IPv6), split-DNS domains as routing domains, "~."
 * for a full tunnel, revert at teardown.  Without it: a resolv.conf in a temporary
 * directory replaced and restored byte for byte (a symlink as a
 * symlink), and a backup left by a crash restored at start.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evsd/client/client_dns.h"
#include "tests/unit/unit.h"

struct fake {
	bool resolved;
	char calls[8][256];
	unsigned n;
	char path[PATH_MAX];
	char dir[64];
};

static bool fake_resolved(void *arg)
{
	return ((struct fake *)arg)->resolved;
}

static int fake_resolvectl(void *arg, char *const argv[], struct evs_err *e)
{
	struct fake *f = arg;
	size_t off = 0;

	(void)e;
	if (f->n >= 8)
		return -1;
	for (unsigned i = 0; argv[i]; i++)
		off += (size_t)snprintf(f->calls[f->n] + off, sizeof(f->calls[0]) - off, "%s%s",
					i ? " " : "", argv[i]);
	f->n++;
	return 0;
}

static void fake_init(struct fake *f, struct client_dns_backend *b, bool resolved)
{
	memset(f, 0, sizeof(*f));
	f->resolved = resolved;
	snprintf(f->dir, sizeof(f->dir), "/tmp/evs-dns-test.XXXXXX");
	if (!mkdtemp(f->dir))
		UNIT_FAIL("mkdtemp");
	snprintf(f->path, sizeof(f->path), "%s/resolv.conf", f->dir);
	*b = (struct client_dns_backend){ f, fake_resolved, fake_resolvectl, f->path };
}

static void fake_done(struct fake *f)
{
	char p[PATH_MAX + 32];

	unlink(f->path);
	snprintf(p, sizeof(p), "%s.evsd-backup", f->path);
	unlink(p);
	rmdir(f->dir);
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		UNIT_FAIL("fopen %s", path);
	fputs(text, fp);
	fclose(fp);
}

static char *get(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static const uint32_t dns[] = { 0xc0a84d35 };	/* 192.168.77.53 */

static struct client_dns_req req(bool full, const char *split)
{
	return (struct client_dns_req){
		.name = "t", .device = "evs0", .full_tunnel = full, .dns = dns, .n_dns = 1,
		.domain = "corp.example", .split_dns = split,
	};
}

UNIT_TEST(resolved_split_dns_is_routing_domains)
{
	struct client_dns_backend b;
	struct client_dns_req r = req(false, "corp.example,lab.example");
	struct client_dns *d;
	struct fake f;

	fake_init(&f, &b, true);
	put(f.path, "nameserver 127.0.0.53\n");
	d = client_dns_up(&b, &r);
	UNIT_ASSERT(d);
	UNIT_ASSERT_EQ_INT(f.n, 2);
	UNIT_ASSERT_EQ_STR(f.calls[0], "resolvectl dns evs0 192.168.77.53");
	/* corp.example is the search domain: that routes it already */
	UNIT_ASSERT_EQ_STR(f.calls[1], "resolvectl domain evs0 ~lab.example corp.example");
	client_dns_down(d);
	UNIT_ASSERT_EQ_STR(f.calls[2], "resolvectl revert evs0");
	/* resolved: the file is never touched */
	UNIT_ASSERT_EQ_STR(get(f.path), "nameserver 127.0.0.53\n");
	fake_done(&f);
}

UNIT_TEST(resolved_full_tunnel_takes_every_domain)
{
	struct client_dns_backend b;
	struct client_dns_req r = req(true, "corp.example");
	struct fake f;

	fake_init(&f, &b, true);
	client_dns_down(client_dns_up(&b, &r));
	UNIT_ASSERT_EQ_STR(f.calls[1], "resolvectl domain evs0 ~. corp.example");
	UNIT_ASSERT_EQ_STR(f.calls[2], "resolvectl revert evs0");
	fake_done(&f);
}

UNIT_TEST(resolv_conf_replaced_and_restored_exactly)
{
	static const char orig[] = "# the admin's\nsearch home.lan\nnameserver 192.0.2.1\n"
				   "options edns0\n";
	struct client_dns_backend b;
	struct client_dns_req r = req(false, "");
	struct client_dns *d;
	struct fake f;
	char bak[PATH_MAX + 32];
	const char *now;

	fake_init(&f, &b, false);
	snprintf(bak, sizeof(bak), "%s.evsd-backup", f.path);
	put(f.path, orig);
	chmod(f.path, 0640);
	d = client_dns_up(&b, &r);
	UNIT_ASSERT(d);
	now = get(f.path);
	UNIT_ASSERT(now && strstr(now, "nameserver 192.168.77.53\nnameserver 192.0.2.1\n"));
	UNIT_ASSERT(strstr(now, "search corp.example home.lan\n"));
	UNIT_ASSERT(strstr(now, "options edns0\n"));
	UNIT_ASSERT_EQ_STR(get(bak), orig);
	/* a second session does not stack on the first */
	UNIT_ASSERT(!client_dns_up(&b, &r));
	client_dns_down(d);
	UNIT_ASSERT_EQ_STR(get(f.path), orig);
	UNIT_ASSERT(access(bak, F_OK) != 0);
	{
		struct stat st;

		UNIT_ASSERT(!stat(f.path, &st) && (st.st_mode & 0777) == 0640);
	}
	fake_done(&f);
}

static const uint8_t dns6[][16] = {	/* 2001:db8:77::53 */
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 },
};

UNIT_TEST(resolved_ipv6_servers_after_ipv4_ones)
{
	struct client_dns_backend b;
	struct client_dns_req r = req(false, "corp.example");
	struct fake f;

	fake_init(&f, &b, true);
	r.dns6 = dns6;
	r.n_dns6 = 1;
	client_dns_down(client_dns_up(&b, &r));
	UNIT_ASSERT_EQ_STR(f.calls[0], "resolvectl dns evs0 192.168.77.53 2001:db8:77::53");
	/* IPv6 alone is enough to apply */
	r.n_dns = 0;
	client_dns_down(client_dns_up(&b, &r));
	UNIT_ASSERT_EQ_INT(f.n, 6);
	UNIT_ASSERT_EQ_STR(f.calls[3], "resolvectl dns evs0 2001:db8:77::53");
	fake_done(&f);
}

UNIT_TEST(resolv_conf_ipv6_nameserver_beside_ipv4)
{
	static const char orig[] = "nameserver 192.0.2.1\n";
	struct client_dns_backend b;
	struct client_dns_req r = req(false, "");
	struct client_dns *d;
	struct fake f;
	const char *now;

	fake_init(&f, &b, false);
	r.dns6 = dns6;
	r.n_dns6 = 1;
	put(f.path, orig);
	d = client_dns_up(&b, &r);
	UNIT_ASSERT(d);
	now = get(f.path);
	UNIT_ASSERT(now && strstr(now, "nameserver 192.168.77.53\nnameserver 2001:db8:77::53\n"
				       "nameserver 192.0.2.1\n"));
	client_dns_down(d);
	UNIT_ASSERT_EQ_STR(get(f.path), orig);
	fake_done(&f);
}

UNIT_TEST(resolv_conf_symlink_comes_back_as_symlink)
{
	struct client_dns_backend b;
	struct client_dns_req r = req(true, "");
	struct fake f;
	char target[PATH_MAX + 32], link[PATH_MAX];
	ssize_t n;

	fake_init(&f, &b, false);
	snprintf(target, sizeof(target), "%s/stub", f.dir);
	put(target, "nameserver 127.0.0.53\n");
	UNIT_ASSERT(!symlink(target, f.path));
	client_dns_down(client_dns_up(&b, &r));
	n = readlink(f.path, link, sizeof(link) - 1);
	UNIT_ASSERT(n > 0);
	link[n > 0 ? n : 0] = '\0';
	UNIT_ASSERT_EQ_STR(link, target);
	UNIT_ASSERT_EQ_STR(get(target), "nameserver 127.0.0.53\n");
	unlink(target);
	fake_done(&f);
}

UNIT_TEST(crash_backup_restored_at_start_and_no_dns_touches_nothing)
{
	struct client_dns_backend b;
	struct client_dns_req r = req(false, "");
	struct client_dns *d;
	struct fake f;
	char bak[PATH_MAX + 32];

	fake_init(&f, &b, false);
	snprintf(bak, sizeof(bak), "%s.evsd-backup", f.path);
	put(f.path, "nameserver 192.0.2.1\n");
	d = client_dns_up(&b, &r);	/* and evsd dies: no down */
	UNIT_ASSERT(d);
	free(d);
	client_dns_recover(&b, "evs0");
	UNIT_ASSERT_EQ_STR(get(f.path), "nameserver 192.0.2.1\n");
	UNIT_ASSERT(access(bak, F_OK) != 0);
	r.n_dns = 0;
	UNIT_ASSERT(!client_dns_up(&b, &r));
	UNIT_ASSERT_EQ_STR(get(f.path), "nameserver 192.0.2.1\n");
	fake_done(&f);
}

UNIT_TEST(resolved_settings_reverted_at_start)
{
	struct client_dns_backend b;
	struct fake f;

	fake_init(&f, &b, true);
	put(f.path, "nameserver 127.0.0.53\n");
	client_dns_recover(&b, "evs0");
	UNIT_ASSERT_EQ_INT(f.n, 1);
	UNIT_ASSERT_EQ_STR(f.calls[0], "resolvectl revert evs0");
	UNIT_ASSERT_EQ_STR(get(f.path), "nameserver 127.0.0.53\n");
	fake_done(&f);
}

UNIT_MAIN()
