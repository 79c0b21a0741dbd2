/* SPDX-License-Identifier: MIT */
/*
 * Formats flow keys (optionally with a megaflow mask) and datapath actions in ODP syntax
 * (lib/odp-util.c), e.g.
 *   in_port(1),eth(src=0a:dd:00:00:00:01/00:00:00:00:00:00,dst=...),eth_type(0x0800),ipv4(...),udp(src=1000/0,dst=80)
 * by the field table of odp-fields.h (odp-format.c). A field is printed `value/mask` unless its
 * mask is full; with no mask the key is exact. An attribute appears when the key meets its
 * prerequisites exactly (L3 ones when the ethertype is matched, L4 ones when the protocol is),
 * always with all its fields. Userspace only (agent and tests).
 */
#ifndef DPLAB_ODP_KEY_H
#define DPLAB_ODP_KEY_H

#include <stddef.h>
#include <linux/types.h>
#include "../bpf/datapath.h"

/* Writes the key (mask NULL: exact); returns the length written. */
size_t odp_format_masked_key(const struct dp_flow_key *k, const struct dp_flow_key *mask, char *out, size_t size);
size_t odp_format_key(const struct dp_flow_key *k, char *out, size_t size);

/* Datapath actions, comma-separated; no actions is `drop`. `nw_proto` of the flow's key names
 * the L4 header of set(tcp/udp(...)). */
size_t odp_format_actions(const struct dp_flow *f, __u8 nw_proto, char *out, size_t size);

#endif
