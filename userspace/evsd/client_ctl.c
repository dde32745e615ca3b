// SPDX-License-Identifier: MIT
/*
 * client_ctl: connect control of the client role; see client_ctl.h.  The
 * client role has a handful of peer blocks and one ISAKMP SA or two per
 * peer, so every command walks them.
 */
#include "evsd/client_ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "evsd/client/client_host.h"
#include "evsd/client/failover.h"
#include "evsd/ctl.h"
#include "evsd/loop.h"
#include "evsd/rri.h"
#include "evsd/state.h"
#include "ezv/easyvpn.h"
#include "ezv/modecfg.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "lib/json.h"
#include "lib/prefix.h"

enum admin_want { WANT_CONFIG = 0, WANT_UP, WANT_DOWN };

/* What the administrator asked of a peer block, by name (a reload keeps
 * it); one per peer block at most. */
struct client_admin {
	struct client_admin *next;
	char peer[64];
	enum admin_want want;
	struct failover fo;		/* the gateway list (failover.h) */
	bool fo_ready;
};

struct client_ctl {
	struct ike_engine *eng;
	struct ezv *ezv;
	const struct ike_config *ike;
	struct rri *rri;
	void (*kick)(void *arg);
	void *arg;
	struct client_admin *admin;
	const struct client_host *host;
	struct state *state;
};

struct client_ctl *client_ctl_new(struct ike_engine *eng, struct ezv *ezv,
				  const struct ike_config *ike, struct rri *rri,
				  void (*kick)(void *arg), void *arg)
{
	struct client_ctl *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	*c = (struct client_ctl){ eng, ezv, ike, rri, kick, arg, NULL, NULL, NULL };
	return c;
}

void client_ctl_set_host(struct client_ctl *c, const struct client_host *h)
{
	if (c)
		c->host = h;
}

void client_ctl_free(struct client_ctl *c)
{
	if (!c)
		return;
	while (c->admin) {
		struct client_admin *a = c->admin;

		c->admin = a->next;
		free(a);
	}
	free(c);
}

static struct client_admin *admin_find(const struct client_ctl *c, const char *peer)
{
	for (struct client_admin *a = c->admin; a; a = a->next)
		if (!strcmp(a->peer, peer))
			return a;
	return NULL;
}

bool client_ctl_wanted(const struct client_ctl *c, const struct ike_peer *p)
{
	const struct client_admin *a = c ? admin_find(c, p->name) : NULL;

	if (a && a->want != WANT_CONFIG)
		return a->want == WANT_UP;
	return !p->connect_manual;
}

static const struct ike_peer *peer_find(const struct client_ctl *c, const char *name)
{
	for (size_t i = 0; i < c->ike->n_peers; i++)
		if (!strcmp(c->ike->peers[i].name, name))
			return &c->ike->peers[i];
	return NULL;
}

/* The newest live ISAKMP SA of peer block name (a renewal overlaps the
 * old one for a while). */
static struct ike_sa *peer_sa(const struct client_ctl *c, const char *name)
{
	struct ike_sa *best = NULL;

	for (struct ike_sa *sa = c->eng->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD && sa->peer && !strcmp(sa->peer->name, name) &&
		    (!best || sa->serial > best->serial))
			best = sa;
	return best;
}

/* "peer" argument: a configured peer block; -1 with err otherwise. */
static const struct ike_peer *peer_arg(const struct client_ctl *c, struct json_object *args,
				       bool need, struct evs_err *err)
{
	const char *name;
	const struct ike_peer *p;

	if (ctl_arg_str(args, "peer", &name, err))
		return NULL;
	if (!name) {
		if (need)
			evs_errf(err, "name the peer: argument \"peer\"");
		else
			err->msg[0] = '\0';
		return NULL;
	}
	p = peer_find(c, name);
	if (!p)
		evs_errf(err, "no peer \"%s\" in the configuration",
			 log_peern(name, strnlen(name, 64)));
	return p;
}

/* ---- client-show ------------------------------------------------------------ */

struct bytes_arg {
	const struct ike_sa *sa;
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
};

static void bytes_cb(uint32_t conn_id, uint32_t spi, bool inbound, uint64_t bytes,
		     uint64_t packets, void *arg)
{
	struct bytes_arg *b = arg;

	(void)spi;
	for (const struct ike_conn *k = b->sa->conns; k; k = k->next)
		if (k->id == conn_id) {
			if (inbound) {
				b->rx_bytes += bytes;
				b->rx_packets += packets;
			} else {
				b->tx_bytes += bytes;
				b->tx_packets += packets;
			}
			return;
		}
}

static void add_ip4_list(struct json_object *o, const char *key, const uint32_t *a,
			 unsigned n)
{
	struct json_object *arr = json_object_new_array();
	char b[16];

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(evs_ip4_ntop(a[i], b,
									       sizeof(b))));
	json_object_object_add(o, key, arr);
}

/* "a.example, b.example" as a list of words. */
static void add_word_list(struct json_object *o, const char *key, const char *text)
{
	struct json_object *arr = json_object_new_array();
	const char *p = text;

	while (*p) {
		size_t n;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n)
			json_object_array_add(arr, json_object_new_string_len(p, (int)n));
		p += n;
	}
	json_object_object_add(o, key, arr);
}

static struct json_object *pushed_json(const struct modecfg *m)
{
	struct json_object *o = json_object_new_object(), *arr;
	char b[64];

	add_ip4_list(o, "dns", m->dns, m->n_dns);
	arr = json_object_new_array();
	for (unsigned i = 0; m->has & MCF_BIT(MCF_IP6_DNS) && i < m->n_dns6; i++)
		if (inet_ntop(AF_INET6, m->dns6[i], b, sizeof(b)))
			json_object_array_add(arr, json_object_new_string(b));
	json_object_object_add(o, "dns6", arr);
	add_ip4_list(o, "wins", m->nbns, m->n_nbns);
	evs_json_add_str(o, "domain", m->has & MCF_BIT(MCF_DEF_DOMAIN) ? m->def_domain : "");
	add_word_list(o, "split_dns", m->has & MCF_BIT(MCF_SPLIT_DNS) ? m->split_dns : "");
	arr = json_object_new_array();
	for (unsigned i = 0; i < m->n_split; i++) {
		int plen = modecfg_mask_to_plen(m->split[i].mask);
		struct evs_prefix p = evs_prefix_ip4(m->split[i].addr, plen < 0 ? 32 :
						     (unsigned)plen);

		evs_prefix_str(&p, b, sizeof(b));
		json_object_array_add(arr, json_object_new_string(b));
	}
	json_object_object_add(o, "split_include", arr);
	evs_json_add_str(o, "banner", m->has & MCF_BIT(MCF_BANNER) ? m->banner : "");
	/* Unity: the password may be stored unless the gateway says 0 */
	evs_json_add_str(o, "save_password", !(m->has & MCF_BIT(MCF_SAVE_PASSWD)) ? "unset" :
			 m->save_passwd ? "yes" : "no");
	add_word_list(o, "backup_servers", m->has & MCF_BIT(MCF_BACKUP_SERVERS) ?
		      m->backup_servers : "");
	evs_json_add_bool(o, "pfs", (m->has & MCF_BIT(MCF_PFS)) && m->pfs);
	return o;
}

static const char *state_of(const struct client_ctl *c, const struct ike_peer *p,
			    const struct ike_sa *sa, const struct ezv_client_info *zi, bool have_zi)
{
	if (!sa)
		return client_ctl_wanted(c, p) ? "connecting" : "down";
	if (ike_state_phase1(sa->state) || sa->state == IKE_S_NEW)
		return "phase 1";
	if (sa->state == IKE_S_STEPS) {
		if (have_zi && zi->xauth_waiting)
			return "waiting for XAUTH";
		return have_zi && (zi->xauth_done || zi->pushed) ? "mode config" : "xauth";
	}
	return sa->conns ? "connected" : "phase 2";
}

static struct failover *peer_fo(struct client_ctl *c, const struct ike_peer *p);
static void fo_save(struct client_ctl *c);
static const char *gw_str(const struct sockaddr_storage *a, char *buf, size_t n);

/* The gateways the peer connects to, in order: its `server` lines, then
 * those its gateway pushed; which one the next or current session uses. */
static struct json_object *servers_json(struct client_ctl *c, const struct ike_peer *p)
{
	struct json_object *arr = json_object_new_array();
	struct failover *f = peer_fo(c, p);
	char b[64];

	for (unsigned i = 0; f && i < f->n; i++) {
		struct json_object *o = json_object_new_object();

		evs_json_add_str(o, "address", gw_str(&f->gw[i], b, sizeof(b)));
		evs_json_add_u64(o, "port", ntohs(failover_gw_port(&f->gw[i])));
		evs_json_add_str(o, "from", i < f->n_config ? "config" : "gateway");
		evs_json_add_bool(o, "current", i == f->cur);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* The peer's firewall: its setting, what its gateway pushed, whether the
 * inbound filter (table inet evs_client_fw) is on for it. */
static struct json_object *firewall_json(const struct client_ctl *c, const struct ike_peer *p,
					 const struct modecfg *pushed)
{
	struct json_object *o = json_object_new_object();
	char b[48] = "";
	struct modecfg_fw fw;
	uint64_t drop_pkts, drop_bytes;

	evs_json_add_str(o, "setting", p->firewall_off ? "off" : "on");
	evs_json_add_u64(o, "allow_rules", p->n_fw_allow);
	if (pushed && (pushed->has & MCF_BIT(MCF_FW_TYPE)) &&
	    !modecfg_fw_parse(pushed->fw_type, pushed->fw_type_len, &fw))
		snprintf(b, sizeof(b), "vendor %u product %u policy %u", fw.vendor, fw.product,
			 fw.policy);
	else if (pushed && (pushed->has & MCF_BIT(MCF_FW_TYPE)))
		snprintf(b, sizeof(b), "unreadable");
	evs_json_add_bool(o, "pushed", b[0] != '\0');
	evs_json_add_str(o, "pushed_type", b);
	evs_json_add_bool(o, "filter", client_host_fw_active(c->host, p->name));
	/* the table's, shared by the peers whose gateways pushed a type */
	if (client_host_fw_active(c->host, p->name) &&
	    !client_host_fw_drops(c->host, &drop_pkts, &drop_bytes)) {
		evs_json_add_u64(o, "dropped_packets", drop_pkts);
		evs_json_add_u64(o, "dropped_bytes", drop_bytes);
	}
	return o;
}

static struct json_object *peer_json(struct client_ctl *c, const struct ike_peer *p,
				     uint64_t wall_ms)
{
	struct json_object *o = json_object_new_object();
	struct ike_sa *sa = peer_sa(c, p->name);
	struct ezv_client_info zi;
	bool have_zi = sa && c->ezv && !ezv_client_info(c->ezv, p->name, &zi);
	struct bytes_arg b = { sa, 0, 0, 0, 0 };
	char buf[64];
	unsigned port;

	evs_json_add_str(o, "peer", p->name);
	evs_json_add_str(o, "connect", p->connect_manual ? "manual" : "auto");
	evs_json_add_bool(o, "wanted", client_ctl_wanted(c, p));
	evs_json_add_str(o, "state", state_of(c, p, sa, &zi, have_zi));
	json_object_object_add(o, "servers", servers_json(c, p));
	json_object_object_add(o, "firewall", firewall_json(c, p, have_zi ? zi.pushed : NULL));
	if (!sa) {
		json_object_object_add(o, "gateway", NULL);
		return o;
	}
	if (sa->path.remote.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&sa->path.remote;

		inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf));
		port = ntohs(a6->sin6_port);
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&sa->path.remote;

		inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf));
		port = ntohs(a4->sin_port);
	}
	evs_json_add_str(o, "gateway", buf);
	evs_json_add_u64(o, "port", port);
	evs_json_add_bool(o, "natt", sa->path.natt);
	evs_json_add_u64(o, "ike_sa", sa->serial);
	if (!sa->have_inner || sa->inner.family != AF_INET ||
	    !inet_ntop(AF_INET, sa->inner.addr, buf, sizeof(buf)))
		buf[0] = '\0';
	evs_json_add_str(o, "address", buf);
	evs_json_add_u64(o, "since", (wall_ms - (c->eng->now - sa->created)) / 1000);
	evs_json_add_u64(o, "uptime", (c->eng->now - sa->created) / 1000);
	if (have_zi && zi.xauth_waiting) {
		evs_json_add_str(o, "xauth_message", zi.xauth_message);
		evs_json_add_str(o, "xauth_challenge", zi.xauth_challenge);
		evs_json_add_str(o, "xauth_ask", zi.xauth_ask);
		evs_json_add_bool(o, "xauth_user_asked", zi.xauth_user_asked);
	}
	if (have_zi)
		evs_json_add_u64(o, "xauth_asks", zi.xauth_asks);
	json_object_object_add(o, "pushed", have_zi && zi.pushed ? pushed_json(zi.pushed) :
			       NULL);
	if (c->rri && sa->conns)
		rri_dump_sa_counters(c->rri, bytes_cb, &b);
	evs_json_add_u64(o, "rx_bytes", b.rx_bytes);
	evs_json_add_u64(o, "rx_packets", b.rx_packets);
	evs_json_add_u64(o, "tx_bytes", b.tx_bytes);
	evs_json_add_u64(o, "tx_packets", b.tx_packets);
	return o;
}

static int cmd_client_show(void *arg, struct json_object *args, struct json_object *res,
			   struct evs_err *err)
{
	struct client_ctl *c = arg;
	const struct ike_peer *one;
	struct json_object *arr;
	struct timespec ts;
	uint64_t wall_ms;

	if (ctl_args_check(args, (const char *const[]){ "peer", NULL }, err))
		return -1;
	one = peer_arg(c, args, false, err);
	if (!one && err->msg[0])
		return -1;
	ike_engine_set_time(c->eng, loop_now_ms());
	clock_gettime(CLOCK_REALTIME, &ts);
	wall_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	arr = json_object_new_array();
	for (size_t i = 0; i < c->ike->n_peers; i++)
		if (!one || one == &c->ike->peers[i])
			json_object_array_add(arr, peer_json(c, &c->ike->peers[i], wall_ms));
	json_object_object_add(res, "peers", arr);
	return 0;
}

/* ---- client-connect / client-disconnect ------------------------------------- */

static struct client_admin *admin_get(struct client_ctl *c, const char *peer)
{
	struct client_admin *a = admin_find(c, peer);

	if (a)
		return a;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	snprintf(a->peer, sizeof(a->peer), "%s", peer);
	a->next = c->admin;
	c->admin = a;
	return a;
}

static int set_want(struct client_ctl *c, const char *peer, enum admin_want w,
		    struct evs_err *err)
{
	struct client_admin *a = admin_get(c, peer);

	if (!a)
		return evs_errf(err, "out of memory");
	a->want = w;
	return 0;
}

static int cmd_client_connect(void *arg, struct json_object *args, struct json_object *res,
			      struct evs_err *err)
{
	struct client_ctl *c = arg;
	const struct ike_peer *p;

	if (ctl_args_check(args, (const char *const[]){ "peer", NULL }, err) ||
	    !(p = peer_arg(c, args, true, err)) || set_want(c, p->name, WANT_UP, err))
		return -1;
	ike_engine_set_time(c->eng, loop_now_ms());
	evs_json_add_bool(res, "already", peer_sa(c, p->name) != NULL);
	log_notice("control socket: client connect %s", p->name);
	if (c->kick)
		c->kick(c->arg);
	return 0;
}

static int cmd_client_disconnect(void *arg, struct json_object *args, struct json_object *res,
				 struct evs_err *err)
{
	struct client_ctl *c = arg;
	const struct ike_peer *p;
	struct ike_sa *sa;
	unsigned n = 0;

	if (ctl_args_check(args, (const char *const[]){ "peer", NULL }, err) ||
	    !(p = peer_arg(c, args, true, err)) || set_want(c, p->name, WANT_DOWN, err))
		return -1;
	ike_engine_set_time(c->eng, loop_now_ms());
	/* Deletes to the gateway; the session's end takes the address,
	 * routes and PAT off the host (client_host_end). */
	while (n < 16 && (sa = peer_sa(c, p->name))) {
		evs_session_terminate((struct evs_session *)sa, EVS_END_ADMIN,
				      "disconnected by the administrator");
		n++;
	}
	log_notice("control socket: client disconnect %s: %u ISAKMP SA%s ended", p->name, n,
		   n == 1 ? "" : "s");
	evs_json_add_u64(res, "ended", n);
	return 0;
}

/* ---- client-xauth ----------------------------------------------------------- */

/* json-c's copy of a secret string: wiped in place before it is freed. */
static void wipe_str(struct json_object *args, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(args, key, &v) && json_object_is_type(v, json_type_string))
		sodium_memzero((char *)json_object_get_string(v),
			       (size_t)json_object_get_string_len(v));
}

static int cmd_client_xauth(void *arg, struct json_object *args, struct json_object *res,
			    struct evs_err *err)
{
	struct client_ctl *c = arg;
	const struct ike_peer *p;
	const char *user, *pass;
	int rc = -1;

	(void)res;
	if (ctl_args_check(args, (const char *const[]){ "peer", "user", "password", NULL },
			   err) ||
	    !(p = peer_arg(c, args, true, err)) || ctl_arg_str(args, "user", &user, err) ||
	    ctl_arg_str(args, "password", &pass, err))
		goto out;
	if (!user || !pass) {
		evs_errf(err, "arguments \"user\" and \"password\" are needed");
		goto out;
	}
	if (!c->ezv) {
		evs_errf(err, "no Easy VPN module");
		goto out;
	}
	ike_engine_set_time(c->eng, loop_now_ms());
	rc = ezv_client_xauth(c->ezv, p->name, user, (const uint8_t *)pass, strlen(pass), err);
	if (!rc)
		log_notice("control socket: client xauth %s: user \"%s\" sent", p->name,
			   log_peer(user));
out:
	wipe_str(args, "password");
	return rc;
}

/* ---- backup servers (failover.h) --------------------------------------------- */

static const char *gw_str(const struct sockaddr_storage *a, char *buf, size_t n)
{
	return evs_sockaddr_str((const struct sockaddr *)a, false, buf, n);
}

/* The peer's gateway list, (re)built from its block when the block's
 * servers changed (a reload). */
static struct failover *peer_fo(struct client_ctl *c, const struct ike_peer *p)
{
	struct client_admin *a = c ? admin_get(c, p->name) : NULL;

	if (!a)
		return NULL;
	if (!a->fo_ready || a->fo.n_config != (p->n_servers ? p->n_servers : 1) ||
	    (p->n_servers && memcmp(a->fo.gw, p->servers, p->n_servers * sizeof(p->servers[0])))) {
		failover_init(&a->fo, p);
		a->fo_ready = true;
	}
	return &a->fo;
}

/* ---- the gateway lists across restarts ------------------------------------------ */

/* {"peers": [{"peer": NAME, "gateways": ["A:PORT", ...], "config": N,
 *  "current": K}, ...]}: every peer block's list, written whole. */
static void fo_save(struct client_ctl *c)
{
	struct json_object *o, *arr;
	const char *text;
	char b[64];

	if (!c->state || !c->state->ok)
		return;
	o = json_object_new_object();
	arr = json_object_new_array();
	for (const struct client_admin *a = c->admin; a; a = a->next) {
		struct json_object *e, *gws;

		if (!a->fo_ready)
			continue;
		e = json_object_new_object();
		gws = json_object_new_array();
		evs_json_add_str(e, "peer", a->peer);
		for (unsigned i = 0; i < a->fo.n; i++) {
			char g[80];

			snprintf(g, sizeof(g), "%s:%u", gw_str(&a->fo.gw[i], b, sizeof(b)),
				 ntohs(failover_gw_port(&a->fo.gw[i])));
			json_object_array_add(gws, json_object_new_string(g));
		}
		json_object_object_add(e, "gateways", gws);
		evs_json_add_u64(e, "config", a->fo.n_config);
		evs_json_add_u64(e, "current", a->fo.cur);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "peers", arr);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!text || state_write_named(c->state, CLIENT_CTL_STATE_FILE, text) < 0)
		log_warn("client: cannot write %s/%s: %s (the gateway lists would not "
			 "survive a restart)", c->state->dir, CLIENT_CTL_STATE_FILE,
			 strerror(errno));
	json_object_put(o);
}

/* "192.0.2.1:500", "2001:db8::1:500": the port after the last colon. */
static bool gw_parse(const char *s, struct sockaddr_storage *out)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	char a[INET6_ADDRSTRLEN];
	unsigned port;
	const char *colon = strrchr(s, ':');

	memset(out, 0, sizeof(*out));
	if (!colon || (size_t)(colon - s) >= sizeof(a) || sscanf(colon + 1, "%5u", &port) != 1 ||
	    !port || port > 65535)
		return false;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	if (inet_pton(AF_INET, a, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return true;
	}
	if (inet_pton(AF_INET6, a, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return true;
	}
	return false;
}

/* One peer's record back into its list; false (logged) when it does not
 * fit the configuration any more. */
static bool fo_load_one(struct client_ctl *c, struct json_object *e)
{
	struct json_object *v, *gws;
	struct sockaddr_storage gw[FAILOVER_MAX];
	const struct ike_peer *p;
	struct client_admin *a;
	unsigned n = 0;
	int64_t ncfg, cur;
	char b[64];

	if (!json_object_object_get_ex(e, "peer", &v) || !json_object_is_type(v, json_type_string))
		return false;
	p = peer_find(c, json_object_get_string(v));
	if (!p)
		return false;	/* no longer configured */
	if (!json_object_object_get_ex(e, "gateways", &gws) ||
	    !json_object_is_type(gws, json_type_array) ||
	    json_object_array_length(gws) > FAILOVER_MAX ||
	    !json_object_object_get_ex(e, "config", &v) || (ncfg = json_object_get_int64(v)) < 0 ||
	    !json_object_object_get_ex(e, "current", &v) || (cur = json_object_get_int64(v)) < 0)
		goto bad;
	for (size_t i = 0; i < json_object_array_length(gws); i++) {
		struct json_object *g = json_object_array_get_idx(gws, i);

		if (!json_object_is_type(g, json_type_string) ||
		    !gw_parse(json_object_get_string(g), &gw[n++]))
			goto bad;
	}
	a = admin_get(c, p->name);
	if (!a)
		return false;
	if (ncfg > FAILOVER_MAX || cur > FAILOVER_MAX ||
	    failover_restore(&a->fo, p, gw, n, (unsigned)ncfg, (unsigned)cur) < 0) {
		a->fo_ready = false;
		goto bad;
	}
	a->fo_ready = true;
	log_notice("client: peer %s: %u gateway%s kept from the last run (%u pushed); "
		   "next: %s", p->name, a->fo.n, a->fo.n == 1 ? "" : "s",
		   a->fo.n - a->fo.n_config, gw_str(failover_current(&a->fo), b, sizeof(b)));
	return true;
bad:
	log_notice("client: peer %s: the kept gateway list does not fit its servers now; "
		   "starting from the configured ones", p->name);
	return false;
}

void client_ctl_set_state(struct client_ctl *c, struct state *st)
{
	struct json_object *o, *arr;
	struct evs_err err;

	if (!c)
		return;
	c->state = st;
	if (!st || !st->ok)
		return;
	o = state_read_named(st, CLIENT_CTL_STATE_FILE, &err);
	if (!o) {
		if (access(st->dir, F_OK) == 0 && !strstr(err.msg, "No such file"))
			log_notice("client: %s/%s: %s; not used", st->dir, CLIENT_CTL_STATE_FILE,
				   err.msg);
		return;
	}
	if (json_object_object_get_ex(o, "peers", &arr) && json_object_is_type(arr, json_type_array))
		for (size_t i = 0; i < json_object_array_length(arr) && i < 64; i++)
			fo_load_one(c, json_object_array_get_idx(arr, i));
	json_object_put(o);
	fo_save(c);	/* without what no longer fits */
}

bool client_ctl_gateway(struct client_ctl *c, const struct ike_peer *p,
			struct sockaddr_storage *out)
{
	struct failover *f = peer_fo(c, p);

	memset(out, 0, sizeof(*out));
	if (!f || !f->n) {
		*out = p->server;
		return out->ss_family != 0;
	}
	*out = *failover_current(f);
	return true;
}

void client_ctl_session_up(struct client_ctl *c, struct ike_sa *sa, const struct modecfg *pushed)
{
	struct failover *f = sa->peer ? peer_fo(c, sa->peer) : NULL;
	char buf[64];
	unsigned n;

	if (!f || f->up_since)
		return;
	failover_up(f, c->eng->now);
	if (pushed) {
		n = failover_set_pushed(f, pushed->has & MCF_BIT(MCF_BACKUP_SERVERS) ?
					pushed->backup_servers : "");
		if (n)
			log_info("%s: client: %u backup gateway%s from the gateway's list; %u "
				 "to try in all", sa->name, n, n == 1 ? "" : "s", f->n);
	}
	if (f->cur)
		log_notice("%s: client: peer %s connected through backup gateway %s", sa->name,
			   sa->peer->name, gw_str(failover_current(f), buf, sizeof(buf)));
	fo_save(c);
}

void client_ctl_session_end(struct client_ctl *c, struct ike_sa *sa)
{
	struct failover *f = sa->peer ? peer_fo(c, sa->peer) : NULL;
	char was[64], next[64];

	if (!f)
		return;
	/* a renewal or an older SA of the peer still carries it */
	for (struct ike_sa *o = c->eng->sas; o; o = o->next)
		if (o != sa && o->state != IKE_S_DEAD && o->peer &&
		    !strcmp(o->peer->name, sa->peer->name))
			return;
	gw_str(&sa->path.remote, was, sizeof(was));
	if (failover_ended(f, sa->established != 0, sa->end_reason)) {
		log_notice("%s: client: gateway %s of peer %s %s; next: %s", sa->name, was,
			   sa->peer->name, sa->end_reason == EVS_END_DPD ? "is dead (DPD)" :
			   "did not answer", gw_str(failover_current(f), next, sizeof(next)));
		fo_save(c);
	}
}

void client_ctl_tick(struct client_ctl *c)
{
	unsigned n = 0;

	if (!c)
		return;
	for (size_t i = 0; i < c->ike->n_peers; i++) {
		const struct ike_peer *p = &c->ike->peers[i];
		struct client_admin *a = admin_find(c, p->name);
		struct ike_sa *sa;
		char buf[64];

		if (!a || !a->fo_ready || !failover_return_due(&a->fo, p->return_after,
							       c->eng->now))
			continue;
		log_notice("peer %s: %u s on a backup gateway: back to the primary %s", p->name,
			   p->return_after, gw_str(failover_current(&a->fo), buf, sizeof(buf)));
		fo_save(c);
		while (n < 16 && (sa = peer_sa(c, p->name))) {
			evs_session_terminate((struct evs_session *)sa, EVS_END_ADMIN,
					      "returning to the primary gateway");
			n++;
		}
	}
	if (n && c->kick)
		c->kick(c->arg);
}

int client_ctl_register(struct ctl *ctl, struct client_ctl *c)
{
	return ctl_register(ctl, "client-show", cmd_client_show, c) |
	       ctl_register(ctl, "client-connect", cmd_client_connect, c) |
	       ctl_register(ctl, "client-disconnect", cmd_client_disconnect, c) |
	       ctl_register(ctl, "client-xauth", cmd_client_xauth, c);
}
