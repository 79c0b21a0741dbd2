/* SPDX-License-Identifier: MIT */
/*
 * The flow key of dplab's eBPF datapath and its extraction from a frame: one header-only core
 * compiled both into the BPF programs (clang -target bpf) and into the agent and its tests (gcc).
 * Extraction follows the OVS kernel datapath rules (Documentation/networking/openvswitch.rst,
 * net/openvswitch/flow.c): malformed or truncated headers give an attribute with empty content,
 * never a drop; 802.1Q/802.1ad tags are kept with VLAN_TAG_PRESENT (CFI) set, so vlan(0) means
 * "a tag was announced but is missing".
 *
 * The includer defines how bytes are read:
 *   DP_LOAD(ctx, off, dst, len)  copies len bytes at off into dst, 0 on success.
 */
#ifndef DPLAB_FLOW_KEY_H
#define DPLAB_FLOW_KEY_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif


#define DP_ETH_P_IPV4 0x0800
#define DP_ETH_P_ARP 0x0806
#define DP_ETH_P_8021Q 0x8100
#define DP_ETH_P_8021AD 0x88a8
#define DP_ETH_P_IPV6 0x86dd
#define DP_ETH_P_802_2 0x05ff /* what OVS reports for 802.3 length fields */
#define DP_VLAN_CFI 0x1000
#define DP_MAX_VLANS 2
#define DP_IPV6_MAX_EXT 4

/* As OVS's FLOW_NW_FRAG_*: bit 0 any fragment, bit 1 a later one, so masks express OpenFlow's
 * nw_frag=no|yes|first|later|not_later. */
enum dp_frag { DP_FRAG_NONE = 0, DP_FRAG_FIRST = 1, DP_FRAG_LATER = 3 };

struct dp_vlan {
	__u16 tpid; /* host order */
	__u16 tci;  /* host order, DP_VLAN_CFI set when the tag was present and complete */
};

/*
 * 128 bytes, 8-byte aligned, no holes: it is hashed and masked as bytes, so every byte must be
 * written by extraction (the key is zeroed first).
 */
struct dp_flow_key {
	__u32 in_port;
	__u32 recirc_id;
	__u8 eth_src[6];
	__u8 eth_dst[6];
	__u16 eth_type;  /* innermost ethertype, host order; 0 when a tag was cut short */
	__u8 n_vlans;    /* tags parsed (a truncated tag counts, with tci 0) */
	__u8 nw_proto;   /* IP protocol / next header; ARP opcode (low 8 bits) */
	struct dp_vlan vlan[DP_MAX_VLANS];
	__u8 nw_tos;
	__u8 nw_ttl;
	__u8 nw_frag;    /* enum dp_frag */
	__u8 pad0;
	__u16 tp_src;    /* TCP/UDP ports; ICMP type */
	__u16 tp_dst;    /* ICMP code */
	__u16 tcp_flags;
	__u16 pad1;
	__u32 ipv6_label;
	union {
		struct {
			__u32 src; /* network order */
			__u32 dst;
		} ipv4;
		struct {
			__u8 src[16];
			__u8 dst[16];
		} ipv6;
		struct {
			__u32 sip;
			__u32 tip;
			__u8 sha[6];
			__u8 tha[6];
		} arp;
	} nw;
	__u8 nd_target[16];
	__u8 nd_sll[6];
	__u8 nd_tll[6];
	__u8 pad2[20];
};

_Static_assert(sizeof(struct dp_flow_key) == 128, "flow key must stay 128 bytes");

/* Extraction needs a way to read bytes; users of the struct alone need not define DP_LOAD. */
#ifdef DP_LOAD

static __always_inline __u16 dp_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* OVS parse_ethertype: an 802.3 length field stands for 802.2 (LLC). */
static __always_inline __u16 dp_ethertype(__u16 t)
{
	return t >= 0x600 ? t : DP_ETH_P_802_2;
}

static __always_inline void dp_parse_l4(void *ctx, __u32 len, __u32 off, struct dp_flow_key *key, int v6)
{
	__u8 h[20];

	if (key->nw_proto == 6) { /* TCP: ports and flags, or all zero when cut short */
		if (off + 20 <= len && !DP_LOAD(ctx, off, h, 20)) {
			__u32 doff = (h[12] >> 4) * 4;

			if (doff >= 20 && off + doff <= len) {
				key->tp_src = dp_be16(h);
				key->tp_dst = dp_be16(h + 2);
				key->tcp_flags = dp_be16(h + 12) & 0x0fff;
			}
		}
	} else if (key->nw_proto == 17 || key->nw_proto == 132) { /* UDP, SCTP */
		if (off + 8 <= len && !DP_LOAD(ctx, off, h, 8)) {
			key->tp_src = dp_be16(h);
			key->tp_dst = dp_be16(h + 2);
		}
	} else if (!v6 && key->nw_proto == 1) { /* ICMP: type and code */
		if (off + 4 <= len && !DP_LOAD(ctx, off, h, 4)) {
			key->tp_src = h[0];
			key->tp_dst = h[1];
		}
	} else if (v6 && key->nw_proto == 58) { /* ICMPv6, and ND target/options */
		if (off + 4 <= len && !DP_LOAD(ctx, off, h, 4)) {
			key->tp_src = h[0];
			key->tp_dst = h[1];
			if ((h[0] == 135 || h[0] == 136) && h[1] == 0 && off + 24 <= len &&
			    !DP_LOAD(ctx, off + 8, key->nd_target, 16)) {
				__u32 o = off + 24;
				int i;

				/* Source/target link-layer address options; a malformed option list
				 * clears the whole ND key, as OVS does. */
				for (i = 0; i < 4 && o + 8 <= len; i++) {
					__u8 opt[8];

					if (DP_LOAD(ctx, o, opt, 8) || opt[1] == 0)
						goto bad_nd;
					if (opt[1] == 1 && opt[0] == 1 && h[0] == 135)
						__builtin_memcpy(key->nd_sll, opt + 2, 6);
					else if (opt[1] == 1 && opt[0] == 2 && h[0] == 136)
						__builtin_memcpy(key->nd_tll, opt + 2, 6);
					o += opt[1] * 8;
				}
				return;
bad_nd:
				__builtin_memset(key->nd_target, 0, 16);
				__builtin_memset(key->nd_sll, 0, 6);
				__builtin_memset(key->nd_tll, 0, 6);
			}
		}
	}
}

static __always_inline void dp_parse_ipv4(void *ctx, __u32 len, __u32 off, struct dp_flow_key *key)
{
	__u8 h[20];
	__u32 ihl;
	__u16 frag;

	if (off + 20 > len || DP_LOAD(ctx, off, h, 20))
		return; /* empty ipv4() */
	ihl = (h[0] & 0x0f) * 4;
	if ((h[0] >> 4) != 4 || ihl < 20 || off + ihl > len)
		return;
	__builtin_memcpy(&key->nw.ipv4.src, h + 12, 4);
	__builtin_memcpy(&key->nw.ipv4.dst, h + 16, 4);
	key->nw_proto = h[9];
	key->nw_tos = h[1];
	key->nw_ttl = h[8];
	frag = dp_be16(h + 6);
	if (frag & 0x1fff) {
		key->nw_frag = DP_FRAG_LATER; /* no L4 header in later fragments */
		return;
	}
	if (frag & 0x2000)
		key->nw_frag = DP_FRAG_FIRST;
	dp_parse_l4(ctx, len, off + ihl, key, 0);
}

static __always_inline void dp_parse_ipv6(void *ctx, __u32 len, __u32 off, struct dp_flow_key *key)
{
	__u8 h[40];
	__u8 nh;
	int i;

	if (off + 40 > len || DP_LOAD(ctx, off, h, 40))
		return;
	if ((h[0] >> 4) != 6)
		return;
	key->nw_tos = (__u8)((h[0] << 4) | (h[1] >> 4));
	key->ipv6_label = ((__u32)(h[1] & 0x0f) << 16) | dp_be16(h + 2);
	key->nw_ttl = h[7];
	__builtin_memcpy(key->nw.ipv6.src, h + 8, 16);
	__builtin_memcpy(key->nw.ipv6.dst, h + 24, 16);
	nh = h[6];
	off += 40;
	/* Skip a bounded number of extension headers; a fragment header sets the fragment state. */
	for (i = 0; i < DP_IPV6_MAX_EXT; i++) {
		__u8 e[8];

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (off + 8 > len || DP_LOAD(ctx, off, e, 8)) {
			nh = 59; /* cut short: no L4 */
			break;
		}
		if (nh == 44) {
			__u16 fo = dp_be16(e + 2);

			if (fo & 0xfff8) {
				key->nw_frag = DP_FRAG_LATER;
				key->nw_proto = e[0];
				return;
			}
			if (fo & 1)
				key->nw_frag = DP_FRAG_FIRST;
			off += 8;
		} else {
			off += (e[1] + 1) * 8;
		}
		nh = e[0];
	}
	key->nw_proto = nh;
	dp_parse_l4(ctx, len, off, key, 1);
}

static __always_inline void dp_parse_arp(void *ctx, __u32 len, __u32 off, struct dp_flow_key *key)
{
	__u8 h[28];

	if (off + 28 > len || DP_LOAD(ctx, off, h, 28))
		return;
	/* Only Ethernet/IPv4 ARP has fields; anything else is an empty arp(). */
	if (dp_be16(h) != 1 || dp_be16(h + 2) != DP_ETH_P_IPV4 || h[4] != 6 || h[5] != 4)
		return;
	if (dp_be16(h + 6) <= 0xff)
		key->nw_proto = (__u8)dp_be16(h + 6);
	__builtin_memcpy(key->nw.arp.sha, h + 8, 6);
	__builtin_memcpy(&key->nw.arp.sip, h + 14, 4);
	__builtin_memcpy(key->nw.arp.tha, h + 18, 6);
	__builtin_memcpy(&key->nw.arp.tip, h + 24, 4);
}

/*
 * Extracts the key of the frame in ctx (len bytes). `outer` is the tag the receive path already
 * moved out of the frame (TC: skb->vlan_tci/vlan_proto), or NULL. `key` must be zeroed.
 */
static __always_inline void dp_extract(void *ctx, __u32 len, const struct dp_vlan *outer, __u32 in_port, struct dp_flow_key *key)
{
	__u8 eth[14];
	__u32 off = 12, n = 0;
	__u16 type;
	int i;

	key->in_port = in_port;
	if (len < 14 || DP_LOAD(ctx, 0, eth, 14))
		return;
	__builtin_memcpy(key->eth_dst, eth, 6);
	__builtin_memcpy(key->eth_src, eth + 6, 6);
	type = dp_be16(eth + 12);
	if (outer) {
		key->vlan[0].tpid = outer->tpid;
		key->vlan[0].tci = outer->tci | DP_VLAN_CFI;
		n = 1;
	}
	for (i = 0; i < DP_MAX_VLANS; i++) {
		struct dp_vlan *v;
		__u8 t[4];

		if (n >= DP_MAX_VLANS || (type != DP_ETH_P_8021Q && type != DP_ETH_P_8021AD))
			break;
		/* The mask keeps the index provably in range for the verifier. */
		v = &key->vlan[n & (DP_MAX_VLANS - 1)];
		v->tpid = type;
		n++;
		if (off + 6 > len || DP_LOAD(ctx, off + 2, t, 4)) {
			/* Tag announced but cut short: vlan(0) and an empty encap(). */
			key->n_vlans = (__u8)n;
			key->eth_type = 0;
			return;
		}
		v->tci = dp_be16(t) | DP_VLAN_CFI;
		type = dp_be16(t + 2);
		off += 4;
	}
	key->n_vlans = (__u8)n;
	off += 2;
	key->eth_type = dp_ethertype(type);
	if (key->eth_type == DP_ETH_P_IPV4)
		dp_parse_ipv4(ctx, len, off, key);
	else if (key->eth_type == DP_ETH_P_IPV6)
		dp_parse_ipv6(ctx, len, off, key);
	else if (key->eth_type == DP_ETH_P_ARP)
		dp_parse_arp(ctx, len, off, key);
}

#endif /* DP_LOAD */

#endif
