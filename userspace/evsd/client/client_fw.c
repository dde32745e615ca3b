// SPDX-License-Identifier: MIT
/* The client role's inbound filter on the evs device; see client_fw.h. */
#include "evsd/client/client_fw.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>

#include "evsd/client/pat.h"

static void put_allow(char *out, size_t n, size_t *len, const char *peer,
		      const struct ike_fw_allow *a)
{
	pat_appendf(out, n, len, "\t\t");
	if (a->from.family == AF_INET)
		pat_appendf(out, n, len, "ip saddr %u.%u.%u.%u/%u ", a->from.addr[0],
		    a->from.addr[1], a->from.addr[2], a->from.addr[3], a->from.plen);
	if ((a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP) && a->port)
		pat_appendf(out, n, len, "%s dport %u ", a->proto == IPPROTO_TCP ? "tcp" : "udp",
		    a->port);
	else if (a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP)
		pat_appendf(out, n, len, "meta l4proto %s ", a->proto == IPPROTO_TCP ? "tcp" : "udp");
	else if (a->proto == IPPROTO_ICMP)
		pat_appendf(out, n, len, "meta l4proto icmp ");
	/* the peer name is a config word: quotes and backslashes are not
	 * in it (conftree), but keep the comment to safe characters anyway */
	pat_appendf(out, n, len, "accept comment \"");
	for (const char *p = peer; *p; p++)
		pat_appendf(out, n, len, "%c", (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ? *p : '_');
	pat_appendf(out, n, len, "\"\n");
}

int client_fw_script(const char *dev, const struct client_fw_peer *peers, unsigned n,
		     char *out, size_t outlen)
{
	size_t len = 0;

	if (!n)
		return -1;
	/* "add" then "delete" replaces a leftover in the same transaction */
	pat_appendf(out, outlen, &len, "add table inet %s\ndelete table inet %s\n",
	    CLIENT_FW_TABLE, CLIENT_FW_TABLE);
	pat_appendf(out, outlen, &len, "table inet %s {\n", CLIENT_FW_TABLE);
	/* named, so `client show` reads it without listing the rules */
	pat_appendf(out, outlen, &len, "\tcounter %s {\n\t}\n", CLIENT_FW_DROPS);
	/* to this host (client mode: the assigned address) and through it
	 * (network extension, PAT'd LAN hosts) */
	pat_appendf(out, outlen, &len, "\tchain input {\n\t\ttype filter hook input priority filter; "
	    "policy accept;\n\t\tiifname \"%s\" jump from_tunnel\n\t}\n", dev);
	pat_appendf(out, outlen, &len, "\tchain forward {\n\t\ttype filter hook forward priority "
	    "filter; policy accept;\n\t\tiifname \"%s\" jump from_tunnel\n\t}\n", dev);
	pat_appendf(out, outlen, &len, "\tchain from_tunnel {\n\t\tct state established,related accept\n");
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < peers[i].n_allow; k++)
			put_allow(out, outlen, &len, peers[i].name, &peers[i].allow[k]);
	if (!pat_appendf(out, outlen, &len, "\t\tcounter name \"%s\" drop\n\t}\n}\n",
			 CLIENT_FW_DROPS))
		return -1;
	return (int)len;
}

int client_fw_remove_script(char *out, size_t outlen)
{
	int k = snprintf(out, outlen, "add table inet %s\ndelete table inet %s\n",
			 CLIENT_FW_TABLE, CLIENT_FW_TABLE);

	return k < 0 || (size_t)k >= outlen ? -1 : k;
}
