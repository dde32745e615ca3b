// SPDX-License-Identifier: MIT
/* lib/parse.c and lib/algo.c: numbers, addresses, prefixes, hex keys,
 * interface names, word matching, the algorithm table. */
#include <arpa/inet.h>
#include <stdint.h>

#include "tests/unit/unit.h"
#include "lib/algo.h"
#include "lib/parse.h"

UNIT_TEST(u64_decimal_and_hex)
{
	struct evs_err e;
	uint64_t v;

	UNIT_ASSERT_EQ_INT(evs_parse_u64("n", "0", 0, 10, &v, &e), 0);
	UNIT_ASSERT_EQ_INT(v, 0);
	UNIT_ASSERT_EQ_INT(evs_parse_u64("n", "4096", 0, 4096, &v, &e), 0);
	UNIT_ASSERT_EQ_INT(v, 4096);
	UNIT_ASSERT_EQ_INT(evs_parse_u64("n", "0x1000", 0, UINT64_MAX, &v, &e), 0);
	UNIT_ASSERT_EQ_INT(v, 0x1000);
	UNIT_ASSERT_EQ_INT(evs_parse_u64("n", "0XfF", 0, UINT64_MAX, &v, &e), 0);
	UNIT_ASSERT_EQ_INT(v, 255);
	/* A leading zero is decimal, never octal. */
	UNIT_ASSERT_EQ_INT(evs_parse_u64("n", "010", 0, UINT64_MAX, &v, &e), 0);
	UNIT_ASSERT_EQ_INT(v, 10);
	UNIT_ASSERT_EQ_INT(evs_parse_u64("n", "18446744073709551615", 0, UINT64_MAX, &v, &e), 0);
	UNIT_ASSERT(v == UINT64_MAX);
}

UNIT_TEST(u64_rejects_non_numbers_naming_the_word)
{
	static const char *const bad[] = { "zz", "", "-1", "+1", " 1", "1 ", "1x", "0x",
					   "0xg", "1e3", "12abc" };
	struct evs_err e;
	uint64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		UNIT_ASSERT_EQ_INT(evs_parse_u64("spi", bad[i], 0, UINT64_MAX, &v, &e), -1);
		snprintf(want, sizeof(want), "\"spi\" expects a number, got \"%s\"", bad[i]);
		UNIT_ASSERT_EQ_STR(e.msg, want);
	}
	UNIT_ASSERT_EQ_INT(evs_parse_u64("spi", NULL, 0, 1, &v, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"spi\" expects a number");
}

UNIT_TEST(u64_range_and_overflow)
{
	struct evs_err e;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;
	uint64_t v;

	UNIT_ASSERT_EQ_INT(evs_parse_u64("replay-window", "4097", 0, 4096, &v, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"replay-window\" expects a number from 0 to 4096, got \"4097\"");
	UNIT_ASSERT_EQ_INT(evs_parse_u32("ID", "0", 1, UINT32_MAX, &v32, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "ID expects a number from 1 to 4294967295, got \"0\"");
	UNIT_ASSERT_EQ_INT(evs_parse_u32("x", "4294967296", 0, UINT32_MAX, &v32, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_u64("x", "18446744073709551616", 0, UINT64_MAX, &v, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_u16("x", "65536", 0, UINT16_MAX, &v16, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_u16("x", "65535", 0, UINT16_MAX, &v16, &e), 0);
	UNIT_ASSERT_EQ_INT(v16, 65535);
	UNIT_ASSERT_EQ_INT(evs_parse_u8("x", "256", 0, 255, &v8, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_u8("x", "0xff", 0, 255, &v8, &e), 0);
	UNIT_ASSERT_EQ_INT(v8, 255);
}

UNIT_TEST(addresses)
{
	struct evs_inaddr a;
	struct evs_err e;
	char buf[EVS_INADDR_STRLEN];

	UNIT_ASSERT_EQ_INT(evs_parse_addr("src", "198.51.100.1", 0, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(a.family, AF_INET);
	UNIT_ASSERT_EQ_INT(a.plen, 32);
	UNIT_ASSERT_MEM_EQ(a.a, "\xc6\x33\x64\x01", 4);
	UNIT_ASSERT_EQ_STR(evs_inaddr_ntop(&a, buf, sizeof(buf)), "198.51.100.1");
	UNIT_ASSERT_EQ_INT(evs_parse_addr("dst", "2001:db8::1", 0, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(a.family, AF_INET6);
	UNIT_ASSERT_EQ_INT(evs_inaddr_len(&a), 16);
	UNIT_ASSERT_EQ_STR(evs_inaddr_ntop(&a, buf, sizeof(buf)), "2001:db8::1");
	UNIT_ASSERT_EQ_INT(evs_parse_addr("dst", "1.2.3", 0, &a, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"dst\" expects an IP address, got \"1.2.3\"");
	UNIT_ASSERT_EQ_INT(evs_parse_addr("ADDR", "2001:db8::1", AF_INET, &a, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "ADDR expects an IPv4 address, got \"2001:db8::1\"");
	UNIT_ASSERT_EQ_INT(evs_parse_addr("src", "10.0.0.1/32", 0, &a, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_addr("src", NULL, 0, &a, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"src\" expects an IP address");
}

UNIT_TEST(prefixes)
{
	struct evs_inaddr a;
	struct evs_err e;
	char buf[EVS_INADDR_STRLEN];

	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "10.77.0.0/16", 0, true, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(a.plen, 16);
	UNIT_ASSERT_EQ_STR(evs_inaddr_ntop(&a, buf, sizeof(buf)), "10.77.0.0/16");
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "10.77.0.5", 0, true, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(a.plen, 32);
	UNIT_ASSERT_EQ_STR(evs_prefix_ntop(&a, buf, sizeof(buf)), "10.77.0.5/32");
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "default", 0, true, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(a.plen, 0);
	UNIT_ASSERT_EQ_STR(evs_inaddr_ntop(&a, buf, sizeof(buf)), "0.0.0.0/0");
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "2001:db8::/32", 0, true, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(a.family, AF_INET6);
	UNIT_ASSERT_EQ_INT(a.plen, 32);
	/* Selectors: host bits cleared quietly; routes: refused. */
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("src", "10.77.1.9/16", 0, false, &a, &e), 0);
	UNIT_ASSERT_EQ_STR(evs_inaddr_ntop(&a, buf, sizeof(buf)), "10.77.0.0/16");
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("PREFIX", "10.77.1.9/16", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "PREFIX expects a prefix without host bits, got \"10.77.1.9/16\" (did you mean 10.77.0.0/16?)");
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "10.0.0.0/33", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"dst\" prefix length must be 0 to 32, got \"10.0.0.0/33\"");
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "10.0.0.0/", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "10.0.0.0/-1", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "10.0.0.0/1a", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "::/129", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "::/128", 0, true, &a, &e), 0);
	UNIT_ASSERT_EQ_INT(evs_parse_prefix("dst", "foo/8", 0, true, &a, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"dst\" expects an IP prefix (ADDR[/LEN]), got \"foo/8\"");
}

UNIT_TEST(hex_keys)
{
	uint8_t key[8];
	struct evs_err e;
	size_t len;

	UNIT_ASSERT_EQ_INT(evs_parse_hexkey("enc", "0x0011aAfF", key, sizeof(key), &len, &e), 0);
	UNIT_ASSERT_EQ_INT(len, 4);
	UNIT_ASSERT_MEM_EQ(key, "\x00\x11\xaa\xff", 4);
	UNIT_ASSERT_EQ_INT(evs_parse_hexkey("enc", "0x", key, sizeof(key), &len, &e), 0);
	UNIT_ASSERT_EQ_INT(len, 0);
	UNIT_ASSERT_EQ_INT(evs_parse_hexkey("enc", "0011", key, sizeof(key), &len, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"enc\" expects a hex key starting with 0x");
	UNIT_ASSERT_EQ_INT(evs_parse_hexkey("enc", "0x001", key, sizeof(key), &len, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"enc\" key has an odd number of hex digits (3)");
	UNIT_ASSERT_EQ_INT(evs_parse_hexkey("enc", "0x00zz", key, sizeof(key), &len, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"enc\" key has a non-hex character at position 5");
	UNIT_ASSERT_EQ_INT(evs_parse_hexkey("enc", "0x001122334455667788", key, sizeof(key),
					    &len, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"enc\" key is too long (72 bits, at most 64)");
	/* The secret itself never appears in a message. */
	UNIT_ASSERT(!strstr(e.msg, "0011"));
}

UNIT_TEST(interface_names)
{
	char name[IF_NAMESIZE];
	struct evs_err e;

	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "evs0", name, &e), 0);
	UNIT_ASSERT_EQ_STR(name, "evs0");
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "abcdefghijklmno", name, &e), 0);
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "abcdefghijklmnop", name, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"dev\" expects an interface name of 1 to 15 characters, got \"abcdefghijklmnop\"");
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "a/b", name, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "a b", name, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "..", name, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", "", name, &e), -1);
	UNIT_ASSERT_EQ_INT(evs_parse_ifname("dev", NULL, name, &e), -1);
	UNIT_ASSERT_EQ_STR(e.msg, "\"dev\" expects an interface name");
}

UNIT_TEST(word_prefix_matching)
{
	static const char *const w[] = { "add", "del", "show", "flush", "delete-all", NULL };

	UNIT_ASSERT_EQ_INT(evs_match_word("add", w), 0);
	UNIT_ASSERT_EQ_INT(evs_match_word("a", w), 0);
	UNIT_ASSERT_EQ_INT(evs_match_word("sh", w), 2);
	UNIT_ASSERT_EQ_INT(evs_match_word("del", w), 1);	/* exact beats prefix */
	UNIT_ASSERT_EQ_INT(evs_match_word("de", w), -2);	/* ambiguous */
	UNIT_ASSERT_EQ_INT(evs_match_word("x", w), -1);
	UNIT_ASSERT_EQ_INT(evs_match_word("", w), -1);
	UNIT_ASSERT_EQ_INT(evs_match_word("adds", w), -1);
}

UNIT_TEST(algorithm_table)
{
	const struct evs_algo *a;
	char buf[128];

	a = evs_algo_find(EVS_ALGO_AEAD, "rfc4106(gcm(aes))");
	UNIT_ASSERT(a);
	UNIT_ASSERT(evs_algo_key_ok(a, 20) && evs_algo_key_ok(a, 28) && evs_algo_key_ok(a, 36));
	UNIT_ASSERT(!evs_algo_key_ok(a, 16) && !evs_algo_key_ok(a, 32));
	UNIT_ASSERT(evs_algo_icv_ok(a, 64) && evs_algo_icv_ok(a, 96) && evs_algo_icv_ok(a, 128));
	UNIT_ASSERT(!evs_algo_icv_ok(a, 32));
	UNIT_ASSERT_EQ_STR(evs_algo_key_sizes(a, buf, sizeof(buf)),
			   "160, 224 or 288 bits (key followed by a 32-bit salt)");
	a = evs_algo_find(EVS_ALGO_AEAD, "rfc7539esp(chacha20,poly1305)");
	UNIT_ASSERT(a && evs_algo_key_ok(a, 36) && !evs_algo_icv_ok(a, 96));
	UNIT_ASSERT(!evs_algo_find(EVS_ALGO_ENC, "rfc4106(gcm(aes))"));
	a = evs_algo_find(EVS_ALGO_ENC, "cbc(des3_ede)");
	UNIT_ASSERT(a && a->weak && evs_algo_key_ok(a, 24));
	a = evs_algo_find(EVS_ALGO_ENC, "cipher_null");	/* alias */
	UNIT_ASSERT(a);
	UNIT_ASSERT_EQ_STR(a->name, "ecb(cipher_null)");
	UNIT_ASSERT(evs_algo_key_ok(a, 0) && !evs_algo_key_ok(a, 1));
	a = evs_algo_find(EVS_ALGO_AUTH, "hmac(sha256)");
	UNIT_ASSERT(a && evs_algo_key_ok(a, 32) && !a->weak);
	UNIT_ASSERT(evs_algo_trunc_ok(a, 128) && evs_algo_trunc_ok(a, 96) && evs_algo_trunc_ok(a, 256));
	UNIT_ASSERT(!evs_algo_trunc_ok(a, 100) && !evs_algo_trunc_ok(a, 288) && !evs_algo_trunc_ok(a, 0));
	UNIT_ASSERT(evs_algo_find(EVS_ALGO_AUTH, "hmac(md5)")->weak);
	UNIT_ASSERT(!evs_algo_find(EVS_ALGO_AUTH, "hmac(sha3)"));
	UNIT_ASSERT_EQ_STR(evs_algo_list(EVS_ALGO_AEAD, buf, sizeof(buf)),
			   "rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305)");
}

UNIT_MAIN()
