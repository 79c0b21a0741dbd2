/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Structs shared by the soft generator's BPF programs (gen.bpf.c, sink.bpf.c) and their
 * loaders (gen.c, sink.c).
 *
 * Every generated frame carries a 16-byte signature at the start of its UDP payload, so the
 * sink can count per stream and measure latency without knowing what the DUT did to the
 * headers in front of it (a pushed VLAN tag shifts it; the sink parses down to UDP).
 */
#ifndef DPLAB_SOFT_H
#define DPLAB_SOFT_H

#define SOFT_MAX_STREAMS 16
#define SOFT_MAX_VARS 8
#define SOFT_SIG_MAGIC 0xd91a
#define SOFT_SIG_LEN 16
/* Latency histogram: log2 buckets split into 2^SOFT_HIST_SUB linear sub-buckets (~6 % wide). */
#define SOFT_HIST_SUB 3
#define SOFT_HIST_BUCKETS (40 << SOFT_HIST_SUB)

enum soft_var_op {
	SOFT_VAR_INC = 0,
	SOFT_VAR_DEC = 1,
	SOFT_VAR_RANDOM = 2,
};

/* One field-engine variable: a big-endian field of 1, 2 or 4 bytes at a fixed frame offset. */
struct soft_var {
	__u16 offset;
	__u8 size;
	__u8 op;
	__u32 min;
	__u32 max;
	__u32 step;
};

/* Header bytes rewritten into every frame: up to Ethernet + 2 tags + IPv6 + UDP, rounded to 8. */
#define SOFT_HDR_WORDS 12
#define SOFT_SCHED_MAX 1024

struct soft_stream {
	__u64 hdr[SOFT_HDR_WORDS];
	__u16 hdr_len;   /* bytes of hdr to write (the rest of the frame is the shared payload) */
	__u16 frame_len; /* this stream's frame length; frames are built from the longest one */
	__u32 nvars;
	/* Offset of the IPv4 header whose checksum is recomputed after the variables (0 = none). */
	__u16 ipv4_off;
	/* Offset of the signature, i.e. of the UDP payload (0 = unsigned frames). */
	__u16 sig_off;
	struct soft_var vars[SOFT_MAX_VARS];
};

/*
 * Pacing, set by the loader before the run (CLOCK_MONOTONIC ns, as bpf_ktime_get_ns):
 * frame k is due at t0 + (k / burst) * period + (k % burst) * interval (burst 0: one
 * continuous burst). interval_ps 0 means as fast as possible. limit 0 means no count limit.
 */
struct soft_pace {
	__u64 t0_ns;
	/* Lateness beyond this is given up rather than caught up with a burst (0: catch up). */
	__u64 max_catchup_ns;
	__u64 interval_ps;
	__u64 burst;
	__u64 period_ps;
	__u64 limit;
};

/* What the signature looks like on the wire (network byte order except ts, which is ours). */
struct soft_sig {
	__be16 magic;
	__be16 stream;
	__be32 seq;
	__u64 ts_ns; /* bpf_ktime_get_ns() when the generator built the frame */
};

/* Per stream, per CPU, at the sink. */
struct soft_rx {
	__u64 packets;
	__u64 bytes;
	__u64 lat_sum_ns;
	__u64 lat_max_ns;
	__u64 hist[SOFT_HIST_BUCKETS];
};

#endif
