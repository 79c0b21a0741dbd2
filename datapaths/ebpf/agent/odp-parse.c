// SPDX-License-Identifier: MIT
/*
 * Parses datapath flows in ODP syntax (odp-parse.h) by the field table of odp-fields.c. The text
 * is read through a cursor bounded by its end: no step goes past it, and an error quotes at most
 * 24 characters of what is left.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "odp-fields.h"
#include "odp-parse.h"

struct parser {
	const char *p, *end;
	char *err;
	size_t errlen;
	struct dp_flow_key *k, *m;
	__u32 seen;                     /* table attributes given: each at most once */
	const char *at[ODP_MAX_ATTRS];  /* where, for the errors of the checks after the key */
};

/* One level of the key: the whole key, or the inside of an encap(). */
struct level {
	int n;        /* attributes given */
	int eth_type; /* eth_type() given */
	int tagged;   /* ...exactly a VLAN TPID: vlan() and encap() must follow */
	__u16 tpid;
	int vlan, cfi, encap;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...)
{
	size_t left = (size_t)(ps->end - ps->p);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	if (left)
		snprintf(ps->err + n, ps->errlen - (size_t)n, " at '%.*s'", (int)(left < 24 ? left : 24), ps->p);
	else
		snprintf(ps->err + n, ps->errlen - (size_t)n, " at the end");
	return -1;
}

/* Fails with the cursor put back at `at`, so the error quotes the start of what is wrong. */
#define fail_at(ps, at, ...) ((ps)->p = (at), fail((ps), __VA_ARGS__))

static char peek(const struct parser *ps)
{
	return ps->p < ps->end ? *ps->p : 0;
}

static int eat(struct parser *ps, char c)
{
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return 1;
	}
	return 0;
}

static void spaces(struct parser *ps)
{
	while (eat(ps, ' '))
		;
}

static int looking_at(const struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, word, n);
}

/* The run of characters up to one of `stops` or the end; the cursor moves past it. */
static struct odp_text run(struct parser *ps, const char *stops)
{
	struct odp_text t = { ps->p, 0 };

	while (ps->p < ps->end && !strchr(stops, *ps->p))
		ps->p++;
	t.n = (size_t)(ps->p - t.s);
	return t;
}

static void field_names(const struct odp_field *t, unsigned int n, char *out, size_t size)
{
	struct odp_buf b = { out, size, 1 };
	unsigned int i;

	out[0] = 0;
	for (i = 0; i < n; i++)
		odp_put(&b, "%s%s", i ? ", " : "", t[i].name);
}

/* One `name=value[/mask]` (or a flag's bare name) of the list fields() reads. */
static int named_field(struct parser *ps, const char *what, const struct odp_field *t, unsigned int n, void *v, void *m, int maskable, unsigned int *got)
{
	static const struct odp_text one = { "1", 1 };
	const char *at = ps->p;
	struct odp_text name = run(ps, "=,)("), val;
	const struct odp_field *f = odp_field_find(t, n, name);
	char why[160];

	if (!f) {
		field_names(t, n, why, sizeof(why));
		return fail_at(ps, at, "%s(): unknown field '%.*s' (%s)", what, (int)(name.n < 32 ? name.n : 32), name.s, why);
	}
	if (*got & (1u << (f - t)))
		return fail_at(ps, at, "%s(): %s given twice", what, f->name);
	*got |= 1u << (f - t);
	if (f->fmt == ODP_FLAG) {
		if (peek(ps) != ',' && peek(ps) != ')')
			return fail(ps, "%s(): %s takes no value", what, f->name);
		val = one;
	} else {
		if (!eat(ps, '='))
			return fail(ps, "%s(): expected %s=VALUE", what, f->name);
		val = run(ps, ",)");
	}
	if (odp_field_parse(f, val, v, m, maskable, why, sizeof(why)))
		return fail_at(ps, at, "%s(): %s: %s", what, f->name, why);
	return 0;
}

/*
 * The inside of NAME(...) and its ')': the bare `value[/mask]` of a table with one unnamed
 * field, else `name=value[/mask],...` in any order. A field left out stays 0: wildcarded.
 */
static int fields(struct parser *ps, const char *what, const struct odp_field *t, unsigned int n, void *v, void *m, int maskable)
{
	unsigned int got = 0;
	char why[160];
	int i;

	if (n == 1 && !t[0].name) {
		const char *at = ps->p;

		if (odp_field_parse(&t[0], run(ps, ",)"), v, m, maskable, why, sizeof(why)))
			return fail_at(ps, at, "%s(): %s", what, why);
	} else {
		for (i = 0; peek(ps) && peek(ps) != ')'; i++) {
			if (i && !eat(ps, ','))
				return fail(ps, "%s(): expected ',' or ')'", what);
			if (named_field(ps, what, t, n, v, m, maskable, &got))
				return -1;
		}
	}
	if (!eat(ps, ')'))
		return fail(ps, "%s(): missing ')'", what);
	return 0;
}

static int key_level(struct parser *ps, int depth, int *count);

/* encap(...): the packet behind the tag of this level. */
static int encap(struct parser *ps, int depth, struct level *lv, const char *at)
{
	int inner;

	if (!lv->vlan)
		return fail_at(ps, at, "encap() needs vlan() before it");
	lv->encap = 1;
	if (key_level(ps, depth + 1, &inner))
		return -1;
	if (!eat(ps, ')'))
		return fail(ps, "encap(): missing ')'");
	/* The kernel's corner case for a tag announced but cut short. */
	if (!lv->cfi && inner)
		return fail_at(ps, at, "encap() of a tag cut short (cfi=0) must be empty");
	return 0;
}

/* vlan(vid=,pcp=,cfi=): the tag at this depth; its TPID is the eth_type() given before it. */
static int vlan(struct parser *ps, const struct odp_attr *a, int depth, struct level *lv, const char *at)
{
	struct dp_flow_key *k = ps->k, *m = ps->m;
	struct odp_tag v = { 0 }, mk = { 0 };
	__u16 tci, tm;

	if (depth >= DP_MAX_VLANS)
		return fail_at(ps, at, "more than %d VLAN tags", DP_MAX_VLANS);
	if (lv->vlan)
		return fail_at(ps, at, "vlan() given twice at one level");
	if (!lv->tagged)
		return fail_at(ps, at, "vlan() needs eth_type(0x8100) or eth_type(0x88a8) before it");
	if (fields(ps, a->name, a->fields, a->n_fields, &v, &mk, 1))
		return -1;
	lv->vlan = 1;
	lv->cfi = mk.cfi ? v.cfi : 1;
	tci = (__u16)(v.vid | v.pcp << 13 | (lv->cfi ? DP_VLAN_CFI : 0));
	tm = (__u16)(mk.vid | mk.pcp << 13 | DP_VLAN_CFI);
	if (!lv->cfi) {
		/* A tag cut short has TCI 0, matched exactly, as the kernel and the printer have it. */
		if (tci)
			return fail_at(ps, at, "vlan(cfi=0) is a tag cut short: vid and pcp must be 0");
		tm = 0xffff;
	}
	k->vlan[depth].tci = tci;
	m->vlan[depth].tci = tm;
	k->vlan[depth].tpid = k->eth_type;
	m->vlan[depth].tpid = 0xffff;
	k->n_vlans = (__u8)(depth + 1);
	m->n_vlans = 0xff;
	/* What follows in encap() is the packet behind the tag. */
	k->eth_type = 0;
	m->eth_type = 0;
	return 0;
}

static int eth_type(struct parser *ps, const struct odp_attr *a, struct level *lv, const char *at)
{
	if (lv->eth_type)
		return fail_at(ps, at, "eth_type() given twice at one level");
	lv->eth_type = 1;
	if (fields(ps, a->name, a->fields, a->n_fields, ps->k, ps->m, 1))
		return -1;
	lv->tagged = ps->m->eth_type == 0xffff && (ps->k->eth_type == DP_ETH_P_8021Q || ps->k->eth_type == DP_ETH_P_8021AD);
	lv->tpid = ps->k->eth_type;
	return 0;
}

static int meta(struct parser *ps, const struct odp_attr *a, const char *at)
{
	__u32 v = 0, m = 0;

	if (fields(ps, a->name, a->fields, a->n_fields, &v, &m, 1))
		return -1;
	if (v & m)
		return fail_at(ps, at, "%s(): this datapath has no %s to match: only %s(0) or a wildcard", a->name, a->name, a->name);
	return 0;
}

static int key_attr(struct parser *ps, int depth, struct level *lv)
{
	const char *at = ps->p;
	struct odp_text name = run(ps, "(),= ");
	const struct odp_attr *a = odp_attr_find(name);
	unsigned int i;

	if (!eat(ps, '('))
		return fail_at(ps, at, "expected NAME(...)");
	if (!a)
		return fail_at(ps, at, "unknown key attribute '%.*s'", (int)(name.n < 32 ? name.n : 32), name.s);
	if (lv->encap)
		return fail_at(ps, at, "%s() after encap(): encap() comes last at its level", a->name);
	switch (a->kind) {
	case ODP_ENCAP:
		return encap(ps, depth, lv, at);
	case ODP_VLAN:
		return vlan(ps, a, depth, lv, at);
	case ODP_ETH_TYPE:
		return eth_type(ps, a, lv, at);
	case ODP_META:
		return meta(ps, a, at);
	}
	i = (unsigned int)(a - odp_attrs);
	if (ps->seen & (1u << i))
		return fail_at(ps, at, "%s() given twice", a->name);
	ps->seen |= 1u << i;
	ps->at[i] = at;
	return fields(ps, a->name, a->fields, a->n_fields, ps->k, ps->m, 1);
}

static int level_end(const struct parser *ps, int depth)
{
	if (depth)
		return peek(ps) == ')' || !peek(ps);
	return !peek(ps) || looking_at(ps, "actions:");
}

static int key_level(struct parser *ps, int depth, int *count)
{
	struct level lv = { 0 };

	for (;;) {
		spaces(ps);
		if (level_end(ps, depth))
			break;
		if (lv.n && !eat(ps, ','))
			return fail(ps, "expected ',' between key attributes");
		spaces(ps);
		if (level_end(ps, depth))
			break; /* `...), actions:` */
		if (key_attr(ps, depth, &lv))
			return -1;
		lv.n++;
	}
	*count = lv.n;
	/* The kernel's "Invalid VLAN frame": a tagged ethertype with no tag described. */
	if (lv.tagged && !lv.vlan)
		return fail(ps, "eth_type(0x%04x) needs vlan() and encap(...) after it", lv.tpid);
	if (lv.vlan && !lv.encap)
		return fail(ps, "vlan() needs encap(...) after it");
	return 0;
}

/* What the kernel's match_validate() checks, once the whole key is known (attributes come in any order). */
static int check_needs(struct parser *ps)
{
	const struct odp_need *n;
	unsigned int i;

	for (i = 0; i < odp_n_attrs; i++) {
		const struct odp_attr *a = &odp_attrs[i];

		if (!(ps->seen & (1u << i)))
			continue;
		if ((n = odp_needs_unmet(a, ps->k, ps->m, 0)))
			return fail_at(ps, ps->at[i], "%s() needs %s", a->name, n->text);
		if (odp_attr_masked(a, ps->m) && (n = odp_needs_unmet(a, ps->k, ps->m, 1)))
			return fail_at(ps, ps->at[i], "%s() can match its fields only with %s matched exactly", a->name, n->text);
	}
	return 0;
}

static struct dp_action *add(struct parser *ps, struct dp_flow *f, __u32 type, const char *at)
{
	if (f->n_actions >= DP_MAX_ACTIONS) {
		fail_at(ps, at, "more than %d actions", DP_MAX_ACTIONS);
		return NULL;
	}
	memset(&f->actions[f->n_actions], 0, sizeof(f->actions[0]));
	f->actions[f->n_actions].type = type;
	return &f->actions[f->n_actions++];
}

/* set(NAME(...)) or set_masked(NAME(...)): the flow must match what it rewrites, exactly. */
static int set_action(struct parser *ps, struct dp_flow *f, const char *at)
{
	const char *inner = ps->p;
	struct odp_text name = run(ps, "(),");
	const struct odp_set *s = odp_set_find(name);
	const struct odp_need *n;
	struct dp_action *a;

	if (!s)
		return fail_at(ps, inner, "cannot set '%.*s' (eth, ipv4, ipv6, tcp, udp)", (int)(name.n < 32 ? name.n : 32), name.s);
	if (!eat(ps, '('))
		return fail(ps, "expected set(%s(...))", s->name);
	if (!(a = add(ps, f, s->type, at)) || fields(ps, s->name, s->fields, s->n_fields, a, a, 1))
		return -1;
	if (!eat(ps, ')'))
		return fail(ps, "set(): missing ')'");
	if ((n = odp_needs_unmet(odp_attr_find(name), ps->k, ps->m, 1)))
		return fail_at(ps, at, "set(%s()) needs the flow to match %s exactly", s->name, n->text);
	return 0;
}

/* An action whose arguments are table fields, without masks: parsed into v and m, then added. */
static struct dp_action *with_args(struct parser *ps, struct dp_flow *f, __u32 type, const char *what, const struct odp_field *t, unsigned int n, void *v, void *m, const char *at)
{
	return fields(ps, what, t, n, v, m, 0) ? NULL : add(ps, f, type, at);
}

static int push_vlan(struct parser *ps, struct dp_flow *f, const char *at)
{
	struct odp_tag v = { 0 }, m = { 0 };
	struct dp_action *a = with_args(ps, f, DP_ACT_PUSH_VLAN, "push_vlan", odp_tag_fields, 4, &v, &m, at);

	if (!a)
		return -1;
	if (!m.tpid)
		v.tpid = DP_ETH_P_8021Q;
	if (v.tpid != DP_ETH_P_8021Q && v.tpid != DP_ETH_P_8021AD)
		return fail_at(ps, at, "push_vlan(): tpid must be 0x8100 or 0x88a8");
	/* The kernel pushes only tags that are present (VLAN_CFI set). */
	if (m.cfi && !v.cfi)
		return fail_at(ps, at, "push_vlan(): cfi must be 1");
	a->u.vlan.tpid = v.tpid;
	a->u.vlan.tci = (__u16)(v.vid | v.pcp << 13 | DP_VLAN_CFI);
	return 0;
}

static int userspace(struct parser *ps, struct dp_flow *f, const char *at)
{
	struct odp_upcall v = { 0 }, m = { 0 };
	struct dp_action *a = with_args(ps, f, DP_ACT_USERSPACE, "userspace", odp_userspace_fields, 2, &v, &m, at);

	if (!a)
		return -1;
	a->port = v.pid;
	odp_userspace_plain(a) = !v.controller;
	/* The kernel's userspace action always names the netlink port to upcall to. */
	return m.pid ? 0 : fail_at(ps, at, "userspace() needs pid=N");
}

static int action(struct parser *ps, struct dp_flow *f)
{
	const char *at = ps->p;
	struct odp_text name;
	struct dp_action *a;
	char why[96];
	__u32 port = 0, pm;

	if (isdigit((unsigned char)peek(ps))) {
		if (odp_field_parse(&odp_port_field, run(ps, ", "), &port, &pm, 0, why, sizeof(why)))
			return fail_at(ps, at, "output port: %s", why);
		if (!(a = add(ps, f, DP_ACT_OUTPUT, at)))
			return -1;
		a->port = port;
		return 0;
	}
	name = run(ps, "(, ");
	if (odp_text_is(name, "pop_vlan"))
		return add(ps, f, DP_ACT_POP_VLAN, at) ? 0 : -1;
	if (odp_text_is(name, "drop"))
		return fail_at(ps, at, "drop is the whole action list, with nothing else");
	if (eat(ps, '(')) {
		if (odp_text_is(name, "set") || odp_text_is(name, "set_masked"))
			return set_action(ps, f, at);
		if (odp_text_is(name, "push_vlan"))
			return push_vlan(ps, f, at);
		if (odp_text_is(name, "userspace"))
			return userspace(ps, f, at);
	}
	return fail_at(ps, at, "unsupported action '%.*s'", (int)(name.n < 32 ? name.n : 32), name.s);
}

static int parse_actions(struct parser *ps, struct dp_flow *f)
{
	const char *start = ps->p;
	int i;

	memset(f, 0, sizeof(*f));
	if (looking_at(ps, "drop")) {
		ps->p += 4;
		spaces(ps);
		if (!peek(ps))
			return 0;
		ps->p = start;
	}
	for (i = 0; !i || eat(ps, ','); i++)
		if (action(ps, f))
			return -1;
	spaces(ps);
	if (peek(ps))
		return fail(ps, "expected ',' between actions");
	if (!f->n_actions)
		return fail(ps, "no actions (drop drops)");
	return 0;
}

int odp_parse_flow(const char *text, struct dp_flow_key *key, struct dp_flow_key *mask, struct dp_flow *actions, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .end = text + strlen(text), .err = err, .errlen = errlen, .k = key, .m = mask };
	int n;

	memset(key, 0, sizeof(*key));
	memset(mask, 0, sizeof(*mask));
	memset(actions, 0, sizeof(*actions));
	if (errlen)
		err[0] = 0;
	if (key_level(&ps, 0, &n) || check_needs(&ps))
		return -1;
	if (!looking_at(&ps, "actions:"))
		return fail(&ps, "expected ' actions:' after the key");
	ps.p += 8;
	return parse_actions(&ps, actions);
}
