// SPDX-License-Identifier: MIT
/*
 * dplab-pktio: exact frame injection and capture on one interface, for conformance cases.
 *
 *   dplab-pktio inject  --if IF            frames as hex, one per line, on stdin
 *   dplab-pktio capture --if IF --max-ms N  prints "ready", then each received frame as hex
 *
 * Capture re-inserts the VLAN tag the kernel moved into packet metadata (PACKET_AUXDATA), so
 * a captured frame is byte for byte what was on the wire, and skips frames this host sent
 * (PACKET_OUTGOING). Capture always ends by itself after --max-ms, or on SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 65536

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int open_socket(const char *ifname, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd, one = 1;

	*ifindex = if_nametoindex(ifname);
	if (!*ifindex) {
		fprintf(stderr, "dplab-pktio: interface %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "dplab-pktio: socket: %s\n", strerror(errno));
		return -1;
	}
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		fprintf(stderr, "dplab-pktio: bind %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int inject(int fd, int ifindex)
{
	static char line[2 * MAX_FRAME + 2];
	static unsigned char frame[MAX_FRAME];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = ETH_ALEN };
	int n = 0, lineno = 0;

	while (fgets(line, sizeof(line), stdin)) {
		size_t len = strcspn(line, "\r\n"), i;

		lineno++;
		if (len == 0)
			continue;
		if (len % 2 || len / 2 < ETH_HLEN) {
			fprintf(stderr, "dplab-pktio: stdin:%d: frame must be an even number of hex digits, at least %d bytes\n", lineno, ETH_HLEN);
			return -1;
		}
		for (i = 0; i < len / 2; i++) {
			int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				fprintf(stderr, "dplab-pktio: stdin:%d:%zu: not a hex digit\n", lineno, 2 * i + 1);
				return -1;
			}
			frame[i] = hi << 4 | lo;
		}
		memcpy(to.sll_addr, frame, ETH_ALEN);
		if (sendto(fd, frame, len / 2, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "dplab-pktio: send frame %d: %s\n", lineno, strerror(errno));
			return -1;
		}
		n++;
	}
	fprintf(stderr, "dplab-pktio: sent %d frame(s)\n", n);
	return 0;
}

static void print_frame(const unsigned char *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	static char out[2 * (MAX_FRAME + 8) + 2];
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\n';
	fwrite(out, 1, 2 * len + 1, stdout);
	fflush(stdout);
}

static int capture(int fd, long long max_ms)
{
	static unsigned char buf[MAX_FRAME + 8];
	long long deadline = now_ms() + max_ms;
	union {
		struct cmsghdr cm;
		char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctrl;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		long long left = deadline - now_ms();
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = buf + 4, .iov_len = MAX_FRAME };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = &ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		unsigned char *frame = buf + 4;
		ssize_t len;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, left > 100 ? 100 : (int)left) <= 0)
			continue;
		len = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (len < 0)
			continue;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct tpacket_auxdata *aux;
			__u16 tpid;

			if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
				continue;
			aux = (struct tpacket_auxdata *)CMSG_DATA(cm);
			if (!(aux->tp_status & TP_STATUS_VLAN_VALID) && !aux->tp_vlan_tci)
				continue;
			if (len < 2 * ETH_ALEN)
				continue;
			/*
			 * The receive path moves the outer tag into skb metadata before AF_PACKET
			 * sees the frame; put it back after the MAC addresses, with its real TPID
			 * (802.1ad service tags come back as 0x88a8, not 0x8100).
			 */
			tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux->tp_vlan_tpid : ETH_P_8021Q;
			frame = buf;
			memmove(frame, buf + 4, 2 * ETH_ALEN);
			frame[12] = tpid >> 8;
			frame[13] = tpid & 0xff;
			frame[14] = aux->tp_vlan_tci >> 8;
			frame[15] = aux->tp_vlan_tci & 0xff;
			len += 4;
		}
		print_frame(frame, len);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: dplab-pktio inject --if IF < frames.hex\n"
			"       dplab-pktio capture --if IF --max-ms N\n");
}

int main(int argc, char **argv)
{
	const char *mode, *ifname = NULL;
	long long max_ms = -1;
	struct sigaction sa = { .sa_handler = on_signal };
	int fd, ifindex, i, err;

	if (argc < 2) {
		usage();
		return 2;
	}
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--if") && i + 1 < argc) {
			ifname = argv[++i];
		} else if (!strcmp(argv[i], "--max-ms") && i + 1 < argc) {
			char *end;

			max_ms = strtoll(argv[++i], &end, 10);
			if (*end || max_ms <= 0 || max_ms > 600000) {
				fprintf(stderr, "dplab-pktio: --max-ms %s: must be 1..600000\n", argv[i]);
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}
	if (!ifname || (strcmp(mode, "inject") && strcmp(mode, "capture")) ||
	    (!strcmp(mode, "capture") && max_ms < 0)) {
		usage();
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = open_socket(ifname, &ifindex);
	if (fd < 0)
		return 1;
	err = !strcmp(mode, "inject") ? inject(fd, ifindex) : capture(fd, max_ms);
	close(fd);
	return err ? 1 : 0;
}
