// SPDX-License-Identifier: MIT
/*
 * Megaflow construction, after OVS: the mask of the installed flow is the union of
 *   - in_port (always exact),
 *   - the masks of every rule examined before the match, highest priority first, and of the
 *     matching rule (a packet agreeing on those bits takes the same decision), and
 *   - the fields the actions depended on: the ethertype and IP protocol of any L3/L4 rewrite,
 *     the TTL of dec_ttl, the VLAN tags when tags are rewritten, the fragment state for L4 sets.
 * Everything else stays wildcarded, so flows differing only in unexamined fields share one
 * megaflow.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slow-path.h"

static int unhex(const char *s, __u8 *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (__u8)v;
	}
	return s[2 * n] == ' ' || s[2 * n] == 0 || s[2 * n] == '\n' ? 0 : -1;
}

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)m[i];
	return 0;
}

static int parse_action(const char *a, struct of_action *act)
{
	static const struct {
		const char *name;
		enum of_action_type type;
		char arg; /* n: number, m: MAC, 4: IPv4, 6: IPv6, 0: none */
	} table[] = {
		{ "output", OF_OUTPUT, 'n' }, { "in_port", OF_IN_PORT, 0 }, { "flood", OF_FLOOD, 0 },
		{ "all", OF_ALL, 0 }, { "controller", OF_CONTROLLER, 0 }, { "push_vlan", OF_PUSH_VLAN, 'n' },
		{ "strip_vlan", OF_STRIP_VLAN, 0 }, { "mod_vlan_vid", OF_MOD_VLAN_VID, 'n' },
		{ "mod_vlan_pcp", OF_MOD_VLAN_PCP, 'n' }, { "set_vlan_vid", OF_SET_VLAN_VID, 'n' },
		{ "set_eth_src", OF_SET_ETH_SRC, 'm' }, { "set_eth_dst", OF_SET_ETH_DST, 'm' },
		{ "set_ip_src", OF_SET_IP_SRC, '4' }, { "set_ip_dst", OF_SET_IP_DST, '4' },
		{ "set_tos", OF_SET_TOS, 'n' }, { "set_ttl", OF_SET_TTL, 'n' }, { "dec_ttl", OF_DEC_TTL, 0 },
		{ "set_tp_src", OF_SET_TP_SRC, 'n' }, { "set_tp_dst", OF_SET_TP_DST, 'n' },
		{ "set_ipv6_src", OF_SET_IPV6_SRC, '6' }, { "set_ipv6_dst", OF_SET_IPV6_DST, '6' },
	};
	const char *colon = strchr(a, ':');
	size_t nlen = colon ? (size_t)(colon - a) : strlen(a);
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].name) != nlen || strncmp(a, table[i].name, nlen))
			continue;
		memset(act, 0, sizeof(*act));
		act->type = table[i].type;
		if (!table[i].arg)
			return colon ? -1 : 0;
		if (!colon)
			return -1;
		switch (table[i].arg) {
		case 'n':
			act->arg = (__u32)strtoul(colon + 1, NULL, 0);
			return 0;
		case 'm':
			return parse_mac(colon + 1, act->bytes);
		case '4':
			return inet_pton(AF_INET, colon + 1, act->bytes) == 1 ? 0 : -1;
		case '6':
			return inet_pton(AF_INET6, colon + 1, act->bytes) == 1 ? 0 : -1;
		}
	}
	return -1;
}

int sp_parse_rule(const char *line, struct sp_rule *rule, char *err, size_t errlen)
{
	const size_t klen = sizeof(struct dp_flow_key);
	const char *p = line;
	char *end, acts[1024], *tok, *save = NULL;

	memset(rule, 0, sizeof(*rule));
	rule->priority = (__u32)strtoul(p, &end, 10);
	if (end == p || *end != ' ')
		return snprintf(err, errlen, "rule: expected a priority"), -1;
	p = end + 1;
	if (strlen(p) < 2 * klen || unhex(p, (__u8 *)&rule->value, klen))
		return snprintf(err, errlen, "rule: bad key value (want %zu hex digits)", 2 * klen), -1;
	p += 2 * klen + 1;
	if (strlen(p) < 2 * klen || unhex(p, (__u8 *)&rule->mask, klen))
		return snprintf(err, errlen, "rule: bad key mask (want %zu hex digits)", 2 * klen), -1;
	p += 2 * klen;
	while (*p == ' ')
		p++;
	snprintf(acts, sizeof(acts), "%s", p);
	acts[strcspn(acts, " \r\n")] = 0;
	/* Then ` idle=S` and ` hard=S`, each optional. */
	for (p += strcspn(p, " \r\n"); *p == ' ';) {
		unsigned long v;

		p++;
		if (sscanf(p, "idle=%lu", &v) == 1)
			rule->idle_s = (__u32)v;
		else if (sscanf(p, "hard=%lu", &v) == 1)
			rule->hard_s = (__u32)v;
		else
			return snprintf(err, errlen, "rule: expected idle=S or hard=S after the actions, got '%.20s'", p), -1;
		p += strcspn(p, " \r\n");
	}
	for (tok = strtok_r(acts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "drop"))
			continue;
		if (rule->n_actions >= SP_MAX_OF_ACTIONS)
			return snprintf(err, errlen, "rule: more than %d actions", SP_MAX_OF_ACTIONS), -1;
		if (parse_action(tok, &rule->actions[rule->n_actions]))
			return snprintf(err, errlen, "rule: bad action '%s'", tok), -1;
		rule->n_actions++;
	}
	return 0;
}

static int by_priority(const void *a, const void *b)
{
	const struct sp_rule *x = a, *y = b;

	return x->priority < y->priority ? 1 : x->priority > y->priority ? -1 : 0;
}

void sp_sort(struct sp_pipeline *p)
{
	/* qsort is not stable: equal priorities keep their order through a merge on index. */
	int i, j;

	for (i = 1; i < p->n_rules; i++) {
		struct sp_rule tmp = p->rules[i];

		for (j = i - 1; j >= 0 && by_priority(&p->rules[j], &tmp) > 0; j--)
			p->rules[j + 1] = p->rules[j];
		p->rules[j + 1] = tmp;
	}
}

static int matches(const struct sp_rule *r, const struct dp_flow_key *k)
{
	const __u8 *kv = (const __u8 *)k, *v = (const __u8 *)&r->value, *m = (const __u8 *)&r->mask;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		if ((kv[i] & m[i]) != v[i])
			return 0;
	return 1;
}

static void or_mask(struct dp_flow_key *dst, const struct dp_flow_key *src)
{
	__u8 *d = (__u8 *)dst;
	const __u8 *s = (const __u8 *)src;
	size_t i;

	for (i = 0; i < sizeof(*dst); i++)
		d[i] |= s[i];
}

struct xlate {
	const struct sp_pipeline *p;
	const struct dp_flow_key *key;
	struct sp_result *out;
	/* VLAN stack as the datapath has it now, and as the actions want it (outermost first). */
	int cur_n, want_n;
	struct dp_vlan cur[DP_MAX_VLANS + 2], want[DP_MAX_VLANS + 2];
	__u8 ttl;
};

static struct dp_action *emit(struct xlate *x, __u32 type)
{
	struct dp_flow *f = &x->out->flow;

	if (f->n_actions >= DP_MAX_ACTIONS) {
		x->out->too_many_actions = 1;
		return NULL;
	}
	memset(&f->actions[f->n_actions], 0, sizeof(f->actions[0]));
	f->actions[f->n_actions].type = type;
	return &f->actions[f->n_actions++];
}

/* Makes the datapath's tags equal the wanted ones: pop outer tags, push the missing ones. */
static void commit_vlans(struct xlate *x)
{
	int pop, i;

	for (pop = 0; pop <= x->cur_n; pop++) {
		int keep = x->cur_n - pop;

		if (keep > x->want_n)
			continue;
		if (!memcmp(x->cur + pop, x->want + (x->want_n - keep), keep * sizeof(struct dp_vlan)))
			break;
	}
	for (i = 0; i < pop; i++)
		emit(x, DP_ACT_POP_VLAN);
	for (i = x->want_n - (x->cur_n - pop) - 1; i >= 0; i--) {
		struct dp_action *a = emit(x, DP_ACT_PUSH_VLAN);

		if (a)
			a->u.vlan = x->want[i];
	}
	memcpy(x->cur, x->want, sizeof(x->cur));
	x->cur_n = x->want_n;
}

static void output(struct xlate *x, __u32 port)
{
	struct dp_action *a;

	commit_vlans(x);
	a = emit(x, DP_ACT_OUTPUT);
	if (a)
		a->port = port;
}

static void need_l3(struct xlate *x)
{
	x->out->mask.eth_type = 0xffff;
}

static void need_l4(struct xlate *x)
{
	need_l3(x);
	x->out->mask.nw_proto = 0xff;
	x->out->mask.nw_frag = 0xff;
}

static void need_vlans(struct xlate *x)
{
	int i;

	x->out->mask.n_vlans = 0xff;
	for (i = 0; i < DP_MAX_VLANS; i++) {
		x->out->mask.vlan[i].tpid = 0xffff;
		x->out->mask.vlan[i].tci = 0xffff;
	}
}

static int is_ipv4(struct xlate *x)
{
	need_l3(x);
	return x->key->eth_type == DP_ETH_P_IPV4;
}

static int is_ipv6(struct xlate *x)
{
	need_l3(x);
	return x->key->eth_type == DP_ETH_P_IPV6;
}

static int l4_rewritable(struct xlate *x)
{
	need_l4(x);
	return (x->key->eth_type == DP_ETH_P_IPV4 || x->key->eth_type == DP_ETH_P_IPV6) &&
	       (x->key->nw_proto == 6 || x->key->nw_proto == 17) && x->key->nw_frag != DP_FRAG_LATER;
}

/* output, in_port, flood/all and controller: where copies of the packet go. */
static void xlate_output(struct xlate *x, const struct of_action *a)
{
	const struct dp_flow_key *k = x->key;
	int i;

	switch (a->type) {
	case OF_OUTPUT:
		/* OpenFlow: output to the ingress port needs the in_port action. */
		if (a->arg != k->in_port)
			output(x, a->arg);
		break;
	case OF_IN_PORT:
		output(x, k->in_port);
		break;
	case OF_FLOOD:
	case OF_ALL:
		for (i = 0; i < x->p->n_ports; i++)
			if (x->p->ports[i] != k->in_port)
				output(x, x->p->ports[i]);
		break;
	default: /* OF_CONTROLLER */
		commit_vlans(x);
		emit(x, DP_ACT_USERSPACE);
		break;
	}
}

/* push_vlan, strip_vlan, mod_vlan_*, set_field vlan_vid: the tags the packet should leave with. */
static void xlate_vlan(struct xlate *x, const struct of_action *a)
{
	need_vlans(x);
	if (a->type == OF_PUSH_VLAN) {
		if (x->want_n < DP_MAX_VLANS + 2) {
			/* The new tag copies VID and PCP from the current outer tag, if any. */
			struct dp_vlan t = { (__u16)a->arg, x->want_n ? x->want[0].tci : DP_VLAN_CFI };

			memmove(x->want + 1, x->want, x->want_n * sizeof(t));
			x->want[0] = t;
			x->want_n++;
		}
		return;
	}
	if (a->type == OF_STRIP_VLAN) {
		if (x->want_n) {
			memmove(x->want, x->want + 1, (x->want_n - 1) * sizeof(x->want[0]));
			x->want_n--;
		}
		return;
	}
	/* OpenFlow 1.0 mod_vlan_*: push a tag when there is none. */
	if (!x->want_n) {
		if (a->type == OF_SET_VLAN_VID)
			return; /* OpenFlow 1.2+ set_field on an untagged packet does nothing */
		x->want[0].tpid = DP_ETH_P_8021Q;
		x->want[0].tci = DP_VLAN_CFI;
		x->want_n = 1;
	}
	if (a->type == OF_MOD_VLAN_PCP)
		x->want[0].tci = (x->want[0].tci & 0x1fff) | (__u16)((a->arg & 7) << 13);
	else
		x->want[0].tci = (x->want[0].tci & 0xf000) | (__u16)(a->arg & 0xfff) | DP_VLAN_CFI;
}

/*
 * set_ttl, dec_ttl. A dec_ttl that finds TTL 1 sends the packet to the controller as an
 * invalid_ttl packet-in and stops the rule's actions there, those before it kept, as
 * ovs-vswitchd's compose_dec_ttl does: returns 1 then.
 */
static int xlate_ttl(struct xlate *x, const struct of_action *a)
{
	struct dp_action *d;

	if (!is_ipv4(x) && !is_ipv6(x))
		return 0;
	if (a->type == OF_DEC_TTL) {
		x->out->mask.nw_ttl = 0xff;
		if (x->ttl <= 1) {
			commit_vlans(x);
			if ((d = emit(x, DP_ACT_USERSPACE)))
				d->u.userspace.invalid_ttl = 1;
			return 1;
		}
		x->ttl--;
	} else {
		x->ttl = (__u8)a->arg;
	}
	if (x->key->eth_type == DP_ETH_P_IPV4) {
		if ((d = emit(x, DP_ACT_SET_IPV4))) {
			d->u.ipv4.ttl = x->ttl;
			d->u.ipv4.ttl_mask = 0xff;
		}
	} else if ((d = emit(x, DP_ACT_SET_IPV6))) {
		d->u.ipv6.hlimit = x->ttl;
		d->u.ipv6.hlimit_mask = 0xff;
	}
	return 0;
}

/* Sets a field to `len` bytes of `value` with an exact mask, into `src` or `dst` by `first`. */
static void set_exact(void *src, void *src_mask, void *dst, void *dst_mask, int first, const void *value, size_t len)
{
	memcpy(first ? src : dst, value, len);
	memset(first ? src_mask : dst_mask, 0xff, len);
}

/* mod_dl_*, mod_nw_*, mod_tp_*, set_field on IPv6 addresses: header rewrites. */
static void xlate_set(struct xlate *x, const struct of_action *a)
{
	struct dp_action *d;

	switch (a->type) {
	case OF_SET_ETH_SRC:
	case OF_SET_ETH_DST:
		if ((d = emit(x, DP_ACT_SET_ETH)))
			set_exact(d->u.eth.src, d->u.eth.src_mask, d->u.eth.dst, d->u.eth.dst_mask, a->type == OF_SET_ETH_SRC, a->bytes, 6);
		break;
	case OF_SET_IP_SRC:
	case OF_SET_IP_DST:
		if (!is_ipv4(x) || !(d = emit(x, DP_ACT_SET_IPV4)))
			break;
		need_l4(x); /* the L4 checksum fix-up depends on the protocol */
		set_exact(&d->u.ipv4.src, &d->u.ipv4.src_mask, &d->u.ipv4.dst, &d->u.ipv4.dst_mask, a->type == OF_SET_IP_SRC, a->bytes, 4);
		break;
	case OF_SET_TOS: /* DSCP only; ECN is kept. On IPv6, the traffic class's DSCP. */
		if (is_ipv6(x) && (d = emit(x, DP_ACT_SET_IPV6))) {
			d->u.ipv6.tclass = (__u8)(a->arg & 0xfc);
			d->u.ipv6.tclass_mask = 0xfc;
		}
		if (!is_ipv4(x) || !(d = emit(x, DP_ACT_SET_IPV4)))
			break;
		d->u.ipv4.tos = (__u8)(a->arg & 0xfc);
		d->u.ipv4.tos_mask = 0xfc;
		break;
	case OF_SET_TP_SRC:
	case OF_SET_TP_DST:
		if (!l4_rewritable(x) || !(d = emit(x, DP_ACT_SET_L4)))
			break;
		if (a->type == OF_SET_TP_SRC) {
			d->u.l4.src = (__u16)a->arg;
			d->u.l4.src_mask = 0xffff;
		} else {
			d->u.l4.dst = (__u16)a->arg;
			d->u.l4.dst_mask = 0xffff;
		}
		break;
	default: /* OF_SET_IPV6_SRC, OF_SET_IPV6_DST */
		if (!is_ipv6(x) || !(d = emit(x, DP_ACT_SET_IPV6)))
			break;
		need_l4(x);
		set_exact(d->u.ipv6.src, d->u.ipv6.src_mask, d->u.ipv6.dst, d->u.ipv6.dst_mask, a->type == OF_SET_IPV6_SRC, a->bytes, 16);
		break;
	}
}

/* Returns 0 to go on, 1 when the rule's actions stop here, -1 when the packet is dropped. */
static int xlate_action(struct xlate *x, const struct of_action *a)
{
	switch (a->type) {
	case OF_OUTPUT:
	case OF_IN_PORT:
	case OF_FLOOD:
	case OF_ALL:
	case OF_CONTROLLER:
		xlate_output(x, a);
		return 0;
	case OF_PUSH_VLAN:
	case OF_STRIP_VLAN:
	case OF_MOD_VLAN_VID:
	case OF_MOD_VLAN_PCP:
	case OF_SET_VLAN_VID:
		xlate_vlan(x, a);
		return 0;
	case OF_SET_TTL:
	case OF_DEC_TTL:
		return xlate_ttl(x, a);
	case OF_SET_ETH_SRC:
	case OF_SET_ETH_DST:
	case OF_SET_IP_SRC:
	case OF_SET_IP_DST:
	case OF_SET_TOS:
	case OF_SET_TP_SRC:
	case OF_SET_TP_DST:
	case OF_SET_IPV6_SRC:
	case OF_SET_IPV6_DST:
		xlate_set(x, a);
		return 0;
	}
	return 0;
}

void sp_translate(const struct sp_pipeline *p, const struct dp_flow_key *wire, struct sp_result *out)
{
	/* OVS's fragment handling `normal` (ovs-ofctl set-frags): the pipeline sees no L4 ports in a
	 * fragment, the first one's too (xlate_actions zeroes them). The megaflow keeps the key as
	 * the datapath extracted it, so a port the rules examined stays exact in it. */
	struct dp_flow_key frag = *wire;
	const struct dp_flow_key *key = wire->nw_frag ? &frag : wire;
	struct xlate x = { .p = p, .key = key, .out = out };
	const struct sp_rule *hit = NULL;
	int i;

	frag.tp_src = frag.tp_dst = 0;
	memset(out, 0, sizeof(*out));
	out->mask.in_port = 0xffffffff;
	for (i = 0; i < p->n_rules; i++) {
		or_mask(&out->mask, &p->rules[i].mask);
		if (matches(&p->rules[i], key)) {
			hit = &p->rules[i];
			break;
		}
	}
	/* Ports examined: the verdict depends on whether the packet is a fragment (whose ports read 0). */
	if (out->mask.tp_src || out->mask.tp_dst)
		out->mask.nw_frag = 0xff;
	if (!hit) {
		out->dropped = 1; /* table miss: drop (OpenFlow 1.3 default) */
		return;
	}
	out->flow.rule = hit->id;
	x.cur_n = x.want_n = key->n_vlans > DP_MAX_VLANS ? DP_MAX_VLANS : key->n_vlans;
	memcpy(x.cur, key->vlan, sizeof(key->vlan));
	memcpy(x.want, key->vlan, sizeof(key->vlan));
	x.ttl = key->nw_ttl;
	for (i = 0; i < hit->n_actions; i++) {
		int r = xlate_action(&x, &hit->actions[i]);

		if (r > 0)
			break;
		if (r < 0) {
			out->flow.n_actions = 0;
			out->dropped = 1;
			return;
		}
	}
	if (out->too_many_actions) {
		/* A flow cut short would send the packet on with half its actions: none is installed. */
		out->flow.n_actions = 0;
		out->dropped = 1;
		return;
	}
	out->dropped = out->flow.n_actions == 0;
}
