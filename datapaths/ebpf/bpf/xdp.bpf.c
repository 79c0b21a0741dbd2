// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * XDP front end of dplab's eBPF datapath (backend `ebpf-xdp`). It shares the TC program's maps,
 * looks the packet up in the same megaflow table, and carries out itself only the flows the
 * agent marked DP_FLOW_XDP: one output as the last action, VLAN push/pop, Ethernet/IPv4/L4
 * sets. Everything else (misses, multiple outputs, upcalls, IPv6 rewrites, ports still setting
 * up a flow) passes to the TC program, which does the complete job. XDP has no checksum
 * helpers: rewrites update checksums incrementally (RFC 1624).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DP_LOAD(ctx, off, dst, len) bpf_xdp_load_bytes((ctx), (off), (dst), (len))
#include "maps.h"
#define DP_STORE(ctx, off, src, len) bpf_xdp_store_bytes((ctx), (off), (src), (len))
#include "rewrite.h"

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over 16-bit words in network order. */
static __always_inline __u16 csum_update16(__u16 csum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~csum + (__u16)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

static __always_inline __u16 csum_update32(__u16 csum, __u32 old, __u32 new)
{
	csum = csum_update16(csum, (__u16)(old >> 16), (__u16)(new >> 16));
	return csum_update16(csum, (__u16)old, (__u16)new);
}

/* L4 checksum offset for TCP/UDP under an unfragmented-or-first IPv4 header, or -1. */
static __always_inline int l4_csum_off(__u8 proto, __u32 l4)
{
	return proto == 6 ? (int)(l4 + 16) : proto == 17 ? (int)(l4 + 6) : -1;
}

static __always_inline int set_ipv4(struct xdp_md *ctx, const struct dp_action *a)
{
	__u16 et, ipc, l4c = 0;
	int l3 = dp_l3_offset(ctx, &et), co = -1;
	__u8 h[20];
	__u32 src, dst, nsrc, ndst;

	if (l3 < 0 || et != ETH_P_IP || bpf_xdp_load_bytes(ctx, l3, h, 20) || (h[0] & 0x0f) != 5)
		return -1;
	__builtin_memcpy(&src, h + 12, 4);
	__builtin_memcpy(&dst, h + 16, 4);
	nsrc = (src & ~a->u.ipv4.src_mask) | (a->u.ipv4.src & a->u.ipv4.src_mask);
	ndst = (dst & ~a->u.ipv4.dst_mask) | (a->u.ipv4.dst & a->u.ipv4.dst_mask);
	ipc = bpf_ntohs(*(__u16 *)(h + 10));
	if (!(bpf_ntohs(*(__u16 *)(h + 6)) & 0x1fff))
		co = l4_csum_off(h[9], l3 + 20);
	if (co >= 0 && bpf_xdp_load_bytes(ctx, co, &l4c, 2))
		co = -1;
	l4c = bpf_ntohs(l4c);
	/* UDP over IPv4 with checksum 0 has none: leave it. */
	if (co >= 0 && h[9] == 17 && l4c == 0)
		co = -1;
	ipc = csum_update32(ipc, bpf_ntohl(src), bpf_ntohl(nsrc));
	ipc = csum_update32(ipc, bpf_ntohl(dst), bpf_ntohl(ndst));
	if (co >= 0) {
		l4c = csum_update32(l4c, bpf_ntohl(src), bpf_ntohl(nsrc));
		l4c = csum_update32(l4c, bpf_ntohl(dst), bpf_ntohl(ndst));
		if (h[9] == 17 && l4c == 0)
			l4c = 0xffff;
	}
	if (a->u.ipv4.tos_mask) {
		__u8 tos = dp_mix8(h[1], a->u.ipv4.tos, a->u.ipv4.tos_mask);

		ipc = csum_update16(ipc, (__u16)(h[0] << 8 | h[1]), (__u16)(h[0] << 8 | tos));
		h[1] = tos;
	}
	if (a->u.ipv4.ttl_mask) {
		__u8 ttl = dp_mix8(h[8], a->u.ipv4.ttl, a->u.ipv4.ttl_mask);

		ipc = csum_update16(ipc, (__u16)(h[8] << 8 | h[9]), (__u16)(ttl << 8 | h[9]));
		h[8] = ttl;
	}
	__builtin_memcpy(h + 12, &nsrc, 4);
	__builtin_memcpy(h + 16, &ndst, 4);
	*(__u16 *)(h + 10) = bpf_htons(ipc);
	if (bpf_xdp_store_bytes(ctx, l3, h, 20))
		return -1;
	if (co >= 0) {
		l4c = bpf_htons(l4c);
		bpf_xdp_store_bytes(ctx, co, &l4c, 2);
	}
	return 0;
}

static __always_inline int set_l4(struct xdp_md *ctx, const struct dp_action *a)
{
	__u16 et, p[2], np[2], c;
	int l3 = dp_l3_offset(ctx, &et), co;
	__u8 h[20];

	if (l3 < 0 || et != ETH_P_IP || bpf_xdp_load_bytes(ctx, l3, h, 20) || (h[0] & 0x0f) != 5)
		return -1;
	co = l4_csum_off(h[9], l3 + 20);
	if (co < 0 || bpf_xdp_load_bytes(ctx, l3 + 20, p, 4) || bpf_xdp_load_bytes(ctx, co, &c, 2))
		return -1;
	np[0] = bpf_htons((bpf_ntohs(p[0]) & ~a->u.l4.src_mask) | (a->u.l4.src & a->u.l4.src_mask));
	np[1] = bpf_htons((bpf_ntohs(p[1]) & ~a->u.l4.dst_mask) | (a->u.l4.dst & a->u.l4.dst_mask));
	if (!(h[9] == 17 && c == 0)) {
		__u16 hc = bpf_ntohs(c);

		hc = csum_update16(hc, bpf_ntohs(p[0]), bpf_ntohs(np[0]));
		hc = csum_update16(hc, bpf_ntohs(p[1]), bpf_ntohs(np[1]));
		if (h[9] == 17 && hc == 0)
			hc = 0xffff;
		c = bpf_htons(hc);
		bpf_xdp_store_bytes(ctx, co, &c, 2);
	}
	return bpf_xdp_store_bytes(ctx, l3 + 20, np, 4);
}

static __always_inline int push_vlan(struct xdp_md *ctx, const struct dp_action *a)
{
	__u8 macs[12];
	__u16 tag[2];

	if (bpf_xdp_load_bytes(ctx, 0, macs, 12) || bpf_xdp_adjust_head(ctx, -4))
		return -1;
	tag[0] = bpf_htons(a->u.vlan.tpid);
	tag[1] = bpf_htons(a->u.vlan.tci & ~DP_VLAN_CFI);
	if (bpf_xdp_store_bytes(ctx, 0, macs, 12))
		return -1;
	return bpf_xdp_store_bytes(ctx, 12, tag, 4);
}

static __always_inline int pop_vlan(struct xdp_md *ctx)
{
	__u8 macs[12];
	__u16 t;

	if (bpf_xdp_load_bytes(ctx, 0, macs, 12) || bpf_xdp_load_bytes(ctx, 12, &t, 2))
		return -1;
	t = bpf_ntohs(t);
	if (t != ETH_P_8021Q && t != ETH_P_8021AD)
		return 0;
	if (bpf_xdp_adjust_head(ctx, 4))
		return -1;
	return bpf_xdp_store_bytes(ctx, 0, macs, 12);
}

SEC("xdp")
int dp_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0, ifindex = ctx->ingress_ifindex, *port, *out, len;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	struct dp_flow *flow;
	int i;

	port = bpf_map_lookup_elem(&ifindex_port, &ifindex);
	if (!port || !s)
		return XDP_PASS;
	len = ctx->data_end - ctx->data;
	__builtin_memset(&s->key, 0, sizeof(s->key));
	__builtin_memset(&s->id, 0, sizeof(s->id));
	dp_extract(ctx, len, 0, *port, &s->key);
	flow = lookup(s);
	if (!flow || !(flow->flags & DP_FLOW_XDP) || setting_up(*port))
		return XDP_PASS; /* the TC program does the complete job */
	if (flow->flags & DP_FLOW_XDP_IPV4) {
		__u16 et;
		int l3 = dp_l3_offset(ctx, &et);
		__u8 vihl;

		if (l3 < 0 || et != ETH_P_IP || bpf_xdp_load_bytes(ctx, l3, &vihl, 1) || vihl != 0x45)
			return XDP_PASS;
	}
	count(DP_CNT_HIT);
	__sync_fetch_and_add(&flow->packets, 1);
	__sync_fetch_and_add(&flow->bytes, len);
	flow->used_ns = bpf_ktime_get_ns();
	for (i = 0; i < DP_MAX_ACTIONS; i++) {
		const struct dp_action *a = &flow->actions[i];
		int err = 0;

		if (i >= (int)flow->n_actions)
			break;
		switch (a->type) {
		case DP_ACT_OUTPUT:
			out = bpf_map_lookup_elem(&port_ifindex, &a->port);
			return out ? bpf_redirect(*out, 0) : XDP_DROP;
		case DP_ACT_PUSH_VLAN:
			err = push_vlan(ctx, a);
			break;
		case DP_ACT_POP_VLAN:
			err = pop_vlan(ctx);
			break;
		case DP_ACT_SET_ETH:
			err = dp_set_eth(ctx, a);
			break;
		case DP_ACT_SET_IPV4:
			err = set_ipv4(ctx, a);
			break;
		case DP_ACT_SET_L4:
			err = set_l4(ctx, a);
			break;
		default:
			err = -1;
		}
		/* Checked up front, so this is a malformed packet: dropped rather than half done. */
		if (err)
			return XDP_DROP;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
