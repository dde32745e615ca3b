// SPDX-License-Identifier: MIT
/* Mode config attribute values; see modecfg.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ezv/modecfg.h"

static const struct {
	uint16_t type;
	const char *name;
} attr_names[MCF_COUNT] = {
	[MCF_IP4_ADDRESS] = { MODECFG_INTERNAL_IP4_ADDRESS, "INTERNAL_IP4_ADDRESS" },
	[MCF_IP4_NETMASK] = { MODECFG_INTERNAL_IP4_NETMASK, "INTERNAL_IP4_NETMASK" },
	[MCF_IP4_DNS] = { MODECFG_INTERNAL_IP4_DNS, "INTERNAL_IP4_DNS" },
	[MCF_IP4_NBNS] = { MODECFG_INTERNAL_IP4_NBNS, "INTERNAL_IP4_NBNS" },
	[MCF_ADDRESS_EXPIRY] = { MODECFG_INTERNAL_ADDRESS_EXPIRY, "INTERNAL_ADDRESS_EXPIRY" },
	[MCF_APP_VERSION] = { MODECFG_APPLICATION_VERSION, "APPLICATION_VERSION" },
	[MCF_IP4_SUBNET] = { MODECFG_INTERNAL_IP4_SUBNET, "INTERNAL_IP4_SUBNET" },
	[MCF_SUPPORTED] = { MODECFG_SUPPORTED_ATTRIBUTES, "SUPPORTED_ATTRIBUTES" },
	[MCF_BANNER] = { UNITY_BANNER, "UNITY_BANNER" },
	[MCF_SAVE_PASSWD] = { UNITY_SAVE_PASSWD, "UNITY_SAVE_PASSWD" },
	[MCF_DEF_DOMAIN] = { UNITY_DEF_DOMAIN, "UNITY_DEF_DOMAIN" },
	[MCF_SPLIT_DNS] = { UNITY_SPLIT_DNS, "UNITY_SPLIT_DNS" },
	[MCF_SPLIT_INCLUDE] = { UNITY_SPLIT_INCLUDE, "UNITY_SPLIT_INCLUDE" },
	[MCF_LOCAL_LAN] = { UNITY_LOCAL_LAN, "UNITY_LOCAL_LAN" },
	[MCF_PFS] = { UNITY_PFS, "UNITY_PFS" },
	[MCF_FW_TYPE] = { UNITY_FW_TYPE, "UNITY_FW_TYPE" },
	[MCF_BACKUP_SERVERS] = { UNITY_BACKUP_SERVERS, "UNITY_BACKUP_SERVERS" },
	[MCF_IP6_ADDRESS] = { MODECFG_INTERNAL_IP6_ADDRESS, "INTERNAL_IP6_ADDRESS" },
	[MCF_IP6_DNS] = { MODECFG_INTERNAL_IP6_DNS, "INTERNAL_IP6_DNS" },
	[MCF_IP6_SUBNET] = { MODECFG_INTERNAL_IP6_SUBNET, "INTERNAL_IP6_SUBNET" },
};

int modecfg_field_of(uint16_t type)
{
	for (int f = 0; f < MCF_COUNT; f++)
		if (attr_names[f].type == type)
			return f;
	return -1;
}

uint16_t modecfg_type_of(enum modecfg_field f)
{
	return (unsigned)f < MCF_COUNT ? attr_names[f].type : 0;
}

const char *modecfg_attr_name(uint16_t type)
{
	int f = modecfg_field_of(type);

	if (f >= 0)
		return attr_names[f].name;
	switch (type) {
	case MODECFG_INTERNAL_IP4_DHCP: return "INTERNAL_IP4_DHCP";
	case MODECFG_INTERNAL_IP6_NETMASK: return "INTERNAL_IP6_NETMASK";
	case MODECFG_INTERNAL_IP6_NBNS: return "INTERNAL_IP6_NBNS";
	case MODECFG_INTERNAL_IP6_DHCP: return "INTERNAL_IP6_DHCP";
	case UNITY_NATT_PORT: return "UNITY_NATT_PORT";
	case UNITY_DDNS_HOSTNAME: return "UNITY_DDNS_HOSTNAME";
	default: return "UNKNOWN";
	}
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Copy a text value; NUL bytes end it (some clients send them). */
static void copy_str(char *dst, size_t cap, const uint8_t *v, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	memcpy(dst, v, n);
	dst[n] = '\0';
	dst[strnlen(dst, n)] = '\0';
}

static int decode_nets(const struct isakmp_attr *a, struct modecfg_net *nets,
		       unsigned *n, size_t entry_len, struct isakmp_perr *err)
{
	if (a->tv || a->len % entry_len)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			   "network list is not a whole number of entries");
	if (*n + a->len / entry_len > MODECFG_MAX_NETS)
		return isakmp_perr_set(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "too many networks");
	for (size_t off = 0; off < a->len; off += entry_len) {
		struct modecfg_net *e = &nets[(*n)++];
		const uint8_t *p = a->val + off;

		memset(e, 0, sizeof(*e));
		e->addr = get32(p);
		e->mask = get32(p + 4);
		if (entry_len == MODECFG_NET_ENTRY_LEN) {
			e->proto = get16(p + 8);
			e->sport = get16(p + 10);
			e->dport = get16(p + 12);
		}
	}
	return 0;
}

static int decode_addr(const struct isakmp_attr *a, uint32_t *list, unsigned *n,
		       unsigned max, struct isakmp_perr *err)
{
	if (a->tv || a->len != 4)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "IPv4 attribute is not 4 bytes");
	if (*n >= max)
		return isakmp_perr_set(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "too many servers");
	list[(*n)++] = get32(a->val);
	return 0;
}

/* address (16 bytes) and, with with_plen, a prefix length byte */
static int decode_ip6(const uint8_t *v, bool with_plen, struct evs_prefix *p,
		      struct isakmp_perr *err)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET6;
	memcpy(p->addr, v, 16);
	p->plen = with_plen ? v[16] : 128;
	if (p->plen > 128)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			   "IPv6 prefix length above 128");
	return 0;
}

static int decode_ip6_subnets(struct modecfg *m, const struct isakmp_attr *a,
			      struct isakmp_perr *err)
{
	if (a->tv || a->len % MODECFG_IP6_LEN)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			   "INTERNAL_IP6_SUBNET is not a whole number of 17-byte entries");
	if (m->n_subnet6 + a->len / MODECFG_IP6_LEN > MODECFG_MAX_NETS)
		return isakmp_perr_set(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "too many networks");
	for (size_t off = 0; off < a->len; off += MODECFG_IP6_LEN) {
		struct evs_prefix *p = &m->subnet6[m->n_subnet6];

		if (decode_ip6(a->val + off, true, p, err))
			return -1;
		evs_prefix_clear_host(p);
		m->n_subnet6++;
	}
	return 0;
}

static int decode_value6(struct modecfg *m, int f, const struct isakmp_attr *a,
			 struct isakmp_perr *err)
{
	switch (f) {
	case MCF_IP6_ADDRESS:
		if (a->tv || (a->len != 16 && a->len != MODECFG_IP6_LEN))
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "INTERNAL_IP6_ADDRESS is not 16 or 17 bytes");
		return decode_ip6(a->val, a->len == MODECFG_IP6_LEN, &m->ip6_addr, err);
	case MCF_IP6_DNS:
		if (a->tv || a->len != 16)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "INTERNAL_IP6_DNS is not 16 bytes");
		if (m->n_dns6 >= MODECFG_MAX_SERVERS)
			return isakmp_perr_set(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED,
				   "too many servers");
		memcpy(m->dns6[m->n_dns6++], a->val, 16);
		return 0;
	default:
		return decode_ip6_subnets(m, a, err);
	}
}

/* One attribute carrying a value (REPLY, SET, or a REQUEST's offered value). */
static int decode_value(struct modecfg *m, int f, const struct isakmp_attr *a,
			struct isakmp_perr *err)
{
	unsigned one = 0;

	switch (f) {
	case MCF_IP4_ADDRESS:
		if (decode_addr(a, &m->ip4_addr, &one, 1, err))
			return -1;
		break;
	case MCF_IP4_NETMASK:
		if (decode_addr(a, &m->ip4_mask, &one, 1, err))
			return -1;
		break;
	case MCF_IP4_DNS:
		if (decode_addr(a, m->dns, &m->n_dns, MODECFG_MAX_SERVERS, err))
			return -1;
		break;
	case MCF_IP4_NBNS:
		if (decode_addr(a, m->nbns, &m->n_nbns, MODECFG_MAX_SERVERS, err))
			return -1;
		break;
	case MCF_ADDRESS_EXPIRY:
		if (a->tv ? false : a->len != 4)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "address expiry is not 4 bytes");
		m->expiry = a->tv ? a->u : get32(a->val);
		break;
	case MCF_APP_VERSION:
		if (a->tv)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "application version is not text");
		copy_str(m->app_version, sizeof(m->app_version), a->val, a->len);
		break;
	case MCF_IP4_SUBNET:
		if (decode_nets(a, m->subnet, &m->n_subnet, 8, err))
			return -1;
		break;
	case MCF_SUPPORTED:
		if (a->tv || a->len % 2)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "supported attributes list is odd");
		for (size_t i = 0; i + 1 < a->len && m->n_supported < MODECFG_MAX_SUPPORTED; i += 2)
			m->supported[m->n_supported++] = get16(a->val + i);
		break;
	case MCF_BANNER:
	case MCF_DEF_DOMAIN:
	case MCF_SPLIT_DNS:
	case MCF_BACKUP_SERVERS:
		if (a->tv)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "text attribute sent as a number");
		if (f == MCF_BANNER)
			copy_str(m->banner, sizeof(m->banner), a->val, a->len);
		else if (f == MCF_DEF_DOMAIN)
			copy_str(m->def_domain, sizeof(m->def_domain), a->val, a->len);
		else if (f == MCF_SPLIT_DNS)
			copy_str(m->split_dns, sizeof(m->split_dns), a->val, a->len);
		else
			copy_str(m->backup_servers, sizeof(m->backup_servers), a->val, a->len);
		break;
	case MCF_SPLIT_INCLUDE:
		if (m->has & MCF_BIT(MCF_SPLIT_INCLUDE))
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "more than one SPLIT_INCLUDE attribute");
		if (decode_nets(a, m->split, &m->n_split, MODECFG_NET_ENTRY_LEN, err))
			return -1;
		break;
	case MCF_LOCAL_LAN:
		if (m->has & MCF_BIT(MCF_LOCAL_LAN))
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "more than one LOCAL_LAN attribute");
		if (decode_nets(a, m->local_lan, &m->n_local_lan, MODECFG_NET_ENTRY_LEN, err))
			return -1;
		break;
	case MCF_SAVE_PASSWD:
	case MCF_PFS:
		if (!a->tv && a->len != 2 && a->len != 4)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "flag attribute of odd size");
		if (f == MCF_SAVE_PASSWD)
			m->save_passwd = (uint16_t)a->u;
		else
			m->pfs = (uint16_t)a->u;
		break;
	case MCF_FW_TYPE:
		if (a->tv || a->len > MODECFG_FW_MAX)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "firewall type too long");
		memcpy(m->fw_type, a->val, a->len);
		m->fw_type_len = a->len;
		break;
	case MCF_IP6_ADDRESS:
	case MCF_IP6_DNS:
	case MCF_IP6_SUBNET:
		if (decode_value6(m, f, a, err))
			return -1;
		break;
	default:
		return isakmp_perr_set(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "unhandled field");
	}
	m->has |= MCF_BIT(f);
	return 0;
}

int modecfg_decode(const uint8_t *attrs, size_t len, uint8_t cfg_type,
		   struct modecfg *m, struct isakmp_perr *err)
{
	bool types_only = cfg_type == ISAKMP_CFG_REQUEST || cfg_type == ISAKMP_CFG_ACK;
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	int r;

	memset(m, 0, sizeof(*m));
	isakmp_attr_iter_init(&it, attrs, len);
	while ((r = isakmp_attr_next(&it, &a, err)) > 0) {
		int f = modecfg_field_of(a.type);

		if (f < 0) {
			/* XAUTH attributes share the payload type; others we
			 * neither want nor must refuse (draft §3.2). */
			if (a.type < 16520 || a.type > 16529)
				m->n_unknown++;
			continue;
		}
		m->requested |= MCF_BIT(f);
		/* Empty values: a request/ack marker, or "none" in a reply. */
		if (!a.tv && a.len == 0)
			continue;
		if (cfg_type == ISAKMP_CFG_ACK)
			continue;
		/* a REQUEST's values: offered address, version, and the
		 * client's firewall report */
		if (types_only && f != MCF_IP4_ADDRESS && f != MCF_APP_VERSION &&
		    f != MCF_SUPPORTED && f != MCF_FW_TYPE && f != MCF_IP6_ADDRESS)
			continue;
		if (decode_value(m, f, &a, err))
			return -1;
	}
	return r;
}

static void put_addr(struct isakmp_buf *b, uint16_t type, uint32_t a)
{
	uint8_t v[4] = { a >> 24, a >> 16, a >> 8, a };

	isakmp_put_attr_tlv(b, type, v, sizeof(v));
}

static void put_nets(struct isakmp_buf *b, uint16_t type,
		     const struct modecfg_net *nets, unsigned n, size_t entry_len)
{
	uint8_t v[MODECFG_MAX_NETS * MODECFG_NET_ENTRY_LEN];
	size_t off = 0;

	for (unsigned i = 0; i < n && i < MODECFG_MAX_NETS; i++) {
		const struct modecfg_net *e = &nets[i];
		uint8_t *p = v + off;

		p[0] = e->addr >> 24; p[1] = e->addr >> 16; p[2] = e->addr >> 8; p[3] = e->addr;
		p[4] = e->mask >> 24; p[5] = e->mask >> 16; p[6] = e->mask >> 8; p[7] = e->mask;
		if (entry_len == MODECFG_NET_ENTRY_LEN) {
			p[8] = e->proto >> 8; p[9] = e->proto & 0xff;
			p[10] = e->sport >> 8; p[11] = e->sport & 0xff;
			p[12] = e->dport >> 8; p[13] = e->dport & 0xff;
		}
		off += entry_len;
	}
	/* All entries in ONE attribute: vpnc refuses a second one. */
	isakmp_put_attr_tlv(b, type, v, off);
}

static void put_str(struct isakmp_buf *b, uint16_t type, const char *s)
{
	isakmp_put_attr_tlv(b, type, s, strlen(s));
}

static void put_ip6(struct isakmp_buf *b, uint16_t type, const struct evs_prefix *p)
{
	uint8_t v[MODECFG_IP6_LEN];

	memcpy(v, p->addr, 16);
	v[16] = p->plen;
	isakmp_put_attr_tlv(b, type, v, sizeof(v));
}

void modecfg_encode_values(struct isakmp_buf *b, const struct modecfg *m)
{
	for (int f = 0; f < MCF_COUNT; f++) {
		uint16_t t = attr_names[f].type;

		if (!(m->has & MCF_BIT(f)))
			continue;
		switch (f) {
		case MCF_IP4_ADDRESS: put_addr(b, t, m->ip4_addr); break;
		case MCF_IP4_NETMASK: put_addr(b, t, m->ip4_mask); break;
		case MCF_IP4_DNS:
			for (unsigned i = 0; i < m->n_dns; i++)
				put_addr(b, t, m->dns[i]);
			break;
		case MCF_IP4_NBNS:
			for (unsigned i = 0; i < m->n_nbns; i++)
				put_addr(b, t, m->nbns[i]);
			break;
		case MCF_ADDRESS_EXPIRY: {
			uint8_t v[4] = { m->expiry >> 24, m->expiry >> 16, m->expiry >> 8, m->expiry };

			isakmp_put_attr_tlv(b, t, v, 4);
			break;
		}
		case MCF_APP_VERSION: put_str(b, t, m->app_version); break;
		case MCF_IP4_SUBNET: put_nets(b, t, m->subnet, m->n_subnet, 8); break;
		case MCF_SUPPORTED: {
			uint8_t v[MODECFG_MAX_SUPPORTED * 2];

			for (unsigned i = 0; i < m->n_supported; i++) {
				v[2 * i] = m->supported[i] >> 8;
				v[2 * i + 1] = m->supported[i] & 0xff;
			}
			isakmp_put_attr_tlv(b, t, v, 2 * (size_t)m->n_supported);
			break;
		}
		case MCF_BANNER: put_str(b, t, m->banner); break;
		case MCF_SAVE_PASSWD: isakmp_put_attr_tv(b, t, m->save_passwd); break;
		case MCF_DEF_DOMAIN: put_str(b, t, m->def_domain); break;
		case MCF_SPLIT_DNS: put_str(b, t, m->split_dns); break;
		case MCF_SPLIT_INCLUDE:
			put_nets(b, t, m->split, m->n_split, MODECFG_NET_ENTRY_LEN);
			break;
		case MCF_LOCAL_LAN:
			put_nets(b, t, m->local_lan, m->n_local_lan, MODECFG_NET_ENTRY_LEN);
			break;
		case MCF_PFS: isakmp_put_attr_tv(b, t, m->pfs); break;
		case MCF_FW_TYPE: isakmp_put_attr_tlv(b, t, m->fw_type, m->fw_type_len); break;
		case MCF_BACKUP_SERVERS: put_str(b, t, m->backup_servers); break;
		case MCF_IP6_ADDRESS: put_ip6(b, t, &m->ip6_addr); break;
		case MCF_IP6_DNS:
			for (unsigned i = 0; i < m->n_dns6; i++)
				isakmp_put_attr_tlv(b, t, m->dns6[i], 16);
			break;
		case MCF_IP6_SUBNET:	/* one network per attribute */
			for (unsigned i = 0; i < m->n_subnet6; i++)
				put_ip6(b, t, &m->subnet6[i]);
			break;
		}
	}
}

void modecfg_encode_types(struct isakmp_buf *b, uint32_t mask,
			  const struct modecfg *m)
{
	for (int f = 0; f < MCF_COUNT; f++) {
		uint16_t t = attr_names[f].type;

		if (!(mask & MCF_BIT(f)))
			continue;
		if (m && (m->has & MCF_BIT(f)) && f == MCF_APP_VERSION)
			put_str(b, t, m->app_version);
		else if (m && (m->has & MCF_BIT(f)) && f == MCF_IP4_ADDRESS)
			put_addr(b, t, m->ip4_addr);
		else if (m && (m->has & MCF_BIT(f)) && f == MCF_FW_TYPE)
			isakmp_put_attr_tlv(b, t, m->fw_type, m->fw_type_len);
		else if (m && (m->has & MCF_BIT(f)) && f == MCF_IP6_ADDRESS)
			put_ip6(b, t, &m->ip6_addr);
		else
			isakmp_put_attr_tlv(b, t, "", 0);
	}
}

static void fill_supported(struct modecfg *r)
{
	r->n_supported = 0;
	for (int f = 0; f < MCF_COUNT; f++)
		r->supported[r->n_supported++] = attr_names[f].type;
	r->has |= MCF_BIT(MCF_SUPPORTED);
}

void modecfg_answer(const struct modecfg *offer, const struct modecfg *req,
		    const char *our_version, struct modecfg *reply)
{
	uint32_t want = req->requested;

	*reply = *offer;
	reply->requested = 0;
	reply->n_unknown = 0;
	if (want & ~(MCF_BIT(MCF_APP_VERSION) | MCF_BIT(MCF_SUPPORTED)))
		reply->has &= want;
	/* These two are about us, not about the client's policy. */
	reply->has &= ~(MCF_BIT(MCF_APP_VERSION) | MCF_BIT(MCF_SUPPORTED));
	if (want & MCF_BIT(MCF_APP_VERSION)) {
		snprintf(reply->app_version, sizeof(reply->app_version), "%s", our_version);
		reply->has |= MCF_BIT(MCF_APP_VERSION);
	}
	if (want & MCF_BIT(MCF_SUPPORTED))
		fill_supported(reply);
	/* A netmask is meaningless without the address it belongs to. */
	if ((reply->has & MCF_BIT(MCF_IP4_NETMASK)) && !(reply->has & MCF_BIT(MCF_IP4_ADDRESS)))
		reply->has &= ~MCF_BIT(MCF_IP4_NETMASK);
}

void modecfg_client_request(struct modecfg *req, const char *our_version, bool ipv6)
{
	memset(req, 0, sizeof(*req));
	req->requested = MCF_BIT(MCF_IP4_ADDRESS) | MCF_BIT(MCF_IP4_NETMASK) |
			 MCF_BIT(MCF_IP4_DNS) | MCF_BIT(MCF_IP4_NBNS) |
			 MCF_BIT(MCF_ADDRESS_EXPIRY) | MCF_BIT(MCF_APP_VERSION) |
			 MCF_BIT(MCF_BANNER) | MCF_BIT(MCF_SAVE_PASSWD) |
			 MCF_BIT(MCF_DEF_DOMAIN) | MCF_BIT(MCF_SPLIT_DNS) |
			 MCF_BIT(MCF_SPLIT_INCLUDE) | MCF_BIT(MCF_LOCAL_LAN) |
			 MCF_BIT(MCF_PFS) | MCF_BIT(MCF_BACKUP_SERVERS);
	if (ipv6)
		req->requested |= MCF_BIT(MCF_IP6_ADDRESS) | MCF_BIT(MCF_IP6_DNS) |
				  MCF_BIT(MCF_IP6_SUBNET);
	snprintf(req->app_version, sizeof(req->app_version), "%s", our_version);
	req->has = MCF_BIT(MCF_APP_VERSION);
}

int modecfg_fw_parse(const uint8_t *v, size_t len, struct modecfg_fw *f)
{
	bool vendor = false, product = false;
	size_t off = 0;

	memset(f, 0, sizeof(*f));
	while (off < len) {
		uint16_t type;

		/* only basic (TV) sub-attributes: 2 bytes type, 2 bytes value */
		if (len - off < 4 || !(v[off] & 0x80))
			return -1;
		type = get16(v + off) & 0x7fff;
		if (type == 1) {
			f->vendor = get16(v + off + 2);
			vendor = true;
		} else if (type == 2) {
			f->product = get16(v + off + 2);
			product = true;
		} else if (type == 3) {
			f->policy = get16(v + off + 2);
		}
		off += 4;
	}
	return vendor && product ? 0 : -1;
}

size_t modecfg_fw_build(const struct modecfg_fw *f, uint8_t out[MODECFG_FW_BLOCK_LEN])
{
	const uint16_t val[3] = { f->vendor, f->product, f->policy };

	for (unsigned i = 0; i < 3; i++) {
		out[4 * i] = 0x80;
		out[4 * i + 1] = (uint8_t)(i + 1);
		out[4 * i + 2] = val[i] >> 8;
		out[4 * i + 3] = val[i] & 0xff;
	}
	return MODECFG_FW_BLOCK_LEN;
}

void modecfg_set_fw(struct modecfg *m, const struct modecfg_fw *f)
{
	m->fw_type_len = modecfg_fw_build(f, m->fw_type);
	m->has |= MCF_BIT(MCF_FW_TYPE);
	m->requested |= MCF_BIT(MCF_FW_TYPE);
}

bool modecfg_reports_firewall(const struct modecfg *req)
{
	struct modecfg_fw f;

	return (req->has & MCF_BIT(MCF_FW_TYPE)) &&
	       !modecfg_fw_parse(req->fw_type, req->fw_type_len, &f);
}

int modecfg_mask_to_plen(uint32_t mask)
{
	int plen = 0;

	while (plen < 32 && (mask & (0x80000000u >> plen)))
		plen++;
	if (plen < 32 && (mask << plen))
		return -1;
	return plen;
}

uint32_t modecfg_plen_to_mask(unsigned plen)
{
	return plen ? ~0u << (32 - (plen > 32 ? 32 : plen)) : 0;
}

static size_t app(char *out, size_t outlen, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t app(char *out, size_t outlen, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pos >= outlen)
		return pos;
	va_start(ap, fmt);
	n = vsnprintf(out + pos, outlen - pos, fmt, ap);
	va_end(ap);
	return n < 0 ? pos : pos + (size_t)n;
}

#define IP4(a) (a) >> 24, ((a) >> 16) & 255, ((a) >> 8) & 255, (a) & 255

static size_t app_nets(char *out, size_t outlen, size_t pos, const char *what,
		       const struct modecfg_net *n, unsigned count)
{
	pos = app(out, outlen, pos, ", %s", what);
	for (unsigned i = 0; i < count; i++)
		pos = app(out, outlen, pos, " %u.%u.%u.%u/%d", IP4(n[i].addr),
			  modecfg_mask_to_plen(n[i].mask));
	return pos;
}

void modecfg_format(const struct modecfg *m, char *out, size_t outlen)
{
	char s6[EVS_PREFIX_STRLEN];
	size_t pos = 0;

	out[0] = '\0';
	if (m->has & MCF_BIT(MCF_IP4_ADDRESS))
		pos = app(out, outlen, pos, ", address %u.%u.%u.%u", IP4(m->ip4_addr));
	if (m->has & MCF_BIT(MCF_IP4_NETMASK))
		pos = app(out, outlen, pos, "/%d", modecfg_mask_to_plen(m->ip4_mask));
	if (m->has & MCF_BIT(MCF_IP4_DNS)) {
		pos = app(out, outlen, pos, ", dns");
		for (unsigned i = 0; i < m->n_dns; i++)
			pos = app(out, outlen, pos, " %u.%u.%u.%u", IP4(m->dns[i]));
	}
	if (m->has & MCF_BIT(MCF_IP4_NBNS)) {
		pos = app(out, outlen, pos, ", wins");
		for (unsigned i = 0; i < m->n_nbns; i++)
			pos = app(out, outlen, pos, " %u.%u.%u.%u", IP4(m->nbns[i]));
	}
	if (m->has & MCF_BIT(MCF_ADDRESS_EXPIRY))
		pos = app(out, outlen, pos, ", expiry %us", m->expiry);
	if (m->has & MCF_BIT(MCF_DEF_DOMAIN))
		pos = app(out, outlen, pos, ", domain %s", m->def_domain);
	if (m->has & MCF_BIT(MCF_SPLIT_DNS))
		pos = app(out, outlen, pos, ", split-dns %s", m->split_dns);
	if (m->has & MCF_BIT(MCF_SPLIT_INCLUDE))
		pos = app_nets(out, outlen, pos, "split-include", m->split, m->n_split);
	if (m->has & MCF_BIT(MCF_LOCAL_LAN))
		pos = app_nets(out, outlen, pos, "local-lan", m->local_lan, m->n_local_lan);
	if (m->has & MCF_BIT(MCF_BANNER))
		pos = app(out, outlen, pos, ", banner (%zu bytes)", strlen(m->banner));
	if (m->has & MCF_BIT(MCF_SAVE_PASSWD))
		pos = app(out, outlen, pos, ", save-password %u", m->save_passwd);
	if (m->has & MCF_BIT(MCF_PFS))
		pos = app(out, outlen, pos, ", pfs %u", m->pfs);
	if (m->has & MCF_BIT(MCF_BACKUP_SERVERS))
		pos = app(out, outlen, pos, ", backup-servers %s", m->backup_servers);
	if (m->has & MCF_BIT(MCF_FW_TYPE)) {
		struct modecfg_fw fw;

		if (!modecfg_fw_parse(m->fw_type, m->fw_type_len, &fw))
			pos = app(out, outlen, pos, ", firewall vendor %u product %u policy %u",
				  fw.vendor, fw.product, fw.policy);
		else
			pos = app(out, outlen, pos, ", firewall-type (%zu bytes)",
				  m->fw_type_len);
	}
	if (m->has & MCF_BIT(MCF_IP6_ADDRESS))
		pos = app(out, outlen, pos, ", address %s",
			  evs_prefix_str(&m->ip6_addr, s6, sizeof(s6)));
	if (m->has & MCF_BIT(MCF_IP6_DNS)) {
		pos = app(out, outlen, pos, ", dns");
		for (unsigned i = 0; i < m->n_dns6; i++)
			pos = app(out, outlen, pos, " %s",
				  evs_net_ntop(AF_INET6, m->dns6[i], 128, s6, sizeof(s6)));
	}
	if (m->has & MCF_BIT(MCF_IP6_SUBNET)) {
		pos = app(out, outlen, pos, ", subnets");
		for (unsigned i = 0; i < m->n_subnet6; i++)
			pos = app(out, outlen, pos, " %s",
				  evs_prefix_str(&m->subnet6[i], s6, sizeof(s6)));
	}
	if (m->has & MCF_BIT(MCF_APP_VERSION))
		pos = app(out, outlen, pos, ", version \"%s\"", m->app_version);
	if (pos >= 2 && out[0] == ',')
		memmove(out, out + 2, strlen(out + 2) + 1);
	if (!out[0])
		snprintf(out, outlen, "(nothing)");
}
