/* SPDX-License-Identifier: MIT */
/*
 * modecfg: ISAKMP configuration method (draft-ietf-ipsec-isakmp-mode-cfg-05)
 * attribute values and the Cisco Unity attributes real clients read.
 *
 * This module turns the attribute block of an ATTR payload (isakmp.h
 * isakmp_parse_cfg()) into a struct modecfg and back.  It knows what each
 * attribute means and how big it must be; the transaction exchange itself
 * (message ids, HASH, encryption) is the engine's, and which values a
 * client gets is the policy's (easyvpn_policy.h).
 *
 * Wire rules followed here because clients depend on them:
 *  - each DNS / NBNS server is its own attribute (repeated type);
 *  - split include and local LAN are ONE attribute each holding 14-byte
 *    entries (address 4, mask 4, protocol 2, source port 2, destination
 *    port 2); vpnc refuses a second SPLIT_INCLUDE attribute;
 *  - save-password and PFS are basic (TV) attributes;
 *  - IPv6 (as strongSwan's IKEv1 mode config): INTERNAL_IP6_ADDRESS is the
 *    address and a prefix-length byte (17 bytes; 16 taken too), empty in
 *    a REQUEST that asks for one; INTERNAL_IP6_DNS 16 bytes, one per
 *    attribute; INTERNAL_IP6_SUBNET address and prefix length (17 bytes),
 *    one attribute per network;
 *  - in a REQUEST every attribute has an empty value (or, for
 *    APPLICATION_VERSION and INTERNAL_IP4_ADDRESS, the client's value);
 *    in an ACK every attribute has an empty value.
 */
#ifndef EVSD_MODECFG_H
#define EVSD_MODECFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"
#include "lib/prefix.h"

/* Attribute types (mode-cfg-05 §3.2, Cisco Unity). */
enum modecfg_attr_type {
	MODECFG_INTERNAL_IP4_ADDRESS	= 1,
	MODECFG_INTERNAL_IP4_NETMASK	= 2,
	MODECFG_INTERNAL_IP4_DNS	= 3,
	MODECFG_INTERNAL_IP4_NBNS	= 4,
	MODECFG_INTERNAL_ADDRESS_EXPIRY	= 5,
	MODECFG_INTERNAL_IP4_DHCP	= 6,
	MODECFG_APPLICATION_VERSION	= 7,
	MODECFG_INTERNAL_IP6_ADDRESS	= 8,
	MODECFG_INTERNAL_IP6_NETMASK	= 9,
	MODECFG_INTERNAL_IP6_DNS	= 10,
	MODECFG_INTERNAL_IP6_NBNS	= 11,
	MODECFG_INTERNAL_IP6_DHCP	= 12,
	MODECFG_INTERNAL_IP4_SUBNET	= 13,
	MODECFG_SUPPORTED_ATTRIBUTES	= 14,
	MODECFG_INTERNAL_IP6_SUBNET	= 15,
	UNITY_BANNER			= 28672,
	UNITY_SAVE_PASSWD		= 28673,
	UNITY_DEF_DOMAIN		= 28674,
	UNITY_SPLIT_DNS			= 28675,
	UNITY_SPLIT_INCLUDE		= 28676,
	UNITY_NATT_PORT			= 28677,
	UNITY_LOCAL_LAN			= 28678,
	UNITY_PFS			= 28679,
	UNITY_FW_TYPE			= 28680,
	UNITY_BACKUP_SERVERS		= 28681,
	UNITY_DDNS_HOSTNAME		= 28682,
};

/* The fields of struct modecfg, as bits of modecfg.has / .requested. */
enum modecfg_field {
	MCF_IP4_ADDRESS = 0,
	MCF_IP4_NETMASK,
	MCF_IP4_DNS,
	MCF_IP4_NBNS,
	MCF_ADDRESS_EXPIRY,
	MCF_APP_VERSION,
	MCF_IP4_SUBNET,
	MCF_SUPPORTED,
	MCF_BANNER,
	MCF_SAVE_PASSWD,
	MCF_DEF_DOMAIN,
	MCF_SPLIT_DNS,
	MCF_SPLIT_INCLUDE,
	MCF_LOCAL_LAN,
	MCF_PFS,
	MCF_FW_TYPE,
	MCF_BACKUP_SERVERS,
	MCF_IP6_ADDRESS,
	MCF_IP6_DNS,
	MCF_IP6_SUBNET,
	MCF_COUNT
};
#define MCF_BIT(f) (1u << (f))

/* The field an attribute type fills, or -1 for types we do not handle. */
int modecfg_field_of(uint16_t type);
uint16_t modecfg_type_of(enum modecfg_field f);
const char *modecfg_attr_name(uint16_t type);	/* "INTERNAL_IP4_DNS", ... */

#define MODECFG_MAX_SERVERS	4
#define MODECFG_MAX_NETS	32
#define MODECFG_NET_ENTRY_LEN	14
#define MODECFG_STR_MAX		1024	/* banner etc.; longer is truncated */
#define MODECFG_NAME_MAX	256	/* domain, application version */
#define MODECFG_FW_MAX		32
#define MODECFG_MAX_SUPPORTED	40

/* A Unity network entry: host order; proto/ports 0 = any. */
struct modecfg_net {
	uint32_t addr, mask;
	uint16_t proto, sport, dport;
};

struct modecfg {
	uint32_t has;			/* MCF_BIT(field) for each value present */
	uint32_t requested;		/* MCF_BIT(field) for each type seen */
	uint32_t ip4_addr, ip4_mask;	/* host order */
	unsigned n_dns, n_nbns;
	uint32_t dns[MODECFG_MAX_SERVERS], nbns[MODECFG_MAX_SERVERS];
	uint32_t expiry;		/* seconds */
	char app_version[MODECFG_NAME_MAX];
	unsigned n_subnet;		/* INTERNAL_IP4_SUBNET (addr+mask) */
	struct modecfg_net subnet[MODECFG_MAX_NETS];
	unsigned n_supported;
	uint16_t supported[MODECFG_MAX_SUPPORTED];
	char banner[MODECFG_STR_MAX];
	uint16_t save_passwd;		/* 1 = client may save the password */
	char def_domain[MODECFG_NAME_MAX];
	char split_dns[MODECFG_STR_MAX];	/* comma-separated domains */
	unsigned n_split;
	struct modecfg_net split[MODECFG_MAX_NETS];
	unsigned n_local_lan;
	struct modecfg_net local_lan[MODECFG_MAX_NETS];
	uint16_t pfs;			/* 1 = client must use PFS in Phase 2 */
	uint8_t fw_type[MODECFG_FW_MAX];
	size_t fw_type_len;
	char backup_servers[MODECFG_STR_MAX];	/* comma-separated */
	struct evs_prefix ip6_addr;	/* AF_INET6, address and prefix length */
	unsigned n_dns6;
	uint8_t dns6[MODECFG_MAX_SERVERS][16];
	unsigned n_subnet6;
	struct evs_prefix subnet6[MODECFG_MAX_NETS];
	unsigned n_unknown;		/* attribute types we skipped */
};
#define MODECFG_IP6_LEN 17		/* address and prefix length */

/* Decode the attribute block of an ATTR payload.  cfg_type says which
 * message it is: in REQUEST and ACK empty values only mark the type as
 * requested/accepted; in REPLY and SET an empty value is allowed only
 * where the draft allows it (it means "none").  Wrong sizes, entry lists
 * that are not a multiple of 14 bytes, too many servers or entries give
 * -1 with *err (PAYLOAD-MALFORMED / ATTRIBUTES-NOT-SUPPORTED).  Unknown
 * types are counted and skipped.  XAUTH types (16520..16529) are skipped
 * too: xauth.c reads those. */
int modecfg_decode(const uint8_t *attrs, size_t len, uint8_t cfg_type,
		   struct modecfg *m, struct isakmp_perr *err);

/* Append attributes.  values: every field in m->has with its value (REPLY,
 * SET).  Otherwise (REQUEST, ACK): every field in mask as an empty
 * attribute (a REQUEST may carry m's values for IP4_ADDRESS and
 * APP_VERSION when they are in m->has). */
void modecfg_encode_values(struct isakmp_buf *b, const struct modecfg *m);
void modecfg_encode_types(struct isakmp_buf *b, uint32_t mask,
			  const struct modecfg *m);

/* The server's REPLY for a REQUEST: the requested fields that offer has,
 * plus SUPPORTED_ATTRIBUTES and APPLICATION_VERSION answered from ours.
 * A REQUEST that asks for nothing gets everything offer has. */
void modecfg_answer(const struct modecfg *offer, const struct modecfg *req,
		    const char *our_version, struct modecfg *reply);

/* What a client asks for (our own client role): address, mask, DNS,
 * NBNS, expiry, domain, banner, split include/DNS, save-password, PFS,
 * backup servers, local LAN, application version (with ours); with ipv6
 * also an IPv6 address, IPv6 DNS and IPv6 split networks (a gateway
 * without IPv6 leaves them out of its REPLY). */
void modecfg_client_request(struct modecfg *req, const char *our_version, bool ipv6);

/*
 * UNITY_FW_TYPE's value is itself a list of basic (TV) attributes.  A
 * Cisco concentrator that requires a firewall sends 1 (vendor) = 1
 * (Cisco), 2 (product) = 1 (Cisco Integrated Client firewall), 3 = 2 (the
 * policy; captures show 2, its meaning is not published); vpnc echoes
 * exactly that block in its REQUEST.  A client reports a firewall by
 * sending the attribute with such a block; an empty value, or none,
 * reports none.  The gateway's REPLY/SET carrying the attribute is its
 * firewall policy for the client.
 */
struct modecfg_fw {
	uint16_t vendor, product, policy;
};
#define MODECFG_FW_VENDOR_CISCO		1
#define MODECFG_FW_PRODUCT_INTEGRATED	1
#define MODECFG_FW_POLICY_DEFAULT	2
#define MODECFG_FW_BLOCK_LEN		12

/* 0 with *f, or -1 when v is not a list of TV attributes with at least a
 * vendor and a product (unknown sub-types are skipped). */
int modecfg_fw_parse(const uint8_t *v, size_t len, struct modecfg_fw *f);
/* The 12-byte block for f; returns its length. */
size_t modecfg_fw_build(const struct modecfg_fw *f, uint8_t out[MODECFG_FW_BLOCK_LEN]);
/* Put f in m as the FW_TYPE value (has and requested). */
void modecfg_set_fw(struct modecfg *m, const struct modecfg_fw *f);
/* Does this decoded REQUEST report a firewall (a well-formed block)? */
bool modecfg_reports_firewall(const struct modecfg *req);

/* Helpers for policy and logs. */
int modecfg_mask_to_plen(uint32_t mask);	/* -1 if not contiguous */
uint32_t modecfg_plen_to_mask(unsigned plen);
/* One line "address 10.77.0.5/24, dns 192.168.77.53, domain corp, ..." */
void modecfg_format(const struct modecfg *m, char *out, size_t outlen);

#endif
