// SPDX-License-Identifier: MIT
/*
 * The ODP field table (odp-fields.h) and what reads and writes one field of it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odp-fields.h"

#define KEY(member) offsetof(struct dp_flow_key, member)
#define KSIZE(member) sizeof(((struct dp_flow_key *)0)->member)
/* A key field: the mask sits at the same offset of the mask key. */
#define KF(name, fmt, member, full) { name, fmt, KSIZE(member), KEY(member), KEY(member), full }
/* A set() field: value and mask are both fields of the action. */
#define AF(name, fmt, v, m, full) { name, fmt, sizeof(((struct dp_action *)0)->u.v), offsetof(struct dp_action, u.v), offsetof(struct dp_action, u.m), full }
#define TF(name, fmt, member, full) { name, fmt, 2, offsetof(struct odp_tag, member), offsetof(struct odp_tag, member), full }
#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

static const struct odp_field IN_PORT[] = { KF(NULL, ODP_DEC, in_port, 0xffffffff) };
static const struct odp_field ETH[] = { KF("src", ODP_MAC, eth_src, 0), KF("dst", ODP_MAC, eth_dst, 0) };
static const struct odp_field ETH_TYPE[] = { KF(NULL, ODP_ETHERTYPE, eth_type, 0xffff) };
static const struct odp_field IPV4[] = {
	KF("src", ODP_IPV4, nw.ipv4.src, 0), KF("dst", ODP_IPV4, nw.ipv4.dst, 0), KF("proto", ODP_DEC, nw_proto, 0xff),
	KF("tos", ODP_DEC, nw_tos, 0xff),    KF("ttl", ODP_DEC, nw_ttl, 0xff),    KF("frag", ODP_FRAG, nw_frag, 0xff),
};
static const struct odp_field IPV6[] = {
	KF("src", ODP_IPV6, nw.ipv6.src, 0), KF("dst", ODP_IPV6, nw.ipv6.dst, 0), KF("label", ODP_HEX, ipv6_label, 0xffffffff),
	KF("proto", ODP_DEC, nw_proto, 0xff), KF("tclass", ODP_HEX, nw_tos, 0xff), KF("hlimit", ODP_DEC, nw_ttl, 0xff),
	KF("frag", ODP_FRAG, nw_frag, 0xff),
};
static const struct odp_field ARP[] = {
	KF("sip", ODP_IPV4, nw.arp.sip, 0), KF("tip", ODP_IPV4, nw.arp.tip, 0), KF("op", ODP_DEC, nw_proto, 0xff),
	KF("sha", ODP_MAC, nw.arp.sha, 0),  KF("tha", ODP_MAC, nw.arp.tha, 0),
};
static const struct odp_field L4[] = { KF("src", ODP_DEC, tp_src, 0xffff), KF("dst", ODP_DEC, tp_dst, 0xffff) };
static const struct odp_field ICMP[] = { KF("type", ODP_DEC, tp_src, 0xffff), KF("code", ODP_DEC, tp_dst, 0xffff) };
static const struct odp_field ND[] = { KF("target", ODP_IPV6, nd_target, 0), KF("sll", ODP_MAC, nd_sll, 0), KF("tll", ODP_MAC, nd_tll, 0) };
/* The key keeps the 12 bits of the TCP header's flags word; a mask beyond them is the same mask. */
static const struct odp_field TCP_FLAGS[] = { KF(NULL, ODP_TCP_FLAGS, tcp_flags, 0x0fff) };
/* Parsed into a scratch word, which must come out 0 under its mask. */
static const struct odp_field META[] = { { NULL, ODP_DEC, 4, 0, 0, 0xffffffff } };

const struct odp_field odp_tag_fields[4] = {
	TF("tpid", ODP_HEX, tpid, 0xffff), TF("vid", ODP_DEC, vid, 0xfff), TF("pcp", ODP_DEC, pcp, 7), TF("cfi", ODP_DEC, cfi, 1),
};
const struct odp_field odp_port_field = { NULL, ODP_DEC, 4, 0, 0, DP_MAX_PORTS - 1 };
const struct odp_field odp_userspace_fields[2] = {
	{ "pid", ODP_DEC, 4, offsetof(struct odp_upcall, pid), offsetof(struct odp_upcall, pid), 0xffffffff },
	{ "controller", ODP_FLAG, 4, offsetof(struct odp_upcall, controller), offsetof(struct odp_upcall, controller), 1 },
};

#define NEED(member, exact, not, v0, v1, text) { KEY(member), KSIZE(member), exact, not, { v0, v1 }, text }
#define IS_IPV4 NEED(eth_type, 1, 0, DP_ETH_P_IPV4, 0, "eth_type(0x0800)")
#define IS_IPV6 NEED(eth_type, 1, 0, DP_ETH_P_IPV6, 0, "eth_type(0x86dd)")
#define IS_IP NEED(eth_type, 1, 0, DP_ETH_P_IPV4, DP_ETH_P_IPV6, "eth_type(0x0800) or eth_type(0x86dd)")
#define PROTO(p, text) NEED(nw_proto, 1, 0, p, 0, text)
/* A later fragment has no L4 header to match (OVS_FRAG_TYPE_LATER in the kernel's check). */
#define NOT_LATER NEED(nw_frag, 0, 1, DP_FRAG_LATER, 0, "frag=no or frag=first (a later fragment has no L4 header)")
/* A table attribute with its fields and prerequisites. */
#define ATTR(name, fields, needs...) { name, ODP_ATTR, N_OF(fields), fields, { needs } }

const struct odp_attr odp_attrs[] = {
	{ "in_port", ODP_ATTR, 1, IN_PORT, { { 0 } } },
	{ "eth", ODP_ATTR, N_OF(ETH), ETH, { { 0 } } },
	{ "eth_type", ODP_ETH_TYPE, 1, ETH_TYPE, { { 0 } } },
	{ "vlan", ODP_VLAN, 3, odp_tag_fields + 1, { { 0 } } },
	{ "encap", ODP_ENCAP, 0, NULL, { { 0 } } },
	ATTR("ipv4", IPV4, IS_IPV4),
	ATTR("ipv6", IPV6, IS_IPV6),
	ATTR("arp", ARP, NEED(eth_type, 1, 0, DP_ETH_P_ARP, 0, "eth_type(0x0806)")),
	ATTR("icmp", ICMP, IS_IPV4, PROTO(1, "proto=1 in ipv4()"), NOT_LATER),
	ATTR("icmpv6", ICMP, IS_IPV6, PROTO(58, "proto=58 in ipv6()"), NOT_LATER),
	/* OVS extracts ND fields from solicitations and advertisements (code 0) only. */
	ATTR("nd", ND, IS_IPV6, PROTO(58, "proto=58 in ipv6()"), NOT_LATER,
		NEED(tp_src, 0, 0, 135, 136, "icmpv6(type=135) or icmpv6(type=136)"), NEED(tp_dst, 0, 0, 0, 0, "icmpv6(code=0)")),
	ATTR("tcp", L4, IS_IP, PROTO(6, "proto=6 in ipv4() or ipv6()"), NOT_LATER),
	ATTR("udp", L4, IS_IP, PROTO(17, "proto=17 in ipv4() or ipv6()"), NOT_LATER),
	ATTR("sctp", L4, IS_IP, PROTO(132, "proto=132 in ipv4() or ipv6()"), NOT_LATER),
	ATTR("tcp_flags", TCP_FLAGS, IS_IP, PROTO(6, "proto=6 in ipv4() or ipv6()"), NOT_LATER),
	{ "recirc_id", ODP_META, 1, META, { { 0 } } },
	{ "skb_priority", ODP_META, 1, META, { { 0 } } },
	{ "skb_mark", ODP_META, 1, META, { { 0 } } },
	{ "dp_hash", ODP_META, 1, META, { { 0 } } },
};
const unsigned int odp_n_attrs = N_OF(odp_attrs);
_Static_assert(N_OF(odp_attrs) <= ODP_MAX_ATTRS, "the parser keeps one bit per attribute");

static const struct odp_field SET_ETH[] = { AF("src", ODP_MAC, eth.src, eth.src_mask, 0), AF("dst", ODP_MAC, eth.dst, eth.dst_mask, 0) };
static const struct odp_field SET_IPV4[] = {
	AF("src", ODP_IPV4, ipv4.src, ipv4.src_mask, 0), AF("dst", ODP_IPV4, ipv4.dst, ipv4.dst_mask, 0),
	AF("tos", ODP_HEX, ipv4.tos, ipv4.tos_mask, 0xff), AF("ttl", ODP_DEC, ipv4.ttl, ipv4.ttl_mask, 0xff),
};
static const struct odp_field SET_IPV6[] = {
	AF("src", ODP_IPV6, ipv6.src, ipv6.src_mask, 0), AF("dst", ODP_IPV6, ipv6.dst, ipv6.dst_mask, 0),
	AF("tclass", ODP_HEX, ipv6.tclass, ipv6.tclass_mask, 0xff), AF("hlimit", ODP_DEC, ipv6.hlimit, ipv6.hlimit_mask, 0xff),
};
static const struct odp_field SET_L4[] = { AF("src", ODP_DEC, l4.src, l4.src_mask, 0xffff), AF("dst", ODP_DEC, l4.dst, l4.dst_mask, 0xffff) };

const struct odp_set odp_sets[] = {
	{ "eth", DP_ACT_SET_ETH, 0, N_OF(SET_ETH), SET_ETH },
	{ "ipv4", DP_ACT_SET_IPV4, 0, N_OF(SET_IPV4), SET_IPV4 },
	{ "ipv6", DP_ACT_SET_IPV6, 0, N_OF(SET_IPV6), SET_IPV6 },
	{ "tcp", DP_ACT_SET_L4, 6, N_OF(SET_L4), SET_L4 },
	{ "udp", DP_ACT_SET_L4, 17, N_OF(SET_L4), SET_L4 },
};
const unsigned int odp_n_sets = N_OF(odp_sets);

int odp_text_is(struct odp_text t, const char *word)
{
	return word && strlen(word) == t.n && !memcmp(t.s, word, t.n);
}

/* Tables of structs whose first member is the name. */
static const void *find(const void *table, unsigned int n, size_t stride, struct odp_text name)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const void *e = (const char *)table + i * stride;

		if (odp_text_is(name, *(const char *const *)e))
			return e;
	}
	return NULL;
}

const struct odp_attr *odp_attr_find(struct odp_text name)
{
	return find(odp_attrs, odp_n_attrs, sizeof(odp_attrs[0]), name);
}

const struct odp_set *odp_set_find(struct odp_text name)
{
	return find(odp_sets, odp_n_sets, sizeof(odp_sets[0]), name);
}

const struct odp_set *odp_set_for(__u32 type, __u8 nw_proto)
{
	const struct odp_set *last = NULL;
	unsigned int i;

	for (i = 0; i < odp_n_sets; i++) {
		if (odp_sets[i].type != type)
			continue;
		if (odp_sets[i].proto == nw_proto)
			return &odp_sets[i];
		last = &odp_sets[i]; /* set(udp), as the agent always printed a non-TCP L4 set */
	}
	return last;
}

const struct odp_field *odp_field_find(const struct odp_field *t, unsigned int n, struct odp_text name)
{
	return find(t, n, sizeof(t[0]), name);
}

static __u64 get_uint(const void *base, size_t off, __u8 size)
{
	const __u8 *p = (const __u8 *)base + off;
	__u32 v32;
	__u16 v16;

	if (size == 1)
		return *p;
	if (size == 2) {
		memcpy(&v16, p, 2);
		return v16;
	}
	memcpy(&v32, p, 4);
	return v32;
}

static void put_uint(void *base, size_t off, __u8 size, __u64 v)
{
	__u8 *p = (__u8 *)base + off;
	__u32 v32 = (__u32)v;
	__u16 v16 = (__u16)v;

	if (size == 1)
		*p = (__u8)v;
	else if (size == 2)
		memcpy(p, &v16, 2);
	else
		memcpy(p, &v32, 4);
}

/* Copies t into a NUL-terminated buffer; -1 if it does not fit. */
static int text_copy(struct odp_text t, char *out, size_t size)
{
	if (t.n >= size)
		return -1;
	memcpy(out, t.s, t.n);
	out[t.n] = 0;
	return 0;
}

/* An unsigned number in C syntax (0x.., 0.., decimal), digits only, at most max. */
static int parse_uint(struct odp_text t, __u64 max, __u64 *v)
{
	char buf[24], *end;

	if (text_copy(t, buf, sizeof(buf)) || !isdigit((unsigned char)buf[0]))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return errno || *end || *v > max ? -1 : 0;
}

static const char *const TCP_FLAG_NAMES[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns" };

/* fin|syn|... or a number. */
static int parse_tcp_flags(struct odp_text t, __u64 max, __u64 *v)
{
	size_t i = 0;

	if (!parse_uint(t, max, v))
		return 0;
	*v = 0;
	while (i < t.n) {
		struct odp_text w = { t.s + i, 0 };
		unsigned int b;

		while (i < t.n && t.s[i] != '|')
			i++, w.n++;
		for (b = 0; b < N_OF(TCP_FLAG_NAMES) && !odp_text_is(w, TCP_FLAG_NAMES[b]); b++)
			;
		if (b == N_OF(TCP_FLAG_NAMES))
			return -1;
		*v |= 1u << b;
		if (i < t.n && ++i == t.n)
			return -1; /* a trailing '|' */
	}
	return t.n ? 0 : -1;
}

static int parse_mac(struct odp_text t, __u8 *mac)
{
	size_t i = 0;
	int b;

	for (b = 0; b < 6; b++) {
		unsigned int v = 0, digits = 0;

		if (b && (i >= t.n || t.s[i++] != ':'))
			return -1;
		for (; i < t.n && isxdigit((unsigned char)t.s[i]) && digits < 2; i++, digits++)
			v = v * 16 + (unsigned int)(isdigit((unsigned char)t.s[i]) ? t.s[i] - '0' : (tolower((unsigned char)t.s[i]) - 'a' + 10));
		if (!digits)
			return -1;
		mac[b] = (__u8)v;
	}
	return i == t.n ? 0 : -1;
}

static int parse_addr(struct odp_text t, int af, __u8 *out)
{
	char buf[64];

	return text_copy(t, buf, sizeof(buf)) || inet_pton(af, buf, out) != 1 ? -1 : 0;
}

static const char *const FRAG_NAMES[] = { [DP_FRAG_NONE] = "no", [DP_FRAG_FIRST] = "first", [DP_FRAG_LATER] = "later" };

/* One value or mask of a field: numbers into *num, addresses into out. */
static int parse_part(const struct odp_field *f, struct odp_text t, int is_mask, __u8 *out, __u64 *num)
{
	__u64 size_max = f->size == 1 ? 0xff : f->size == 2 ? 0xffff : 0xffffffffull;
	unsigned int i;

	switch (f->fmt) {
	case ODP_DEC:
	case ODP_HEX:
	case ODP_ETHERTYPE:
	case ODP_FLAG:
		return parse_uint(t, is_mask ? size_max : f->full, num);
	case ODP_TCP_FLAGS:
		return is_mask ? parse_uint(t, size_max, num) : parse_tcp_flags(t, f->full, num);
	case ODP_FRAG:
		if (is_mask)
			return parse_uint(t, 0xff, num) || (*num && *num != 0xff) ? -1 : 0;
		for (i = 0; i < N_OF(FRAG_NAMES); i++)
			if (odp_text_is(t, FRAG_NAMES[i]))
				return *num = i, 0;
		return -1;
	case ODP_MAC:
		return parse_mac(t, out);
	case ODP_IPV4:
		return parse_addr(t, AF_INET, out);
	case ODP_IPV6:
		return parse_addr(t, AF_INET6, out);
	}
	return -1;
}

static const char *const FMT_TEXT[] = {
	[ODP_DEC] = "a number", [ODP_HEX] = "a number", [ODP_ETHERTYPE] = "an ethertype",
	[ODP_TCP_FLAGS] = "fin|syn|rst|psh|ack|urg|ece|cwr|ns or a number", [ODP_FRAG] = "no, first or later",
	[ODP_FLAG] = "no value", [ODP_MAC] = "a MAC address", [ODP_IPV4] = "an IPv4 address", [ODP_IPV6] = "an IPv6 address",
};

static int bad(char *why, size_t whylen, const struct odp_field *f, int is_mask, struct odp_text t)
{
	unsigned long long max = is_mask ? (f->size == 1 ? 0xff : f->size == 2 ? 0xffff : 0xffffffffull) : f->full;
	int n = snprintf(why, whylen, "bad %s '%.*s' (%s", is_mask ? "mask" : "value", (int)(t.n < 40 ? t.n : 40), t.s, FMT_TEXT[f->fmt]);

	if (n >= 0 && (size_t)n < whylen && f->fmt <= ODP_HEX)
		snprintf(why + n, whylen - (size_t)n, " up to %llu)", max);
	else if (n >= 0 && (size_t)n < whylen)
		snprintf(why + n, whylen - (size_t)n, ")");
	return -1;
}

/* The rules of values that are more than a range: 802.2 (ethertype 0), masks all or nothing. */
static int ethertype_rules(const struct odp_field *f, __u64 *v, __u64 m, char *why, size_t whylen)
{
	if (f->fmt != ODP_ETHERTYPE)
		return 0;
	if (m && m != 0xffff)
		return snprintf(why, whylen, "masks are all (0xffff) or nothing (0): the kernel matches the ethertype exactly"), -1;
	if (m && *v && *v < 0x600)
		return snprintf(why, whylen, "0x%llx is an 802.3 length, not an ethertype: eth_type(0/0xffff) matches 802.2 frames",
				(unsigned long long)*v), -1;
	if (m && !*v)
		*v = DP_ETH_P_802_2; /* OVS leaves the ethertype out for 802.2; the key holds 0x05ff */
	return 0;
}

int odp_field_parse(const struct odp_field *f, struct odp_text text, void *v, void *m, int maskable, char *why, size_t whylen)
{
	struct odp_text val = text, msk = { NULL, 0 };
	__u8 *vp = (__u8 *)v + f->off, *mp = (__u8 *)m + f->moff;
	__u64 x = 0, y = f->full;
	size_t i;

	for (i = 0; i < text.n; i++) {
		if (text.s[i] == '/') {
			val.n = i;
			msk.s = text.s + i + 1;
			msk.n = text.n - i - 1;
			break;
		}
	}
	if (msk.s && !maskable)
		return snprintf(why, whylen, "takes no mask"), -1;
	if (parse_part(f, val, 0, vp, &x))
		return bad(why, whylen, f, 0, val);
	if (msk.s && parse_part(f, msk, 1, mp, &y))
		return bad(why, whylen, f, 1, msk);
	if (f->fmt >= ODP_MAC) {
		if (!msk.s)
			memset(mp, 0xff, f->size);
		return 0;
	}
	y &= f->full;
	if (ethertype_rules(f, &x, y, why, whylen))
		return -1;
	put_uint(v, f->off, f->size, x);
	put_uint(m, f->moff, f->size, y);
	return 0;
}

const struct odp_need *odp_needs_unmet(const struct odp_attr *a, const struct dp_flow_key *k, const struct dp_flow_key *m, int matched)
{
	unsigned int i;

	for (i = 0; i < ODP_MAX_NEEDS && a->needs[i].text; i++) {
		const struct odp_need *n = &a->needs[i];
		__u64 v = get_uint(k, n->off, n->size), mk = get_uint(m, n->off, n->size);
		int in;

		if (matched) {
			v &= mk;
			if (n->exact && mk != (n->size == 1 ? 0xffu : 0xffffu))
				return n;
		}
		in = v == n->val[0] || (n->val[1] && v == n->val[1]);
		if (in == n->not)
			return n;
	}
	return NULL;
}

int odp_nonzero(const void *p, size_t n)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 1;
	return 0;
}

int odp_attr_masked(const struct odp_attr *a, const struct dp_flow_key *m)
{
	unsigned int i;

	for (i = 0; i < a->n_fields; i++)
		if (odp_nonzero((const __u8 *)m + a->fields[i].moff, a->fields[i].size))
			return 1;
	return 0;
}

static void and_bytes(__u8 *v, const __u8 *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] &= m[i];
}

void odp_flow_normalize(struct dp_flow_key *k, const struct dp_flow_key *m, struct dp_flow *f)
{
	__u32 i, j;

	and_bytes((__u8 *)k, (const __u8 *)m, sizeof(*k));
	for (i = 0; i < f->n_actions && i < DP_MAX_ACTIONS; i++) {
		struct dp_action *a = &f->actions[i];
		const struct odp_set *s = odp_set_for(a->type, 0);

		for (j = 0; s && j < s->n_fields; j++)
			and_bytes((__u8 *)a + s->fields[j].off, (const __u8 *)a + s->fields[j].moff, s->fields[j].size);
	}
}

void odp_put(struct odp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p, b->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->left)
		n = b->left ? (int)b->left - 1 : 0;
	b->p += n;
	b->left -= (size_t)n;
}

void odp_sep(struct odp_buf *b)
{
	if (!b->first)
		odp_put(b, ",");
	b->first = 0;
}

static void format_tcp_flags(struct odp_buf *b, __u64 v, __u64 m, __u32 full)
{
	unsigned int i;
	int first = 1;

	/* Names only for an exact match of flags that have one (bits 9-11 are reserved). */
	if ((m & full) != full || v >= 1u << N_OF(TCP_FLAG_NAMES)) {
		odp_put(b, (m & full) == full ? "0x%03llx" : "0x%03llx/0x%03llx", (unsigned long long)v, (unsigned long long)m);
		return;
	}
	for (i = 0; i < N_OF(TCP_FLAG_NAMES); i++) {
		if (v & (1u << i)) {
			odp_put(b, "%s%s", first ? "" : "|", TCP_FLAG_NAMES[i]);
			first = 0;
		}
	}
	if (first)
		odp_put(b, "0");
}

static void format_number(struct odp_buf *b, const struct odp_field *f, __u64 v, __u64 m)
{
	int whole = (m & f->full) == f->full;

	switch (f->fmt) {
	case ODP_DEC:
		odp_put(b, whole ? "%llu" : "%llu/%llu", (unsigned long long)v, (unsigned long long)m);
		break;
	case ODP_HEX:
		odp_put(b, whole ? "0x%llx" : "0x%llx/0x%llx", (unsigned long long)v, (unsigned long long)m);
		break;
	case ODP_ETHERTYPE:
		/* 802.2 frames have no ethertype: OVS prints the mask of the one left out as 0/MASK. */
		if (v == DP_ETH_P_802_2)
			odp_put(b, "0/0x%llx", (unsigned long long)m);
		else
			odp_put(b, whole ? "0x%04llx" : "0x%04llx/0x%llx", (unsigned long long)v, (unsigned long long)m);
		break;
	case ODP_TCP_FLAGS:
		format_tcp_flags(b, v, m, f->full);
		break;
	case ODP_FRAG:
		odp_put(b, "%s%s", v < N_OF(FRAG_NAMES) && FRAG_NAMES[v] ? FRAG_NAMES[v] : "no", m == 0xff ? "" : "/0");
		break;
	}
}

static void format_addr(struct odp_buf *b, const struct odp_field *f, const __u8 *x)
{
	char t[INET6_ADDRSTRLEN];

	if (f->fmt == ODP_MAC)
		odp_put(b, "%02x:%02x:%02x:%02x:%02x:%02x", x[0], x[1], x[2], x[3], x[4], x[5]);
	else
		odp_put(b, "%s", inet_ntop(f->fmt == ODP_IPV6 ? AF_INET6 : AF_INET, x, t, sizeof(t)));
}

void odp_field_format(struct odp_buf *b, const struct odp_field *f, const void *v, const void *m)
{
	const __u8 *vp = (const __u8 *)v + f->off, *mp = (const __u8 *)m + f->moff;
	size_t i;

	if (f->fmt == ODP_FLAG) {
		odp_put(b, "%s", f->name);
		return;
	}
	if (f->name)
		odp_put(b, "%s=", f->name);
	if (f->fmt < ODP_MAC) {
		format_number(b, f, get_uint(v, f->off, f->size), get_uint(m, f->moff, f->size));
		return;
	}
	format_addr(b, f, vp);
	for (i = 0; i < f->size && mp[i] == 0xff; i++)
		;
	if (i < f->size) {
		odp_put(b, "/");
		format_addr(b, f, mp);
	}
}
