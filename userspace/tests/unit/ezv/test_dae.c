// SPDX-License-Identifier: MIT
/*
 * The dynamic-authorization codec (RFC 5176): requests signed as a RADIUS
 * server signs them pass, anything else (wrong secret, missing or wrong
 * Message-Authenticator, bad lengths, other codes) is refused; the
 * answers carry the right code, Error-Cause, Proxy-State and
 * authenticators.
 */
#include <string.h>

#include "ezv/dae.h"
#include "lib/secret.h"
#include "tests/unit/ezv/dae_build.h"
#include "tests/unit/unit.h"

static const char key_text[] = "dae-Secret-4711";

static struct secret *key(void)
{
	UNIT_ASSERT(secret_init() == 0);
	return secret_from(key_text, strlen(key_text));
}

static void disconnect_for(struct tdae *r, const char *user, bool ma, const char *secret)
{
	tdae_start(r, DAE_DISCONNECT_REQUEST, 7);
	tdae_str(r, 1, user);
	if (ma)
		tdae_ma(r);
	tdae_sign(r, secret);
}

UNIT_TEST(signed_requests_pass_and_parse)
{
	struct secret *k = key();
	struct dae_req rq;
	struct tdae r;
	const char *why = NULL;

	disconnect_for(&r, "alice", true, key_text);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, true, &why), 0);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	UNIT_ASSERT_EQ_INT(rq.code, DAE_DISCONNECT_REQUEST);
	UNIT_ASSERT(rq.has_user && rq.has_ma && !rq.unsupported && !rq.invalid);
	UNIT_ASSERT_EQ_STR(rq.user, "alice");

	tdae_start(&r, DAE_COA_REQUEST, 9);
	tdae_u32(&r, 8, 0x0a4d010a);		/* Framed-IP-Address */
	tdae_str(&r, 44, "0000000100000002");
	tdae_u32(&r, 27, 5);			/* Session-Timeout */
	tdae_u32(&r, 28, 60);			/* Idle-Timeout */
	tdae_str(&r, 25, "group=eng");
	tdae_u32(&r, 55, 1700000000);		/* Event-Timestamp */
	tdae_str(&r, 11, "acl-7");		/* Filter-Id: not done */
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), 0);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	UNIT_ASSERT(rq.has_addr && rq.addr == 0x0a4d010a);
	UNIT_ASSERT_EQ_STR(rq.acct_id, "0000000100000002");
	UNIT_ASSERT(rq.has_session_timeout && rq.session_timeout == 5);
	UNIT_ASSERT(rq.has_idle_timeout && rq.idle_timeout == 60);
	UNIT_ASSERT(rq.has_class && rq.class_len == 9);
	UNIT_ASSERT(rq.has_timestamp && rq.timestamp == 1700000000);
	UNIT_ASSERT_EQ_INT(rq.unsupported, 11);
	secret_free(k);
}

UNIT_TEST(forged_and_malformed_requests_refused)
{
	struct secret *k = key();
	struct tdae r;
	const char *why = NULL;

	/* the wrong secret, with and without a Message-Authenticator */
	disconnect_for(&r, "alice", true, "guessed");
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), -1);
	disconnect_for(&r, "alice", false, "guessed");
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), -1);
	UNIT_ASSERT(strstr(why, "Request Authenticator"));
	/* no Message-Authenticator where one is required */
	disconnect_for(&r, "alice", false, key_text);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), 0);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, true, &why), -1);
	UNIT_ASSERT_EQ_STR(why, "no Message-Authenticator");
	/* a right Request Authenticator over a wrong Message-Authenticator */
	disconnect_for(&r, "alice", true, key_text);
	r.b[r.ma_at] ^= 1;
	{
		/* re-sign the authenticator only: the MA stays wrong */
		unsigned char md[EVP_MAX_MD_SIZE];
		EVP_MD_CTX *c = EVP_MD_CTX_new();

		memset(r.b + 4, 0, 16);
		EVP_DigestInit_ex(c, EVP_md5(), NULL);
		EVP_DigestUpdate(c, r.b, r.len);
		EVP_DigestUpdate(c, key_text, strlen(key_text));
		EVP_DigestFinal_ex(c, md, NULL);
		EVP_MD_CTX_free(c);
		memcpy(r.b + 4, md, 16);
	}
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), -1);
	UNIT_ASSERT_EQ_STR(why, "bad Message-Authenticator");
	/* two Message-Authenticators */
	tdae_start(&r, DAE_DISCONNECT_REQUEST, 1);
	tdae_ma(&r);
	tdae_ma(&r);
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), -1);
	/* lengths: header short, length field wrong, attributes not tiling */
	disconnect_for(&r, "alice", false, key_text);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, 19, k, false, &why), -1);
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len - 1, k, false, &why), -1);
	r.b[21] = 40;
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), -1);
	/* an Access-Request or an answer is not ours */
	disconnect_for(&r, "alice", false, key_text);
	r.b[0] = 1;
	UNIT_ASSERT_EQ_INT(dae_check(r.b, r.len, k, false, &why), -1);
	secret_free(k);
}

UNIT_TEST(answers_are_signed_and_echo_proxy_state)
{
	struct secret *k = key();
	struct dae_req rq;
	struct tdae r;
	uint8_t a[DAE_ANSWER_MAX];
	size_t n;

	tdae_start(&r, DAE_DISCONNECT_REQUEST, 42);
	tdae_str(&r, 1, "nobody");
	tdae_str(&r, 33, "ps-one");
	tdae_str(&r, 33, "ps-two");
	tdae_ma(&r);
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	n = dae_answer(a, sizeof(a), &rq, false, DAE_ERR_SESSION_NOT_FOUND, k);
	UNIT_ASSERT(n > 20);
	UNIT_ASSERT_EQ_INT(a[0], DAE_DISCONNECT_NAK);
	UNIT_ASSERT_EQ_INT(tdae_verify(a, n, &r, key_text), 503);
	UNIT_ASSERT(memmem(a, n, "\x21\x08ps-one\x21\x08ps-two", 16));
	UNIT_ASSERT(memmem(a, n, "\x50\x12", 2));	/* signed, as the request was */
	/* the answer under another secret does not verify */
	UNIT_ASSERT_EQ_INT(tdae_verify(a, n, &r, "other"), -1);

	tdae_start(&r, DAE_COA_REQUEST, 3);
	tdae_str(&r, 1, "alice");
	tdae_u32(&r, 27, 5);
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	n = dae_answer(a, sizeof(a), &rq, true, 0, k);
	UNIT_ASSERT_EQ_INT(n, 20);
	UNIT_ASSERT_EQ_INT(a[0], DAE_COA_ACK);
	UNIT_ASSERT_EQ_INT(tdae_verify(a, n, &r, key_text), 0);
	/* no room: nothing */
	UNIT_ASSERT_EQ_INT(dae_answer(a, 10, &rq, true, 0, k), 0);
	secret_free(k);
}

UNIT_TEST(duplicated_and_bad_attributes_marked)
{
	struct dae_req rq;
	struct tdae r;

	tdae_start(&r, DAE_DISCONNECT_REQUEST, 1);
	tdae_str(&r, 1, "alice");
	tdae_str(&r, 1, "bob");			/* two User-Names */
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	UNIT_ASSERT_EQ_INT(rq.invalid, 1);
	tdae_start(&r, DAE_DISCONNECT_REQUEST, 1);
	tdae_attr(&r, 8, "\x0a\x00\x00", 3);	/* a 3-byte address */
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	UNIT_ASSERT_EQ_INT(rq.invalid, 8);
	tdae_start(&r, DAE_DISCONNECT_REQUEST, 1);
	tdae_attr(&r, 1, "a\0b", 3);		/* NUL inside a name */
	tdae_u32(&r, 6, 17);			/* Service-Type Authorize-Only */
	tdae_sign(&r, key_text);
	UNIT_ASSERT_EQ_INT(dae_parse(r.b, r.len, &rq), 0);
	UNIT_ASSERT_EQ_INT(rq.invalid, 1);
	UNIT_ASSERT_EQ_INT(rq.unsupported, 6);
}

UNIT_MAIN()
