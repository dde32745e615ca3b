// SPDX-License-Identifier: MIT
/* ESP algorithm table shared by evsadm and evsd; see algo.h. */
#include <stdio.h>
#include <string.h>

#include "lib/algo.h"

static const struct evs_algo evs_algos[] = {
	/* RFC 4106: 128/192/256-bit AES key + 32-bit salt; ICV 8, 12 or 16 bytes. */
	{ "rfc4106(gcm(aes))", NULL, EVS_ALGO_AEAD, { 128, 192, 256 }, false, 32,
	  { 64, 96, 128 }, false },
	/* RFC 7634: 256-bit key + 32-bit salt, 16-byte tag only. */
	{ "rfc7539esp(chacha20,poly1305)", NULL, EVS_ALGO_AEAD, { 256 }, false, 32,
	  { 128 }, false },
	{ "cbc(aes)", "aes", EVS_ALGO_ENC, { 128, 192, 256 }, false, 0, { 0 }, false },
	{ "cbc(des3_ede)", "des3_ede", EVS_ALGO_ENC, { 192 }, false, 0, { 0 }, true },
	{ "cbc(des)", "des", EVS_ALGO_ENC, { 64 }, false, 0, { 0 }, true },
	/* Null encryption (RFC 2410): benchmarking only. */
	{ "ecb(cipher_null)", "cipher_null", EVS_ALGO_ENC, { 0 }, true, 0, { 0 }, false },
	/* Key = digest length (RFC 2404, 2403, 4868); truncation per RFC. */
	{ "hmac(sha1)", "sha1", EVS_ALGO_AUTH, { 160 }, false, 0, { 96, 160 }, false },
	{ "hmac(md5)", "md5", EVS_ALGO_AUTH, { 128 }, false, 0, { 96, 128 }, true },
	{ "hmac(sha256)", "sha256", EVS_ALGO_AUTH, { 256 }, false, 0, { 128, 256 }, false },
	{ "hmac(sha384)", "sha384", EVS_ALGO_AUTH, { 384 }, false, 0, { 192, 384 }, false },
	{ "hmac(sha512)", "sha512", EVS_ALGO_AUTH, { 512 }, false, 0, { 256, 512 }, false },
	{ "digest_null", "null", EVS_ALGO_AUTH, { 0 }, true, 0, { 0, 0 }, false },
};

#define N_ALGOS (sizeof(evs_algos) / sizeof(evs_algos[0]))

const struct evs_algo *evs_algo_find(enum evs_algo_kind kind, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < N_ALGOS; i++) {
		const struct evs_algo *a = &evs_algos[i];

		if (a->kind != kind)
			continue;
		if (!strcmp(a->name, name) || (a->alias && !strcmp(a->alias, name)))
			return a;
	}
	return NULL;
}

const char *evs_algo_list(enum evs_algo_kind kind, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_ALGOS && off < len; i++) {
		if (evs_algos[i].kind != kind)
			continue;
		off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
				evs_algos[i].name);
	}
	return buf;
}

bool evs_algo_key_ok(const struct evs_algo *a, size_t bytes)
{
	if (a->empty_key)
		return bytes == 0;
	for (int i = 0; i < EVS_ALGO_MAX_SIZES && a->key_bits[i]; i++)
		if (bytes * 8 == (size_t)a->key_bits[i] + a->salt_bits)
			return true;
	return false;
}

const char *evs_algo_key_sizes(const struct evs_algo *a, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	if (a->empty_key) {
		snprintf(buf, len, "empty (0x)");
		return buf;
	}
	while (n < EVS_ALGO_MAX_SIZES && a->key_bits[n])
		n++;
	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%u",
				i == 0 ? "" : i == n - 1 ? " or " : ", ",
				a->key_bits[i] + a->salt_bits);
	if (off < len)
		snprintf(buf + off, len - off, " bits%s",
			 a->salt_bits ? " (key followed by a 32-bit salt)" : "");
	return buf;
}

bool evs_algo_icv_ok(const struct evs_algo *a, uint32_t bits)
{
	if (a->kind != EVS_ALGO_AEAD)
		return false;
	for (int i = 0; i < EVS_ALGO_MAX_SIZES && a->icv_bits[i]; i++)
		if (a->icv_bits[i] == bits)
			return true;
	return false;
}

bool evs_algo_trunc_ok(const struct evs_algo *a, uint32_t bits)
{
	if (a->kind != EVS_ALGO_AUTH)
		return false;
	if (a->empty_key)
		return bits == 0;
	/* ESP needs the ICV to keep the packet 32-bit aligned. */
	return bits >= 32 && bits <= a->icv_bits[1] && bits % 32 == 0;
}
