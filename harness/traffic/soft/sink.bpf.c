// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The soft generator's receiver, attached with XDP to the sink endpoint: frames that carry a
 * soft signature after Ethernet [+ up to two VLAN tags] + IPv4/IPv6 + UDP are counted per
 * stream with their latency (now - the generator's timestamp) in a log-linear histogram and
 * dropped here, so the receiving end costs as little as possible; anything else passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/types.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "soft.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOFT_MAX_STREAMS);
	__type(key, __u32);
	__type(value, struct soft_rx);
} rx SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* Index of the highest set bit (v > 0), without loops the verifier would have to unroll. */
static __always_inline __u32 fls64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

/*
 * Values below 2^SUB get their own bucket; above, the top SUB bits after the leading one. 64-bit
 * throughout: with a __u32 index clang bounds-checked a zero-extended copy and indexed with the
 * original register, which 6.1's verifier refused ("R0 unbounded memory access"; found running
 * the benchmarks inside that kernel). One register, checked and used, every verifier follows.
 */
static __always_inline __u64 hist_bucket(__u64 ns)
{
	__u64 hi, b;

	if (ns < (1 << SOFT_HIST_SUB))
		return ns;
	hi = fls64(ns);
	b = ((hi - SOFT_HIST_SUB + 1) << SOFT_HIST_SUB) + ((ns >> (hi - SOFT_HIST_SUB)) & ((1 << SOFT_HIST_SUB) - 1));
	return b < SOFT_HIST_BUCKETS ? b : SOFT_HIST_BUCKETS - 1;
}

SEC("xdp")
int soft_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct soft_sig *sig;
	struct soft_rx *r;
	__u64 now, lat, bucket;
	__u16 proto;
	__u8 *l3;
	__u32 s;
	int i;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = eth->h_proto;
	l3 = (__u8 *)(eth + 1);
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr *v = (struct vlan_hdr *)l3;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > end)
			return XDP_PASS;
		proto = v->proto;
		l3 = (__u8 *)(v + 1);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (struct iphdr *)l3;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl < 5)
			return XDP_PASS;
		sig = (struct soft_sig *)(l3 + ip->ihl * 4 + sizeof(struct udphdr));
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)l3;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		sig = (struct soft_sig *)(l3 + sizeof(*ip6) + sizeof(struct udphdr));
	} else {
		return XDP_PASS;
	}
	if ((void *)(sig + 1) > end || sig->magic != bpf_htons(SOFT_SIG_MAGIC))
		return XDP_PASS;
	s = bpf_ntohs(sig->stream);
	r = bpf_map_lookup_elem(&rx, &s);
	if (!r)
		return XDP_PASS;
	now = bpf_ktime_get_ns();
	lat = now > sig->ts_ns ? now - sig->ts_ns : 0;
	r->packets++;
	r->bytes += (__u64)(end - data);
	r->lat_sum_ns += lat;
	if (lat > r->lat_max_ns)
		r->lat_max_ns = lat;
	bucket = hist_bucket(lat);
	if (bucket < SOFT_HIST_BUCKETS)
		r->hist[bucket]++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
