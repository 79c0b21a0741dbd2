// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Flow-key probe: extracts the key of each packet with the datapath's own core and stores it
 * in `last_key`. Run with BPF_PROG_RUN on crafted frames, it lets tests compare what the BPF
 * datapath extracts with the userspace build of the same core and with OVS's rules.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DP_LOAD(ctx, off, dst, len) bpf_skb_load_bytes((ctx), (off), (dst), (len))
#include "flow-key.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dp_flow_key);
} last_key SEC(".maps");

SEC("tc")
int extract_key(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct dp_flow_key *key = bpf_map_lookup_elem(&last_key, &zero);
	struct dp_vlan outer;

	if (!key)
		return TC_ACT_OK;
	__builtin_memset(key, 0, sizeof(*key));
	/* On a real receive path the outer tag is already in skb metadata. */
	outer.tpid = bpf_ntohs(skb->vlan_proto);
	outer.tci = skb->vlan_tci;
	dp_extract(skb, skb->len, skb->vlan_present ? &outer : 0, skb->ifindex, key);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
