// SPDX-License-Identifier: MIT
/*
 * An established ISAKMP SA as JSON and back (sa_state.h).  Fields are
 * named and typed, never a struct's bytes, so a record written by one
 * build is read by the next (a package upgrade restarts evsd), and every
 * value read back is checked as input from a file is.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ike/engine/phase2.h"
#include "ike/engine/sa_state.h"
#include "lib/daemon_log.h"
#include "lib/jsonw.h"
#include "lib/parse.h"
#include "lib/secret.h"

/* ---- writing ------------------------------------------------------------- */

/* The record is written as text directly (lib/jsonw.h), in the form
 * json-c printed the object this file used to build: building, printing
 * and freeing it cost 184,000 instructions per record, three records per
 * connection, half of evsd's instructions per connection outside the DH
 * powers and argon2id. */
static void put_secret(struct jsonw *w, const char *k, const struct secret *s)
{
	if (s)
		jsonw_put_hex(w, k, secret_data(s), secret_len(s));
}

static void put_prefix(struct jsonw *w, const char *k, const struct evs_prefix *p)
{
	char b[EVS_PREFIX_STRLEN];

	jsonw_put_str(w, k, evs_prefix_str(p, b, sizeof(b)));
}

static void put_prefixes(struct jsonw *w, const char *k, const struct evs_prefix *p,
			 unsigned n)
{
	char b[EVS_PREFIX_STRLEN];

	jsonw_key(w, k);
	jsonw_c(w, '[');
	for (unsigned i = 0; i < n; i++) {
		jsonw_sep(w);
		jsonw_str(w, evs_prefix_str(&p[i], b, sizeof(b)));
	}
	jsonw_c(w, ']');
}

static void put_addr(struct jsonw *w, const char *k, const struct sockaddr_storage *ss)
{
	char b[64];
	const uint8_t *a;
	uint16_t port;
	char key[32];

	if (!ike_sa_addr((const struct sockaddr *)ss, &a, &port))
		return;
	evs_sockaddr_str((const struct sockaddr *)ss, false, b, sizeof(b));
	jsonw_put_str(w, k, b);
	snprintf(key, sizeof(key), "%s_port", k);
	jsonw_put_u64(w, key, port);
}

static void p1_xform_save(struct jsonw *w, const struct p1_xform *x)
{
	jsonw_key(w, "p1");
	jsonw_c(w, '{');
	jsonw_put_u64(w, "encr", x->encr);
	jsonw_put_u64(w, "key_bits", x->key_bits);
	jsonw_put_u64(w, "hash", x->hash);
	jsonw_put_u64(w, "auth", x->auth);
	jsonw_put_u64(w, "group", x->group);
	jsonw_put_u64(w, "life_secs", x->life_secs);
	jsonw_put_u64(w, "life_kb", x->life_kb);
	jsonw_c(w, '}');
}

static void p2_xform_save(struct jsonw *w, const struct p2_xform *x)
{
	jsonw_key(w, "xf");
	jsonw_c(w, '{');
	jsonw_put_u64(w, "esp_id", x->esp_id);
	jsonw_put_u64(w, "key_bits", x->key_bits);
	jsonw_put_u64(w, "auth", x->auth);
	jsonw_put_u64(w, "encap", x->encap);
	jsonw_put_u64(w, "group", x->group);
	jsonw_put_u64(w, "life_secs", x->life_secs);
	jsonw_put_u64(w, "life_kb", x->life_kb);
	jsonw_c(w, '}');
}

static void conn_save(struct jsonw *w, const struct ike_conn *c)
{
	jsonw_sep(w);
	jsonw_c(w, '{');
	jsonw_put_u64(w, "id", c->id);
	put_prefix(w, "local", &c->local);
	put_prefix(w, "remote", &c->remote);
	if (c->n_local_nets)
		put_prefixes(w, "local_nets", c->local_nets, c->n_local_nets);
	p2_xform_save(w, &c->xf);
	jsonw_put_u64(w, "spi_in", c->spi_in);
	jsonw_put_u64(w, "spi_out", c->spi_out);
	jsonw_put_u64(w, "old_spi_in", c->old_spi_in);
	jsonw_put_u64(w, "old_spi_out", c->old_spi_out);
	jsonw_put_u64(w, "old_del_at", c->old_del_at);
	jsonw_put_u64(w, "installed_at", c->installed_at);
	jsonw_put_u64(w, "expire_at", c->expire_at);
	jsonw_put_bool(w, "we_initiated", c->we_initiated);
	jsonw_put_u64(w, "generation", c->generation);
	/* For a standby's takeover (Documentation/ha.md). */
	put_secret(w, "key_in", c->key_in);
	put_secret(w, "key_out", c->key_out);
	jsonw_c(w, '}');
}

bool ike_sa_state_savable(const struct ike_sa *sa)
{
	return sa->eng->role == EVS_ROLE_SERVER && !sa->initiator &&
	       sa->state == IKE_S_READY && sa->have_keys && sa->authorized &&
	       !sa->site && !sa->replaced;
}

static void steps_save(struct jsonw *w, const struct ike_sa *sa)
{
	const struct evs_session_hooks *h = &sa->eng->hooks;

	jsonw_key(w, "steps");
	jsonw_c(w, '{');
	for (unsigned i = 0; i < h->n_steps; i++) {
		const struct evs_post_phase1_ops *ops = h->step[i].ops;
		size_t mark = w->n;

		if (!ops->save || !sa->step_begun[i])
			continue;
		jsonw_key(w, ops->name);
		/* The step's state pointer, as its other callbacks get it. */
		if (!ops->save((struct evs_session *)sa,
			       (void **)&((struct ike_sa *)sa)->step_state[i], w) && !w->oom)
			w->n = mark;	/* nothing to keep: no member */
	}
	jsonw_c(w, '}');
}

char *ike_sa_state_text(const struct ike_sa *sa, size_t *len)
{
	struct jsonw w = { 0 };

	if (!ike_sa_state_savable(sa))
		return NULL;
	jsonw_c(&w, '{');
	jsonw_put_u64(&w, "version", IKE_SA_STATE_VERSION);
	jsonw_put_u64(&w, "serial", sa->serial);
	jsonw_put_hex(&w, "cky_i", sa->cky_i, ISAKMP_COOKIE_LEN);
	jsonw_put_hex(&w, "cky_r", sa->cky_r, ISAKMP_COOKIE_LEN);
	jsonw_put_u64(&w, "exch", sa->exch);
	put_addr(&w, "local", &sa->path.local);
	put_addr(&w, "remote", &sa->path.remote);
	jsonw_put_bool(&w, "natt", sa->path.natt);
	jsonw_put_u64(&w, "natt_level", (uint64_t)sa->natt_level);
	jsonw_put_bool(&w, "nat_local", sa->nat_local);
	jsonw_put_bool(&w, "nat_remote", sa->nat_remote);
	p1_xform_save(&w, &sa->chosen);
	put_secret(&w, "skeyid", sa->keys.skeyid);
	put_secret(&w, "skeyid_d", sa->keys.skeyid_d);
	put_secret(&w, "skeyid_a", sa->keys.skeyid_a);
	put_secret(&w, "skeyid_e", sa->keys.skeyid_e);
	put_secret(&w, "enc_key", sa->keys.enc_key);
	jsonw_put_hex(&w, "iv", sa->iv.b, sa->iv.len);
	jsonw_put_u64(&w, "peer_vids", sa->peer_vids);
	jsonw_put_u64(&w, "created", sa->created);
	jsonw_put_u64(&w, "established", sa->established);
	jsonw_put_u64(&w, "expire_at", sa->expire_at);
	jsonw_put_bool(&w, "dpd", sa->dpd);
	jsonw_put_u64(&w, "dpd_seq", ((uint64_t)sa->dpd_seq / IKE_DPD_SEQ_BLOCK + 1) *
		IKE_DPD_SEQ_BLOCK);
	if (sa->id_peer_len)
		jsonw_put_hex(&w, "id_peer", sa->id_peer, sa->id_peer_len);
	jsonw_put_str(&w, "user", sa->user);
	jsonw_put_str(&w, "label", sa->label);
	if (sa->have_inner)
		put_prefix(&w, "inner", &sa->inner);
	if (sa->have_inner6)	/* older records have none: IPv4 only */
		put_prefix(&w, "inner6", &sa->inner6);
	put_prefixes(&w, "remote_nets", sa->remote_nets, sa->n_remote_nets);
	/* The replay set: every id this SA used or accepted. */
	jsonw_key(&w, "msgids");
	jsonw_c(&w, '[');
	for (uint32_t i = 0; i < sa->ids_cap; i++)
		if (sa->ids[i]) {
			jsonw_sep(&w);
			jsonw_u64(&w, sa->ids[i]);
		}
	jsonw_c(&w, ']');
	jsonw_key(&w, "conns");
	jsonw_c(&w, '[');
	for (const struct ike_conn *c = sa->conns; c; c = c->next)
		if (c->installed)
			conn_save(&w, c);
	jsonw_c(&w, ']');
	steps_save(&w, sa);
	jsonw_c(&w, '}');
	return jsonw_finish(&w, len);
}

/* ---- reading ------------------------------------------------------------- */

struct rd {
	struct json_object *o;
	struct evs_err *err;
	bool bad;
};

static struct json_object *get(struct rd *r, const char *k, json_type t,
			       bool optional)
{
	struct json_object *v;

	if (r->bad)
		return NULL;
	if (!json_object_object_get_ex(r->o, k, &v) || !v) {
		if (!optional) {
			evs_errf(r->err, "\"%s\" missing", k);
			r->bad = true;
		}
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		evs_errf(r->err, "\"%s\" has the wrong type", k);
		r->bad = true;
		return NULL;
	}
	return v;
}

static uint64_t get_u64(struct rd *r, const char *k, uint64_t max)
{
	struct json_object *v = get(r, k, json_type_int, false);
	uint64_t n;

	if (!v)
		return 0;
	n = json_object_get_uint64(v);
	if (n > max) {
		evs_errf(r->err, "\"%s\" out of range", k);
		r->bad = true;
		return 0;
	}
	return n;
}

static bool get_bool(struct rd *r, const char *k)
{
	struct json_object *v = get(r, k, json_type_boolean, false);

	return v && json_object_get_boolean(v);
}

static const char *get_str(struct rd *r, const char *k, bool optional)
{
	struct json_object *v = get(r, k, json_type_string, optional);

	return v ? json_object_get_string(v) : NULL;
}

/* Exactly n bytes of hex into out (n = 0: any length up to max, *got). */
static int get_hex(struct rd *r, const char *k, uint8_t *out, size_t max,
		   size_t *got, bool optional)
{
	const char *h = get_str(r, k, optional);
	size_t n = 0;

	if (!h)
		return r->bad ? -1 : 1;
	if (sodium_hex2bin(out, max, h, strlen(h), NULL, &n, NULL) < 0 ||
	    strlen(h) != 2 * n) {
		evs_errf(r->err, "\"%s\" is not hex of at most %zu bytes", k, max);
		r->bad = true;
		return -1;
	}
	*got = n;
	return 0;
}

static struct secret *get_secret(struct rd *r, const char *k)
{
	/* the longest: an ESP pair's KEYMAT, AES-256 and HMAC-SHA-512 */
	uint8_t b[IKE_MAX_HASH > 64 ? 2 * IKE_MAX_HASH : 128];
	struct secret *s = NULL;
	size_t n = 0;

	if (get_hex(r, k, b, sizeof(b), &n, false) == 0 && n) {
		s = secret_from(b, n);
		if (!s) {
			evs_errf(r->err, "out of memory");
			r->bad = true;
		}
	} else if (!r->bad) {
		evs_errf(r->err, "\"%s\" is empty", k);
		r->bad = true;
	}
	sodium_memzero(b, sizeof(b));
	return s;
}

static void prefix_of(struct rd *r, const char *k, const char *text,
		      struct evs_prefix *p)
{
	struct evs_inaddr a;
	struct evs_err e;

	if (r->bad)
		return;
	if (!text || evs_parse_prefix(k, text, 0, false, &a, &e) < 0) {
		evs_errf(r->err, "\"%s\": not a prefix", k);
		r->bad = true;
		return;
	}
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)a.family;
	p->plen = a.plen;
	memcpy(p->addr, a.a, evs_inaddr_len(&a));
}

static void get_prefix(struct rd *r, const char *k, struct evs_prefix *p)
{
	prefix_of(r, k, get_str(r, k, false), p);
}

static unsigned get_prefixes(struct rd *r, const char *k, struct evs_prefix *p,
			     unsigned max)
{
	struct json_object *a = get(r, k, json_type_array, true);
	size_t n = a ? json_object_array_length(a) : 0;

	if (n > max) {
		evs_errf(r->err, "\"%s\": more than %u prefixes", k, max);
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		prefix_of(r, k, json_object_is_type(v, json_type_string) ?
			  json_object_get_string(v) : NULL, &p[i]);
	}
	return r->bad ? 0 : (unsigned)n;
}

static void get_addr(struct rd *r, const char *k, struct sockaddr_storage *ss)
{
	const char *t = get_str(r, k, false);
	char pk[32];
	struct evs_inaddr a;
	struct evs_err e;
	uint16_t port;

	snprintf(pk, sizeof(pk), "%s_port", k);
	port = (uint16_t)get_u64(r, pk, 65535);
	if (r->bad)
		return;
	memset(ss, 0, sizeof(*ss));
	if (evs_parse_addr(k, t, 0, &a, &e) < 0) {
		evs_errf(r->err, "\"%s\": not an address", k);
		r->bad = true;
	} else if (a.family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a.a, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a.a, 16);
	}
}

/* A nested object read with the same error carrier. */
static struct rd sub(struct rd *r, const char *k)
{
	struct rd s = { .o = get(r, k, json_type_object, false), .err = r->err };

	s.bad = r->bad || !s.o;
	return s;
}

static void p1_xform_load(struct rd *r, struct p1_xform *x)
{
	struct rd s = sub(r, "p1");

	x->encr = (uint16_t)get_u64(&s, "encr", 0xffff);
	x->key_bits = (uint16_t)get_u64(&s, "key_bits", 0xffff);
	x->hash = (uint16_t)get_u64(&s, "hash", 0xffff);
	x->auth = (uint16_t)get_u64(&s, "auth", 0xffff);
	x->group = (uint16_t)get_u64(&s, "group", 0xffff);
	x->life_secs = (uint32_t)get_u64(&s, "life_secs", UINT32_MAX);
	x->life_kb = (uint32_t)get_u64(&s, "life_kb", UINT32_MAX);
	r->bad |= s.bad;
}

static void p2_xform_load(struct rd *r, struct p2_xform *x)
{
	struct rd s = sub(r, "xf");

	x->esp_id = (uint8_t)get_u64(&s, "esp_id", 0xff);
	x->key_bits = (uint16_t)get_u64(&s, "key_bits", 0xffff);
	x->auth = (uint16_t)get_u64(&s, "auth", 0xffff);
	x->encap = (uint16_t)get_u64(&s, "encap", 0xffff);
	x->group = (uint16_t)get_u64(&s, "group", 0xffff);
	x->life_secs = (uint32_t)get_u64(&s, "life_secs", UINT32_MAX);
	x->life_kb = (uint32_t)get_u64(&s, "life_kb", UINT32_MAX);
	r->bad |= s.bad;
}

static struct ike_conn *conn_load(struct rd *r)
{
	struct ike_conn *c = calloc(1, sizeof(*c));
	struct evs_prefix nets[EVS_SESSION_MAX_NETS];
	unsigned n;

	if (!c) {
		evs_errf(r->err, "out of memory");
		r->bad = true;
		return NULL;
	}
	c->id = (uint32_t)get_u64(r, "id", UINT32_MAX);
	get_prefix(r, "local", &c->local);
	get_prefix(r, "remote", &c->remote);
	n = get_prefixes(r, "local_nets", nets, EVS_SESSION_MAX_NETS);
	if (n) {
		c->local_nets = malloc(n * sizeof(*nets));
		if (c->local_nets) {
			memcpy(c->local_nets, nets, n * sizeof(*nets));
			c->n_local_nets = n;
		}
	}
	p2_xform_load(r, &c->xf);
	c->spi_in = (uint32_t)get_u64(r, "spi_in", UINT32_MAX);
	c->spi_out = (uint32_t)get_u64(r, "spi_out", UINT32_MAX);
	c->old_spi_in = (uint32_t)get_u64(r, "old_spi_in", UINT32_MAX);
	c->old_spi_out = (uint32_t)get_u64(r, "old_spi_out", UINT32_MAX);
	c->old_del_at = get_u64(r, "old_del_at", UINT64_MAX);
	c->installed_at = get_u64(r, "installed_at", UINT64_MAX);
	c->expire_at = get_u64(r, "expire_at", UINT64_MAX);
	c->we_initiated = get_bool(r, "we_initiated");
	c->generation = (unsigned)get_u64(r, "generation", UINT32_MAX);
	/* Optional: a record of an evsd before HA has none. */
	if (get(r, "key_in", json_type_string, true))
		c->key_in = get_secret(r, "key_in");
	if (get(r, "key_out", json_type_string, true))
		c->key_out = get_secret(r, "key_out");
	if (!r->bad && (!c->id || !c->spi_in || !c->spi_out ||
			(n && !c->n_local_nets))) {
		evs_errf(r->err, "connection %u incomplete", c->id);
		r->bad = true;
	}
	if (r->bad) {
		conn_free(c);
		return NULL;
	}
	c->installed = true;
	return c;
}

int ike_sa_state_conn_ids(struct json_object *o, uint32_t *ids, unsigned max)
{
	struct json_object *a, *v, *id;
	unsigned n = 0;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "conns", &a) ||
	    !json_object_is_type(a, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a) && n < max; i++) {
		v = json_object_array_get_idx(a, i);
		if (json_object_is_type(v, json_type_object) &&
		    json_object_object_get_ex(v, "id", &id) &&
		    json_object_is_type(id, json_type_int))
			ids[n++] = (uint32_t)json_object_get_uint64(id);
	}
	return (int)n;
}

/* Everything but the connections and the steps, into a fresh SA. */
static void sa_load(struct rd *r, struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;
	const char *user, *label;
	size_t n = 0;
	uint8_t idb[256];

	sa->exch = (uint8_t)get_u64(r, "exch", 0xff);
	if (!r->bad && sa->exch != ISAKMP_EXCH_MAIN &&
	    sa->exch != ISAKMP_EXCH_AGGRESSIVE) {
		evs_errf(r->err, "unknown exchange %u", sa->exch);
		r->bad = true;
	}
	sa->natt_level = (int)get_u64(r, "natt_level", 2);
	sa->nat_local = get_bool(r, "nat_local");
	sa->nat_remote = get_bool(r, "nat_remote");
	p1_xform_load(r, &sa->chosen);
	sa->have_chosen = !r->bad;
	sa->keys.algs = (struct ike_p1_algs){
		.encr = sa->chosen.encr, .key_bits = sa->chosen.key_bits,
		.hash = sa->chosen.hash, .auth = p1_auth_base(sa->chosen.auth),
		.group = sa->chosen.group,
	};
	sa->keys.hash_len = ike_hash_len(sa->chosen.hash);
	sa->keys.key_len = ike_cipher_key_len(sa->chosen.encr, sa->chosen.key_bits);
	sa->keys.block_len = ike_cipher_block_len(sa->chosen.encr);
	if (!r->bad && (!sa->keys.hash_len || !sa->keys.key_len ||
			!sa->keys.block_len || sa->keys.block_len > IKE_MAX_BLOCK)) {
		evs_errf(r->err, "unknown Phase 1 algorithms");
		r->bad = true;
	}
	sa->keys.skeyid = get_secret(r, "skeyid");
	sa->keys.skeyid_d = get_secret(r, "skeyid_d");
	sa->keys.skeyid_a = get_secret(r, "skeyid_a");
	sa->keys.skeyid_e = get_secret(r, "skeyid_e");
	sa->keys.enc_key = get_secret(r, "enc_key");
	if (!r->bad && (secret_len(sa->keys.skeyid_a) != sa->keys.hash_len ||
			secret_len(sa->keys.skeyid_d) != sa->keys.hash_len ||
			secret_len(sa->keys.enc_key) != sa->keys.key_len)) {
		evs_errf(r->err, "key lengths disagree with the algorithms");
		r->bad = true;
	}
	sa->have_keys = !r->bad;
	if (get_hex(r, "iv", sa->iv.b, sizeof(sa->iv.b), &n, false) == 0)
		sa->iv.len = n;
	if (!r->bad && sa->iv.len != sa->keys.block_len) {
		evs_errf(r->err, "IV length disagrees with the cipher");
		r->bad = true;
	}
	sa->peer_vids = (uint32_t)get_u64(r, "peer_vids", UINT32_MAX);
	sa->created = get_u64(r, "created", UINT64_MAX);
	sa->established = get_u64(r, "established", UINT64_MAX);
	sa->expire_at = get_u64(r, "expire_at", UINT64_MAX);
	sa->dpd = get_bool(r, "dpd") && e->ike->timers.dpd_interval;
	sa->dpd_seq = (uint32_t)get_u64(r, "dpd_seq", UINT32_MAX);
	if (get_hex(r, "id_peer", idb, sizeof(idb), &n, true) == 0 && n >= 4) {
		struct isakmp_perr pe;

		sa->id_peer = ike_memdup(idb, n);
		sa->id_peer_len = sa->id_peer ? n : 0;
		if (!sa->id_peer ||
		    isakmp_parse_id(sa->id_peer, sa->id_peer_len, &sa->peer_id, &pe) < 0) {
			evs_errf(r->err, "the peer's ID does not parse");
			r->bad = true;
		}
	}
	user = get_str(r, "user", false);
	label = get_str(r, "label", false);
	if (!r->bad && (!user[0] || strlen(user) >= sizeof(sa->user) ||
			strlen(label) >= sizeof(sa->label))) {
		evs_errf(r->err, "bad user or label");
		r->bad = true;
	}
	if (!r->bad) {
		strcpy(sa->user, user);
		strcpy(sa->label, label);
		sa->authorized = true;
	}
	if (get(r, "inner", json_type_string, true)) {
		get_prefix(r, "inner", &sa->inner);
		sa->have_inner = !r->bad;
	}
	if (get(r, "inner6", json_type_string, true)) {
		get_prefix(r, "inner6", &sa->inner6);
		sa->have_inner6 = !r->bad && sa->inner6.family == AF_INET6;
	}
	sa->n_remote_nets = get_prefixes(r, "remote_nets", sa->remote_nets,
					 EVS_SESSION_MAX_NETS);
}

static void ids_load(struct rd *r, struct ike_sa *sa)
{
	struct json_object *a = get(r, "msgids", json_type_array, false);

	for (size_t i = 0; a && !r->bad && i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		uint64_t id = json_object_is_type(v, json_type_int) ?
			      json_object_get_uint64(v) : 0;

		if (!id || id > UINT32_MAX || ike_msgid_remember(sa, (uint32_t)id) < 0) {
			evs_errf(r->err, "message id %zu unusable", i);
			r->bad = true;
		}
	}
}

static void conns_load(struct rd *r, struct ike_sa *sa)
{
	struct json_object *a = get(r, "conns", json_type_array, false);
	struct ike_engine *e = sa->eng;

	for (size_t i = 0; a && !r->bad && i < json_object_array_length(a); i++) {
		struct rd s = { .o = json_object_array_get_idx(a, i), .err = r->err };
		struct ike_conn *c;

		if (!json_object_is_type(s.o, json_type_object)) {
			evs_errf(r->err, "connection %zu is not an object", i);
			r->bad = true;
			break;
		}
		c = conn_load(&s);
		r->bad |= s.bad;
		if (!c)
			break;
		if (conn_by_id(e, c->id)) {
			evs_errf(r->err, "connection %u is owned already", c->id);
			r->bad = true;
			conn_free(c);
			break;
		}
		c->next = sa->conns;
		sa->conns = c;
		conn_index_sync(sa, c);
		/* New connections never take an adopted id. */
		if (c->id >= e->next_conn_id)
			e->next_conn_id = c->id + 1;
	}
}

static void steps_restore(struct rd *r, struct ike_sa *sa)
{
	const struct evs_session_hooks *h = &sa->eng->hooks;
	struct json_object *steps = get(r, "steps", json_type_object, false);

	for (unsigned i = 0; steps && !r->bad && i < h->n_steps; i++) {
		const struct evs_post_phase1_ops *ops = h->step[i].ops;
		struct json_object *p = NULL;

		json_object_object_get_ex(steps, ops->name, &p);
		if (!ops->restore)
			continue;
		sa->step_begun[i] = true;
		if (ops->restore((struct evs_session *)sa, h->step[i].arg,
				 &sa->step_state[i], p, r->err) < 0)
			r->bad = true;
	}
	sa->step = h->n_steps;
}

struct ike_sa *ike_sa_state_restore(struct ike_engine *e, struct json_object *o,
				    struct evs_err *err)
{
	struct rd r = { .o = o, .err = err };
	struct ike_path path = { 0 };
	struct ike_sa *sa;
	uint32_t serial;
	size_t n = 0;

	if (!json_object_is_type(o, json_type_object))
		return evs_errf(err, "not a JSON object"), NULL;
	if (e->role != EVS_ROLE_SERVER)
		return evs_errf(err, "only the gateway adopts sessions"), NULL;
	if (get_u64(&r, "version", UINT32_MAX) != IKE_SA_STATE_VERSION && !r.bad)
		return evs_errf(err, "unknown version"), NULL;
	serial = (uint32_t)get_u64(&r, "serial", UINT32_MAX);
	get_addr(&r, "local", &path.local);
	get_addr(&r, "remote", &path.remote);
	path.natt = get_bool(&r, "natt");
	if (r.bad)
		return NULL;
	if (!serial)
		return evs_errf(err, "serial 0"), NULL;
	sa = ike_sa_new(e, false, &path);
	if (!sa)
		return evs_errf(err, "out of memory"), NULL;
	ike_sa_p1_free(sa);
	sa->adopting = true;
	sa->serial = serial;
	if (serial >= e->next_serial)
		e->next_serial = serial + 1;
	get_hex(&r, "cky_i", sa->cky_i, ISAKMP_COOKIE_LEN, &n, false);
	if (!r.bad && n != ISAKMP_COOKIE_LEN)
		r.bad = evs_errf(err, "bad initiator cookie") < 0;
	get_hex(&r, "cky_r", sa->cky_r, ISAKMP_COOKIE_LEN, &n, false);
	if (!r.bad && n != ISAKMP_COOKIE_LEN)
		r.bad = evs_errf(err, "bad responder cookie") < 0;
	if (!r.bad && ike_sa_find(e, sa->cky_i, sa->cky_r))
		r.bad = evs_errf(err, "an SA with these cookies exists") < 0;
	sa_load(&r, sa);
	if (!r.bad) {
		ike_sa_reindex(sa);
		ids_load(&r, sa);
	}
	if (!r.bad)
		conns_load(&r, sa);
	if (!r.bad) {
		/* Heard from now: DPD waits a full interval before asking. */
		sa->last_rx = e->now;
		sa->dpd_next = e->now + (uint64_t)e->ike->timers.dpd_interval * 1000;
		ike_sa_set_state(sa, IKE_S_READY);
		steps_restore(&r, sa);
	}
	if (r.bad) {
		/* The kernel keeps the connections: the caller removes them. */
		while (sa->conns) {
			struct ike_conn *c = sa->conns;

			sa->conns = c->next;
			conn_index_drop(e, c);
			conn_free(c);
		}
		ike_sa_kill(sa, EVS_END_ERROR, "state not adoptable", false, false);
		return NULL;
	}
	sa->adopting = false;
	ike_sa_rearm(sa);	/* the restored timers */
	log_notice("%s: adopted (user %s, %s, %u message ids)", sa->name, sa->user,
		   sa->conns ? "with its connections" : "no connection", sa->ids_n);
	ike_sa_changed(sa);
	return sa;
}
