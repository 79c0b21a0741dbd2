// SPDX-License-Identifier: MIT
/*
 * The datapath's megaflow table as the agent manages it: the mask table (shared slots, reference
 * counted, the count the BPF lookup searches), installing, deleting and flushing flows, counting
 * them, expiring idle ones, and marking those the XDP front end can carry out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent.h"
#include "odp-parse.h"

/* How many mask slots the datapath searches (free slots in between are skipped). */
static void set_mask_count(struct agent *a, __u32 n)
{
	__u32 zero = 0;

	a->n_masks = n;
	bpf_map_update_elem(bpf_map__fd(a->skel->maps.mask_count), &zero, &n, BPF_ANY);
}

/* Finds or adds the mask; returns its index or -1 when the table is full. */
static int mask_slot(struct agent *a, const struct dp_flow_key *mask)
{
	int i, free_slot = -1;
	__u32 n = a->n_masks;

	for (i = 0; i < (int)n; i++) {
		if (a->mask_refs[i] && !memcmp(&a->masks[i], mask, sizeof(*mask)))
			return i;
		if (!a->mask_refs[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		if (n >= DP_MAX_MASKS)
			return -1;
		free_slot = (int)n;
	}
	{
		struct dp_mask m = { .mask = *mask, .in_use = 1 };
		__u32 key = (__u32)free_slot;

		if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.masks), &key, &m, BPF_ANY))
			return -1;
	}
	a->masks[free_slot] = *mask;
	if ((__u32)free_slot >= n)
		set_mask_count(a, (__u32)free_slot + 1);
	return free_slot;
}

static void mask_unref(struct agent *a, __u32 id)
{
	if (id >= DP_MAX_MASKS || --a->mask_refs[id] > 0)
		return;
	{
		struct dp_mask m = { 0 };

		bpf_map_update_elem(bpf_map__fd(a->skel->maps.masks), &id, &m, BPF_ANY);
	}
}

void flow_flush(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows);
	struct dp_flow_id next;
	int i;

	/* Always the first key, deleted: a key that cannot be deleted ends the walk. */
	while (!bpf_map_get_next_key(fd, NULL, &next))
		if (bpf_map_delete_elem(fd, &next))
			break;
	for (i = 0; i < DP_MAX_MASKS; i++) {
		struct dp_mask m = { 0 };
		__u32 k = (__u32)i;

		a->mask_refs[i] = 0;
		bpf_map_update_elem(bpf_map__fd(a->skel->maps.masks), &k, &m, BPF_ANY);
	}
	set_mask_count(a, 0);
}

/*
 * Whether the XDP front end can carry the flow out: one output, last; otherwise only VLAN
 * push/pop and Ethernet, IPv4 and (IPv4) L4 rewrites.
 */
static __u32 xdp_flags(const struct dp_flow_key *key, const struct dp_flow *f)
{
	__u32 i, outputs = 0, flags = DP_FLOW_XDP;

	if (!f->n_actions || f->actions[f->n_actions - 1].type != DP_ACT_OUTPUT)
		return 0;
	for (i = 0; i < f->n_actions; i++) {
		switch (f->actions[i].type) {
		case DP_ACT_OUTPUT:
			outputs++;
			break;
		case DP_ACT_PUSH_VLAN:
		case DP_ACT_POP_VLAN:
		case DP_ACT_SET_ETH:
			break;
		case DP_ACT_SET_IPV4:
		case DP_ACT_SET_L4:
			if (key->eth_type != DP_ETH_P_IPV4)
				return 0;
			flags |= DP_FLOW_XDP_IPV4;
			break;
		default:
			return 0;
		}
	}
	return outputs == 1 ? flags : 0;
}

int flow_install(struct agent *a, const struct dp_flow_key *key, const struct sp_result *r, int exclusive)
{
	struct dp_flow_id id = { 0 };
	struct dp_flow flow = r->flow;
	const __u8 *k = (const __u8 *)key, *m = (const __u8 *)&r->mask;
	__u8 *out = (__u8 *)&id.masked;
	int slot;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		out[i] = k[i] & m[i];
	slot = mask_slot(a, &r->mask);
	if (slot < 0)
		return -1;
	id.mask_id = (__u32)slot;
	flow.packets = flow.bytes = 0;
	flow.flags = xdp_flags(key, &flow);
	flow.used_ns = now_ns(); /* install time until the first hit; dumps show `never` */
	if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.flows), &id, &flow, BPF_NOEXIST)) {
		/* An upcall finding the flow there: another CPU's upcall installed it first. A flow-put
		 * of an existing flow is refused, as the kernel module's OVS_FLOW_CMD_NEW (EEXIST). */
		if (errno == EEXIST && !exclusive)
			return 0;
		return errno == EEXIST ? -2 : -1;
	}
	a->mask_refs[slot]++;
	return 0;
}

/* Deletes the flow whose masked key and mask are exactly those of the ODP text. */
int flow_delete(struct agent *a, const char *text, char *err, size_t errlen)
{
	struct dp_flow_key key, mask;
	struct dp_flow_id id = { 0 };
	struct dp_flow actions;
	char line[LINE_MAX_LEN + 16];
	const __u8 *k = (const __u8 *)&key, *m = (const __u8 *)&mask;
	__u8 *out = (__u8 *)&id.masked;
	size_t i;
	int slot;

	/* The flow parser wants actions; a deletion names none. */
	snprintf(line, sizeof(line), "%s actions:drop", text);
	if (odp_parse_flow(line, &key, &mask, &actions, err, errlen))
		return -1;
	for (slot = 0; slot < (int)a->n_masks; slot++)
		if (a->mask_refs[slot] && !memcmp(&a->masks[slot], &mask, sizeof(mask)))
			break;
	for (i = 0; i < sizeof(key); i++)
		out[i] = k[i] & m[i];
	id.mask_id = (__u32)slot;
	if (slot == (int)a->n_masks || bpf_map_delete_elem(bpf_map__fd(a->skel->maps.flows), &id)) {
		snprintf(err, errlen, "no flow with this key and mask");
		return -1;
	}
	mask_unref(a, id.mask_id);
	return 0;
}

int flow_count(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows), n = 0;
	struct dp_flow_id id, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		id = next;
		prev = &id;
		n++;
	}
	return n;
}

void expire_idle(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows);
	struct dp_flow_id id, next;
	struct dp_flow f;
	void *prev = NULL;
	__u64 now = now_ns();

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		id = next;
		if (!bpf_map_lookup_elem(fd, &id, &f) && now > f.used_ns && now - f.used_ns > a->idle_ns) {
			/* Deleting the current key would restart the walk; step past it first. */
			if (!bpf_map_delete_elem(fd, &id)) {
				mask_unref(a, id.mask_id);
				prev = NULL;
				continue;
			}
		}
		prev = &id;
	}
}

/*
 * OpenFlow rule timeouts: a rule goes hard_timeout seconds after it was added, or idle_timeout
 * seconds after the last hit of any megaflow made from it (a hit on the slow path counts: the
 * megaflow is installed then). The megaflows are all flushed when one goes, as ovs-vswitchd's
 * revalidation would remove those of the rule; the next packets miss and meet the table as it is.
 */
void expire_rules(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.flows), i, kept = 0, gone = 0;
	struct dp_flow_id id, next;
	struct dp_flow f;
	void *prev = NULL;
	__u64 now = now_ns();

	for (i = 0; i < a->pipeline.n_rules; i++)
		if (a->pipeline.rules[i].idle_s || a->pipeline.rules[i].hard_s)
			break;
	if (i == a->pipeline.n_rules)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		id = next;
		prev = &id;
		if (bpf_map_lookup_elem(fd, &id, &f) || !f.rule)
			continue;
		for (i = 0; i < a->pipeline.n_rules; i++)
			if (a->pipeline.rules[i].id == f.rule && f.used_ns > a->pipeline.rules[i].used_ns)
				a->pipeline.rules[i].used_ns = f.used_ns;
	}
	for (i = 0; i < a->pipeline.n_rules; i++) {
		const struct sp_rule *r = &a->pipeline.rules[i];
		__u64 idle = (__u64)r->idle_s * 1000000000ull, hard = (__u64)r->hard_s * 1000000000ull;

		/* A hit stamped after `now` was read is no expiry. */
		if ((hard && now > r->added_ns && now - r->added_ns >= hard) || (idle && now > r->used_ns && now - r->used_ns >= idle))
			gone++;
		else
			a->pipeline.rules[kept++] = *r;
	}
	a->pipeline.n_rules = kept;
	if (gone)
		flow_flush(a);
}
