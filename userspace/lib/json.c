// SPDX-License-Identifier: MIT
/* evs objects as JSON (json-c); see json.h. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/json.h"

int evs_json_print(FILE *f, struct json_object *obj, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			      JSON_C_TO_STRING_PLAIN);
	const char *s = json_object_to_json_string_ext(obj, flags);

	if (!s)
		return -1;
	return fprintf(f, "%s\n", s) < 0 ? -1 : 0;
}

void evs_json_add_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

void evs_json_add_u64(struct json_object *o, const char *key, uint64_t val)
{
	json_object_object_add(o, key, json_object_new_uint64(val));
}

void evs_json_add_bool(struct json_object *o, const char *key, bool val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

struct json_object *evs_json_inaddr(const struct evs_inaddr *a)
{
	char buf[EVS_INADDR_STRLEN];

	return json_object_new_string(evs_inaddr_ntop(a, buf, sizeof(buf)));
}

/* Prefixes always show their length in JSON ("10.0.0.0/8", "10.1.2.3/32"). */
static struct json_object *json_prefix(const struct evs_inaddr *a)
{
	char buf[EVS_INADDR_STRLEN];

	return json_object_new_string(evs_prefix_ntop(a, buf, sizeof(buf)));
}

struct json_object *evs_json_counters(const struct evs_counters *c)
{
	struct json_object *o = json_object_new_object();

	for (unsigned int t = 0; t <= EVS_STATS_A_MAX; t++) {
		const char *name = evs_stats_name(t);

		if (name && ((c->has >> t) & 1))
			evs_json_add_u64(o, name, c->v[t]);
	}
	return o;
}

struct json_object *evs_json_lft(const struct evs_lft *l)
{
	struct json_object *o = json_object_new_object();

	for (unsigned int t = 0; t <= EVS_LFT_A_MAX; t++) {
		const char *name = evs_lft_name(t);
		char key[32];

		if (!name || !((l->has >> t) & 1))
			continue;
		snprintf(key, sizeof(key), "%s", name);
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		evs_json_add_u64(o, key, l->v[t]);
	}
	return o;
}

static void add_dev(struct json_object *o, const struct evs_msg_dev *dev)
{
	if (dev->ifname[0])
		evs_json_add_str(o, "dev", dev->ifname);
	if (dev->ifindex)
		evs_json_add_u64(o, "ifindex", dev->ifindex);
}

struct json_object *evs_json_sa(const struct evs_sa_info *sa, bool stats)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a;

	add_dev(o, &sa->dev);
	if (EVS_HAS(sa, EVS_SA_A_DIR))
		evs_json_add_str(o, "dir", evs_dir_name(sa->dir));
	if (EVS_HAS(sa, EVS_SA_A_SPI))
		evs_json_add_u64(o, "spi", sa->spi);
	if (EVS_HAS(sa, EVS_SA_A_SRC))
		json_object_object_add(o, "src", evs_json_inaddr(&sa->src));
	if (EVS_HAS(sa, EVS_SA_A_DST))
		json_object_object_add(o, "dst", evs_json_inaddr(&sa->dst));
	if (EVS_HAS(sa, EVS_SA_A_AEAD_NAME)) {
		a = json_object_new_object();
		evs_json_add_str(a, "name", sa->aead_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			evs_json_add_u64(a, "key_bits", sa->key_bits);
		if (EVS_HAS(sa, EVS_SA_A_AEAD_ICV_BITS))
			evs_json_add_u64(a, "icv_bits", sa->aead_icv_bits);
		json_object_object_add(o, "aead", a);
	}
	if (EVS_HAS(sa, EVS_SA_A_ENC_NAME)) {
		a = json_object_new_object();
		evs_json_add_str(a, "name", sa->enc_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			evs_json_add_u64(a, "key_bits", sa->key_bits);
		json_object_object_add(o, "enc", a);
	}
	if (EVS_HAS(sa, EVS_SA_A_AUTH_NAME)) {
		a = json_object_new_object();
		evs_json_add_str(a, "name", sa->auth_name);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_KEY_BITS))
			evs_json_add_u64(a, "key_bits", sa->auth_key_bits);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_TRUNC_BITS))
			evs_json_add_u64(a, "trunc_bits", sa->auth_trunc_bits);
		json_object_object_add(o, "auth", a);
	}
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_TYPE) && sa->encap_type != EVS_ENCAP_NONE) {
		a = json_object_new_object();
		evs_json_add_str(a, "type", sa->encap_type == EVS_ENCAP_ESPINUDP ?
				 "espinudp" : "unknown");
		if (EVS_HAS(sa, EVS_SA_A_ENCAP_SPORT))
			evs_json_add_u64(a, "sport", sa->encap_sport);
		if (EVS_HAS(sa, EVS_SA_A_ENCAP_DPORT))
			evs_json_add_u64(a, "dport", sa->encap_dport);
		json_object_object_add(o, "encap", a);
	}
	if (EVS_HAS(sa, EVS_SA_A_REPLAY_WINDOW))
		evs_json_add_u64(o, "replay_window", sa->replay_window);
	if (EVS_HAS(sa, EVS_SA_A_FLAGS)) {
		a = json_object_new_array();
		if (sa->flags & EVS_SA_F_ESN)
			json_object_array_add(a, json_object_new_string("esn"));
		if (sa->flags & EVS_SA_F_ALLOW_WEAK)
			json_object_array_add(a, json_object_new_string("allow-weak"));
		json_object_object_add(o, "flags", a);
	}
	if (EVS_HAS(sa, EVS_SA_A_CONN_ID))
		evs_json_add_u64(o, "conn", sa->conn_id);
	if (EVS_HAS(sa, EVS_SA_A_STATE))
		evs_json_add_str(o, "state", evs_sa_state_name(sa->state));
	if (EVS_HAS(sa, EVS_SA_A_OSEQ))
		evs_json_add_u64(o, "oseq", sa->oseq);
	if (EVS_HAS(sa, EVS_SA_A_SEQ_HI))
		evs_json_add_u64(o, "seq_hi", sa->seq_hi);
	if (EVS_HAS(sa, EVS_SA_A_LIMITS))
		json_object_object_add(o, "limits", evs_json_lft(&sa->limits));
	if (EVS_HAS(sa, EVS_SA_A_CURLFT))
		json_object_object_add(o, "current", evs_json_lft(&sa->curlft));
	if (stats && EVS_HAS(sa, EVS_SA_A_STATS))
		json_object_object_add(o, "stats", evs_json_counters(&sa->stats));
	return o;
}

struct json_object *evs_json_policy(const struct evs_policy_info *pol, bool stats)
{
	struct json_object *o = json_object_new_object();

	add_dev(o, &pol->dev);
	if (EVS_HAS(pol, EVS_POL_A_DIR))
		evs_json_add_str(o, "dir", evs_dir_name(pol->dir));
	if (EVS_HAS(pol, EVS_POL_A_SRC))
		json_object_object_add(o, "src", json_prefix(&pol->src));
	if (EVS_HAS(pol, EVS_POL_A_DST))
		json_object_object_add(o, "dst", json_prefix(&pol->dst));
	if (EVS_HAS(pol, EVS_POL_A_PROTO))
		evs_json_add_u64(o, "proto", pol->proto);
	if (EVS_HAS(pol, EVS_POL_A_SPORT))
		evs_json_add_u64(o, "sport", pol->sport);
	if (EVS_HAS(pol, EVS_POL_A_DPORT))
		evs_json_add_u64(o, "dport", pol->dport);
	if (EVS_HAS(pol, EVS_POL_A_ACTION))
		evs_json_add_str(o, "action", evs_pol_action_name(pol->action));
	if (EVS_HAS(pol, EVS_POL_A_SPI))
		evs_json_add_u64(o, "spi", pol->spi);
	if (EVS_HAS(pol, EVS_POL_A_PRIORITY))
		evs_json_add_u64(o, "priority", pol->priority);
	if (EVS_HAS(pol, EVS_POL_A_CONN_ID))
		evs_json_add_u64(o, "conn", pol->conn_id);
	if (stats && EVS_HAS(pol, EVS_POL_A_HITS))
		evs_json_add_u64(o, "hits", pol->hits);
	return o;
}

struct json_object *evs_json_conn(const struct evs_conn_info *conn)
{
	struct json_object *o = json_object_new_object();

	if (EVS_HAS(conn, EVS_CONN_A_ID))
		evs_json_add_u64(o, "id", conn->id);
	if (EVS_HAS(conn, EVS_CONN_A_LABEL))
		evs_json_add_str(o, "label", conn->label);
	if (EVS_HAS(conn, EVS_CONN_A_N_SA))
		evs_json_add_u64(o, "sas", conn->n_sa);
	if (EVS_HAS(conn, EVS_CONN_A_N_POLICY))
		evs_json_add_u64(o, "policies", conn->n_policy);
	if (EVS_HAS(conn, EVS_CONN_A_N_ROUTE))
		evs_json_add_u64(o, "routes", conn->n_route);
	if (EVS_HAS(conn, EVS_CONN_A_N_PROXY_ARP))
		evs_json_add_u64(o, "proxy_arp", conn->n_proxy_arp);
	return o;
}

struct json_object *evs_json_route(const struct evs_route_info *rt, const char *ifname)
{
	struct json_object *o = json_object_new_object();

	if (EVS_HAS(rt, EVS_ROUTE_A_DST))
		json_object_object_add(o, "dst", json_prefix(&rt->dst));
	if (ifname)
		evs_json_add_str(o, "dev", ifname);
	if (EVS_HAS(rt, EVS_ROUTE_A_IFINDEX))
		evs_json_add_u64(o, "ifindex", rt->ifindex);
	if (EVS_HAS(rt, EVS_ROUTE_A_CONN_ID))
		evs_json_add_u64(o, "conn", rt->conn_id);
	if (EVS_HAS(rt, EVS_ROUTE_A_METRIC))
		evs_json_add_u64(o, "metric", rt->metric);
	if (EVS_HAS(rt, EVS_ROUTE_A_TABLE))
		evs_json_add_u64(o, "table", rt->table);
	return o;
}

struct json_object *evs_json_parp(const struct evs_parp_info *parp, const char *ifname)
{
	struct json_object *o = json_object_new_object();

	if (EVS_HAS(parp, EVS_PARP_A_ADDR))
		json_object_object_add(o, "addr", evs_json_inaddr(&parp->addr));
	if (ifname)
		evs_json_add_str(o, "dev", ifname);
	if (EVS_HAS(parp, EVS_PARP_A_IFINDEX))
		evs_json_add_u64(o, "ifindex", parp->ifindex);
	if (EVS_HAS(parp, EVS_PARP_A_CONN_ID))
		evs_json_add_u64(o, "conn", parp->conn_id);
	if (EVS_HAS(parp, EVS_PARP_A_ENABLE))
		evs_json_add_bool(o, "enabled", parp->enable);
	return o;
}

struct json_object *evs_json_link(const struct evs_link_info *link, bool stats)
{
	struct json_object *o = json_object_new_object();

	evs_json_add_u64(o, "ifindex", link->dev.ifindex);
	if (link->dev.ifname[0])
		evs_json_add_str(o, "ifname", link->dev.ifname);
	evs_json_add_str(o, "kind", EVS_LINK_KIND);
	if (stats && link->has_stats)
		json_object_object_add(o, "stats", evs_json_counters(&link->stats));
	return o;
}

struct json_object *evs_json_event(const struct evs_event *ev, const char *route_ifname,
				   const char *parp_ifname)
{
	struct json_object *o = json_object_new_object();

	evs_json_add_str(o, "event", evs_event_name(ev->cmd));
	if (ev->op)
		evs_json_add_str(o, "op", ev->op == EVS_EVENT_OP_ADD ? "add" :
				 ev->op == EVS_EVENT_OP_DEL ? "del" : "unknown");
	if (ev->cmd == EVS_CMD_EV_EXPIRE)
		evs_json_add_bool(o, "hard", ev->hard);
	if (ev->has_reason)
		evs_json_add_str(o, "reason", evs_reason_name(ev->reason));
	if (ev->sa.has)
		json_object_object_add(o, "sa", evs_json_sa(&ev->sa, false));
	if (ev->policy.has)
		json_object_object_add(o, "policy", evs_json_policy(&ev->policy, false));
	if (ev->conn.has)
		json_object_object_add(o, "conn", evs_json_conn(&ev->conn));
	if (ev->route.has)
		json_object_object_add(o, "route", evs_json_route(&ev->route, route_ifname));
	if (ev->parp.has)
		json_object_object_add(o, "proxy_arp", evs_json_parp(&ev->parp, parp_ifname));
	return o;
}
