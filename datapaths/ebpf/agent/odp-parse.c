// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odp-parse.h"

struct parser {
	const char *p;
	char *err;
	size_t errlen;
	struct dp_flow_key *k, *m;
	int depth; /* encap nesting = index of the tag being described */
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < ps->errlen)
		snprintf(ps->err + n, ps->errlen - (size_t)n, " at '%.24s'", ps->p);
	return -1;
}

/* Copies the next token (up to , ) / or =) into out. */
static size_t token(struct parser *ps, char *out, size_t size, const char *stops)
{
	size_t n = 0;

	while (*ps->p && !strchr(stops, *ps->p) && n + 1 < size)
		out[n++] = *ps->p++;
	out[n] = 0;
	return n;
}

static int parse_num(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || end == s || *end || *v > max) ? -1 : 0;
}

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned int b[6];
	int i, n = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6 || s[n])
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)b[i];
	return 0;
}

enum kind { K_U8, K_U16, K_U32, K_MAC, K_IP4, K_IP6, K_FRAG };

/* Parses `value[/mask]` of a field of the given kind into v and m (little-endian for numbers). */
static int field_value(struct parser *ps, const char *text, enum kind kind, void *v, void *m, int is_action)
{
	char val[64], msk[64];
	const char *slash = strchr(text, '/');
	size_t vl = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long long x, y;
	size_t w = kind == K_U8 ? 1 : kind == K_U16 ? 2 : kind == K_U32 ? 4 : kind == K_MAC ? 6 : kind == K_IP4 ? 4 : kind == K_IP6 ? 16 : 1;

	(void)is_action;
	if (vl >= sizeof(val))
		return fail(ps, "value too long");
	memcpy(val, text, vl);
	val[vl] = 0;
	snprintf(msk, sizeof(msk), "%s", slash ? slash + 1 : "");
	switch (kind) {
	case K_U8:
	case K_U16:
	case K_U32: {
		unsigned long long max = kind == K_U8 ? 0xff : kind == K_U16 ? 0xffff : 0xffffffffull;

		if (parse_num(val, max, &x) || (slash && parse_num(msk, max, &y)))
			return fail(ps, "bad number '%s'", text);
		if (!slash)
			y = max;
		memcpy(v, &x, w); /* little-endian host */
		memcpy(m, &y, w);
		return 0;
	}
	case K_FRAG: {
		/* ODP frag=no|first|later, as OVS_FRAG_TYPE; masks are all-or-nothing. */
		__u8 f = !strcmp(val, "no") ? DP_FRAG_NONE : !strcmp(val, "first") ? DP_FRAG_FIRST : !strcmp(val, "later") ? DP_FRAG_LATER : 0xff;

		if (f == 0xff)
			return fail(ps, "bad frag '%s' (no, first, later)", val);
		*(__u8 *)v = f;
		*(__u8 *)m = slash && !strcmp(msk, "0") ? 0 : 0xff;
		return 0;
	}
	case K_MAC:
		if (parse_mac(val, v) || (slash && parse_mac(msk, m)))
			return fail(ps, "bad MAC '%s'", text);
		if (!slash)
			memset(m, 0xff, 6);
		return 0;
	case K_IP4:
	case K_IP6: {
		int af = kind == K_IP4 ? AF_INET : AF_INET6;

		if (inet_pton(af, val, v) != 1)
			return fail(ps, "bad address '%s'", val);
		if (!slash)
			memset(m, 0xff, w);
		else if (inet_pton(af, msk, m) != 1)
			return fail(ps, "bad address mask '%s'", msk);
		return 0;
	}
	}
	return -1;
}

struct field {
	const char *name;
	enum kind kind;
	size_t off;
};

#define F(n, k, member) { n, k, offsetof(struct dp_flow_key, member) }

static const struct field ETH[] = { F("src", K_MAC, eth_src), F("dst", K_MAC, eth_dst), { 0 } };
static const struct field IPV4[] = { F("src", K_IP4, nw.ipv4.src), F("dst", K_IP4, nw.ipv4.dst), F("proto", K_U8, nw_proto),
				      F("tos", K_U8, nw_tos), F("ttl", K_U8, nw_ttl), F("frag", K_FRAG, nw_frag), { 0 } };
static const struct field IPV6[] = { F("src", K_IP6, nw.ipv6.src), F("dst", K_IP6, nw.ipv6.dst), F("label", K_U32, ipv6_label),
				      F("proto", K_U8, nw_proto), F("tclass", K_U8, nw_tos), F("hlimit", K_U8, nw_ttl),
				      F("frag", K_FRAG, nw_frag), { 0 } };
static const struct field L4[] = { F("src", K_U16, tp_src), F("dst", K_U16, tp_dst), { 0 } };
static const struct field ICMP[] = { F("type", K_U16, tp_src), F("code", K_U16, tp_dst), { 0 } };
static const struct field ARP[] = { F("sip", K_IP4, nw.arp.sip), F("tip", K_IP4, nw.arp.tip), F("op", K_U8, nw_proto),
				     F("sha", K_MAC, nw.arp.sha), F("tha", K_MAC, nw.arp.tha), { 0 } };
static const struct field ND[] = { F("target", K_IP6, nd_target), F("sll", K_MAC, nd_sll), F("tll", K_MAC, nd_tll), { 0 } };

/* `name=value[/mask],...)`: fills fields of key/mask (or of an action's value/mask pair). */
static int fields(struct parser *ps, const struct field *table, __u8 *kv, __u8 *km)
{
	char name[32], text[96];

	while (*ps->p && *ps->p != ')') {
		const struct field *f;

		token(ps, name, sizeof(name), "=,)");
		if (*ps->p != '=')
			return fail(ps, "expected name=value");
		ps->p++;
		token(ps, text, sizeof(text), ",)");
		for (f = table; f->name && strcmp(f->name, name); f++)
			;
		if (!f->name)
			return fail(ps, "unknown field '%s'", name);
		if (field_value(ps, text, f->kind, kv + f->off, km + f->off, 0))
			return -1;
		if (*ps->p == ',')
			ps->p++;
	}
	if (*ps->p != ')')
		return fail(ps, "missing ')'");
	ps->p++;
	return 0;
}

static int key_attrs(struct parser *ps, int inside_encap);

static int key_attr(struct parser *ps)
{
	struct dp_flow_key *k = ps->k, *m = ps->m;
	char name[32], text[96];
	__u8 *kv = (__u8 *)k, *km = (__u8 *)m;

	token(ps, name, sizeof(name), "(,");
	if (*ps->p != '(')
		return fail(ps, "expected NAME(...)");
	ps->p++;
	if (!strcmp(name, "eth"))
		return fields(ps, ETH, kv, km);
	if (!strcmp(name, "ipv4"))
		return fields(ps, IPV4, kv, km);
	if (!strcmp(name, "ipv6"))
		return fields(ps, IPV6, kv, km);
	if (!strcmp(name, "tcp") || !strcmp(name, "udp") || !strcmp(name, "sctp"))
		return fields(ps, L4, kv, km);
	if (!strcmp(name, "icmp") || !strcmp(name, "icmpv6"))
		return fields(ps, ICMP, kv, km);
	if (!strcmp(name, "arp"))
		return fields(ps, ARP, kv, km);
	if (!strcmp(name, "nd"))
		return fields(ps, ND, kv, km);
	if (!strcmp(name, "encap")) {
		if (key_attrs(ps, 1))
			return -1;
		if (*ps->p != ')')
			return fail(ps, "missing ')' of encap");
		ps->p++;
		return 0;
	}
	if (!strcmp(name, "vlan")) {
		unsigned long long vid = 0, pcp = 0, cfi = 1, vm = 0xfff, pm = 7;
		int i = ps->depth;

		while (*ps->p && *ps->p != ')') {
			char f[16], v[32], *sl;
			unsigned long long x, y = ~0ull;

			token(ps, f, sizeof(f), "=,)");
			if (*ps->p++ != '=')
				return fail(ps, "expected vid=, pcp= or cfi=");
			token(ps, v, sizeof(v), ",)");
			if ((sl = strchr(v, '/'))) {
				*sl = 0;
				if (parse_num(sl + 1, 0xfff, &y))
					return fail(ps, "bad mask '%s'", sl + 1);
			}
			if (parse_num(v, 0xfff, &x))
				return fail(ps, "bad number '%s'", v);
			if (!strcmp(f, "vid"))
				vid = x, vm = y == ~0ull ? 0xfff : y;
			else if (!strcmp(f, "pcp"))
				pcp = x, pm = y == ~0ull ? 7 : y;
			else if (!strcmp(f, "cfi"))
				cfi = x;
			else
				return fail(ps, "unknown vlan field '%s'", f);
			if (*ps->p == ',')
				ps->p++;
		}
		if (*ps->p++ != ')')
			return fail(ps, "missing ')'");
		if (i >= DP_MAX_VLANS)
			return fail(ps, "more than %d VLAN tags", DP_MAX_VLANS);
		k->vlan[i].tci = (__u16)(vid | pcp << 13 | (cfi ? DP_VLAN_CFI : 0));
		m->vlan[i].tci = (__u16)(vm | pm << 13 | DP_VLAN_CFI);
		/* The tag's TPID is the eth_type given before it. */
		k->vlan[i].tpid = k->eth_type;
		m->vlan[i].tpid = 0xffff;
		k->n_vlans = (__u8)(i + 1);
		m->n_vlans = 0xff;
		k->eth_type = 0;
		m->eth_type = 0;
		ps->depth++;
		return 0;
	}
	token(ps, text, sizeof(text), ")");
	if (*ps->p != ')')
		return fail(ps, "missing ')'");
	ps->p++;
	if (!strcmp(name, "in_port"))
		return field_value(ps, text, K_U32, &k->in_port, &m->in_port, 0);
	if (!strcmp(name, "eth_type"))
		return field_value(ps, text, K_U16, &k->eth_type, &m->eth_type, 0);
	if (!strcmp(name, "tcp_flags"))
		return field_value(ps, text, K_U16, &k->tcp_flags, &m->tcp_flags, 0);
	if (!strcmp(name, "recirc_id") || !strcmp(name, "skb_priority") || !strcmp(name, "skb_mark") || !strcmp(name, "dp_hash"))
		return 0; /* attributes this datapath does not have: accepted only as wildcards/zero */
	return fail(ps, "unknown key attribute '%s'", name);
}

static int key_attrs(struct parser *ps, int inside_encap)
{
	while (*ps->p && *ps->p != ')' && strncmp(ps->p, "actions:", 8)) {
		while (*ps->p == ' ' || *ps->p == ',')
			ps->p++;
		if (!*ps->p || *ps->p == ')' || !strncmp(ps->p, "actions:", 8))
			break;
		if (key_attr(ps))
			return -1;
	}
	(void)inside_encap;
	return 0;
}

static struct dp_action *add(struct parser *ps, struct dp_flow *f, __u32 type)
{
	if (f->n_actions >= DP_MAX_ACTIONS) {
		fail(ps, "more than %d actions", DP_MAX_ACTIONS);
		return NULL;
	}
	memset(&f->actions[f->n_actions], 0, sizeof(f->actions[0]));
	f->actions[f->n_actions].type = type;
	return &f->actions[f->n_actions++];
}

static int set_action(struct parser *ps, struct dp_flow *f)
{
	char name[16];
	struct dp_flow_key v = { 0 }, m = { 0 };
	struct dp_action *a;

	token(ps, name, sizeof(name), "(");
	if (*ps->p++ != '(')
		return fail(ps, "expected set(ATTR(...))");
	if (!strcmp(name, "eth")) {
		if (fields(ps, ETH, (__u8 *)&v, (__u8 *)&m) || !(a = add(ps, f, DP_ACT_SET_ETH)))
			return -1;
		memcpy(a->u.eth.src, v.eth_src, 6);
		memcpy(a->u.eth.dst, v.eth_dst, 6);
		memcpy(a->u.eth.src_mask, m.eth_src, 6);
		memcpy(a->u.eth.dst_mask, m.eth_dst, 6);
	} else if (!strcmp(name, "ipv4")) {
		if (fields(ps, IPV4, (__u8 *)&v, (__u8 *)&m) || !(a = add(ps, f, DP_ACT_SET_IPV4)))
			return -1;
		if (m.nw_proto || m.nw_frag)
			return fail(ps, "set(ipv4) can change src, dst, tos and ttl only");
		a->u.ipv4.src = v.nw.ipv4.src, a->u.ipv4.src_mask = m.nw.ipv4.src;
		a->u.ipv4.dst = v.nw.ipv4.dst, a->u.ipv4.dst_mask = m.nw.ipv4.dst;
		a->u.ipv4.tos = v.nw_tos, a->u.ipv4.tos_mask = m.nw_tos;
		a->u.ipv4.ttl = v.nw_ttl, a->u.ipv4.ttl_mask = m.nw_ttl;
	} else if (!strcmp(name, "ipv6")) {
		if (fields(ps, IPV6, (__u8 *)&v, (__u8 *)&m) || !(a = add(ps, f, DP_ACT_SET_IPV6)))
			return -1;
		if (m.nw_proto || m.nw_frag || m.nw_tos || m.ipv6_label)
			return fail(ps, "set(ipv6) can change src, dst and hlimit only");
		memcpy(a->u.ipv6.src, v.nw.ipv6.src, 16), memcpy(a->u.ipv6.src_mask, m.nw.ipv6.src, 16);
		memcpy(a->u.ipv6.dst, v.nw.ipv6.dst, 16), memcpy(a->u.ipv6.dst_mask, m.nw.ipv6.dst, 16);
		a->u.ipv6.hlimit = v.nw_ttl, a->u.ipv6.hlimit_mask = m.nw_ttl;
	} else if (!strcmp(name, "tcp") || !strcmp(name, "udp")) {
		if (fields(ps, L4, (__u8 *)&v, (__u8 *)&m) || !(a = add(ps, f, DP_ACT_SET_L4)))
			return -1;
		a->u.l4.src = v.tp_src, a->u.l4.src_mask = m.tp_src;
		a->u.l4.dst = v.tp_dst, a->u.l4.dst_mask = m.tp_dst;
	} else {
		return fail(ps, "cannot set '%s'", name);
	}
	if (*ps->p++ != ')')
		return fail(ps, "missing ')' of set");
	return 0;
}

static int parse_actions(struct parser *ps, struct dp_flow *f)
{
	memset(f, 0, sizeof(*f));
	while (*ps->p && *ps->p != '\n') {
		char name[32];
		struct dp_action *a;

		while (*ps->p == ',' || *ps->p == ' ')
			ps->p++;
		if (!*ps->p || *ps->p == '\n')
			break;
		if (isdigit((unsigned char)*ps->p)) {
			unsigned long long port;

			token(ps, name, sizeof(name), ",\n");
			if (parse_num(name, DP_MAX_PORTS - 1, &port) || !(a = add(ps, f, DP_ACT_OUTPUT)))
				return fail(ps, "bad output port '%s'", name);
			a->port = (__u32)port;
			continue;
		}
		token(ps, name, sizeof(name), "(,\n");
		if (!strcmp(name, "drop")) {
			continue;
		} else if (!strcmp(name, "pop_vlan")) {
			if (!add(ps, f, DP_ACT_POP_VLAN))
				return -1;
		} else if (!strcmp(name, "set") || !strcmp(name, "set_masked")) {
			ps->p++;
			if (set_action(ps, f))
				return -1;
		} else if (!strcmp(name, "push_vlan")) {
			unsigned long long tpid = DP_ETH_P_8021Q, vid = 0, pcp = 0;

			ps->p++;
			while (*ps->p && *ps->p != ')') {
				char fld[16], v[16];
				unsigned long long x;

				token(ps, fld, sizeof(fld), "=,)");
				if (*ps->p++ != '=')
					return fail(ps, "expected push_vlan(tpid=,vid=,pcp=)");
				token(ps, v, sizeof(v), ",)");
				if (parse_num(v, 0xffff, &x))
					return fail(ps, "bad number '%s'", v);
				if (!strcmp(fld, "tpid"))
					tpid = x;
				else if (!strcmp(fld, "vid"))
					vid = x & 0xfff;
				else if (!strcmp(fld, "pcp"))
					pcp = x & 7;
				else if (strcmp(fld, "cfi"))
					return fail(ps, "unknown push_vlan field '%s'", fld);
				if (*ps->p == ',')
					ps->p++;
			}
			if (*ps->p++ != ')' || !(a = add(ps, f, DP_ACT_PUSH_VLAN)))
				return fail(ps, "missing ')' of push_vlan");
			a->u.vlan.tpid = (__u16)tpid;
			a->u.vlan.tci = (__u16)(vid | pcp << 13 | DP_VLAN_CFI);
		} else if (!strcmp(name, "userspace")) {
			int depth = 0;

			do {
				if (*ps->p == '(')
					depth++;
				else if (*ps->p == ')')
					depth--;
				ps->p++;
			} while (*ps->p && depth > 0);
			if (!add(ps, f, DP_ACT_USERSPACE))
				return -1;
		} else {
			return fail(ps, "unsupported action '%s'", name);
		}
	}
	return 0;
}

int odp_parse_flow(const char *text, struct dp_flow_key *key, struct dp_flow_key *mask, struct dp_flow *actions, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .err = err, .errlen = errlen, .k = key, .m = mask };

	memset(key, 0, sizeof(*key));
	memset(mask, 0, sizeof(*mask));
	if (key_attrs(&ps, 0))
		return -1;
	while (*ps.p == ' ' || *ps.p == ',')
		ps.p++;
	if (strncmp(ps.p, "actions:", 8))
		return fail(&ps, "expected 'actions:'");
	ps.p += 8;
	if (parse_actions(&ps, actions))
		return -1;
	/* The ethertype inside the last encap() is the innermost one the key keeps. */
	return 0;
}
