/* SPDX-License-Identifier: MIT */
/*
 * Formats a dp_flow_key as an exact-match ODP key (lib/odp-util.c syntax), e.g.
 *   in_port(1),eth(src=..,dst=..),eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),ipv4(...),udp(src=1,dst=2))
 * Userspace only (agent and tests).
 */
#ifndef DPLAB_ODP_KEY_H
#define DPLAB_ODP_KEY_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "../bpf/flow-key.h"

struct odp_buf {
	char *p;
	size_t left;
};

static void odp_put(struct odp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void odp_put(struct odp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p, b->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->left)
		n = b->left ? (int)b->left - 1 : 0;
	b->p += n;
	b->left -= n;
}

static const char *odp_mac(const __u8 *m, char *out)
{
	sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return out;
}

static const char *odp_frag(__u8 f)
{
	return f == DP_FRAG_FIRST ? "first" : f == DP_FRAG_LATER ? "later" : "no";
}

static void odp_tcp_flags(struct odp_buf *b, __u16 flags)
{
	static const char *names[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns" };
	int i, first = 1;

	odp_put(b, ",tcp_flags(");
	for (i = 0; i < 9; i++) {
		if (flags & (1 << i)) {
			odp_put(b, "%s%s", first ? "" : "|", names[i]);
			first = 0;
		}
	}
	if (first)
		odp_put(b, "0");
	odp_put(b, ")");
}

static void odp_l3(struct odp_buf *b, const struct dp_flow_key *k)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], m1[18], m2[18];
	int l4 = k->nw_frag != DP_FRAG_LATER;

	odp_put(b, ",eth_type(0x%04x)", k->eth_type);
	if (k->eth_type == DP_ETH_P_IPV4) {
		inet_ntop(AF_INET, &k->nw.ipv4.src, s, sizeof(s));
		inet_ntop(AF_INET, &k->nw.ipv4.dst, d, sizeof(d));
		odp_put(b, ",ipv4(src=%s,dst=%s,proto=%u,tos=%u,ttl=%u,frag=%s)", s, d, k->nw_proto, k->nw_tos, k->nw_ttl, odp_frag(k->nw_frag));
		if (l4 && k->nw_proto == 1)
			odp_put(b, ",icmp(type=%u,code=%u)", k->tp_src, k->tp_dst);
	} else if (k->eth_type == DP_ETH_P_IPV6) {
		inet_ntop(AF_INET6, k->nw.ipv6.src, s, sizeof(s));
		inet_ntop(AF_INET6, k->nw.ipv6.dst, d, sizeof(d));
		odp_put(b, ",ipv6(src=%s,dst=%s,label=0x%05x,proto=%u,tclass=0x%x,hlimit=%u,frag=%s)", s, d, k->ipv6_label, k->nw_proto, k->nw_tos,
			k->nw_ttl, odp_frag(k->nw_frag));
		if (l4 && k->nw_proto == 58) {
			odp_put(b, ",icmpv6(type=%u,code=%u)", k->tp_src, k->tp_dst);
			if ((k->tp_src == 135 || k->tp_src == 136) && k->tp_dst == 0) {
				inet_ntop(AF_INET6, k->nd_target, s, sizeof(s));
				odp_put(b, ",nd(target=%s,sll=%s,tll=%s)", s, odp_mac(k->nd_sll, m1), odp_mac(k->nd_tll, m2));
			}
		}
	} else if (k->eth_type == DP_ETH_P_ARP) {
		inet_ntop(AF_INET, &k->nw.arp.sip, s, sizeof(s));
		inet_ntop(AF_INET, &k->nw.arp.tip, d, sizeof(d));
		odp_put(b, ",arp(sip=%s,tip=%s,op=%u,sha=%s,tha=%s)", s, d, k->nw_proto, odp_mac(k->nw.arp.sha, m1), odp_mac(k->nw.arp.tha, m2));
		return;
	} else {
		return;
	}
	if (!l4)
		return;
	if (k->nw_proto == 6) {
		odp_put(b, ",tcp(src=%u,dst=%u)", k->tp_src, k->tp_dst);
		odp_tcp_flags(b, k->tcp_flags);
	} else if (k->nw_proto == 17) {
		odp_put(b, ",udp(src=%u,dst=%u)", k->tp_src, k->tp_dst);
	} else if (k->nw_proto == 132) {
		odp_put(b, ",sctp(src=%u,dst=%u)", k->tp_src, k->tp_dst);
	}
}

/* Writes the key; returns the length written (the output is cut at size - 1). */
static size_t odp_format_key(const struct dp_flow_key *k, char *out, size_t size)
{
	struct odp_buf b = { out, size };
	char m1[18], m2[18];
	int i;

	if (size)
		out[0] = 0;
	odp_put(&b, "in_port(%u),eth(src=%s,dst=%s)", k->in_port, odp_mac(k->eth_src, m1), odp_mac(k->eth_dst, m2));
	for (i = 0; i < k->n_vlans && i < DP_MAX_VLANS; i++) {
		__u16 tci = k->vlan[i].tci;

		odp_put(&b, "%seth_type(0x%04x),", i ? "" : ",", k->vlan[i].tpid);
		/* A tag announced but missing: CFI clear, printed as OVS does. */
		if (tci & DP_VLAN_CFI)
			odp_put(&b, "vlan(vid=%u,pcp=%u)", tci & 0xfff, tci >> 13);
		else
			odp_put(&b, "vlan(vid=0,pcp=0,cfi=0)");
		odp_put(&b, ",encap(");
		if (!(tci & DP_VLAN_CFI)) {
			for (; i >= 0; i--)
				odp_put(&b, ")");
			return (size_t)(b.p - out);
		}
	}
	{
		/* Inside encap() the first attribute has no leading comma. */
		char l3[512];
		struct odp_buf lb = { l3, sizeof(l3) };

		odp_l3(&lb, k);
		odp_put(&b, "%s", k->n_vlans ? l3 + 1 : l3);
	}
	for (i = 0; i < k->n_vlans && i < DP_MAX_VLANS; i++)
		odp_put(&b, ")");
	return (size_t)(b.p - out);
}

#endif
