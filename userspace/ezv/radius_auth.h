/* SPDX-License-Identifier: MIT */
/*
 * radius_auth: RADIUS PAP logins with Message-Authenticator in the request
 * and required in the answer (RFC 2865, RFC 3579 3.2; the Blast-RADIUS
 * defence).  The codec has no I/O; radius_auth_pap asks the servers.
 */
#ifndef EVS_RADIUS_AUTH_H
#define EVS_RADIUS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ezv/easyvpn_policy.h"
#include "ezv/radius.h"

enum {
	RADIUS_ACCESS_REQUEST = 1,
	RADIUS_ACCESS_ACCEPT = 2,
	RADIUS_ACCESS_REJECT = 3,
	RADIUS_ACCESS_CHALLENGE = 11,
	RADIUS_NO_ANSWER = -1,
};

struct radius_login {
	const char *user;
	const uint8_t *pass;
	size_t pass_len;		/* at most 128 */
	const char *nas_identifier;
	uint32_t nas_ip;		/* NAS-IP-Address, host order; 0 = none */
	uint32_t port;			/* NAS-Port */
	const char *calling_station;	/* NULL or "" = none */
	const struct radius_answer *answer;	/* NULL, or pass answers a challenge */
};

struct secret;

/* ---- packet helpers (also the dynamic-authorization codec's, dae.c) ---- */

/* A packet being built: attributes appended at len; full when one did
 * not fit (or was longer than 253 bytes). */
struct radius_pkt {
	uint8_t *b;
	size_t len, cap;
	bool full;
};
void radius_pkt_put(struct radius_pkt *p, uint8_t type, const void *v, size_t n);
void radius_pkt_put_u32(struct radius_pkt *p, uint8_t type, uint32_t v);
/* Calls fn for each attribute of b (header of 20 bytes first); -1 if
 * they do not tile the packet. */
int radius_attr_walk(const uint8_t *b, size_t len,
		     void (*fn)(uint8_t type, const uint8_t *v, size_t n, void *arg),
		     void *arg);
int radius_hmac_md5(const struct secret *key, const uint8_t *b, size_t n, uint8_t out[16]);
/* MD5(code id length | auth | attributes | secret): the Response
 * Authenticator (auth = the request's) and the accounting / CoA /
 * Disconnect Request Authenticator (auth = 16 zeros).  0 or -1. */
int radius_md5_sum(const uint8_t *b, size_t len, const uint8_t auth[16],
		   const struct secret *key, uint8_t out[16]);

/* An Access-Request into buf: Message-Authenticator first, then the
 * login's attributes.  Its length, 0 if it does not fit. */
size_t radius_auth_request(uint8_t *buf, size_t cap, uint8_t id,
			   const uint8_t auth[16], const struct secret *key,
			   const struct radius_login *l);
/* Is b the server's answer to request (id, req_auth)?  Checks the
 * length, the code, the Response Authenticator and the
 * Message-Authenticator: at most one, valid, and there when require_ma.
 * 0, or -1 with the reason in *why. */
int radius_auth_check(const uint8_t *b, size_t len, uint8_t id,
		      const uint8_t req_auth[16], const struct secret *key,
		      bool require_ma, const char **why);
/* The attributes of a checked answer that a login uses. */
void radius_auth_read(const uint8_t *b, size_t len,
		      struct radius_auth_reply *out);

/* Each server in order, aaa->retries + 1 tries of aaa->timeout seconds;
 * an answer to a challenge only to the server that asked. */
enum radius_result radius_auth_pap(const struct ezv_aaa *aaa,
				   const struct radius_login *l,
				   struct radius_auth_reply *out);

#endif
