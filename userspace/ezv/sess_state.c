// SPDX-License-Identifier: MIT
/*
 * An Easy VPN gateway session as JSON and back, for a restarted evsd
 * (Documentation/restart.md): who logged in, the group, the address and
 * its pool, the IPv6 address, accounting (session id, start, next interim) and the counter
 * baseline.  The xauth step carries the record (save/restore); the
 * modecfg step takes its reference to the restored session.  What the
 * configuration decides (the merged group and user settings) is not
 * saved: it is decided again from the running configuration, and a
 * session whose group is gone is not adopted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/jsonw.h"
#include "lib/prefix.h"

/* Written as text (lib/jsonw.h): the object json-c built and printed
 * here cost three times the text, with every record of a session. */
bool ezv_sess_save(const struct ezv_sess *x, struct jsonw *w)
{
	char hex[2 * RADIUS_CLASS_MAX + 1];

	if (!x || !x->server || !x->authenticated)
		return false;
	jsonw_c(w, '{');
	jsonw_put_str(w, "user", x->user);
	jsonw_put_str(w, "p1_group", x->p1_group);
	jsonw_put_str(w, "group", x->group);
	jsonw_put_u64(w, "addr", x->addr);
	jsonw_put_u64(w, "mask", x->mask);
	jsonw_put_str(w, "pool", x->pool);
	if (x->have_addr6) {
		char a6[EVS_PREFIX_STRLEN];

		jsonw_put_str(w, "addr6", evs_prefix_str(&x->addr6, a6, sizeof(a6)));
	}
	jsonw_put_u64(w, "start_ms", x->start_ms);
	jsonw_put_str(w, "login", x->login.source == AAA_SRC_RADIUS ? "radius" : "local");
	if (x->login.source == AAA_SRC_RADIUS && x->login.class_len) {
		sodium_bin2hex(hex, sizeof(hex), x->login.class_raw,
			       x->login.class_len);
		jsonw_put_str(w, "radius_class", hex);
	}
	jsonw_put_bool(w, "acct_started", x->acct_started);
	jsonw_put_u64(w, "acct_start_ms", x->acct_start_ms);
	jsonw_put_u64(w, "next_interim_ms", x->next_interim_ms);
	jsonw_put_str(w, "acct_session_id", x->acct_session_id);
	jsonw_put_u64(w, "session_deadline_ms", x->session_deadline_ms);
	jsonw_put_u64(w, "idle_timeout_s", x->idle_timeout_s);
	jsonw_key(w, "conns");
	jsonw_c(w, '[');
	for (unsigned i = 0; i < x->n_conns; i++) {
		jsonw_sep(w);
		jsonw_u64(w, x->conns[i]);
	}
	jsonw_c(w, ']');
	/* The counters of SAs already gone and the last figures of the live
	 * ones: the kernel's counters of a live SA go on from there. */
	jsonw_put_u64(w, "retired_rx_bytes", x->retired_rx_bytes);
	jsonw_put_u64(w, "retired_rx_pkts", x->retired_rx_pkts);
	jsonw_put_u64(w, "retired_tx_bytes", x->retired_tx_bytes);
	jsonw_put_u64(w, "retired_tx_pkts", x->retired_tx_pkts);
	jsonw_key(w, "sas");
	jsonw_c(w, '[');
	for (unsigned i = 0; i < x->n_sa; i++) {
		jsonw_sep(w);
		jsonw_c(w, '{');
		jsonw_put_u64(w, "spi", x->sa[i].spi);
		jsonw_put_bool(w, "in", x->sa[i].inbound);
		jsonw_put_u64(w, "bytes", x->sa[i].bytes);
		jsonw_put_u64(w, "packets", x->sa[i].packets);
		jsonw_c(w, '}');
	}
	jsonw_c(w, ']');
	/* The networks it claimed (a network-extension client's LANs, a
	 * fixed address): after a restart or a takeover they still keep
	 * every other client from claiming them. */
	jsonw_key(w, "claims");
	jsonw_c(w, '[');
	for (const struct ezv_claim *c = x->claims; c; c = c->next) {
		char net[EVS_PREFIX_STRLEN];

		jsonw_sep(w);
		jsonw_str(w, evs_prefix_str(&c->net, net, sizeof(net)));
	}
	jsonw_c(w, ']');
	jsonw_c(w, '}');
	return true;
}

/* ---- reading --------------------------------------------------------------- */

static bool get_u64(struct json_object *o, const char *k, uint64_t max, uint64_t *v)
{
	struct json_object *j;

	if (!json_object_object_get_ex(o, k, &j) || !json_object_is_type(j, json_type_int))
		return false;
	*v = json_object_get_uint64(j);
	return *v <= max;
}

static bool get_name(struct json_object *o, const char *k, char *out, size_t n)
{
	struct json_object *j;
	const char *s;

	if (!json_object_object_get_ex(o, k, &j) || !json_object_is_type(j, json_type_string))
		return false;
	s = json_object_get_string(j);
	if (strlen(s) >= n)
		return false;
	strcpy(out, s);
	return true;
}

static int load_sas(struct ezv_sess *x, struct json_object *o, struct evs_err *why)
{
	struct json_object *a, *c, *in;
	size_t n;

	if (!json_object_object_get_ex(o, "sas", &a) || !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > EZV_MAX_SAS)
		return evs_errf(why, "easyvpn: bad \"sas\"");
	if (ezv_sess_sa_room(x, (unsigned)n))
		return evs_errf(why, "easyvpn: out of memory");
	for (size_t i = 0; i < n; i++) {
		uint64_t spi, bytes, pkts;

		c = json_object_array_get_idx(a, i);
		if (!json_object_is_type(c, json_type_object) ||
		    !get_u64(c, "spi", UINT32_MAX, &spi) ||
		    !get_u64(c, "bytes", UINT64_MAX, &bytes) ||
		    !get_u64(c, "packets", UINT64_MAX, &pkts) ||
		    !json_object_object_get_ex(c, "in", &in))
			return evs_errf(why, "easyvpn: bad SA counter %zu", i);
		x->sa[i] = (struct sa_count){ (uint32_t)spi, json_object_get_boolean(in),
					      false, bytes, pkts };
	}
	x->n_sa = (unsigned)n;
	return 0;
}

static int load_conns(struct ezv_sess *x, struct json_object *o, struct evs_err *why)
{
	struct json_object *a;
	size_t n;

	if (!json_object_object_get_ex(o, "conns", &a) || !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > EZV_MAX_CONNS)
		return evs_errf(why, "easyvpn: bad \"conns\"");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		uint64_t id = json_object_is_type(v, json_type_int) ?
			      json_object_get_uint64(v) : 0;
		struct evs_prefix remote;

		if (!id || id > UINT32_MAX || !evs_session_conn_remote(x->s, (uint32_t)id, &remote))
			return evs_errf(why, "easyvpn: connection %zu is not the session's", i);
		if (ezv_sess_conn_add(x, (uint32_t)id))
			return evs_errf(why, "easyvpn: too many connections");
	}
	return 0;
}

/* "ADDR/LEN" of either family, as evs_prefix_str writes it. */
static bool prefix_parse(const char *text, struct evs_prefix *p)
{
	char addr[EVS_PREFIX_STRLEN];
	const char *slash = strchr(text, '/');
	char *end;
	unsigned long plen;

	if (!slash || (size_t)(slash - text) >= sizeof(addr) || !slash[1])
		return false;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	*p = (struct evs_prefix){ .family = strchr(addr, ':') ? AF_INET6 : AF_INET };
	plen = strtoul(slash + 1, &end, 10);
	if (*end || plen > (p->family == AF_INET6 ? 128u : 32u) ||
	    inet_pton(p->family, addr, p->addr) != 1)
		return false;
	p->plen = (uint8_t)plen;
	return true;
}

/* The networks the session claimed, claimed again; absent (a record of
 * an evsd before claims were kept): none. */
static int load_claims(struct ezv_sess *x, struct json_object *o, struct evs_err *why)
{
	struct json_object *a;
	size_t n;

	if (!json_object_object_get_ex(o, "claims", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > EZV_MAX_CLAIMS)
		return evs_errf(why, "easyvpn: bad \"claims\"");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		struct evs_prefix net;

		if (!json_object_is_type(v, json_type_string) ||
		    !prefix_parse(json_object_get_string(v), &net))
			return evs_errf(why, "easyvpn: bad claim %zu", i);
		if (ezv_claim_again(x, &net, why) < 0)
			return -1;
	}
	return 0;
}

/* The address the session held, held again before anything else can be
 * handed out (adoption runs before the first datagram is read). */
static int lease_again(struct ezv_sess *x, struct evs_err *why)
{
	struct pool_set *pools = x->z->cfg->pools;
	uint32_t got = 0;
	char a[16];
	int r;

	if (!x->addr)
		return 0;
	evs_ip4_ntop(x->addr, a, sizeof(a));
	if (x->pool[0]) {
		r = pool_lease(pools, x->pool, x->id, x->addr, &got);
		if (!r && got != x->addr) {
			pool_release(pools, got, x->id);
			return evs_errf(why, "easyvpn: address %s is no longer free in pool \"%s\"",
					a, x->pool);
		}
	} else {
		r = pool_lease_fixed(pools, x->addr, x->id);
		if (!r && ezv_claim_addr(x, x->addr)) {
			pool_release(pools, x->addr, x->id);
			return evs_errf(why, "easyvpn: fixed address %s: too many claims", a);
		}
	}
	if (r)
		return evs_errf(why, "easyvpn: address %s: %s", a, pool_result_str(r));
	return 0;
}

/* The IPv6 address the session held (pulled or pushed and taken), held
 * again; absent (none, or a record of an evsd before IPv6 leases were
 * kept): none. */
static int lease6_again(struct ezv_sess *x, struct json_object *o, struct evs_err *why)
{
	struct json_object *j;
	struct evs_prefix a6;

	if (!json_object_object_get_ex(o, "addr6", &j))
		return 0;
	if (!json_object_is_type(j, json_type_string) ||
	    !prefix_parse(json_object_get_string(j), &a6) || a6.family != AF_INET6 ||
	    a6.plen != 128)
		return evs_errf(why, "easyvpn: bad \"addr6\"");
	return ezv_lease6_again(x, &a6, why);
}

static int sess_load(struct ezv_sess *x, struct json_object *o, struct evs_err *why)
{
	struct ezv *z = x->z;
	const struct ezv_group *g;
	const struct ezv_user *u;
	char login[16], hex[2 * RADIUS_CLASS_MAX + 1], acct_id[sizeof(x->acct_session_id)];
	uint64_t addr, mask, start, acct_start, interim, idle;
	struct json_object *j;

	if (!get_name(o, "user", x->user, sizeof(x->user)) || !x->user[0] ||
	    !get_name(o, "p1_group", x->p1_group, sizeof(x->p1_group)) ||
	    !get_name(o, "group", x->group, sizeof(x->group)) ||
	    !get_name(o, "pool", x->pool, sizeof(x->pool)) ||
	    !get_name(o, "login", login, sizeof(login)) ||
	    !get_name(o, "acct_session_id", acct_id, sizeof(acct_id)) ||
	    !get_u64(o, "addr", UINT32_MAX, &addr) || !get_u64(o, "mask", UINT32_MAX, &mask) ||
	    !get_u64(o, "start_ms", UINT64_MAX, &start) ||
	    !get_u64(o, "acct_start_ms", UINT64_MAX, &acct_start) ||
	    !get_u64(o, "next_interim_ms", UINT64_MAX, &interim) ||
	    !get_u64(o, "retired_rx_bytes", UINT64_MAX, &x->retired_rx_bytes) ||
	    !get_u64(o, "retired_rx_pkts", UINT64_MAX, &x->retired_rx_pkts) ||
	    !get_u64(o, "retired_tx_bytes", UINT64_MAX, &x->retired_tx_bytes) ||
	    !get_u64(o, "retired_tx_pkts", UINT64_MAX, &x->retired_tx_pkts) ||
	    !json_object_object_get_ex(o, "acct_started", &j))
		return evs_errf(why, "easyvpn: session record incomplete");
	/* through the setters: the session indexes (by address, accounting
	 * id, connection) find an adopted session as any other */
	ezv_sess_set_acct_id(x, acct_id);
	x->addr = (uint32_t)addr;
	x->mask = (uint32_t)mask;
	x->start_ms = start;
	x->acct_started = json_object_get_boolean(j);
	x->acct_start_ms = acct_start;
	x->next_interim_ms = interim;
	/* absent in a record of an evsd before these limits: none */
	if (!get_u64(o, "session_deadline_ms", UINT64_MAX, &x->session_deadline_ms))
		x->session_deadline_ms = 0;
	if (get_u64(o, "idle_timeout_s", UINT32_MAX, &idle))
		x->idle_timeout_s = (uint32_t)idle;
	/* the due walk must see the adopted session's times */
	ezv_due(x);
	x->login.source = strcmp(login, "radius") ? AAA_SRC_LOCAL : AAA_SRC_RADIUS;
	if (get_name(o, "radius_class", hex, sizeof(hex))) {
		size_t n = 0;

		if (sodium_hex2bin(x->login.class_raw, sizeof(x->login.class_raw),
				   hex, strlen(hex), NULL, &n, NULL) < 0)
			return evs_errf(why, "easyvpn: bad RADIUS class");
		x->login.class_len = n;
	}
	if (load_conns(x, o, why) || load_sas(x, o, why))
		return -1;
	/* The settings come from the running configuration, as after a
	 * reload: a group that is gone takes its sessions with it. */
	g = ezv_find_group(z->cfg, x->group, strlen(x->group));
	if (!g)
		return evs_errf(why, "easyvpn: group \"%s\" is not configured", x->group);
	u = ezv_find_user(z->cfg, x->user);
	if (ezv_sess_settle(x, g, u))
		return evs_errf(why, "out of memory");
	if (x->pool[0] && !pool_exists(z->cfg->pools, x->pool))
		return evs_errf(why, "easyvpn: pool \"%s\" is not configured", x->pool);
	if (load_claims(x, o, why) < 0 || lease6_again(x, o, why) < 0 ||
	    lease_again(x, why) < 0) {
		ezv_claims_drop(x);	/* the xauth step's end() does not */
		if (x->have_addr6)	/* nor this: it was not given out */
			pool6_release(z->cfg->pools6, &x->addr6, x->id);
		x->have_addr6 = false;
		return -1;
	}
	ezv_sess_set_addr(x, x->addr);
	return 0;
}

int ezv_sess_restore(struct ezv *z, struct evs_session *s, void **state,
		     struct json_object *o, struct evs_err *why)
{
	struct ezv_sess *x;
	char user[sizeof(x->user)];

	if (!z->ready || !z->cfg)
		return evs_errf(why, "easyvpn: not configured");
	if (!o || !json_object_is_type(o, json_type_object))
		return evs_errf(why, "easyvpn: no session record");
	if (ezv_sess_find(z, evs_session_id(s)))
		return evs_errf(why, "easyvpn: session %u exists", evs_session_id(s));
	x = ezv_sess_get(z, s);
	if (!x)
		return evs_errf(why, "out of memory");
	*state = x;
	if (sess_load(x, o, why) < 0) {
		/* end() follows: nothing was leased (lease_again is last and
		 * undoes itself), the session is just dropped. */
		x->addr = 0;
		return -1;
	}
	x->authenticated = true;
	memcpy(user, x->user, sizeof(user));
	ezv_sess_set_user(x, user);	/* now that it is authenticated: indexed */
	x->active_ms = evs_session_now(s);
	return 0;
}

int ezv_sess_restore_ref(struct ezv *z, struct evs_session *s, void **state,
			 struct evs_err *why)
{
	struct ezv_sess *x = ezv_sess_find(z, evs_session_id(s));

	if (!x || !x->authenticated)
		return evs_errf(why, "easyvpn: the xauth part was not restored");
	*state = ezv_sess_get(z, s);
	x->modecfg_active = true;
	return 0;
}

int ezv_sess_rri_again(struct ezv *z, uint32_t session_id)
{
	struct ezv_sess *x = z ? ezv_sess_find(z, session_id) : NULL;

	if (!x || !x->server || !x->authenticated)
		return -1;
	for (unsigned i = 0; i < x->n_conns; i++)
		ezv_rri_add(x->s, x, x->conns[i]);
	return 0;
}
