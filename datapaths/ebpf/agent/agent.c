// SPDX-License-Identifier: MIT
/*
 * dplab-ebpf-agent: the slow path of dplab's eBPF datapath.
 *
 *   dplab-ebpf-agent --socket PATH --port N=IFNAME [--port N=IFNAME ...] [--idle-ms MS] [--xdp]
 *
 * Loads datapath.bpf.o and attaches it at TC ingress of each port (hooks.c), and serves a line
 * protocol on a unix socket (control.c). Misses arrive on a ring buffer (upcalls.c): the agent
 * classifies the key, installs the megaflow, and executes the packet through BPF_PROG_RUN. Idle
 * megaflows expire (flow-table.c). On SIGTERM/SIGINT, or when a step fails, it removes what it
 * created and nothing else: its TC filters, the clsact qdiscs it added, its XDP programs. A port
 * already running an XDP program is refused with --xdp.
 *
 * This file: the arguments, the serve loop, the one teardown, and the agent's error lines.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent.h"

static volatile sig_atomic_t stop;

/* Kept by libbpf_print from libbpf's "Kernel error message" line; fail() prints and clears it. */
char kernel_msg[256];

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
int fail(int err, const char *step, ...)
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
			expire_rules(a);
			expire_idle(a);
			last_expiry = now_ns();
		}
	}
	return 0;
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
	if (a->raw_fd >= 0)
		close(a->raw_fd);
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
	static struct agent a = { .lfd = -1, .raw_fd = -1 };
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
