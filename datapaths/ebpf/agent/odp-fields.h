/* SPDX-License-Identifier: MIT */
/*
 * The agent's ODP text as one table, in the manner of OVS lib/odp-util.c: every key attribute it
 * knows, each field's place in struct dp_flow_key (or in struct dp_action for set()), how it is
 * written, its full mask, and what the key must hold for the attribute to be there at all (the
 * kernel's flow validation, match_validate() in net/openvswitch/flow_netlink.c). The parser
 * (odp-parse.c) and the printer (odp-format.c) both walk it, so each field is described once and
 * what one accepts the other prints. Userspace only.
 */
#ifndef DPLAB_ODP_FIELDS_H
#define DPLAB_ODP_FIELDS_H

#include <stddef.h>
#include <linux/types.h>
#include "../bpf/datapath.h"

enum odp_fmt {
	ODP_DEC,       /* unsigned decimal, masks too */
	ODP_HEX,       /* unsigned 0x.., masks too */
	ODP_ETHERTYPE, /* 0x%04x; 0 with a mask stands for 802.2 frames, which have none */
	ODP_TCP_FLAGS, /* fin|syn|... when exact, else 0x%03x/0x%03x */
	ODP_FRAG,      /* no|first|later, masked all (0xff) or nothing (0) */
	ODP_FLAG,      /* a bare word, as userspace(...,controller): 1 when given */
	ODP_MAC,
	ODP_IPV4,      /* network order */
	ODP_IPV6,
};

struct odp_field {
	const char *name; /* NULL: the attribute's one bare value, as in in_port(1) */
	__u8 fmt;         /* enum odp_fmt */
	__u8 size;        /* bytes: numbers 1, 2 or 4 in host order; addresses as on the wire */
	__u16 off;        /* of the value in its struct */
	__u16 moff;       /* of the mask: the same offset in the mask key, or the action's mask field */
	__u32 full;       /* numbers: the bits that count; masks are cut to them, values kept under */
};

enum odp_kind {
	ODP_ATTR,     /* NAME(field=value[/mask],...) or NAME(value[/mask]) */
	ODP_META,     /* metadata this datapath lacks: accepted as 0 or wildcarded, never printed */
	ODP_ETH_TYPE, /* one a level; at a tagged level its value is the tag's TPID */
	ODP_VLAN,     /* the tag at this encap() depth; fields in struct odp_tag */
	ODP_ENCAP,    /* the packet behind the tag */
};

/*
 * A prerequisite: the key field at off must hold val[0] (or val[1] when not 0), or must not with
 * `not`. The parser checks it on the key as given: an attribute present without it is refused,
 * as the kernel refuses keys it did not expect. When the attribute matches anything (a mask bit
 * set), the need must also hold on the matched value (key & mask), with the field's mask full
 * where `exact`: the printer shows the attribute only then, as the kernel allows its mask only then.
 */
struct odp_need {
	__u16 off;
	__u8 size; /* 1 or 2 */
	__u8 exact;
	__u8 not;
	__u16 val[2];
	const char *text; /* as errors name it */
};

#define ODP_MAX_NEEDS 5
#define ODP_MAX_ATTRS 32

struct odp_attr {
	const char *name;
	__u8 kind; /* enum odp_kind */
	__u8 n_fields;
	const struct odp_field *fields;
	struct odp_need needs[ODP_MAX_NEEDS]; /* up to the first without text */
};

/* In print order; the parser accepts any order within a level. */
extern const struct odp_attr odp_attrs[];
extern const unsigned int odp_n_attrs;

/* set(NAME(...)) of a datapath action: its fields are in struct dp_action; the flow's key must
 * meet the needs of the key attribute of the same name exactly (what the action rewrites). */
struct odp_set {
	const char *name;
	__u32 type;  /* DP_ACT_SET_* */
	__u8 proto;  /* set(tcp) and set(udp) share DP_ACT_SET_L4: the key's IP protocol tells them apart */
	__u8 n_fields;
	const struct odp_field *fields;
};

extern const struct odp_set odp_sets[];
extern const unsigned int odp_n_sets;

/* The arguments of a VLAN key attribute (vid, pcp, cfi) and of push_vlan (all four). */
struct odp_tag {
	__u16 tpid, vid, pcp, cfi;
};

extern const struct odp_field odp_tag_fields[4];   /* tpid, vid, pcp, cfi */
extern const struct odp_field odp_port_field;      /* an output action's port */
extern const struct odp_field odp_userspace_fields[2]; /* pid, controller: struct odp_upcall */

struct odp_upcall {
	__u32 pid, controller;
};

/*
 * userspace(pid=N[,controller]): the datapath upcalls the same way whatever the arguments; the
 * agent keeps the pid in `port` and whether the text left `controller` out (datapath.h).
 */
#define odp_userspace_plain(a) ((a)->u.userspace.plain)

/* A piece of the text being parsed (not NUL-terminated). */
struct odp_text {
	const char *s;
	size_t n;
};

int odp_text_is(struct odp_text t, const char *word);
const struct odp_attr *odp_attr_find(struct odp_text name);
const struct odp_set *odp_set_find(struct odp_text name);
/* The set entry that prints an action of this type, for a key whose IP protocol is nw_proto. */
const struct odp_set *odp_set_for(__u32 type, __u8 nw_proto);
const struct odp_field *odp_field_find(const struct odp_field *t, unsigned int n, struct odp_text name);

/*
 * Parses `value[/mask]` into the field (value at v + off, mask at m + moff); no mask gives the
 * full one. Returns 0, or -1 with the reason in why.
 */
int odp_field_parse(const struct odp_field *f, struct odp_text text, void *v, void *m, int maskable, char *why, size_t whylen);

/* The first need of `a` that key k (mask m) misses: as given, or as matched (see struct odp_need). */
const struct odp_need *odp_needs_unmet(const struct odp_attr *a, const struct dp_flow_key *k, const struct dp_flow_key *m, int matched);
/* Whether any mask bit of a's fields is set. */
int odp_attr_masked(const struct odp_attr *a, const struct dp_flow_key *m);

/* What the datapath keeps of a parsed flow: the key under its mask, set() values under theirs. */
void odp_flow_normalize(struct dp_flow_key *k, const struct dp_flow_key *m, struct dp_flow *f);

/* The printer's output buffer: never overrun, always NUL-terminated when it has room. */
struct odp_buf {
	char *p;
	size_t left;
	int first; /* no ',' before the next attribute or field */
};

void odp_put(struct odp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The ',' between attributes, except before the first of a level. */
void odp_sep(struct odp_buf *b);
/* `name=value[/mask]` (the mask left out when full), or the bare value of an unnamed field. */
void odp_field_format(struct odp_buf *b, const struct odp_field *f, const void *v, const void *m);
int odp_nonzero(const void *p, size_t n);

#endif
