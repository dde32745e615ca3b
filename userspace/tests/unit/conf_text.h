/* SPDX-License-Identifier: MIT */
/*
 * conf_text: pieces of evsd.conf that several tests write the same way,
 * to be pasted into a configuration's string literal.
 */
#ifndef EVS_TEST_CONF_TEXT_H
#define EVS_TEST_CONF_TEXT_H

/* The body of the usual Phase 1 policy (AES-256, SHA-256, pre-shared
 * key, group 14), without its opening line and closing brace. */
#define CONF_IKE_POLICY_BODY \
	"    encryption aes 256\n" \
	"    hash sha256\n" \
	"    authentication pre-share\n" \
	"    group 14\n"

/* That policy as number 10, complete. */
#define CONF_IKE_POLICY_10 \
	"crypto isakmp policy 10 {\n" \
	CONF_IKE_POLICY_BODY \
	"}\n"

/* The end of a client's peer block: Phase 1 AES-256, SHA-256, group 14,
 * transform-set T. */
#define CONF_PEER_TAIL \
	"    encryption aes\n" \
	"    key-length 256\n" \
	"    hash sha256\n" \
	"    group 14\n" \
	"    transform-set T\n" \
	"}\n"

/* An Easy VPN client's peer: the gateway 203.0.113.1 in aggressive mode,
 * group "sales" with key "groupsecret", transform-set T. */
#define CONF_PEER_GW_AGGRESSIVE \
	"peer gw {\n" \
	"    server 203.0.113.1\n" \
	"    mode aggressive\n" \
	"    group-name sales\n" \
	"    group-key groupsecret\n" \
	CONF_PEER_TAIL

#endif
