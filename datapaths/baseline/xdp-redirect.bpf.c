// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ceiling of benchmark reports: every frame arriving on a port goes out of its paired port
 * by XDP redirect, no parsing, no lookup.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * Keyed by ingress ifindex, valued by the paired port's. A hash devmap, not an array: a lab
 * NIC keeps the host's ifindex (any size) when a run moves it into its namespace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} peer SEC(".maps");

SEC("xdp")
int xdp_redirect_peer(struct xdp_md *ctx)
{
	return bpf_redirect_map(&peer, ctx->ingress_ifindex, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
