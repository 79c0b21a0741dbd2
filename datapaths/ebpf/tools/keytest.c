// SPDX-License-Identifier: MIT
/*
 * dplab-ebpf-keytest: prints the flow key of each hex frame on stdin, one ODP key a line,
 * extracted twice: by the BPF datapath core in the kernel (key.bpf.c under BPF_PROG_RUN) and by
 * the same core built for userspace. A line `MISMATCH ...` means the two builds disagree.
 *
 *   dplab-ebpf-keytest [--in-port N] < frames.hex
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <linux/types.h>

struct frame {
	const __u8 *data;
	__u32 len;
};

static int frame_load(void *ctx, __u32 off, void *dst, __u32 len)
{
	const struct frame *f = ctx;

	if (off > f->len || len > f->len - off)
		return -1;
	memcpy(dst, f->data + off, len);
	return 0;
}
#define DP_LOAD(ctx, off, dst, len) frame_load((ctx), (off), (dst), (len))

#include "../agent/odp-key.h"
#include "key.skel.h"

#define MAX_FRAME 9216

static int unhex(const char *s, size_t n, __u8 *out)
{
	size_t i;

	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (__u8)v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char line[2 * MAX_FRAME + 4];
	static __u8 frame[MAX_FRAME];
	struct key_bpf *skel = NULL;
	__u32 in_port = 1, zero = 0;
	int err = 0, lineno = 0, mismatches = 0;

	if (argc == 2 && !strcmp(argv[1], "--layout")) {
		/* The key layout, for the harness encoder to check its offsets against. */
		printf("in_port %zu\neth_src %zu\neth_dst %zu\neth_type %zu\nn_vlans %zu\nnw_proto %zu\nvlan %zu\nnw_tos %zu\nnw_ttl %zu\nnw_frag %zu\ntp_src %zu\ntp_dst %zu\ntcp_flags %zu\nipv6_label %zu\nipv4_src %zu\nipv4_dst %zu\nipv6_src %zu\nipv6_dst %zu\narp_sha %zu\narp_tha %zu\nnd_target %zu\nnd_sll %zu\nnd_tll %zu\nsize %zu\n",
		       offsetof(struct dp_flow_key, in_port), offsetof(struct dp_flow_key, eth_src), offsetof(struct dp_flow_key, eth_dst),
		       offsetof(struct dp_flow_key, eth_type), offsetof(struct dp_flow_key, n_vlans), offsetof(struct dp_flow_key, nw_proto),
		       offsetof(struct dp_flow_key, vlan), offsetof(struct dp_flow_key, nw_tos), offsetof(struct dp_flow_key, nw_ttl),
		       offsetof(struct dp_flow_key, nw_frag), offsetof(struct dp_flow_key, tp_src), offsetof(struct dp_flow_key, tp_dst),
		       offsetof(struct dp_flow_key, tcp_flags), offsetof(struct dp_flow_key, ipv6_label), offsetof(struct dp_flow_key, nw.ipv4.src),
		       offsetof(struct dp_flow_key, nw.ipv4.dst), offsetof(struct dp_flow_key, nw.ipv6.src), offsetof(struct dp_flow_key, nw.ipv6.dst),
		       offsetof(struct dp_flow_key, nw.arp.sha), offsetof(struct dp_flow_key, nw.arp.tha), offsetof(struct dp_flow_key, nd_target),
		       offsetof(struct dp_flow_key, nd_sll), offsetof(struct dp_flow_key, nd_tll), sizeof(struct dp_flow_key));
		return 0;
	} else if (argc == 3 && !strcmp(argv[1], "--in-port")) {
		in_port = (__u32)atoi(argv[2]);
	} else if (argc != 1) {
		fprintf(stderr, "usage: dplab-ebpf-keytest [--in-port N] < frames.hex\n");
		return 2;
	}
	skel = key_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "dplab-ebpf-keytest: loading key.bpf.o failed: %s (BPF and BTF needed)\n", strerror(errno));
		return 3;
	}
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strcspn(line, "\r\n");
		struct dp_flow_key user = { 0 }, kern = { 0 };
		struct frame f = { frame, (__u32)(n / 2) };
		struct __sk_buff ctx = { .ifindex = in_port };
		char a[1024], b[1024];
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = (__u32)(n / 2), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		lineno++;
		if (n == 0)
			continue;
		if (n % 2 || unhex(line, n, frame)) {
			fprintf(stderr, "dplab-ebpf-keytest: stdin:%d: not an even number of hex digits\n", lineno);
			err = 2;
			break;
		}
		/* BPF_PROG_RUN needs at least an Ethernet header's worth of data. */
		if (n / 2 >= 14) {
			err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.extract_key), &run);
			if (err) {
				fprintf(stderr, "dplab-ebpf-keytest: stdin:%d: BPF_PROG_RUN: %s\n", lineno, strerror(-err));
				err = 1;
				break;
			}
			if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.last_key), &zero, &kern)) {
				fprintf(stderr, "dplab-ebpf-keytest: reading the key map: %s\n", strerror(errno));
				err = 1;
				break;
			}
		} else {
			kern.in_port = in_port;
		}
		dp_extract(&f, f.len, NULL, in_port, &user);
		odp_format_key(&kern, a, sizeof(a));
		if (memcmp(&user, &kern, sizeof(user))) {
			odp_format_key(&user, b, sizeof(b));
			printf("MISMATCH bpf=%s user=%s\n", a, b);
			mismatches++;
		} else {
			printf("%s\n", a);
		}
	}
	key_bpf__destroy(skel);
	return err ? err : mismatches ? 1 : 0;
}
