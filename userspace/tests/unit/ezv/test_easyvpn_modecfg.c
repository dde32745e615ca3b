// SPDX-License-Identifier: MIT
/* Mode config attributes: encoding, decoding, split-include entries. */
#include <string.h>
#include <sys/socket.h>

#include "ike/isakmp.h"
#include "ezv/modecfg.h"
#include "tests/unit/unit.h"

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

UNIT_TEST(split_include_is_one_attribute_of_14_byte_entries)
{
	struct modecfg m = { 0 };
	struct isakmp_buf b;

	m.has = MCF_BIT(MCF_SPLIT_INCLUDE);
	m.n_split = 2;
	m.split[0] = (struct modecfg_net){ ip(192, 168, 77, 0), ip(255, 255, 255, 0), 0, 0, 0 };
	m.split[1] = (struct modecfg_net){ ip(10, 0, 0, 0), ip(255, 0, 0, 0), 6, 0, 443 };
	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &m);
	UNIT_ASSERT(!b.oom);
	/* header 4 + 2 x 14 */
	UNIT_ASSERT_EQ_INT(b.len, 4 + 28);
	static const uint8_t want[] = {
		0x70, 0x04, 0x00, 28,			/* 28676, TLV, 28 bytes */
		192, 168, 77, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0,
		10, 0, 0, 0, 255, 0, 0, 0, 0, 6, 0, 0, 0x01, 0xbb,
	};
	UNIT_ASSERT_MEM_EQ(b.data, want, sizeof(want));
	isakmp_buf_free(&b);
}

UNIT_TEST(round_trip_all_values)
{
	struct modecfg m = { 0 }, d;
	struct isakmp_perr err = { 0 };
	struct isakmp_buf b;

	m.has = MCF_BIT(MCF_IP4_ADDRESS) | MCF_BIT(MCF_IP4_NETMASK) | MCF_BIT(MCF_IP4_DNS) |
		MCF_BIT(MCF_IP4_NBNS) | MCF_BIT(MCF_ADDRESS_EXPIRY) | MCF_BIT(MCF_BANNER) |
		MCF_BIT(MCF_SAVE_PASSWD) | MCF_BIT(MCF_DEF_DOMAIN) | MCF_BIT(MCF_SPLIT_DNS) |
		MCF_BIT(MCF_SPLIT_INCLUDE) | MCF_BIT(MCF_LOCAL_LAN) | MCF_BIT(MCF_PFS) |
		MCF_BIT(MCF_FW_TYPE) | MCF_BIT(MCF_BACKUP_SERVERS) | MCF_BIT(MCF_APP_VERSION);
	m.ip4_addr = ip(10, 77, 1, 5);
	m.ip4_mask = ip(255, 255, 255, 0);
	m.n_dns = 2;
	m.dns[0] = ip(192, 168, 77, 53);
	m.dns[1] = ip(192, 168, 77, 54);
	m.n_nbns = 1;
	m.nbns[0] = ip(192, 168, 77, 10);
	m.expiry = 86400;
	strcpy(m.banner, "Welcome to the\nlab");
	m.save_passwd = 1;
	strcpy(m.def_domain, "corp.example");
	strcpy(m.split_dns, "corp.example,lab.example");
	m.n_split = 1;
	m.split[0] = (struct modecfg_net){ ip(192, 168, 77, 0), ip(255, 255, 255, 0), 0, 0, 0 };
	m.n_local_lan = 1;
	m.local_lan[0] = (struct modecfg_net){ ip(172, 16, 0, 0), ip(255, 240, 0, 0), 0, 0, 0 };
	m.pfs = 1;
	m.fw_type_len = 4;
	memcpy(m.fw_type, "\x00\x00\x00\x01", 4);
	strcpy(m.backup_servers, "203.0.113.2,gw2.example");
	strcpy(m.app_version, "evs 1.0");

	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &m);
	UNIT_ASSERT(!b.oom);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), 0);
	UNIT_ASSERT_EQ_INT(d.has, m.has);
	UNIT_ASSERT_EQ_INT(d.ip4_addr, m.ip4_addr);
	UNIT_ASSERT_EQ_INT(d.ip4_mask, m.ip4_mask);
	UNIT_ASSERT_EQ_INT(d.n_dns, 2);
	UNIT_ASSERT_EQ_INT(d.dns[1], ip(192, 168, 77, 54));
	UNIT_ASSERT_EQ_INT(d.n_nbns, 1);
	UNIT_ASSERT_EQ_INT(d.expiry, 86400);
	UNIT_ASSERT_EQ_STR(d.banner, m.banner);
	UNIT_ASSERT_EQ_INT(d.save_passwd, 1);
	UNIT_ASSERT_EQ_STR(d.def_domain, "corp.example");
	UNIT_ASSERT_EQ_STR(d.split_dns, m.split_dns);
	UNIT_ASSERT_EQ_INT(d.n_split, 1);
	UNIT_ASSERT_EQ_INT(d.split[0].mask, ip(255, 255, 255, 0));
	UNIT_ASSERT_EQ_INT(d.n_local_lan, 1);
	UNIT_ASSERT_EQ_INT(d.local_lan[0].addr, ip(172, 16, 0, 0));
	UNIT_ASSERT_EQ_INT(d.pfs, 1);
	UNIT_ASSERT_EQ_INT(d.fw_type_len, 4);
	UNIT_ASSERT_EQ_STR(d.backup_servers, m.backup_servers);
	UNIT_ASSERT_EQ_STR(d.app_version, "evs 1.0");
	isakmp_buf_free(&b);
}

UNIT_TEST(pfs_and_save_password_are_basic_attributes)
{
	struct modecfg m = { 0 };
	struct isakmp_buf b;

	m.has = MCF_BIT(MCF_SAVE_PASSWD) | MCF_BIT(MCF_PFS);
	m.save_passwd = 1;
	m.pfs = 1;
	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &m);
	static const uint8_t want[] = { 0xf0, 0x01, 0x00, 0x01, 0xf0, 0x07, 0x00, 0x01 };
	UNIT_ASSERT_EQ_INT(b.len, sizeof(want));
	UNIT_ASSERT_MEM_EQ(b.data, want, sizeof(want));
	isakmp_buf_free(&b);
}

UNIT_TEST(request_marks_types_and_answer_gives_only_those)
{
	struct modecfg req, offer = { 0 }, reply, in;
	struct isakmp_perr err;
	struct isakmp_buf b;

	/* vpnc-like REQUEST: empty values plus its application version */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_ADDRESS, "", 0);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_NETMASK, "", 0);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_DNS, "", 0);
	isakmp_put_attr_tlv(&b, UNITY_SPLIT_INCLUDE, "", 0);
	isakmp_put_attr_tlv(&b, UNITY_BANNER, "", 0);
	isakmp_put_attr_tlv(&b, MODECFG_APPLICATION_VERSION, "Cisco Systems VPN Client 0.5.3:Linux", 36);
	isakmp_put_attr_tlv(&b, 0x7123, "", 0);	/* unknown to us */
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &req, &err), 0);
	UNIT_ASSERT_EQ_INT(req.n_unknown, 1);
	UNIT_ASSERT(req.requested & MCF_BIT(MCF_SPLIT_INCLUDE));
	UNIT_ASSERT(!(req.requested & MCF_BIT(MCF_DEF_DOMAIN)));
	UNIT_ASSERT_EQ_STR(req.app_version, "Cisco Systems VPN Client 0.5.3:Linux");
	isakmp_buf_free(&b);

	offer.has = MCF_BIT(MCF_IP4_ADDRESS) | MCF_BIT(MCF_IP4_NETMASK) | MCF_BIT(MCF_IP4_DNS) |
		    MCF_BIT(MCF_DEF_DOMAIN) | MCF_BIT(MCF_SPLIT_INCLUDE);
	offer.ip4_addr = ip(10, 77, 0, 9);
	offer.ip4_mask = ip(255, 255, 255, 255);
	offer.n_dns = 1;
	offer.dns[0] = ip(192, 168, 77, 53);
	strcpy(offer.def_domain, "corp.example");
	offer.n_split = 1;
	offer.split[0] = (struct modecfg_net){ ip(192, 168, 77, 0), ip(255, 255, 255, 0), 0, 0, 0 };
	modecfg_answer(&offer, &req, "evs 9", &reply);
	UNIT_ASSERT(reply.has & MCF_BIT(MCF_IP4_ADDRESS));
	UNIT_ASSERT(reply.has & MCF_BIT(MCF_SPLIT_INCLUDE));
	UNIT_ASSERT(!(reply.has & MCF_BIT(MCF_DEF_DOMAIN)));	/* not asked for */
	UNIT_ASSERT(reply.has & MCF_BIT(MCF_APP_VERSION));
	UNIT_ASSERT_EQ_STR(reply.app_version, "evs 9");

	/* what goes on the wire decodes to the same thing */
	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &reply);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &in, &err), 0);
	UNIT_ASSERT_EQ_INT(in.ip4_addr, ip(10, 77, 0, 9));
	UNIT_ASSERT_EQ_INT(in.n_split, 1);
	isakmp_buf_free(&b);
}

UNIT_TEST(empty_request_gets_everything)
{
	struct modecfg req = { 0 }, offer = { 0 }, reply;

	offer.has = MCF_BIT(MCF_IP4_ADDRESS) | MCF_BIT(MCF_BANNER);
	strcpy(offer.banner, "hi");
	modecfg_answer(&offer, &req, "evs", &reply);
	UNIT_ASSERT_EQ_INT(reply.has, offer.has);
}

UNIT_TEST(supported_attributes_answered)
{
	struct modecfg req = { 0 }, offer = { 0 }, reply;

	req.requested = MCF_BIT(MCF_SUPPORTED);
	offer.has = MCF_BIT(MCF_IP4_ADDRESS);
	modecfg_answer(&offer, &req, "evs", &reply);
	UNIT_ASSERT(reply.has & MCF_BIT(MCF_SUPPORTED));
	UNIT_ASSERT_EQ_INT(reply.n_supported, MCF_COUNT);
	UNIT_ASSERT_EQ_INT(reply.supported[0], MODECFG_INTERNAL_IP4_ADDRESS);
}

/* IPv6 as strongSwan's IKEv1 mode config has it: INTERNAL_IP6_ADDRESS
 * empty in the REQUEST, 16 + 1 bytes (address, prefix length) in the
 * REPLY; each DNS server and each subnet (17 bytes) its own attribute;
 * a 16-byte address is taken as /128; wrong sizes are malformed. */
UNIT_TEST(ipv6_attributes)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, [15] = 5 };
	static const uint8_t d6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, [15] = 0x53 };
	struct modecfg m = { 0 }, d, req, reply;
	struct isakmp_perr err;
	struct isakmp_buf b;
	uint8_t bad[17];

	m.has = MCF_BIT(MCF_IP6_ADDRESS) | MCF_BIT(MCF_IP6_DNS) | MCF_BIT(MCF_IP6_SUBNET);
	m.ip6_addr.family = AF_INET6;
	memcpy(m.ip6_addr.addr, a6, 16);
	m.ip6_addr.plen = 128;
	m.n_dns6 = 1;
	memcpy(m.dns6[0], d6, 16);
	m.n_subnet6 = 2;
	m.subnet6[0] = (struct evs_prefix){ .family = AF_INET6, .plen = 64,
					    .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x77 } };
	m.subnet6[1] = (struct evs_prefix){ .family = AF_INET6, .plen = 48,
					    .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99 } };
	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &m);
	UNIT_ASSERT(!b.oom);
	/* 8: 17 bytes; 10: 16 bytes; 15: two attributes of 17 */
	UNIT_ASSERT_EQ_INT(b.len, (4 + 17) + (4 + 16) + 2 * (4 + 17));
	static const uint8_t head[] = { 0x00, 0x08, 0x00, 17 };
	UNIT_ASSERT_MEM_EQ(b.data, head, 4);
	UNIT_ASSERT_MEM_EQ(b.data + 4, a6, 16);
	UNIT_ASSERT_EQ_INT(b.data[20], 128);
	UNIT_ASSERT_EQ_INT(b.data[21 + 1], 10);
	UNIT_ASSERT_EQ_INT(b.data[21 + 3], 16);
	UNIT_ASSERT_EQ_INT(b.data[41 + 1], 15);
	UNIT_ASSERT_EQ_INT(b.data[62 + 1], 15);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), 0);
	UNIT_ASSERT(evs_prefix_eq(&d.ip6_addr, &m.ip6_addr));
	UNIT_ASSERT_EQ_INT(d.n_dns6, 1);
	UNIT_ASSERT_MEM_EQ(d.dns6[0], d6, 16);
	UNIT_ASSERT_EQ_INT(d.n_subnet6, 2);
	UNIT_ASSERT(evs_prefix_eq(&d.subnet6[1], &m.subnet6[1]));
	isakmp_buf_free(&b);

	/* strongSwan's REQUEST: empty IP4 and IP6 address, IP6 DNS; the
	 * answer gives the IPv6 values only because they were asked for */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_ADDRESS, "", 0);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_ADDRESS, "", 0);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_DNS, "", 0);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &req, &err), 0);
	isakmp_buf_free(&b);
	UNIT_ASSERT(req.requested & MCF_BIT(MCF_IP6_ADDRESS));
	UNIT_ASSERT(!(req.has & MCF_BIT(MCF_IP6_ADDRESS)));
	m.has |= MCF_BIT(MCF_IP4_ADDRESS);
	m.ip4_addr = ip(10, 77, 0, 5);
	modecfg_answer(&m, &req, "evs", &reply);
	UNIT_ASSERT(reply.has & MCF_BIT(MCF_IP6_ADDRESS));
	UNIT_ASSERT(reply.has & MCF_BIT(MCF_IP6_DNS));
	UNIT_ASSERT(!(reply.has & MCF_BIT(MCF_IP6_SUBNET)));
	/* vpnc asks for IPv4 only: no IPv6 in its answer */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_ADDRESS, "", 0);
	isakmp_put_attr_tlv(&b, UNITY_SPLIT_INCLUDE, "", 0);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &req, &err), 0);
	isakmp_buf_free(&b);
	modecfg_answer(&m, &req, "evs", &reply);
	UNIT_ASSERT(!(reply.has & (MCF_BIT(MCF_IP6_ADDRESS) | MCF_BIT(MCF_IP6_DNS))));

	/* 16 bytes: /128; a 17th byte above 128, 15 bytes, 18 bytes: malformed */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_ADDRESS, a6, 16);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), 0);
	UNIT_ASSERT_EQ_INT(d.ip6_addr.plen, 128);
	isakmp_buf_free(&b);
	memcpy(bad, a6, 16);
	bad[16] = 129;
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_ADDRESS, bad, 17);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), -1);
	UNIT_ASSERT_EQ_INT(err.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	isakmp_buf_free(&b);
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_DNS, bad, 15);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), -1);
	isakmp_buf_free(&b);
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_SUBNET, bad, 16);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_SET, &d, &err), -1);
	isakmp_buf_free(&b);
	/* more DNS servers than we keep */
	isakmp_buf_init(&b);
	for (int i = 0; i <= MODECFG_MAX_SERVERS; i++)
		isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP6_DNS, d6, 16);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), -1);
	UNIT_ASSERT_EQ_INT(err.notify, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED);
	isakmp_buf_free(&b);
}

UNIT_TEST(rejects_malformed_values)
{
	struct modecfg d;
	struct isakmp_perr err;
	struct isakmp_buf b;
	uint8_t thirteen[13] = { 0 }, five[5] = { 0 };

	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, UNITY_SPLIT_INCLUDE, thirteen, sizeof(thirteen));
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), -1);
	UNIT_ASSERT_EQ_INT(err.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	isakmp_buf_free(&b);

	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_DNS, five, sizeof(five));
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_SET, &d, &err), -1);
	isakmp_buf_free(&b);

	/* two SPLIT_INCLUDE attributes (what vpnc would refuse) */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, UNITY_SPLIT_INCLUDE, thirteen, 0);
	uint8_t e[14] = { 10, 0, 0, 0, 255, 0, 0, 0 };
	isakmp_put_attr_tlv(&b, UNITY_SPLIT_INCLUDE, e, 14);
	isakmp_put_attr_tlv(&b, UNITY_SPLIT_INCLUDE, e, 14);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), -1);
	isakmp_buf_free(&b);

	/* five DNS servers: more than we keep */
	isakmp_buf_init(&b);
	for (int i = 0; i < 5; i++)
		isakmp_put_attr_tlv(&b, MODECFG_INTERNAL_IP4_DNS, "\x01\x02\x03\x04", 4);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REPLY, &d, &err), -1);
	UNIT_ASSERT_EQ_INT(err.notify, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED);
	isakmp_buf_free(&b);

	/* truncated TLV */
	static const uint8_t trunc[] = { 0x00, 0x03, 0x00, 0x08, 1, 2, 3 };
	UNIT_ASSERT_EQ_INT(modecfg_decode(trunc, sizeof(trunc), ISAKMP_CFG_REPLY, &d, &err), -1);
}

UNIT_TEST(ack_and_request_types)
{
	struct modecfg req, d;
	struct isakmp_perr err;
	struct isakmp_buf b;

	modecfg_client_request(&req, "evs-client", false);
	isakmp_buf_init(&b);
	modecfg_encode_types(&b, req.requested, &req);
	UNIT_ASSERT(!b.oom);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &d, &err), 0);
	UNIT_ASSERT_EQ_INT(d.requested, req.requested);
	UNIT_ASSERT_EQ_STR(d.app_version, "evs-client");
	UNIT_ASSERT_EQ_INT(d.has, MCF_BIT(MCF_APP_VERSION));
	UNIT_ASSERT(!(d.requested & MCF_BIT(MCF_IP6_ADDRESS)));
	isakmp_buf_free(&b);

	/* with IPv6: an empty INTERNAL_IP6_ADDRESS asks for one (as
	 * strongSwan's vips ::), with IPv6 DNS and networks */
	modecfg_client_request(&req, "evs-client", true);
	isakmp_buf_init(&b);
	modecfg_encode_types(&b, req.requested, &req);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &d, &err), 0);
	UNIT_ASSERT(d.requested & MCF_BIT(MCF_IP6_ADDRESS));
	UNIT_ASSERT(d.requested & MCF_BIT(MCF_IP6_DNS));
	UNIT_ASSERT(d.requested & MCF_BIT(MCF_IP6_SUBNET));
	UNIT_ASSERT(!(d.has & MCF_BIT(MCF_IP6_ADDRESS)));
	isakmp_buf_free(&b);
}

UNIT_TEST(mask_helpers_and_format)
{
	struct modecfg m = { 0 };
	char buf[256];

	UNIT_ASSERT_EQ_INT(modecfg_mask_to_plen(ip(255, 255, 255, 0)), 24);
	UNIT_ASSERT_EQ_INT(modecfg_mask_to_plen(0xffffffffu), 32);
	UNIT_ASSERT_EQ_INT(modecfg_mask_to_plen(0), 0);
	UNIT_ASSERT_EQ_INT(modecfg_mask_to_plen(ip(255, 0, 255, 0)), -1);
	UNIT_ASSERT_EQ_INT(modecfg_plen_to_mask(24), ip(255, 255, 255, 0));
	m.has = MCF_BIT(MCF_IP4_ADDRESS) | MCF_BIT(MCF_IP4_NETMASK) | MCF_BIT(MCF_DEF_DOMAIN);
	m.ip4_addr = ip(10, 77, 0, 2);
	m.ip4_mask = ip(255, 255, 0, 0);
	strcpy(m.def_domain, "corp");
	modecfg_format(&m, buf, sizeof(buf));
	UNIT_ASSERT_EQ_STR(buf, "address 10.77.0.2/16, domain corp");
}

/* The Unity firewall attribute: vpnc's REQUEST block parses as a report;
 * ours encodes the same bytes and survives a REQUEST round trip; an empty
 * value, a truncated or LV sub-attribute, or a block without a product
 * reports no firewall. */
UNIT_TEST(firewall_report)
{
	static const uint8_t vpnc_block[] = {
		0x80, 0x01, 0x00, 0x01, 0x80, 0x02, 0x00, 0x01, 0x80, 0x03, 0x00, 0x02
	};
	const struct modecfg_fw ours = { MODECFG_FW_VENDOR_CISCO,
					 MODECFG_FW_PRODUCT_INTEGRATED,
					 MODECFG_FW_POLICY_DEFAULT };
	struct modecfg req, d;
	struct modecfg_fw f;
	struct isakmp_perr err;
	struct isakmp_buf b;
	uint8_t blk[MODECFG_FW_BLOCK_LEN];
	char line[512];

	UNIT_ASSERT_EQ_INT(modecfg_fw_parse(vpnc_block, sizeof(vpnc_block), &f), 0);
	UNIT_ASSERT_EQ_INT(f.vendor, 1);
	UNIT_ASSERT_EQ_INT(f.product, 1);
	UNIT_ASSERT_EQ_INT(f.policy, 2);
	UNIT_ASSERT_EQ_INT(modecfg_fw_build(&ours, blk), sizeof(vpnc_block));
	UNIT_ASSERT(!memcmp(blk, vpnc_block, sizeof(vpnc_block)));
	/* malformed blocks */
	UNIT_ASSERT_EQ_INT(modecfg_fw_parse(vpnc_block, 0, &f), -1);
	UNIT_ASSERT_EQ_INT(modecfg_fw_parse(vpnc_block, 4, &f), -1);	/* no product */
	UNIT_ASSERT_EQ_INT(modecfg_fw_parse(vpnc_block, 10, &f), -1);	/* cut short */
	static const uint8_t lv[] = { 0x00, 0x01, 0x00, 0x00, 0x80, 0x02, 0x00, 0x01 };
	UNIT_ASSERT_EQ_INT(modecfg_fw_parse(lv, sizeof(lv), &f), -1);
	static const uint8_t odd[] = { 0x80, 0x02, 0x00, 0x07, 0x80, 0x09, 0x00, 0x00,
				       0x80, 0x01, 0x00, 0x04 };
	UNIT_ASSERT_EQ_INT(modecfg_fw_parse(odd, sizeof(odd), &f), 0);	/* unknown skipped */
	UNIT_ASSERT_EQ_INT(f.vendor, 4);
	UNIT_ASSERT_EQ_INT(f.product, 7);

	/* our REQUEST carries the block, and the gateway decodes it */
	modecfg_client_request(&req, "evs-client", false);
	modecfg_set_fw(&req, &ours);
	isakmp_buf_init(&b);
	modecfg_encode_types(&b, req.requested, &req);
	UNIT_ASSERT(!b.oom);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &d, &err), 0);
	UNIT_ASSERT(d.requested & MCF_BIT(MCF_FW_TYPE));
	UNIT_ASSERT(modecfg_reports_firewall(&d));
	UNIT_ASSERT_EQ_INT(d.fw_type_len, sizeof(vpnc_block));
	isakmp_buf_free(&b);

	/* an empty FW_TYPE (a bare request for the policy) reports none */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, UNITY_FW_TYPE, "", 0);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &d, &err), 0);
	UNIT_ASSERT(d.requested & MCF_BIT(MCF_FW_TYPE));
	UNIT_ASSERT(!modecfg_reports_firewall(&d));
	isakmp_buf_free(&b);
	/* a value that is not a block: decoded, but no report */
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, UNITY_FW_TYPE, "\x00\x00\x00\x01", 4);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &d, &err), 0);
	UNIT_ASSERT(!modecfg_reports_firewall(&d));
	isakmp_buf_free(&b);
	/* none at all */
	modecfg_client_request(&req, "x", false);
	isakmp_buf_init(&b);
	modecfg_encode_types(&b, req.requested, &req);
	UNIT_ASSERT_EQ_INT(modecfg_decode(b.data, b.len, ISAKMP_CFG_REQUEST, &d, &err), 0);
	UNIT_ASSERT(!modecfg_reports_firewall(&d));
	isakmp_buf_free(&b);

	memset(&d, 0, sizeof(d));
	modecfg_set_fw(&d, &ours);
	modecfg_format(&d, line, sizeof(line));
	UNIT_ASSERT_EQ_STR(line, "firewall vendor 1 product 1 policy 2");
}

UNIT_MAIN()
