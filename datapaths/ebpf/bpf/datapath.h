/* SPDX-License-Identifier: MIT */
/*
 * Structures shared by the BPF datapath (datapath.bpf.c) and the agent: the megaflow table
 * (tuple-space search: a bounded list of masks, one hash of masked keys), actions, upcall records.
 */
#ifndef DPLAB_DATAPATH_H
#define DPLAB_DATAPATH_H

#include "flow-key.h"

#define DP_MAX_MASKS 32
#define DP_MAX_FLOWS 16384
/* A flow's datapath actions; a translation that needs more is refused, never cut short. */
#define DP_MAX_ACTIONS 16
#define DP_MAX_PORTS 64
/* Packet bytes carried by an upcall record; longer packets are cut (len says the real size). */
#define DP_UPCALL_BYTES 2048
/* Pending misses of a port behind which its hits still queue to keep their order (maps.h). */
#define DP_ORDER_BACKLOG 256

/* Per port, written by the BPF programs: misses sent to the agent, and whether hits overtake. */
struct dp_port_misses {
	__u64 sent;
	__u64 overtaking; /* set past DP_ORDER_BACKLOG, cleared once the agent has caught up */
};

enum dp_action_type {
	DP_ACT_OUTPUT = 1,   /* port */
	DP_ACT_USERSPACE,    /* upcall with reason DP_UPCALL_ACTION, then go on */
	DP_ACT_PUSH_VLAN,    /* vlan.tpid, vlan.tci (CFI set) */
	DP_ACT_POP_VLAN,
	DP_ACT_SET_ETH,      /* masked: eth */
	DP_ACT_SET_IPV4,     /* masked: ipv4 */
	DP_ACT_SET_IPV6,     /* masked: ipv6 */
	DP_ACT_SET_L4,       /* masked: l4 (TCP or UDP ports, from the packet's protocol) */
};

/* A set action carries values and masks; a bit set in the mask means "write this bit". */
struct dp_action {
	__u32 type;
	__u32 port;
	union {
		struct dp_vlan vlan;
		struct {
			__u8 src[6], dst[6];
			__u8 src_mask[6], dst_mask[6];
		} eth;
		struct {
			__u32 src, dst; /* network order */
			__u32 src_mask, dst_mask;
			__u8 tos, ttl, tos_mask, ttl_mask;
		} ipv4;
		struct {
			__u8 src[16], dst[16];
			__u8 src_mask[16], dst_mask[16];
			__u8 hlimit, hlimit_mask, tclass, tclass_mask;
		} ipv6;
		struct {
			__u16 src, dst; /* host order */
			__u16 src_mask, dst_mask;
		} l4;
		/* DP_ACT_USERSPACE (pid in `port`): zero, as the slow path's zeroed actions have it, is an
		 * OpenFlow `controller` upcall; 1 a plain `userspace(pid=N)` put through the ODP text. */
		struct {
			__u8 plain;
			__u8 invalid_ttl; /* a dec_ttl that found TTL 1: the packet-in's reason is invalid_ttl */
		} userspace;
	} u;
};

/* The hash key of the flow table: which mask, and the key under it. */
struct dp_flow_id {
	__u32 mask_id;
	__u32 pad;
	struct dp_flow_key masked;
};

/* The XDP front end may carry this flow out itself (see xdp.bpf.c)... */
#define DP_FLOW_XDP 1
/* ...if the packet's IPv4 header has no options (its IPv4/L4 rewrites assume 20 bytes). */
#define DP_FLOW_XDP_IPV4 2

struct dp_flow {
	__u32 n_actions;
	__u32 flags;
	__u32 rule; /* the agent's: the OpenFlow rule it was translated from (sp_rule.id), 0 = none */
	__u32 pad;
	__u64 packets;
	__u64 bytes;
	__u64 used_ns; /* bpf_ktime_get_ns() of the last hit, 0 = never */
	struct dp_action actions[DP_MAX_ACTIONS];
};

struct dp_mask {
	struct dp_flow_key mask;
	__u32 in_use;
	__u32 pad;
};

enum dp_upcall_reason { DP_UPCALL_MISS = 1, DP_UPCALL_ACTION = 2, DP_UPCALL_INVALID_TTL = 3 };

struct dp_upcall {
	__u32 reason;
	__u32 port;     /* ingress port number */
	__u32 len;      /* packet length on the wire */
	__u32 captured; /* bytes in pkt */
	/* The outer tag the receive path had moved into skb metadata (not in pkt): 0 when none. */
	__u16 meta_tpid;
	__u16 meta_tci;
	struct dp_flow_key key;
	__u8 pkt[DP_UPCALL_BYTES];
};

enum dp_counter { DP_CNT_HIT, DP_CNT_MISS, DP_CNT_LOST, DP_CNT_MAX };

#endif
