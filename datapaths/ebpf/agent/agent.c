// SPDX-License-Identifier: MIT
/*
 * dplab-ebpf-agent: the slow path of dplab's eBPF datapath.
 *
 *   dplab-ebpf-agent --socket PATH --port N=IFNAME [--port N=IFNAME ...] [--idle-ms MS]
 *
 * Loads datapath.bpf.o, attaches it at TC ingress of each port, and serves a line protocol on a
 * unix socket (one command a line; every reply ends with `ok` or `error: ...`):
 *   ports                      `port N IFNAME IFINDEX` per port
 *   pipeline                   then `rule PRIO VALUE MASK ACTIONS` lines and `end`: replaces the
 *                              OpenFlow pipeline (see slow-path.h) and flushes the datapath flows
 *   flow-dump                  the megaflows in ODP syntax, with counters
 *   flow-put ODP-FLOW          installs a flow given in ODP syntax with its actions, as
 *                              `ovs-dpctl add-flow` (datapath-level programming)
 *   flow-del ODP-KEY           deletes the flow with exactly this key and mask, as
 *                              `ovs-dpctl del-flow`
 *   flow-flush                 deletes every megaflow
 *   miss-log                   `miss SEQ KEY` for the last MISS_LOG misses, oldest first: the
 *                              full key each miss upcall carried (as OVS logs upcalls at debug)
 *   stats                      `lookups: hit:N missed:N lost:N`, `flows: N`, `upcalls: N` and
 *                              `capacity: flows N masks N` (the flow and mask tables' sizes)
 *                              (miss upcalls this agent carried out, hits queued behind
 *                              pending misses included)
 *   subscribe                  from now on this connection also gets `packet-in PORT REASON HEX`
 * Misses arrive on a ring buffer: the agent classifies the key, installs the megaflow, and
 * executes the packet through BPF_PROG_RUN. Idle megaflows expire. On SIGTERM/SIGINT, or when a
 * step fails, it removes what it created and nothing else: its TC filters, the clsact qdiscs it
 * added, its XDP programs. A port already running an XDP program is refused with --xdp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "odp-key.h"
#include "odp-parse.h"
#include "slow-path.h"
#include "datapath.skel.h"
#include "xdp.skel.h"

#define DP_EXECUTE_MARK 0xd91ab001
#define MAX_CLIENTS 16
#define LINE_MAX_LEN 8192

struct client {
	int fd;
	int subscribed;
	int in_pipeline;
	size_t used;
	char buf[LINE_MAX_LEN];
};

#define MISS_LOG 256

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

static volatile sig_atomic_t stop;

/* The kernel's reason for the last failed netlink request, which libbpf would print on a line of its own. */
static char kernel_msg[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char extack[] = "libbpf: Kernel error message: ";

	if (level == LIBBPF_DEBUG)
		return 0;
	if (strncmp(fmt, extack, sizeof(extack) - 1))
		return vfprintf(stderr, fmt, ap);
	vsnprintf(kernel_msg, sizeof(kernel_msg), fmt + sizeof(extack) - 1, ap);
	kernel_msg[strcspn(kernel_msg, "\n")] = 0;
	return 0;
}

/* One stderr line `dplab-ebpf-agent: STEP: ERROR (kernel's reason)`; returns -1. */
static int fail(int err, const char *step, ...) __attribute__((format(printf, 2, 3)));
static int fail(int err, const char *step, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, step);
	vsnprintf(what, sizeof(what), step, ap);
	va_end(ap);
	fprintf(stderr, "dplab-ebpf-agent: %s: %s%s%s%s\n", what, strerror(err < 0 ? -err : err), kernel_msg[0] ? " (" : "", kernel_msg,
		kernel_msg[0] ? ")" : "");
	kernel_msg[0] = 0;
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns() */
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(int fd, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(fd, line, n) < 0) {
		/* a client that went away is dropped by the poll loop */
	}
}

static int ifindex_of_port(struct agent *a, __u32 port)
{
	int i;

	for (i = 0; i < a->n_ports; i++)
		if (a->port_no[i] == port)
			return a->ifindex[i];
	return 0;
}

/* How many mask slots the datapath searches (free slots in between are skipped). */
static void set_mask_count(struct agent *a, __u32 n)
{
	__u32 zero = 0;

	a->n_masks = n;
	bpf_map_update_elem(bpf_map__fd(a->skel->maps.mask_count), &zero, &n, BPF_ANY);
}

/* Finds or adds the mask; returns its index or -1 when the table is full. */
static int mask_slot(struct agent *a, const struct dp_flow_key *mask)
{
	int i, free_slot = -1;
	__u32 n = a->n_masks;

	for (i = 0; i < (int)n; i++) {
		if (a->mask_refs[i] && !memcmp(&a->masks[i], mask, sizeof(*mask)))
			return i;
		if (!a->mask_refs[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		if (n >= DP_MAX_MASKS)
			return -1;
		free_slot = (int)n;
	}
	{
		struct dp_mask m = { .mask = *mask, .in_use = 1 };
		__u32 key = (__u32)free_slot;

		if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.masks), &key, &m, BPF_ANY))
			return -1;
	}
	a->masks[free_slot] = *mask;
	if ((__u32)free_slot >= n)
		set_mask_count(a, (__u32)free_slot + 1);
	return free_slot;
}

static void mask_unref(struct agent *a, __u32 id)
{
	if (id >= DP_MAX_MASKS || --a->mask_refs[id] > 0)
		return;
	{
		struct dp_mask m = { 0 };

		bpf_map_update_elem(bpf_map__fd(a->skel->maps.masks), &id, &m, BPF_ANY);
	}
}

static void flow_flush(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows);
	struct dp_flow_id next;
	int i;

	/* Always the first key, deleted: a key that cannot be deleted ends the walk. */
	while (!bpf_map_get_next_key(fd, NULL, &next))
		if (bpf_map_delete_elem(fd, &next))
			break;
	for (i = 0; i < DP_MAX_MASKS; i++) {
		struct dp_mask m = { 0 };
		__u32 k = (__u32)i;

		a->mask_refs[i] = 0;
		bpf_map_update_elem(bpf_map__fd(a->skel->maps.masks), &k, &m, BPF_ANY);
	}
	set_mask_count(a, 0);
}

/*
 * Whether the XDP front end can carry the flow out: one output, last; otherwise only VLAN
 * push/pop and Ethernet, IPv4 and (IPv4) L4 rewrites.
 */
static __u32 xdp_flags(const struct dp_flow_key *key, const struct dp_flow *f)
{
	__u32 i, outputs = 0, flags = DP_FLOW_XDP;

	if (!f->n_actions || f->actions[f->n_actions - 1].type != DP_ACT_OUTPUT)
		return 0;
	for (i = 0; i < f->n_actions; i++) {
		switch (f->actions[i].type) {
		case DP_ACT_OUTPUT:
			outputs++;
			break;
		case DP_ACT_PUSH_VLAN:
		case DP_ACT_POP_VLAN:
		case DP_ACT_SET_ETH:
			break;
		case DP_ACT_SET_IPV4:
		case DP_ACT_SET_L4:
			if (key->eth_type != DP_ETH_P_IPV4)
				return 0;
			flags |= DP_FLOW_XDP_IPV4;
			break;
		default:
			return 0;
		}
	}
	return outputs == 1 ? flags : 0;
}

static int flow_install(struct agent *a, const struct dp_flow_key *key, const struct sp_result *r)
{
	struct dp_flow_id id = { 0 };
	struct dp_flow flow = r->flow;
	const __u8 *k = (const __u8 *)key, *m = (const __u8 *)&r->mask;
	__u8 *out = (__u8 *)&id.masked;
	int slot;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		out[i] = k[i] & m[i];
	slot = mask_slot(a, &r->mask);
	if (slot < 0)
		return -1;
	id.mask_id = (__u32)slot;
	flow.packets = flow.bytes = 0;
	flow.flags = xdp_flags(key, &flow);
	flow.used_ns = now_ns(); /* install time until the first hit; dumps show `never` */
	if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.flows), &id, &flow, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -1; /* another CPU's upcall installed it first */
	a->mask_refs[slot]++;
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

static int on_upcall(void *ctx, void *data, size_t size)
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
	if (flow_install(a, &u->key, &r))
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

static void cmd_miss_log(struct agent *a, int fd)
{
	__u64 seq = a->n_misses > MISS_LOG ? a->n_misses - MISS_LOG : 0;
	char key[2048];

	for (; seq < a->n_misses; seq++) {
		odp_format_key(&a->miss_log[seq % MISS_LOG], key, sizeof(key));
		reply(fd, "miss %llu %s", (unsigned long long)seq, key);
	}
}

/* Deletes the flow whose masked key and mask are exactly those of the ODP text. */
static int flow_delete(struct agent *a, const char *text, char *err, size_t errlen)
{
	struct dp_flow_key key, mask;
	struct dp_flow_id id = { 0 };
	struct dp_flow actions;
	char line[LINE_MAX_LEN + 16];
	const __u8 *k = (const __u8 *)&key, *m = (const __u8 *)&mask;
	__u8 *out = (__u8 *)&id.masked;
	size_t i;
	int slot;

	/* The flow parser wants actions; a deletion names none. */
	snprintf(line, sizeof(line), "%s actions:drop", text);
	if (odp_parse_flow(line, &key, &mask, &actions, err, errlen))
		return -1;
	for (slot = 0; slot < (int)a->n_masks; slot++)
		if (a->mask_refs[slot] && !memcmp(&a->masks[slot], &mask, sizeof(mask)))
			break;
	for (i = 0; i < sizeof(key); i++)
		out[i] = k[i] & m[i];
	id.mask_id = (__u32)slot;
	if (slot == (int)a->n_masks || bpf_map_delete_elem(bpf_map__fd(a->skel->maps.flows), &id)) {
		snprintf(err, errlen, "no flow with this key and mask");
		return -1;
	}
	mask_unref(a, id.mask_id);
	return 0;
}

static void cmd_flow_dump(struct agent *a, int fd)
{
	int flows = bpf_map__fd(a->skel->maps.flows);
	struct dp_flow_id id, next;
	struct dp_flow f;
	void *prev = NULL;
	__u64 now = now_ns();
	/* 8 set(ipv6()) actions with masks print about 1600 bytes. */
	char key[2048], acts[2048];

	while (!bpf_map_get_next_key(flows, prev, &next)) {
		id = next;
		prev = &id;
		if (bpf_map_lookup_elem(flows, &id, &f) || id.mask_id >= DP_MAX_MASKS)
			continue;
		odp_format_masked_key(&id.masked, &a->masks[id.mask_id], key, sizeof(key));
		odp_format_actions(&f, id.masked.nw_proto, acts, sizeof(acts));
		if (f.packets)
			reply(fd, "%s, packets:%llu, bytes:%llu, used:%.3fs, actions:%s", key, (unsigned long long)f.packets,
			      (unsigned long long)f.bytes, (double)(now - f.used_ns) / 1e9, acts);
		else
			reply(fd, "%s, packets:0, bytes:0, used:never, actions:%s", key, acts);
	}
}

static int flow_count(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows), n = 0;
	struct dp_flow_id id, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		id = next;
		prev = &id;
		n++;
	}
	return n;
}

static void cmd_stats(struct agent *a, int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 totals[DP_CNT_MAX] = { 0 }, vals[512];
	__u32 c;
	int i;

	for (c = 0; c < DP_CNT_MAX; c++) {
		if (ncpu > 512 || bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.counters), &c, vals))
			continue;
		for (i = 0; i < ncpu; i++)
			totals[c] += vals[i];
	}
	reply(fd, "lookups: hit:%llu missed:%llu lost:%llu", (unsigned long long)totals[DP_CNT_HIT], (unsigned long long)totals[DP_CNT_MISS],
	      (unsigned long long)totals[DP_CNT_LOST]);
	reply(fd, "flows: %d", flow_count(a));
	reply(fd, "upcalls: %llu", (unsigned long long)a->n_misses);
	/* The table sizes the kernel really gave the maps, so the harness need not trust a header. */
	reply(fd, "capacity: flows %u masks %u", bpf_map__max_entries(a->skel->maps.flows), bpf_map__max_entries(a->skel->maps.masks));
}

static void expire_idle(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows);
	struct dp_flow_id id, next;
	struct dp_flow f;
	void *prev = NULL;
	__u64 now = now_ns();

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		id = next;
		if (!bpf_map_lookup_elem(fd, &id, &f) && now > f.used_ns && now - f.used_ns > a->idle_ns) {
			/* Deleting the current key would restart the walk; step past it first. */
			if (!bpf_map_delete_elem(fd, &id)) {
				mask_unref(a, id.mask_id);
				prev = NULL;
				continue;
			}
		}
		prev = &id;
	}
}

static void command(struct agent *a, struct client *c, char *line)
{
	char err[256];

	line[strcspn(line, "\r\n")] = 0;
	if (c->in_pipeline) {
		if (!strcmp(line, "end")) {
			c->in_pipeline = 0;
			sp_sort(&a->staging);
			a->staging.n_ports = a->n_ports;
			memcpy(a->staging.ports, a->port_no, sizeof(a->staging.ports));
			a->pipeline = a->staging;
			flow_flush(a);
			reply(c->fd, "ok");
		} else if (!strncmp(line, "rule ", 5)) {
			if (a->staging.n_rules >= SP_MAX_RULES) {
				reply(c->fd, "error: more than %d rules", SP_MAX_RULES);
			} else if (sp_parse_rule(line + 5, &a->staging.rules[a->staging.n_rules], err, sizeof(err))) {
				c->in_pipeline = 0;
				reply(c->fd, "error: %s", err);
			} else {
				a->staging.n_rules++;
			}
		} else {
			c->in_pipeline = 0;
			reply(c->fd, "error: expected 'rule ...' or 'end', got '%.60s'", line);
		}
		return;
	}
	if (!strcmp(line, "ports")) {
		int i;

		for (i = 0; i < a->n_ports; i++)
			reply(c->fd, "port %u %s %d xdp=%s", a->port_no[i], a->ifname[i], a->ifindex[i], a->xdp_mode[i] ? a->xdp_mode[i] : "none");
		reply(c->fd, "ok");
	} else if (!strcmp(line, "pipeline")) {
		c->in_pipeline = 1;
		a->staging.n_rules = 0;
	} else if (!strcmp(line, "flow-dump")) {
		cmd_flow_dump(a, c->fd);
		reply(c->fd, "ok");
	} else if (!strncmp(line, "flow-put ", 9)) {
		struct sp_result r;
		struct dp_flow_key key;

		memset(&r, 0, sizeof(r));
		if (odp_parse_flow(line + 9, &key, &r.mask, &r.flow, err, sizeof(err)))
			reply(c->fd, "error: flow-put: %s", err);
		else if (flow_install(a, &key, &r))
			reply(c->fd, "error: flow-put: cannot install (mask or flow table full, or flow exists)");
		else
			reply(c->fd, "ok");
	} else if (!strncmp(line, "flow-del ", 9)) {
		if (flow_delete(a, line + 9, err, sizeof(err)))
			reply(c->fd, "error: flow-del: %s", err);
		else
			reply(c->fd, "ok");
	} else if (!strcmp(line, "miss-log")) {
		cmd_miss_log(a, c->fd);
		reply(c->fd, "ok");
	} else if (!strcmp(line, "flow-flush")) {
		flow_flush(a);
		reply(c->fd, "ok");
	} else if (!strcmp(line, "stats")) {
		cmd_stats(a, c->fd);
		reply(c->fd, "ok");
	} else if (!strcmp(line, "subscribe")) {
		c->subscribed = 1;
		reply(c->fd, "ok");
	} else if (line[0]) {
		reply(c->fd, "error: unknown command '%.60s' (ports, pipeline, flow-dump, flow-put, flow-del, flow-flush, miss-log, stats, subscribe)", line);
	}
}

static void client_read(struct agent *a, struct client *c)
{
	ssize_t n = read(c->fd, c->buf + c->used, sizeof(c->buf) - 1 - c->used);
	char *nl;

	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->used += (size_t)n;
	c->buf[c->used] = 0;
	while ((nl = strchr(c->buf, '\n'))) {
		*nl = 0;
		command(a, c, c->buf);
		if (c->fd < 0)
			return;
		c->used -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->used + 1);
	}
	if (c->used >= sizeof(c->buf) - 1) {
		reply(c->fd, "error: line longer than %d bytes", LINE_MAX_LEN);
		c->used = 0;
	}
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dplab-ebpf-agent: --socket %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		fail(errno, "--socket %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int usage(const char *bad)
{
	static const char text[] = "usage: dplab-ebpf-agent --socket PATH --port N=IFNAME [--port N=IFNAME ...] [--idle-ms MS] [--xdp]";

	if (bad)
		fprintf(stderr, "dplab-ebpf-agent: %s: unknown option or missing value (%s)\n", bad, text);
	else
		fprintf(stderr, "%s\n", text);
	return 2;
}

static int add_port(struct agent *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	int n = a->n_ports;

	if (!eq || n >= DP_MAX_PORTS || atoi(arg) <= 0 || atoi(arg) >= DP_MAX_PORTS) {
		fprintf(stderr, "dplab-ebpf-agent: --port %s: expected N=IFNAME with N in 1..%d\n", arg, DP_MAX_PORTS - 1);
		return 2;
	}
	a->port_no[n] = (__u32)atoi(arg);
	snprintf(a->ifname[n], IF_NAMESIZE, "%s", eq + 1);
	a->ifindex[n] = (int)if_nametoindex(eq + 1);
	if (!a->ifindex[n]) {
		fprintf(stderr, "dplab-ebpf-agent: --port %s: no interface %s here\n", arg, eq + 1);
		return 2;
	}
	a->n_ports++;
	return 0;
}

/* Returns 0, or 2 after a one-line message. */
static int parse_args(struct agent *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "xdp", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	a->idle_ns = 10000ull * 1000000ull;
	opterr = 0; /* our one line instead of getopt's and the usage */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->sock = optarg;
			break;
		case 'p':
			if (add_port(a, optarg))
				return 2;
			break;
		case 'i':
			a->idle_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'x':
			a->want_xdp = true;
			break;
		default:
			return usage(argv[optind - 1]);
		}
	}
	return a->sock && a->n_ports ? 0 : usage(NULL);
}

static int load_datapath(struct agent *a)
{
	int i;

	a->skel = datapath_bpf__open_and_load();
	if (!a->skel)
		return fail(errno, "loading the datapath (needs BPF with BTF, bpf_loop and ring buffers: kernel >= 5.17)");
	for (i = 0; i < a->n_ports; i++) {
		__u32 port = a->port_no[i], ifindex = (__u32)a->ifindex[i];

		if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.port_ifindex), &port, &ifindex, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(a->skel->maps.ifindex_port), &ifindex, &port, BPF_ANY))
			return fail(errno, "port map");
	}
	return 0;
}

/* The kernel picks the filter's handle and priority (none can clash); libbpf hands them back. */
static int tc_attach_port(struct agent *a, int i)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex[i], .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(a->skel->progs.dp_ingress));
	struct tc_port *t = &a->tc[i];
	int err;

	t->hook = hook;
	t->opts = opts;
	err = bpf_tc_hook_create(&t->hook);
	if (err && err != -EEXIST)
		return fail(err, "clsact on %s", a->ifname[i]);
	/* EEXIST: someone else's qdisc, to be left in place (its "Exclusivity flag on" is no error). */
	t->qdisc_created = !err;
	kernel_msg[0] = 0;
	err = bpf_tc_attach(&t->hook, &t->opts);
	if (err)
		return fail(err, "TC attach to %s", a->ifname[i]);
	t->attached = true;
	return 0;
}

static int tc_attach(struct agent *a)
{
	int i;

	for (i = 0; i < a->n_ports; i++)
		if (tc_attach_port(a, i))
			return -1;
	return 0;
}

/* The XDP front end shares every map but its scratch space with the TC program. */
static int xdp_share_maps(struct xdp_bpf *x, struct datapath_bpf *d)
{
	struct bpf_map *pairs[][2] = {
		{ x->maps.masks, d->maps.masks },
		{ x->maps.flows, d->maps.flows },
		{ x->maps.port_ifindex, d->maps.port_ifindex },
		{ x->maps.ifindex_port, d->maps.ifindex_port },
		{ x->maps.misses_sent, d->maps.misses_sent },
		{ x->maps.misses_done, d->maps.misses_done },
		{ x->maps.counters, d->maps.counters },
		{ x->maps.mask_count, d->maps.mask_count },
	};
	size_t m;

	for (m = 0; m < sizeof(pairs) / sizeof(pairs[0]); m++)
		if (bpf_map__reuse_fd(pairs[m][0], bpf_map__fd(pairs[m][1])))
			return fail(errno, "sharing map %s", bpf_map__name(pairs[m][1]));
	return 0;
}

/*
 * Native where the driver has it (veth does), generic otherwise. UPDATE_IF_NOEXIST makes a port
 * that runs someone else's program fail with EBUSY rather than lose it; native fails with EEXIST
 * while a generic program is there, so only EBUSY stops the fallback.
 */
static int xdp_attach_port(struct agent *a, int i)
{
	int fd = bpf_program__fd(a->xdp->progs.dp_xdp), err;

	err = bpf_xdp_attach(a->ifindex[i], fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_DRV_MODE, NULL);
	if (!err) {
		a->xdp_mode[i] = "native";
		return 0;
	}
	if (err != -EBUSY) {
		kernel_msg[0] = 0;
		err = bpf_xdp_attach(a->ifindex[i], fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE, NULL);
		if (!err) {
			a->xdp_mode[i] = "generic";
			return 0;
		}
	}
	return fail(err, "XDP on %s", a->ifname[i]);
}

static int xdp_attach(struct agent *a)
{
	int i;

	a->xdp = xdp_bpf__open();
	if (!a->xdp)
		return fail(errno, "opening the XDP front end");
	if (xdp_share_maps(a->xdp, a->skel))
		return -1;
	if (xdp_bpf__load(a->xdp))
		return fail(errno, "loading the XDP front end");
	for (i = 0; i < a->n_ports; i++)
		if (xdp_attach_port(a, i))
			return -1;
	return 0;
}

static void accept_client(struct agent *a)
{
	int cfd = accept4(a->lfd, NULL, NULL, SOCK_CLOEXEC), i;

	for (i = 0; cfd >= 0 && i < MAX_CLIENTS; i++) {
		if (a->clients[i].fd < 0) {
			memset(&a->clients[i], 0, sizeof(a->clients[i]));
			a->clients[i].fd = cfd;
			cfd = -1;
		}
	}
	if (cfd >= 0)
		close(cfd);
}

/*
 * Announces readiness as every dplab helper does (`ready WORD` on stdout: the datapath's hook),
 * then serves until SIGTERM/SIGINT.
 */
static int serve(struct agent *a)
{
	__u64 last_expiry = 0;
	int i;

	a->rb = ring_buffer__new(bpf_map__fd(a->skel->maps.upcalls), on_upcall, a, NULL);
	if (!a->rb)
		return fail(errno, "ring buffer");
	a->lfd = listen_unix(a->sock);
	if (a->lfd < 0)
		return -1;
	fprintf(stderr, "dplab-ebpf-agent: serving %s with %d port(s)\n", a->sock, a->n_ports);
	printf("ready %s\n", a->want_xdp ? "xdp" : "tc");
	fflush(stdout);
	while (!stop) {
		struct pollfd pf[MAX_CLIENTS + 2];
		int n = 0, map[MAX_CLIENTS];

		pf[n++] = (struct pollfd){ .fd = ring_buffer__epoll_fd(a->rb), .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = a->lfd, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (a->clients[i].fd < 0)
				continue;
			map[n - 2] = i;
			pf[n++] = (struct pollfd){ .fd = a->clients[i].fd, .events = POLLIN };
		}
		if (poll(pf, (nfds_t)n, 100) < 0 && errno != EINTR)
			return fail(errno, "poll");
		ring_buffer__consume(a->rb);
		if (pf[1].revents & POLLIN)
			accept_client(a);
		for (i = 2; i < n; i++)
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(a, &a->clients[map[i - 2]]);
		if (now_ns() - last_expiry > 1000000000ull) {
			expire_idle(a);
			last_expiry = now_ns();
		}
	}
	return 0;
}

/* Here and in tc_detach_port, ENODEV is no failure: the port went away with what was on it. */
static int xdp_detach_port(struct agent *a, int i)
{
	__u32 mode;
	int err;

	if (!a->xdp_mode[i])
		return 0;
	mode = !strcmp(a->xdp_mode[i], "native") ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	{
		/* old_prog_fd: the kernel detaches the program only if it is still ours. */
		LIBBPF_OPTS(bpf_xdp_attach_opts, ours, .old_prog_fd = bpf_program__fd(a->xdp->progs.dp_xdp));

		err = bpf_xdp_detach(a->ifindex[i], mode, &ours);
	}
	return err && err != -ENODEV ? fail(err, "detaching XDP from %s", a->ifname[i]) : 0;
}

static int tc_detach_port(struct agent *a, int i)
{
	struct tc_port *t = &a->tc[i];
	LIBBPF_OPTS(bpf_tc_opts, ours, .handle = t->opts.handle, .priority = t->opts.priority);
	/* INGRESS|EGRESS deletes the qdisc; INGRESS alone would flush every ingress filter. */
	LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = a->ifindex[i], .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = 0;

	if (t->attached)
		err = bpf_tc_detach(&t->hook, &ours);
	if (err && err != -ENODEV)
		return fail(err, "TC detach from %s", a->ifname[i]);
	if (t->qdisc_created)
		err = bpf_tc_hook_destroy(&qdisc);
	return err && err != -ENODEV ? fail(err, "removing clsact from %s", a->ifname[i]) : 0;
}

/* The one teardown, for every exit: undoes only what the agent created, last step first. */
static int cleanup(struct agent *a)
{
	int i, err = 0;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (a->clients[i].fd >= 0)
			close(a->clients[i].fd);
	if (a->lfd >= 0) {
		close(a->lfd);
		unlink(a->sock);
	}
	ring_buffer__free(a->rb);
	for (i = 0; i < a->n_ports; i++) {
		err |= xdp_detach_port(a, i);
		err |= tc_detach_port(a, i);
	}
	xdp_bpf__destroy(a->xdp);
	datapath_bpf__destroy(a->skel);
	return err;
}

int main(int argc, char **argv)
{
	static struct agent a = { .lfd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int err, i;

	for (i = 0; i < MAX_CLIENTS; i++)
		a.clients[i].fd = -1;
	err = parse_args(&a, argc, argv);
	if (err)
		return err;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(libbpf_print);

	err = load_datapath(&a);
	if (!err)
		err = tc_attach(&a);
	if (!err && a.want_xdp)
		err = xdp_attach(&a);
	if (!err)
		err = serve(&a);
	if (cleanup(&a))
		err = -1;
	return err ? 1 : 0;
}
