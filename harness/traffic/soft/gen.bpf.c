// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The soft generator's per-frame work, run by BPF_PROG_RUN in live-frames mode
 * (BPF_F_TEST_XDP_LIVE_FRAMES) in one long call per trial: pick the stream by the weighted
 * schedule, write its headers and length, apply its field-engine variables, fix the IPv4
 * header checksum, stamp the signature, and XDP_TX the frame out of the interface it runs on.
 *
 * Why one long call paced here rather than many short calls paced by the loader: each call
 * creates and destroys a page pool, and the destroy waits for an RCU grace period (~25 ms
 * on this VM), so short calls cannot reach even 10 kpps. A frame that is not due yet is
 * dropped back into the pool (XDP_DROP costs a few ns) and the loop tries again.
 * The kernel recycles each page with our previous edits in it, so every field we own is
 * rewritten every time.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "soft.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOFT_MAX_STREAMS);
	__type(key, __u32);
	__type(value, struct soft_stream);
} streams SEC(".maps");

/* Set by the loader before the run; one generator thread runs the program. */
struct soft_pace pace;
__u16 sched[SOFT_SCHED_MAX]; /* stream of frame k is sched[k % sched_len] */
__u32 sched_len;
__u32 max_frame_len;

/* Read by the loader after the run. */
__u64 sent;                       /* frames returned as XDP_TX */
__u64 seq[SOFT_MAX_STREAMS];      /* frames sent per stream */
__u64 max_lag_ns;                 /* how late the latest-sent frame was against its schedule */
__u64 skew_ns;                    /* schedule time given up after stalls (see due_ns) */
__u64 aborted;                    /* frames a stream did not fit (the loader checks; this proves it) */
__u32 done;                       /* the count limit was reached */
__u64 first_ns, last_ns;          /* when the first and the latest frame were built */

#define MAX_OFF 1600

static __always_inline __u32 var_value(const struct soft_var *v, __u64 n)
{
	__u32 range = v->max - v->min + 1;

	if (v->op == SOFT_VAR_RANDOM)
		return range ? v->min + bpf_get_prandom_u32() % range : bpf_get_prandom_u32();
	if (!range) /* the full 32-bit range */
		return v->op == SOFT_VAR_INC ? v->min + (__u32)(n * v->step) : v->max - (__u32)(n * v->step);
	n = (n * v->step) % range;
	return v->op == SOFT_VAR_INC ? v->min + (__u32)n : v->max - (__u32)n;
}

static __always_inline int write_var(void *data, void *end, const struct soft_var *v, __u32 val)
{
	__u32 off = v->offset;
	__u8 *p;

	if (off > MAX_OFF)
		return -1;
	p = (__u8 *)data + off;
	switch (v->size) {
	case 1:
		if (p + 1 > (__u8 *)end)
			return -1;
		p[0] = (__u8)val;
		return 0;
	case 2:
		if (p + 2 > (__u8 *)end)
			return -1;
		p[0] = (__u8)(val >> 8);
		p[1] = (__u8)val;
		return 0;
	case 4:
		if (p + 4 > (__u8 *)end)
			return -1;
		p[0] = (__u8)(val >> 24);
		p[1] = (__u8)(val >> 16);
		p[2] = (__u8)(val >> 8);
		p[3] = (__u8)val;
		return 0;
	}
	return -1;
}

/* Full recompute over a 20-byte header (options are not varied by the field engine). */
static __always_inline int fix_ipv4_csum(void *data, void *end, __u32 off)
{
	__u16 *h;
	__u32 sum = 0;
	int i;

	if (off > MAX_OFF)
		return -1;
	h = (__u16 *)((__u8 *)data + off);
	if ((void *)(h + 10) > end)
		return -1;
	h[5] = 0;
#pragma unroll
	for (i = 0; i < 10; i++)
		sum += h[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	h[5] = (__u16)~sum;
	return 0;
}

/*
 * When the generator stalls (preempted, an interrupt storm), catching up would send the
 * missed frames back to back: a burst the DUT's ring never sees at the rate asked, and loss
 * that is the generator's doing. So lateness beyond max_catchup_ns moves the schedule
 * instead (skew_ns); the run then falls short of the rate, which the loader reports.
 */
static __always_inline __u64 due_ns(__u64 k)
{
	if (pace.burst)
		return pace.t0_ns + skew_ns + ((k / pace.burst) * pace.period_ps + (k % pace.burst) * pace.interval_ps) / 1000;
	return pace.t0_ns + skew_ns + k * pace.interval_ps / 1000;
}

SEC("xdp")
int soft_gen(struct xdp_md *ctx)
{
	void *data, *end;
	struct soft_stream *st;
	struct soft_sig *sig;
	__u64 k = sent, n, now = 0, s;
	__u32 key, i, len;

	if (pace.limit && k >= pace.limit) {
		done = 1;
		return XDP_DROP;
	}
	/* The schedule starts with the first frame, not when the loader asked: setting up the
	 * live-frames run (page pool, pages) takes milliseconds that are nobody's traffic. */
	if (!pace.t0_ns)
		pace.t0_ns = bpf_ktime_get_ns();
	if (pace.interval_ps) {
		__u64 due = due_ns(k);

		now = bpf_ktime_get_ns();
		if (now < due)
			return XDP_DROP; /* not due yet: back to the pool, try again */
		if (now - due > max_lag_ns)
			max_lag_ns = now - due;
		if (pace.max_catchup_ns && now - due > pace.max_catchup_ns)
			skew_ns += now - due;
	}
	i = sched_len ? (__u32)(k % sched_len) : 0;
	/* Bounded by a mask as it is loaded, not by a compare: clang keeps s on the stack across the
	 * helper calls below, and 6.1's verifier did not carry a compare's bound to that stack copy
	 * ("R2 max value is outside of the allowed memory range" at seq[s]; found running the
	 * benchmarks inside that kernel). The loader writes only stream indexes below the count. */
	_Static_assert((SOFT_MAX_STREAMS & (SOFT_MAX_STREAMS - 1)) == 0, "SOFT_MAX_STREAMS: a power of two");
	s = sched[i & (SOFT_SCHED_MAX - 1)] & (SOFT_MAX_STREAMS - 1);
	key = (__u32)s; /* s stays in a register: a 32-bit stack reload would lose its bound */
	st = bpf_map_lookup_elem(&streams, &key);
	if (!st)
		goto abort;
	len = st->frame_len;
	if (len < max_frame_len && bpf_xdp_adjust_tail(ctx, (int)len - (int)max_frame_len))
		goto abort;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
#pragma unroll
	for (i = 0; i < SOFT_HDR_WORDS; i++) {
		__u64 *w = (__u64 *)data + i;

		if (i * 8 >= st->hdr_len)
			break;
		if ((void *)(w + 1) > end)
			goto abort;
		*w = st->hdr[i];
	}
	n = seq[s];
	for (i = 0; i < SOFT_MAX_VARS; i++) {
		if (i >= st->nvars)
			break;
		if (write_var(data, end, &st->vars[i], var_value(&st->vars[i], n)))
			goto abort;
	}
	if (st->ipv4_off && fix_ipv4_csum(data, end, st->ipv4_off))
		goto abort;
	if (st->sig_off) {
		if (st->sig_off > MAX_OFF)
			goto abort;
		sig = (struct soft_sig *)((__u8 *)data + st->sig_off);
		if ((void *)(sig + 1) > end)
			goto abort;
		sig->magic = bpf_htons(SOFT_SIG_MAGIC);
		sig->stream = bpf_htons((__u16)s);
		sig->seq = bpf_htonl((__u32)n);
		sig->ts_ns = now ? now : bpf_ktime_get_ns();
		now = sig->ts_ns;
	}
	if (!now)
		now = bpf_ktime_get_ns();
	if (!first_ns)
		first_ns = now;
	last_ns = now;
	seq[s] = n + 1;
	sent = k + 1;
	return XDP_TX;
abort:
	aborted++;
	sent = k + 1; /* keep the schedule moving; the loader reports aborted frames */
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
