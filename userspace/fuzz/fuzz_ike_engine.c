// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the IKE engine's input path (ikesa.c and the
 * exchange modules behind it): datagrams go into a server engine and a
 * client engine that hold an established main-mode session (built in
 * memory at start-up, as in tests/unit/test_ike_flow_exchange.c), so the
 * fuzzer reaches the per-SA paths: cookie lookup, duplicates, decryption
 * with the live keys, HASH checks, quick mode, informational and
 * transaction dispatch, NAT path updates, as well as new-exchange handling
 * (rate limit, half-open bound, Phase 1 responder).
 *
 * First byte: bit 0 = engine (server/client), bit 1 = patch the live
 * session's cookies into the header, bit 2 = from the 4500 socket,
 * bits 3..5 = exchange type override (0 = keep).  The rest is the datagram.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "evsd/config.h"
#include "evsd/ikesa.h"
#include "evsd/log.h"
#include "evsd/session.h"

struct q {
	struct ike_path path[32];
	uint8_t *buf[32];
	size_t len[32];
	unsigned n;
};

static struct q qs[2];
static struct evsd_config cfgs[2];
static struct ike_engine *eng[2];
static uint64_t now = 1000000;
static const uint8_t exch_types[8] = { 0, 2, 4, 5, 6, 32, 1, 99 };

static int f_send(void *arg, const struct ike_path *p, const uint8_t *b, size_t n)
{
	struct q *q = arg;

	if (q->n >= 32)
		return -1;
	q->path[q->n] = *p;
	q->buf[q->n] = malloc(n);
	memcpy(q->buf[q->n], b, n);
	q->len[q->n++] = n;
	return 0;
}

static int f_ok(void *arg, const struct kernel_child *c)
{
	(void)arg;
	(void)c;
	return 0;
}

static int f_del(void *arg, uint32_t a, uint32_t b, uint32_t c)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	return 0;
}

static int f_conn_del(void *arg, uint32_t c)
{
	(void)arg;
	(void)c;
	return 0;
}

static const struct ike_engine_ops ops = {
	.send = f_send, .child_add = f_ok, .child_del_sas = f_del,
	.out_policy = f_ok, .conn_del = f_conn_del,
};

static void drain(int from, bool deliver)
{
	struct q *q = &qs[from];

	for (unsigned i = 0; i < q->n; i++) {
		if (deliver) {
			struct ike_path p;

			p.local = q->path[i].remote;
			p.remote = q->path[i].local;
			p.natt = q->path[i].natt;
			ike_engine_set_time(eng[!from], now);
			ike_engine_input(eng[!from], &p, q->buf[i], q->len[i]);
		}
		free(q->buf[i]);
	}
	q->n = 0;
}

static void load(int i, const char *text)
{
	char path[] = "/tmp/evsd-fuzz-XXXXXX";
	struct cfg_err err;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	if (evsd_config_load(path, &cfgs[i], &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	unlink(path);
}

static void setup(void)
{
	struct sockaddr_storage local;
	struct sockaddr_in *s = (struct sockaddr_in *)&local;

	evsd_log_set_quiet(true);
	evsd_log_set_level(EVSD_LOG_ERR);
	load(0, "crypto isakmp policy 10 {\n encryption aes 256\n hash sha256\n"
		" authentication pre-share\n group 14\n}\n"
		"crypto isakmp key k address 198.51.100.0/24\n"
		"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
		"timers {\n half-open-max 64\n rate-limit 1000\n dpd-interval 10\n}\n");
	load(1, "crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
		"peer gw {\n server 203.0.113.1\n group-key k\n encryption aes\n"
		" key-length 256\n hash sha256\n group 14\n transform-set T\n}\n");
	eng[0] = ike_engine_new(&cfgs[0], EVS_ROLE_SERVER, &ops, &qs[0]);
	eng[1] = ike_engine_new(&cfgs[1], EVS_ROLE_CLIENT, &ops, &qs[1]);
	memset(&local, 0, sizeof(local));
	s->sin_family = AF_INET;
	s->sin_port = htons(500);
	inet_pton(AF_INET, "198.51.100.2", &s->sin_addr);
	ike_engine_set_time(eng[0], now);
	ike_engine_set_time(eng[1], now);
	ike_engine_connect(eng[1], &cfgs[1].ike.peers[0], &local);
	for (int r = 0; r < 20 && (qs[0].n || qs[1].n); r++) {
		drain(1, true);
		drain(0, true);
	}
}

static struct ike_sa *live(struct ike_engine *e)
{
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->state == IKE_S_READY)
			return sa;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t buf[4096];
	struct ike_path p;
	struct ike_sa *sa;
	int which;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	which = data[0] & 1;
	memcpy(buf, data + 1, size - 1);
	size--;
	sa = live(eng[0]);
	if ((data[0] & 2) && size >= 28 && sa) {
		memcpy(buf, sa->cky_i, 8);
		memcpy(buf + 8, sa->cky_r, 8);
	}
	if (exch_types[(data[0] >> 3) & 7] && size >= 28)
		buf[18] = exch_types[(data[0] >> 3) & 7];
	memset(&p, 0, sizeof(p));
	p.local.ss_family = AF_INET;
	p.remote.ss_family = AF_INET;
	inet_pton(AF_INET, which ? "198.51.100.2" : "203.0.113.1",
		  &((struct sockaddr_in *)&p.local)->sin_addr);
	inet_pton(AF_INET, which ? "203.0.113.1" : "198.51.100.2",
		  &((struct sockaddr_in *)&p.remote)->sin_addr);
	p.natt = data[0] & 4;
	((struct sockaddr_in *)&p.local)->sin_port = htons(p.natt ? 4500 : 500);
	((struct sockaddr_in *)&p.remote)->sin_port = htons(p.natt ? 4500 : 500);
	now += 50;
	ike_engine_set_time(eng[which], now);
	ike_engine_input(eng[which], &p, buf, size);
	if ((now / 50) % 64 == 0)
		ike_engine_tick(eng[which]);
	drain(0, false);
	drain(1, false);
	return 0;
}
