/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP tunnel mode (RFC 4303) over the kernel crypto API: the per-SA crypto
 * state and the packet entry points shared by esp.c, esp_alg.c, proto.c
 * and encap.c.  The functions sad.c, sad_nl.c, device.c and
 * main.c call are declared in evs.h (evs_esp_init, evs_esp_xmit,
 * evs_esp_module_init ...).
 */
#ifndef _EVS_ESP_H
#define _EVS_ESP_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <net/dst_cache.h>
#include "evs.h"

struct crypto_aead;
struct evs_alg;

/* Largest IV (cbc(aes)) and ICV (hmac(sha512)-256) we support. */
#define EVS_ESP_MAX_IV		16
#define EVS_ESP_MAX_ICV		32
#define EVS_ESP_MAX_BLOCK	16
/* Bytes the ESP and outer headers add in front of the inner packet:
 * outer IPv4 + UDP (NAT-T) + SPI/seq + IV (+4 for the ESN high bits that
 * sit in front of the header while the ICV is computed).  An SA with an
 * IPv6 outer header (20 bytes more) raises the device's headroom when it
 * first sends (esp.c).
 */
#define EVS_ESP_HEADROOM	(20 + 8 + 8 + EVS_ESP_MAX_IV + 4)
/* Bytes the trailer adds at the end: padding, pad length, next header, ICV. */
#define EVS_ESP_TAILROOM	(EVS_ESP_MAX_BLOCK + 2 + EVS_ESP_MAX_ICV)

struct evs_esp {
	struct crypto_aead *aead;	/* geniv(authenc(...)) or geniv(aead) */
	const struct evs_alg *aead_alg, *enc_alg, *auth_alg;
	unsigned int ivlen;
	unsigned int icvlen;		/* bytes */
	unsigned int blksize;		/* payload alignment, >= 4 */
	unsigned int key_bits;		/* cipher or AEAD key, without salt */
	unsigned int auth_key_bits;
	bool esn;
	bool null;		/* null cipher and null auth: no crypto API */
	/* Outbound: route to the peer, one per CPU; reset when the peer's
	 * address moves (NAT rebinding, SA_UPDATE).
	 */
	struct dst_cache dst_cache;
	union evs_addr dst_cache_daddr;	/* word by word, READ/WRITE_ONCE */
};

/* Where an inbound packet came from: for UDP-encapsulated ESP the outer
 * source address and port (NAT mapping detection); type NONE for raw ESP.
 */
struct evs_esp_src {
	u8 encap_type;			/* enum evs_encap_type */
	u16 family;			/* of the outer header */
	union evs_addr saddr;
	__be16 sport;
};

/* Process one inbound ESP packet on inbound @sa: skb->data at the ESP
 * header, network header at the outer IPv4 header.  Consumes @skb and the
 * reference on @sa (from evs_sa_lookup_in).  Softirq context.
 */
void evs_esp_input(struct evs_sa *sa, struct sk_buff *skb,
		   const struct evs_esp_src *src);

/* proto.c: raw ESP (IP protocol 50 / next header 50). */
int evs_proto_init(void);
void evs_proto_exit(void);

/* encap.c: ESP-in-UDP.  Make sure something listens on the SA's local
 * port (the daemon's socket or a module-owned one).  Process context.
 */
void evs_encap_sa_added(struct evs_sa *sa);

#endif /* _EVS_ESP_H */
