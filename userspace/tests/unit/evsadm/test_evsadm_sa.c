// SPDX-License-Identifier: MIT
/* evsadm sa: grammar accepted and rejected, the netlink message built
 * (walked back independently with libmnl), text and JSON output. */
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/evsadm/run_words.h"
#include "tests/unit/nl_walk.h"
#include "tests/unit/unit.h"
#include "evsadm/evsadm.h"

#define GCM_KEY "0x000102030405060708090a0b0c0d0e0f10111213"	/* 128 + salt */
#define AES_KEY "0x000102030405060708090a0b0c0d0e0f"
#define SHA256_KEY "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define BASE "dev evs0 dir out spi 0x1000 src 198.51.100.1 dst 203.0.113.7 "

static int parse_line(const char *line, struct evsadm_sa_req *req, struct evs_err *e)
{
	return run_parse((parse_fn)evsadm_sa_parse, line, req, e);
}

static void expect_ok(const char *line, struct evsadm_sa_req *req)
{
	struct evs_err e = { "" };

	if (parse_line(line, req, &e))
		UNIT_FAIL("rejected: %s: %s", line, e.msg);
}

static void expect_err(const char *line, const char *msg)
{
	struct evsadm_sa_req req;
	struct evs_err e = { "" };

	if (!parse_line(line, &req, &e))
		UNIT_FAIL("accepted: %s", line);
	if (strcmp(e.msg, msg))
		UNIT_FAIL("%s:\n#     got  \"%s\"\n#     want \"%s\"", line, e.msg, msg);
}

UNIT_TEST(sa_add_aead_full)
{
	struct evsadm_sa_req r;

	expect_ok("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 encap espinudp 4500 4501 "
		  "replay-window 64 esn limit bytes-soft 1000 limit time-hard 3600 conn 7 oseq 5",
		  &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_ADD);
	UNIT_ASSERT_EQ_STR(r.dev, "evs0");
	UNIT_ASSERT_EQ_INT(r.sa.dir, EVS_DIR_OUT);
	UNIT_ASSERT_EQ_INT(r.sa.spi, 0x1000);
	UNIT_ASSERT_EQ_INT(r.sa.src.family, AF_INET);
	UNIT_ASSERT_MEM_EQ(r.sa.dst.a, "\xcb\x00\x71\x07", 4);
	UNIT_ASSERT_EQ_STR(r.sa.aead_name, "rfc4106(gcm(aes))");
	UNIT_ASSERT_EQ_INT(r.sa.aead_key_len, 20);
	UNIT_ASSERT_EQ_INT(r.sa.aead_key[19], 0x13);
	UNIT_ASSERT_EQ_INT(r.sa.aead_icv_bits, 128);
	UNIT_ASSERT_EQ_INT(r.sa.encap_type, EVS_ENCAP_ESPINUDP);
	UNIT_ASSERT_EQ_INT(r.sa.encap_sport, 4500);
	UNIT_ASSERT_EQ_INT(r.sa.encap_dport, 4501);
	UNIT_ASSERT_EQ_INT(r.sa.replay_window, 64);
	UNIT_ASSERT_EQ_INT(r.sa.flags, EVS_SA_F_ESN);
	UNIT_ASSERT(EVS_HAS(&r.sa.limits, EVS_LFT_A_BYTES_SOFT));
	UNIT_ASSERT(EVS_HAS(&r.sa.limits, EVS_LFT_A_TIME_HARD));
	UNIT_ASSERT(!EVS_HAS(&r.sa.limits, EVS_LFT_A_BYTES_HARD));
	UNIT_ASSERT_EQ_INT(r.sa.limits.v[EVS_LFT_A_TIME_HARD], 3600);
	UNIT_ASSERT_EQ_INT(r.sa.conn_id, 7);
	UNIT_ASSERT_EQ_INT(r.sa.oseq, 5);
	UNIT_ASSERT(!EVS_HAS(&r.sa, EVS_SA_A_ENC_NAME));
}

UNIT_TEST(sa_add_every_algorithm)
{
	static const char *const lines[] = {
		"aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b 96",
		"aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223 64",
		"aead 'rfc7539esp(chacha20,poly1305)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223 128",
		"enc 'cbc(aes)' " AES_KEY " auth 'hmac(sha1)' 0x000102030405060708090a0b0c0d0e0f10111213",
		"enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f1011121314151617 auth 'hmac(sha256)' " SHA256_KEY " trunc 128",
		"enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f auth 'hmac(sha384)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000102030405060708090a0b0c0d0e0f",
		"enc 'cbc(aes)' " AES_KEY " auth 'hmac(sha512)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"enc 'cbc(des3_ede)' 0x000102030405060708090a0b0c0d0e0f1011121314151617 auth 'hmac(md5)' " AES_KEY " allow-weak",
		"enc 'cbc(des)' 0x0001020304050607 auth 'hmac(sha1)' 0x000102030405060708090a0b0c0d0e0f10111213 allow-weak",
		"enc 'ecb(cipher_null)' 0x auth digest_null 0x",
		"enc cipher_null 0x auth null 0x",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char line[512];
		struct evsadm_sa_req r;

		snprintf(line, sizeof(line), "add " BASE "%s", lines[i]);
		expect_ok(line, &r);
	}
}

UNIT_TEST(sa_add_alias_sent_as_kernel_name)
{
	struct evsadm_sa_req r;

	expect_ok("add " BASE "enc aes " AES_KEY " auth sha256 " SHA256_KEY, &r);
	UNIT_ASSERT_EQ_STR(r.sa.enc_name, "cbc(aes)");
	UNIT_ASSERT_EQ_STR(r.sa.auth_name, "hmac(sha256)");
	UNIT_ASSERT(!EVS_HAS(&r.sa, EVS_SA_A_AUTH_TRUNC_BITS));
}

UNIT_TEST(sa_add_rejects_bad_words)
{
	expect_err("add dev evs0 dir out spi zz", "\"spi\" expects a number, got \"zz\"");
	expect_err("add dev evs0 dir out spi 255", "\"spi\" 255 is reserved (SPIs 0 to 255, RFC 4303); use 256 or more");
	expect_err("add dev evs0 dir out spi 0x100000000",
		   "\"spi\" expects a number from 0 to 4294967295, got \"0x100000000\"");
	expect_err("add dev evs0 dir sideways", "\"dir\" expects \"in\" or \"out\", got \"sideways\"");
	expect_err("add dev evs0 dir", "\"dir\" expects \"in\" or \"out\"");
	expect_err("add dev evs0 dir out spi 300 src 1.2.3.999",
		   "\"src\" expects an IP address, got \"1.2.3.999\"");
	expect_err("add " BASE "aead foo 0x00 128",
		   "unknown aead algorithm \"foo\" (one of rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305))");
	expect_err("add " BASE "enc 'cbc(aes)' 0x0011 auth 'hmac(sha1)' 0x00",
		   "\"enc\" key for cbc(aes) must be 128, 192 or 256 bits, got 16 bits");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " AES_KEY " 128",
		   "\"aead\" key for rfc4106(gcm(aes)) must be 160, 224 or 288 bits (key followed by a 32-bit salt), got 128 bits");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 100",
		   "ICVBITS for rfc4106(gcm(aes)) must be 64, 96, 128, got \"100\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY,
		   "ICVBITS expects a number");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' 0xZZ 128",
		   "\"aead\" key has a non-hex character at position 3");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' 1234 128",
		   "\"aead\" expects a hex key starting with 0x");
	expect_err("add " BASE "enc 'cbc(aes)' " AES_KEY " auth 'hmac(sha256)' " AES_KEY,
		   "\"auth\" key for hmac(sha256) must be 256 bits, got 128 bits");
	expect_err("add " BASE "enc 'cbc(aes)' " AES_KEY " auth 'hmac(sha256)' " SHA256_KEY " trunc 100",
		   "\"trunc\" for hmac(sha256) must be a multiple of 32 from 32 to 256, got 100");
	expect_err("add " BASE "enc 'cbc(aes)' " AES_KEY " trunc 96",
		   "\"trunc\" must follow \"auth ALGO KEY\"");
	expect_err("add " BASE "enc 'cbc(aes)' " AES_KEY " auth 'hmac(sha3)' 0x00",
		   "unknown auth algorithm \"hmac(sha3)\" (one of hmac(sha1), hmac(md5), hmac(sha256), hmac(sha384), hmac(sha512), digest_null)");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 encap espinudp 0 4500",
		   "SPORT expects a number from 1 to 65535, got \"0\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 encap udp 4500 4500",
		   "\"encap\" expects \"espinudp\", got \"udp\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 encap espinudp 4500",
		   "DPORT expects a number");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 replay-window 5000",
		   "\"replay-window\" expects a number from 0 to 4096, got \"5000\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 limit bytes 5",
		   "\"limit\" expects bytes-soft, bytes-hard, packets-soft, packets-hard, time-soft, time-hard, use-soft or use-hard, got \"bytes\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 limit packets-hard x",
		   "\"packets-hard\" expects a number, got \"x\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 limit use-soft 1 limit use-soft 2",
		   "\"use-soft\" given twice");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 conn 0",
		   "\"conn\" expects a number from 1 to 4294967295, got \"0\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 oseq -1",
		   "\"oseq\" expects a number, got \"-1\"");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 esn esn",
		   "\"esn\" given twice");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 frobnicate",
		   "unknown keyword \"frobnicate\"");
	expect_err("add " BASE "spi 0x2000", "\"spi\" given twice");
	expect_err("add dev evs0 dev evs1", "\"dev\" given twice");
	expect_err("add dev evs0/x", "\"dev\" expects an interface name, got \"evs0/x\"");
}

/* Keys from a file (@FILE) or standard input (@-), so that they never
 * appear on a command line (issue 10, item 14). */
UNIT_TEST(sa_add_keys_from_file_and_stdin)
{
	struct evsadm_sa_req r;
	char line[512], msg[600];
	char *enc = unit_tmpfile_mode(AES_KEY "\n", 0600);
	char *bad = unit_tmpfile_mode("0x00zz\n", 0600);
	char *open_w = unit_tmpfile_mode(AES_KEY "\n", 0666);
	int p[2], saved = dup(0);

	snprintf(line, sizeof(line), "add " BASE "enc 'cbc(aes)' @%s auth 'hmac(sha256)' @-", enc);
	UNIT_ASSERT_EQ_INT(pipe(p), 0);
	UNIT_ASSERT(write(p[1], "  " SHA256_KEY "  \nnext line\n", 2 + strlen(SHA256_KEY) + 13) > 0);
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
	expect_ok(line, &r);
	UNIT_ASSERT_EQ_INT(r.sa.enc_key_len, 16);
	UNIT_ASSERT_MEM_EQ(r.sa.enc_key, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
			   "\x0c\x0d\x0e\x0f", 16);
	UNIT_ASSERT_EQ_INT(r.sa.auth_key_len, 32);
	UNIT_ASSERT_EQ_INT(r.sa.auth_key[31], 0x1f);
	/* only the key's line was consumed */
	{
		char rest[16] = "";

		UNIT_ASSERT_EQ_INT(read(0, rest, 10), 10);
		UNIT_ASSERT(!memcmp(rest, "next line\n", 10));
	}
	/* stdin at its end: no key */
	snprintf(line, sizeof(line), "add " BASE "enc 'cbc(aes)' @- auth 'hmac(sha256)' " SHA256_KEY);
	expect_err(line, "standard input: no key");
	dup2(saved, 0);
	close(saved);
	/* the file's key is checked like a command-line one */
	snprintf(line, sizeof(line), "add " BASE "enc 'cbc(aes)' @%s auth 'hmac(sha256)' " SHA256_KEY, bad);
	expect_err(line, "\"enc\" key has a non-hex character at position 5");
	snprintf(line, sizeof(line), "add " BASE "enc 'cbc(aes)' @%s auth 'hmac(sha256)' " SHA256_KEY,
		 open_w);
	snprintf(msg, sizeof(msg), "%s: writable by others (mode 0666): refused (chmod 600 %s)",
		 open_w, open_w);
	expect_err(line, msg);
	expect_err("add " BASE "enc 'cbc(aes)' @/nonexistent/key auth 'hmac(sha256)' " SHA256_KEY,
		   "/nonexistent/key: No such file or directory");
	unlink(enc);
	unlink(bad);
	unlink(open_w);
	free(enc);
	free(bad);
	free(open_w);
}

UNIT_TEST(sa_add_rejects_missing_and_conflicting)
{
	expect_err("add", "missing \"dev DEV\"");
	expect_err("add dev evs0", "missing \"dir in|out\"");
	expect_err("add dev evs0 dir in", "missing \"spi SPI\"");
	expect_err("add dev evs0 dir in spi 300", "missing \"src ADDR\"");
	expect_err("add dev evs0 dir in spi 300 src 10.0.0.1", "missing \"dst ADDR\"");
	expect_err("add " BASE, "missing algorithms: \"aead ALGO KEY ICVBITS\" or \"enc ALGO KEY auth ALGO KEY\"");
	expect_err("add " BASE "enc 'cbc(aes)' " AES_KEY,
		   "\"enc\" needs \"auth ALGO KEY\" too (ESP without integrity is refused)");
	expect_err("add " BASE "auth 'hmac(sha256)' " SHA256_KEY,
		   "\"auth\" needs \"enc ALGO KEY\" too (\"enc ecb(cipher_null) 0x\" for none)");
	expect_err("add " BASE "aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 enc 'cbc(aes)' " AES_KEY,
		   "\"aead\" cannot be combined with \"enc\"");
	expect_err("add dev evs0 dir out spi 300 src 10.0.0.1 dst 2001:db8::1 aead 'rfc4106(gcm(aes))' " GCM_KEY " 128",
		   "\"src\" and \"dst\" must both be IPv4 or both IPv6");
	expect_err("add dev evs0 dir in spi 300 src 10.0.0.1 dst 10.0.0.2 aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 oseq 4",
		   "\"oseq\" applies to \"dir out\" SAs only");
	expect_err("add dev evs0 dir out spi 300 src 10.0.0.1 dst 10.0.0.2 aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 seq-hi 4",
		   "\"seq-hi\" applies to \"dir in\" SAs only");
	expect_err("add dev evs0 dir in spi 300 src 10.0.0.1 dst 10.0.0.2 aead 'rfc4106(gcm(aes))'",
		   "\"aead\" expects a hex key (0x...)");
	expect_err("add dev evs0 dir in spi 300 src 10.0.0.1 dst 10.0.0.2 aead",
		   "\"aead\" expects an algorithm (rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305))");
}

UNIT_TEST(sa_other_verbs)
{
	struct evsadm_sa_req r;

	expect_ok("del dev evs0 dir in spi 4096", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_DEL);
	expect_ok("get dev evs0 dir out spi 0x1000", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_GET);
	expect_ok("show", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_SHOW);
	expect_ok("sh dev evs0", &r);		/* unique prefix */
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_SHOW);
	UNIT_ASSERT_EQ_STR(r.dev, "evs0");
	expect_ok("list", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_SHOW);
	expect_ok("flush", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_FLUSH);
	expect_ok("update dev evs0 dir out spi 4096 dst 203.0.113.9 encap espinudp 4500 31000", &r);
	UNIT_ASSERT_EQ_INT(r.op, EVSADM_OP_UPDATE);
	UNIT_ASSERT_EQ_INT(r.sa.encap_dport, 31000);
	expect_ok("update dev evs0 dir out spi 4096 limit packets-hard 10", &r);
	expect_ok("update dev evs0 dir in spi 4096 src 198.51.100.77", &r);
	expect_err("update dev evs0 dir out spi 4096", "nothing to update (give src, dst, encap or limit)");
	expect_err("update dev evs0 dir out spi 4096 src 1.1.1.1",
		   "\"src\" of an outbound SA is this host; update the peer with \"dst\"");
	expect_err("update dev evs0 dir in spi 4096 dst 1.1.1.1",
		   "\"dst\" of an inbound SA is this host; update the peer with \"src\"");
	expect_err("update dev evs0 dir in spi 4096 conn 5", "\"conn\" is not valid for \"sa update\"");
	expect_err("del dev evs0 dir in", "missing \"spi SPI\"");
	expect_err("del dev evs0 dir in spi 300 src 1.1.1.1", "\"src\" is not valid for \"sa del\"");
	expect_err("get dir in spi 300", "missing \"dev DEV\"");
	expect_err("show spi 300", "\"spi\" is not valid for \"sa show\"");
	expect_err("flush dir in", "\"dir\" is not valid for \"sa flush\"");
	expect_err("frob", "unknown command \"frob\" for \"sa\"; one of add, update, del, get, show, list or flush");
	expect_err("", "missing command; one of add, update, del, get, show, list or flush");
}

UNIT_TEST(sa_add_message)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_sa_req r;
	const struct nlattr *sa, *a, *lim;
	const struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	expect_ok("add " BASE "enc 'cbc(aes)' " AES_KEY " auth 'hmac(sha256)' " SHA256_KEY
		  " trunc 128 encap espinudp 4500 4500 replay-window 128 allow-weak esn "
		  "limit packets-hard 99 conn 3 oseq 0xfffffff0", &r);
	r.sa.dev.ifindex = 42;		/* resolved from "evs0" by the I/O step */
	nlh = evsadm_sa_build(&r, 0x1234, buf);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_type, 0x1234);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	g = mnl_nlmsg_get_payload(nlh);
	UNIT_ASSERT_EQ_INT(g->cmd, EVS_CMD_SA_ADD);
	UNIT_ASSERT_EQ_INT(g->version, EVS_GENL_VERSION);

	a = top(nlh, EVS_A_IFINDEX);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), 42);
	UNIT_ASSERT(top(nlh, EVS_A_IFNAME) == NULL);
	sa = top(nlh, EVS_A_SA);
	UNIT_ASSERT(sa != NULL);
	a = nested(sa, EVS_SA_A_DIR);
	ASSERT_ATTR(a, 1);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(a), EVS_DIR_OUT);
	a = nested(sa, EVS_SA_A_SPI);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), 0x1000);
	a = nested(sa, EVS_SA_A_FAMILY);
	ASSERT_ATTR(a, 2);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(a), AF_INET);
	a = nested(sa, EVS_SA_A_SRC);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a), "\xc6\x33\x64\x01", 4);
	a = nested(sa, EVS_SA_A_DST);
	ASSERT_ATTR(a, 4);
	a = nested(sa, EVS_SA_A_ENC_NAME);
	ASSERT_ATTR(a, sizeof("cbc(aes)"));
	UNIT_ASSERT_EQ_STR(mnl_attr_get_str(a), "cbc(aes)");
	a = nested(sa, EVS_SA_A_ENC_KEY);
	ASSERT_ATTR(a, 16);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(a),
			   "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
	a = nested(sa, EVS_SA_A_AUTH_NAME);
	UNIT_ASSERT_EQ_STR(mnl_attr_get_str(a), "hmac(sha256)");
	ASSERT_ATTR(nested(sa, EVS_SA_A_AUTH_KEY), 32);
	a = nested(sa, EVS_SA_A_AUTH_TRUNC_BITS);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), 128);
	a = nested(sa, EVS_SA_A_ENCAP_TYPE);
	ASSERT_ATTR(a, 1);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(a), EVS_ENCAP_ESPINUDP);
	a = nested(sa, EVS_SA_A_ENCAP_SPORT);
	ASSERT_ATTR(a, 2);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(a), 4500);
	ASSERT_ATTR(nested(sa, EVS_SA_A_ENCAP_DPORT), 2);
	a = nested(sa, EVS_SA_A_REPLAY_WINDOW);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), 128);
	a = nested(sa, EVS_SA_A_FLAGS);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), EVS_SA_F_ESN | EVS_SA_F_ALLOW_WEAK);
	a = nested(sa, EVS_SA_A_CONN_ID);
	ASSERT_ATTR(a, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), 3);
	a = nested(sa, EVS_SA_A_OSEQ);
	ASSERT_ATTR(a, 8);
	UNIT_ASSERT(mnl_attr_get_u64(a) == 0xfffffff0ULL);
	lim = nested(sa, EVS_SA_A_LIMITS);
	UNIT_ASSERT(lim != NULL);
	a = nested(lim, EVS_LFT_A_PACKETS_HARD);
	ASSERT_ATTR(a, 8);
	UNIT_ASSERT(mnl_attr_get_u64(a) == 99);
	UNIT_ASSERT(nested(lim, EVS_LFT_A_PACKETS_SOFT) == NULL);
	/* Absent, reported-only and AEAD attributes are not sent. */
	UNIT_ASSERT(nested(sa, EVS_SA_A_AEAD_NAME) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_KEY_BITS) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_STATS) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_STATE) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_CURLFT) == NULL);
	evs_sa_info_wipe(&r.sa);
}

UNIT_TEST(sa_aead_ipv6_message)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_sa_req r;
	const struct nlattr *sa, *a;
	struct nlmsghdr *nlh;

	expect_ok("add dev evs0 dir in spi 999 src 2001:db8::1 dst 2001:db8::2 "
		  "aead 'rfc4106(gcm(aes))' " GCM_KEY " 96", &r);
	r.sa.dev.ifindex = 5;
	nlh = evsadm_sa_build(&r, 0x20, buf);
	sa = top(nlh, EVS_A_SA);
	UNIT_ASSERT(sa != NULL);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(sa, EVS_SA_A_FAMILY)), AF_INET6);
	ASSERT_ATTR(nested(sa, EVS_SA_A_SRC), 16);
	ASSERT_ATTR(nested(sa, EVS_SA_A_DST), 16);
	a = nested(sa, EVS_SA_A_AEAD_KEY);
	ASSERT_ATTR(a, 20);
	a = nested(sa, EVS_SA_A_AEAD_ICV_BITS);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(a), 96);
	UNIT_ASSERT(nested(sa, EVS_SA_A_ENC_NAME) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_FLAGS) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_ENCAP_TYPE) == NULL);
	UNIT_ASSERT(nested(sa, EVS_SA_A_OSEQ) == NULL);
}

UNIT_TEST(sa_del_get_show_flush_messages)
{
	char buf[EVS_NL_BUFSZ];
	struct evsadm_sa_req r;
	const struct genlmsghdr *g;
	const struct nlattr *sa;
	struct nlmsghdr *nlh;

	expect_ok("del dev evs0 dir in spi 0x1234", &r);
	r.sa.dev.ifindex = 9;
	nlh = evsadm_sa_build(&r, 0x20, buf);
	g = mnl_nlmsg_get_payload(nlh);
	UNIT_ASSERT_EQ_INT(g->cmd, EVS_CMD_SA_DEL);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(top(nlh, EVS_A_IFINDEX)), 9);
	sa = top(nlh, EVS_A_SA);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u8(nested(sa, EVS_SA_A_DIR)), EVS_DIR_IN);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(nested(sa, EVS_SA_A_SPI)), 0x1234);
	UNIT_ASSERT(nested(sa, EVS_SA_A_FAMILY) == NULL);

	expect_ok("get dev evs0 dir out spi 300", &r);
	r.sa.dev.ifindex = 9;
	nlh = evsadm_sa_build(&r, 0x20, buf);
	UNIT_ASSERT_EQ_INT(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, EVS_CMD_SA_GET);
	UNIT_ASSERT(!(nlh->nlmsg_flags & NLM_F_DUMP));

	expect_ok("show", &r);
	nlh = evsadm_sa_build(&r, 0x20, buf);
	UNIT_ASSERT_EQ_INT(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, EVS_CMD_SA_GET);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	UNIT_ASSERT(top(nlh, EVS_A_SA) == NULL);
	UNIT_ASSERT(top(nlh, EVS_A_IFINDEX) == NULL);

	expect_ok("flush dev evs0", &r);
	r.sa.dev.ifindex = 9;
	nlh = evsadm_sa_build(&r, 0x20, buf);
	UNIT_ASSERT_EQ_INT(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, EVS_CMD_SA_FLUSH);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(top(nlh, EVS_A_IFINDEX)), 9);
	UNIT_ASSERT(top(nlh, EVS_A_SA) == NULL);

	expect_ok("flush", &r);
	nlh = evsadm_sa_build(&r, 0x20, buf);
	UNIT_ASSERT(top(nlh, EVS_A_IFINDEX) == NULL);

	expect_ok("update dev evs0 dir out spi 300 dst 203.0.113.9 encap espinudp 4500 999", &r);
	r.sa.dev.ifindex = 9;
	nlh = evsadm_sa_build(&r, 0x20, buf);
	UNIT_ASSERT_EQ_INT(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, EVS_CMD_SA_UPDATE);
	sa = top(nlh, EVS_A_SA);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(sa, EVS_SA_A_ENCAP_DPORT)), 999);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u16(nested(sa, EVS_SA_A_FAMILY)), AF_INET);
	UNIT_ASSERT(nested(sa, EVS_SA_A_SRC) == NULL);
	ASSERT_ATTR(nested(sa, EVS_SA_A_DST), 4);
}

/* A reply as the kernel sends it: evs_msg_put_sa can emit reported fields. */
static struct nlmsghdr *fake_reply(char *buf)
{
	struct evs_sa_info sa;
	struct nlmsghdr *nlh = evs_nl_msg_start(buf, 0x20, EVS_CMD_SA_GET, 1, NLM_F_MULTI);

	memset(&sa, 0, sizeof(sa));
	sa.dev.ifindex = 7;
	snprintf(sa.dev.ifname, sizeof(sa.dev.ifname), "evs0");
	sa.dir = EVS_DIR_OUT;
	sa.spi = 0x1000;
	evs_parse_addr("src", "198.51.100.1", 0, &sa.src, NULL);
	evs_parse_addr("dst", "203.0.113.7", 0, &sa.dst, NULL);
	snprintf(sa.aead_name, sizeof(sa.aead_name), "rfc4106(gcm(aes))");
	sa.aead_icv_bits = 128;
	sa.key_bits = 160;
	sa.encap_type = EVS_ENCAP_ESPINUDP;
	sa.encap_sport = sa.encap_dport = 4500;
	sa.replay_window = 0;
	sa.flags = EVS_SA_F_ESN;
	sa.conn_id = 3;
	sa.oseq = 17;
	sa.state = EVS_SA_STATE_SOFT_EXPIRED;
	sa.limits.v[EVS_LFT_A_BYTES_HARD] = 1000000;
	sa.limits.has = 1ULL << EVS_LFT_A_BYTES_HARD;
	sa.curlft.v[EVS_LFT_A_BYTES] = 1234;
	sa.curlft.has = 1ULL << EVS_LFT_A_BYTES;
	for (unsigned int t = EVS_STATS_A_RX_PACKETS; t <= EVS_STATS_A_MAX; t++) {
		sa.stats.v[t] = t * 10;
		sa.stats.has |= 1ULL << t;
	}
	sa.has = 1ULL << EVS_SA_A_DIR | 1ULL << EVS_SA_A_SPI | 1ULL << EVS_SA_A_SRC |
		 1ULL << EVS_SA_A_DST | 1ULL << EVS_SA_A_AEAD_NAME | 1ULL << EVS_SA_A_AEAD_ICV_BITS |
		 1ULL << EVS_SA_A_KEY_BITS | 1ULL << EVS_SA_A_ENCAP_TYPE |
		 1ULL << EVS_SA_A_ENCAP_SPORT | 1ULL << EVS_SA_A_ENCAP_DPORT |
		 1ULL << EVS_SA_A_REPLAY_WINDOW | 1ULL << EVS_SA_A_FLAGS | 1ULL << EVS_SA_A_CONN_ID |
		 1ULL << EVS_SA_A_OSEQ | 1ULL << EVS_SA_A_STATE | 1ULL << EVS_SA_A_LIMITS |
		 1ULL << EVS_SA_A_CURLFT | 1ULL << EVS_SA_A_STATS;
	evs_msg_put_sa(nlh, &sa);
	return nlh;
}

UNIT_TEST(sa_reply_json_shape)
{
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh = fake_reply(buf);
	struct evs_sa_info sa;
	struct json_object *o, *v, *aead, *stats;
	const char *s;

	memset(&sa, 0, sizeof(sa));
	UNIT_ASSERT_EQ_INT(evs_msg_parse_sa(nlh, &sa), 0);
	o = evs_json_sa(&sa, true);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	UNIT_ASSERT(json_object_object_get_ex(o, "dev", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "evs0");
	UNIT_ASSERT(json_object_object_get_ex(o, "spi", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int64(v), 0x1000);
	UNIT_ASSERT(json_object_object_get_ex(o, "dir", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "out");
	UNIT_ASSERT(json_object_object_get_ex(o, "src", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "198.51.100.1");
	UNIT_ASSERT(json_object_object_get_ex(o, "aead", &aead));
	UNIT_ASSERT(json_object_object_get_ex(aead, "name", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "rfc4106(gcm(aes))");
	UNIT_ASSERT(json_object_object_get_ex(aead, "key_bits", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int(v), 160);
	UNIT_ASSERT(json_object_object_get_ex(o, "state", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "soft-expired");
	UNIT_ASSERT(json_object_object_get_ex(o, "flags", &v));
	UNIT_ASSERT(json_object_is_type(v, json_type_array));
	UNIT_ASSERT_EQ_STR(json_object_get_string(json_object_array_get_idx(v, 0)), "esn");
	UNIT_ASSERT(json_object_object_get_ex(o, "limits", &v));
	UNIT_ASSERT(json_object_object_get_ex(v, "bytes_hard", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int64(v), 1000000);
	UNIT_ASSERT(json_object_object_get_ex(o, "stats", &stats));
	UNIT_ASSERT(json_object_object_get_ex(stats, "drop_replay", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int64(v), EVS_STATS_A_DROP_REPLAY * 10);
	UNIT_ASSERT(json_object_object_get_ex(stats, "rx_dummy", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int64(v), EVS_STATS_A_RX_DUMMY * 10);
	UNIT_ASSERT(json_object_object_get_ex(o, "encap", &v));
	UNIT_ASSERT(!strstr(s, "key\":"));	/* no key material, only key_bits */
	json_object_put(o);

	/* Without -s: no counters. */
	o = evs_json_sa(&sa, false);
	UNIT_ASSERT(!json_object_object_get_ex(o, "stats", NULL));
	json_object_put(o);
}

UNIT_TEST(sa_reply_text)
{
	static const char *const want[] = {
		"src 198.51.100.1 dst 203.0.113.7\n",
		"\tdev evs0 dir out proto esp spi 0x00001000 (4096) replay-window 0 flag esn\n",
		"\taead rfc4106(gcm(aes)) key 160 bits icv 128 bits\n",
		"\tencap type espinudp sport 4500 dport 4500\n",
		"\tstate soft-expired conn 3 oseq 0x11\n",
		"\tlimit bytes-hard 1000000\n",
		"\tcurrent bytes 1234\n",
		"RX: packets 20 bytes 30 dummy 160  TX:",
		"drops: no-sa 60 replay 70",
	};
	char buf[EVS_NL_BUFSZ], *text = NULL;
	struct nlmsghdr *nlh = fake_reply(buf);
	struct evs_sa_info sa;
	size_t len = 0;
	FILE *f;

	memset(&sa, 0, sizeof(sa));
	UNIT_ASSERT_EQ_INT(evs_msg_parse_sa(nlh, &sa), 0);
	f = open_memstream(&text, &len);
	evsadm_sa_print(f, &sa, 1);
	fclose(f);
	unit_assert_has_all(text, want, sizeof(want) / sizeof(want[0]));
	free(text);
}

/* The listing as evsadm printed it with fprintf before it was built by
 * hand: the same bytes for every field and value. */
static void ref_lft(FILE *f, const char *title, const struct evs_lft *l)
{
	bool any = false;

	for (unsigned int t = 0; t <= EVS_LFT_A_MAX; t++) {
		const char *name = evs_lft_name(t);

		if (!name || !((l->has >> t) & 1))
			continue;
		fprintf(f, "%s %s %llu", any ? "" : title, name, (unsigned long long)l->v[t]);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

static void ref_print(FILE *f, const struct evs_sa_info *sa, int stats)
{
	char s[EVS_INADDR_STRLEN], d[EVS_INADDR_STRLEN];

	fprintf(f, "src %s dst %s\n", evs_inaddr_ntop(&sa->src, s, sizeof(s)),
		evs_inaddr_ntop(&sa->dst, d, sizeof(d)));
	fprintf(f, "\tdev %s dir %s proto esp spi 0x%08x (%u)", sa->dev.ifname,
		evs_dir_name(sa->dir), sa->spi, sa->spi);
	if (EVS_HAS(sa, EVS_SA_A_REPLAY_WINDOW))
		fprintf(f, " replay-window %u", sa->replay_window);
	if (sa->flags & EVS_SA_F_ESN)
		fprintf(f, " flag esn");
	if (sa->flags & EVS_SA_F_ALLOW_WEAK)
		fprintf(f, " flag allow-weak");
	fputc('\n', f);
	if (EVS_HAS(sa, EVS_SA_A_AEAD_NAME)) {
		fprintf(f, "\taead %s", sa->aead_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			fprintf(f, " key %u bits", sa->key_bits);
		fprintf(f, " icv %u bits\n", sa->aead_icv_bits);
	}
	if (EVS_HAS(sa, EVS_SA_A_ENC_NAME)) {
		fprintf(f, "\tenc %s", sa->enc_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			fprintf(f, " key %u bits", sa->key_bits);
		fputc('\n', f);
	}
	if (EVS_HAS(sa, EVS_SA_A_AUTH_NAME)) {
		fprintf(f, "\tauth %s", sa->auth_name);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_KEY_BITS))
			fprintf(f, " key %u bits", sa->auth_key_bits);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_TRUNC_BITS))
			fprintf(f, " trunc %u bits", sa->auth_trunc_bits);
		fputc('\n', f);
	}
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_TYPE) && sa->encap_type == EVS_ENCAP_ESPINUDP)
		fprintf(f, "\tencap type espinudp sport %u dport %u\n",
			sa->encap_sport, sa->encap_dport);
	fprintf(f, "\tstate %s", evs_sa_state_name(sa->state));
	if (sa->conn_id)
		fprintf(f, " conn %u", sa->conn_id);
	if (EVS_HAS(sa, EVS_SA_A_OSEQ))
		fprintf(f, " oseq 0x%llx", (unsigned long long)sa->oseq);
	if (EVS_HAS(sa, EVS_SA_A_SEQ_HI))
		fprintf(f, " seq-hi 0x%llx", (unsigned long long)sa->seq_hi);
	fputc('\n', f);
	if (EVS_HAS(sa, EVS_SA_A_LIMITS))
		ref_lft(f, "\tlimit", &sa->limits);
	if (stats && EVS_HAS(sa, EVS_SA_A_CURLFT))
		ref_lft(f, "\tcurrent", &sa->curlft);
}

static void expect_same_text(const struct evs_sa_info *sa, int stats)
{
	char *got = NULL, *want = NULL;
	size_t glen = 0, wlen = 0;
	struct evs_sa_info copy = *sa;
	FILE *f;

	copy.has &= ~(1ULL << EVS_SA_A_STATS);	/* counters: printed as before */
	f = open_memstream(&got, &glen);
	evsadm_sa_print(f, &copy, stats);
	fclose(f);
	f = open_memstream(&want, &wlen);
	ref_print(f, &copy, stats);
	fclose(f);
	if (strcmp(got, want))
		UNIT_FAIL("text differs:\n#     got  \"%s\"\n#     want \"%s\"", got, want);
	free(got);
	free(want);
}

UNIT_TEST(sa_text_as_printf)
{
	static const uint64_t vals[] = { 0, 1, 9, 10, 255, 0x1000, 4294967295ULL,
					 4294967296ULL, 18446744073709551615ULL };
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh = fake_reply(buf);
	struct evs_sa_info sa;

	memset(&sa, 0, sizeof(sa));
	UNIT_ASSERT_EQ_INT(evs_msg_parse_sa(nlh, &sa), 0);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint64_t v = vals[i];

		sa.spi = (uint32_t)v;
		sa.replay_window = (uint32_t)(v >> 3);
		sa.conn_id = (uint32_t)v;
		sa.oseq = v;
		sa.seq_hi = v >> 1;
		sa.key_bits = (uint32_t)v;
		sa.aead_icv_bits = (uint32_t)(v * 7);
		sa.encap_sport = (uint16_t)v;
		sa.encap_dport = (uint16_t)(v >> 1);
		sa.src.a[3] = (uint8_t)v;
		sa.dst.a[0] = (uint8_t)(v >> 2);
		sa.flags = (uint32_t)i;
		sa.has ^= 1ULL << EVS_SA_A_SEQ_HI;
		for (unsigned int t = 0; t <= EVS_LFT_A_MAX; t++) {
			sa.limits.v[t] = v + t;
			sa.curlft.v[t] = v ^ t;
		}
		sa.limits.has = (uint64_t)v * 0x5555;
		sa.curlft.has = ~(uint64_t)v;
		expect_same_text(&sa, 0);
		expect_same_text(&sa, 1);
		/* Separate encryption and authentication instead of an AEAD. */
		sa.has ^= 1ULL << EVS_SA_A_AEAD_NAME | 1ULL << EVS_SA_A_ENC_NAME |
			  1ULL << EVS_SA_A_AUTH_NAME | 1ULL << EVS_SA_A_AUTH_KEY_BITS |
			  1ULL << EVS_SA_A_AUTH_TRUNC_BITS;
		snprintf(sa.enc_name, sizeof(sa.enc_name), "cbc(aes)");
		snprintf(sa.auth_name, sizeof(sa.auth_name), "hmac(sha1)");
		sa.auth_key_bits = (uint32_t)(v >> 5);
		sa.auth_trunc_bits = 96;
		expect_same_text(&sa, 1);
	}
}

UNIT_TEST(sa_malformed_reply_rejected)
{
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh = evs_nl_msg_start(buf, 0x20, EVS_CMD_SA_GET, 1, 0);
	struct nlattr *nest;
	struct evs_sa_info sa;

	/* SPI as a u16: wrong size for a u32. */
	nest = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u16(nlh, EVS_SA_A_SPI, 5);
	mnl_attr_nest_end(nlh, nest);
	memset(&sa, 0, sizeof(sa));
	UNIT_ASSERT_EQ_INT(evs_msg_parse_sa(nlh, &sa), -1);

	/* An IPv4 family with a 16-byte address. */
	nlh = evs_nl_msg_start(buf, 0x20, EVS_CMD_SA_GET, 1, 0);
	nest = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u16(nlh, EVS_SA_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, EVS_SA_A_SRC, 16, "0123456789abcdef");
	mnl_attr_nest_end(nlh, nest);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_sa(nlh, &sa), -1);

	/* No SA nest at all. */
	nlh = evs_nl_msg_start(buf, 0x20, EVS_CMD_SA_GET, 1, 0);
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, 1);
	UNIT_ASSERT_EQ_INT(evs_msg_parse_sa(nlh, &sa), -1);
}

UNIT_MAIN()
