// SPDX-License-Identifier: MIT
/*
 * The agent's control socket: a line protocol on a unix socket, one command a line, every reply
 * ending with `ok` or `error: ...`:
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent.h"
#include "odp-key.h"
#include "odp-parse.h"

void reply(int fd, const char *fmt, ...)
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

static void cmd_miss_log(struct agent *a, int fd)
{
	__u64 seq = a->n_misses > MISS_LOG ? a->n_misses - MISS_LOG : 0;
	char key[2048];

	for (; seq < a->n_misses; seq++) {
		odp_format_key(&a->miss_log[seq % MISS_LOG], key, sizeof(key));
		reply(fd, "miss %llu %s", (unsigned long long)seq, key);
	}
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

/*
 * A line between `pipeline` and `end`: the rules go to the staging pipeline, which `end` makes
 * the pipeline (the flows of the old one flushed). An error ends the pipeline's lines.
 */
static void pipeline_line(struct agent *a, struct client *c, const char *line)
{
	char err[256];
	int i;

	if (!strcmp(line, "end")) {
		c->in_pipeline = 0;
		sp_sort(&a->staging);
		a->staging.n_ports = a->n_ports;
		memcpy(a->staging.ports, a->port_no, sizeof(a->staging.ports));
		for (i = 0; i < a->staging.n_rules; i++) {
			a->staging.rules[i].id = ++a->rule_ids;
			a->staging.rules[i].added_ns = a->staging.rules[i].used_ns = now_ns();
		}
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
}

static void command(struct agent *a, struct client *c, char *line)
{
	char err[256];

	line[strcspn(line, "\r\n")] = 0;
	if (c->in_pipeline) {
		pipeline_line(a, c, line);
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
		int rc;

		memset(&r, 0, sizeof(r));
		if (odp_parse_flow(line + 9, &key, &r.mask, &r.flow, err, sizeof(err)))
			reply(c->fd, "error: flow-put: %s", err);
		else if ((rc = flow_install(a, &key, &r, 1)) == -2)
			reply(c->fd, "error: flow-put: the flow exists (File exists): delete it first");
		else if (rc)
			reply(c->fd, "error: flow-put: cannot install (mask or flow table full)");
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

void client_read(struct agent *a, struct client *c)
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

int listen_unix(const char *path)
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

void accept_client(struct agent *a)
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
