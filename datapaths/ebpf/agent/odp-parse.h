/* SPDX-License-Identifier: MIT */
/*
 * Parses datapath flows in ODP syntax into a key, a mask and datapath actions, for
 * datapath-level programming (`flow-put`, as `ovs-dpctl add-flow`):
 *   in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02/ff:ff:ff:00:00:00),eth_type(0x0800),
 *   ipv4(src=10.0.0.1,proto=17,frag=no),udp(dst=53) actions:set(udp(dst=5353)),2
 * A field left out is wildcarded; `value` alone is exact; `value/mask` is masked. Attributes
 * inside encap() belong to the packet behind the tag(s). The fields are those of the table in
 * odp-fields.c, which the printer (odp-key.h) shares: what parses prints, and prints back the same.
 * Keys the kernel's flow validation would refuse are refused, with the reason: an L3 attribute
 * without its eth_type, an L4 one without its protocol (or in a later fragment), fields matched
 * under a prerequisite that is itself masked, a tagged eth_type without vlan() and encap().
 */
#ifndef DPLAB_ODP_PARSE_H
#define DPLAB_ODP_PARSE_H

#include <stddef.h>
#include <linux/types.h>
#include "../bpf/datapath.h"

/* Returns 0, or -1 with a one-line reason (quoting at most 24 characters of the offending text) in err. */
int odp_parse_flow(const char *text, struct dp_flow_key *key, struct dp_flow_key *mask, struct dp_flow *actions, char *err, size_t errlen);

#endif
