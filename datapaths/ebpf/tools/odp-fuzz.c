// SPDX-License-Identifier: MIT
/*
 * libFuzzer target of the agent's ODP parser and printer (make fuzz-odp): any input either is
 * refused with a reason or makes the round trip of odp-check.c, which aborts when it breaks.
 * The input's bytes, taken as a key, a mask and actions, also go through the printer as they are,
 * as the agent prints what the datapath holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odp-check.h"
#include "../agent/odp-key.h"

static void print_raw(const uint8_t *data, size_t size)
{
	static char out[ODP_TEXT_MAX];
	struct {
		struct dp_flow_key key, mask;
		struct dp_flow flow;
	} raw;

	memset(&raw, 0, sizeof(raw));
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	odp_format_key(&raw.key, out, sizeof(out));
	odp_format_masked_key(&raw.key, &raw.mask, out, sizeof(out));
	odp_format_actions(&raw.flow, raw.key.nw_proto, out, sizeof(out));
	odp_format_actions(&raw.flow, raw.key.nw_proto, out, 7); /* cut short */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[ODP_TEXT_MAX];
	char why[512], *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (odp_round_trip(text, out, sizeof(out), why, sizeof(why)) < 0) {
		fprintf(stderr, "odp round trip broken: %s\n  input:   %s\n  printed: %s\n", why, text, out);
		abort();
	}
	free(text);
	print_raw(data, size);
	return 0;
}
