// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the Easy VPN parsers of network input: the
 * attribute payload of a transaction exchange (isakmp_parse_cfg), then its
 * mode-config (modecfg_decode) and XAUTH (xauth_decode) meanings, fed to
 * the server and client state machines, and every decoded value encoded
 * again.  Also the user file parser (it is edited by people).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/isakmp.h"
#include "ezv/modecfg.h"
#include "ezv/xauth.h"
#include "lib/userdb.h"

static void state_machines(const struct xauth_msg *m)
{
	struct xauth_server s;
	struct xauth_client c;
	struct xauth_out o;

	xauth_server_init(&s, 2, m->ident ? (uint16_t)(m->ident - 1) : 0);
	if (!xauth_server_start(&s, &o))
		xauth_out_free(&o);
	if (xauth_server_recv(&s, m, &o) == XAUTH_EV_SEND)
		xauth_out_free(&o);
	if (s.state == XAUTH_S_VERIFYING && !xauth_server_verdict(&s, false, "fuzz", &o))
		xauth_out_free(&o);
	xauth_client_init(&c, 1);
	memset(&o, 0, sizeof(o));
	xauth_client_recv(&c, m, "user", (const uint8_t *)"pw", 2, &o);
	xauth_out_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct isakmp_perr err;
	struct isakmp_cfg cfg;
	struct modecfg m, reply, offer;
	struct xauth_msg xm;
	struct isakmp_buf b;
	char line[2048];

	if (isakmp_parse_cfg(data, size, &cfg, &err) == 0) {
		if (modecfg_decode(cfg.attrs, cfg.attrs_len, cfg.type, &m, &err) == 0) {
			isakmp_buf_init(&b);
			modecfg_encode_values(&b, &m);
			modecfg_encode_types(&b, m.requested, &m);
			isakmp_buf_free(&b);
			modecfg_format(&m, line, sizeof(line));
			memset(&offer, 0, sizeof(offer));
			offer.has = MCF_BIT(MCF_IP4_ADDRESS);
			offer.ip4_addr = 0x0a4d0005;
			modecfg_answer(&offer, &m, "fuzz", &reply);
		}
		if (xauth_decode(cfg.type, cfg.ident, cfg.attrs, cfg.attrs_len, &xm, &err) == 0) {
			state_machines(&xm);
			xauth_msg_wipe(&xm);
		}
		xauth_attrs_present(cfg.attrs, cfg.attrs_len);
	}
	if (size < 8192) {
		struct userdb db;
		struct evs_err ue;

		userdb_init(&db);
		userdb_parse(&db, (const char *)data, size, "fuzz", &ue);
		userdb_free(&db);
	}
	return 0;
}
