// SPDX-License-Identifier: MIT
/* evs objects as JSON (json-c); see json.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sodium.h>

#include "lib/json.h"

static int print_flags(bool pretty)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			 JSON_C_TO_STRING_PLAIN);
}

int evs_json_print(FILE *f, struct json_object *obj, bool pretty)
{
	const char *s = json_object_to_json_string_ext(obj, print_flags(pretty));

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

/* The JSON name of lifetime @t ("bytes_soft") in @key when @l has it. */
static bool lft_key(const struct evs_lft *l, unsigned int t, char key[32])
{
	const char *name = evs_lft_name(t);

	if (!name || !((l->has >> t) & 1))
		return false;
	snprintf(key, 32, "%s", name);
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
	return true;
}

static void add_dev(struct json_object *o, const struct evs_msg_dev *dev)
{
	if (dev->ifname[0])
		evs_json_add_str(o, "dev", dev->ifname);
	if (dev->ifindex)
		evs_json_add_u64(o, "ifindex", dev->ifindex);
}

/* --- an SA: written as text only (a listing of 100k SAs), and parsed
 * by json-c where an object is wanted ---------------------------------- */

static void jsonw_put_inaddr(struct jsonw *w, const char *key, const struct evs_inaddr *a)
{
	char buf[EVS_INADDR_STRLEN];

	jsonw_put_str(w, key, evs_inaddr_ntop(a, buf, sizeof(buf)));
}

static void jsonw_lft(struct jsonw *w, const char *key, const struct evs_lft *l)
{
	jsonw_key(w, key);
	jsonw_c(w, '{');
	for (unsigned int t = 0; t <= EVS_LFT_A_MAX; t++) {
		char name[32];

		if (lft_key(l, t, name))
			jsonw_put_u64(w, name, l->v[t]);
	}
	jsonw_c(w, '}');
}

static void jsonw_counters(struct jsonw *w, const char *key, const struct evs_counters *c)
{
	jsonw_key(w, key);
	jsonw_c(w, '{');
	for (unsigned int t = 0; t <= EVS_STATS_A_MAX; t++) {
		const char *name = evs_stats_name(t);

		if (name && ((c->has >> t) & 1))
			jsonw_put_u64(w, name, c->v[t]);
	}
	jsonw_c(w, '}');
}

/* "KEY":{"name":NAME, left open for the algorithm's sizes. */
static void jsonw_open_algo(struct jsonw *w, const char *key, const char *name)
{
	jsonw_key(w, key);
	jsonw_c(w, '{');
	jsonw_put_str(w, "name", name);
}

static void jsonw_sa_algos(struct jsonw *w, const struct evs_sa_info *sa)
{
	if (EVS_HAS(sa, EVS_SA_A_AEAD_NAME)) {
		jsonw_open_algo(w, "aead", sa->aead_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			jsonw_put_u64(w, "key_bits", sa->key_bits);
		if (EVS_HAS(sa, EVS_SA_A_AEAD_ICV_BITS))
			jsonw_put_u64(w, "icv_bits", sa->aead_icv_bits);
		jsonw_c(w, '}');
	}
	if (EVS_HAS(sa, EVS_SA_A_ENC_NAME)) {
		jsonw_open_algo(w, "enc", sa->enc_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			jsonw_put_u64(w, "key_bits", sa->key_bits);
		jsonw_c(w, '}');
	}
	if (EVS_HAS(sa, EVS_SA_A_AUTH_NAME)) {
		jsonw_open_algo(w, "auth", sa->auth_name);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_KEY_BITS))
			jsonw_put_u64(w, "key_bits", sa->auth_key_bits);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_TRUNC_BITS))
			jsonw_put_u64(w, "trunc_bits", sa->auth_trunc_bits);
		jsonw_c(w, '}');
	}
}

static void jsonw_sa_encap_flags(struct jsonw *w, const struct evs_sa_info *sa)
{
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_TYPE) && sa->encap_type != EVS_ENCAP_NONE) {
		jsonw_key(w, "encap");
		jsonw_c(w, '{');
		jsonw_put_str(w, "type", sa->encap_type == EVS_ENCAP_ESPINUDP ?
			      "espinudp" : "unknown");
		if (EVS_HAS(sa, EVS_SA_A_ENCAP_SPORT))
			jsonw_put_u64(w, "sport", sa->encap_sport);
		if (EVS_HAS(sa, EVS_SA_A_ENCAP_DPORT))
			jsonw_put_u64(w, "dport", sa->encap_dport);
		jsonw_c(w, '}');
	}
	if (EVS_HAS(sa, EVS_SA_A_REPLAY_WINDOW))
		jsonw_put_u64(w, "replay_window", sa->replay_window);
	if (EVS_HAS(sa, EVS_SA_A_FLAGS)) {
		jsonw_key(w, "flags");
		jsonw_c(w, '[');
		if (sa->flags & EVS_SA_F_ESN) {
			jsonw_sep(w);
			jsonw_str(w, "esn");
		}
		if (sa->flags & EVS_SA_F_ALLOW_WEAK) {
			jsonw_sep(w);
			jsonw_str(w, "allow-weak");
		}
		jsonw_c(w, ']');
	}
}

void evs_jsonw_sa(struct jsonw *w, const struct evs_sa_info *sa, bool stats)
{
	jsonw_c(w, '{');
	if (sa->dev.ifname[0])
		jsonw_put_str(w, "dev", sa->dev.ifname);
	if (sa->dev.ifindex)
		jsonw_put_u64(w, "ifindex", sa->dev.ifindex);
	if (EVS_HAS(sa, EVS_SA_A_DIR))
		jsonw_put_str(w, "dir", evs_dir_name(sa->dir));
	if (EVS_HAS(sa, EVS_SA_A_SPI))
		jsonw_put_u64(w, "spi", sa->spi);
	if (EVS_HAS(sa, EVS_SA_A_SRC))
		jsonw_put_inaddr(w, "src", &sa->src);
	if (EVS_HAS(sa, EVS_SA_A_DST))
		jsonw_put_inaddr(w, "dst", &sa->dst);
	jsonw_sa_algos(w, sa);
	jsonw_sa_encap_flags(w, sa);
	if (EVS_HAS(sa, EVS_SA_A_CONN_ID))
		jsonw_put_u64(w, "conn", sa->conn_id);
	if (EVS_HAS(sa, EVS_SA_A_STATE))
		jsonw_put_str(w, "state", evs_sa_state_name(sa->state));
	if (EVS_HAS(sa, EVS_SA_A_OSEQ))
		jsonw_put_u64(w, "oseq", sa->oseq);
	if (EVS_HAS(sa, EVS_SA_A_SEQ_HI))
		jsonw_put_u64(w, "seq_hi", sa->seq_hi);
	if (EVS_HAS(sa, EVS_SA_A_LIMITS))
		jsonw_lft(w, "limits", &sa->limits);
	if (EVS_HAS(sa, EVS_SA_A_CURLFT))
		jsonw_lft(w, "current", &sa->curlft);
	if (stats && EVS_HAS(sa, EVS_SA_A_STATS))
		jsonw_counters(w, "stats", &sa->stats);
	jsonw_c(w, '}');
}

struct json_object *evs_json_sa(const struct evs_sa_info *sa, bool stats)
{
	struct jsonw w = { .keep_slash = true };
	struct json_object *o;
	size_t len;
	char *text;

	evs_jsonw_sa(&w, sa, stats);
	text = jsonw_finish(&w, &len);
	if (!text)
		return NULL;
	o = json_tokener_parse(text);
	sodium_memzero(text, len);
	free(text);
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

/* --- an array printed element by element ------------------------------ */

void evs_json_list_start(struct evs_json_list *l, FILE *f, bool pretty, bool single)
{
	*l = (struct evs_json_list){ .f = f, .pretty = pretty, .single = single };
	/* evs_json_print()'s NOSLASHESCAPE */
	l->text.keep_slash = true;
}

/* One element's text, after the array's "[" or the separator: json-c's
 * framing, "[a,b]" plain and "[\n  a,\n  b\n]" pretty (the element's own
 * indentation is the caller's). */
static int put_element(struct evs_json_list *l, const char *text, size_t len)
{
	const char *lead = l->n ? (l->pretty ? ",\n" : ",") : (l->pretty ? "[\n" : "[");

	l->n++;
	if (fputs(lead, l->f) < 0 || fwrite(text, 1, len, l->f) != len)
		l->failed = true;
	return l->failed ? -1 : 0;
}

/* @obj (taken) as an element.  Pretty, an element is indented one level
 * deeper than alone, and only json-c's printer gets that right for every
 * shape (empty objects, nested arrays): so it is printed as the one
 * element of an array whose "[\n" and "\n]" are cut off. */
static int put_object(struct evs_json_list *l, struct json_object *obj)
{
	struct json_object *wrap = l->pretty ? json_object_new_array() : obj;
	size_t cut = l->pretty ? 2 : 0;
	const char *s = NULL;
	size_t len = 0;

	if (wrap && wrap != obj && json_object_array_add(wrap, obj)) {
		json_object_put(wrap);
		wrap = NULL;
	}
	if (wrap)
		s = json_object_to_json_string_length(wrap, print_flags(l->pretty), &len);
	if (s && len >= 2 * cut)
		put_element(l, s + cut, len - 2 * cut);
	else
		l->failed = true;
	json_object_put(wrap ? wrap : obj);
	return l->failed ? -1 : 0;
}

int evs_json_list_add(struct evs_json_list *l, struct json_object *obj)
{
	struct json_object *first = l->held;

	if (!obj || l->failed) {
		json_object_put(obj);
		l->failed = true;
		return -1;
	}
	if (l->single && !l->n && !first) {
		l->held = obj;
		return 0;
	}
	l->held = NULL;
	if (first)
		put_object(l, first);
	if (l->failed) {
		json_object_put(obj);
		return -1;
	}
	return put_object(l, obj);
}

int evs_json_list_add_sa(struct evs_json_list *l, const struct evs_sa_info *sa, bool stats)
{
	/* jsonw writes the plain form only; a held element is an object. */
	if (l->pretty || l->single)
		return evs_json_list_add(l, evs_json_sa(sa, stats));
	if (l->failed)
		return -1;
	jsonw_reset(&l->text);
	evs_jsonw_sa(&l->text, sa, stats);
	if (l->text.oom) {
		l->failed = true;
		return -1;
	}
	return put_element(l, l->text.b, l->text.n);
}

/* The empty array as json-c prints it ("[]", pretty "[\n]"). */
static int print_empty(struct evs_json_list *l)
{
	struct json_object *empty = json_object_new_array();
	int ret = empty ? evs_json_print(l->f, empty, l->pretty) : -1;

	json_object_put(empty);
	return ret;
}

int evs_json_list_end(struct evs_json_list *l)
{
	int ret;

	if (l->failed)
		ret = -1;
	else if (l->held)
		ret = evs_json_print(l->f, l->held, l->pretty);
	else if (!l->n)
		ret = print_empty(l);
	else
		ret = fputs(l->pretty ? "\n]\n" : "]\n", l->f) < 0 ? -1 : 0;
	evs_json_list_abort(l);
	return ret;
}

void evs_json_list_abort(struct evs_json_list *l)
{
	json_object_put(l->held);
	l->held = NULL;
	jsonw_free(&l->text);
}
