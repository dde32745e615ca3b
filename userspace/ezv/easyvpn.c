// SPDX-License-Identifier: MIT
/*
 * The Easy VPN module: its context, the sessions its two steps share,
 * and the daemon's entry points (easyvpn.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ezv/config_easyvpn.h"
#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"
#include "lib/userdb.h"

/* ---- sessions --------------------------------------------------------- */

/* The same outer address and port: the same client (a renewed Phase 1
 * comes from where the old one did; two clients behind one NAT differ
 * in the port). */
bool ezv_same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) &&
		       x->sin6_port == y->sin6_port;
	}
	return false;
}

static uint64_t id_hash(const struct ezv *z, uint32_t id)
{
	return htab_hash(&z->by_id, &id, sizeof(id));
}

static uint64_t str_hash(const struct htab *t, const char *v)
{
	return htab_hash(t, v, strlen(v));
}

struct ezv_sess *ezv_sess_find(struct ezv *z, uint32_t id)
{
	struct htab_node *h;

	htab_for_each(&z->by_id, h, id_hash(z, id)) {
		struct ezv_sess *x = htab_entry(h, struct ezv_sess, id_node);

		if (x->id == id)
			return x;
	}
	return NULL;
}

/* A login's key: the user and the outer address and port it came from. */
static uint64_t login_hash(const struct htab *t, const char *user,
			   const struct sockaddr_storage *peer)
{
	uint8_t key[XAUTH_USER_MAX + 1 + 2 + 2 + 16] = { 0 };
	size_t n = strnlen(user, XAUTH_USER_MAX);

	memcpy(key, user, n);
	key[n++] = '\0';
	memcpy(key + n, &peer->ss_family, 2);
	n += 2;
	if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)peer;

		memcpy(key + n, &a->sin_port, 2);
		memcpy(key + n + 2, &a->sin_addr, 4);
		n += 6;
	} else if (peer->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)peer;

		memcpy(key + n, &a->sin6_port, 2);
		memcpy(key + n + 2, &a->sin6_addr, 16);
		n += 18;
	}
	return htab_hash(t, key, n);
}

/* The session that counts the user's logins (the user's head), or NULL. */
static struct ezv_sess *user_head(struct ezv *z, const char *user)
{
	struct htab_node *h;

	htab_for_each(&z->user_heads, h, str_hash(&z->user_heads, user)) {
		struct ezv_sess *o = htab_entry(h, struct ezv_sess, head_node);

		if (!strcmp(o->user, user))
			return o;
	}
	return NULL;
}

static bool any_sess(struct ezv_sess *o, void *arg)
{
	return true;
}

/* x leaves its user's indexes; when it was the user's head, another
 * session of the user (the first in the user's chain, no walk) takes the
 * count over. */
static void user_unlink(struct ezv_sess *x)
{
	struct ezv *z = x->z;
	struct ezv_sess *next;

	if (!htab_linked(&x->user_node))
		return;
	htab_del(&z->by_user, &x->user_node);
	htab_del(&z->by_login, &x->login_node);
	if (!htab_linked(&x->head_node)) {
		user_head(z, x->user)->logins--;
		return;
	}
	htab_del(&z->user_heads, &x->head_node);
	next = ezv_sess_of_user(z, x->user, any_sess, NULL);
	if (next) {
		next->logins = x->logins - 1;
		htab_add(&z->user_heads, &next->head_node, str_hash(&z->user_heads, next->user));
	}
	x->logins = 0;
}

static void user_link(struct ezv_sess *x)
{
	struct ezv *z = x->z;
	struct ezv_sess *head = user_head(z, x->user);

	htab_add(&z->by_user, &x->user_node, str_hash(&z->by_user, x->user));
	htab_add(&z->by_login, &x->login_node, login_hash(&z->by_login, x->user, &x->peer_sa));
	if (head) {
		head->logins++;
		return;
	}
	x->logins = 1;
	htab_add(&z->user_heads, &x->head_node, str_hash(&z->user_heads, x->user));
}

void ezv_sess_set_user(struct ezv_sess *x, const char *user)
{
	user_unlink(x);
	snprintf(x->user, sizeof(x->user), "%s", user);
	if (x->server && x->authenticated && x->user[0])
		user_link(x);
}

unsigned ezv_user_logins(struct ezv *z, const char *user)
{
	struct ezv_sess *head = user_head(z, user);

	return head ? head->logins : 0;
}

void ezv_sess_set_addr(struct ezv_sess *x, uint32_t addr)
{
	struct ezv *z = x->z;

	htab_del(&z->by_addr, &x->addr_node);
	x->addr = addr;
	if (addr)
		htab_add(&z->by_addr, &x->addr_node, htab_hash(&z->by_addr, &addr, sizeof(addr)));
}

void ezv_sess_set_acct_id(struct ezv_sess *x, const char *id)
{
	struct ezv *z = x->z;

	htab_del(&z->by_acct, &x->acct_node);
	snprintf(x->acct_session_id, sizeof(x->acct_session_id), "%s", id);
	if (x->acct_session_id[0])
		htab_add(&z->by_acct, &x->acct_node, str_hash(&z->by_acct, x->acct_session_id));
}

static void conn_link(struct ezv_sess *x, unsigned i)
{
	struct ezv *z = x->z;

	x->cref[i].x = x;
	x->cref[i].conn = x->conns[i];
	htab_add(&z->by_conn, &x->cref[i].node,
		 htab_hash(&z->by_conn, &x->conns[i], sizeof(x->conns[i])));
}

bool ezv_sess_has_conn(const struct ezv_sess *x, uint32_t conn)
{
	for (unsigned i = 0; i < x->n_conns; i++)
		if (x->conns[i] == conn)
			return true;
	return false;
}

/* A per-session table's new capacity for n entries: doubled from cap (or
 * from first), at most max; 0 when n is over max. */
static unsigned grown_cap(unsigned cap, unsigned first, unsigned n, unsigned max)
{
	if (n > max)
		return 0;
	if (!cap)
		cap = first;
	while (cap < n)
		cap *= 2;
	return cap < max ? cap : max;
}

int ezv_sess_sa_room(struct ezv_sess *x, unsigned n)
{
	unsigned cap;
	struct sa_count *sa;

	if (n <= x->sa_cap)
		return 0;
	cap = grown_cap(x->sa_cap, 2, n, EZV_MAX_SAS);
	sa = cap ? reallocarray(x->sa, cap, sizeof(*sa)) : NULL;
	if (!sa)
		return -1;
	x->sa = sa;
	x->sa_cap = cap;
	return 0;
}

/* Room for one more connection.  The table by connection holds nodes
 * inside x->cref: they leave it while the array moves. */
static int conn_room(struct ezv_sess *x)
{
	unsigned cap = grown_cap(x->conn_cap, 1, x->n_conns + 1, EZV_MAX_CONNS);
	struct ezv_conn_ref *cref;
	uint32_t *conns;

	if (x->n_conns < x->conn_cap)
		return 0;
	if (!cap)
		return -1;
	conns = reallocarray(x->conns, cap, sizeof(*conns));
	if (!conns)
		return -1;
	x->conns = conns;
	for (unsigned i = 0; i < x->n_conns; i++)
		htab_del(&x->z->by_conn, &x->cref[i].node);
	cref = reallocarray(x->cref, cap, sizeof(*cref));
	if (cref) {
		x->cref = cref;
		x->conn_cap = cap;
	}
	for (unsigned i = 0; i < x->n_conns; i++)
		conn_link(x, i);
	return cref ? 0 : -1;
}

int ezv_sess_conn_add(struct ezv_sess *x, uint32_t conn)
{
	if (conn_room(x))
		return -1;
	x->conns[x->n_conns] = conn;
	conn_link(x, x->n_conns++);
	return 0;
}

bool ezv_sess_conn_del(struct ezv_sess *x, uint32_t conn)
{
	struct ezv *z = x->z;

	for (unsigned i = 0; i < x->n_conns; i++) {
		unsigned last = x->n_conns - 1;

		if (x->conns[i] != conn)
			continue;
		/* the last entry moves into slot i: its node moves too */
		htab_del(&z->by_conn, &x->cref[i].node);
		if (i != last) {
			htab_del(&z->by_conn, &x->cref[last].node);
			x->conns[i] = x->conns[last];
			conn_link(x, i);
		}
		x->n_conns = last;
		return true;
	}
	return false;
}

struct ezv_sess *ezv_sess_by_conn(struct ezv *z, uint32_t conn)
{
	struct htab_node *h;

	htab_for_each(&z->by_conn, h, htab_hash(&z->by_conn, &conn, sizeof(conn))) {
		struct ezv_conn_ref *r = htab_entry(h, struct ezv_conn_ref, node);

		if (r->conn == conn)
			return r->x;
	}
	return NULL;
}

struct ezv_sess *ezv_sess_of_user(struct ezv *z, const char *user, ezv_sess_pred fn,
				  void *arg)
{
	struct htab_node *h, *nh;

	for (h = htab_first(&z->by_user, str_hash(&z->by_user, user)); h; h = nh) {
		struct ezv_sess *o = htab_entry(h, struct ezv_sess, user_node);

		nh = htab_next(h);	/* fn may end (and free) o */
		if (!strcmp(o->user, user) && fn(o, arg))
			return o;
	}
	return NULL;
}

struct ezv_sess *ezv_sess_of_login(struct ezv *z, const char *user,
				   const struct sockaddr_storage *peer, ezv_sess_pred fn, void *arg)
{
	struct htab_node *h, *nh;

	for (h = htab_first(&z->by_login, login_hash(&z->by_login, user, peer)); h; h = nh) {
		struct ezv_sess *o = htab_entry(h, struct ezv_sess, login_node);

		nh = htab_next(h);	/* fn may end (and free) o */
		if (!strcmp(o->user, user) && ezv_same_peer(&o->peer_sa, peer) && fn(o, arg))
			return o;
	}
	return NULL;
}

struct ezv_sess *ezv_sess_of_addr(struct ezv *z, uint32_t addr, ezv_sess_pred fn,
				  void *arg)
{
	struct htab_node *h, *nh;

	for (h = htab_first(&z->by_addr, htab_hash(&z->by_addr, &addr, sizeof(addr))); h;
	     h = nh) {
		struct ezv_sess *o = htab_entry(h, struct ezv_sess, addr_node);

		nh = htab_next(h);
		if (o->addr == addr && fn(o, arg))
			return o;
	}
	return NULL;
}

struct ezv_sess *ezv_sess_by_acct_id(struct ezv *z, const char *id)
{
	struct htab_node *h;

	if (!id[0])
		return NULL;
	htab_for_each(&z->by_acct, h, str_hash(&z->by_acct, id)) {
		struct ezv_sess *o = htab_entry(h, struct ezv_sess, acct_node);

		if (!strcmp(o->acct_session_id, id))
			return o;
	}
	return NULL;
}

struct ezv_sess *ezv_sess_get(struct ezv *z, struct evs_session *s)
{
	uint32_t id = evs_session_id(s);
	struct ezv_sess *x = ezv_sess_find(z, id);
	const struct sockaddr *peer;
	size_t plen;

	if (x) {
		x->refs++;
		return x;
	}
	/* room in the due-time heap now: ezv_due cannot fail later */
	if (dueh_reserve(&z->due, z->st.sessions + 1) < 0)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->z = z;
	x->s = s;
	x->id = id;
	x->refs = 1;
	ezv_sess_eff_init(x);
	x->start_ms = evs_session_now(s);
	x->active_ms = x->start_ms;
	x->server = evs_session_role(s) == EVS_ROLE_SERVER;
	peer = evs_session_peer_addr(s);
	plen = peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
	memcpy(&x->peer_sa, peer, plen);
	evs_sockaddr_str(peer, false, x->peer, sizeof(x->peer));
	x->next = z->sessions;
	if (x->next)
		x->next->pprev = &x->next;
	x->pprev = &z->sessions;
	z->sessions = x;
	htab_add(&z->by_id, &x->id_node, id_hash(z, id));
	z->st.sessions++;
	return x;
}

void ezv_sess_put(struct ezv_sess *x)
{
	struct ezv *z = x->z;

	if (--x->refs > 0)
		return;
	*x->pprev = x->next;
	if (x->next)
		x->next->pprev = x->pprev;
	htab_del(&z->by_id, &x->id_node);
	dueh_del(&z->due, &x->due);
	user_unlink(x);
	htab_del(&z->by_addr, &x->addr_node);
	htab_del(&z->by_acct, &x->acct_node);
	for (unsigned i = 0; i < x->n_conns; i++)
		htab_del(&z->by_conn, &x->cref[i].node);
	z->st.sessions--;
	free(x->sa);
	free(x->conns);
	free(x->cref);
	free(x->offer);
	if (x->xauth_req) {
		xauth_msg_wipe(x->xauth_req);
		free(x->xauth_req);
	}
	ezv_sess_eff_drop(x);
	sodium_memzero(x, sizeof(*x));
	free(x);
}

/* ---- live sessions ------------------------------------------------------ */

static bool sess_matches(const struct ezv_sess *x, const struct ezv_session_filter *f)
{
	if (!x->server)
		return false;
	if (!f)
		return true;
	return (!f->id || x->id == f->id) &&
	       (!f->user || !strcmp(x->user, f->user)) &&
	       (!f->group || !strcmp(x->group, f->group)) &&
	       (!f->addr || x->addr == f->addr) &&
	       (!f->addr6 || (x->have_addr6 && evs_prefix_eq(&x->addr6, f->addr6)));
}

static void info_of(const struct ezv_sess *x, struct ezv_session_info *i)
{
	struct ezv_traffic t;

	ezv_sess_traffic(x, &t);
	*i = (struct ezv_session_info){
		.id = x->id, .s = x->s, .user = x->user,
		.group = x->group, .pool = x->pool, .addr = x->addr,
		.addr6 = x->have_addr6 ? &x->addr6 : NULL,
		.peer = &x->peer_sa, .authenticated = x->authenticated,
		.start_ms = x->start_ms, .active_ms = x->active_ms,
		.rx_bytes = t.rx_bytes, .rx_packets = t.rx_packets,
		.tx_bytes = t.tx_bytes, .tx_packets = t.tx_packets,
		.n_conns = x->n_conns, .conns = x->conns,
		.acct_session_id = x->acct_session_id,
	};
}

struct walk_arg {
	const struct ezv_session_filter *f;
	ezv_session_fn fn;
	void *arg;
	unsigned n;
};

static bool walk_one(struct ezv_sess *x, void *arg)
{
	struct walk_arg *w = arg;
	struct ezv_session_info i;

	if (x->carried_on || !sess_matches(x, w->f))
		return false;	/* a renewed Phase 1 carries it on: listed there */
	w->n++;
	if (w->fn) {
		info_of(x, &i);
		w->fn(&i, w->arg);
	}
	return false;
}

/* A filter that names an id, a user or an IPv4 address looks in that
 * index; only a listing of all (or of a group, or by IPv6 address: an
 * operator's lookup, no index kept for it) walks every session. */
unsigned ezv_session_walk(struct ezv *z, const struct ezv_session_filter *f,
			  ezv_session_fn fn, void *arg)
{
	struct walk_arg w = { f, fn, arg, 0 };

	if (!z->ready)
		return 0;
	if (f && f->id) {
		struct ezv_sess *x = ezv_sess_find(z, f->id);

		if (x)
			walk_one(x, &w);
	} else if (f && f->user && f->user[0]) {
		ezv_sess_of_user(z, f->user, walk_one, &w);
	} else if (f && f->addr) {
		ezv_sess_of_addr(z, f->addr, walk_one, &w);
	} else {
		for (struct ezv_sess *x = z->sessions; x; x = x->next)
			walk_one(x, &w);
	}
	return w.n;
}

int ezv_session_disconnect(struct ezv *z, uint32_t id, enum evs_end_reason reason,
			   const char *why)
{
	struct ezv_sess *x = ezv_sess_find(z, id);

	if (!x || !x->server)
		return -1;
	evs_session_terminate(x->s, reason, why);
	return 0;
}

/* ---- group key lookup (aggressive mode) -------------------------------- */

const struct secret *ezv_psk_lookup(const struct isakmp_id *id,
				    const struct sockaddr *peer, void *arg)
{
	const struct ezv *z = arg;
	char addr[64];
	bool known = false;
	const struct secret *k;

	if (!z || !z->cfg || id->type != ISAKMP_ID_KEY_ID)
		return NULL;
	k = ezv_group_psk(z->cfg, id->data, id->len, &known);
	if (known)
		return k;
	evs_sockaddr_str(peer, false, addr, sizeof(addr));
	/* Said only in our log: the peer sees a wrong-key failure. */
	log_notice("easyvpn: %s asked for unknown group \"%s\"", addr,
		   log_peern(id->data, id->len > 63 ? 63 : id->len));
	return NULL;
}

/* ---- loop integration --------------------------------------------------- */

struct userdb *ezv_load_users(const char *path, struct evs_err *err)
{
	struct userdb *db = calloc(1, sizeof(*db));

	if (!db) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	userdb_init(db);
	/* A missing file is fine for RADIUS-only gateways; say so. */
	if (userdb_load(db, path, true, err)) {
		free(db);
		return NULL;
	}
	return db;
}

static void free_tables(struct ezv *z)
{
	htab_free(&z->by_id);
	htab_free(&z->by_user);
	htab_free(&z->user_heads);
	htab_free(&z->by_login);
	htab_free(&z->by_addr);
	htab_free(&z->by_acct);
	htab_free(&z->by_conn);
	ezv_claims_free(&z->claims);
	dueh_free(&z->due);
}

void ezv_log_config(const struct ike_config *ike, const struct easyvpn_config *cfg,
		    const struct userdb *db)
{
	if (!db->n && cfg->aaa.auth == EZV_AUTH_LOCAL && cfg->n_groups &&
	    ike->n_peers == 0)
		log_warn("easyvpn: %s holds no users; XAUTH logins will fail "
			 "(add some with: evsadm user add NAME group GROUP)", cfg->user_file);
	else
		log_info("easyvpn: %zu local users from %s", db->n, cfg->user_file);
	log_info("easyvpn: %zu groups, %zu user blocks, AAA %s%s, XAUTH %u tries, lockout %u "
		 "failures / %u s", cfg->n_groups, cfg->n_users,
		 ezv_auth_name(cfg->aaa.auth), cfg->aaa.accounting ? " + accounting" : "",
		 cfg->xauth.retries, cfg->xauth.lockout_failures,
		 cfg->xauth.lockout_seconds);
}

struct ezv *ezv_init(const struct ike_config *ike, struct easyvpn_config *cfg,
		     const struct ezv_kernel_ops *kops, void *karg, struct evs_err *err)
{
	struct ezv *z = calloc(1, sizeof(*z));
	struct userdb *db;

	if (!z) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	z->ike = ike;
	z->cfg = cfg;
	ezv_claims_init(&z->claims);
	dueh_init(&z->due);
	if (htab_init(&z->by_id) || htab_init(&z->by_user) || htab_init(&z->user_heads) ||
	    htab_init(&z->by_login) || htab_init(&z->by_addr) || htab_init(&z->by_acct) ||
	    htab_init(&z->by_conn)) {
		evs_errf(err, "out of memory");
		goto fail;
	}
	if (!cfg)
		return z;	/* no Easy VPN sections: nothing to do */
	ezv_config_defaults(ike, cfg);
	db = ezv_load_users(cfg->user_file, err);
	if (!db)
		goto fail;
	z->aaa = aaa_new(cfg, db, ike->timers.unauth_max, err);
	if (!z->aaa) {
		userdb_free(db);
		free(db);
		goto fail;
	}
	if (cfg->n_groups) {
		z->kops = kops;
		z->karg = karg;
	}
	xauth_rl_init(&z->rl, cfg->xauth.lockout_failures, cfg->xauth.lockout_seconds);
	z->dae_cache = ezv_dae_cache_new(cfg, NULL, NULL);
	if (cfg->aaa.dae.port && !z->dae_cache) {
		evs_errf(err, "out of memory");
		aaa_free(z->aaa);
		goto fail;
	}
	z->ready = true;
	ezv_log_config(ike, cfg, db);
	return z;
fail:
	free_tables(z);
	free(z);
	return NULL;
}

void ezv_attach(struct ezv *z, struct ike_engine *e)
{
	if (!z->ready)
		return;
	evs_session_register_step(e, &ezv_xauth_step, z);
	evs_session_register_step(e, &ezv_modecfg_step, z);
	evs_session_set_psk_lookup(e, ezv_psk_lookup, z);
}

void ezv_serve(struct ezv *z, unsigned adopted)
{
	if (z && z->ready && !adopted)
		ezv_acct_onoff(z, true);
}

void ezv_keep_sessions(struct ezv *z)
{
	if (z)
		z->sessions_kept = true;
}

void ezv_shutdown(struct ezv *z)
{
	if (!z)
		return;
	if (z->aaa) {
		/* the sessions' Stop records were queued before: Off comes last */
		if (z->ready && !z->sessions_kept)
			ezv_acct_onoff(z, false);
		aaa_drain(z->aaa);	/* accounting STOP records go out first */
		aaa_free(z->aaa);
	}
	while (z->nosave) {
		struct ezv_nosave *n = z->nosave;

		z->nosave = n->next;
		free(n);
	}
	ezv_dae_free(z);
	ezv_group_eff_drop(z);
	free_tables(z);
	free(z);
}

int ezv_fd(const struct ezv *z)
{
	return z->aaa ? aaa_fd(z->aaa) : -1;
}

bool ezv_idle(const struct ezv *z)
{
	return !z->aaa || aaa_idle(z->aaa);
}

void ezv_process(struct ezv *z)
{
	struct aaa_result r;

	if (!z->aaa)
		return;
	while (aaa_take_result(z->aaa, &r) == 1) {
		struct ezv_sess *x = ezv_sess_find(z, r.id);

		/* the session may have ended while the worker checked */
		if (x && x->server && x->aaa_pending && x->xauth_active) {
			x->aaa_pending = false;
			ezv_xauth_verdict(x, &r);
		}
		sodium_memzero(&r, sizeof(r));
	}
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* The earliest time due_visit has something to do for x (0 = none). */
static uint64_t sess_due(const struct ezv_sess *x)
{
	uint64_t at = x->xauth_active ? x->xauth_deadline : 0;

	if (x->acct_started)
		at = earlier(at, x->next_interim_ms);
	if (x->server)
		at = earlier(at, x->session_deadline_ms);
	return at;
}

void ezv_due(struct ezv_sess *x)
{
	/* cannot fail: ezv_sess_get reserved the session's slot */
	(void)dueh_set(&x->z->due, &x->due, sess_due(x));
}

void ezv_sess_set_session_timeout(struct ezv_sess *x, uint32_t secs, uint64_t now)
{
	x->session_deadline_ms = secs ? now + (uint64_t)secs * 1000 : 0;
	ezv_due(x);
}

/* One session whose time came: an overdue login gives up, an Interim
 * update goes out, a session past its Session-Timeout ends.  Holds a
 * reference so that x outlives what ends it; re-keyed if it lives on. */
static void due_visit(struct ezv_sess *x, uint64_t now)
{
	x->refs++;
	if (x->xauth_active && x->xauth_deadline && now >= x->xauth_deadline) {
		ezv_xauth_expire(x, now);
	} else {
		ezv_acct_interim(x, now);
		if (x->session_deadline_ms && x->server && now >= x->session_deadline_ms) {
			x->session_deadline_ms = 0;
			log_notice("%s: \"%s\": session timeout", evs_session_name(x->s),
				   x->user);
			evs_session_terminate(x->s, EVS_END_SESSION_TIMEOUT,
					      "session timeout");
		}
	}
	if (x->refs > 1) {	/* still held by its session */
		ezv_due(x);
		/* still due (a time that did not move): again in a second,
		 * the old tick's rate, so that ezv_tick's loop ends */
		if (x->due.idx && x->due.at <= now)
			(void)dueh_set(&x->z->due, &x->due, now + 1000);
	}
	ezv_sess_put(x);
}

uint64_t ezv_tick(struct ezv *z, uint64_t now)
{
	uint64_t next;
	struct dueh_node *n;

	if (!z->ready)
		return 1000;
	ezv_acct_tick(z, now);
	/* only the sessions with something due */
	while ((n = dueh_pop_due(&z->due, now)))
		due_visit(dueh_entry(n, struct ezv_sess, due), now);
	next = ezv_next_due(z);
	if (!next)
		return 60000;
	return next > now ? next - now : 1;
}

uint64_t ezv_next_due(const struct ezv *z)
{
	if (!z->ready)
		return 0;
	return earlier(z->kops ? z->next_sample : 0, dueh_next(&z->due));
}

void ezv_get_stats(const struct ezv *z, struct ezv_stats *st)
{
	*st = z->st;
}

unsigned ezv_leases(const struct ezv *z)
{
	return z->cfg && z->cfg->pools ? pool_leased_total(z->cfg->pools) : 0;
}

unsigned ezv_pool6_walk(const struct ezv *z, ezv_pool6_fn fn, void *arg)
{
	size_t n = z->cfg && z->cfg->pools6 ? pool6_count(z->cfg->pools6) : 0;
	struct pool6_info pi;

	for (size_t i = 0; i < n; i++)
		if (!pool6_get_info_at(z->cfg->pools6, i, &pi) && fn)
			fn(&pi, arg);
	return (unsigned)n;
}

unsigned ezv_pool_walk(const struct ezv *z, ezv_pool_fn fn, void *arg)
{
	size_t n = z->cfg && z->cfg->pools ? pool_count(z->cfg->pools) : 0;
	struct pool_info pi;

	for (size_t i = 0; i < n; i++)
		if (!pool_get_info_at(z->cfg->pools, i, &pi) && fn)
			fn(&pi, arg);
	return (unsigned)n;
}

static const char *const refusal_names[EZV_REFUSE__COUNT] = {
	[EZV_REFUSE_CREDENTIALS] = "bad_credentials",
	[EZV_REFUSE_LOCKED_OUT] = "locked_out",
	[EZV_REFUSE_NO_GROUP] = "no_group",
	[EZV_REFUSE_GROUP_LOCK] = "group_lock",
	[EZV_REFUSE_MAX_LOGINS] = "max_logins",
	[EZV_REFUSE_AAA_BUSY] = "aaa_busy",
	[EZV_REFUSE_TIMEOUT] = "login_timeout",
	[EZV_REFUSE_NO_ADDRESS] = "no_address",
	[EZV_REFUSE_FIREWALL] = "no_firewall",
};

const char *ezv_refusal_name(enum ezv_refusal r)
{
	return (unsigned)r < EZV_REFUSE__COUNT ? refusal_names[r] : "?";
}
