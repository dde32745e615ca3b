// SPDX-License-Identifier: MIT
/*
 * client_dns: the pushed DNS settings on the host; see client_dns.h.
 */
#include "evsd/client/client_dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "evsd/client/pat.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"

#define DNS_MAX_ARGS	24
#define DNS_FILE_MAX	8192	/* what we read of the original resolv.conf */
#define BACKUP_SUFFIX	".evsd-backup"
#define ABSENT_SUFFIX	".evsd-absent"	/* there was none: it goes again */

struct client_dns {
	const struct client_dns_backend *b;
	char name[96];
	char device[32];
	bool resolved;			/* else resolv.conf */
};

/* ---- the host's backend ------------------------------------------------------- */

static bool host_resolved(void *arg)
{
	(void)arg;
	/* resolved's varlink socket: it runs (not merely installed) */
	return access("/run/systemd/resolve/io.systemd.Resolve", F_OK) == 0;
}

static int host_resolvectl(void *arg, char *const argv[], struct evs_err *e)
{
	(void)arg;
	return pat_run_prog(argv, NULL, e);
}

void client_dns_host_backend(struct client_dns_backend *b)
{
	*b = (struct client_dns_backend){
		.resolved = host_resolved,
		.resolvectl = host_resolvectl,
		.resolv_conf = "/etc/resolv.conf",
	};
}

static void backup_path(const struct client_dns_backend *b, char *out, size_t n)
{
	snprintf(out, n, "%s" BACKUP_SUFFIX, b->resolv_conf);
}

static void absent_path(const struct client_dns_backend *b, char *out, size_t n)
{
	snprintf(out, n, "%s" ABSENT_SUFFIX, b->resolv_conf);
}

static void restore_file(const struct client_dns_backend *b, const char *name);

static unsigned n_servers(const struct client_dns_req *r)
{
	return r->n_dns + r->n_dns6;
}

/* The i-th pushed server as text: the IPv4 ones, then the IPv6 ones. */
static const char *server_str(const struct client_dns_req *r, unsigned i, char *buf,
			      size_t n)
{
	if (i < r->n_dns)
		return evs_ip4_ntop(r->dns[i], buf, n);
	if (!inet_ntop(AF_INET6, r->dns6[i - r->n_dns], buf, (socklen_t)n))
		snprintf(buf, n, "::");
	return buf;
}

/* ---- systemd-resolved ----------------------------------------------------------- */

/* "a.example, b.example" -> argv entries "~a.example" ... in store; not
 * the search domain: it routes its names too, and resolved keeps one
 * entry per name (the search one). */
static unsigned routing_domains(const char *list, const char *search, char store[][256],
				unsigned max)
{
	unsigned n = 0;

	while (*list && n < max) {
		size_t k;

		list += strspn(list, ", ");
		k = strcspn(list, ", ");
		if (k && k < 255 && (strlen(search) != k || strncasecmp(list, search, k)))
			snprintf(store[n++], 256, "~%.*s", (int)k, list);
		list += k;
	}
	return n;
}

static int resolved_up(struct client_dns *d, const struct client_dns_req *r)
{
	char addrs[DNS_MAX_ARGS][INET6_ADDRSTRLEN], doms[DNS_MAX_ARGS][256];
	char *argv[DNS_MAX_ARGS + 4];
	unsigned n = 0, nd = 0;
	struct evs_err e;

	argv[n++] = (char *)"resolvectl";
	argv[n++] = (char *)"dns";
	argv[n++] = d->device;
	for (unsigned i = 0; i < n_servers(r) && i < DNS_MAX_ARGS - 2; i++)
		argv[n++] = (char *)server_str(r, i, addrs[i], sizeof(addrs[i]));
	argv[n] = NULL;
	if (d->b->resolvectl(d->b->arg, argv, &e)) {
		log_warn("%s: client: DNS: %s", d->name, e.msg);
		return -1;
	}
	if (r->full_tunnel)
		snprintf(doms[nd++], sizeof(doms[0]), "~.");
	else
		nd = routing_domains(r->split_dns, r->domain, doms, DNS_MAX_ARGS - 2);
	if (r->domain[0] && nd < DNS_MAX_ARGS - 1 && strlen(r->domain) < 255)
		snprintf(doms[nd++], sizeof(doms[0]), "%s", r->domain);
	n = 0;
	argv[n++] = (char *)"resolvectl";
	argv[n++] = (char *)"domain";
	argv[n++] = d->device;
	for (unsigned i = 0; i < nd; i++)
		argv[n++] = doms[i];
	argv[n] = NULL;
	if (nd && d->b->resolvectl(d->b->arg, argv, &e)) {
		log_warn("%s: client: DNS domains: %s", d->name, e.msg);
		return -1;
	}
	log_notice("%s: client: DNS: %u server%s on %s through systemd-resolved, %s%s%s",
		   d->name, n_servers(r), n_servers(r) == 1 ? "" : "s", d->device,
		   r->full_tunnel ? "every domain (~.)" : nd ? "routing domains from split-dns" :
		   "no routing domain", r->domain[0] ? ", search " : "",
		   r->domain[0] ? log_peer(r->domain) : "");
	return 0;
}

static void resolved_down(struct client_dns *d)
{
	char *argv[] = { (char *)"resolvectl", (char *)"revert", d->device, NULL };
	struct evs_err e;

	if (d->b->resolvectl(d->b->arg, argv, &e))
		log_warn("%s: client: DNS: %s", d->name, e.msg);
	else
		log_info("%s: client: DNS settings of %s reverted", d->name, d->device);
}

/* ---- /etc/resolv.conf ----------------------------------------------------------- */

/* Write data over path in place (its inode, mode and owner stay): for a
 * resolv.conf that is a mount point (ip netns, containers), which cannot
 * be renamed.  excl: path must not exist yet (it is created 0644). */
static int write_in_place(const char *path, const char *data, size_t n, bool excl)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | (excl ? O_CREAT | O_EXCL : O_TRUNC), 0644);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, data, n);
	if (close(fd) || w != (ssize_t)n)
		return -1;
	return 0;
}

/* All of path (at most max bytes); -1 when longer or unreadable. */
static ssize_t read_all(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, k;

	if (fd < 0)
		return -1;
	n = read(fd, buf, max);
	k = n >= 0 && (size_t)n == max ? read(fd, buf, 0) + 1 : 0;	/* more? */
	close(fd);
	if (n < 0 || k)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The new file: pushed servers and domain first, then the original's
 * nameserver and search lines (kept as they are otherwise). */
static int write_resolv_conf(const struct client_dns *d, const struct client_dns_req *r,
			     const char *orig, const char *path)
{
	char tmp[4096], a[INET6_ADDRSTRLEN];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.evsd-new", path) >= (int)sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# written by evsd --client (%s) for the tunnel; the original is\n"
		"# %s" BACKUP_SUFFIX " and comes back when the tunnel goes\n", d->name, path);
	for (unsigned i = 0; i < n_servers(r); i++)
		fprintf(f, "nameserver %s\n", server_str(r, i, a, sizeof(a)));
	/* servers first (the resolver tries them in order), then the rest */
	for (int pass = 0; pass < 2; pass++)
		for (const char *l = orig; *l;) {
			size_t k = strcspn(l, "\n");
			bool ns = !strncmp(l, "nameserver", 10);

			if (pass == 0 && ns)
				fprintf(f, "%.*s\n", (int)k, l);
			else if (pass == 1 && !strncmp(l, "search", 6) && r->domain[0])
				fprintf(f, "search %s%.*s\n", r->domain, (int)(k - 6), l + 6);
			else if (pass == 1 && (!strncmp(l, "search", 6) || !strncmp(l, "options", 7) ||
					       !strncmp(l, "domain", 6)))
				fprintf(f, "%.*s\n", (int)k, l);
			l += k + (l[k] == '\n');
		}
	if (r->domain[0] && !strstr(orig, "search"))
		fprintf(f, "search %s\n", r->domain);
	if (fclose(f))
		goto fail;
	if (rename(tmp, path)) {
		char body[DNS_FILE_MAX + 1024 + 1];
		ssize_t n;

		if (errno != EBUSY || (n = read_all(tmp, body, sizeof(body) - 1)) < 0 ||
		    write_in_place(path, body, (size_t)n, false))
			goto fail;
		unlink(tmp);
	}
	return 0;
fail:
	unlink(tmp);
	return -1;
}

static int file_up(struct client_dns *d, const struct client_dns_req *r)
{
	const char *path = d->b->resolv_conf;
	char backup[4096], absent[4096], orig[DNS_FILE_MAX + 1] = "";
	ssize_t n;
	bool had;

	backup_path(d->b, backup, sizeof(backup));
	absent_path(d->b, absent, sizeof(absent));
	if (access(backup, F_OK) == 0 || access(absent, F_OK) == 0) {
		log_warn("%s: client: DNS: %s is in place already (another session); %s left "
			 "as it is", d->name, backup, path);
		return -1;
	}
	n = read_all(path, orig, DNS_FILE_MAX);
	had = access(path, F_OK) == 0;
	if (had && n < 0) {
		log_warn("%s: client: DNS: cannot read %s (or longer than %d bytes); left as it is",
			 d->name, path, DNS_FILE_MAX);
		return -1;
	}
	/* rename: the very file (or symlink) comes back at teardown; a mount
	 * point cannot move: its bytes are kept instead */
	if (had && rename(path, backup) &&
	    (errno != EBUSY || write_in_place(backup, orig, (size_t)n, true))) {
		log_warn("%s: client: DNS: cannot move %s aside: %s", d->name, path,
			 strerror(errno));
		return -1;
	}
	if (write_resolv_conf(d, r, orig, path)) {
		log_warn("%s: client: DNS: cannot write %s: %s", d->name, path, strerror(errno));
		if (had)
			restore_file(d->b, d->name);
		return -1;
	}
	if (!had && write_in_place(absent, "", 0, true))
		log_warn("%s: client: DNS: cannot create %s: %s", d->name, absent, strerror(errno));
	log_notice("%s: client: DNS: %u server%s%s%s in %s (the original is %s)", d->name,
		   n_servers(r), n_servers(r) == 1 ? "" : "s", r->domain[0] ? ", search " : "",
		   r->domain[0] ? log_peer(r->domain) : "", path, backup);
	if (!r->full_tunnel && r->split_dns[0])
		log_info("%s: client: DNS: split-dns \"%s\" needs systemd-resolved; all queries "
			 "go to the pushed servers first", d->name, log_peer(r->split_dns));
	return 0;
}

static void restore_file(const struct client_dns_backend *b, const char *name)
{
	char backup[4096], absent[4096];

	backup_path(b, backup, sizeof(backup));
	absent_path(b, absent, sizeof(absent));
	if (access(absent, F_OK) == 0) {
		unlink(b->resolv_conf);
		unlink(absent);
	} else if (rename(backup, b->resolv_conf)) {
		char body[DNS_FILE_MAX + 1];
		ssize_t k;

		if (errno != EBUSY || (k = read_all(backup, body, DNS_FILE_MAX)) < 0 ||
		    write_in_place(b->resolv_conf, body, (size_t)k, false)) {
			log_warn("%s: client: DNS: cannot restore %s from %s: %s", name,
				 b->resolv_conf, backup, strerror(errno));
			return;
		}
		unlink(backup);
	}
	log_info("%s: client: DNS: %s restored", name, b->resolv_conf);
}

/* ---- both ------------------------------------------------------------------------ */

struct client_dns *client_dns_up(const struct client_dns_backend *b,
				 const struct client_dns_req *r)
{
	struct client_dns *d;
	char a[16];

	for (unsigned i = 0; i < r->n_wins; i++)
		log_info("%s: client: WINS server %s (not used by evsd)", r->name,
			 evs_ip4_ntop(r->wins[i], a, sizeof(a)));
	if (!n_servers(r))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->b = b;
	snprintf(d->name, sizeof(d->name), "%s", r->name);
	snprintf(d->device, sizeof(d->device), "%s", r->device);
	d->resolved = b->resolved && b->resolved(b->arg);
	if (d->resolved ? resolved_up(d, r) : file_up(d, r)) {
		if (d->resolved)
			resolved_down(d);
		free(d);
		return NULL;
	}
	return d;
}

void client_dns_down(struct client_dns *d)
{
	if (!d)
		return;
	if (d->resolved)
		resolved_down(d);
	else
		restore_file(d->b, d->name);
	free(d);
}

void client_dns_recover(const struct client_dns_backend *b, const char *device)
{
	char backup[4096], absent[4096];

	if (b->resolved && b->resolved(b->arg)) {
		char *argv[] = { (char *)"resolvectl", (char *)"revert", (char *)device, NULL };
		struct evs_err e;

		/* nothing may be there (a clean stop, no device yet): quiet */
		if (b->resolvectl(b->arg, argv, &e))
			log_info("client: DNS: resolvectl revert %s: %s", device, e.msg);
		else
			log_info("client: DNS: per-link settings of %s reset", device);
	}
	backup_path(b, backup, sizeof(backup));
	absent_path(b, absent, sizeof(absent));
	if (access(backup, F_OK) && access(absent, F_OK))
		return;
	log_notice("client: DNS: %s left by an evsd that did not stop cleanly", backup);
	restore_file(b, "evsd");
}
