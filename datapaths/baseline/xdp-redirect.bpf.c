// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ceiling of benchmark reports: every frame arriving on a port goes out of its paired port
 * by XDP redirect, no parsing, no lookup.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} peer SEC(".maps");

SEC("xdp")
int xdp_redirect_peer(struct xdp_md *ctx)
{
	/* Keyed by ingress ifindex (small in a fresh namespace): the paired port's ifindex. */
	return bpf_redirect_map(&peer, ctx->ingress_ifindex, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
