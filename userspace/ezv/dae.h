/* SPDX-License-Identifier: MIT */
/*
 * dae: RADIUS dynamic authorization (RFC 5176), the codec.  No I/O and
 * no clock: bytes in, a checked and parsed request out; a parsed request
 * and a verdict in, the answer's bytes out.  What a request does to the
 * sessions is decided by ezv_dae_input (easyvpn.h); the socket is evsd's.
 *
 * A request is network input from anyone who can reach the port: the
 * daemon drops it unless it comes from a configured client, its Request
 * Authenticator (MD5 with the client's secret, RFC 5176 3.5) is right,
 * its Message-Authenticator (HMAC-MD5, RFC 3579 3.2 as RFC 5176 3.3 says)
 * is right when present and present when required, and its
 * Event-Timestamp is within the window.
 */
#ifndef EVS_EZV_DAE_H
#define EVS_EZV_DAE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	DAE_DISCONNECT_REQUEST = 40,
	DAE_DISCONNECT_ACK = 41,
	DAE_DISCONNECT_NAK = 42,
	DAE_COA_REQUEST = 43,
	DAE_COA_ACK = 44,
	DAE_COA_NAK = 45,
};

/* Error-Cause values (RFC 5176 3.6) */
enum {
	DAE_ERR_RESIDUAL_REMOVED = 201,
	DAE_ERR_UNSUPPORTED_ATTRIBUTE = 401,
	DAE_ERR_MISSING_ATTRIBUTE = 402,
	DAE_ERR_NAS_MISMATCH = 403,
	DAE_ERR_INVALID_REQUEST = 404,
	DAE_ERR_UNSUPPORTED_SERVICE = 405,
	DAE_ERR_INVALID_VALUE = 407,
	DAE_ERR_SESSION_NOT_FOUND = 503,
	DAE_ERR_RESOURCES_UNAVAILABLE = 506,
};

#define DAE_MAX_PROXY_STATE 4
#define DAE_ANSWER_MAX 128	/* header, Error-Cause, Proxy-States, MA */

/* A request as parsed: what it names, what it asks, what it carries that
 * evsd does not do. */
struct dae_req {
	uint8_t code, id;
	uint8_t auth[16];
	bool has_ma;
	/* session identification (RFC 5176 3) */
	bool has_user, has_addr, has_acct_id;
	char user[254];
	uint32_t addr;			/* Framed-IP-Address, host order */
	char acct_id[254];
	/* NAS identification */
	bool has_nas_ip, has_nas_id;
	uint32_t nas_ip;
	char nas_id[254];
	/* authorization changes (CoA) */
	bool has_session_timeout, has_idle_timeout, has_class;
	uint32_t session_timeout, idle_timeout;
	uint8_t class_raw[64];
	size_t class_len;
	bool has_timestamp;
	uint32_t timestamp;		/* Event-Timestamp, Unix seconds */
	/* the first attribute evsd does not act on (Filter-Id, ...); 0 = none */
	uint8_t unsupported;
	/* the first attribute with a wrong length or value; 0 = none */
	uint8_t invalid;
	unsigned n_proxy_state;
	const uint8_t *proxy_state[DAE_MAX_PROXY_STATE];	/* into the packet */
	uint8_t proxy_state_len[DAE_MAX_PROXY_STATE];
};

struct secret;

/* Is b a Disconnect- or CoA-Request signed with key?  Length, code,
 * attributes tile the packet, Request Authenticator, Message-
 * Authenticator (at most one, right, and there when require_ma).  0, or
 * -1 with the reason in *why. */
int dae_check(const uint8_t *b, size_t len, const struct secret *key, bool require_ma,
	      const char **why);
/* The attributes of b (checked, or at least tiling) into *out; -1 when
 * they do not tile the packet. */
int dae_parse(const uint8_t *b, size_t len, struct dae_req *out);
/* The answer to rq: ACK or NAK of its kind, Error-Cause when not 0, its
 * Proxy-States, a Message-Authenticator when rq had one, the Response
 * Authenticator.  Its length, 0 when it does not fit. */
size_t dae_answer(uint8_t *buf, size_t cap, const struct dae_req *rq, bool ack,
		  uint32_t error_cause, const struct secret *key);

/* The same host (address only, the port not compared). */
bool ezv_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
