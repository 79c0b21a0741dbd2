/* SPDX-License-Identifier: MIT */
/*
 * dplab-ebpf-agent's state (struct agent) and what its files share: agent.c (arguments, the
 * serve loop, the one teardown, error lines), hooks.c (loading and attaching the BPF programs),
 * flow-table.c (the megaflow table), upcalls.c (the ring buffer's misses and packet-ins) and
 * control.c (the control socket and its commands).
 */
#ifndef DPLAB_AGENT_H
#define DPLAB_AGENT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "slow-path.h"
#include "datapath.skel.h"
#include "xdp.skel.h"

#define MAX_CLIENTS 16
#define LINE_MAX_LEN 8192
#define MISS_LOG 256

/* A control socket connection. */
struct client {
	int fd;
	int subscribed;
	int in_pipeline;
	size_t used;
	char buf[LINE_MAX_LEN];
};

/* A port's TC ingress attachment, and what of it the agent created. */
struct tc_port {
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts; /* the handle and priority the kernel gave our filter */
	bool qdisc_created;
	bool attached;
};

struct agent {
	const char *sock;
	bool want_xdp;
	int lfd;
	int raw_fd; /* packet socket for the frames the agent sends itself (upcalls.c), -1 until then */
	struct ring_buffer *rb;
	struct datapath_bpf *skel;
	struct xdp_bpf *xdp; /* the XDP front end, with --xdp */
	const char *xdp_mode[DP_MAX_PORTS]; /* set once our XDP program is attached there */
	struct tc_port tc[DP_MAX_PORTS];
	int n_ports;
	__u32 port_no[DP_MAX_PORTS];
	int ifindex[DP_MAX_PORTS];
	char ifname[DP_MAX_PORTS][IF_NAMESIZE];
	struct sp_pipeline pipeline, staging;
	__u32 rule_ids; /* the last sp_rule.id given */
	struct dp_flow_key masks[DP_MAX_MASKS];
	int mask_refs[DP_MAX_MASKS];
	struct client clients[MAX_CLIENTS];
	__u64 misses_done[DP_MAX_PORTS];
	__u32 n_masks;
	__u64 idle_ns;
	/* The keys of the last MISS_LOG miss upcalls, kept as the BPF program extracted them. */
	struct dp_flow_key miss_log[MISS_LOG];
	__u64 n_misses;
};

static inline __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns() */
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* agent.c */

/* The kernel's reason for the last failed netlink request, which libbpf would print on a line of its own. */
extern char kernel_msg[256];

/* One stderr line `dplab-ebpf-agent: STEP: ERROR (kernel's reason)`; returns -1. */
int fail(int err, const char *step, ...) __attribute__((format(printf, 2, 3)));

/* hooks.c: each returns 0, or -1 after fail(); the teardown undoes only what they did. */
int load_datapath(struct agent *a);
int tc_attach(struct agent *a);
int xdp_attach(struct agent *a);
int xdp_detach_port(struct agent *a, int i);
int tc_detach_port(struct agent *a, int i);

/* flow-table.c */
/* Installs the megaflow of a translation. 0, or -1; -2 when `exclusive` and the flow exists. */
int flow_install(struct agent *a, const struct dp_flow_key *key, const struct sp_result *r, int exclusive);
int flow_delete(struct agent *a, const char *text, char *err, size_t errlen);
void flow_flush(struct agent *a);
int flow_count(struct agent *a);
void expire_idle(struct agent *a);
void expire_rules(struct agent *a);

/* upcalls.c: the ring buffer's callback (ctx: the agent). */
int on_upcall(void *ctx, void *data, size_t size);

/* control.c */
void reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int listen_unix(const char *path);
void accept_client(struct agent *a);
void client_read(struct agent *a, struct client *c);

#endif
