// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dplab's eBPF datapath, TC clsact ingress: the complete fast path.
 *   key extraction (flow-key.h) -> tuple-space search over the masks (bpf_loop) ->
 *   hit: counters, then the flow's actions; miss: the packet and its key to the agent through
 *   the `upcalls` ring buffer, and the packet is consumed (the agent re-executes it).
 *
 * Every output uses bpf_clone_redirect and the program returns TC_ACT_SHOT: plain bpf_redirect
 * is not carried out when the agent executes a packet through BPF_PROG_RUN, and one code path
 * for both keeps the behaviour the same. A packet executed by the agent carries
 * DP_EXECUTE_MARK in cb[0]: it is not counted and never upcalled again.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DP_LOAD(ctx, off, dst, len) bpf_skb_load_bytes((ctx), (off), (dst), (len))
#include "maps.h"
#define DP_STORE(ctx, off, src, len) bpf_skb_store_bytes((ctx), (off), (src), (len), 0)
#include "rewrite.h"

#define DP_EXECUTE_MARK 0xd91ab001

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} upcalls SEC(".maps");

static __always_inline int upcall(struct __sk_buff *skb, const struct dp_flow_key *key, __u32 reason)
{
	struct dp_upcall *u = bpf_ringbuf_reserve(&upcalls, sizeof(*u), 0);
	__u64 len = skb->len;

	if (!u) {
		count(DP_CNT_LOST);
		return -1;
	}
	u->reason = reason;
	u->port = key->in_port;
	u->len = skb->len;
	u->meta_tpid = skb->vlan_present ? bpf_ntohs(skb->vlan_proto) : 0;
	u->meta_tci = skb->vlan_present ? skb->vlan_tci : 0;
	__builtin_memcpy(&u->key, key, sizeof(*key));
	if (len > DP_UPCALL_BYTES)
		len = DP_UPCALL_BYTES;
	/*
	 * The helper wants a size in [1, DP_UPCALL_BYTES] the verifier can see. clang 14 merges
	 * "len > 0 && len <= N" into one compare of len - 1 in a copy, whose bounds 6.12's verifier
	 * does not carry back to len ("R4 invalid zero-sized read"); a mask and an add it follows on
	 * every kernel. A zero length becomes N, beyond the packet: the load fails, nothing captured.
	 */
	len = ((len - 1) & (DP_UPCALL_BYTES - 1)) + 1;
	if (!bpf_skb_load_bytes(skb, 0, u->pkt, len))
		u->captured = len;
	else
		u->captured = 0;
	bpf_ringbuf_submit(u, 0);
	if (reason == DP_UPCALL_MISS) {
		__u32 port = key->in_port;
		struct dp_port_misses *m = bpf_map_lookup_elem(&misses_sent, &port);

		if (m)
			__sync_fetch_and_add(&m->sent, 1);
	}
	return 0;
}

/* L4 checksum field offset and pseudo-header flags for the packet's protocol, or -1. */
static __always_inline int l4_csum(__u8 proto, __u32 l4, __u32 *csum_off, __u64 *flags)
{
	if (proto == 6) {
		*csum_off = l4 + 16;
		*flags = 0;
		return 0;
	}
	if (proto == 17) {
		*csum_off = l4 + 6;
		/* UDP checksum 0 means "none" over IPv4: keep it so; a computed 0 becomes 0xffff. */
		*flags = BPF_F_MARK_MANGLED_0;
		return 0;
	}
	return -1;
}

/*
 * The L4 header of the IPv6 packet at l3, past the extension headers the key extractor skips
 * (hop-by-hop, routing, destination options, a first fragment's header; flow-key.h), as
 * `routing << 24 | protocol << 16 | offset`, routing set when a routing header came first (the
 * kernel datapath then leaves the L4 checksum alone when the destination changes: it covers the
 * final destination). -1 when there is no L4 header: a later fragment, cut short, too many
 * headers. A global function: the verifier checks it once, not in each of execute()'s action
 * slots (inlined there, the walk took the program past the verifier's budget).
 */
__noinline int ipv6_l4(struct __sk_buff *skb, __u32 l3)
{
	__u32 off = l3 + 40;
	int i, routing = 0;
	__u8 nh;

	if (!skb || bpf_skb_load_bytes(skb, l3 + 6, &nh, 1))
		return -1;
	for (i = 0; i < DP_IPV6_MAX_EXT; i++) {
		__u8 e[4];

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (bpf_skb_load_bytes(skb, off, e, 4))
			return -1;
		if (nh == 44) {
			if (((e[2] << 8) | e[3]) & 0xfff8)
				return -1;
			off += 8;
		} else {
			routing |= nh == 43;
			off += (e[1] + 1) * 8;
		}
		nh = e[0];
	}
	if (nh == 0 || nh == 43 || nh == 60 || nh == 44 || off > 0xffff)
		return -1;
	return routing << 24 | nh << 16 | (int)off;
}

static __always_inline int set_ipv4(struct __sk_buff *skb, const struct dp_action *a)
{
	__u16 et;
	int l3 = dp_l3_offset(skb, &et);
	__u8 h[20];
	__u32 src, dst, nsrc, ndst, csum_off, l4;
	__u64 fl;
	__u16 oldw, neww;

	if (l3 < 0 || et != ETH_P_IP || bpf_skb_load_bytes(skb, l3, h, 20))
		return -1;
	__builtin_memcpy(&src, h + 12, 4);
	__builtin_memcpy(&dst, h + 16, 4);
	nsrc = (src & ~a->u.ipv4.src_mask) | (a->u.ipv4.src & a->u.ipv4.src_mask);
	ndst = (dst & ~a->u.ipv4.dst_mask) | (a->u.ipv4.dst & a->u.ipv4.dst_mask);
	l4 = l3 + (h[0] & 0x0f) * 4;
	/* Only the first fragment holds the L4 header whose checksum covers the addresses. */
	if (!(bpf_ntohs(*(__u16 *)(h + 6)) & 0x1fff) && !l4_csum(h[9], l4, &csum_off, &fl)) {
		if (nsrc != src)
			bpf_l4_csum_replace(skb, csum_off, src, nsrc, fl | BPF_F_PSEUDO_HDR | 4);
		if (ndst != dst)
			bpf_l4_csum_replace(skb, csum_off, dst, ndst, fl | BPF_F_PSEUDO_HDR | 4);
	}
	if (nsrc != src) {
		bpf_l3_csum_replace(skb, l3 + 10, src, nsrc, 4);
		bpf_skb_store_bytes(skb, l3 + 12, &nsrc, 4, 0);
	}
	if (ndst != dst) {
		bpf_l3_csum_replace(skb, l3 + 10, dst, ndst, 4);
		bpf_skb_store_bytes(skb, l3 + 16, &ndst, 4, 0);
	}
	/* TOS and TTL sit in 16-bit words of the header: [ver/ihl, tos] and [ttl, proto]. */
	if (a->u.ipv4.tos_mask) {
		__u8 tos = dp_mix8(h[1], a->u.ipv4.tos, a->u.ipv4.tos_mask);

		oldw = bpf_htons(h[0] << 8 | h[1]);
		neww = bpf_htons(h[0] << 8 | tos);
		bpf_l3_csum_replace(skb, l3 + 10, oldw, neww, 2);
		bpf_skb_store_bytes(skb, l3 + 1, &tos, 1, 0);
	}
	if (a->u.ipv4.ttl_mask) {
		__u8 ttl = dp_mix8(h[8], a->u.ipv4.ttl, a->u.ipv4.ttl_mask);

		oldw = bpf_htons(h[8] << 8 | h[9]);
		neww = bpf_htons(ttl << 8 | h[9]);
		bpf_l3_csum_replace(skb, l3 + 10, oldw, neww, 2);
		bpf_skb_store_bytes(skb, l3 + 8, &ttl, 1, 0);
	}
	return 0;
}

static __always_inline int set_ipv6(struct __sk_buff *skb, const struct dp_action *a)
{
	__u16 et;
	int l3 = dp_l3_offset(skb, &et);
	__u8 h[40], n[32], proto;
	__u32 csum_off, l4;
	__u64 fl;
	__s64 diff;
	int i, at;

	if (l3 < 0 || et != ETH_P_IPV6 || bpf_skb_load_bytes(skb, l3, h, 40))
		return -1;
	for (i = 0; i < 16; i++) {
		n[i] = dp_mix8(h[8 + i], a->u.ipv6.src[i], a->u.ipv6.src_mask[i]);
		n[16 + i] = dp_mix8(h[24 + i], a->u.ipv6.dst[i], a->u.ipv6.dst_mask[i]);
	}
	/* TCP's, UDP's and ICMPv6's checksums cover the addresses (a pseudo-header; RFC 4443 for
	 * ICMPv6), behind the extension headers; not the destination behind a routing header, as
	 * the kernel datapath has it (set_ipv6 in net/openvswitch/actions.c). */
	at = ipv6_l4(skb, (__u32)l3);
	proto = (__u8)(at >> 16);
	l4 = (__u32)at & 0xffff;
	if (at >= 0 && (proto == 58 || !l4_csum(proto, l4, &csum_off, &fl))) {
		if (proto == 58) {
			csum_off = l4 + 2;
			fl = 0;
		}
		diff = bpf_csum_diff((__be32 *)(h + 8), at >> 24 ? 16 : 32, (__be32 *)n, at >> 24 ? 16 : 32, 0);
		if (diff >= 0)
			bpf_l4_csum_replace(skb, csum_off, 0, diff, (fl & ~BPF_F_MARK_MANGLED_0) | BPF_F_PSEUDO_HDR);
	}
	bpf_skb_store_bytes(skb, l3 + 8, n, 32, 0);
	if (a->u.ipv6.hlimit_mask) {
		__u8 hl = dp_mix8(h[7], a->u.ipv6.hlimit, a->u.ipv6.hlimit_mask);

		bpf_skb_store_bytes(skb, l3 + 7, &hl, 1, 0);
	}
	/* The traffic class straddles the first two bytes: version(4) class(8) flow label(20). */
	if (a->u.ipv6.tclass_mask) {
		__u8 tc = dp_mix8((__u8)(h[0] << 4 | h[1] >> 4), a->u.ipv6.tclass, a->u.ipv6.tclass_mask);
		__u8 b[2] = { (__u8)((h[0] & 0xf0) | tc >> 4), (__u8)(tc << 4 | (h[1] & 0x0f)) };

		bpf_skb_store_bytes(skb, l3, b, 2, 0);
	}
	return 0;
}

static __always_inline int set_l4(struct __sk_buff *skb, const struct dp_action *a)
{
	__u16 et, p[2], np[2];
	int l3 = dp_l3_offset(skb, &et);
	__u8 proto, ihl;
	__u32 l4, csum_off;
	__u64 fl;

	if (l3 < 0)
		return -1;
	if (et == ETH_P_IP) {
		if (bpf_skb_load_bytes(skb, l3 + 9, &proto, 1) || bpf_skb_load_bytes(skb, l3, &ihl, 1))
			return -1;
		l4 = l3 + (ihl & 0x0f) * 4;
	} else if (et == ETH_P_IPV6) {
		int at = ipv6_l4(skb, (__u32)l3);

		if (at < 0)
			return -1;
		proto = (__u8)(at >> 16);
		l4 = (__u32)at & 0xffff;
	} else {
		return -1;
	}
	if (l4_csum(proto, l4, &csum_off, &fl) || bpf_skb_load_bytes(skb, l4, p, 4))
		return -1;
	np[0] = bpf_htons((bpf_ntohs(p[0]) & ~a->u.l4.src_mask) | (a->u.l4.src & a->u.l4.src_mask));
	np[1] = bpf_htons((bpf_ntohs(p[1]) & ~a->u.l4.dst_mask) | (a->u.l4.dst & a->u.l4.dst_mask));
	if (et == ETH_P_IPV6)
		fl &= ~BPF_F_MARK_MANGLED_0; /* UDP over IPv6 always has a checksum */
	if (np[0] != p[0])
		bpf_l4_csum_replace(skb, csum_off, p[0], np[0], fl | 2);
	if (np[1] != p[1])
		bpf_l4_csum_replace(skb, csum_off, p[1], np[1], fl | 2);
	return bpf_skb_store_bytes(skb, l4, np, 4, 0);
}

static __always_inline int output(struct __sk_buff *skb, __u32 port)
{
	__u32 *ifindex = bpf_map_lookup_elem(&port_ifindex, &port);

	if (!ifindex || !*ifindex)
		return -1;
	return bpf_clone_redirect(skb, *ifindex, 0);
}

static __always_inline void execute(struct __sk_buff *skb, struct dp_flow *f, const struct dp_flow_key *key)
{
	int i;

	for (i = 0; i < DP_MAX_ACTIONS; i++) {
		const struct dp_action *a = &f->actions[i];

		if (i >= (int)f->n_actions)
			break;
		switch (a->type) {
		case DP_ACT_OUTPUT:
			output(skb, a->port);
			break;
		case DP_ACT_USERSPACE:
			upcall(skb, key, a->u.userspace.invalid_ttl ? DP_UPCALL_INVALID_TTL : DP_UPCALL_ACTION);
			break;
		case DP_ACT_PUSH_VLAN:
			/* The helper wants the TCI without VLAN_TAG_PRESENT (CFI), as the kernel datapath. */
			bpf_skb_vlan_push(skb, bpf_htons(a->u.vlan.tpid), a->u.vlan.tci & ~DP_VLAN_CFI);
			break;
		case DP_ACT_POP_VLAN:
			bpf_skb_vlan_pop(skb);
			break;
		case DP_ACT_SET_ETH:
			dp_set_eth(skb, a);
			break;
		case DP_ACT_SET_IPV4:
			set_ipv4(skb, a);
			break;
		case DP_ACT_SET_IPV6:
			set_ipv6(skb, a);
			break;
		case DP_ACT_SET_L4:
			set_l4(skb, a);
			break;
		}
	}
}

SEC("tc")
int dp_ingress(struct __sk_buff *skb)
{
	__u32 zero = 0, ifindex = skb->ifindex, *port;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	struct dp_vlan outer;
	struct dp_flow *flow;

	port = bpf_map_lookup_elem(&ifindex_port, &ifindex);
	if (!port || !s)
		return TC_ACT_OK; /* not a datapath port */
	__builtin_memset(&s->key, 0, sizeof(s->key));
	__builtin_memset(&s->id, 0, sizeof(s->id));
	outer.tpid = bpf_ntohs(skb->vlan_proto);
	outer.tci = skb->vlan_tci;
	dp_extract(skb, skb->len, skb->vlan_present ? &outer : 0, *port, &s->key);
	flow = lookup(s);
	if (skb->cb[0] == DP_EXECUTE_MARK) {
		/* The agent executing an upcalled packet: never counted, never upcalled again. */
		if (flow)
			execute(skb, flow, &s->key);
		return TC_ACT_SHOT;
	}
	if (!flow) {
		count(DP_CNT_MISS);
		upcall(skb, &s->key, DP_UPCALL_MISS);
		return TC_ACT_SHOT;
	}
	count(DP_CNT_HIT);
	__sync_fetch_and_add(&flow->packets, 1);
	__sync_fetch_and_add(&flow->bytes, skb->len);
	flow->used_ns = bpf_ktime_get_ns();
	if (setting_up(*port)) {
		/* Queue behind the port's pending misses, so this packet cannot overtake them. */
		upcall(skb, &s->key, DP_UPCALL_MISS);
		return TC_ACT_SHOT;
	}
	execute(skb, flow, &s->key);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
