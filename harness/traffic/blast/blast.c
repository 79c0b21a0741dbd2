// SPDX-License-Identifier: MIT
/*
 * dplab-blast: sends copies of one UDP/IPv4 frame as fast as it can (or at --pps), spreading
 * them over --flows UDP source ports, for a bounded count and time, and reports what it sent.
 *
 *   dplab-blast --if IF --frame HEX --count N --max-ms MS [--flows K] [--pps R]
 *   -> {"sent":N,"seconds":S,"pps":P}
 *
 * The template's UDP checksum must be 0 (IPv4: "none"), so changing the port needs no fix-up.
 * AF_PACKET with PACKET_QDISC_BYPASS and sendmmsg batches of 64.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_FRAME 2048

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static unsigned char frames[BATCH][MAX_FRAME];
	const char *ifname = NULL, *hex = NULL;
	long long count = 0, max_ms = 0, flows = 1, pps = 0, sent = 0;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	size_t len, i, udp_off;
	int fd, one = 1;
	double start, deadline, end;

	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--if"))
			ifname = argv[a + 1];
		else if (!strcmp(argv[a], "--frame"))
			hex = argv[a + 1];
		else if (!strcmp(argv[a], "--count"))
			count = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--max-ms"))
			max_ms = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--flows"))
			flows = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--pps"))
			pps = atoll(argv[a + 1]);
		else
			goto usage;
	}
	if (!ifname || !hex || count <= 0 || max_ms <= 0 || max_ms > 600000 || flows <= 0 || flows > 65535 || pps < 0)
		goto usage;
	len = strlen(hex) / 2;
	if (strlen(hex) % 2 || len < 42 || len > MAX_FRAME) {
		fprintf(stderr, "dplab-blast: --frame: want an even number of hex digits, 42..%d bytes\n", MAX_FRAME);
		return 2;
	}
	for (i = 0; i < len; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			fprintf(stderr, "dplab-blast: --frame: not hex at digit %zu\n", 2 * i);
			return 2;
		}
		frames[0][i] = (unsigned char)v;
	}
	/* The template must be untagged UDP over IPv4 with checksum 0. */
	udp_off = 14 + (size_t)(frames[0][14] & 0x0f) * 4;
	if (frames[0][12] != 0x08 || frames[0][13] != 0x00 || frames[0][23] != 17 || udp_off + 8 > len || frames[0][udp_off + 6] || frames[0][udp_off + 7]) {
		fprintf(stderr, "dplab-blast: --frame: want untagged UDP/IPv4 with UDP checksum 0\n");
		return 2;
	}
	to.sll_ifindex = (int)if_nametoindex(ifname);
	if (!to.sll_ifindex) {
		fprintf(stderr, "dplab-blast: --if %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "dplab-blast: socket: %s\n", strerror(errno));
		return 1;
	}
	/* Straight to the driver: the qdisc layer would be what is measured otherwise. */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memcpy(to.sll_addr, frames[0], ETH_ALEN);
	for (i = 0; i < BATCH; i++) {
		memcpy(frames[i], frames[0], len);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = len;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	start = now_s();
	deadline = start + (double)max_ms / 1000.0;
	while (sent < count) {
		long long want = count - sent < BATCH ? count - sent : BATCH;
		int n;
		double t = now_s();

		if (t >= deadline)
			break;
		if (pps && (double)sent > (t - start) * (double)pps)
			continue; /* ahead of the requested rate: spin (bounded by the deadline) */
		for (i = 0; i < (size_t)want; i++) {
			unsigned short port = (unsigned short)(1024 + (sent + (long long)i) % flows);

			frames[i][udp_off] = port >> 8;
			frames[i][udp_off + 1] = port & 0xff;
		}
		n = sendmmsg(fd, msgs, (unsigned int)want, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			fprintf(stderr, "dplab-blast: send: %s\n", strerror(errno));
			break;
		}
		sent += n;
	}
	end = now_s();
	printf("{\"sent\":%lld,\"seconds\":%.6f,\"pps\":%.0f}\n", sent, end - start, (double)sent / (end - start));
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: dplab-blast --if IF --frame HEX --count N --max-ms MS [--flows K] [--pps R]\n");
	return 2;
}
