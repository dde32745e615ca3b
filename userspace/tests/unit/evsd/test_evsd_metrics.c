// SPDX-License-Identifier: MIT
/* Metrics: the Prometheus text (prom.c) line by line, label escaping, the
 * metrics directives of evsd.conf, the atomic file write (metrics.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evsd/config.h"
#include "evsd/loop.h"
#include "evsd/metrics.h"
#include "evsd/prom.h"
#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "lib/conftree.h"
#include "lib/daemon_log.h"
#include "tests/unit/conf_text.h"
#include "tests/unit/unit.h"

/* Compares text with want line by line and names the first difference. */
static void assert_lines(const char *text, const char *want)
{
	unsigned line = 1;

	while (*text || *want) {
		size_t a = strcspn(text, "\n"), b = strcspn(want, "\n");

		if (a != b || memcmp(text, want, a))
			UNIT_FAIL("line %u: got \"%.*s\", want \"%.*s\"", line,
				  (int)a, text, (int)b, want);
		if (!text[a] || !want[b]) {
			if (text[a] != want[b])
				UNIT_FAIL("line %u: one text ends without a newline", line);
			break;
		}
		text += a + 1;
		want += b + 1;
		line++;
	}
}

static const char head[] =
	"# HELP evs_build_info The evsd version, as a label; always 1.\n"
	"# TYPE evs_build_info gauge\n"
	"evs_build_info{version=\"1.2.3\"} 1\n"
	"# HELP evs_start_time_seconds When evsd started, seconds since the epoch.\n"
	"# TYPE evs_start_time_seconds gauge\n"
	"evs_start_time_seconds 1764600000\n"
	"# HELP evs_ike_received_datagrams_total IKE datagrams received on UDP 500 and 4500.\n"
	"# TYPE evs_ike_received_datagrams_total counter\n"
	"evs_ike_received_datagrams_total 100\n"
	"# HELP evs_ike_sent_datagrams_total IKE datagrams sent, retransmissions included.\n"
	"# TYPE evs_ike_sent_datagrams_total counter\n"
	"evs_ike_sent_datagrams_total 90\n"
	"# HELP evs_ike_dropped_datagrams_total IKE datagrams not processed, by reason (a duplicate may be answered with the last reply).\n"
	"# TYPE evs_ike_dropped_datagrams_total counter\n"
	"evs_ike_dropped_datagrams_total{reason=\"malformed\"} 1\n"
	"evs_ike_dropped_datagrams_total{reason=\"duplicate\"} 2\n"
	"evs_ike_dropped_datagrams_total{reason=\"replay\"} 15\n"
	"evs_ike_dropped_datagrams_total{reason=\"unknown_sa\"} 3\n"
	"evs_ike_dropped_datagrams_total{reason=\"rate_limited\"} 4\n"
	"evs_ike_dropped_datagrams_total{reason=\"half_open_full\"} 5\n"
	"evs_ike_dropped_datagrams_total{reason=\"source_full\"} 13\n"
	"evs_ike_dropped_datagrams_total{reason=\"unauthenticated_full\"} 14\n"
	"# HELP evs_ike_retransmits_total IKE messages retransmitted after no answer.\n"
	"# TYPE evs_ike_retransmits_total counter\n"
	"evs_ike_retransmits_total 6\n"
	"# HELP evs_ike_timer_visits_total ISAKMP SAs the timer ticks looked at, each because a timer of it was due.\n"
	"# TYPE evs_ike_timer_visits_total counter\n"
	"evs_ike_timer_visits_total 17\n"
	"# HELP evs_ike_phase1_exchanges_total Phase 1 exchanges (ISAKMP SAs) completed or failed.\n"
	"# TYPE evs_ike_phase1_exchanges_total counter\n"
	"evs_ike_phase1_exchanges_total{result=\"ok\"} 7\n"
	"evs_ike_phase1_exchanges_total{result=\"failed\"} 8\n"
	"# HELP evs_ike_phase2_exchanges_total Quick mode exchanges (Phase 2 SA pairs) completed or failed.\n"
	"# TYPE evs_ike_phase2_exchanges_total counter\n"
	"evs_ike_phase2_exchanges_total{result=\"ok\"} 9\n"
	"evs_ike_phase2_exchanges_total{result=\"failed\"} 10\n"
	"# HELP evs_ike_exchanges_refused_total Exchanges refused because an ISAKMP SA had exchanges-max open.\n"
	"# TYPE evs_ike_exchanges_refused_total counter\n"
	"evs_ike_exchanges_refused_total 16\n"
	"# HELP evs_ike_dpd_dead_peers_total Peers declared dead by dead peer detection.\n"
	"# TYPE evs_ike_dpd_dead_peers_total counter\n"
	"evs_ike_dpd_dead_peers_total 11\n"
	"# HELP evs_ike_dpd_backlog_waits_total Dead peer verdicts that waited for the daemon to read its input queue up to the last probe.\n"
	"# TYPE evs_ike_dpd_backlog_waits_total counter\n"
	"evs_ike_dpd_backlog_waits_total 18\n"
	"# HELP evs_ike_half_open_evicted_total Half-open ISAKMP SAs evicted to admit a newer one.\n"
	"# TYPE evs_ike_half_open_evicted_total counter\n"
	"evs_ike_half_open_evicted_total 12\n"
	"# HELP evs_ike_half_open_sas Responder ISAKMP SAs in Phase 1 now.\n"
	"# TYPE evs_ike_half_open_sas gauge\n"
	"evs_ike_half_open_sas 2\n"
	"# HELP evs_ike_unauthenticated_sas ISAKMP SAs past Phase 1 not yet through XAUTH and mode config now.\n"
	"# TYPE evs_ike_unauthenticated_sas gauge\n"
	"evs_ike_unauthenticated_sas 1\n";

static const char easyvpn[] =
	"# HELP evs_sessions Easy VPN sessions logged in (through XAUTH) now.\n"
	"# TYPE evs_sessions gauge\n"
	"evs_sessions 2\n"
	"# HELP evs_logins_total XAUTH logins accepted or refused.\n"
	"# TYPE evs_logins_total counter\n"
	"evs_logins_total{result=\"accepted\"} 20\n"
	"evs_logins_total{result=\"refused\"} 3\n"
	"# HELP evs_lockouts_total Logins refused because the source was locked out after failures.\n"
	"# TYPE evs_lockouts_total counter\n"
	"evs_lockouts_total 1\n"
	"# HELP evs_leases Client addresses leased now (pools and fixed).\n"
	"# TYPE evs_leases gauge\n"
	"evs_leases 2\n"
	"# HELP evs_leases_total Addresses handed out from the pools.\n"
	"# TYPE evs_leases_total counter\n"
	"evs_leases_total 25\n"
	"# HELP evs_accounting_requests_total RADIUS accounting requests queued for sending.\n"
	"# TYPE evs_accounting_requests_total counter\n"
	"evs_accounting_requests_total 40\n"
	"# HELP evs_radius_dae_requests_total RADIUS dynamic authorization requests answered, by kind and answer.\n"
	"# TYPE evs_radius_dae_requests_total counter\n"
	"evs_radius_dae_requests_total{kind=\"disconnect\",answer=\"ack\"} 4\n"
	"evs_radius_dae_requests_total{kind=\"disconnect\",answer=\"nak\"} 3\n"
	"evs_radius_dae_requests_total{kind=\"coa\",answer=\"ack\"} 2\n"
	"evs_radius_dae_requests_total{kind=\"coa\",answer=\"nak\"} 1\n"
	"# HELP evs_radius_dae_duplicates_total Retransmitted dynamic authorization requests answered again from the cache.\n"
	"# TYPE evs_radius_dae_duplicates_total counter\n"
	"evs_radius_dae_duplicates_total 5\n"
	"# HELP evs_radius_dae_dropped_total Dynamic authorization requests dropped unanswered, by reason.\n"
	"# TYPE evs_radius_dae_dropped_total counter\n"
	"evs_radius_dae_dropped_total{reason=\"unknown_client\"} 7\n"
	"evs_radius_dae_dropped_total{reason=\"invalid\"} 6\n"
	"# HELP evs_pool_addresses Addresses in the pool.\n"
	"# TYPE evs_pool_addresses gauge\n"
	"evs_pool_addresses{pool=\"sales\"} 91\n"
	"evs_pool_addresses{pool=\"eng\"} 254\n"
	"# HELP evs_pool_addresses_used Addresses of the pool leased now.\n"
	"# TYPE evs_pool_addresses_used gauge\n"
	"evs_pool_addresses_used{pool=\"sales\"} 2\n"
	"evs_pool_addresses_used{pool=\"eng\"} 0\n"
	"# HELP evs_pool_addresses_free Addresses of the pool free now.\n"
	"# TYPE evs_pool_addresses_free gauge\n"
	"evs_pool_addresses_free{pool=\"sales\"} 89\n"
	"evs_pool_addresses_free{pool=\"eng\"} 254\n";

#define ALICE "id=\"7\",user=\"alice\",group=\"sales\",address=\"10.77.0.10\""
#define BOB "id=\"9\",user=\"bob \\\"the\\\" \\\\admin\\\\\\nx\xef\xbf\xbd\xc3\xa9\"," \
	"group=\"sales\",address=\"\""
static const char sessions[] =
	"# HELP evs_session_start_time_seconds When the session began, seconds since the epoch.\n"
	"# TYPE evs_session_start_time_seconds gauge\n"
	"evs_session_start_time_seconds{" ALICE "} 1764600100\n"
	"evs_session_start_time_seconds{" BOB "} 1764600200\n"
	"# HELP evs_session_receive_bytes_total Bytes of the inner packets received from the client (the kernel's SA counters, summed over rekeys).\n"
	"# TYPE evs_session_receive_bytes_total counter\n"
	"evs_session_receive_bytes_total{" ALICE "} 1000\n"
	"evs_session_receive_bytes_total{" BOB "} 18446744073709551615\n"
	"# HELP evs_session_receive_packets_total Inner packets received from the client.\n"
	"# TYPE evs_session_receive_packets_total counter\n"
	"evs_session_receive_packets_total{" ALICE "} 10\n"
	"evs_session_receive_packets_total{" BOB "} 0\n"
	"# HELP evs_session_transmit_bytes_total Bytes of the inner packets sent to the client.\n"
	"# TYPE evs_session_transmit_bytes_total counter\n"
	"evs_session_transmit_bytes_total{" ALICE "} 2000\n"
	"evs_session_transmit_bytes_total{" BOB "} 0\n"
	"# HELP evs_session_transmit_packets_total Inner packets sent to the client.\n"
	"# TYPE evs_session_transmit_packets_total counter\n"
	"evs_session_transmit_packets_total{" ALICE "} 20\n"
	"evs_session_transmit_packets_total{" BOB "} 0\n";

static const char kernel[] =
	"# HELP evs_kernel_receive_bytes_total Bytes of the inner packets the evs device received from its SAs.\n"
	"# TYPE evs_kernel_receive_bytes_total counter\n"
	"evs_kernel_receive_bytes_total{device=\"evs0\"} 5000\n"
	"# HELP evs_kernel_receive_packets_total Inner packets the evs device received from its SAs.\n"
	"# TYPE evs_kernel_receive_packets_total counter\n"
	"evs_kernel_receive_packets_total{device=\"evs0\"} 50\n"
	"# HELP evs_kernel_transmit_bytes_total Bytes of the inner packets the evs device sent into its SAs.\n"
	"# TYPE evs_kernel_transmit_bytes_total counter\n"
	"evs_kernel_transmit_bytes_total{device=\"evs0\"} 6000\n"
	"# HELP evs_kernel_transmit_packets_total Inner packets the evs device sent into its SAs.\n"
	"# TYPE evs_kernel_transmit_packets_total counter\n"
	"evs_kernel_transmit_packets_total{device=\"evs0\"} 60\n"
	"# HELP evs_kernel_dropped_packets_total Packets the evs module dropped, by reason (evsadm link show -s).\n"
	"# TYPE evs_kernel_dropped_packets_total counter\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"no_sa\"} 101\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"replay\"} 102\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"auth\"} 103\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"bad_len\"} 104\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"policy\"} 105\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"no_policy\"} 106\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"expired\"} 107\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"encap\"} 108\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"cipher\"} 109\n"
	"evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"other\"} 110\n";

static const struct prom_pool pools[] = {
	{ "sales", 91, 2 },
	{ "eng", 254, 0 },
};

static const struct prom_session sess[] = {
	{ .id = 7, .user = "alice", .group = "sales", .addr = 0x0a4d000a,
	  .start_time = 1764600100, .rx_bytes = 1000, .rx_packets = 10,
	  .tx_bytes = 2000, .tx_packets = 20 },
	/* quote, backslashes, a newline, a stray byte, then UTF-8 "é" */
	{ .id = 9, .user = "bob \"the\" \\admin\\\nx\xff\xc3\xa9", .group = "sales",
	  .start_time = 1764600200, .rx_bytes = UINT64_MAX },
};

static void base_data(struct prom_data *d)
{
	memset(d, 0, sizeof(*d));
	d->version = "1.2.3";
	d->start_time = 1764600000;
	d->ike = (struct ike_stats){
		.rx = 100, .tx = 90, .rx_malformed = 1, .rx_dup = 2,
		.rx_unknown_sa = 3, .rx_rate_limited = 4, .rx_half_open_full = 5,
		.rexmits = 6, .timer_visits = 17, .p1_ok = 7, .p1_failed = 8, .p2_ok = 9,
		.p2_failed = 10, .dpd_dead = 11, .half_open_evicted = 12,
		.rx_source_full = 13, .unauth_refused = 14, .rx_replay = 15,
		.xchg_refused = 16, .dpd_backlog_waits = 18,
	};
	d->half_open = 2;
	d->unauth = 1;
}

static void full_data(struct prom_data *d)
{
	base_data(d);
	d->have_ezv = true;
	d->ezv = (struct ezv_stats){ .logins_ok = 20, .logins_failed = 3,
				     .locked_out = 1, .leases = 25, .acct_sent = 40,
				     .sessions = 9 };
	d->dae = (struct ezv_dae_stats){ .unknown_client = 7, .dropped = 6, .duplicates = 5,
					 .disconnect_ack = 4, .disconnect_nak = 3,
					 .coa_ack = 2, .coa_nak = 1 };
	d->sessions = 2;
	d->leases = 2;
	d->pools = pools;
	d->n_pools = 2;
	d->have_sessions = true;
	d->sess = sess;
	d->n_sess = 2;
	d->have_kernel = true;
	d->device = "evs0";
	for (unsigned a = EVS_STATS_A_RX_PACKETS; a <= EVS_STATS_A_MAX; a++)
		EVS_SET(&d->kernel, a);
	d->kernel.v[EVS_STATS_A_RX_PACKETS] = 50;
	d->kernel.v[EVS_STATS_A_RX_BYTES] = 5000;
	d->kernel.v[EVS_STATS_A_TX_PACKETS] = 60;
	d->kernel.v[EVS_STATS_A_TX_BYTES] = 6000;
	for (unsigned a = EVS_STATS_A_DROP_NO_SA; a <= EVS_STATS_A_DROP_OTHER; a++)
		d->kernel.v[a] = 101 + a - EVS_STATS_A_DROP_NO_SA;
}

/* A copy of the rendered text for a look with promtool:
 * EVS_METRICS_SAMPLE=FILE build/us-san/tests/evsd/test_evsd_metrics */
static void keep_sample(const char *text)
{
	const char *path = getenv("EVS_METRICS_SAMPLE");
	FILE *f = path ? fopen(path, "w") : NULL;

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

UNIT_TEST(render_everything)
{
	struct prom_data d;
	char want[16384];
	size_t len;
	char *text;

	full_data(&d);
	snprintf(want, sizeof(want), "%s%s%s%s", head, easyvpn, sessions, kernel);
	text = prom_render(&d, &len);
	UNIT_ASSERT(text);
	keep_sample(text);
	UNIT_ASSERT_EQ_INT(len, strlen(text));
	assert_lines(text, want);
	free(text);
}

UNIT_TEST(render_engine_only)
{
	struct prom_data d;
	char *text;

	/* A client, or a gateway without Easy VPN sections, or a kernel
	 * that did not answer: the sections it lacks are left out. */
	base_data(&d);
	text = prom_render(&d, NULL);
	UNIT_ASSERT(text);
	assert_lines(text, head);
	free(text);
}

UNIT_TEST(render_without_sessions)
{
	struct prom_data d;
	char want[16384];
	char *text;

	/* metrics-sessions no: the families go, the session count stays. */
	full_data(&d);
	d.have_sessions = false;
	snprintf(want, sizeof(want), "%s%s%s", head, easyvpn, kernel);
	text = prom_render(&d, NULL);
	UNIT_ASSERT(text);
	assert_lines(text, want);
	free(text);
}

UNIT_TEST(render_partial_kernel_counters)
{
	struct prom_data d;
	char *text, *drops;

	/* Only what the kernel sent: no rx/tx families, two drop reasons. */
	base_data(&d);
	d.have_kernel = true;
	d.device = "evs1";
	EVS_SET(&d.kernel, EVS_STATS_A_DROP_REPLAY);
	EVS_SET(&d.kernel, EVS_STATS_A_DROP_OTHER);
	d.kernel.v[EVS_STATS_A_DROP_REPLAY] = 3;
	text = prom_render(&d, NULL);
	UNIT_ASSERT(text && !strncmp(text, head, strlen(head)));
	drops = text + strlen(head);
	assert_lines(drops,
		"# HELP evs_kernel_dropped_packets_total Packets the evs module dropped, by reason (evsadm link show -s).\n"
		"# TYPE evs_kernel_dropped_packets_total counter\n"
		"evs_kernel_dropped_packets_total{device=\"evs1\",reason=\"replay\"} 3\n"
		"evs_kernel_dropped_packets_total{device=\"evs1\",reason=\"other\"} 0\n");
	free(text);
}

/* The user label of a one-session rendering. */
static char *user_label(const char *user)
{
	static const char pre[] = "evs_session_start_time_seconds{id=\"1\",user=\"";
	struct prom_session s = { .id = 1, .user = user, .group = "g" };
	struct prom_data d;
	char *text, *p, *q, *out;

	base_data(&d);
	d.have_sessions = true;
	d.sess = &s;
	d.n_sess = 1;
	text = prom_render(&d, NULL);
	if (!text)
		return NULL;
	p = strstr(text, pre);
	q = p ? strstr(p, "\",group=\"g\"") : NULL;
	out = p && q ? strndup(p + strlen(pre), (size_t)(q - p) - strlen(pre)) : NULL;
	free(text);
	return out;
}

UNIT_TEST(label_escaping)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a\"b", "a\\\"b" },
		{ "a\\b", "a\\\\b" },
		{ "a\nb", "a\\nb" },
		{ "tab\tcr\r", "tab\tcr\r" },			/* legal as they are */
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91" },
		{ "\xff", "\xef\xbf\xbd" },			/* never UTF-8 */
		{ "x\xc3", "x\xef\xbf\xbd" },			/* cut short at the end */
		{ "\xc3(", "\xef\xbf\xbd(" },			/* cut short inside */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong "/" */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
		{ "\"\\\n", "\\\"\\\\\\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = user_label(cases[i].in), msg[256];
		bool ok = got && !strcmp(got, cases[i].out);

		snprintf(msg, sizeof(msg), "%s", got ? got : "(none)");
		free(got);
		if (!ok)
			UNIT_FAIL("case %zu: got \"%s\", want \"%s\"", i, msg, cases[i].out);
	}
}

/* ---- configuration -------------------------------------------------------- */

static int load(const char *text, struct metrics_config *mc, struct evs_err *err)
{
	struct cfg_node *root = cfg_parse_string(text, "evsd.conf", err);
	int rc;

	if (!root)
		return -2;
	rc = metrics_config_load(root, mc, err);
	cfg_free(root);
	return rc;
}

UNIT_TEST(config_defaults_and_values)
{
	struct metrics_config mc;
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(load("log-level info\n", &mc, &err), 0);
	UNIT_ASSERT(!mc.file);
	UNIT_ASSERT_EQ_INT(mc.interval, 15);
	UNIT_ASSERT(mc.sessions);
	metrics_config_free(&mc);

	UNIT_ASSERT_EQ_INT(load("metrics-file /var/lib/prometheus/node-exporter/evs.prom\n",
				&mc, &err), 0);
	UNIT_ASSERT_EQ_STR(mc.file, "/var/lib/prometheus/node-exporter/evs.prom");
	UNIT_ASSERT(mc.gid == (gid_t)-1);
	metrics_config_free(&mc);

	if (load("metrics-sessions no\nmetrics-file /run/evs.prom group root\n"
		 "metrics-interval 60\n", &mc, &err))
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT_EQ_STR(mc.file, "/run/evs.prom");
	UNIT_ASSERT_EQ_INT(mc.gid, 0);
	UNIT_ASSERT_EQ_INT(mc.interval, 60);
	UNIT_ASSERT(!mc.sessions);
	metrics_config_free(&mc);
}

UNIT_TEST(config_errors)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "metrics-file evs.prom\n",
		  "evsd.conf:1: metrics-file: 'evs.prom' is not an absolute file name" },
		{ "metrics-file /var/lib/\n",
		  "evsd.conf:1: metrics-file: '/var/lib/' is not an absolute file name" },
		{ "metrics-file /x.prom owner root\n",
		  "evsd.conf:1: metrics-file expects PATH [group NAME]" },
		{ "metrics-file /x.prom group\n",
		  "evsd.conf:1: metrics-file expects PATH [group NAME]" },
		{ "metrics-file /x.prom group no-such-group-evs\n",
		  "evsd.conf:1: metrics-file: no group named 'no-such-group-evs'" },
		{ "metrics-file /a.prom\nmetrics-file /b.prom\n",
		  "evsd.conf:2: metrics-file given twice (first at line 1)" },
		{ "\nmetrics-interval 30\n",
		  "evsd.conf:2: metrics-interval without metrics-file" },
		{ "metrics-sessions no\n",
		  "evsd.conf:1: metrics-sessions without metrics-file" },
		{ "metrics-file /x.prom\nmetrics-interval 0\n", "evsd.conf:2:" },
		{ "metrics-file /x.prom\nmetrics-interval 3601\n", "evsd.conf:2:" },
		{ "metrics-file /x.prom\nmetrics-sessions maybe\n",
		  "evsd.conf:2: metrics-sessions: 'maybe' is not one of: no, yes" },
		{ "metrics-file /x.prom {\n}\n", "evsd.conf:1:" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics_config mc;
		struct evs_err err = { "" };

		if (load(cases[i].text, &mc, &err) != -1)
			UNIT_FAIL("case %zu accepted", i);
		if (strncmp(err.msg, cases[i].err, strlen(cases[i].err)))
			UNIT_FAIL("case %zu: \"%s\", want \"%s\"", i, err.msg, cases[i].err);
		UNIT_ASSERT(!mc.file);
	}
}

/* ---- the file --------------------------------------------------------------- */

static char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static unsigned entries(const char *dir)
{
	char cmd[512];
	FILE *p;
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%u", &n) != 1)
		n = 999;
	if (p)
		pclose(p);
	return n;
}

UNIT_TEST(file_written_atomically)
{
	char dir[] = "/tmp/evs-unit-metrics-XXXXXX", path[128], victim[128], got[64];
	struct evs_err err;
	struct stat st;

	UNIT_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/evs.prom", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);

	/* New, with the directory's group and mode 0640. */
	if (metrics_write_file(path, (gid_t)-1, "a 1\n", 4, &err))
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT_EQ_STR(slurp(path), "a 1\n");
	UNIT_ASSERT(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	UNIT_ASSERT_EQ_INT(st.st_mode & 07777, 0640);
	snprintf(got, sizeof(got), "%u", (unsigned)st.st_gid);
	UNIT_ASSERT(stat(dir, &st) == 0);
	UNIT_ASSERT_EQ_INT(strtoul(got, NULL, 10), st.st_gid);

	/* Replaced, with the group asked for; nothing else left behind. */
	if (metrics_write_file(path, getgid(), "b 2\n", 4, &err))
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT_EQ_STR(slurp(path), "b 2\n");
	UNIT_ASSERT(stat(path, &st) == 0 && st.st_gid == getgid());
	UNIT_ASSERT_EQ_INT(entries(dir), 1);

	/* A link put in its place is replaced, never written through. */
	UNIT_ASSERT(unlink(path) == 0);
	UNIT_ASSERT(close(open(victim, O_CREAT | O_WRONLY, 0600)) == 0);
	UNIT_ASSERT(symlink(victim, path) == 0);
	if (metrics_write_file(path, (gid_t)-1, "c 3\n", 4, &err))
		UNIT_FAIL("%s", err.msg);
	UNIT_ASSERT(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	UNIT_ASSERT_EQ_STR(slurp(path), "c 3\n");
	UNIT_ASSERT_EQ_STR(slurp(victim), "");
	UNIT_ASSERT(unlink(victim) == 0 && unlink(path) == 0);

	/* A directory that is not there: an error naming it, nothing made. */
	UNIT_ASSERT(rmdir(dir) == 0);
	UNIT_ASSERT_EQ_INT(metrics_write_file(path, getgid(), "d 4\n", 4, &err), -1);
	UNIT_ASSERT(strstr(err.msg, dir) && strstr(err.msg, strerror(ENOENT)));
	UNIT_ASSERT_EQ_INT(metrics_write_file(path, (gid_t)-1, "d 4\n", 4, &err), -1);
	UNIT_ASSERT(strstr(err.msg, dir));
}

/* ---- the daemon's side: snapshot, timer, stop ------------------------------ */

static const struct ike_engine_ops no_ops;

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

static bool file_has(const char *path, const char *line)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	bool found = false;

	while (f && !found && fgets(buf, sizeof(buf), f))
		found = !strcmp(buf, line);
	if (f)
		fclose(f);
	return found;
}

UNIT_TEST(daemon_writes_every_interval_and_removes_at_stop)
{
	char dir[] = "/tmp/evs-unit-metricsd-XXXXXX", conf[128], prom[128], text[1024];
	struct metrics_src src = { .device = "evs0", .start_time = 1764600000 };
	struct evsd_config cfg;
	struct evs_err err;
	struct metrics *m;
	struct loop *l;
	struct ezv *z;
	struct evs_err zerr;
	FILE *f;

	evsd_log_set_quiet(true);
	UNIT_ASSERT(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/evsd.conf", dir);
	snprintf(prom, sizeof(prom), "%s/evs.prom", dir);
	snprintf(text, sizeof(text),
		 CONF_IKE_POLICY_10
		 "user-database %s/users\n"
		 "pool sales 10.77.0.10 10.77.0.100\n"
		 "pool eng 10.77.1.0/24\n"
		 "pool sales6 2001:db8:77::1:0/120\n"
		 "group sales {\n key k3yk3yk3y\n pool sales sales6\n}\n"
		 "metrics-file %s\nmetrics-interval 1\n", dir, prom);
	f = fopen(conf, "w");
	UNIT_ASSERT(f && fputs(text, f) >= 0 && fclose(f) == 0);
	chmod(conf, 0600);
	if (evsd_config_load(conf, &cfg, &err) < 0)
		UNIT_FAIL("%s", err.msg);
	src.eng = ike_engine_new(&cfg.ike, EVS_ROLE_SERVER, &no_ops, NULL);
	z = ezv_init(&cfg.ike, cfg.easyvpn, NULL, NULL, &zerr);
	l = loop_new();
	if (!src.eng || !z || !l)
		UNIT_FAIL("set-up: %s", zerr.msg);
	ezv_attach(z, src.eng);
	src.ezv = z;

	/* Written at once; no kernel handle: no kernel series. */
	m = metrics_start(l, &cfg.metrics, &src);
	UNIT_ASSERT(m);
	UNIT_ASSERT(file_has(prom, "evs_start_time_seconds 1764600000\n"));
	UNIT_ASSERT(file_has(prom, "evs_sessions 0\n"));
	UNIT_ASSERT(file_has(prom, "evs_pool_addresses{pool=\"sales\"} 91\n"));
	UNIT_ASSERT(file_has(prom, "evs_pool_addresses_free{pool=\"eng\"} 254\n"));
	/* an IPv6 pool beside them: ::1 .. ::ff */
	UNIT_ASSERT(file_has(prom, "evs_pool_addresses{pool=\"sales6\"} 255\n"));
	UNIT_ASSERT(file_has(prom, "evs_pool_addresses_free{pool=\"sales6\"} 255\n"));
	UNIT_ASSERT(file_has(prom, "evs_ike_received_datagrams_total 0\n"));
	UNIT_ASSERT(file_has(prom, "# TYPE evs_session_receive_bytes_total counter\n"));
	UNIT_ASSERT(!file_has(prom, "# TYPE evs_kernel_dropped_packets_total counter\n"));

	/* The next interval shows what changed meanwhile. */
	src.eng->stats.rx = 42;
	src.eng->n_half_open = 3;
	loop_timer(l, loop_now_ms() + 1500, stop_loop, l);
	loop_run(l);
	UNIT_ASSERT(file_has(prom, "evs_ike_received_datagrams_total 42\n"));
	UNIT_ASSERT(file_has(prom, "evs_ike_half_open_sas 3\n"));
	src.eng->n_half_open = 0;

	/* The configuration may go (a reload): metrics keeps its own copy
	 * (ASan would see the freed name used). */
	metrics_config_free(&cfg.metrics);
	src.eng->stats.rx = 43;
	loop_timer(l, loop_now_ms() + 1500, stop_loop, l);
	loop_run(l);
	UNIT_ASSERT(file_has(prom, "evs_ike_received_datagrams_total 43\n"));
	metrics_stop(m);
	UNIT_ASSERT(access(prom, F_OK) < 0 && errno == ENOENT);
	ezv_shutdown(z);
	ike_engine_free(src.eng);
	loop_free(l);
	evsd_config_free(&cfg);
	unlink(conf);
	UNIT_ASSERT_EQ_INT(rmdir(dir), 0);
}

UNIT_MAIN()
