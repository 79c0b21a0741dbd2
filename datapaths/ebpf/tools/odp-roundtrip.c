// SPDX-License-Identifier: MIT
/*
 * dplab-ebpf-odp-roundtrip: reads flows in ODP syntax (`KEY actions:ACTIONS`), one a line, and
 * writes each as the agent's flow-dump shows it after a flow-put: parsed, its key under its mask,
 * printed. A line that does not parse is written `error: REASON`.
 *
 *   dplab-ebpf-odp-roundtrip [--exact] < flows.txt
 *
 * Exit 1 (the line named on stderr) when a printed flow does not parse back to the same key,
 * mask and actions or prints differently the second time, and with --exact also when a printed
 * flow differs from its input or an input does not parse.
 */
#include <stdio.h>
#include <string.h>
#include "odp-check.h"

int main(int argc, char **argv)
{
	static char line[16384], out[ODP_TEXT_MAX];
	int exact = argc > 1 && !strcmp(argv[1], "--exact"), lineno = 0, failed = 0;
	char why[512];

	if (argc > 2 || (argc == 2 && !exact)) {
		fprintf(stderr, "usage: dplab-ebpf-odp-roundtrip [--exact] < flows\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		int r;

		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		r = odp_round_trip(line, out, sizeof(out), why, sizeof(why));
		if (r > 0)
			printf("error: %s\n", why);
		else
			printf("%s\n", out);
		if (r < 0 || (exact && (r > 0 || strcmp(line, out)))) {
			fprintf(stderr, "line %d: %s\n  in:  %s\n  out: %s\n", lineno, r < 0 ? why : r > 0 ? "does not parse" : "printed differently",
				line, r > 0 ? why : out);
			failed = 1;
		}
	}
	return failed;
}
