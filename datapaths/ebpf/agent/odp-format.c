// SPDX-License-Identifier: MIT
/*
 * Prints flow keys and actions in ODP syntax (odp-key.h) by the field table of odp-fields.c, so
 * that what the printer writes the parser (odp-parse.c) reads back to the same flow.
 */
#include <string.h>
#include "odp-fields.h"
#include "odp-key.h"

/* NAME(every field) of a table attribute. */
static void put_attr(struct odp_buf *b, const struct odp_attr *a, const void *k, const void *m)
{
	unsigned int i;

	odp_sep(b);
	odp_put(b, "%s(", a->name);
	for (i = 0; i < a->n_fields; i++) {
		if (i)
			odp_put(b, ",");
		odp_field_format(b, &a->fields[i], k, m);
	}
	odp_put(b, ")");
}

/*
 * The VLAN tags, outer first, each as eth_type(TPID),vlan(...),encap( with what follows inside;
 * returns how many encap( are open. A tag announced but cut short (CFI clear) is printed as OVS
 * does and ends the key: *cut is set.
 */
static int put_tags(struct odp_buf *b, const struct dp_flow_key *k, const struct dp_flow_key *m, int *cut)
{
	int i;

	*cut = 0;
	for (i = 0; i < k->n_vlans && i < DP_MAX_VLANS; i++) {
		__u16 tci = k->vlan[i].tci, tm = m->vlan[i].tci;

		odp_sep(b);
		odp_put(b, "eth_type(0x%04x),", k->vlan[i].tpid);
		if (!(tci & DP_VLAN_CFI))
			odp_put(b, "vlan(vid=0,pcp=0,cfi=0)");
		else if (tm == 0xffff)
			odp_put(b, "vlan(vid=%u,pcp=%u)", tci & 0xfff, tci >> 13);
		else
			odp_put(b, "vlan(vid=%u/0x%x,pcp=%u/0x%x)", tci & 0xfff, tm & 0xfff, tci >> 13, tm >> 13);
		odp_put(b, ",encap(");
		b->first = 1;
		if (!(tci & DP_VLAN_CFI)) {
			*cut = 1;
			return i + 1;
		}
	}
	return i;
}

size_t odp_format_masked_key(const struct dp_flow_key *k, const struct dp_flow_key *mask, char *out, size_t size)
{
	struct dp_flow_key exact;
	const struct dp_flow_key *m = mask;
	struct odp_buf b = { out, size, 1 };
	unsigned int i;
	int open = 0, cut = 0;

	if (!m) {
		memset(&exact, 0xff, sizeof(exact));
		m = &exact;
	}
	if (size)
		out[0] = 0;
	for (i = 0; i < odp_n_attrs && !cut; i++) {
		const struct odp_attr *a = &odp_attrs[i];

		if (a->kind == ODP_ETH_TYPE) {
			open = put_tags(&b, k, m, &cut);
			/* OVS and the kernel module leave the ethertype out of an 802.2 frame's key; a
			 * megaflow that matches its absence prints the mask, as eth_type(0/0xffff). */
			if (!cut && (k->eth_type != DP_ETH_P_802_2 || (mask && m->eth_type)))
				put_attr(&b, a, k, m);
		} else if (a->kind == ODP_ATTR && !odp_needs_unmet(a, k, m, 1)) {
			put_attr(&b, a, k, m);
		}
	}
	while (open--)
		odp_put(&b, ")");
	return (size_t)(b.p - out);
}

size_t odp_format_key(const struct dp_flow_key *k, char *out, size_t size)
{
	return odp_format_masked_key(k, NULL, out, size);
}

/* set(NAME(...)) with the fields the action writes (mask not zero). */
static void put_set(struct odp_buf *b, const struct dp_action *a, __u8 nw_proto)
{
	const struct odp_set *s = odp_set_for(a->type, nw_proto);
	unsigned int i;

	if (!s) {
		odp_put(b, "action%u", a->type);
		return;
	}
	odp_put(b, "set(%s(", s->name);
	b->first = 1;
	for (i = 0; i < s->n_fields; i++) {
		if (!odp_nonzero((const __u8 *)a + s->fields[i].moff, s->fields[i].size))
			continue;
		odp_sep(b);
		odp_field_format(b, &s->fields[i], a, a);
	}
	b->first = 0;
	odp_put(b, "))");
}

size_t odp_format_actions(const struct dp_flow *f, __u8 nw_proto, char *out, size_t size)
{
	struct odp_buf b = { out, size, 1 };
	__u32 i;

	if (size)
		out[0] = 0;
	if (!f->n_actions)
		odp_put(&b, "drop");
	for (i = 0; i < f->n_actions && i < DP_MAX_ACTIONS; i++) {
		const struct dp_action *a = &f->actions[i];

		odp_sep(&b);
		switch (a->type) {
		case DP_ACT_OUTPUT:
			odp_put(&b, "%u", a->port);
			break;
		case DP_ACT_USERSPACE:
			odp_put(&b, "userspace(pid=%u%s)", a->port, odp_userspace_plain(a) ? "" : ",controller");
			break;
		case DP_ACT_PUSH_VLAN:
			odp_put(&b, "push_vlan(");
			if (a->u.vlan.tpid != DP_ETH_P_8021Q)
				odp_put(&b, "tpid=0x%04x,", a->u.vlan.tpid);
			odp_put(&b, "vid=%u,pcp=%u)", a->u.vlan.tci & 0xfff, a->u.vlan.tci >> 13);
			break;
		case DP_ACT_POP_VLAN:
			odp_put(&b, "pop_vlan");
			break;
		default:
			put_set(&b, a, nw_proto);
			break;
		}
	}
	return (size_t)(b.p - out);
}
