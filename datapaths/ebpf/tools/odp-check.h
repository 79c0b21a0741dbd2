/* SPDX-License-Identifier: MIT */
/*
 * The round trip of the agent's ODP text, shared by dplab-ebpf-odp-roundtrip and the fuzzer:
 * a flow parsed, kept as the datapath keeps it (odp_flow_normalize), printed as flow-dump prints
 * it; the printed text must parse back to the same key, mask and actions and print the same again.
 */
#ifndef DPLAB_ODP_CHECK_H
#define DPLAB_ODP_CHECK_H

#include <stddef.h>

/* Enough for the longest flow the printer writes (a masked IPv6/ND key and 8 set(ipv6) actions). */
#define ODP_TEXT_MAX 4096

/*
 * Writes print(parse(text)) into out. Returns 0; 1 when the text does not parse (the reason in
 * why); -1 when the round trip breaks (what broke in why): a bug of the parser or the printer.
 */
int odp_round_trip(const char *text, char *out, size_t size, char *why, size_t whylen);

#endif
