// SPDX-License-Identifier: MIT
/*
 * A gateway engine restarted under a live session (sa_state.h): the
 * session's record is taken, the engine dies without a word to the peer
 * (kill -9), a new engine adopts the record, and the client's engine,
 * which never noticed, goes on: DPD both ways, a replayed old message
 * refused, a quick mode rekey keyed the same on both ends, and the
 * client's delete removing the adopted connection.  DPD does not rewrite
 * the record.  Damaged records are refused and leave nothing behind.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "ike/engine/ikesa.h"
#include "ike/engine/info.h"
#include "ike/engine/phase2.h"
#include "ike/engine/sa_state.h"
#include "ike/engine/session.h"
#include "lib/daemon_log.h"
#include "lib/jsonw.h"
#include "lib/secret.h"
#include "tests/unit/conf_text.h"
#include "tests/unit/ike_conf.h"
#include "tests/unit/unit.h"

#include "tests/unit/ike_pair.h"

static const char gw_conf[] =
	CONF_IKE_POLICY_10
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n"
	"    dpd-interval 10\n"
	"    dpd-retries 3\n"
	"}\n";

static const char phone_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n"
	"    dpd-interval 10\n"
	"    dpd-retries 3\n"
	"}\n"
	CONF_PEER_GW_AGGRESSIVE;

/* A login step with a state of its own, carried over by save/restore:
 * the gateway's session logs in as "alice" with tag 42. */
struct login_state {
	int tag;
	bool restored;
};
static unsigned logins_ended, logins_restored;
/* The phone proposes its outer address as IDci. */
static const struct evs_prefix phone_inner = {
	.family = AF_INET, .plen = 32, .addr = { 198, 51, 100, 2 },
};

static int login_begin(struct evs_session *s, void *arg, void **state)
{
	struct login_state *ls;

	(void)arg;
	if (evs_session_role(s) != EVS_ROLE_SERVER)
		return EVS_STEP_SKIP;
	ls = calloc(1, sizeof(*ls));
	ls->tag = 42;
	*state = ls;
	evs_session_set_authorized(s, "alice");
	evs_session_set_label(s, "alice");
	evs_session_set_inner(s, &phone_inner);
	return EVS_STEP_SKIP;
}

static void login_end(struct evs_session *s, void **state)
{
	(void)s;
	if (*state)
		logins_ended++;
	free(*state);
	*state = NULL;
}

static bool login_save(struct evs_session *s, void **state, struct jsonw *w)
{
	struct login_state *ls = *state;

	(void)s;
	if (!ls)
		return false;
	jsonw_c(w, '{');
	jsonw_put_u64(w, "tag", (uint64_t)ls->tag);
	jsonw_c(w, '}');
	return true;
}

static int login_restore(struct evs_session *s, void *arg, void **state,
			 struct json_object *o, struct evs_err *why)
{
	struct json_object *t;
	struct login_state *ls;

	(void)s;
	(void)arg;
	if (!o || !json_object_object_get_ex(o, "tag", &t))
		return evs_errf(why, "login: no tag");
	ls = calloc(1, sizeof(*ls));
	ls->tag = json_object_get_int(t);
	ls->restored = true;
	*state = ls;
	logins_restored++;
	return 0;
}

static const struct evs_post_phase1_ops login_step = {
	.name = "login",
	.begin = login_begin,
	.end = login_end,
	.save = login_save,
	.restore = login_restore,
};

static void hooks(struct ike_engine *e)
{
	evs_session_register_step(e, &login_step, NULL);
	evs_session_set_psk_lookup(e, sales_key_lookup, NULL);
}

static struct ike_sa *live_sa(struct side *s)
{
	for (struct ike_sa *sa = s->e->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

/* A gateway and a phone with one session and one connection up. */
static void session_up(struct side *gw, struct side *ph)
{
	struct sockaddr_storage local;

	evsd_log_set_quiet(true);
	nat_on = false;
	logins_ended = logins_restored = 0;
	side_open(gw, "server", gw_conf, EVS_ROLE_SERVER, hooks);
	side_open(ph, "client", phone_conf, EVS_ROLE_CLIENT, hooks);
	set_addr(&local, "198.51.100.2", 500);
	UNIT_ASSERT(ike_engine_connect(ph->e, &ph->cfg.ike.peers[0], &local));
	pump(ph, gw);
	UNIT_ASSERT(live_sa(gw) && live_sa(gw)->state == IKE_S_READY);
	UNIT_ASSERT(live_sa(ph) && live_sa(ph)->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(gw->n_kadd, 1);
	UNIT_ASSERT_EQ_INT(ph->n_kadd, 1);
}

/* sa's record parsed, as a restart reads it (NULL: none). */
static struct json_object *record_object(const struct ike_sa *sa)
{
	struct json_object *o;
	size_t len;
	char *t = ike_sa_state_text(sa, &len);

	if (!t)
		return NULL;
	o = json_tokener_parse(t);
	sodium_memzero(t, len);
	free(t);
	return o;
}

/* The gateway's session as text, the way evsd writes it. */
static char *record_text(struct side *gw)
{
	struct json_object *o = record_object(live_sa(gw));
	char *t;

	UNIT_ASSERT(o);
	t = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return t;
}

/* A session up, and the gateway's record of it (free it). */
static char *session_recorded(struct side *gw, struct side *ph)
{
	session_up(gw, ph);
	return record_text(gw);
}

/* kill -9: the engine goes and nothing it would say reaches the peer or
 * the kernel; a new engine starts on the same configuration. */
static void gateway_killed(struct side *gw)
{
	unsigned kadd = gw->n_kadd;

	ike_engine_free(gw->e);
	flush_q(gw);
	gw->n_kdel = 0;
	gw->n_kdel_sas = 0;
	gw->n_kadd = kadd;
	gw->e = ike_engine_new(&gw->cfg.ike, EVS_ROLE_SERVER, &fake_ops, gw);
	UNIT_ASSERT(gw->e);
	hooks(gw->e);
	ike_engine_set_time(gw->e, now_ms);
}

static struct ike_sa *adopt(struct side *gw, const char *text, struct evs_err *err)
{
	struct json_object *o = json_tokener_parse(text);
	struct ike_sa *sa;

	UNIT_ASSERT(o);
	sa = ike_sa_state_restore(gw->e, o, err);
	json_object_put(o);
	return sa;
}

UNIT_TEST(adopted_session_answers_dpd_rekey_and_delete)
{
	struct side gw, ph;
	struct ike_sa *s, *c;
	struct evs_err err;
	struct pkt old;
	uint32_t conn_id, old_spi_in;
	unsigned sent;
	char *rec;

	session_up(&gw, &ph);
	s = live_sa(&gw);
	conn_id = s->conns->id;
	old_spi_in = s->conns->spi_in;
	/* A message of the phone's from before the restart, kept to replay. */
	{
		uint32_t be = htonl(7);

		UNIT_ASSERT(info_send_notify(live_sa(&ph), ISAKMP_N_R_U_THERE,
					     ISAKMP_PROTO_ISAKMP, NULL, 0, &be, 4) == 0);
		old = ph.q[0];
		old.buf = malloc(old.len);
		memcpy(old.buf, ph.q[0].buf, old.len);
		pump(&ph, &gw);
	}
	rec = record_text(&gw);
	UNIT_ASSERT(strstr(rec, "\"user\":\"alice\""));
	UNIT_ASSERT(strstr(rec, "\"login\":{\"tag\":42}"));
	gateway_killed(&gw);
	UNIT_ASSERT_EQ_INT(logins_ended, 1);	/* the old engine's, not sent */
	UNIT_ASSERT(live_sa(&gw) == NULL);

	s = adopt(&gw, rec, &err);
	if (!s)
		UNIT_FAIL("not adopted: %s", err.msg);
	UNIT_ASSERT_EQ_INT(s->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT(logins_restored, 1);
	UNIT_ASSERT(((struct login_state *)s->step_state[0])->restored);
	UNIT_ASSERT_EQ_INT(((struct login_state *)s->step_state[0])->tag, 42);
	UNIT_ASSERT(s->conns && s->conns->id == conn_id && !s->conns->next);
	UNIT_ASSERT(ike_engine_counts_ok(gw.e));
	/* Nothing was installed again: the kernel kept it. */
	UNIT_ASSERT_EQ_INT(gw.n_kadd, 1);
	/* A new connection never takes the adopted one's id. */
	UNIT_ASSERT(gw.e->next_conn_id > conn_id);

	/* The replayed message: known, refused, unanswered. */
	sent = gw.sent;
	ph.q[0] = old;
	ph.nq = 1;
	deliver(&ph, &gw, 0);
	flush_q(&ph);
	UNIT_ASSERT_EQ_INT(gw.e->stats.rx_replay, 1);
	UNIT_ASSERT_EQ_INT(gw.sent, sent);

	/* DPD both ways for two minutes: each side's probes are answered by
	 * the other, so neither declares the other dead. */
	sent = gw.sent;
	idle(&ph, &gw, 120);
	UNIT_ASSERT(gw.sent > sent);		/* the adopted side probed */
	UNIT_ASSERT(live_sa(&gw) == s && s->state == IKE_S_READY);
	UNIT_ASSERT(live_sa(&ph) && live_sa(&ph)->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(gw.e->stats.dpd_dead, 0);
	UNIT_ASSERT_EQ_INT(ph.e->stats.dpd_dead, 0);
	UNIT_ASSERT_EQ_INT(gw.e->stats.rx_malformed, 0);

	/* The phone rekeys its connection: the adopted SA's SKEYID_d/a and
	 * IV base key the same pair on both ends. */
	c = live_sa(&ph);
	UNIT_ASSERT(qm_initiate(c, &c->conns->local, &c->conns->remote, c->conns) == 0);
	pump(&ph, &gw);
	UNIT_ASSERT_EQ_INT(gw.n_kadd, 2);
	UNIT_ASSERT_EQ_INT(ph.n_kadd, 2);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.conn_id, conn_id);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.old_spi_in, old_spi_in);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.spi_in, ph.kadd[1].c.spi_out);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.spi_out, ph.kadd[1].c.spi_in);
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].enc_in, ph.kadd[1].enc_out, gw.kadd[1].c.enc_len);
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].auth_out, ph.kadd[1].auth_in, gw.kadd[1].c.auth_len);

	/* The phone leaves: its deletes remove the adopted connection from
	 * the gateway's kernel and end the adopted session. */
	ike_engine_shutdown(ph.e);
	pump(&ph, &gw);
	UNIT_ASSERT_EQ_INT(gw.n_kdel, 1);
	UNIT_ASSERT_EQ_INT(gw.kdel[0], conn_id);
	UNIT_ASSERT(live_sa(&gw) == NULL);
	UNIT_ASSERT_EQ_INT(logins_ended, 2);
	UNIT_ASSERT(ike_engine_counts_ok(gw.e));
	free(rec);
	pair_close(&ph, &gw);
}

/* What the gateway sends as itself after adoption (its DPD probe) is
 * accepted by the phone: it checks the IV and HASH the phone expects. */
UNIT_TEST(adopted_session_dpd_probe_is_answered)
{
	struct side gw, ph;
	struct ike_sa *s;
	struct evs_err err;
	char *rec;

	rec = session_recorded(&gw, &ph);
	gateway_killed(&gw);
	s = adopt(&gw, rec, &err);
	UNIT_ASSERT(s);
	/* The phone falls silent for a while (its probes are lost), then
	 * hears the gateway's: it answers, and the gateway counts it. */
	for (int i = 0; i < 15; i++) {
		tick(&ph, &gw, 1000);
		flush_q(&ph);
		pump(&gw, &ph);
	}
	UNIT_ASSERT_EQ_INT(s->dpd_unanswered, 0);
	UNIT_ASSERT(s->state == IKE_S_READY);
	UNIT_ASSERT(gw.e->stats.rx > 0);
	free(rec);
	pair_close(&ph, &gw);
}

/* ike_sa_state_text writes json-c's plain form itself: json-c prints
 * what it parses of it back byte for byte, escapes included (a user
 * name is the peer's choice), and the session adopted from it works. */
UNIT_TEST(record_text_is_json_c_plain_form)
{
	static const char user[] = "a\"b\\c/d\te\001f\nz\x7f\xc3\xa9";
	struct side gw, ph;
	struct json_object *o, *u;
	struct ike_sa *s;
	struct evs_err err;
	size_t len;
	char *t;

	session_up(&gw, &ph);
	s = live_sa(&gw);
	memcpy(s->user, user, sizeof(user));
	t = ike_sa_state_text(s, &len);
	UNIT_ASSERT(t);
	UNIT_ASSERT_EQ_INT(strlen(t), len);
	o = json_tokener_parse(t);
	UNIT_ASSERT(o);
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), t);
	UNIT_ASSERT(json_object_object_get_ex(o, "user", &u));
	UNIT_ASSERT_EQ_STR(json_object_get_string(u), user);
	UNIT_ASSERT(strstr(t, "\"msgids\":[") && strstr(t, "\"conns\":[{"));
	json_object_put(o);
	gateway_killed(&gw);
	s = adopt(&gw, t, &err);
	UNIT_ASSERT(s);
	UNIT_ASSERT_EQ_STR(s->user, user);
	free(t);
	pair_close(&ph, &gw);
}

/* The gateway's record as evsd keeps it: rewritten on each report. */
static unsigned n_written;
static char *written;

static void rec_changed(void *arg, struct ike_sa *sa)
{
	struct json_object *o = record_object(sa);

	(void)arg;
	if (!o)
		return;
	n_written++;
	free(written);
	written = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static const struct ike_engine_ops rec_ops = {
	FAKE_NET_AND_KERNEL_OPS,
	.sa_changed = rec_changed,
};

/* DPD does not rewrite the record (with 1,000 sessions and DPD every
 * 10 s that was 200-300 writes a second): two minutes of probes both ways cost at most
 * one write (the sequence's block boundary), and the record written
 * before them still adopts; the adopted gateway probes above every
 * sequence number it had sent, and both ends go on. */
UNIT_TEST(dpd_does_not_rewrite_the_record)
{
	struct side gw, ph;
	struct ike_sa *s;
	struct evs_err err;
	uint32_t seq0, seq;

	session_up(&gw, &ph);
	gw.e->ops = &rec_ops;
	n_written = 0;
	ike_sa_changed(live_sa(&gw));
	ike_engine_report_changes(gw.e);
	UNIT_ASSERT_EQ_INT(n_written, 1);
	seq0 = live_sa(&gw)->dpd_seq;
	idle(&ph, &gw, 120);
	seq = live_sa(&gw)->dpd_seq;
	UNIT_ASSERT(seq > seq0);		/* the gateway probed */
	UNIT_ASSERT(gw.e->stats.rx > 10);	/* and was probed */
	UNIT_ASSERT(n_written <= 2);

	gateway_killed(&gw);
	s = adopt(&gw, written, &err);
	if (!s)
		UNIT_FAIL("not adopted: %s", err.msg);
	UNIT_ASSERT(s->dpd_seq > seq);
	idle(&ph, &gw, 60);
	UNIT_ASSERT(live_sa(&gw) == s && s->state == IKE_S_READY);
	UNIT_ASSERT(live_sa(&ph) && live_sa(&ph)->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(gw.e->stats.dpd_dead, 0);
	UNIT_ASSERT_EQ_INT(ph.e->stats.dpd_dead, 0);
	UNIT_ASSERT_EQ_INT(s->dpd_unanswered, 0);
	free(written);
	written = NULL;
	pair_close(&ph, &gw);
}

/* Changes are queued and reported once per SA, when the engine call that
 * made them ends or when the daemon asks: twice changed, once written. */
UNIT_TEST(changes_are_reported_once)
{
	struct side gw, ph;

	session_up(&gw, &ph);
	gw.e->ops = &rec_ops;
	n_written = 0;
	ike_sa_changed(live_sa(&gw));
	ike_sa_changed(live_sa(&gw));
	UNIT_ASSERT_EQ_INT(n_written, 0);
	ike_engine_report_changes(gw.e);
	UNIT_ASSERT_EQ_INT(n_written, 1);
	ike_engine_report_changes(gw.e);
	UNIT_ASSERT_EQ_INT(n_written, 1);
	/* A change made outside the engine goes out with the next call's. */
	ike_sa_changed(live_sa(&gw));
	ike_engine_set_time(gw.e, now_ms);
	ike_engine_tick(gw.e);
	UNIT_ASSERT_EQ_INT(n_written, 2);
	free(written);
	written = NULL;
	pair_close(&ph, &gw);
}

/* Everything one datagram changes in a session is one record write (the
 * record is the session's whole state: a second write in the same
 * datagram only repeats the first, a syscall sequence each), and the
 * last write has the session as it is. */
UNIT_TEST(one_datagram_writes_the_record_once)
{
	struct sockaddr_storage local;
	unsigned most = 0, total = 0;
	struct side gw, ph;

	evsd_log_set_quiet(true);
	nat_on = false;
	side_open(&gw, "server", gw_conf, EVS_ROLE_SERVER, hooks);
	side_open(&ph, "client", phone_conf, EVS_ROLE_CLIENT, hooks);
	gw.e->ops = &rec_ops;
	n_written = 0;
	set_addr(&local, "198.51.100.2", 500);
	UNIT_ASSERT(ike_engine_connect(ph.e, &ph.cfg.ike.peers[0], &local));
	for (int round = 0; round < 50 && (ph.nq || gw.nq); round++) {
		while (ph.nq) {
			struct side one = { .name = ph.name };
			unsigned before = n_written;

			one.q[0] = ph.q[0];
			one.nq = 1;
			memmove(ph.q, ph.q + 1, sizeof(ph.q[0]) * --ph.nq);
			deliver(&one, &gw, 0);
			free(one.q[0].buf);
			if (n_written - before > most)
				most = n_written - before;
		}
		while (gw.nq) {
			struct side one = { .name = gw.name };

			one.q[0] = gw.q[0];
			one.nq = 1;
			memmove(gw.q, gw.q + 1, sizeof(gw.q[0]) * --gw.nq);
			deliver(&one, &ph, 0);
			free(one.q[0].buf);
		}
	}
	total = n_written;
	printf("# %u record writes for the session, at most %u per datagram\n",
	       total, most);
	UNIT_ASSERT(live_sa(&gw) && live_sa(&gw)->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(gw.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(most, 1);
	UNIT_ASSERT(written && strstr(written, "\"conns\""));
	free(written);
	written = NULL;
	pair_close(&ph, &gw);
}

/* Damaged records: each refused with a reason, nothing left in the
 * engine, the counts intact. */
static char *replaced_in(const char *text, const char *key, const char *val)
{
	/* "key":<value> -> "key":val (the value up to the next , or }). */
	char pat[64];
	const char *p, *q;
	char *out;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(text, pat);
	UNIT_ASSERT(p);
	p += strlen(pat);
	q = p;
	if (*q == '"')
		q = strchr(q + 1, '"') + 1;
	else
		while (*q && *q != ',' && *q != '}')
			q++;
	out = malloc(strlen(text) + strlen(val) + 1);
	memcpy(out, text, (size_t)(p - text));
	strcpy(out + (p - text), val);
	strcat(out, q);
	return out;
}

UNIT_TEST(damaged_records_are_refused)
{
	static const struct { const char *key, *val; } bad[] = {
		{ "version", "2" },
		{ "skeyid_a", "\"00\"" },		/* wrong length */
		{ "skeyid_d", "\"zz\"" },		/* not hex */
		{ "enc_key", "1" },			/* wrong type */
		{ "cky_i", "\"0011\"" },
		{ "iv", "\"00\"" },
		{ "remote", "\"not-an-address\"" },
		{ "user", "\"\"" },
		{ "inner", "\"10.1.2.3/99\"" },
		{ "msgids", "[0]" },
		{ "serial", "0" },
		{ "exch", "5" },
		{ "encr", "999" },
		{ "spi_in", "0" },
		{ "tag", "\"x\"" },			/* the step's own part */
	};
	struct side gw, ph;
	struct evs_err err;
	char *rec;

	rec = session_recorded(&gw, &ph);
	gateway_killed(&gw);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = replaced_in(rec, bad[i].key, bad[i].val);
		struct ike_sa *sa;

		err.msg[0] = 0;
		sa = adopt(&gw, t, &err);
		if (sa && !strcmp(bad[i].key, "tag")) {
			/* json_object_get_int("x") is 0: the step takes it;
			 * not the engine's to judge. */
			ike_sa_kill(sa, EVS_END_ERROR, "test", false, false);
		} else if (sa) {
			UNIT_FAIL("%s=%s adopted", bad[i].key, bad[i].val);
		} else {
			UNIT_ASSERT(err.msg[0]);
		}
		UNIT_ASSERT(live_sa(&gw) == NULL);
		UNIT_ASSERT(ike_engine_counts_ok(gw.e));
		tick(&ph, &gw, 1);
		flush_q(&gw);
		flush_q(&ph);
		free(t);
	}
	/* No connection was touched in the kernel by any refusal. */
	UNIT_ASSERT_EQ_INT(gw.n_kdel, 0);
	/* The record itself still adopts, once; a second copy is refused
	 * (its cookies are taken). */
	UNIT_ASSERT(adopt(&gw, rec, &err));
	UNIT_ASSERT(!adopt(&gw, rec, &err));
	free(rec);
	pair_close(&ph, &gw);
}

/* An HA standby (Documentation/ha.md): the record, adopted by an engine
 * whose kernel holds nothing, installs the same pair again -- the keys the
 * first install used, the outbound SA starting past the given sequence
 * number -- and the session goes on: DPD answered both ways. */
UNIT_TEST(standby_installs_the_same_pair_and_goes_on)
{
	struct side gw, ph;
	struct ike_sa *s;
	struct evs_err err;
	char *rec;

	rec = session_recorded(&gw, &ph);
	UNIT_ASSERT(strstr(rec, "\"key_in\":\""));
	UNIT_ASSERT(strstr(rec, "\"key_out\":\""));
	gateway_killed(&gw);
	s = adopt(&gw, rec, &err);
	if (!s)
		UNIT_FAIL("not adopted: %s", err.msg);
	UNIT_ASSERT_EQ_INT(gw.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(conn_reinstall(s, s->conns, 5000000, 4321), 0);
	UNIT_ASSERT_EQ_INT(gw.n_kadd, 2);
	UNIT_ASSERT(gw.kadd[1].c.new_conn);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.conn_id, gw.kadd[0].c.conn_id);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.spi_in, gw.kadd[0].c.spi_in);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.spi_out, gw.kadd[0].c.spi_out);
	UNIT_ASSERT(gw.kadd[1].c.oseq == 5000000);
	UNIT_ASSERT(gw.kadd[0].c.oseq == 0);
	UNIT_ASSERT(gw.kadd[1].c.iseq == 4321);
	UNIT_ASSERT(gw.kadd[0].c.iseq == 0);
	UNIT_ASSERT_EQ_INT(gw.kadd[1].c.enc_len, gw.kadd[0].c.enc_len);
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].enc_in, gw.kadd[0].enc_in, gw.kadd[0].c.enc_len);
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].enc_out, gw.kadd[0].enc_out, gw.kadd[0].c.enc_len);
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].auth_in, gw.kadd[0].auth_in, gw.kadd[0].c.auth_len);
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].auth_out, gw.kadd[0].auth_out, gw.kadd[0].c.auth_len);
	/* the phone's keys match: the pair works */
	UNIT_ASSERT_MEM_EQ(gw.kadd[1].enc_in, ph.kadd[0].enc_out, gw.kadd[0].c.enc_len);
	UNIT_ASSERT(gw.kadd[1].c.hard_secs >= 60);
	idle(&ph, &gw, 60);
	UNIT_ASSERT(live_sa(&gw) == s && s->state == IKE_S_READY);
	UNIT_ASSERT(live_sa(&ph) && live_sa(&ph)->state == IKE_S_READY);
	/* A record without keys (an evsd before HA) cannot be installed. */
	secret_free(s->conns->key_in);
	s->conns->key_in = NULL;
	UNIT_ASSERT_EQ_INT(conn_reinstall(s, s->conns, 1, 0), -1);
	UNIT_ASSERT_EQ_INT(gw.n_kadd, 2);
	free(rec);
	pair_close(&ph, &gw);
}

UNIT_MAIN()
