// SPDX-License-Identifier: MIT
/*
 * Cisco IOS Easy VPN server configuration -> evsd.conf; see import_ios.h
 * and Documentation/ios-migration.md.
 *
 * The file is read into a tree (ios_tree.c), its VPN objects are sorted
 * out, then each evsd section is written from them while every IOS line
 * used is marked done and every line that cannot be carried over gets a
 * "not carried over" note with its line number and the reason.  A last
 * sweep notes the VPN lines nobody claimed, so nothing is dropped
 * silently.  Secrets never appear in a note (the word after key,
 * password or secret is masked).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "evsadm/import_ios.h"
#include "evsadm/ios_tree.h"

#define IMP_MAX		1024	/* objects of one kind converted */
#define IMP_USERS_MAX	100000u
#define IMP_SECRET_MAX	128	/* longest key or password carried over */
#define IMP_NETS	32	/* split-include networks (MODECFG_MAX_NETS) */
#define IMP_S2S_NETS	8	/* site-to-site selectors per side */
#define IMP_RADIUS	4	/* evsd's radius servers */
#define IMP_LISTEN	8

enum { S_HEAD, S_LISTEN, S_P1, S_KEYS, S_PKI, S_P2, S_TIMERS, S_USERDB, S_POOLS, S_AAA,
       S_XAUTH, S_GROUPS, S_USERS, S_TAIL, NSEC };

enum auth { AUTH_NONE, AUTH_LOCAL, AUTH_RADIUS, AUTH_RADIUS_LOCAL, AUTH_BAD };
static const char *const auth_names[] = { "none", "local", "radius", "radius-local", "?" };

struct sbuf {
	char *p;
	size_t n, cap;
};

struct note {
	unsigned line;
	char *text;
};

struct lvec {
	struct ios_line *v[IMP_MAX];
	unsigned n;
};

struct net {
	uint32_t a;	/* host order */
	unsigned plen;
};

struct imp {
	struct ios_conf c;
	const struct ios_import_opts *o;
	struct ios_import *out;
	struct sbuf sec[NSEC];
	struct note *notes;
	size_t n_notes, cap_notes;
	bool oom;
	struct lvec policies, keys, groups, profiles, sets, dmaps, cmaps, pools, aaa,
		rad_new, rad_old, rad_groups, ifaces, trustpoints, chains, other_crypto;
	const char *hostname, *domain;
	/* derived */
	bool need_pki, dpd_set, pfs_set, life_s_set, life_kb_set;
	const char *map_auth_list, *map_author_list, *map_acct_list;
	bool map_push;
	const char *default_pool;
	enum auth aaa_default;
	bool radius_used, accounting;
	const char *radius_group;	/* "radius" or a server group */
	const char *set_order[IMP_MAX];
	unsigned n_set_order;
	char pools_ok[IMP_MAX][64];
	struct net pool_lo[IMP_MAX], pool_hi[IMP_MAX];
	unsigned n_pools_ok;
	char groups_ok[IMP_MAX][64];
	enum auth group_auth[IMP_MAX];
	unsigned n_groups_ok;
	uint32_t listen[IMP_LISTEN];
	unsigned n_listen;
	const char *trustpoint;
};

/* ---- output helpers --------------------------------------------------------------------- */

static void sb_vprintf(struct imp *m, struct sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int k;

	if (m->oom)
		return;
	va_copy(aq, ap);
	k = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (k < 0)
		return;
	if (b->n + (size_t)k + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->n + (size_t)k + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			m->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	b->n += (size_t)k;
}

static void sb_bprintf(struct imp *m, struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sb_bprintf(struct imp *m, struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(m, b, fmt, ap);
	va_end(ap);
}

static void sb_printf(struct imp *m, int sec, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sb_printf(struct imp *m, int sec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(m, &m->sec[sec], fmt, ap);
	va_end(ap);
}

static bool bare_ok(const char *w)
{
	if (!*w)
		return false;
	for (const char *c = w; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == '"' || *c == '#' || *c == '{' || *c == '}')
			return false;
	return true;
}

/* Printable ASCII, 1..max bytes: what may go into a quoted word. */
static bool text_ok(const char *w, size_t max)
{
	size_t n = strlen(w);

	if (!n || n > max)
		return false;
	for (const char *c = w; *c; c++)
		if (*c < ' ' || *c >= 0x7f)
			return false;
	return true;
}

/* A word as evsd.conf reads it back: bare when it can be, else quoted. */
static void sb_word(struct imp *m, int sec, const char *w)
{
	if (bare_ok(w)) {
		sb_printf(m, sec, "%s", w);
		return;
	}
	sb_printf(m, sec, "\"");
	for (const char *c = w; *c; c++)
		sb_printf(m, sec, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
	sb_printf(m, sec, "\"");
}

/* evsd's names: 1..max of A-Z a-z 0-9 . _ - + */
static bool name_ok(const char *w, size_t max)
{
	return strlen(w) <= max && userdb_name_valid(w, true);
}

static bool is_secret_kw(const char *w)
{
	return !strcmp(w, "key") || !strcmp(w, "password") || !strcmp(w, "secret") ||
	       !strcmp(w, "server-key") || !strcmp(w, "pre-shared-key");
}

static bool is_type_digit(const char *w)
{
	return w[0] >= '0' && w[0] <= '9' && !w[1];
}

/* The line for a note: words joined, secrets masked, unprintables as '?',
 * at most ~160 bytes. */
static void line_display(const struct ios_line *l, char *buf, size_t cap)
{
	size_t n = 0;
	bool hide_rest = false;

	buf[0] = '\0';
	for (unsigned i = 0; i < l->argc && n + 8 < cap; i++) {
		const char *w = l->argv[i];

		if (i && n + 1 < cap)
			buf[n++] = ' ';
		if (hide_rest) {
			n += (size_t)snprintf(buf + n, cap - n, "<secret>");
			if (n >= cap)
				n = cap - 1;
			break;
		}
		for (const char *c = w; *c && n + 4 < cap; c++)
			buf[n++] = *c >= ' ' && *c < 0x7f ? *c : '?';
		buf[n] = '\0';
		if (is_secret_kw(w) && i + 1 < l->argc) {
			if (is_type_digit(l->argv[i + 1]) && i + 2 < l->argc) {
				i++;
				n += (size_t)snprintf(buf + n, cap - n, " %s", l->argv[i]);
				if (n >= cap)
					n = cap - 1;
			}
			hide_rest = true;
		}
	}
	if (l->banner && n + 12 < cap)
		n += (size_t)snprintf(buf + n, cap - n, " ...");
	if (n + 4 >= cap)
		snprintf(buf + cap - 5, 5, "...");
	buf[cap - 1] = '\0';
}

static void mark_all(struct ios_line *l, enum ios_state st)
{
	for (struct ios_line *c = l->child; c; c = c->next) {
		if (c->state == IOS_UNTOUCHED)
			c->state = st;
		mark_all(c, st);
	}
}

/* Not carried over: a note naming the line and why; its sub-lines go
 * with it. */
static void skip(struct imp *m, struct ios_line *l, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void skip(struct imp *m, struct ios_line *l, const char *fmt, ...)
{
	char shown[176], why[512];
	struct note *nn;
	va_list ap;
	int k;

	if (l->state == IOS_COMMENTED)
		return;
	l->state = IOS_COMMENTED;
	mark_all(l, IOS_COMMENTED);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	line_display(l, shown, sizeof(shown));
	if (m->n_notes == m->cap_notes) {
		size_t cap = m->cap_notes ? m->cap_notes * 2 : 64;

		nn = realloc(m->notes, cap * sizeof(*nn));
		if (!nn) {
			m->oom = true;
			return;
		}
		m->notes = nn;
		m->cap_notes = cap;
	}
	nn = &m->notes[m->n_notes];
	k = snprintf(NULL, 0, "line %u: %s%s: %s", l->lineno, shown,
		     l->child ? " (and its sub-lines)" : "", why);
	nn->text = k > 0 ? malloc((size_t)k + 1) : NULL;
	if (!nn->text) {
		m->oom = true;
		return;
	}
	snprintf(nn->text, (size_t)k + 1, "line %u: %s%s: %s", l->lineno, shown,
		 l->child ? " (and its sub-lines)" : "", why);
	nn->line = l->lineno;
	m->n_notes++;
}

static void done(struct ios_line *l)
{
	if (l->state == IOS_UNTOUCHED)
		l->state = IOS_DONE;
}

/* ---- values ----------------------------------------------------------------------------- */

static bool ip4(const char *w, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, w, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	return true;
}

static const char *ip4s(uint32_t a, char *buf)
{
	struct in_addr in = { htonl(a) };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
	return buf;
}

/* A contiguous mask (or, inverted, an ACL wildcard) as a prefix length. */
static bool mask_plen(uint32_t mask, bool wildcard, unsigned *plen)
{
	uint32_t m = wildcard ? ~mask : mask;
	unsigned n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n))
		return false;
	*plen = n;
	return true;
}

static uint32_t plen_mask(unsigned plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

int ios_type7_decode(const char *in, char *out, size_t cap)
{
	static const char xlat[] = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87";
	size_t n = strlen(in), k = 0;
	unsigned seed;

	if (n < 4 || n % 2 || in[0] < '0' || in[0] > '9' || in[1] < '0' || in[1] > '9')
		return -1;
	seed = (unsigned)(in[0] - '0') * 10 + (unsigned)(in[1] - '0');
	if (seed > 15 || (n - 2) / 2 + 1 > cap)
		return -1;
	for (size_t i = 2; i < n; i += 2, k++) {
		unsigned v;
		char h[3] = { in[i], in[i + 1], 0 };
		char *end;

		v = (unsigned)strtoul(h, &end, 16);
		if (*end || !((h[0] >= '0' && h[0] <= '9') || (h[0] >= 'A' && h[0] <= 'F') ||
			      (h[0] >= 'a' && h[0] <= 'f')))
			return -1;
		out[k] = (char)(v ^ (unsigned char)xlat[(seed + k) % (sizeof(xlat) - 1)]);
		if (!out[k])
			return -1;
	}
	out[k] = '\0';
	return 0;
}

/*
 * The secret at argv[i] ("[TYPE] VALUE"; with rest, VALUE is the rest of
 * the line, as IOS takes passwords).  0 with the clear text in out, or
 * -1 with why.
 */
static int secret_at(const struct ios_line *l, unsigned i, bool rest, char *out, size_t cap,
		     char *why, size_t wcap)
{
	unsigned type = 0;
	size_t n = 0;

	if (i + 1 < l->argc && is_type_digit(l->argv[i])) {
		type = (unsigned)(l->argv[i][0] - '0');
		i++;
	}
	if (i >= l->argc) {
		snprintf(why, wcap, "no value");
		return -1;
	}
	switch (type) {
	case 0:
		out[0] = '\0';
		for (unsigned j = i; j < (rest ? l->argc : i + 1); j++) {
			int k = snprintf(out + n, cap - n, "%s%s", j > i ? " " : "", l->argv[j]);

			if (k < 0 || (size_t)k >= cap - n) {
				snprintf(why, wcap, "longer than %d bytes", IMP_SECRET_MAX);
				return -1;
			}
			n += (size_t)k;
		}
		break;
	case 7:
		if (ios_type7_decode(l->argv[i], out, cap)) {
			snprintf(why, wcap, "not a valid type 7 string");
			return -1;
		}
		break;
	case 4:
	case 5:
	case 8:
	case 9:
		snprintf(why, wcap, "a type %u hash (%s) cannot be turned back into the password",
			 type, type == 5 ? "MD5-crypt" : type == 8 ? "PBKDF2-SHA256" :
			 type == 9 ? "scrypt" : "SHA-256, deprecated");
		return -1;
	case 6:
		snprintf(why, wcap, "type 6 is encrypted with the router's master key, which is "
			 "not in the configuration");
		return -1;
	default:
		snprintf(why, wcap, "unknown encryption type %u", type);
		return -1;
	}
	if (!text_ok(out, IMP_SECRET_MAX)) {
		sodium_memzero(out, cap);
		snprintf(why, wcap, "empty, longer than %d bytes or not printable ASCII",
			 IMP_SECRET_MAX);
		return -1;
	}
	return 0;
}

static int find_word(const struct ios_line *l, unsigned from, const char *w)
{
	for (unsigned i = from; i < l->argc; i++)
		if (!strcmp(l->argv[i], w))
			return (int)i;
	return -1;
}

static bool num(const char *w, unsigned lo, unsigned hi, unsigned *v)
{
	char *end;
	unsigned long x;

	if (!*w || *w < '0' || *w > '9' || strlen(w) > 10)
		return false;
	x = strtoul(w, &end, 10);
	if (*end || x < lo || x > hi)
		return false;
	*v = (unsigned)x;
	return true;
}

static void vec_add(struct imp *m, struct lvec *v, struct ios_line *l, const char *what)
{
	if (v->n == IMP_MAX) {
		skip(m, l, "more than %d %s: the converter stops there", IMP_MAX, what);
		return;
	}
	v->v[v->n++] = l;
}

/* ---- access lists ----------------------------------------------------------------------- */

/* An ACL address at argv[*i]: any | host A | A WILDCARD | (standard) A. */
static bool acl_addr(const struct ios_line *l, unsigned *i, bool standard, struct net *n)
{
	const char *w = ios_arg(l, *i);
	uint32_t a, wc;

	if (!strcmp(w, "any")) {
		*n = (struct net){ 0, 0 };
		(*i)++;
		return true;
	}
	if (!strcmp(w, "host")) {
		if (!ip4(ios_arg(l, *i + 1), &a))
			return false;
		*n = (struct net){ a, 32 };
		*i += 2;
		return true;
	}
	if (!ip4(w, &a))
		return false;
	if (ip4(ios_arg(l, *i + 1), &wc)) {
		if (!mask_plen(wc, true, &n->plen))
			return false;
		n->a = a & plen_mask(n->plen);
		*i += 2;
		return true;
	}
	if (!standard)
		return false;
	*n = (struct net){ a, 32 };
	(*i)++;
	return true;
}

/* Skip an extended ACL's port match (eq P, range A B, ...) at argv[*i]. */
static bool acl_ports(const struct ios_line *l, unsigned *i)
{
	const char *w = ios_arg(l, *i);

	if (!strcmp(w, "eq") || !strcmp(w, "lt") || !strcmp(w, "gt") || !strcmp(w, "neq")) {
		*i += 2;
		return true;
	}
	if (!strcmp(w, "range")) {
		*i += 3;
		return true;
	}
	return false;
}

typedef void (*acl_fn)(struct imp *m, struct ios_line *entry, bool permit, const struct net *src,
		       const struct net *dst, bool proto_ip, void *ctx);

/* Every entry of ACL name (numbered or named) to fn; false if there is none. */
static bool for_acl(struct imp *m, const char *name, acl_fn fn, void *ctx)
{
	bool found = false;

	for (struct ios_line *t = m->c.root.child; t; t = t->next) {
		struct ios_line *one = NULL, *first = NULL;
		bool standard = false;

		if (ios_is(t, "access-list", name, NULL) && t->argc > 2) {
			unsigned n = 0;

			one = t;
			standard = num(name, 1, 99, &n) || num(name, 1300, 1999, &n);
		} else if (ios_is(t, "ip", "access-list", NULL) && t->argc == 4 &&
			   !strcmp(t->argv[3], name)) {
			first = t->child;
			standard = !strcmp(t->argv[2], "standard");
			if (strcmp(t->argv[2], "standard") && strcmp(t->argv[2], "extended")) {
				skip(m, t, "only standard and extended access lists are read");
				found = true;
				continue;
			}
			done(t);
		} else {
			continue;
		}
		found = true;
		for (struct ios_line *e = one ? one : first; e; e = one ? NULL : e->next) {
			unsigned i = one ? 2 : 0, dummy;
			struct net src = { 0, 0 }, dst = { 0, 0 };
			bool permit, ip_only = true;

			if (num(ios_arg(e, i), 1, 2147483647u, &dummy))
				i++;	/* a sequence number */
			if (!strcmp(ios_arg(e, i), "remark")) {
				done(e);
				continue;
			}
			permit = !strcmp(ios_arg(e, i), "permit");
			if (!permit && strcmp(ios_arg(e, i), "deny")) {
				skip(m, e, "not an access-list entry the converter reads");
				continue;
			}
			i++;
			if (!standard) {
				const char *p = ios_arg(e, i++);

				ip_only = !strcmp(p, "ip");
				if (!ip_only && strcmp(p, "tcp") && strcmp(p, "udp") &&
				    strcmp(p, "icmp") && strcmp(p, "gre") && strcmp(p, "esp")) {
					skip(m, e, "protocol \"%s\" not read", p);
					continue;
				}
			}
			if (!acl_addr(e, &i, standard, &src) ||
			    (!standard && (acl_ports(e, &i), !acl_addr(e, &i, false, &dst)))) {
				skip(m, e, "an address the converter cannot read (a wildcard that is "
				     "not a prefix, or an object group)");
				continue;
			}
			fn(m, e, permit, &src, &dst, ip_only, ctx);
		}
	}
	return found;
}

struct nets {
	struct net v[IMP_NETS];
	unsigned n, max;
};

static bool nets_add(struct nets *ns, const struct net *n)
{
	for (unsigned i = 0; i < ns->n; i++)
		if (ns->v[i].a == n->a && ns->v[i].plen == n->plen)
			return true;
	if (ns->n == ns->max)
		return false;
	ns->v[ns->n++] = *n;
	return true;
}

/* An ACL entry used as what: deny lines refused; false = noted. */
static bool acl_permit(struct imp *m, struct ios_line *e, bool permit, const char *what)
{
	if (!permit)
		skip(m, e, "evsd's %s has no exceptions (deny)", what);
	return permit;
}

/* An ACL entry taken: a protocol or port restriction is noted. */
static void acl_taken(struct imp *m, struct ios_line *e, bool ip_only, const char *what)
{
	done(e);
	if (!ip_only)
		skip(m, e, "the networks are carried over as %s; the protocol and port "
		     "restriction is not", what);
}

static void split_entry(struct imp *m, struct ios_line *e, bool permit, const struct net *src,
			const struct net *dst, bool ip_only, void *ctx)
{
	struct nets *ns = ctx;

	if (!acl_permit(m, e, permit, "split-include"))
		return;
	if (!src->plen) {
		skip(m, e, "\"any\" as a split network means a full tunnel: evsd tunnels "
		     "everything when a group has no split-include");
		return;
	}
	if (!nets_add(ns, src)) {
		skip(m, e, "more than %d split networks", IMP_NETS);
		return;
	}
	acl_taken(m, e, ip_only, "split-include");
}

struct s2s {
	struct nets local, remote;
};

static void s2s_entry(struct imp *m, struct ios_line *e, bool permit, const struct net *src,
		      const struct net *dst, bool ip_only, void *ctx)
{
	struct s2s *s = ctx;

	if (!acl_permit(m, e, permit, "site-to-site selector list"))
		return;
	if (!nets_add(&s->local, src) || !nets_add(&s->remote, dst)) {
		skip(m, e, "more than %d networks on a side", IMP_S2S_NETS);
		return;
	}
	acl_taken(m, e, ip_only, "selectors");
}

/* ---- sorting the configuration ---------------------------------------------------------- */

static bool vpn_top(const struct ios_line *l)
{
	const char *w = ios_arg(l, 0);

	if (!strcmp(w, "no"))
		w = ios_arg(l, 1);
	return !strcmp(w, "crypto") || !strcmp(w, "aaa") || !strcmp(w, "username") ||
	       !strcmp(w, "radius") || !strcmp(w, "radius-server") ||
	       ios_is(l, "ip", "local", "pool", NULL) || ios_is(l, "ip", "radius", NULL);
}

static void classify(struct imp *m)
{
	for (struct ios_line *l = m->c.root.child; l; l = l->next) {
		if (l->long_line && vpn_top(l))
			skip(m, l, "a line too long for the converter (%u bytes or %u words at "
			     "most)", IOS_MAX_LINE, IOS_MAX_WORDS);
		else if (ios_is(l, "crypto", "isakmp", "policy", NULL))
			vec_add(m, &m->policies, l, "isakmp policies");
		else if (ios_is(l, "crypto", "isakmp", "key", NULL))
			vec_add(m, &m->keys, l, "isakmp keys");
		else if (ios_is(l, "crypto", "isakmp", "client", "configuration", "group", NULL))
			vec_add(m, &m->groups, l, "client configuration groups");
		else if (ios_is(l, "crypto", "isakmp", "profile", NULL))
			vec_add(m, &m->profiles, l, "isakmp profiles");
		else if (ios_is(l, "crypto", "ipsec", "transform-set", NULL))
			vec_add(m, &m->sets, l, "transform sets");
		else if (ios_is(l, "crypto", "dynamic-map", NULL) ||
			 ios_is(l, "crypto", "ipsec", "profile", NULL))
			vec_add(m, &m->dmaps, l, "dynamic-map entries and ipsec profiles");
		else if (ios_is(l, "crypto", "map", NULL))
			vec_add(m, &m->cmaps, l, "crypto map lines");
		else if (ios_is(l, "ip", "local", "pool", NULL))
			vec_add(m, &m->pools, l, "pools");
		else if (ios_is(l, "aaa", NULL))
			vec_add(m, &m->aaa, l, "aaa lines");
		else if (ios_is(l, "radius", "server", NULL))
			vec_add(m, &m->rad_new, l, "radius servers");
		else if (ios_is(l, "radius-server", NULL))
			vec_add(m, &m->rad_old, l, "radius-server lines");
		else if (ios_is(l, "interface", NULL))
			vec_add(m, &m->ifaces, l, "interfaces");
		else if (ios_is(l, "crypto", "pki", "trustpoint", NULL))
			vec_add(m, &m->trustpoints, l, "trustpoints");
		else if (ios_is(l, "crypto", "pki", "certificate", "chain", NULL))
			vec_add(m, &m->chains, l, "certificate chains");
		else if (ios_is(l, "hostname", NULL) && l->argc == 2)
			m->hostname = l->argv[1];
		else if ((ios_is(l, "ip", "domain", "name", NULL) && l->argc == 4) ||
			 (ios_is(l, "ip", "domain-name", NULL) && l->argc == 3))
			m->domain = l->argv[l->argc - 1];
		else if (ios_is(l, "crypto", NULL))
			vec_add(m, &m->other_crypto, l, "crypto lines");
	}
	for (unsigned i = 0; i < m->aaa.n; i++)
		if (ios_is(m->aaa.v[i], "aaa", "group", "server", "radius", NULL))
			vec_add(m, &m->rad_groups, m->aaa.v[i], "radius server groups");
}

static struct ios_line *child_is(struct ios_line *l, const char *w0, const char *w1)
{
	for (struct ios_line *c = l->child; c; c = c->next)
		if (ios_is(c, w0, w1, NULL))
			return c;
	return NULL;
}

/* ---- AAA method lists ------------------------------------------------------------------- */

static struct ios_line *aaa_list(struct imp *m, const char *kind, const char *type,
				 const char *name)
{
	for (unsigned i = 0; i < m->aaa.n; i++) {
		struct ios_line *l = m->aaa.v[i];

		if (ios_is(l, "aaa", kind, type, name, NULL))
			return l;
	}
	return NULL;
}

/* The methods of an aaa list as evsd's authentication; *radgroup is the
 * RADIUS group named ("radius" or a server group). */
static enum auth aaa_methods(const struct ios_line *l, unsigned from, const char **radgroup,
			     char *why, size_t wcap)
{
	bool local = false, radius = false, local_first = false;

	why[0] = '\0';
	for (unsigned i = from; i < l->argc; i++) {
		const char *w = l->argv[i];

		if (!strcmp(w, "local") || !strcmp(w, "local-case")) {
			local_first |= !radius;
			local = true;
		} else if (!strcmp(w, "group") && i + 1 < l->argc &&
			   strcmp(l->argv[i + 1], "tacacs+") && strcmp(l->argv[i + 1], "ldap")) {
			if (radius) {
				snprintf(why, wcap, "a second RADIUS group (%s) is not carried over",
					 l->argv[i + 1]);
			} else {
				*radgroup = l->argv[i + 1];
				radius = true;
			}
			i++;
		} else if (!strcmp(w, "start-stop") || !strcmp(w, "stop-only") ||
			   !strcmp(w, "none") || !strcmp(w, "cache")) {
			continue;
		} else {
			snprintf(why, wcap, "method \"%.32s\" has no evsd equivalent", w);
		}
	}
	if (local && radius) {
		if (local_first)
			snprintf(why, wcap, "IOS asked the local users first and RADIUS for the "
				 "others; evsd's radius-local asks RADIUS first and the local users "
				 "only when no RADIUS server answers");
		return AUTH_RADIUS_LOCAL;
	}
	return radius ? AUTH_RADIUS : local ? AUTH_LOCAL : AUTH_BAD;
}

/* The evsd authentication of IOS list name (login), marking the list. */
static enum auth auth_of_list(struct imp *m, const char *name, struct ios_line *user)
{
	struct ios_line *l;
	const char *rg = NULL;
	char why[256];
	enum auth a;

	if (!name)
		return AUTH_NONE;
	l = aaa_list(m, "authentication", "login", name);
	if (!l && user) {
		skip(m, user, "no \"aaa authentication login %s\": IOS would refuse every login; "
		     "evsd uses the local users", name);
		return AUTH_LOCAL;
	}
	if (!l) {
		sb_printf(m, S_GROUPS, "    # no \"aaa authentication login %s\" (the crypto map's "
			  "list): IOS would refuse every login; evsd uses the local users\n",
			  text_ok(name, 64) ? name : "?");
		return AUTH_LOCAL;
	}
	a = aaa_methods(l, 4, &rg, why, sizeof(why));
	if (a == AUTH_BAD) {
		skip(m, l, "no local or RADIUS method: %s; evsd uses the local users", why);
		return AUTH_LOCAL;
	}
	if (why[0])
		skip(m, l, "%s (converted as authentication %s)", why, auth_names[a]);
	else
		done(l);
	if (a != AUTH_LOCAL) {
		m->radius_used = true;
		if (!m->radius_group)
			m->radius_group = rg;
	}
	return a;
}

/* ---- pools ------------------------------------------------------------------------------ */

static int pool_index(const struct imp *m, const char *name)
{
	for (unsigned i = 0; i < m->n_pools_ok; i++)
		if (!strcmp(m->pools_ok[i], name))
			return (int)i;
	return -1;
}

static void conv_pools(struct imp *m)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	for (unsigned i = 0; i < m->pools.n; i++) {
		struct ios_line *l = m->pools.v[i];
		const char *name = ios_arg(l, 3);
		uint32_t lo, hi;

		if (l->argc < 5 || !ip4(ios_arg(l, 4), &lo) ||
		    (l->argc > 5 && !ip4(ios_arg(l, 5), &hi) && strcmp(ios_arg(l, 5), "group") &&
		     strcmp(ios_arg(l, 5), "cache-size"))) {
			skip(m, l, "expected ip local pool NAME FIRST [LAST]");
			continue;
		}
		if (l->argc == 5 || !ip4(ios_arg(l, 5), &hi))
			hi = lo;
		if (find_word(l, 5, "group") > 0 || find_word(l, 5, "cache-size") > 0) {
			skip(m, l, "pool groups and cache sizes have no evsd equivalent");
			continue;
		}
		if (!name_ok(name, 63)) {
			skip(m, l, "pool name not accepted by evsd (1-63 of A-Z a-z 0-9 . _ - +)");
			continue;
		}
		if (pool_index(m, name) >= 0) {
			skip(m, l, "a second range for pool %s: an evsd pool has one range; make "
			     "another group or pool for it", name);
			continue;
		}
		if (hi < lo || hi - lo >= 65536) {
			skip(m, l, "the range is empty or larger than evsd's 65536 addresses");
			continue;
		}
		for (unsigned j = 0; j < m->n_pools_ok; j++)
			if (lo <= m->pool_hi[j].a && m->pool_lo[j].a <= hi) {
				skip(m, l, "overlaps pool %s (evsd pools must not overlap)",
				     m->pools_ok[j]);
				goto next;
			}
		snprintf(m->pools_ok[m->n_pools_ok], 64, "%s", name);
		m->pool_lo[m->n_pools_ok].a = lo;
		m->pool_hi[m->n_pools_ok].a = hi;
		m->n_pools_ok++;
		sb_printf(m, S_POOLS, "pool %s %s %s\n", name, ip4s(lo, a), ip4s(hi, b));
		done(l);
next:;
	}
}

/* ---- isakmp policies -------------------------------------------------------------------- */

static void conv_policy(struct imp *m, struct ios_line *l)
{
	const char *encr = "des", *hash = "sha", *auth = "rsa-sig";
	unsigned num_, group = 1, life = 0;
	char bits[8] = "", defaults[96] = "";

	if (l->argc != 4 || !num(l->argv[3], 1, 65535, &num_)) {
		skip(m, l, "expected crypto isakmp policy NUMBER");
		return;
	}
	for (struct ios_line *c = l->child; c; c = c->next) {
		const char *k = ios_arg(c, 0), *v = ios_arg(c, 1);

		if ((!strcmp(k, "encr") || !strcmp(k, "encryption")) && c->argc >= 2) {
			if (!strcmp(v, "des") || !strcmp(v, "3des")) {
				encr = v;
			} else if (!strcmp(v, "aes") && (c->argc == 2 ||
				   (c->argc == 3 && (!strcmp(c->argv[2], "128") ||
						     !strcmp(c->argv[2], "192") ||
						     !strcmp(c->argv[2], "256"))))) {
				encr = "aes";
				snprintf(bits, sizeof(bits), "%s", c->argc == 3 ? c->argv[2] : "128");
			} else {
				skip(m, l, "encryption \"%.32s\" is not supported by evsd (des, 3des, "
				     "aes 128/192/256)", v);
				return;
			}
		} else if (!strcmp(k, "hash") && c->argc == 2) {
			if (strcmp(v, "md5") && strcmp(v, "sha") && strcmp(v, "sha256") &&
			    strcmp(v, "sha384") && strcmp(v, "sha512")) {
				skip(m, l, "hash \"%.32s\" is not supported by evsd", v);
				return;
			}
			hash = v;
		} else if (!strcmp(k, "authentication") && c->argc == 2) {
			if (strcmp(v, "pre-share") && strcmp(v, "rsa-sig")) {
				skip(m, l, "authentication %.32s is not supported by evsd (pre-share, "
				     "rsa-sig)", v);
				return;
			}
			auth = v;
		} else if (!strcmp(k, "group") && c->argc == 2 && num(v, 1, 32, &group)) {
			if (group != 2 && group != 5 && group != 14 && group != 15 && group != 16 &&
			    group != 19 && group != 20 && group != 21) {
				skip(m, l, "DH group %u is not supported by evsd (2, 5, 14, 15, 16, 19, "
				     "20, 21)%s", group, group == 1 ? "; group 1 (768 bits) is broken" : "");
				return;
			}
		} else if (!strcmp(k, "lifetime") && c->argc == 2 && num(v, 60, 604800, &life)) {
			continue;
		} else {
			skip(m, c, "not understood in an isakmp policy");
			continue;
		}
	}
	if (!child_is(l, "encr", NULL) && !child_is(l, "encryption", NULL))
		snprintf(defaults + strlen(defaults), sizeof(defaults) - strlen(defaults), " encryption des,");
	if (!child_is(l, "hash", NULL))
		snprintf(defaults + strlen(defaults), sizeof(defaults) - strlen(defaults), " hash sha,");
	if (!child_is(l, "authentication", NULL))
		snprintf(defaults + strlen(defaults), sizeof(defaults) - strlen(defaults),
			 " authentication rsa-sig,");
	if (!child_is(l, "group", NULL)) {
		skip(m, l, "no group line: IOS's default DH group 1 (768 bits) is not supported by "
		     "evsd");
		return;
	}
	if (defaults[0]) {
		defaults[strlen(defaults) - 1] = '\0';
		sb_printf(m, S_P1, "# IOS line %u: IOS's defaults, not shown in a running-config:%s\n",
			  l->lineno, defaults);
	}
	sb_printf(m, S_P1, "crypto isakmp policy %u {\n    encryption %s%s%s\n    hash %s\n"
		  "    authentication %s\n    group %u\n", num_, encr, bits[0] ? " " : "", bits,
		  hash, auth, group);
	if (life)
		sb_printf(m, S_P1, "    lifetime %u\n", life);
	sb_printf(m, S_P1, "}\n");
	if (!strcmp(auth, "rsa-sig"))
		m->need_pki = true;
	done(l);
	mark_all(l, IOS_DONE);
}

/* ---- transform sets and crypto maps ----------------------------------------------------- */

static struct ios_line *find_set(struct imp *m, const char *name)
{
	for (unsigned i = 0; i < m->sets.n; i++)
		if (!strcmp(ios_arg(m->sets.v[i], 3), name))
			return m->sets.v[i];
	return NULL;
}

static void order_set(struct imp *m, const char *name)
{
	for (unsigned i = 0; i < m->n_set_order; i++)
		if (!strcmp(m->set_order[i], name))
			return;
	if (m->n_set_order < IMP_MAX)
		m->set_order[m->n_set_order++] = name;
}

static void conv_set(struct imp *m, struct ios_line *l)
{
	const char *name = ios_arg(l, 3);
	bool cipher = false, integ = false, aead = false, transport = false;
	char words[512] = "";
	size_t n = 0;

	if (l->state != IOS_UNTOUCHED)
		return;
	if (l->argc < 5 || !name_ok(name, 47)) {
		skip(m, l, "expected crypto ipsec transform-set NAME TRANSFORM...; a name of "
		     "1-47 of A-Z a-z 0-9 . _ - +");
		return;
	}
	for (unsigned i = 4; i < l->argc; i++) {
		const char *w = l->argv[i];

		if (!strcmp(w, "esp-aes") || !strcmp(w, "esp-3des") || !strcmp(w, "esp-des") ||
		    !strcmp(w, "esp-null") || !strcmp(w, "esp-gcm")) {
			bool gcm = !strcmp(w, "esp-gcm");

			aead |= gcm;
			cipher |= !gcm;
			n += (size_t)snprintf(words + n, sizeof(words) - n, " %s", w);
			if ((gcm || !strcmp(w, "esp-aes")) && i + 1 < l->argc &&
			    (!strcmp(l->argv[i + 1], "128") || !strcmp(l->argv[i + 1], "192") ||
			     !strcmp(l->argv[i + 1], "256")))
				n += (size_t)snprintf(words + n, sizeof(words) - n, " %s", l->argv[++i]);
		} else if (!strcmp(w, "esp-md5-hmac") || !strcmp(w, "esp-sha-hmac") ||
			   !strcmp(w, "esp-sha256-hmac") || !strcmp(w, "esp-sha384-hmac") ||
			   !strcmp(w, "esp-sha512-hmac")) {
			integ = true;
			n += (size_t)snprintf(words + n, sizeof(words) - n, " %s", w);
		} else if (!strcmp(w, "comp-lzs")) {
			continue;	/* noted below */
		} else {
			skip(m, l, "transform \"%.32s\" is not supported by evsd (ESP with AES-GCM, "
			     "or AES, 3DES, DES or NULL and an HMAC)", w);
			return;
		}
		if (n >= sizeof(words))
			n = sizeof(words) - 1;
	}
	if ((!cipher && !aead) || cipher != integ) {
		skip(m, l, "evsd needs an ESP cipher in every set, and an ESP HMAC exactly "
		     "when a cipher is not AES-GCM (esp-gcm)");
		return;
	}
	for (struct ios_line *c = l->child; c; c = c->next) {
		if (ios_is(c, "mode", "tunnel", NULL) && c->argc == 2) {
			done(c);
		} else if (ios_is(c, "mode", "transport", NULL) && c->argc == 2) {
			transport = true;
			done(c);
		} else {
			skip(m, c, "not understood in a transform set");
		}
	}
	sb_printf(m, S_P2, "crypto ipsec transform-set %s%s%s\n", name, words,
		  transport ? " mode transport" : "");
	if (find_word(l, 4, "comp-lzs") > 0)
		skip(m, l, "carried over without comp-lzs: evsd does not compress (IPComp)");
	done(l);
}

static void conv_sets(struct imp *m)
{
	/* The order the crypto maps prefer them in, then the rest. */
	for (unsigned i = 0; i < m->n_set_order; i++) {
		struct ios_line *l = find_set(m, m->set_order[i]);

		if (l)
			conv_set(m, l);
	}
	for (unsigned i = 0; i < m->sets.n; i++) {
		struct ios_line *l = m->sets.v[i];

		if (l->state != IOS_UNTOUCHED)
			continue;
		if (m->n_set_order)
			skip(m, l, "no crypto map uses this transform set");
		else
			conv_set(m, l);
	}
}

static bool dmap_exists(struct imp *m, const char *name)
{
	for (unsigned i = 0; i < m->dmaps.n; i++)
		if (ios_is(m->dmaps.v[i], "crypto", "dynamic-map", name, NULL))
			return true;
	return false;
}

static void map_lifetime(struct imp *m, struct ios_line *c, unsigned at)
{
	unsigned v;
	const char *unit = ios_arg(c, at);
	bool *set = !strcmp(unit, "seconds") ? &m->life_s_set :
		    !strcmp(unit, "kilobytes") ? &m->life_kb_set : NULL;

	if (!set || c->argc != at + 2 ||
	    !num(ios_arg(c, at + 1), !strcmp(unit, "seconds") ? 120 : 2560,
		 !strcmp(unit, "seconds") ? 172800 : 4294967295u, &v)) {
		skip(m, c, "expected lifetime seconds 120..172800 or kilobytes 2560..");
		return;
	}
	if (*set) {
		skip(m, c, "evsd has one Phase 2 lifetime for all clients; another line already set it");
		return;
	}
	*set = true;
	sb_printf(m, S_P2, "crypto ipsec security-association lifetime %s %u\n", unit, v);
	done(c);
}

static void map_pfs(struct imp *m, struct ios_line *c)
{
	const char *g = ios_arg(c, 2);
	unsigned n;

	if (c->argc == 2)
		g = "group2";	/* IOS's default for "set pfs" */
	if (strncmp(g, "group", 5) || !num(g + 5, 1, 32, &n) ||
	    (n != 2 && n != 5 && n != 14 && n != 15 && n != 16 && n != 19 && n != 20 && n != 21)) {
		skip(m, c, "PFS group not supported by evsd (2, 5, 14, 15, 16, 19, 20, 21)");
		return;
	}
	if (m->pfs_set) {
		skip(m, c, "evsd has one PFS requirement for all clients; another line already set it");
		return;
	}
	m->pfs_set = true;
	sb_printf(m, S_P2, "crypto ipsec pfs %u\n", n);
	done(c);
}

/* Crypto map and dynamic-map settings that apply to every client. */
static void conv_maps(struct imp *m)
{
	for (unsigned i = 0; i < m->dmaps.n; i++) {
		struct ios_line *d = m->dmaps.v[i];

		if (d->argc != 4) {
			skip(m, d, "expected crypto dynamic-map NAME NUMBER or crypto ipsec profile "
			     "NAME");
			continue;
		}
		done(d);
		for (struct ios_line *c = d->child; c; c = c->next) {
			if (ios_is(c, "set", "transform-set", NULL) && c->argc > 2) {
				for (unsigned j = 2; j < c->argc; j++) {
					if (!find_set(m, c->argv[j]))
						skip(m, c, "transform set %.47s is not defined", c->argv[j]);
					order_set(m, c->argv[j]);
				}
				done(c);
			} else if (ios_is(c, "set", "pfs", NULL) && c->argc <= 3) {
				map_pfs(m, c);
			} else if (ios_is(c, "set", "security-association", "lifetime", NULL)) {
				map_lifetime(m, c, 3);
			} else if (ios_is(c, "reverse-route", NULL)) {
				if (c->argc == 1) {
					sb_printf(m, S_P2, "# IOS line %u: reverse-route: evsd always injects "
						  "a route to each client (proto evs, see rri.md)\n",
						  c->lineno);
					done(c);
				} else {
					skip(m, c, "evsd's RRI routes the client's address or networks "
					     "into the evs device; remote-peer, gateway and static "
					     "variants have no equivalent");
				}
			} else if (ios_is(c, "set", "isakmp-profile", NULL) && c->argc == 3) {
				done(c);	/* the profile is read by the groups */
			} else if (ios_is(c, "description", NULL)) {
				done(c);
			} else {
				skip(m, c, "no evsd equivalent for this dynamic-map setting");
			}
		}
	}
	for (unsigned i = 0; i < m->cmaps.n; i++) {
		struct ios_line *c = m->cmaps.v[i];
		const char *w3 = ios_arg(c, 3);

		if (ios_is(c, "crypto", "map", ios_arg(c, 2), "client", "authentication", "list",
			   NULL) && c->argc == 7) {
			if (!m->map_auth_list)
				m->map_auth_list = c->argv[6];
			done(c);
		} else if (ios_is(c, "crypto", "map", ios_arg(c, 2), "isakmp", "authorization",
				  "list", NULL) && c->argc == 7) {
			if (!m->map_author_list)
				m->map_author_list = c->argv[6];
			done(c);
		} else if (ios_is(c, "crypto", "map", ios_arg(c, 2), "client", "accounting", "list",
				  NULL) && c->argc == 7) {
			if (!m->map_acct_list)
				m->map_acct_list = c->argv[6];
			done(c);
		} else if (ios_is(c, "crypto", "map", ios_arg(c, 2), "client", "configuration",
				  "address", NULL) && c->argc == 7) {
			m->map_push = !strcmp(c->argv[6], "initiate");
			done(c);
		} else if (!strcmp(w3, "local-address") || !strcmp(w3, "isakmp-profile")) {
			done(c);	/* read with the interfaces / groups */
		} else if (c->argc >= 6 && !strcmp(ios_arg(c, 4), "ipsec-isakmp") &&
			   !strcmp(ios_arg(c, 5), "dynamic")) {
			if (c->argc >= 7 && dmap_exists(m, c->argv[6]))
				done(c);
			else
				skip(m, c, "the dynamic map is not defined");
		} else if (c->argc == 5 && !strcmp(ios_arg(c, 4), "ipsec-isakmp")) {
			/* static entries: read with the no-xauth keys; their sets
			 * come after the dynamic maps' */
			for (struct ios_line *t = c->child; t; t = t->next)
				if (ios_is(t, "set", "transform-set", NULL))
					for (unsigned j = 2; j < t->argc; j++)
						order_set(m, t->argv[j]);
			continue;
		} else {
			skip(m, c, "no evsd equivalent for this crypto map line");
		}
	}
}

/* A static crypto map entry whose "set peer" is addr. */
static struct ios_line *static_map_for(struct imp *m, uint32_t addr)
{
	for (unsigned i = 0; i < m->cmaps.n; i++) {
		struct ios_line *c = m->cmaps.v[i];

		if (c->argc != 5 || strcmp(ios_arg(c, 4), "ipsec-isakmp"))
			continue;
		for (struct ios_line *s = c->child; s; s = s->next) {
			uint32_t a;

			if (ios_is(s, "set", "peer", NULL) && ip4(ios_arg(s, 2), &a) && a == addr)
				return c;
		}
	}
	return NULL;
}

/* ---- keys ------------------------------------------------------------------------------- */

static void conv_key(struct imp *m, struct ios_line *l)
{
	char key[IMP_SECRET_MAX + 2], why[256], a[INET_ADDRSTRLEN];
	unsigned i = 3, plen = 32;
	uint32_t addr, mask;
	bool no_xauth = false;
	struct ios_line *map;
	struct s2s s2s = { .local.max = IMP_S2S_NETS, .remote.max = IMP_S2S_NETS };
	int at = find_word(l, 3, "address");

	if (find_word(l, 3, "hostname") > 0) {
		skip(m, l, "evsd's keys are chosen by the peer's address, not its host name");
		return;
	}
	if (at < 4 || at > 5 || !ip4(ios_arg(l, (unsigned)at + 1), &addr)) {
		skip(m, l, "expected crypto isakmp key [0|6] KEY address A [MASK] [no-xauth] "
		     "(IPv4)");
		return;
	}
	if (secret_at(l, i, false, key, sizeof(key), why, sizeof(why)) ||
	    (at == 5 && !is_type_digit(l->argv[3]))) {
		skip(m, l, "the key cannot be carried over: %s; write it in clear: "
		     "crypto isakmp key \"KEY\" address ...", at == 5 && !is_type_digit(l->argv[3]) ?
		     "expected one word" : why);
		sodium_memzero(key, sizeof(key));
		return;
	}
	for (unsigned j = (unsigned)at + 2; j < l->argc; j++) {
		if (!strcmp(l->argv[j], "no-xauth")) {
			no_xauth = true;
		} else if (j == (unsigned)at + 2 && ip4(l->argv[j], &mask) &&
			   mask_plen(mask, false, &plen)) {
			addr &= plen_mask(plen);
		} else {
			skip(m, l, "option \"%.32s\" not understood", l->argv[j]);
			sodium_memzero(key, sizeof(key));
			return;
		}
	}
	map = no_xauth ? static_map_for(m, addr) : NULL;
	if (no_xauth) {
		struct ios_line *acl = map ? child_is(map, "match", "address") : NULL;

		if (!acl || !for_acl(m, ios_arg(acl, 2), s2s_entry, &s2s) || !s2s.local.n) {
			skip(m, l, "a no-xauth (site-to-site) key needs the networks of its tunnel: no "
			     "static crypto map entry with \"set peer %s\" and a \"match address\" "
			     "access list with permit lines; write them as local-network and "
			     "remote-network in a block after the key", ip4s(addr, a));
			sodium_memzero(key, sizeof(key));
			return;
		}
	}
	sb_printf(m, S_KEYS, "crypto isakmp key ");
	sb_word(m, S_KEYS, key);
	sodium_memzero(key, sizeof(key));
	sb_printf(m, S_KEYS, " address %s/%u%s", ip4s(addr, a), plen, no_xauth ? " no-xauth {\n" : "\n");
	if (no_xauth) {
		sb_printf(m, S_KEYS, "    # from crypto map %s %s (IOS line %u)\n", ios_arg(map, 2),
			  ios_arg(map, 3), map->lineno);
		for (unsigned j = 0; j < s2s.local.n; j++)
			sb_printf(m, S_KEYS, "    local-network %s/%u\n", ip4s(s2s.local.v[j].a, a),
				  s2s.local.v[j].plen);
		for (unsigned j = 0; j < s2s.remote.n; j++)
			sb_printf(m, S_KEYS, "    remote-network %s/%u\n", ip4s(s2s.remote.v[j].a, a),
				  s2s.remote.v[j].plen);
		sb_printf(m, S_KEYS, "}\n");
		done(map);
		for (struct ios_line *s = map->child; s; s = s->next) {
			if (ios_is(s, "set", "peer", NULL) || ios_is(s, "match", "address", NULL) ||
			    ios_is(s, "description", NULL)) {
				done(s);
			} else if (ios_is(s, "set", "transform-set", NULL)) {
				for (unsigned j = 2; j < s->argc; j++)
					order_set(m, s->argv[j]);
				done(s);
			} else if (ios_is(s, "set", "pfs", NULL)) {
				map_pfs(m, s);
			} else if (ios_is(s, "set", "security-association", "lifetime", NULL)) {
				map_lifetime(m, s, 3);
			} else if (ios_is(s, "reverse-route", NULL)) {
				skip(m, s, "evsd installs RRI routes for remote-access clients only");
			} else {
				skip(m, s, "no evsd equivalent for this crypto map setting");
			}
		}
	} else if (!plen && !m->map_auth_list) {
		sb_printf(m, S_KEYS, "# IOS line %u: evsd asks every peer of this key for a user "
			  "name and password (XAUTH); IOS did only with a client authentication "
			  "list\n", l->lineno);
	}
	done(l);
}

/* ---- groups ----------------------------------------------------------------------------- */

static struct ios_line *profile_for_group(struct imp *m, const char *group)
{
	for (unsigned i = 0; i < m->profiles.n; i++) {
		struct ios_line *p = m->profiles.v[i];

		for (struct ios_line *c = p->child; c; c = c->next)
			if (ios_is(c, "match", "identity", "group", group, NULL) && c->argc == 4)
				return p;
	}
	return NULL;
}

static const char *profile_list(struct ios_line *p, const char *w0, const char *w1)
{
	struct ios_line *c = p ? child_is(p, w0, w1) : NULL;

	if (!c)
		return NULL;
	if (!strcmp(w0, "client") && c->argc == 4)
		return c->argv[3];
	if (!strcmp(w0, "isakmp") && c->argc == 4)
		return c->argv[3];
	if (!strcmp(w0, "accounting") && c->argc == 2)
		return c->argv[1];
	return NULL;
}

static void group_list_words(struct imp *m, struct ios_line *c, unsigned max_words,
			     const char *evs_kw, bool addresses)
{
	char a[INET_ADDRSTRLEN];
	uint32_t v = 0;

	if (c->argc < 2 || c->argc > max_words + 1) {
		skip(m, c, "expected 1 to %u values", max_words);
		return;
	}
	for (unsigned i = 1; i < c->argc; i++)
		if (addresses ? !ip4(c->argv[i], &v) : !bare_ok(c->argv[i]) ||
		    strlen(c->argv[i]) > 255) {
			skip(m, c, "\"%.64s\" is not %s", c->argv[i],
			     addresses ? "an IPv4 address" : "a name evsd takes");
			return;
		}
	sb_printf(m, S_GROUPS, "    %s", evs_kw);
	for (unsigned i = 1; i < c->argc; i++) {
		if (addresses) {
			ip4(c->argv[i], &v);
			sb_printf(m, S_GROUPS, " %s", ip4s(v, a));
		} else {
			sb_printf(m, S_GROUPS, " %s", c->argv[i]);
		}
	}
	sb_printf(m, S_GROUPS, "\n");
	done(c);
}

/* Lines a group may hold several of (split-dns, backup-gateway), joined. */
static void group_joined(struct imp *m, struct ios_line *g, const char *ios_kw,
			 const char *evs_kw, unsigned max)
{
	unsigned n = 0;

	for (struct ios_line *c = g->child; c; c = c->next) {
		if (!ios_is(c, ios_kw, NULL) || c->state != IOS_UNTOUCHED)
			continue;
		if (c->argc != 2 || !bare_ok(c->argv[1]) || strlen(c->argv[1]) > 200) {
			skip(m, c, "expected %s NAME", ios_kw);
			continue;
		}
		if (n == max) {
			skip(m, c, "more than %u %s lines", max, ios_kw);
			continue;
		}
		sb_printf(m, S_GROUPS, "%s%s", n ? " " : "    ", n ? "" : evs_kw);
		sb_printf(m, S_GROUPS, "%s%s", n ? "" : " ", c->argv[1]);
		n++;
		done(c);
	}
	if (n)
		sb_printf(m, S_GROUPS, "\n");
}

static void group_banner(struct imp *m, struct ios_line *c)
{
	char text[IOS_MAX_BANNER + 1];
	size_t n = 0;

	if (!c->banner || !c->banner[0]) {
		skip(m, c, "a banner without text");
		return;
	}
	for (const char *s = c->banner; *s && n < IOS_MAX_BANNER; s++) {
		char ch = *s == '\n' || *s == '\t' ? ' ' : *s;

		if (ch < ' ' || ch >= 0x7f)
			ch = '?';
		if (ch == ' ' && n && text[n - 1] == ' ')
			continue;
		text[n++] = ch;
	}
	while (n && text[n - 1] == ' ')
		n--;
	text[n] = '\0';
	if (!n) {
		skip(m, c, "a banner without text");
		return;
	}
	if (strchr(c->banner, '\n'))
		sb_printf(m, S_GROUPS, "    # IOS line %u: the banner's lines are joined with "
			  "spaces (evsd's banner is one line)\n", c->lineno);
	sb_printf(m, S_GROUPS, "    banner ");
	sb_word(m, S_GROUPS, text);
	sb_printf(m, S_GROUPS, "\n");
	done(c);
}

static void group_acl(struct imp *m, struct ios_line *c)
{
	struct nets ns = { .max = IMP_NETS };
	char a[INET_ADDRSTRLEN];

	if (c->argc != 2 || !for_acl(m, c->argv[1], split_entry, &ns)) {
		skip(m, c, "access list %.64s is not defined", ios_arg(c, 1));
		return;
	}
	if (!ns.n) {
		skip(m, c, "access list %.64s has no permit line evsd can use: the group "
		     "tunnels everything", c->argv[1]);
		return;
	}
	sb_printf(m, S_GROUPS, "    split-include");
	for (unsigned i = 0; i < ns.n; i++)
		sb_printf(m, S_GROUPS, " %s/%u", ip4s(ns.v[i].a, a), ns.v[i].plen);
	sb_printf(m, S_GROUPS, "   # from access list %s\n", c->argv[1]);
	done(c);
}

static void group_setting(struct imp *m, struct ios_line *g, struct ios_line *c,
			  bool *pool, bool *lock)
{
	const char *k = ios_arg(c, 0);
	char key[IMP_SECRET_MAX + 2], why[256];
	unsigned v;

	if (c->state != IOS_UNTOUCHED)
		return;
	if (!strcmp(k, "key")) {
		if (c->argc > 3 || secret_at(c, 1, false, key, sizeof(key), why, sizeof(why))) {
			skip(m, c, "the group key cannot be carried over: %s; write it in clear in "
			     "the group block: key \"KEY\"", c->argc > 3 ? "expected one word" : why);
			sodium_memzero(key, sizeof(key));
			return;
		}
		sb_printf(m, S_GROUPS, "    key ");
		sb_word(m, S_GROUPS, key);
		sb_printf(m, S_GROUPS, "\n");
		sodium_memzero(key, sizeof(key));
		done(c);
	} else if (!strcmp(k, "dns")) {
		group_list_words(m, c, 4, "dns", true);
	} else if (!strcmp(k, "wins")) {
		group_list_words(m, c, 4, "wins", true);
	} else if (!strcmp(k, "domain")) {
		group_list_words(m, c, 1, "domain", false);
	} else if (!strcmp(k, "pool")) {
		if (c->argc != 2 || pool_index(m, c->argv[1]) < 0) {
			skip(m, c, "pool %.64s was not carried over (see its ip local pool line)",
			     ios_arg(c, 1));
			return;
		}
		sb_printf(m, S_GROUPS, "    pool %s\n", c->argv[1]);
		*pool = true;
		done(c);
	} else if (!strcmp(k, "acl")) {
		group_acl(m, c);
	} else if (!strcmp(k, "split-dns")) {
		group_joined(m, g, "split-dns", "split-dns", 10);
	} else if (!strcmp(k, "backup-gateway")) {
		group_joined(m, g, "backup-gateway", "backup-servers", 10);
	} else if (!strcmp(k, "save-password") && c->argc == 1) {
		sb_printf(m, S_GROUPS, "    save-password yes\n");
		done(c);
	} else if (!strcmp(k, "pfs") && c->argc == 1) {
		sb_printf(m, S_GROUPS, "    pfs yes\n");
		done(c);
	} else if (!strcmp(k, "include-local-lan") && c->argc == 1) {
		sb_printf(m, S_GROUPS, "    include-local-lan\n");
		done(c);
	} else if (!strcmp(k, "max-logins") && c->argc == 2 && num(c->argv[1], 1, 100000, &v)) {
		sb_printf(m, S_GROUPS, "    max-logins %u\n", v);
		done(c);
	} else if (!strcmp(k, "group-lock") && c->argc == 1) {
		*lock = true;
		done(c);
	} else if (!strcmp(k, "banner")) {
		group_banner(m, c);
	} else if (!strcmp(k, "max-users")) {
		skip(m, c, "evsd limits sessions per user (max-logins), not per group");
	} else if (!strcmp(k, "netmask")) {
		skip(m, c, "evsd gives a client-mode user a host address; a netmask can be set "
		     "per user (user NAME { netmask M })");
	} else if (!strcmp(k, "firewall") && c->argc == 2 && !strcmp(c->argv[1], "are-u-there")) {
		sb_printf(m, S_GROUPS, "    firewall are-you-there\n");
		done(c);
	} else if (!strcmp(k, "firewall")) {
		skip(m, c, "no central firewall policy push in evsd (firewall are-you-there and "
		     "firewall-type send only the Unity type)");
	} else if (!strcmp(k, "dhcp")) {
		skip(m, c, "evsd gives addresses from its pools or RADIUS, not DHCP");
	} else if (!strcmp(k, "configuration") || !strcmp(k, "auto-update") ||
		   !strcmp(k, "browser-proxy")) {
		skip(m, c, "a Cisco client feature evsd does not push");
	} else if (!strcmp(k, "access-restrict")) {
		skip(m, c, "evsd has no per-interface group restriction (use listen)");
	} else {
		skip(m, c, "no evsd equivalent for this group setting");
	}
}

/* The evsd authentication and mode config of group name. */
static void group_aaa(struct imp *m, struct ios_line *g, struct ios_line *prof, enum auth *a)
{
	const char *auth_list = profile_list(prof, "client", "authentication");
	const char *author = profile_list(prof, "isakmp", "authorization");
	struct ios_line *cc = prof ? child_is(prof, "client", "configuration") : NULL;
	bool push = cc ? !strcmp(ios_arg(cc, 3), "initiate") : m->map_push;

	if (!auth_list)
		auth_list = m->map_auth_list;
	if (!author)
		author = m->map_author_list;
	struct ios_line *who = prof ? child_is(prof, "client", "authentication") : NULL;

	*a = auth_of_list(m, auth_list, who);
	if (*a == AUTH_NONE) {
		sb_printf(m, S_GROUPS, "    # IOS asked this group's users for no password (no "
			  "client authentication list); evsd always does (XAUTH)\n");
		*a = AUTH_LOCAL;
	}
	if (*a != m->aaa_default)
		sb_printf(m, S_GROUPS, "    authentication %s\n", auth_names[*a]);
	if (push)
		sb_printf(m, S_GROUPS, "    modecfg push\n");
	if (author) {
		struct ios_line *l = aaa_list(m, "authorization", "network", author);
		const char *rg = NULL;
		char why[256];

		if (l && aaa_methods(l, 4, &rg, why, sizeof(why)) != AUTH_LOCAL)
			skip(m, l, "IOS took group policies from RADIUS; evsd reads them from "
			     "evsd.conf: write a group block for every group the RADIUS server "
			     "held (only the local ones are here)");
		else if (l)
			done(l);
	}
}

static void conv_group(struct imp *m, struct ios_line *g, bool several)
{
	const char *name = ios_arg(g, 5);
	struct ios_line *prof = profile_for_group(m, name);
	bool pool = false, lock = false;
	enum auth a;

	if (g->argc != 6 || !name_ok(name, 63)) {
		skip(m, g, "a group name evsd does not take (1-63 of A-Z a-z 0-9 . _ - +)");
		return;
	}
	for (unsigned i = 0; i < m->n_groups_ok; i++)
		if (!strcmp(m->groups_ok[i], name)) {
			skip(m, g, "group %s defined twice", name);
			return;
		}
	sb_printf(m, S_GROUPS, "\n# IOS line %u%s%s\ngroup %s {\n", g->lineno,
		  prof ? ", isakmp profile " : "", prof ? ios_arg(prof, 3) : "", name);
	for (struct ios_line *c = g->child; c; c = c->next)
		group_setting(m, g, c, &pool, &lock);
	if (!child_is(g, "key", NULL))
		sb_printf(m, S_GROUPS, "    # no key: IOS matched this group by certificate or "
			  "profile; evsd gives a certificate (rsa-sig) client the group of its "
			  "user (user file or RADIUS)\n");
	if (!pool && m->default_pool)
		sb_printf(m, S_GROUPS, "    pool %s   # crypto isakmp client configuration "
			  "address-pool local\n", m->default_pool);
	else if (!pool)
		sb_printf(m, S_GROUPS, "    # no pool: addresses must come from RADIUS "
			  "(Framed-IP-Address) or user blocks\n");
	group_aaa(m, g, prof, &a);
	if (lock)
		sb_printf(m, S_GROUPS, "    group-lock yes\n");
	else if (several)
		sb_printf(m, S_GROUPS, "    # IOS let users of every group log in through this one "
			  "and gave them this group's settings; evsd gives a user the settings "
			  "of the user's own group\n    group-lock no\n");
	sb_printf(m, S_GROUPS, "}\n");
	done(g);
	snprintf(m->groups_ok[m->n_groups_ok], 64, "%s", name);
	m->group_auth[m->n_groups_ok++] = a;
}

/* The profiles' own lines: carried over through the groups, or noted. */
static void conv_profiles(struct imp *m)
{
	for (unsigned i = 0; i < m->profiles.n; i++) {
		struct ios_line *p = m->profiles.v[i];
		bool used = false;

		for (struct ios_line *c = p->child; c; c = c->next)
			if (ios_is(c, "match", "identity", "group", NULL) && c->argc == 4) {
				for (unsigned j = 0; j < m->n_groups_ok; j++)
					used |= !strcmp(m->groups_ok[j], c->argv[3]);
			}
		if (!used) {
			skip(m, p, "the profile matches no client configuration group that was "
			     "carried over");
			continue;
		}
		done(p);
		for (struct ios_line *c = p->child; c; c = c->next) {
			if (c->state != IOS_UNTOUCHED)
				continue;
			if (ios_is(c, "match", "identity", "group", NULL) ||
			    ios_is(c, "client", "authentication", "list", NULL) ||
			    ios_is(c, "isakmp", "authorization", "list", NULL) ||
			    ios_is(c, "client", "configuration", "address", NULL) ||
			    ios_is(c, "description", NULL) || ios_is(c, "ca", "trust-point", NULL))
				done(c);
			else if (ios_is(c, "accounting", NULL))
				done(c);	/* read by conv_aaa */
			else if (ios_is(c, "virtual-template", NULL))
				skip(m, c, "evsd has no virtual-template interfaces: every client's "
				     "traffic goes through the evs device (evs0) with an RRI route");
			else if (ios_is(c, "keepalive", NULL) && m->dpd_set)
				skip(m, c, "DPD is global in evsd: crypto isakmp keepalive set it");
			else if (ios_is(c, "keepalive", NULL) && c->argc == 4 &&
				 num(c->argv[1], 10, 3600, &(unsigned){ 0 })) {
				sb_printf(m, S_TIMERS, "    dpd-interval %s   # IOS line %u (profile "
					  "keepalive; the retry interval has no equivalent)\n",
					  c->argv[1], c->lineno);
				m->dpd_set = true;
				done(c);
			} else if (ios_is(c, "match", "identity", NULL))
				skip(m, c, "evsd picks a group by the Phase 1 group name (or the "
				     "user's group), not by address, host or certificate fields");
			else if (ios_is(c, "self-identity", NULL))
				skip(m, c, "evsd's identity is global (crypto isakmp identity)");
			else
				skip(m, c, "no evsd equivalent for this profile setting");
		}
	}
}

/* ---- global settings -------------------------------------------------------------------- */

static void conv_globals(struct imp *m)
{
	for (unsigned i = 0; i < m->other_crypto.n; i++) {
		struct ios_line *l = m->other_crypto.v[i];
		unsigned v;

		if (ios_is(l, "crypto", "isakmp", "keepalive", NULL) && l->argc >= 4 &&
		    num(l->argv[3], 10, 3600, &v)) {
			if (m->dpd_set) {
				skip(m, l, "DPD is already set");
				continue;
			}
			sb_printf(m, S_TIMERS, "    dpd-interval %u   # IOS line %u%s\n", v, l->lineno,
				  l->argc > 4 ? " (the retry interval and periodic/on-demand have no "
				  "equivalent: evsd probes an idle peer, dpd-retries times)" : "");
			m->dpd_set = true;
			done(l);
		} else if (ios_is(l, "crypto", "isakmp", "nat", "keepalive", NULL) && l->argc == 5 &&
			   num(l->argv[4], 5, 3600, &v)) {
			sb_printf(m, S_TIMERS, "    nat-keepalive %u   # IOS line %u\n", v, l->lineno);
			done(l);
		} else if (ios_is(l, "crypto", "isakmp", "xauth", "timeout", NULL) && l->argc == 5 &&
			   num(l->argv[4], 1, 600, &v)) {
			sb_printf(m, S_XAUTH, "    timeout %u   # IOS line %u: IOS timed each prompt, "
				  "evsd the whole login\n", v < 10 ? 10 : v, l->lineno);
			done(l);
		} else if (ios_is(l, "crypto", "isakmp", "identity", NULL) && l->argc == 4) {
			if (!strcmp(l->argv[3], "address") || !strcmp(l->argv[3], "dn")) {
				sb_printf(m, S_P1, "crypto isakmp identity %s\n", l->argv[3]);
				done(l);
			} else if (!strcmp(l->argv[3], "hostname") && m->hostname && m->domain &&
				   bare_ok(m->hostname) && bare_ok(m->domain) &&
				   strlen(m->hostname) + strlen(m->domain) < 200) {
				sb_printf(m, S_P1, "crypto isakmp identity fqdn %s.%s\n", m->hostname,
					  m->domain);
				done(l);
			} else {
				skip(m, l, "identity not carried over (address, dn, or hostname with "
				     "hostname and ip domain name)");
			}
		} else if (ios_is(l, "crypto", "isakmp", "client", "configuration", "address-pool",
				  "local", NULL) && l->argc == 7) {
			if (pool_index(m, l->argv[6]) >= 0) {
				m->default_pool = l->argv[6];
				done(l);
			} else {
				skip(m, l, "pool %.64s was not carried over", l->argv[6]);
			}
		} else if (ios_is(l, "crypto", "ipsec", "security-association", "lifetime", NULL)) {
			map_lifetime(m, l, 4);
		} else if (ios_is(l, "crypto", "ipsec", "nat-transparency", "udp-encapsulation",
				  NULL)) {
			sb_printf(m, S_P2, "# IOS line %u: NAT traversal is always on in evsd\n",
				  l->lineno);
			done(l);
		} else if (ios_is(l, "crypto", "isakmp", "aggressive-mode", "disable", NULL)) {
			skip(m, l, "evsd answers aggressive mode for group names (the Easy VPN group "
			     "keys need it) and refuses it for any other identity unless a key is "
			     "marked aggressive");
		} else if (ios_is(l, "crypto", "ipsec", "client", "ezvpn", NULL)) {
			skip(m, l, "this is the Easy VPN remote (client) side: evsd plays it with a "
			     "peer block and evsd --client (evsd.conf(5), CLIENT PEERS)");
		} else if (ios_is(l, "crypto", "pki", NULL) || ios_is(l, "crypto", "key", NULL) ||
			   ios_is(l, "crypto", "ca", NULL)) {
			skip(m, l, "evsd reads certificates and keys from PEM files (pki block)");
		} else {
			skip(m, l, "no evsd equivalent for this crypto line");
		}
	}
}

static void conv_pki(struct imp *m)
{
	const char *dir = m->o->pki_dir ? m->o->pki_dir : IOS_PKI_DIR;
	const char *tp = NULL;

	for (unsigned i = 0; i < m->profiles.n && !tp; i++) {
		struct ios_line *c = child_is(m->profiles.v[i], "ca", "trust-point");

		if (c && c->argc == 3)
			tp = c->argv[2];
	}
	if (!tp && m->trustpoints.n)
		tp = ios_arg(m->trustpoints.v[0], 3);
	for (unsigned i = 0; i < m->trustpoints.n; i++) {
		struct ios_line *t = m->trustpoints.v[i];

		if (!m->need_pki || !tp || strcmp(ios_arg(t, 3), tp)) {
			skip(m, t, m->need_pki ? "evsd has one pki block: trustpoint %.64s is used" :
			     "no isakmp policy uses certificates (rsa-sig)%.0s", tp ? tp : "");
			continue;
		}
		done(t);
		for (struct ios_line *c = t->child; c; c = c->next) {
			if (ios_is(c, "revocation-check", "none", NULL))
				done(c);
			else if (ios_is(c, "revocation-check", NULL))
				skip(m, c, "evsd checks revocation against CRL files it is given: put "
				     "the CA's CRL in a file and add \"crl FILE\" to the pki block");
			else
				skip(m, c, "enrolment is done outside evsd: it reads the certificates "
				     "and key from files");
		}
	}
	for (unsigned i = 0; i < m->chains.n; i++)
		skip(m, m->chains.v[i], "the certificates are not converted from hex: export "
		     "them from the router (see the pki block)");
	if (!m->need_pki)
		return;
	if (!tp || !bare_ok(tp) || strlen(tp) > 64)
		tp = "router";
	if (!bare_ok(dir) || strlen(dir) > 1024)
		dir = IOS_PKI_DIR;
	sb_printf(m, S_PKI,
		  "# The router's certificates and private key are not in its running-config.\n"
		  "# Export them on the router: crypto pki export %s pem terminal 3des PASSPHRASE\n"
		  "# and save the CA certificate, the router's certificate and its key (decrypted:\n"
		  "# openssl rsa -in KEY.enc -out %s/%s-key.pem) as:\n"
		  "pki {\n    ca %s/%s-ca.pem\n    certificate %s/%s-cert.pem\n"
		  "    private-key %s/%s-key.pem\n}\n", tp, dir, tp, dir, tp, dir, tp, dir, tp);
}

/* ---- AAA and RADIUS --------------------------------------------------------------------- */

struct rad {
	uint32_t addr;
	unsigned auth, acct;
	char key[IMP_SECRET_MAX + 2];
	struct ios_line *line;
};

static void rad_emit(struct imp *m, struct rad *r, unsigned *n)
{
	char a[INET_ADDRSTRLEN];

	if (*n == IMP_RADIUS) {
		skip(m, r->line, "evsd takes at most %d RADIUS servers", IMP_RADIUS);
		sodium_memzero(r->key, sizeof(r->key));
		return;
	}
	sb_printf(m, S_AAA, "    radius-server %s {   # IOS line %u\n        key ", ip4s(r->addr, a),
		  r->line->lineno);
	sb_word(m, S_AAA, r->key);
	sb_printf(m, S_AAA, "\n        auth-port %u\n        acct-port %u\n    }\n", r->auth, r->acct);
	sodium_memzero(r->key, sizeof(r->key));
	(*n)++;
	done(r->line);
}

static const char *global_radius_key(struct imp *m, char *buf, size_t cap)
{
	char why[256];

	for (unsigned i = 0; i < m->rad_old.n; i++) {
		struct ios_line *l = m->rad_old.v[i];

		if (ios_is(l, "radius-server", "key", NULL)) {
			if (secret_at(l, 2, true, buf, cap, why, sizeof(why))) {
				skip(m, l, "the key cannot be carried over: %s", why);
				return NULL;
			}
			done(l);
			return buf;
		}
	}
	return NULL;
}

/* radius-server host A [auth-port P] [acct-port Q] [timeout T] [retransmit R] [key K] */
static void rad_old_host(struct imp *m, struct ios_line *l, const char *gkey, unsigned *n)
{
	struct rad r = { .auth = 1645, .acct = 1646, .line = l };
	char why[256];
	unsigned i = 3;

	if (!ip4(ios_arg(l, 2), &r.addr)) {
		skip(m, l, "not an IPv4 address");
		return;
	}
	while (i < l->argc) {
		const char *w = l->argv[i];

		if ((!strcmp(w, "auth-port") || !strcmp(w, "acct-port")) &&
		    num(ios_arg(l, i + 1), 0, 65535, !strcmp(w, "auth-port") ? &r.auth : &r.acct)) {
			i += 2;
		} else if ((!strcmp(w, "timeout") || !strcmp(w, "retransmit")) && i + 1 < l->argc) {
			i += 2;
		} else if (!strcmp(w, "key")) {
			if (secret_at(l, i + 1, true, r.key, sizeof(r.key), why, sizeof(why))) {
				skip(m, l, "the key cannot be carried over: %s", why);
				return;
			}
			break;
		} else {
			skip(m, l, "option \"%.32s\" not understood", w);
			return;
		}
	}
	if (!r.key[0]) {
		if (!gkey) {
			skip(m, l, "no key (neither on the line nor radius-server key)");
			return;
		}
		snprintf(r.key, sizeof(r.key), "%s", gkey);
	}
	if (!r.auth || !r.acct) {
		skip(m, l, "evsd needs both ports");
		return;
	}
	rad_emit(m, &r, n);
}

/* radius server NAME { address ipv4 A auth-port P acct-port Q; key K } */
static void rad_new(struct imp *m, struct ios_line *s, unsigned *n)
{
	struct rad r = { .auth = 1645, .acct = 1646, .line = s };
	char why[256];
	bool addr = false;

	for (struct ios_line *c = s->child; c; c = c->next) {
		if (ios_is(c, "address", "ipv4", NULL) && ip4(ios_arg(c, 2), &r.addr)) {
			unsigned i = 3;

			addr = true;
			while (i + 1 < c->argc &&
			       ((!strcmp(c->argv[i], "auth-port") && num(c->argv[i + 1], 1, 65535, &r.auth)) ||
				(!strcmp(c->argv[i], "acct-port") && num(c->argv[i + 1], 1, 65535, &r.acct))))
				i += 2;
			if (i != c->argc) {
				skip(m, s, "address line not understood");
				return;
			}
			done(c);
		} else if (ios_is(c, "key", NULL)) {
			if (secret_at(c, 1, true, r.key, sizeof(r.key), why, sizeof(why))) {
				skip(m, s, "the key cannot be carried over: %s", why);
				return;
			}
			done(c);
		} else if (ios_is(c, "timeout", NULL) || ios_is(c, "retransmit", NULL)) {
			skip(m, c, "evsd's RADIUS timeout and retries are global (aaa block)");
		} else {
			skip(m, c, "no evsd equivalent for this RADIUS server setting");
		}
	}
	if (!addr || !r.key[0]) {
		skip(m, s, "needs an IPv4 address and a key");
		sodium_memzero(r.key, sizeof(r.key));
		return;
	}
	rad_emit(m, &r, n);
}

static struct ios_line *rad_new_named(struct imp *m, const char *name)
{
	for (unsigned i = 0; i < m->rad_new.n; i++)
		if (m->rad_new.v[i]->argc == 3 && !strcmp(m->rad_new.v[i]->argv[2], name))
			return m->rad_new.v[i];
	return NULL;
}

static void conv_radius_servers(struct imp *m)
{
	char gkey[IMP_SECRET_MAX + 2];
	const char *gk = global_radius_key(m, gkey, sizeof(gkey));
	struct ios_line *grp = NULL;
	unsigned n = 0;

	if (m->radius_group && strcmp(m->radius_group, "radius"))
		for (unsigned i = 0; i < m->rad_groups.n; i++)
			if (!strcmp(ios_arg(m->rad_groups.v[i], 4), m->radius_group))
				grp = m->rad_groups.v[i];
	if (grp) {
		done(grp);
		for (struct ios_line *c = grp->child; c; c = c->next) {
			struct ios_line *s;

			if (ios_is(c, "server", "name", NULL) && (s = rad_new_named(m, ios_arg(c, 2)))) {
				rad_new(m, s, &n);
				done(c);
			} else if (ios_is(c, "server", NULL) || ios_is(c, "server-private", NULL)) {
				uint32_t a;

				/* the matching radius-server host line */
				for (unsigned i = 0; i < m->rad_old.n; i++)
					if (ios_is(m->rad_old.v[i], "radius-server", "host", NULL) &&
					    ip4(ios_arg(c, 1), &a) && !strcmp(ios_arg(m->rad_old.v[i], 2),
									     c->argv[1]))
						rad_old_host(m, m->rad_old.v[i], gk, &n);
				if (ios_is(c, "server-private", NULL))
					rad_old_host(m, c, gk, &n);
				done(c);
			} else {
				skip(m, c, "no evsd equivalent for this server group setting");
			}
		}
	} else {
		for (unsigned i = 0; i < m->rad_new.n; i++)
			rad_new(m, m->rad_new.v[i], &n);
		for (unsigned i = 0; i < m->rad_old.n; i++)
			if (ios_is(m->rad_old.v[i], "radius-server", "host", NULL))
				rad_old_host(m, m->rad_old.v[i], gk, &n);
	}
	sodium_memzero(gkey, sizeof(gkey));
	if (!n)
		sb_printf(m, S_AAA, "    # no RADIUS server could be carried over: add one\n"
			  "    # radius-server ADDRESS { key SECRET }\n");
}

static void conv_aaa(struct imp *m)
{
	const char *acct = m->map_acct_list;
	unsigned interim = 0, interim_line = 0;

	for (unsigned i = 0; i < m->profiles.n && !acct; i++)
		if (m->profiles.v[i]->state == IOS_DONE)
			acct = profile_list(m->profiles.v[i], "accounting", NULL);
	if (acct) {
		struct ios_line *l = aaa_list(m, "accounting", "network", acct);
		const char *rg = NULL;
		char why[256];

		if (l && aaa_methods(l, 5, &rg, why, sizeof(why)) != AUTH_BAD && rg) {
			m->accounting = m->radius_used = true;
			if (!m->radius_group)
				m->radius_group = rg;
			done(l);
		} else if (l) {
			skip(m, l, "only RADIUS accounting is carried over");
		}
	}
	for (unsigned i = 0; i < m->aaa.n; i++) {
		struct ios_line *l = m->aaa.v[i];
		unsigned v;

		if (ios_is(l, "aaa", "new-model", NULL)) {
			done(l);
		} else if (ios_is(l, "aaa", "accounting", "update", "periodic", NULL) &&
			   l->argc >= 5 && num(l->argv[4], 1, 1440, &v) && m->accounting) {
			interim = v * 60;
			interim_line = l->lineno;
			done(l);
		} else if (ios_is(l, "aaa", "session-id", NULL)) {
			done(l);
		} else if (ios_is(l, "aaa", "group", "server", "radius", NULL)) {
			continue;	/* read with the servers */
		} else if (l->state == IOS_UNTOUCHED) {
			skip(m, l, "not used by the VPN (router logins, exec, commands, or a list no "
			     "crypto map or profile names)");
		}
	}
	if (!m->radius_used)
		return;
	sb_printf(m, S_AAA, "aaa {\n    authentication %s\n", auth_names[m->aaa_default]);
	if (m->accounting)
		sb_printf(m, S_AAA, "    accounting radius\n");
	if (interim)
		sb_printf(m, S_AAA, "    interim-interval %u   # IOS line %u\n", interim, interim_line);
	for (unsigned i = 0; i < m->rad_old.n; i++) {
		struct ios_line *l = m->rad_old.v[i];
		unsigned v;

		if (ios_is(l, "radius-server", "timeout", NULL) && l->argc == 3 &&
		    num(l->argv[2], 1, 60, &v)) {
			sb_printf(m, S_AAA, "    timeout %u\n", v);
			done(l);
		} else if (ios_is(l, "radius-server", "retransmit", NULL) && l->argc == 3 &&
			   num(l->argv[2], 0, 10, &v)) {
			sb_printf(m, S_AAA, "    retries %u\n", v);
			done(l);
		} else if (ios_is(l, "radius-server", "vsa", NULL)) {
			skip(m, l, "evsd sends and reads no Cisco vendor-specific attributes; group "
			     "policies come from evsd.conf, the group name from Class or Filter-Id");
		} else if (ios_is(l, "radius-server", "deadtime", NULL) ||
			   ios_is(l, "radius-server", "dead-criteria", NULL)) {
			skip(m, l, "evsd tries the servers in order on every request (timeout, "
			     "retries); it keeps no dead time");
		} else if (ios_is(l, "radius-server", "attribute", NULL)) {
			skip(m, l, "evsd sends a fixed set of attributes (NAS-Identifier with "
			     "nas-identifier NAME)");
		}
	}
	conv_radius_servers(m);
	sb_printf(m, S_AAA, "}\n");
}

/* ---- users ------------------------------------------------------------------------------ */

static void conv_users(struct imp *m)
{
	const char *group = NULL;
	unsigned n_local = 0;
	size_t cap = 0;

	for (unsigned i = 0; i < m->n_groups_ok; i++)
		if (m->group_auth[i] == AUTH_LOCAL || m->group_auth[i] == AUTH_RADIUS_LOCAL) {
			if (!group)
				group = m->groups_ok[i];
			n_local++;
		}
	for (struct ios_line *l = m->c.root.child; l; l = l->next) {
		struct ios_user *u;
		char pw[IMP_SECRET_MAX + 2] = "", why[256];
		int at;

		if (!ios_is(l, "username", NULL))
			continue;
		if (l->argc < 3 || !userdb_name_valid(l->argv[1], false)) {
			skip(m, l, "a user name evsd does not take (1-63 of A-Z a-z 0-9 . _ - + @)");
			continue;
		}
		if (!group) {
			skip(m, l, "no client configuration group authenticates local users (the "
			     "VPN's login list names no local method)");
			continue;
		}
		for (size_t j = 0; j < m->out->n_users; j++)
			if (!strcmp(m->out->users[j].name, l->argv[1])) {
				skip(m, l, "user defined twice");
				goto next;
			}
		if (m->out->n_users == IMP_USERS_MAX) {
			skip(m, l, "more than %u users", IMP_USERS_MAX);
			continue;
		}
		if (m->out->n_users == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct ios_user *nu = realloc(m->out->users, nc * sizeof(*nu));

			if (!nu) {
				m->oom = true;
				return;
			}
			m->out->users = nu;
			cap = nc;
		}
		u = &m->out->users[m->out->n_users];
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%s", l->argv[1]);
		snprintf(u->group, sizeof(u->group), "%s", group);
		u->line = l->lineno;
		at = find_word(l, 2, "password");
		if (at < 0)
			at = find_word(l, 2, "secret");
		if (at < 0) {
			snprintf(u->why, sizeof(u->why), "%s",
				 find_word(l, 2, "nopassword") > 0 ? "no password on the router" :
				 "no password or secret on the line");
		} else if (secret_at(l, (unsigned)at + 1, true, pw, sizeof(pw), why, sizeof(why))) {
			snprintf(u->why, sizeof(u->why), "%s", why);
		} else {
			u->password = strdup(pw);
			sodium_memzero(pw, sizeof(pw));
			if (!u->password) {
				m->oom = true;
				return;
			}
		}
		m->out->n_users++;
		if (!u->password) {
			skip(m, l, "%s: set a new password: evsadm user add %s group %s", u->why,
			     u->name, u->group);
			continue;
		}
		done(l);
		if (find_word(l, 2, "privilege") > 0)
			sb_printf(m, S_USERS, "# IOS line %u: %s has a router privilege level; IOS let "
				  "it log in to the VPN as well, and so does evsd: remove it from the "
				  "user file if it should not\n", l->lineno, u->name);
next:;
	}
	for (size_t j = 0, k = 0; j < m->out->n_users; j++)
		if (m->out->users[j].password)
			sb_printf(m, S_USERS, "%s%s", k++ ? " " : "# Users whose passwords were in "
				  "clear text or type 7, for the user file (evsadm import-ios -u):\n#  ",
				  m->out->users[j].name);
	if (m->out->n_users)
		sb_printf(m, S_USERS, "\n");
	if (m->out->n_users && n_local > 1)
		sb_printf(m, S_USERS, "# The local users were put in group %s: IOS does not tie a "
			  "user to a group; move them with evsadm user del/add where needed.\n",
			  group);
}

/* ---- listen addresses ------------------------------------------------------------------- */

static void conv_ifaces(struct imp *m)
{
	char a[INET_ADDRSTRLEN];

	for (unsigned i = 0; i < m->ifaces.n; i++) {
		struct ios_line *f = m->ifaces.v[i];
		struct ios_line *cm = NULL, *ip = NULL;

		for (struct ios_line *c = f->child; c; c = c->next) {
			if (ios_is(c, "crypto", "map", NULL) && c->argc == 3)
				cm = c;
			else if (ios_is(c, "ip", "address", NULL) && c->argc == 4 && !ip)
				ip = c;
			else if (ios_is(c, "crypto", NULL))
				skip(m, c, "no evsd equivalent for this interface crypto line");
		}
		if (!cm)
			continue;
		uint32_t addr;

		if (!ip || !ip4(ip->argv[2], &addr)) {
			skip(m, cm, "the interface has no static IPv4 address: evsd listens on all "
			     "addresses unless told (listen ADDRESS)");
			continue;
		}
		bool dup = false;

		for (unsigned j = 0; j < m->n_listen; j++)
			dup |= m->listen[j] == addr;
		if (!dup && m->n_listen == IMP_LISTEN) {
			skip(m, cm, "evsd listens on at most %d addresses", IMP_LISTEN);
			continue;
		}
		if (!dup) {
			m->listen[m->n_listen++] = addr;
			sb_printf(m, S_LISTEN, "listen %s   # %s, crypto map %s (IOS line %u)\n",
				  ip4s(addr, a), ios_arg(f, 1), cm->argv[2], cm->lineno);
		}
		done(cm);
		done(ip);
	}
}

/* ---- the sweep and the result ----------------------------------------------------------- */

static void sweep(struct imp *m, struct ios_line *l)
{
	for (struct ios_line *c = l->child; c; c = c->next) {
		if (c->state == IOS_UNTOUCHED)
			skip(m, c, c->long_line ? "a line too long for the converter" :
			     "not understood by the converter");
		sweep(m, c);
	}
}

static int note_cmp(const void *a, const void *b)
{
	const struct note *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static void count(struct imp *m, const struct ios_line *l)
{
	for (const struct ios_line *c = l->child; c; c = c->next) {
		m->out->carried += c->state == IOS_DONE;
		m->out->commented += c->state == IOS_COMMENTED;
		count(m, c);
	}
}

static void finish(struct imp *m)
{
	char others[256] = "";
	size_t on = 0;

	for (struct ios_line *l = m->c.root.child; l; l = l->next) {
		if (vpn_top(l)) {
			if (l->state == IOS_UNTOUCHED)
				skip(m, l, l->long_line ? "a line too long for the converter" :
				     "not understood by the converter");
			sweep(m, l);
		} else if (l->state == IOS_UNTOUCHED) {
			bool known = false;
			char w[40];

			m->out->skipped++;
			snprintf(w, sizeof(w), "%s", ios_arg(l, 0));
			for (char *c = w; *c; c++)
				if (*c < '!' || *c >= 0x7f || *c == ',')
					*c = '?';
			for (const char *s = others; *s && !known; s = strchr(s, ',') ? strchr(s, ',') + 2 : "")
				known = !strncmp(s, w, strlen(w)) && (s[strlen(w)] == ',' || !s[strlen(w)]);
			if (!known && w[0] && on + strlen(w) + 8 < sizeof(others))
				on += (size_t)snprintf(others + on, sizeof(others) - on, "%s%s",
						       on ? ", " : "", w);
		}
	}
	if (m->notes)
		qsort(m->notes, m->n_notes, sizeof(*m->notes), note_cmp);
	if (m->out->skipped)
		sb_printf(m, S_TAIL, "\n# %u top-level lines outside the VPN configuration were "
			  "skipped (%s).\n", m->out->skipped, others);
	if (m->n_notes) {
		sb_printf(m, S_TAIL, "\n# Not carried over (IOS line: command: why):\n");
		for (size_t i = 0; i < m->n_notes; i++)
			sb_printf(m, S_TAIL, "# %s\n", m->notes[i].text);
	}
	count(m, &m->c.root);
}

int ios_import(const char *text, size_t len, const struct ios_import_opts *o,
	       struct ios_import *out, struct evs_err *e)
{
	static const char *const titles[NSEC] = {
		[S_LISTEN] = "Addresses (the interfaces that carried a crypto map)",
		[S_P1] = "Phase 1",
		[S_KEYS] = "Pre-shared keys",
		[S_PKI] = "Certificates",
		[S_P2] = "Phase 2",
		[S_TIMERS] = "Timers",
		[S_POOLS] = "Address pools",
		[S_AAA] = "AAA and RADIUS",
		[S_XAUTH] = "XAUTH",
		[S_GROUPS] = "Groups",
		[S_USERS] = "Users",
	};
	struct imp *m = calloc(1, sizeof(*m));
	struct sbuf all = { 0 };
	const char *dflt_list = NULL;
	int rc = -1;
	bool several = false;

	memset(out, 0, sizeof(*out));
	if (!m) {
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		return -1;
	}
	m->o = o;
	m->out = out;
	if (ios_parse(text, len, &m->c, e))
		goto free;
	classify(m);
	sb_printf(m, S_HEAD, "# evsd.conf converted by evsadm import-ios from the Cisco IOS "
		  "configuration\n# %s\n", o->source && text_ok(o->source, 200) ? o->source : "(input)");
	sb_printf(m, S_HEAD, "# Read the notes, above all \"Not carried over\" at the end, then "
		  "check it:\n#     evsd --check-config -c THIS-FILE\n");
	conv_pools(m);
	conv_maps(m);
	conv_sets(m);
	for (unsigned i = 0; i < m->policies.n; i++)
		conv_policy(m, m->policies.v[i]);
	if (!m->policies.n)
		sb_printf(m, S_P1, "# No crypto isakmp policy was found: evsd needs one.\n");
	for (unsigned i = 0; i < m->keys.n; i++)
		conv_key(m, m->keys.v[i]);
	conv_sets(m);	/* sets named only by static map entries */
	/* the aaa default: the crypto map's list, else local */
	m->aaa_default = AUTH_LOCAL;
	/* else the first group's profile's: groups then repeat it less */
	for (unsigned i = 0; i < m->groups.n && !m->map_auth_list; i++) {
		const char *l = profile_list(profile_for_group(m, ios_arg(m->groups.v[i], 5)),
					     "client", "authentication");

		if (l) {
			dflt_list = l;
			break;
		}
	}
	if (m->map_auth_list || dflt_list) {
		struct ios_line *l = aaa_list(m, "authentication", "login",
					      m->map_auth_list ? m->map_auth_list : dflt_list);
		const char *rg = NULL;
		char why[256];

		if (l && aaa_methods(l, 4, &rg, why, sizeof(why)) != AUTH_BAD)
			m->aaa_default = aaa_methods(l, 4, &rg, why, sizeof(why));
	}
	for (unsigned i = 0; i < m->groups.n; i++)
		several |= i > 0;
	conv_globals(m);
	for (unsigned i = 0; i < m->groups.n; i++)
		conv_group(m, m->groups.v[i], several);
	conv_profiles(m);
	conv_aaa(m);
	conv_pki(m);
	conv_users(m);
	conv_ifaces(m);
	if (o->users_path && text_ok(o->users_path, 1024))
		sb_printf(m, S_USERDB, "user-database ");
	if (o->users_path && text_ok(o->users_path, 1024)) {
		sb_word(m, S_USERDB, o->users_path);
		sb_printf(m, S_USERDB, "\n");
	}
	finish(m);
	for (int i = 0; i < NSEC; i++) {
		struct sbuf *b = &m->sec[i];
		bool block = i == S_TIMERS || i == S_XAUTH;

		if (!b->n)
			continue;
		if (titles[i])
			sb_bprintf(m, &all, "\n# --- %s ---\n", titles[i]);
		if (block)
			sb_bprintf(m, &all, "%s {\n", i == S_TIMERS ? "timers" : "xauth");
		sb_bprintf(m, &all, "%s", b->p);
		if (block)
			sb_bprintf(m, &all, "}\n");
	}
	if (m->oom)
		goto oom;
	out->conf = all.p;
	out->conf_len = all.n;
	all.p = NULL;
	rc = 0;
	goto free;
oom:
	snprintf(e->msg, sizeof(e->msg), "out of memory");
free:
	if (all.p) {
		sodium_memzero(all.p, all.n);
		free(all.p);
	}
	for (size_t i = 0; i < m->n_notes; i++)
		free(m->notes[i].text);
	free(m->notes);
	for (int i = 0; i < NSEC; i++) {
		if (m->sec[i].p)
			sodium_memzero(m->sec[i].p, m->sec[i].n);
		free(m->sec[i].p);
	}
	ios_conf_free(&m->c);
	free(m);
	if (rc)
		ios_import_free(out);
	return rc;
}

void ios_import_free(struct ios_import *out)
{
	for (size_t i = 0; i < out->n_users; i++)
		if (out->users[i].password) {
			sodium_memzero(out->users[i].password, strlen(out->users[i].password));
			free(out->users[i].password);
		}
	free(out->users);
	if (out->conf) {
		sodium_memzero(out->conf, out->conf_len);
		free(out->conf);
	}
	memset(out, 0, sizeof(*out));
}
