// SPDX-License-Identifier: MIT
/*
 * The slow path's side of the upcall ring buffer: a miss is logged, classified against the
 * OpenFlow pipeline (slow-path.c), installed as a megaflow and executed through BPF_PROG_RUN; a
 * `controller` action's packet goes to the subscribed control connections as a packet-in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
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

/*
 * Carries out a flow's actions on a frame in userspace and sends the copies with a packet
 * socket: for the frames BPF_PROG_RUN refuses (EINVAL on 6.18 for an IPv4 or IPv6 ethertype
 * with less than its IP header after it; a tagged frame goes to the test run with its tag, which
 * it takes). Such a frame has no IP header to rewrite: outputs, Ethernet sets and pushed tags; a
 * flow with more is not carried out, saying so. Returns 0 or -1.
 */
static int execute_here(struct agent *a, const struct dp_flow *f, const __u8 *in, __u32 len)
{
	static __u8 frame[DP_UPCALL_BYTES + 4 + 4 * DP_MAX_ACTIONS];
	__u32 i, n = len;

	if (a->raw_fd < 0 && (a->raw_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memcpy(frame, in, len);
	for (i = 0; i < f->n_actions && i < DP_MAX_ACTIONS; i++) {
		const struct dp_action *x = &f->actions[i];
		struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
		int k;

		switch (x->type) {
		case DP_ACT_OUTPUT:
			to.sll_ifindex = ifindex_of_port(a, x->port);
			memcpy(to.sll_addr, frame, 6);
			if (!to.sll_ifindex || sendto(a->raw_fd, frame, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				return -1;
			break;
		case DP_ACT_SET_ETH:
			for (k = 0; k < 6; k++) {
				frame[k] = (__u8)((frame[k] & ~x->u.eth.dst_mask[k]) | (x->u.eth.dst[k] & x->u.eth.dst_mask[k]));
				frame[6 + k] = (__u8)((frame[6 + k] & ~x->u.eth.src_mask[k]) | (x->u.eth.src[k] & x->u.eth.src_mask[k]));
			}
			break;
		case DP_ACT_PUSH_VLAN:
			memmove(frame + 16, frame + 12, n - 12);
			frame[12] = x->u.vlan.tpid >> 8;
			frame[13] = x->u.vlan.tpid & 0xff;
			frame[14] = (x->u.vlan.tci & ~DP_VLAN_CFI) >> 8;
			frame[15] = x->u.vlan.tci & 0xff;
			n += 4;
			break;
		default:
			fprintf(stderr, "dplab-ebpf-agent: a %u-byte packet needs action %u, which only BPF carries out: dropped\n", len, x->type);
			return -1;
		}
	}
	return 0;
}

static void execute(struct agent *a, const struct dp_upcall *u, const struct dp_flow *f)
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
	/* The kernel's test run refuses a frame shorter than the IP header its ethertype names. */
	if (err == -EINVAL && !execute_here(a, f, frame, len))
		return;
	if (err)
		fprintf(stderr, "dplab-ebpf-agent: executing a %u-byte packet from port %u: %s\n", len, u->port, strerror(-err));
}

static void packet_in(struct agent *a, const struct dp_upcall *u, const char *reason)
{
	static __u8 frame[DP_UPCALL_BYTES + 4];
	static char hex[2 * sizeof(frame) + 1];
	__u32 len = wire_frame(u, frame), i;

	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", frame[i]);
	hex[2 * len] = 0;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (a->clients[i].fd >= 0 && a->clients[i].subscribed)
			reply(a->clients[i].fd, "packet-in %u %s %s", u->port, reason, hex);
}

int on_upcall(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct dp_upcall *u = data;
	struct sp_result r;

	if (size < sizeof(*u))
		return 0;
	if (u->reason == DP_UPCALL_ACTION || u->reason == DP_UPCALL_INVALID_TTL) {
		packet_in(a, u, u->reason == DP_UPCALL_ACTION ? "action" : "invalid_ttl");
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
		execute(a, u, &r.flow);
	/* This miss is finished: once all are, the port's packets take the fast path again. */
	if (u->port < DP_MAX_PORTS) {
		__u32 port = u->port;

		a->misses_done[port]++;
		bpf_map_update_elem(bpf_map__fd(a->skel->maps.misses_done), &port, &a->misses_done[port], BPF_ANY);
	}
	return 0;
}
