// SPDX-License-Identifier: MIT
/*
 * dplab-xdp-redirect A B: redirects every frame from A to B and from B to A with XDP (native
 * where the driver has it), until SIGTERM/SIGINT; then detaches. Prints "ready MODE" once attached.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp-redirect.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct xdp_redirect_bpf *skel = NULL;
	__u32 ifs[2], flags = XDP_FLAGS_DRV_MODE;
	int attached = 0, err = 1, i;

	if (argc != 3) {
		fprintf(stderr, "usage: dplab-xdp-redirect IFACE_A IFACE_B\n");
		return 2;
	}
	for (i = 0; i < 2; i++) {
		ifs[i] = if_nametoindex(argv[1 + i]);
		if (!ifs[i]) {
			fprintf(stderr, "dplab-xdp-redirect: %s: no such interface\n", argv[1 + i]);
			return 2;
		}
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	skel = xdp_redirect_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "dplab-xdp-redirect: load: %s\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.peer), &ifs[i], &ifs[1 - i], BPF_ANY)) {
			fprintf(stderr, "dplab-xdp-redirect: devmap: %s\n", strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < 2; i++) {
		int fd = bpf_program__fd(skel->progs.xdp_redirect_peer);

		if (bpf_xdp_attach((int)ifs[i], fd, flags, NULL)) {
			flags = XDP_FLAGS_SKB_MODE;
			if (i == 1 || bpf_xdp_attach((int)ifs[i], fd, flags, NULL)) {
				fprintf(stderr, "dplab-xdp-redirect: attach to %s: %s\n", argv[1 + i], strerror(errno));
				goto out;
			}
		}
		attached = i + 1;
	}
	printf("ready %s\n", flags == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	fflush(stdout);
	while (!stop)
		pause();
	err = 0;
out:
	for (i = 0; i < attached; i++)
		bpf_xdp_detach((int)ifs[i], flags, NULL);
	xdp_redirect_bpf__destroy(skel);
	return err;
}
