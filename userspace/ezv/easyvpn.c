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

struct ezv_sess *ezv_sess_find(struct ezv *z, uint32_t id)
{
	for (struct ezv_sess *x = z->sessions; x; x = x->next)
		if (x->id == id)
			return x;
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
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->z = z;
	x->s = s;
	x->id = id;
	x->refs = 1;
	x->start_ms = evs_session_now(s);
	x->active_ms = x->start_ms;
	x->server = evs_session_role(s) == EVS_ROLE_SERVER;
	peer = evs_session_peer_addr(s);
	plen = peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
	memcpy(&x->peer_sa, peer, plen);
	evs_sockaddr_str(peer, false, x->peer, sizeof(x->peer));
	x->next = z->sessions;
	z->sessions = x;
	z->st.sessions++;
	return x;
}

void ezv_sess_put(struct ezv_sess *x)
{
	struct ezv *z = x->z;

	if (--x->refs > 0)
		return;
	for (struct ezv_sess **pp = &z->sessions; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	z->st.sessions--;
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
	       (!f->addr || x->addr == f->addr);
}

unsigned ezv_session_walk(struct ezv *z, const struct ezv_session_filter *f,
			  ezv_session_fn fn, void *arg)
{
	unsigned n = 0;

	for (struct ezv_sess *x = z->sessions; x; x = x->next) {
		struct ezv_session_info i;
		struct ezv_traffic t;

		if (!sess_matches(x, f))
			continue;
		ezv_sess_traffic(x, &t);
		i = (struct ezv_session_info){
			.id = x->id, .s = x->s, .user = x->user,
			.group = x->group, .pool = x->pool, .addr = x->addr,
			.peer = &x->peer_sa, .authenticated = x->authenticated,
			.start_ms = x->start_ms, .active_ms = x->active_ms,
			.rx_bytes = t.rx_bytes, .rx_packets = t.rx_packets,
			.tx_bytes = t.tx_bytes, .tx_packets = t.tx_packets,
			.n_conns = x->n_conns, .conns = x->conns,
			.acct_session_id = x->acct_session_id,
		};
		n++;
		if (fn)
			fn(&i, arg);
	}
	return n;
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
	if (!cfg)
		return z;	/* no Easy VPN sections: nothing to do */
	db = ezv_load_users(cfg->user_file, err);
	if (!db)
		goto fail;
	z->aaa = aaa_new(cfg, db, err);
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
	z->ready = true;
	ezv_log_config(ike, cfg, db);
	return z;
fail:
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

void ezv_shutdown(struct ezv *z)
{
	if (!z)
		return;
	if (z->aaa) {
		aaa_drain(z->aaa);	/* accounting STOP records go out first */
		aaa_free(z->aaa);
	}
	while (z->nosave) {
		struct ezv_nosave *n = z->nosave;

		z->nosave = n->next;
		free(n);
	}
	free(z);
}

int ezv_fd(const struct ezv *z)
{
	return z->aaa ? aaa_fd(z->aaa) : -1;
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

uint64_t ezv_tick(struct ezv *z, uint64_t now)
{
	uint64_t next = 1000;

	if (!z->ready)
		return next;
	ezv_acct_tick(z, now);
	for (struct ezv_sess *x = z->sessions, *nx; x; x = nx) {
		nx = x->next;
		/* may end the session and free x (nx was taken first) */
		ezv_xauth_expire(x, now);
	}
	return next;
}

void ezv_get_stats(const struct ezv *z, struct ezv_stats *st)
{
	*st = z->st;
}

unsigned ezv_leases(const struct ezv *z)
{
	return z->cfg && z->cfg->pools ? pool_leased_total(z->cfg->pools) : 0;
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
