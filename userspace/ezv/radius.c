// SPDX-License-Identifier: MIT
/* RADIUS logins (radius_auth.c) and accounting (radcli); see radius.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <radcli/radcli.h>
#include <sodium.h>

#include "ezv/radius.h"
#include "ezv/radius_auth.h"
#include "lib/userdb.h"

#define RADCLI_DICTIONARY "/etc/radcli/dictionary"

struct radius_client {
	rc_handle *rh;			/* accounting */
	const struct ezv_aaa *aaa;	/* logins: radius_auth.c */
	char nas_identifier[EZV_NAME_MAX + 1];
};

const char *radius_result_name(enum radius_result r)
{
	switch (r) {
	case RADIUS_ACCEPT: return "accept";
	case RADIUS_REJECT: return "reject";
	case RADIUS_TIMEOUT: return "no answer";
	case RADIUS_CHALLENGE: return "challenge";
	default: return "error";
	}
}

/* "host:port:secret" for radcli; IPv6 hosts in brackets. */
static int server_spec(const struct ezv_radius_server *s, uint16_t port,
		       char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const void *a;
	int n;

	if (s->addr.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&s->addr)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)&s->addr)->sin6_addr;
	if (!inet_ntop(s->addr.ss_family, a, host, sizeof(host)))
		return -1;
	n = snprintf(out, len, s->addr.ss_family == AF_INET6 ? "[%s]:%u:%.*s" : "%s:%u:%.*s",
		     host, port, (int)secret_len(s->key), (const char *)secret_data(s->key));
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int add(rc_handle *rh, const char *opt, const char *val)
{
	return rc_add_config(rh, opt, val, "evsd.conf", 0);
}

struct radius_client *radius_new(const struct ezv_aaa *aaa, struct evs_err *err)
{
	struct radius_client *rc = calloc(1, sizeof(*rc));
	char spec[512], num[16];
	rc_handle *rh;

	if (!rc) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	rh = rc_new();
	if (!rh || !rc_config_init(rh)) {
		evs_errf(err, "radcli: cannot initialise");
		free(rc);
		return NULL;
	}
	rc->rh = rh;
	rc->aaa = aaa;
	snprintf(rc->nas_identifier, sizeof(rc->nas_identifier), "%s", aaa->nas_identifier);
	if (add(rh, "auth_order", "radius") || add(rh, "login_tries", "1") ||
	    add(rh, "dictionary", RADCLI_DICTIONARY) || add(rh, "bindaddr", "*"))
		goto bad;
	snprintf(num, sizeof(num), "%u", aaa->timeout ? aaa->timeout : 3);
	if (add(rh, "radius_timeout", num))
		goto bad;
	snprintf(num, sizeof(num), "%u", aaa->retries);
	if (add(rh, "radius_retries", num) || add(rh, "radius_deadtime", "0"))
		goto bad;
	for (unsigned i = 0; i < aaa->n_servers; i++) {
		const struct ezv_radius_server *s = &aaa->servers[i];

		/* radcli keeps its own copy of the secret (plain heap). */
		if (server_spec(s, s->auth_port, spec, sizeof(spec)) ||
		    add(rh, "authserver", spec))
			goto bad;
		if (server_spec(s, s->acct_port, spec, sizeof(spec)) ||
		    add(rh, "acctserver", spec))
			goto bad;
	}
	sodium_memzero(spec, sizeof(spec));
	if (rc_apply_config(rh) != 0)
		goto bad;
	if (rc_read_dictionary(rh, rc_conf_str(rh, "dictionary")) != 0) {
		evs_errf(err, "radcli: cannot read the dictionary %s", RADCLI_DICTIONARY);
		radius_free(rc);
		return NULL;
	}
	return rc;
bad:
	sodium_memzero(spec, sizeof(spec));
	evs_errf(err, "radcli: the RADIUS configuration was refused");
	radius_free(rc);
	return NULL;
}

void radius_free(struct radius_client *rc)
{
	if (!rc)
		return;
	if (rc->rh)
		rc_destroy(rc->rh);
	free(rc);
}

bool radius_class_group(const uint8_t *v, size_t len, char *out, size_t outlen)
{
	char buf[RADIUS_CLASS_MAX + 1];
	const char *p = buf;
	size_t n;

	if (!len || len > RADIUS_CLASS_MAX || memchr(v, '\0', len))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (!strncmp(buf, "group=", 6))
		p = buf + 6;
	else if (!strncasecmp(buf, "OU=", 3))
		p = buf + 3;
	n = strcspn(p, ";");
	if (!n || n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return userdb_name_valid(out, true);
}

static VALUE_PAIR *put(struct radius_client *rc, VALUE_PAIR **l, int attr,
		       const void *v, int len)
{
	return rc_avpair_add(rc->rh, l, attr, v, len, 0);
}

static void put_u32(struct radius_client *rc, VALUE_PAIR **l, int attr, uint32_t v)
{
	put(rc, l, attr, &v, 0);
}

static void put_common(struct radius_client *rc, VALUE_PAIR **l, const char *user,
		       const char *calling_station, uint32_t port)
{
	put(rc, l, PW_USER_NAME, user, -1);
	put(rc, l, PW_NAS_IDENTIFIER, rc->nas_identifier, -1);
	if (rc->aaa->nas_ip)
		put_u32(rc, l, PW_NAS_IP_ADDRESS, rc->aaa->nas_ip);
	put_u32(rc, l, PW_NAS_PORT, port);
	put_u32(rc, l, PW_NAS_PORT_TYPE, PW_VIRTUAL);
	put_u32(rc, l, PW_SERVICE_TYPE, PW_FRAMED);
	if (calling_station && calling_station[0])
		put(rc, l, PW_CALLING_STATION_ID, calling_station, -1);
}

enum radius_result radius_pap(struct radius_client *rc, const char *user,
			      const uint8_t *pass, size_t pass_len,
			      const char *calling_station, uint32_t port,
			      const struct radius_answer *answer,
			      struct radius_auth_reply *out)
{
	const struct radius_login l = {
		.user = user, .pass = pass, .pass_len = pass_len,
		.nas_identifier = rc->nas_identifier, .nas_ip = rc->aaa->nas_ip, .port = port,
		.calling_station = calling_station, .answer = answer,
	};

	return radius_auth_pap(rc->aaa, &l, out);
}

enum radius_result radius_acct(struct radius_client *rc,
			       const struct radius_acct_info *info)
{
	VALUE_PAIR *send = NULL;
	int r;

	if (info->type == RADIUS_ACCT_ON || info->type == RADIUS_ACCT_OFF) {
		/* about the NAS, not a session (RFC 2866 5.1) */
		put(rc, &send, PW_NAS_IDENTIFIER, rc->nas_identifier, -1);
		if (rc->aaa->nas_ip)
			put_u32(rc, &send, PW_NAS_IP_ADDRESS, rc->aaa->nas_ip);
		put_u32(rc, &send, PW_ACCT_STATUS_TYPE, info->type);
		put(rc, &send, PW_ACCT_SESSION_ID, info->session_id, -1);
		goto send;
	}
	put_common(rc, &send, info->user, info->calling_station, info->port);
	put_u32(rc, &send, PW_ACCT_STATUS_TYPE, info->type);
	put(rc, &send, PW_ACCT_SESSION_ID, info->session_id, -1);
	if (info->framed_ip)
		put_u32(rc, &send, PW_FRAMED_IP_ADDRESS, info->framed_ip);
	if (info->class_len)
		put(rc, &send, PW_CLASS, info->class_raw, (int)info->class_len);
	if (info->type != RADIUS_ACCT_START) {
		put_u32(rc, &send, PW_ACCT_INPUT_OCTETS, (uint32_t)info->in_octets);
		put_u32(rc, &send, PW_ACCT_OUTPUT_OCTETS, (uint32_t)info->out_octets);
		put_u32(rc, &send, PW_ACCT_INPUT_GIGAWORDS, (uint32_t)(info->in_octets >> 32));
		put_u32(rc, &send, PW_ACCT_OUTPUT_GIGAWORDS, (uint32_t)(info->out_octets >> 32));
		put_u32(rc, &send, PW_ACCT_INPUT_PACKETS, (uint32_t)info->in_packets);
		put_u32(rc, &send, PW_ACCT_OUTPUT_PACKETS, (uint32_t)info->out_packets);
		put_u32(rc, &send, PW_ACCT_SESSION_TIME, info->session_time);
	}
	if (info->type == RADIUS_ACCT_STOP)
		put_u32(rc, &send, PW_ACCT_TERMINATE_CAUSE,
			info->terminate_cause ? info->terminate_cause : PW_USER_REQUEST);
send:
	r = rc_acct(rc->rh, info->port, send);
	rc_avpair_free(send);
	switch (r) {
	case OK_RC: return RADIUS_ACCEPT;
	case TIMEOUT_RC: return RADIUS_TIMEOUT;
	default: return RADIUS_ERROR;
	}
}
