// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for everything evsd parses off the wire before any
 * authentication: the ISAKMP header and payload chain, each payload's
 * decoder, the SA/proposal/transform tree and its Phase 1 / Phase 2
 * interpretation, and the data-attribute parser (SA attributes, mode
 * config / XAUTH attribute payloads).
 *
 * The first input byte picks the entry point, so one corpus covers all:
 *   0: a whole datagram (as received on port 500)
 *   1: a decrypted body (payload chain with padding allowed), the next
 *      byte is the first payload type
 *   2: a bare attribute block
 *   3: an SA payload body
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/isakmp.h"
#include "lib/daemon_log.h"
#include "ike/proposal.h"

static struct isakmp_sa sa;
static struct p1_xform p1[ISAKMP_MAX_TRANSFORMS];
static struct p2_xform p2[ISAKMP_MAX_TRANSFORMS];

static void attrs(const uint8_t *p, size_t n)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	struct isakmp_perr e;
	volatile uint32_t sink = 0;

	isakmp_attr_iter_init(&it, p, n);
	while (isakmp_attr_next(&it, &a, &e) > 0) {
		/* touch every byte the view claims, so ASan checks it */
		for (size_t i = 0; i < a.len; i++)
			sink += a.val[i];
		sink += a.u;
	}
	(void)sink;
}

static void sa_body(const uint8_t *p, size_t n)
{
	struct isakmp_perr e;

	if (isakmp_parse_sa(p, n, &sa, &e) < 0)
		return;
	(void)p1_parse_sa(&sa, p1, ISAKMP_MAX_TRANSFORMS, &e);
	(void)p2_parse_sa(&sa, p2, ISAKMP_MAX_TRANSFORMS, &e);
	for (unsigned i = 0; i < sa.n_xf; i++)
		attrs(sa.xf[i].attrs, sa.xf[i].attrs_len);
}

static void payloads(const struct isakmp_msg *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct isakmp_payload *p = &m->p[i];
		struct isakmp_perr e;
		struct isakmp_id id;
		struct isakmp_cert c;
		struct isakmp_notify_pl n;
		struct isakmp_delete d;
		struct isakmp_cfg cfg;
		char buf[128];

		switch (p->type) {
		case ISAKMP_PT_SA:
			sa_body(p->body, p->len);
			break;
		case ISAKMP_PT_ID:
			if (isakmp_parse_id(p->body, p->len, &id, &e) == 0)
				isakmp_id_format(&id, buf, sizeof(buf));
			break;
		case ISAKMP_PT_CERT:
			(void)isakmp_parse_cert(p->body, p->len, &c, &e);
			break;
		case ISAKMP_PT_CR:
			(void)isakmp_parse_cr(p->body, p->len, &c, &e);
			break;
		case ISAKMP_PT_N:
			if (isakmp_parse_notify(p->body, p->len, &n, &e) == 0)
				(void)isakmp_notify_name(n.type);
			break;
		case ISAKMP_PT_D:
			(void)isakmp_parse_delete(p->body, p->len, &d, &e);
			break;
		case ISAKMP_PT_NONCE:
			(void)isakmp_check_nonce(p, &e);
			break;
		case ISAKMP_PT_VID:
			(void)isakmp_vid_lookup(p->body, p->len);
			break;
		case ISAKMP_PT_ATTR:
			if (isakmp_parse_cfg(p->body, p->len, &cfg, &e) == 0)
				attrs(cfg.attrs, cfg.attrs_len);
			break;
		default:
			(void)isakmp_check_nonempty(p, &e);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isakmp_msg m;
	struct isakmp_hdr h;
	struct isakmp_perr e;

	evsd_log_set_quiet(true);
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		if (isakmp_parse(data + 1, size - 1, &m, &e) == 0)
			payloads(&m);
		break;
	case 1:
		if (size < 2)
			break;
		memset(&h, 0, sizeof(h));
		h.np = data[1];
		if (isakmp_parse_body(&h, data + 2, size - 2, ISAKMP_PARSE_PADDED,
				      &m, &e) == 0)
			payloads(&m);
		break;
	case 2:
		attrs(data + 1, size - 1);
		(void)isakmp_attrs_check(data + 1, size - 1, &e);
		break;
	case 3:
		sa_body(data + 1, size - 1);
		break;
	}
	return 0;
}
