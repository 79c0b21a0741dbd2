// SPDX-License-Identifier: MIT
/*
 * dplab-gen: the soft generator. Sends the streams read from stdin out of IF with
 * BPF_PROG_RUN in live-frames mode (gen.bpf.c builds and paces each frame) at --pps in total
 * (0 = as fast as it can), for --duration-ms and/or --count frames, optionally in bursts of
 * --burst frames separated by --ibg-us, and reports exactly what it sent as one JSON line.
 *
 *   dplab-gen --if IF --duration-ms MS [--pps R] [--count N] [--burst N --ibg-us U] [--cpu C] < streams
 *
 * streams (one item per line):
 *   stream WEIGHT HEXFRAME HDR_LEN IPV4_OFF SIG_OFF   WEIGHT (whole number) frames of this stream
 *                                                     per sum of weights; HDR_LEN bytes of
 *                                                     HEXFRAME are rewritten into every frame
 *   var OFFSET SIZE inc|dec|random MIN MAX STEP       applies to the stream above
 * Frames are built from the longest stream's frame: a shorter stream's payload bytes beyond
 * its headers are the longest frame's bytes (the signature is written per stream).
 *
 * Why live frames: the kernel builds and transmits the frames without a copy or an skb per
 * frame, so one core sends several times what AF_PACKET could; a veth's XDP transmit drops
 * (rather than blocks) when the peer's ring is full, which is the DUT's receive ring
 * overflowing, as on a NIC. Those drops show in IF's tx_dropped counter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "soft.h"
#include "gen.skel.h"

#define MAX_FRAME 1600
#define BATCH 64 /* frames per kernel batch (one flush): a quarter of a veth ring */

struct stream {
	unsigned char frame[MAX_FRAME];
	unsigned int weight;
	struct soft_stream cfg;
};

static struct stream streams[SOFT_MAX_STREAMS];
static unsigned int nstreams;
static volatile sig_atomic_t stop;
static volatile int finished;
static pthread_t main_thread;

static void on_signal(int sig)
{
	if (sig != SIGUSR1)
		stop = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock bpf_ktime_get_ns() reads */
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static int fail(int line, const char *what)
{
	fprintf(stderr, "dplab-gen: streams line %d: %s\n", line, what);
	return -1;
}

static int parse_hex(const char *hex, struct stream *s)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 < 42 || n / 2 > MAX_FRAME)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		s->frame[i] = (unsigned char)v;
	}
	s->cfg.frame_len = (__u16)(n / 2);
	return 0;
}

/* Reads the stream list; every offset is checked against its frame so no frame is aborted. */
static int read_streams(FILE *in)
{
	static char buf[8192];
	int line = 0;

	while (fgets(buf, sizeof(buf), in)) {
		char hex[2 * MAX_FRAME + 2], op[16];
		unsigned int a, b, c, d, e, w;
		struct stream *s;

		line++;
		if (buf[0] == '\n' || buf[0] == '#')
			continue;
		if (sscanf(buf, "stream %u %3202s %u %u %u", &w, hex, &c, &a, &b) == 5) {
			if (nstreams == SOFT_MAX_STREAMS)
				return fail(line, "too many streams (16 at most)");
			s = &streams[nstreams];
			if (w == 0 || w > SOFT_SCHED_MAX)
				return fail(line, "weight must be a whole number 1..1024");
			if (parse_hex(hex, s))
				return fail(line, "frame: want an even number of hex digits, 42..1600 bytes");
			if (c == 0 || c > SOFT_HDR_WORDS * 8 || (c + 7) / 8 * 8 > s->cfg.frame_len)
				return fail(line, "header length must be 1..96 and fit the frame (rounded up to 8)");
			if (a && a + 20 > s->cfg.frame_len)
				return fail(line, "IPv4 header offset past the frame");
			if (b && b + SOFT_SIG_LEN > s->cfg.frame_len)
				return fail(line, "no room for the 16-byte signature at its offset (frame too short)");
			memcpy(s->cfg.hdr, s->frame, (c + 7) / 8 * 8);
			s->cfg.hdr_len = (__u16)c;
			s->weight = w;
			s->cfg.ipv4_off = (__u16)a;
			s->cfg.sig_off = (__u16)b;
			nstreams++;
		} else if (sscanf(buf, "var %u %u %15s %u %u %u", &a, &b, op, &c, &d, &e) == 6) {
			struct soft_var *v;

			if (!nstreams)
				return fail(line, "var before any stream");
			s = &streams[nstreams - 1];
			if (s->cfg.nvars == SOFT_MAX_VARS)
				return fail(line, "too many vars for this stream (8 at most)");
			if (b != 1 && b != 2 && b != 4)
				return fail(line, "var size must be 1, 2 or 4");
			if (a + b > s->cfg.frame_len)
				return fail(line, "var past the end of the frame");
			if (c > d)
				return fail(line, "var min > max");
			v = &s->cfg.vars[s->cfg.nvars++];
			v->offset = (__u16)a;
			v->size = (__u8)b;
			v->min = c;
			v->max = d;
			v->step = e ? e : 1;
			if (!strcmp(op, "inc"))
				v->op = SOFT_VAR_INC;
			else if (!strcmp(op, "dec"))
				v->op = SOFT_VAR_DEC;
			else if (!strcmp(op, "random"))
				v->op = SOFT_VAR_RANDOM;
			else
				return fail(line, "var op must be inc, dec or random");
		} else {
			return fail(line, "want 'stream WEIGHT HEX HDR_LEN IPV4_OFF SIG_OFF' or 'var OFF SIZE OP MIN MAX STEP'");
		}
	}
	if (!nstreams)
		return fail(line, "no streams");
	return 0;
}

/* Smooth weighted round robin: weights 7:4:1 interleave rather than come in runs. */
static int build_schedule(__u16 *sched, __u32 *len)
{
	long long cur[SOFT_MAX_STREAMS] = { 0 };
	unsigned int total = 0, i, k;

	for (i = 0; i < nstreams; i++)
		total += streams[i].weight;
	if (total > SOFT_SCHED_MAX)
		return -1;
	for (k = 0; k < total; k++) {
		unsigned int best = 0;

		for (i = 0; i < nstreams; i++) {
			cur[i] += streams[i].weight;
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		sched[k] = (__u16)best;
	}
	*len = total;
	return 0;
}

struct watch {
	struct gen_bpf *skel;
	__u64 duration_ns;
	__u64 deadline_ns; /* hard limit: duration + set-up grace */
};

/* Ends the long BPF_PROG_RUN call: the kernel loop stops with EINTR on a pending signal. */
static void *watch(void *arg)
{
	struct watch *w = arg;

	while (!finished) {
		__u64 t0 = w->skel->bss->pace.t0_ns;

		/* Duration counts from the first frame; the set-up gets a bounded grace of 5 s. */
		if (stop || w->skel->bss->done || (t0 && now_ns() >= t0 + w->duration_ns) || now_ns() >= w->deadline_ns)
			pthread_kill(main_thread, SIGUSR1);
		usleep(1000);
	}
	return NULL;
}

struct gen_args {
	const char *ifname;
	long long duration_ms, count, burst, ibg_us, cpu;
	double pps;
};

/* Every run is bounded in time; the count bound is optional. Returns 0, or 2 after the usage line. */
static int parse_args(int argc, char **argv, struct gen_args *g)
{
	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--if"))
			g->ifname = argv[a + 1];
		else if (!strcmp(argv[a], "--duration-ms"))
			g->duration_ms = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--pps"))
			g->pps = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "--count"))
			g->count = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--burst"))
			g->burst = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--ibg-us"))
			g->ibg_us = atoll(argv[a + 1]);
		else if (!strcmp(argv[a], "--cpu"))
			g->cpu = atoll(argv[a + 1]);
		else
			goto usage;
	}
	if (!g->ifname || argc % 2 == 0 || g->duration_ms <= 0 || g->duration_ms > 600000 || g->pps < 0 || g->pps > 1e9 || g->count < 0 ||
	    g->burst < 0 || g->ibg_us < 0 || (g->burst && !g->pps))
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: dplab-gen --if IF --duration-ms MS (1..600000) [--pps R] [--count N] [--burst N --ibg-us U (needs --pps)] [--cpu C] < streams\n");
	return 2;
}

/* Streams, schedule and pacing into the loaded program. */
static int configure(struct gen_bpf *skel, const struct gen_args *g, unsigned int longest)
{
	unsigned int i;

	if (build_schedule(skel->bss->sched, &skel->bss->sched_len)) {
		fprintf(stderr, "dplab-gen: streams: the weights add up to more than %d\n", SOFT_SCHED_MAX);
		return -1;
	}
	for (i = 0; i < nstreams; i++) {
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.streams), &i, &streams[i].cfg, BPF_ANY)) {
			fprintf(stderr, "dplab-gen: streams map: %s\n", strerror(errno));
			return -1;
		}
	}
	skel->bss->max_frame_len = streams[longest].cfg.frame_len;
	skel->bss->pace.limit = (__u64)g->count;
	if (g->pps) {
		skel->bss->pace.interval_ps = (__u64)(1e12 / g->pps);
		if (!skel->bss->pace.interval_ps)
			skel->bss->pace.interval_ps = 1;
		skel->bss->pace.burst = (__u64)g->burst;
		skel->bss->pace.period_ps = (__u64)g->burst * skel->bss->pace.interval_ps + (__u64)g->ibg_us * 1000000ull;
		/* Catch up at most 4 kernel batches: what an empty veth ring (256 frames) absorbs. */
		skel->bss->pace.max_catchup_ns = 4 * BATCH * skel->bss->pace.interval_ps / 1000;
	}
	skel->bss->pace.t0_ns = 0; /* set by the program at the first frame */
	return 0;
}

/* Pins only the calling thread (the watcher, created before, stays free to run elsewhere). */
static void pin(long long cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "dplab-gen: --cpu %lld: %s (running unpinned)\n", cpu, strerror(errno));
}

/* BPF_PROG_RUN in live-frames mode until the duration, the count or a signal ends the run. */
static int send_frames(struct gen_bpf *skel, const struct gen_args *g, int ifindex, unsigned int longest, const struct watch *w)
{
	int prog_fd = bpf_program__fd(skel->progs.soft_gen);

	for (;;) {
		struct xdp_md ctx_in = { .data_end = streams[longest].cfg.frame_len, .ingress_ifindex = (__u32)ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = streams[longest].frame, .data_size_in = streams[longest].cfg.frame_len,
			    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = 1u << 30, .batch_size = BATCH,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(prog_fd, &opts) && errno != EINTR) {
			fprintf(stderr, "dplab-gen: BPF_PROG_RUN (live frames) on %s: %s\n", g->ifname, strerror(errno));
			return -1;
		}
		if (stop || skel->bss->done || now_ns() >= w->deadline_ns ||
		    (skel->bss->pace.t0_ns && now_ns() >= skel->bss->pace.t0_ns + w->duration_ns))
			return 0;
	}
}

/* The one JSON line the harness reads: exactly what was handed to the interface. */
static void report(const struct gen_bpf *skel, double pps)
{
	unsigned long long tx = 0;
	unsigned int i;
	double seconds;

	for (i = 0; i < nstreams; i++)
		tx += skel->bss->seq[i];
	/* From the first frame to the latest, plus the one interval the latest frame stands for. */
	seconds = tx > 1 ? (double)(skel->bss->last_ns - skel->bss->first_ns) / 1e9 * (double)tx / (double)(tx - 1) : 0;
	printf("{\"sent\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"requestedPps\":%.0f,\"maxLagUs\":%.1f,\"skippedUs\":%.1f,\"aborted\":%llu,\"interrupted\":%s,\"streams\":[",
	       tx, seconds, seconds > 0 ? (double)tx / seconds : 0, pps, (double)skel->bss->max_lag_ns / 1e3, (double)skel->bss->skew_ns / 1e3, (unsigned long long)skel->bss->aborted,
	       stop ? "true" : "false");
	for (i = 0; i < nstreams; i++)
		printf("%s{\"index\":%u,\"sent\":%llu}", i ? "," : "", i, (unsigned long long)skel->bss->seq[i]);
	printf("]}\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	struct gen_args g = { .cpu = -1 };
	unsigned int i, longest = 0;
	struct gen_bpf *skel = NULL;
	struct watch w = { 0 };
	pthread_t watcher;
	int ifindex, err = 1, watching = 0;

	if (parse_args(argc, argv, &g))
		return 2;
	ifindex = (int)if_nametoindex(g.ifname);
	if (!ifindex) {
		fprintf(stderr, "dplab-gen: --if %s: %s\n", g.ifname, strerror(errno));
		return 2;
	}
	if (read_streams(stdin))
		return 2;
	for (i = 1; i < nstreams; i++)
		if (streams[i].cfg.frame_len > streams[longest].cfg.frame_len)
			longest = i;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	skel = gen_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "dplab-gen: load: %s (needs BPF and BTF)\n", strerror(errno));
		goto out;
	}
	if (configure(skel, &g, longest))
		goto out;
	main_thread = pthread_self();
	w.skel = skel;
	w.duration_ns = (__u64)g.duration_ms * 1000000ull;
	w.deadline_ns = now_ns() + w.duration_ns + 5000000000ull;
	if (pthread_create(&watcher, NULL, watch, &w)) {
		fprintf(stderr, "dplab-gen: thread: %s\n", strerror(errno));
		goto out;
	}
	watching = 1;
	pin(g.cpu);
	if (send_frames(skel, &g, ifindex, longest, &w))
		goto out;
	finished = 1;
	pthread_join(watcher, NULL);
	watching = 0;
	report(skel, g.pps);
	err = 0;
out:
	if (watching) {
		finished = 1;
		pthread_join(watcher, NULL);
	}
	gen_bpf__destroy(skel);
	return err;
}
