/* SPDX-License-Identifier: MIT */
/*
 * Formats flow keys (optionally with a megaflow mask) and datapath actions in ODP syntax
 * (lib/odp-util.c), e.g.
 *   in_port(1),eth(src=0a:dd:00:00:00:01/00:00:00:00:00:00,dst=...),eth_type(0x0800),ipv4(...),udp(src=1000/0,dst=80)
 * A field is printed `value/mask` unless its mask is all ones; with no mask the key is exact.
 * L3 attributes appear only when the ethertype is matched, L4 ones only when the protocol is.
 * Userspace only (agent and tests).
 */
#ifndef DPLAB_ODP_KEY_H
#define DPLAB_ODP_KEY_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../bpf/datapath.h"

struct odp_buf {
	char *p;
	size_t left;
};

static inline void odp_put(struct odp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void odp_put(struct odp_buf *b, const char *fmt, ...)
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

static inline int odp_all_ones(const void *m, size_t n)
{
	const __u8 *p = m;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0xff)
			return 0;
	return 1;
}

static inline void odp_uint(struct odp_buf *b, const char *name, unsigned long v, unsigned long m, unsigned long full, int hex)
{
	odp_put(b, hex ? "%s=0x%lx" : "%s=%lu", name, v);
	if (m != full)
		odp_put(b, hex ? "/0x%lx" : "/%lu", m);
}

static inline void odp_bytes(struct odp_buf *b, const char *name, const __u8 *v, const __u8 *m, int kind)
{
	char t[INET6_ADDRSTRLEN];
	size_t n = kind == 6 ? 16 : kind == 4 ? 4 : 6;
	int i;

	for (i = 0; i < 2; i++) {
		const __u8 *x = i ? m : v;

		if (i && (!m || odp_all_ones(m, n)))
			break;
		if (i)
			odp_put(b, "/");
		else
			odp_put(b, "%s=", name);
		if (kind == 'm')
			odp_put(b, "%02x:%02x:%02x:%02x:%02x:%02x", x[0], x[1], x[2], x[3], x[4], x[5]);
		else
			odp_put(b, "%s", inet_ntop(kind == 6 ? AF_INET6 : AF_INET, x, t, sizeof(t)));
	}
}

static const char *odp_frag(__u8 f)
{
	return f == DP_FRAG_FIRST ? "first" : f == DP_FRAG_LATER ? "later" : "no";
}

static inline void odp_tcp_flags(struct odp_buf *b, __u16 flags, __u16 mask)
{
	static const char *names[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns" };
	int i, first = 1;

	odp_put(b, ",tcp_flags(");
	if (mask != 0xffff && mask != 0x0fff) {
		odp_put(b, "0x%03x/0x%03x)", flags, mask);
		return;
	}
	for (i = 0; i < 9; i++) {
		if (flags & (1 << i)) {
			odp_put(b, "%s%s", first ? "" : "|", names[i]);
			first = 0;
		}
	}
	odp_put(b, "%s)", first ? "0" : "");
}

/* The L3/L4 attributes after (and including) the innermost eth_type. */
static inline void odp_l3(struct odp_buf *b, const struct dp_flow_key *k, const struct dp_flow_key *m, int masked)
{
	int l4 = k->nw_frag != DP_FRAG_LATER && m->nw_proto == 0xff;

	if (k->eth_type == DP_ETH_P_802_2) {
		/* OVS encodes non-Ethernet-II frames by leaving OVS_KEY_ATTR_ETHERTYPE out of the key
		 * (the kernel module does the same), and prints a mask for it as eth_type(0/0xffff). */
		if (masked && m->eth_type)
			odp_put(b, ",eth_type(0/0x%x)", m->eth_type);
		return;
	}
	odp_put(b, ",eth_type(0x%04x", k->eth_type);
	if (m->eth_type != 0xffff)
		odp_put(b, "/0x%x", m->eth_type);
	odp_put(b, ")");
	if (m->eth_type != 0xffff)
		return;
	if (k->eth_type == DP_ETH_P_IPV4) {
		odp_put(b, ",ipv4(");
		odp_bytes(b, "src", (const __u8 *)&k->nw.ipv4.src, (const __u8 *)&m->nw.ipv4.src, 4);
		odp_bytes(b, ",dst", (const __u8 *)&k->nw.ipv4.dst, (const __u8 *)&m->nw.ipv4.dst, 4);
		odp_put(b, ",");
		odp_uint(b, "proto", k->nw_proto, m->nw_proto, 0xff, 0);
		odp_put(b, ",");
		odp_uint(b, "tos", k->nw_tos, m->nw_tos, 0xff, 0);
		odp_put(b, ",");
		odp_uint(b, "ttl", k->nw_ttl, m->nw_ttl, 0xff, 0);
		odp_put(b, ",frag=%s%s)", odp_frag(k->nw_frag), m->nw_frag == 0xff ? "" : "/0");
		if (l4 && k->nw_proto == 1) {
			odp_put(b, ",icmp(");
			odp_uint(b, "type", k->tp_src, m->tp_src, 0xffff, 0);
			odp_put(b, ",");
			odp_uint(b, "code", k->tp_dst, m->tp_dst, 0xffff, 0);
			odp_put(b, ")");
		}
	} else if (k->eth_type == DP_ETH_P_IPV6) {
		odp_put(b, ",ipv6(");
		odp_bytes(b, "src", k->nw.ipv6.src, m->nw.ipv6.src, 6);
		odp_bytes(b, ",dst", k->nw.ipv6.dst, m->nw.ipv6.dst, 6);
		odp_put(b, ",");
		odp_uint(b, "label", k->ipv6_label, m->ipv6_label, 0xffffffff, 1);
		odp_put(b, ",");
		odp_uint(b, "proto", k->nw_proto, m->nw_proto, 0xff, 0);
		odp_put(b, ",");
		odp_uint(b, "tclass", k->nw_tos, m->nw_tos, 0xff, 1);
		odp_put(b, ",");
		odp_uint(b, "hlimit", k->nw_ttl, m->nw_ttl, 0xff, 0);
		odp_put(b, ",frag=%s%s)", odp_frag(k->nw_frag), m->nw_frag == 0xff ? "" : "/0");
		if (l4 && k->nw_proto == 58) {
			odp_put(b, ",icmpv6(");
			odp_uint(b, "type", k->tp_src, m->tp_src, 0xffff, 0);
			odp_put(b, ",");
			odp_uint(b, "code", k->tp_dst, m->tp_dst, 0xffff, 0);
			odp_put(b, ")");
			if ((k->tp_src == 135 || k->tp_src == 136) && k->tp_dst == 0) {
				odp_put(b, ",nd(");
				odp_bytes(b, "target", k->nd_target, m->nd_target, 6);
				odp_bytes(b, ",sll", k->nd_sll, m->nd_sll, 'm');
				odp_bytes(b, ",tll", k->nd_tll, m->nd_tll, 'm');
				odp_put(b, ")");
			}
		}
	} else if (k->eth_type == DP_ETH_P_ARP) {
		odp_put(b, ",arp(");
		odp_bytes(b, "sip", (const __u8 *)&k->nw.arp.sip, (const __u8 *)&m->nw.arp.sip, 4);
		odp_bytes(b, ",tip", (const __u8 *)&k->nw.arp.tip, (const __u8 *)&m->nw.arp.tip, 4);
		odp_put(b, ",");
		odp_uint(b, "op", k->nw_proto, m->nw_proto, 0xff, 0);
		odp_bytes(b, ",sha", k->nw.arp.sha, m->nw.arp.sha, 'm');
		odp_bytes(b, ",tha", k->nw.arp.tha, m->nw.arp.tha, 'm');
		odp_put(b, ")");
		return;
	}
	if (!l4)
		return;
	if (k->nw_proto == 6 || k->nw_proto == 17 || k->nw_proto == 132) {
		odp_put(b, ",%s(", k->nw_proto == 6 ? "tcp" : k->nw_proto == 17 ? "udp" : "sctp");
		odp_uint(b, "src", k->tp_src, m->tp_src, 0xffff, 0);
		odp_put(b, ",");
		odp_uint(b, "dst", k->tp_dst, m->tp_dst, 0xffff, 0);
		odp_put(b, ")");
		if (k->nw_proto == 6)
			odp_tcp_flags(b, k->tcp_flags, m->tcp_flags);
	}
}

/* Writes the key (mask NULL: exact); returns the length written. */
static inline size_t odp_format_masked_key(const struct dp_flow_key *k, const struct dp_flow_key *mask, char *out, size_t size)
{
	struct dp_flow_key exact;
	const struct dp_flow_key *m = mask;
	struct odp_buf b = { out, size };
	int i;

	if (!m) {
		memset(&exact, 0xff, sizeof(exact));
		m = &exact;
	}
	if (size)
		out[0] = 0;
	odp_put(&b, "in_port(%u),eth(", k->in_port);
	odp_bytes(&b, "src", k->eth_src, m->eth_src, 'm');
	odp_bytes(&b, ",dst", k->eth_dst, m->eth_dst, 'm');
	odp_put(&b, ")");
	for (i = 0; i < k->n_vlans && i < DP_MAX_VLANS; i++) {
		__u16 tci = k->vlan[i].tci, tm = m->vlan[i].tci;

		odp_put(&b, "%seth_type(0x%04x),", i ? "" : ",", k->vlan[i].tpid);
		/* A tag announced but missing: CFI clear, printed as OVS does. */
		if (!(tci & DP_VLAN_CFI))
			odp_put(&b, "vlan(vid=0,pcp=0,cfi=0)");
		else if (tm == 0xffff)
			odp_put(&b, "vlan(vid=%u,pcp=%u)", tci & 0xfff, tci >> 13);
		else
			odp_put(&b, "vlan(vid=%u/0x%x,pcp=%u/0x%x)", tci & 0xfff, tm & 0xfff, tci >> 13, tm >> 13);
		odp_put(&b, ",encap(");
		if (!(tci & DP_VLAN_CFI)) {
			for (; i >= 0; i--)
				odp_put(&b, ")");
			return (size_t)(b.p - out);
		}
	}
	{
		/* Inside encap() the first attribute has no leading comma. */
		char l3[768];
		struct odp_buf lb = { l3, sizeof(l3) };

		l3[0] = 0;
		odp_l3(&lb, k, m, mask != NULL);
		odp_put(&b, "%s", k->n_vlans && l3[0] ? l3 + 1 : l3);
	}
	for (i = 0; i < k->n_vlans && i < DP_MAX_VLANS; i++)
		odp_put(&b, ")");
	return (size_t)(b.p - out);
}

static inline size_t odp_format_key(const struct dp_flow_key *k, char *out, size_t size)
{
	return odp_format_masked_key(k, NULL, out, size);
}

/* Datapath actions, comma-separated; no actions is `drop`. */
/* `nw_proto` of the flow's key names the L4 header of set(tcp/udp(...)). */
static inline size_t odp_format_actions(const struct dp_flow *f, __u8 nw_proto, char *out, size_t size)
{
	struct odp_buf b = { out, size };
	__u32 i;

	if (size)
		out[0] = 0;
	if (!f->n_actions)
		odp_put(&b, "drop");
	for (i = 0; i < f->n_actions && i < DP_MAX_ACTIONS; i++) {
		const struct dp_action *a = &f->actions[i];

		if (i)
			odp_put(&b, ",");
		switch (a->type) {
		case DP_ACT_OUTPUT:
			odp_put(&b, "%u", a->port);
			break;
		case DP_ACT_USERSPACE:
			odp_put(&b, "userspace(pid=0,controller)");
			break;
		case DP_ACT_PUSH_VLAN:
			odp_put(&b, "push_vlan(");
			if (a->u.vlan.tpid != DP_ETH_P_8021Q)
				odp_put(&b, "tpid=0x%04x,", a->u.vlan.tpid);
			odp_put(&b, "vid=%u,pcp=%u)", a->u.vlan.tci & 0xfff, a->u.vlan.tci >> 13);
			break;
		case DP_ACT_POP_VLAN:
			odp_put(&b, "pop_vlan");
			break;
		case DP_ACT_SET_ETH:
			odp_put(&b, "set(eth(");
			if (a->u.eth.src_mask[0] | a->u.eth.src_mask[5])
				odp_bytes(&b, "src", a->u.eth.src, a->u.eth.src_mask, 'm');
			if (a->u.eth.dst_mask[0] | a->u.eth.dst_mask[5])
				odp_bytes(&b, (a->u.eth.src_mask[0] | a->u.eth.src_mask[5]) ? ",dst" : "dst", a->u.eth.dst, a->u.eth.dst_mask, 'm');
			odp_put(&b, "))");
			break;
		case DP_ACT_SET_IPV4: {
			const char *sep = "";

			odp_put(&b, "set(ipv4(");
			if (a->u.ipv4.src_mask) {
				odp_bytes(&b, "src", (const __u8 *)&a->u.ipv4.src, (const __u8 *)&a->u.ipv4.src_mask, 4);
				sep = ",";
			}
			if (a->u.ipv4.dst_mask) {
				odp_put(&b, "%s", sep);
				odp_bytes(&b, "dst", (const __u8 *)&a->u.ipv4.dst, (const __u8 *)&a->u.ipv4.dst_mask, 4);
				sep = ",";
			}
			if (a->u.ipv4.tos_mask) {
				odp_put(&b, "%s", sep);
				odp_uint(&b, "tos", a->u.ipv4.tos, a->u.ipv4.tos_mask, 0xff, 1);
				sep = ",";
			}
			if (a->u.ipv4.ttl_mask) {
				odp_put(&b, "%s", sep);
				odp_uint(&b, "ttl", a->u.ipv4.ttl, a->u.ipv4.ttl_mask, 0xff, 0);
			}
			odp_put(&b, "))");
			break;
		}
		case DP_ACT_SET_IPV6: {
			const char *sep = "";

			odp_put(&b, "set(ipv6(");
			if (a->u.ipv6.src_mask[0]) {
				odp_bytes(&b, "src", a->u.ipv6.src, a->u.ipv6.src_mask, 6);
				sep = ",";
			}
			if (a->u.ipv6.dst_mask[0]) {
				odp_put(&b, "%s", sep);
				odp_bytes(&b, "dst", a->u.ipv6.dst, a->u.ipv6.dst_mask, 6);
				sep = ",";
			}
			if (a->u.ipv6.hlimit_mask) {
				odp_put(&b, "%s", sep);
				odp_uint(&b, "hlimit", a->u.ipv6.hlimit, a->u.ipv6.hlimit_mask, 0xff, 0);
			}
			odp_put(&b, "))");
			break;
		}
		case DP_ACT_SET_L4:
			odp_put(&b, "set(%s(", nw_proto == 6 ? "tcp" : "udp");
			if (a->u.l4.src_mask)
				odp_uint(&b, "src", a->u.l4.src, a->u.l4.src_mask, 0xffff, 0);
			if (a->u.l4.dst_mask) {
				odp_put(&b, a->u.l4.src_mask ? "," : "");
				odp_uint(&b, "dst", a->u.l4.dst, a->u.l4.dst_mask, 0xffff, 0);
			}
			odp_put(&b, "))");
			break;
		}
	}
	return (size_t)(b.p - out);
}

#endif
