// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include "odp-check.h"
#include "../agent/odp-fields.h"
#include "../agent/odp-key.h"
#include "../agent/odp-parse.h"

struct flow {
	struct dp_flow_key key, mask;
	struct dp_flow actions;
};

static int parse(const char *text, struct flow *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if (odp_parse_flow(text, &f->key, &f->mask, &f->actions, err, errlen))
		return -1;
	odp_flow_normalize(&f->key, &f->mask, &f->actions);
	return 0;
}

/* As flow-dump writes a flow, without its statistics; -1 if it did not fit. */
static int print(const struct flow *f, char *out, size_t size)
{
	size_t n = odp_format_masked_key(&f->key, &f->mask, out, size);

	if (n + 10 >= size)
		return -1;
	memcpy(out + n, " actions:", 10);
	n += 9;
	n += odp_format_actions(&f->actions, f->key.nw_proto, out + n, size - n);
	return n + 1 >= size ? -1 : 0;
}

static const char *difference(const struct flow *a, const struct flow *b)
{
	if (memcmp(&a->key, &b->key, sizeof(a->key)))
		return "key";
	if (memcmp(&a->mask, &b->mask, sizeof(a->mask)))
		return "mask";
	if (memcmp(&a->actions, &b->actions, sizeof(a->actions)))
		return "actions";
	return NULL;
}

int odp_round_trip(const char *text, char *out, size_t size, char *why, size_t whylen)
{
	static struct flow first, again;
	static char twice[ODP_TEXT_MAX];
	char err[256];
	const char *diff;

	if (size)
		out[0] = 0;
	if (parse(text, &first, why, whylen))
		return 1;
	if (print(&first, out, size))
		return snprintf(why, whylen, "printed flow longer than %zu bytes", size), -1;
	if (parse(out, &again, err, sizeof(err)))
		return snprintf(why, whylen, "the printed flow does not parse: %s", err), -1;
	if ((diff = difference(&first, &again)))
		return snprintf(why, whylen, "the printed flow parses to another %s", diff), -1;
	if (print(&again, twice, sizeof(twice)) || strcmp(out, twice))
		return snprintf(why, whylen, "printed again differently: %s", twice), -1;
	return 0;
}
