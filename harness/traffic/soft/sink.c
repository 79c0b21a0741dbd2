// SPDX-License-Identifier: MIT
/*
 * dplab-sink IF: attaches sink.bpf.c to IF with XDP (native where it can), prints
 * "ready MODE", then answers one command per stdin line until EOF, SIGTERM or SIGINT, and
 * detaches:
 *   read   -> {"streams":[{"index":I,"packets":N,"bytes":B,"latSumNs":S,"latMaxNs":M,"hist":[[BUCKET,COUNT],...]}]}
 *   reset  -> {"ok":true}   (zeroes every counter; do it while no traffic flows)
 * Streams that received nothing are left out of "read".
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "soft.h"
#include "sink.skel.h"

static void on_signal(int sig)
{
	(void)sig; /* interrupts the blocking read; main then detaches */
}

static int dump(int map_fd, struct soft_rx *percpu, int ncpu)
{
	int first = 1;

	printf("{\"streams\":[");
	for (__u32 s = 0; s < SOFT_MAX_STREAMS; s++) {
		struct soft_rx sum = { 0 };
		int firsth = 1;

		if (bpf_map_lookup_elem(map_fd, &s, percpu))
			return -1;
		for (int c = 0; c < ncpu; c++) {
			struct soft_rx *r = &percpu[c];

			sum.packets += r->packets;
			sum.bytes += r->bytes;
			sum.lat_sum_ns += r->lat_sum_ns;
			if (r->lat_max_ns > sum.lat_max_ns)
				sum.lat_max_ns = r->lat_max_ns;
			for (int b = 0; b < SOFT_HIST_BUCKETS; b++)
				sum.hist[b] += r->hist[b];
		}
		if (!sum.packets)
			continue;
		printf("%s{\"index\":%u,\"packets\":%llu,\"bytes\":%llu,\"latSumNs\":%llu,\"latMaxNs\":%llu,\"hist\":[", first ? "" : ",", s,
		       (unsigned long long)sum.packets, (unsigned long long)sum.bytes, (unsigned long long)sum.lat_sum_ns,
		       (unsigned long long)sum.lat_max_ns);
		for (int b = 0; b < SOFT_HIST_BUCKETS; b++) {
			if (!sum.hist[b])
				continue;
			printf("%s[%d,%llu]", firsth ? "" : ",", b, (unsigned long long)sum.hist[b]);
			firsth = 0;
		}
		printf("]}");
		first = 0;
	}
	printf("]}\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	__u32 flags = XDP_FLAGS_DRV_MODE;
	struct sink_bpf *skel = NULL;
	struct soft_rx *percpu = NULL;
	int ifindex, ncpu, map_fd, attached = 0, err = 1;
	char line[64];

	if (argc != 2) {
		fprintf(stderr, "usage: dplab-sink IFACE\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "dplab-sink: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ncpu = libbpf_num_possible_cpus();
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	skel = sink_bpf__open_and_load();
	if (!percpu || !skel) {
		fprintf(stderr, "dplab-sink: load: %s (needs BPF and BTF)\n", strerror(errno));
		goto out;
	}
	map_fd = bpf_map__fd(skel->maps.rx);
	if (bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.soft_sink), flags, NULL)) {
		flags = XDP_FLAGS_SKB_MODE;
		if (bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.soft_sink), flags, NULL)) {
			fprintf(stderr, "dplab-sink: attach XDP to %s: %s\n", argv[1], strerror(errno));
			goto out;
		}
	}
	attached = 1;
	printf("ready %s\n", flags == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "read\n")) {
			if (dump(map_fd, percpu, ncpu)) {
				fprintf(stderr, "dplab-sink: read counters: %s\n", strerror(errno));
				goto out;
			}
		} else if (!strcmp(line, "reset\n")) {
			memset(percpu, 0, (size_t)ncpu * sizeof(*percpu));
			for (__u32 s = 0; s < SOFT_MAX_STREAMS; s++)
				bpf_map_update_elem(map_fd, &s, percpu, BPF_ANY);
			printf("{\"ok\":true}\n");
		} else {
			printf("{\"error\":\"unknown command\"}\n");
		}
		fflush(stdout);
	}
	err = 0;
out:
	if (attached)
		bpf_xdp_detach(ifindex, flags, NULL);
	sink_bpf__destroy(skel);
	free(percpu);
	return err;
}
