/* SPDX-License-Identifier: MIT */
/*
 * Header walking and Ethernet rewrite shared by the TC and XDP programs. The includer defines
 * DP_LOAD(ctx, off, dst, len) and DP_STORE(ctx, off, src, len) for its context.
 */
#ifndef DPLAB_REWRITE_H
#define DPLAB_REWRITE_H

#include <linux/if_ether.h>
#include "datapath.h"

/* Offset of the L3 header and its ethertype, after the tags still in the frame data. */
static __always_inline int dp_l3_offset(void *ctx, __u16 *ethertype)
{
	__u32 off = 12;
	__u16 t = 0;
	int i;

	for (i = 0; i < 3; i++) {
		if (DP_LOAD(ctx, off, &t, 2))
			return -1;
		t = bpf_ntohs(t);
		if (t != ETH_P_8021Q && t != ETH_P_8021AD)
			break;
		off += 4;
	}
	*ethertype = t;
	return off + 2;
}

/* The bits of val selected by mask, the others from old: a masked set. */
static __always_inline __u8 dp_mix8(__u8 old, __u8 val, __u8 mask)
{
	return (old & ~mask) | (val & mask);
}

static __always_inline int dp_set_eth(void *ctx, const struct dp_action *a)
{
	__u8 h[12];
	int i;

	if (DP_LOAD(ctx, 0, h, 12))
		return -1;
	for (i = 0; i < 6; i++) {
		h[i] = dp_mix8(h[i], a->u.eth.dst[i], a->u.eth.dst_mask[i]);
		h[6 + i] = dp_mix8(h[6 + i], a->u.eth.src[i], a->u.eth.src_mask[i]);
	}
	return DP_STORE(ctx, 0, h, 12);
}

#endif
