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
 *   stats                      `lookups: hit:N missed:N lost:N`, `flows: N` and `upcalls: N`
 *                              (miss upcalls this agent carried out, hits queued behind
 *                              pending misses included)
 *   subscribe                  from now on this connection also gets `packet-in PORT REASON HEX`
 * Misses arrive on a ring buffer: the agent classifies the key, installs the megaflow, and
 * executes the packet through BPF_PROG_RUN. Idle megaflows expire. On SIGTERM/SIGINT it
 * detaches everything it attached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
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

struct agent {
	struct datapath_bpf *skel;
	struct xdp_bpf *xdp; /* the XDP front end, with --xdp */
	const char *xdp_mode[DP_MAX_PORTS];
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
	char key[2048], acts[1024];

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
		fprintf(stderr, "dplab-ebpf-agent: --socket %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: dplab-ebpf-agent --socket PATH --port N=IFNAME [--port N=IFNAME ...] [--idle-ms MS] [--xdp]\n");
}

int main(int argc, char **argv)
{
	static struct agent a;
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "xdp", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct bpf_tc_hook hooks[DP_MAX_PORTS];
	int n_hooks = 0, n_xdp = 0, want_xdp = 0, lfd = -1, err = 1, opt, i;
	const char *sock = NULL;
	struct ring_buffer *rb = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 last_expiry = 0;

	a.idle_ns = 10000ull * 1000000ull;
	for (i = 0; i < MAX_CLIENTS; i++)
		a.clients[i].fd = -1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *eq;

		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'p':
			eq = strchr(optarg, '=');
			if (!eq || a.n_ports >= DP_MAX_PORTS || atoi(optarg) <= 0 || atoi(optarg) >= DP_MAX_PORTS) {
				fprintf(stderr, "dplab-ebpf-agent: --port %s: expected N=IFNAME with N in 1..%d\n", optarg, DP_MAX_PORTS - 1);
				return 2;
			}
			a.port_no[a.n_ports] = (__u32)atoi(optarg);
			snprintf(a.ifname[a.n_ports], IF_NAMESIZE, "%s", eq + 1);
			a.ifindex[a.n_ports] = (int)if_nametoindex(eq + 1);
			if (!a.ifindex[a.n_ports]) {
				fprintf(stderr, "dplab-ebpf-agent: --port %s: no interface %s here\n", optarg, eq + 1);
				return 2;
			}
			a.n_ports++;
			break;
		case 'i':
			a.idle_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'x':
			want_xdp = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!sock || !a.n_ports) {
		usage();
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	a.skel = datapath_bpf__open_and_load();
	if (!a.skel) {
		fprintf(stderr, "dplab-ebpf-agent: loading the datapath failed: %s (needs BPF with BTF, bpf_loop and ring buffers: kernel >= 5.17)\n",
			strerror(errno));
		goto cleanup;
	}
	for (i = 0; i < a.n_ports; i++) {
		__u32 port = a.port_no[i], ifindex = (__u32)a.ifindex[i];

		if (bpf_map_update_elem(bpf_map__fd(a.skel->maps.port_ifindex), &port, &ifindex, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(a.skel->maps.ifindex_port), &ifindex, &port, BPF_ANY)) {
			fprintf(stderr, "dplab-ebpf-agent: port map: %s\n", strerror(errno));
			goto cleanup;
		}
	}
	for (i = 0; i < a.n_ports; i++) {
		LIBBPF_OPTS(bpf_tc_opts, tc, .prog_fd = bpf_program__fd(a.skel->progs.dp_ingress));

		memset(&hooks[i], 0, sizeof(hooks[i]));
		hooks[i].sz = sizeof(hooks[i]);
		hooks[i].ifindex = a.ifindex[i];
		hooks[i].attach_point = BPF_TC_INGRESS;
		err = bpf_tc_hook_create(&hooks[i]);
		if (err && err != -EEXIST) {
			fprintf(stderr, "dplab-ebpf-agent: clsact on %s: %s\n", a.ifname[i], strerror(-err));
			goto cleanup;
		}
		n_hooks = i + 1;
		err = bpf_tc_attach(&hooks[i], &tc);
		if (err) {
			fprintf(stderr, "dplab-ebpf-agent: attach to %s: %s\n", a.ifname[i], strerror(-err));
			goto cleanup;
		}
	}
	if (want_xdp) {
		/* The XDP front end shares every map but its scratch space with the TC program. */
		struct bpf_map *shared[] = { a.skel->maps.masks, a.skel->maps.flows, a.skel->maps.port_ifindex, a.skel->maps.ifindex_port,
					     a.skel->maps.misses_sent, a.skel->maps.misses_done, a.skel->maps.counters, a.skel->maps.mask_count };
		struct bpf_map *mine[] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
		size_t m;

		a.xdp = xdp_bpf__open();
		if (!a.xdp) {
			fprintf(stderr, "dplab-ebpf-agent: opening the XDP front end: %s\n", strerror(errno));
			goto cleanup;
		}
		mine[0] = a.xdp->maps.masks;
		mine[1] = a.xdp->maps.flows;
		mine[2] = a.xdp->maps.port_ifindex;
		mine[3] = a.xdp->maps.ifindex_port;
		mine[4] = a.xdp->maps.misses_sent;
		mine[5] = a.xdp->maps.misses_done;
		mine[6] = a.xdp->maps.counters;
		mine[7] = a.xdp->maps.mask_count;
		for (m = 0; m < sizeof(shared) / sizeof(shared[0]); m++) {
			if (bpf_map__reuse_fd(mine[m], bpf_map__fd(shared[m]))) {
				fprintf(stderr, "dplab-ebpf-agent: sharing map %s: %s\n", bpf_map__name(shared[m]), strerror(errno));
				goto cleanup;
			}
		}
		if (xdp_bpf__load(a.xdp)) {
			fprintf(stderr, "dplab-ebpf-agent: loading the XDP front end: %s\n", strerror(errno));
			goto cleanup;
		}
		for (i = 0; i < a.n_ports; i++) {
			int fd = bpf_program__fd(a.xdp->progs.dp_xdp);

			/* Native where the driver has it (veth does), generic otherwise. */
			if (!bpf_xdp_attach(a.ifindex[i], fd, XDP_FLAGS_DRV_MODE, NULL)) {
				a.xdp_mode[i] = "native";
			} else if (!bpf_xdp_attach(a.ifindex[i], fd, XDP_FLAGS_SKB_MODE, NULL)) {
				a.xdp_mode[i] = "generic";
			} else {
				fprintf(stderr, "dplab-ebpf-agent: XDP on %s: %s\n", a.ifname[i], strerror(errno));
				goto cleanup;
			}
			n_xdp = i + 1;
		}
	}
	err = 1;
	rb = ring_buffer__new(bpf_map__fd(a.skel->maps.upcalls), on_upcall, &a, NULL);
	if (!rb) {
		fprintf(stderr, "dplab-ebpf-agent: ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	lfd = listen_unix(sock);
	if (lfd < 0)
		goto cleanup;
	fprintf(stderr, "dplab-ebpf-agent: ready on %s with %d port(s)\n", sock, a.n_ports);

	while (!stop) {
		struct pollfd pf[MAX_CLIENTS + 2];
		int n = 0, map[MAX_CLIENTS];

		pf[n++] = (struct pollfd){ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (a.clients[i].fd < 0)
				continue;
			map[n - 2] = i;
			pf[n++] = (struct pollfd){ .fd = a.clients[i].fd, .events = POLLIN };
		}
		if (poll(pf, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		ring_buffer__consume(rb);
		if (pf[1].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; cfd >= 0 && i < MAX_CLIENTS; i++) {
				if (a.clients[i].fd < 0) {
					memset(&a.clients[i], 0, sizeof(a.clients[i]));
					a.clients[i].fd = cfd;
					cfd = -1;
				}
			}
			if (cfd >= 0)
				close(cfd);
		}
		for (i = 2; i < n; i++)
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(&a, &a.clients[map[i - 2]]);
		if (now_ns() - last_expiry > 1000000000ull) {
			expire_idle(&a);
			last_expiry = now_ns();
		}
	}
	err = 0;
cleanup:
	for (i = 0; i < MAX_CLIENTS; i++)
		if (a.clients[i].fd >= 0)
			close(a.clients[i].fd);
	if (lfd >= 0) {
		close(lfd);
		unlink(sock);
	}
	ring_buffer__free(rb);
	/* Removing the clsact qdisc takes our filter with it. */
	for (i = 0; i < n_hooks; i++) {
		hooks[i].attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hooks[i]);
	}
	for (i = 0; i < n_xdp; i++)
		bpf_xdp_detach(a.ifindex[i], !strcmp(a.xdp_mode[i], "native") ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE, NULL);
	xdp_bpf__destroy(a.xdp);
	datapath_bpf__destroy(a.skel);
	return err;
}
