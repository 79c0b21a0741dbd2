/* SPDX-License-Identifier: MIT */
/*
 * The maps of the datapath, shared by the TC program (datapath.bpf.c) and the XDP front end
 * (xdp.bpf.c): the agent creates them with the TC object and hands the same fds to the XDP one.
 */
#ifndef DPLAB_MAPS_H
#define DPLAB_MAPS_H

#include "datapath.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_MAX_MASKS);
	__type(key, __u32);
	__type(value, struct dp_mask);
} masks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_MAX_FLOWS);
	__type(key, struct dp_flow_id);
	__type(value, struct dp_flow);
} flows SEC(".maps");

/* port number -> ifindex, and back */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} port_ifindex SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} ifindex_port SEC(".maps");

/*
 * Per ingress port: misses sent to the agent, and misses it has finished (written by the agent
 * only). While they differ, the port's hits go through the agent too, so a flow being set up
 * cannot let later packets overtake the earlier ones still in the upcall queue (within bounds:
 * setting_up below).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct dp_port_misses);
} misses_sent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u64);
} misses_done SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Number of masks in use; the agent keeps it up to date. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mask_count SEC(".maps");

/* Key and lookup id live here, not on the 512-byte stack. The loop callback only records
 * whether an id hit: a map value pointer cannot leave a bpf_loop callback, so the flow is
 * looked up once more after the loop. */
struct scratch {
	struct dp_flow_key key;
	struct dp_flow_id id;
	__u32 hit;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline void count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &c);

	if (v)
		(*v)++;
}

/* bpf_loop passes a stack pointer only: the scratch pointer travels inside it. */
struct loop_ctx {
	struct scratch *s;
};

static long match_mask(__u32 i, void *data)
{
	struct scratch *s = ((struct loop_ctx *)data)->s;
	struct dp_mask *m = bpf_map_lookup_elem(&masks, &i);
	__u64 *k = (__u64 *)&s->key, *mk, *out = (__u64 *)&s->id.masked;
	int w;

	if (!m || !m->in_use)
		return 0;
	mk = (__u64 *)&m->mask;
	for (w = 0; w < (int)(sizeof(struct dp_flow_key) / 8); w++)
		out[w] = k[w] & mk[w];
	s->id.mask_id = i;
	s->hit = bpf_map_lookup_elem(&flows, &s->id) != 0;
	return s->hit;
}

/* Tuple-space search over the masks in use: the flow of s->key, or NULL. */
static __always_inline struct dp_flow *lookup(struct scratch *s)
{
	struct loop_ctx lc = { .s = s };
	__u32 zero = 0, *n = bpf_map_lookup_elem(&mask_count, &zero), nm;

	nm = n ? *n : 0;
	if (nm > DP_MAX_MASKS)
		nm = DP_MAX_MASKS;
	s->hit = 0;
	bpf_loop(nm, match_mask, &lc, 0);
	return s->hit ? bpf_map_lookup_elem(&flows, &s->id) : 0;
}

/*
 * True while the agent still has misses of this port to finish, so a hit must queue behind them.
 * Not past DP_ORDER_BACKLOG: a port offered more than the slow path carries would otherwise
 * never leave it (every queued hit adds to the backlog it waits for, and the whole port runs at
 * the agent's rate, about 46 kpps here against about 1 Mpps on the fast path). An overloaded port
 * lets hits overtake the queue, as they always may in the OVS kernel datapath, until the agent
 * has caught up; short bursts keep their order. Racing CPUs may both flip the flag: harmless.
 */
static __always_inline int setting_up(__u32 port)
{
	struct dp_port_misses *m = bpf_map_lookup_elem(&misses_sent, &port);
	__u64 *done = bpf_map_lookup_elem(&misses_done, &port);
	__u64 backlog;

	if (!m || !done)
		return 0;
	backlog = m->sent - *done;
	if (backlog == 0) {
		if (m->overtaking)
			m->overtaking = 0;
		return 0;
	}
	if (m->overtaking)
		return 0;
	if (backlog > DP_ORDER_BACKLOG) {
		m->overtaking = 1;
		return 0;
	}
	return 1;
}

#endif
