// SPDX-License-Identifier: MIT
/*
 * The slow path's side of the upcall ring buffer: a miss is logged, classified against the
 * OpenFlow pipeline (slow-path.c), installed as a megaflow and executed through BPF_PROG_RUN; a
 * `controller` action's packet goes to the subscribed control connections as a packet-in.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent.h"

#define DP_EXECUTE_MARK 0xd91ab001

static int ifindex_of_port(struct agent *a, __u32 port)
{
	int i;

	for (i = 0; i < a->n_ports; i++)
		if (a->port_no[i] == port)
			return a->ifindex[i];
	return 0;
}

/* Rebuilds the frame as it was on the wire (the outer tag back in) into out; returns its length. */
static __u32 wire_frame(const struct dp_upcall *u, __u8 *out)
{
	__u32 n = u->captured;

	if (!u->meta_tpid || n < 12) {
		memcpy(out, u->pkt, n);
		return n;
	}
	memcpy(out, u->pkt, 12);
	out[12] = u->meta_tpid >> 8;
	out[13] = u->meta_tpid & 0xff;
	out[14] = u->meta_tci >> 8;
	out[15] = u->meta_tci & 0xff;
	memcpy(out + 16, u->pkt + 12, n - 12);
	return n + 4;
}

static void execute(struct agent *a, const struct dp_upcall *u)
{
	static __u8 frame[DP_UPCALL_BYTES + 4];
	struct __sk_buff ctx = { 0 };
	__u32 len = wire_frame(u, frame);
	int err;

	ctx.ifindex = (__u32)ifindex_of_port(a, u->port);
	ctx.cb[0] = DP_EXECUTE_MARK;
	{
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = len, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		err = bpf_prog_test_run_opts(bpf_program__fd(a->skel->progs.dp_ingress), &run);
	}
	if (err)
		fprintf(stderr, "dplab-ebpf-agent: executing a %u-byte packet from port %u: %s\n", len, u->port, strerror(-err));
}

static void packet_in(struct agent *a, const struct dp_upcall *u)
{
	static __u8 frame[DP_UPCALL_BYTES + 4];
	static char hex[2 * sizeof(frame) + 1];
	__u32 len = wire_frame(u, frame), i;

	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", frame[i]);
	hex[2 * len] = 0;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (a->clients[i].fd >= 0 && a->clients[i].subscribed)
			reply(a->clients[i].fd, "packet-in %u action %s", u->port, hex);
}

int on_upcall(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct dp_upcall *u = data;
	struct sp_result r;

	if (size < sizeof(*u))
		return 0;
	if (u->reason == DP_UPCALL_ACTION) {
		packet_in(a, u);
		return 0;
	}
	a->miss_log[a->n_misses++ % MISS_LOG] = u->key;
	sp_translate(&a->pipeline, &u->key, &r);
	if (r.too_many_actions)
		fprintf(stderr, "dplab-ebpf-agent: a packet from port %u needs more than %d datapath actions: dropped, no flow installed\n", u->port,
			DP_MAX_ACTIONS);
	else if (flow_install(a, &u->key, &r, 0))
		fprintf(stderr, "dplab-ebpf-agent: cannot install a megaflow (table full?)\n");
	if (!r.dropped)
		execute(a, u);
	/* This miss is finished: once all are, the port's packets take the fast path again. */
	if (u->port < DP_MAX_PORTS) {
		__u32 port = u->port;

		a->misses_done[port]++;
		bpf_map_update_elem(bpf_map__fd(a->skel->maps.misses_done), &port, &a->misses_done[port], BPF_ANY);
	}
	return 0;
}
