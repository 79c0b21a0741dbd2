import { isIpv4, isIpv6, isMac } from '../packet/index.js';

/**
 * The fields dplab understands, with the value syntax, widths and prerequisites ovs-fields(7)
 * gives them. This one table drives every field name the parser takes: each row is one field,
 * with the names it is written by in a match and as the target of `set_field`. A rule that uses
 * a field without its prerequisite is rejected (OVS would silently drop such a match and the
 * case would test something else, and it refuses such a set_field).
 */

export type ValueKind = 'mac' | 'ipv4' | 'ipv6' | 'uint' | 'port' | 'flags' | 'frag';

/** How a field is named in one place of a rule (a match, or set_field's target). */
export interface FieldNames {
  /** The canonical name: the one typed rules carry and `formatOfctlFlow` writes. */
  readonly name: string;
  /**
   * Other names for the same field: OVS's ("aka" in ovs-fields(7) and lib/meta-flow.h), and,
   * in matches, the TCP/UDP spellings of the shared L4 ports. An alias given with its own
   * prerequisite narrows the field's.
   */
  readonly aliases?: readonly (string | { readonly name: string; readonly needs: readonly string[] })[];
  /**
   * Prerequisite: protocol shorthands, one of which the rule must match; `vlan`: a VLAN header;
   * `mpls`/`mplsm` also an MPLS header pushed by an earlier action; `ct-exec`: inside ct(exec(...)).
   */
  readonly needs?: readonly string[];
}

export interface FieldDef {
  readonly kind: ValueKind;
  /** Width of a `uint` (or `port`, `flags`) value in bits, as ovs-fields(7) gives it (the bits that may be nonzero). */
  readonly bits?: number;
  /** Low bits a `uint` keeps clear, and what they are: nw_tos is the DSCP shifted left 2, without the ECN bits. */
  readonly clearLow?: { readonly bits: number; readonly what: string };
  /** A value past the width that still means something: dl_vlan=0xffff matches frames without a VLAN header (ovs-ofctl(8)). */
  readonly special?: { readonly value: number; readonly means: string };
  /** Flag names of a `flags` field (`+syn-ack`, `+trk+est`, `+oam`) and their bits. */
  readonly flags?: Readonly<Record<string, number>>;
  /** Whether a match may give a `/mask` (and set_field a `V/M`). */
  readonly maskable: boolean;
  /** Prerequisite "CT" (ovs-fields(7)): the match must establish a valid conntrack state (see validCtState). */
  readonly ct?: true;
  /** Another field the match must give (with one of `values`), or OVS drops this one from the match. */
  readonly requires?: { readonly field: string; readonly values?: readonly number[] };
  /** The NXM/OXM name OVS also takes in subfields (`NXM_NX_REG0[0..15]`). */
  readonly nxm?: string;
  readonly match?: FieldNames;
  readonly set?: FieldNames;
}

const SCTP = ['sctp', 'sctp6'];
/** Shorthands that guarantee IPv4, IPv6, either, TCP, UDP (one of each list). */
export const IP = ['ip', 'tcp', 'udp', 'icmp', 'sctp'];
export const IP6 = ['ipv6', 'tcp6', 'udp6', 'icmp6', 'sctp6'];
export const IP_ANY = [...IP, ...IP6];
export const TCP = ['tcp', 'tcp6'];
export const UDP = ['udp', 'udp6'];
const L4 = [...TCP, ...UDP, ...SCTP];
/** A VLAN header: matched (dl_vlan, dl_vlan_pcp, vlan_tci with 0x1000) or pushed by an earlier action. */
export const VLAN_HEADER = 'vlan';
/** An MPLS header: `mpls`/`mplsm` matched (or dl_type spelled out), or pushed by an earlier push_mpls. */
export const MPLS = ['mpls', 'mplsm'];
/** Inside ct(exec(...)): OVS lets only the conntrack entry's ct_mark and ct_label be written there, and only there. */
export const CT_EXEC = 'ct-exec';
/** ND: a neighbor solicitation (135) or advertisement (136); OVS drops nd_* from any other match. */
const ND = { field: 'icmpv6_type', values: [135, 136] };

const TCP_FLAGS = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ece: 0x40, cwr: 0x80, ns: 0x100 };
/** ct_state's flags (ovs-fields(7) "Connection Tracking State Field"). */
export const CT_STATE_FLAGS = { new: 0x01, est: 0x02, rel: 0x04, rpl: 0x08, inv: 0x10, trk: 0x20, snat: 0x40, dnat: 0x80 } as const;

/** A field read and written under one name, with the same prerequisite both ways. */
const rw = (name: string, needs?: readonly string[], aliases?: readonly string[]): Pick<FieldDef, 'match' | 'set'> => {
  const names = { name, ...(needs ? { needs } : {}), ...(aliases ? { aliases } : {}) };
  return { match: names, set: names };
};
const range = (n: number) => [...Array(n).keys()];

export const FIELDS: readonly FieldDef[] = [
  { kind: 'port', bits: 16, maskable: false, nxm: 'NXM_OF_IN_PORT', match: { name: 'in_port' } },
  { kind: 'mac', maskable: true, nxm: 'NXM_OF_ETH_SRC', match: { name: 'dl_src', aliases: ['eth_src'] }, set: { name: 'eth_src', aliases: ['dl_src'] } },
  { kind: 'mac', maskable: true, nxm: 'NXM_OF_ETH_DST', match: { name: 'dl_dst', aliases: ['eth_dst'] }, set: { name: 'eth_dst', aliases: ['dl_dst'] } },
  { kind: 'uint', bits: 16, maskable: false, nxm: 'NXM_OF_ETH_TYPE', match: { name: 'dl_type', aliases: ['eth_type'] } },
  { kind: 'uint', bits: 12, special: { value: 0xffff, means: 'frames without a VLAN header' }, maskable: false, match: { name: 'dl_vlan' } },
  { kind: 'uint', bits: 3, maskable: false, match: { name: 'dl_vlan_pcp' } },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'NXM_OF_VLAN_TCI', match: { name: 'vlan_tci' } },
  // OpenFlow 1.2+ vlan_vid carries OFPVID_PRESENT (0x1000): 4106 is VID 10.
  { kind: 'uint', bits: 13, maskable: false, nxm: 'OXM_OF_VLAN_VID', set: { name: 'vlan_vid', needs: [VLAN_HEADER] } },
  { kind: 'uint', bits: 3, maskable: false, nxm: 'OXM_OF_VLAN_PCP', set: { name: 'vlan_pcp', needs: [VLAN_HEADER] } },
  // An ARP rule matches its protocol addresses here too: OVS keeps them where the IPv4 ones go.
  {
    kind: 'ipv4',
    maskable: true,
    nxm: 'NXM_OF_IP_SRC',
    match: { name: 'nw_src', aliases: ['ip_src'], needs: [...IP, 'arp'] },
    set: { name: 'ip_src', aliases: ['nw_src'], needs: IP },
  },
  {
    kind: 'ipv4',
    maskable: true,
    nxm: 'NXM_OF_IP_DST',
    match: { name: 'nw_dst', aliases: ['ip_dst'], needs: [...IP, 'arp'] },
    set: { name: 'ip_dst', aliases: ['nw_dst'], needs: IP },
  },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_OF_IP_PROTO', match: { name: 'nw_proto', aliases: ['ip_proto'], needs: [...IP_ANY, 'arp'] } },
  { kind: 'uint', bits: 8, clearLow: { bits: 2, what: 'ECN' }, maskable: false, nxm: 'NXM_OF_IP_TOS', match: { name: 'nw_tos', needs: IP_ANY } },
  { kind: 'uint', bits: 6, maskable: false, nxm: 'OXM_OF_IP_DSCP', ...rw('ip_dscp', IP_ANY) },
  {
    kind: 'uint',
    bits: 2,
    maskable: false,
    nxm: 'NXM_NX_IP_ECN',
    match: { name: 'nw_ecn', aliases: ['ip_ecn'], needs: IP_ANY },
    set: { name: 'nw_ecn', aliases: ['ip_ecn'], needs: IP_ANY },
  },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_NX_IP_TTL', ...rw('nw_ttl', IP_ANY) },
  { kind: 'frag', bits: 2, maskable: false, nxm: 'NXM_NX_IP_FRAG', match: { name: 'nw_frag', aliases: ['ip_frag'], needs: IP_ANY } },
  { kind: 'ipv6', maskable: true, nxm: 'NXM_NX_IPV6_SRC', ...rw('ipv6_src', IP6) },
  { kind: 'ipv6', maskable: true, nxm: 'NXM_NX_IPV6_DST', ...rw('ipv6_dst', IP6) },
  { kind: 'uint', bits: 20, maskable: true, nxm: 'NXM_NX_IPV6_LABEL', ...rw('ipv6_label', IP6) },
  // A match reads the one L4 port pair OVS keeps whatever the protocol; set_field writes a TCP,
  // UDP or SCTP field, and OVS's tp_src/tp_dst are tcp_src/tcp_dst.
  {
    kind: 'uint',
    bits: 16,
    maskable: true,
    match: {
      name: 'tp_src',
      needs: L4,
      aliases: [
        { name: 'tcp_src', needs: TCP },
        { name: 'udp_src', needs: UDP },
        { name: 'sctp_src', needs: SCTP },
      ],
    },
  },
  {
    kind: 'uint',
    bits: 16,
    maskable: true,
    match: {
      name: 'tp_dst',
      needs: L4,
      aliases: [
        { name: 'tcp_dst', needs: TCP },
        { name: 'udp_dst', needs: UDP },
        { name: 'sctp_dst', needs: SCTP },
      ],
    },
  },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'NXM_OF_TCP_SRC', set: { name: 'tcp_src', aliases: ['tp_src'], needs: TCP } },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'NXM_OF_TCP_DST', set: { name: 'tcp_dst', aliases: ['tp_dst'], needs: TCP } },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'NXM_OF_UDP_SRC', set: { name: 'udp_src', needs: UDP } },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'NXM_OF_UDP_DST', set: { name: 'udp_dst', needs: UDP } },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'OXM_OF_SCTP_SRC', set: { name: 'sctp_src', needs: SCTP } },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'OXM_OF_SCTP_DST', set: { name: 'sctp_dst', needs: SCTP } },
  { kind: 'flags', bits: 12, flags: TCP_FLAGS, maskable: true, nxm: 'NXM_NX_TCP_FLAGS', match: { name: 'tcp_flags', needs: TCP } },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_OF_ICMP_TYPE', match: { name: 'icmp_type', needs: ['icmp'] } },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_OF_ICMP_CODE', match: { name: 'icmp_code', needs: ['icmp'] } },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_NX_ICMPV6_TYPE', match: { name: 'icmpv6_type', needs: ['icmp6'] } },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_NX_ICMPV6_CODE', match: { name: 'icmpv6_code', needs: ['icmp6'] } },
  { kind: 'ipv6', maskable: true, requires: ND, nxm: 'NXM_NX_ND_TARGET', ...rw('nd_target', ['icmp6']) },
  { kind: 'mac', maskable: true, requires: { field: 'icmpv6_type', values: [135] }, nxm: 'NXM_NX_ND_SLL', ...rw('nd_sll', ['icmp6']) },
  { kind: 'mac', maskable: true, requires: { field: 'icmpv6_type', values: [136] }, nxm: 'NXM_NX_ND_TLL', ...rw('nd_tll', ['icmp6']) },
  { kind: 'uint', bits: 32, maskable: false, requires: ND, ...rw('nd_reserved', ['icmp6']) },
  { kind: 'uint', bits: 8, maskable: false, requires: ND, ...rw('nd_options_type', ['icmp6']) },
  // 16 bits on the wire, but OVS keeps the opcode in one byte of its flow (meta-flow.h: match
  // 1..255 only; a wider value would be truncated), and so does the eBPF flow key.
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_OF_ARP_OP', ...rw('arp_op', ['arp']) },
  { kind: 'ipv4', maskable: true, nxm: 'NXM_OF_ARP_SPA', ...rw('arp_spa', ['arp']) },
  { kind: 'ipv4', maskable: true, nxm: 'NXM_OF_ARP_TPA', ...rw('arp_tpa', ['arp']) },
  { kind: 'mac', maskable: true, nxm: 'NXM_NX_ARP_SHA', ...rw('arp_sha', ['arp']) },
  { kind: 'mac', maskable: true, nxm: 'NXM_NX_ARP_THA', ...rw('arp_tha', ['arp']) },
  // MPLS: the top label stack entry. OVS keeps 20, 3 and 1 bits of its 32- and 8-bit fields
  // and truncates a wider value, so dplab refuses one.
  { kind: 'uint', bits: 20, maskable: false, nxm: 'OXM_OF_MPLS_LABEL', ...rw('mpls_label', MPLS) },
  { kind: 'uint', bits: 3, maskable: false, nxm: 'OXM_OF_MPLS_TC', ...rw('mpls_tc', MPLS) },
  { kind: 'uint', bits: 1, maskable: false, nxm: 'OXM_OF_MPLS_BOS', match: { name: 'mpls_bos', needs: MPLS } },
  { kind: 'uint', bits: 8, maskable: false, nxm: 'NXM_NX_MPLS_TTL', ...rw('mpls_ttl', MPLS) },
  // Conntrack: read-only but for ct_mark/ct_label, which only ct(exec(...)) writes.
  { kind: 'flags', bits: 32, flags: CT_STATE_FLAGS, maskable: true, nxm: 'NXM_NX_CT_STATE', match: { name: 'ct_state' } },
  { kind: 'uint', bits: 16, maskable: false, nxm: 'NXM_NX_CT_ZONE', match: { name: 'ct_zone' } },
  { kind: 'uint', bits: 32, maskable: true, nxm: 'NXM_NX_CT_MARK', match: { name: 'ct_mark' }, set: { name: 'ct_mark', needs: [CT_EXEC] } },
  { kind: 'uint', bits: 128, maskable: true, nxm: 'NXM_NX_CT_LABEL', match: { name: 'ct_label' }, set: { name: 'ct_label', needs: [CT_EXEC] } },
  // The original-direction tuple: "CT" and the IP or IPv6 ethertype (ovs-fields(7)).
  { kind: 'ipv4', maskable: true, ct: true, nxm: 'NXM_NX_CT_NW_SRC', match: { name: 'ct_nw_src', needs: IP } },
  { kind: 'ipv4', maskable: true, ct: true, nxm: 'NXM_NX_CT_NW_DST', match: { name: 'ct_nw_dst', needs: IP } },
  { kind: 'ipv6', maskable: true, ct: true, nxm: 'NXM_NX_CT_IPV6_SRC', match: { name: 'ct_ipv6_src', needs: IP6 } },
  { kind: 'ipv6', maskable: true, ct: true, nxm: 'NXM_NX_CT_IPV6_DST', match: { name: 'ct_ipv6_dst', needs: IP6 } },
  { kind: 'uint', bits: 8, maskable: false, ct: true, nxm: 'NXM_NX_CT_NW_PROTO', match: { name: 'ct_nw_proto', needs: IP_ANY } },
  // OVS drops ct_tp_src/ct_tp_dst from a match that does not give ct_nw_proto.
  {
    kind: 'uint',
    bits: 16,
    maskable: true,
    ct: true,
    requires: { field: 'ct_nw_proto' },
    nxm: 'NXM_NX_CT_TP_SRC',
    match: { name: 'ct_tp_src', needs: IP_ANY },
  },
  {
    kind: 'uint',
    bits: 16,
    maskable: true,
    ct: true,
    requires: { field: 'ct_nw_proto' },
    nxm: 'NXM_NX_CT_TP_DST',
    match: { name: 'ct_tp_dst', needs: IP_ANY },
  },
  // Registers and metadata.
  ...range(16).map((i): FieldDef => ({ kind: 'uint', bits: 32, maskable: true, nxm: `NXM_NX_REG${i}`, ...rw(`reg${i}`) })),
  ...range(8).map((i): FieldDef => ({ kind: 'uint', bits: 64, maskable: true, nxm: `OXM_OF_PKT_REG${i}`, ...rw(`xreg${i}`) })),
  ...range(4).map((i): FieldDef => ({ kind: 'uint', bits: 128, maskable: true, nxm: `NXM_NX_XXREG${i}`, ...rw(`xxreg${i}`) })),
  { kind: 'uint', bits: 64, maskable: true, nxm: 'OXM_OF_METADATA', ...rw('metadata') },
  { kind: 'uint', bits: 32, maskable: true, nxm: 'NXM_NX_PKT_MARK', ...rw('pkt_mark') },
  { kind: 'uint', bits: 32, maskable: true, nxm: 'NXM_NX_DP_HASH', match: { name: 'dp_hash' } },
  // Tunnel metadata: what a tunnel port received with, or sends with.
  { kind: 'uint', bits: 64, maskable: true, nxm: 'NXM_NX_TUN_ID', ...rw('tun_id', undefined, ['tunnel_id']) },
  { kind: 'ipv4', maskable: true, nxm: 'NXM_NX_TUN_IPV4_SRC', ...rw('tun_src') },
  { kind: 'ipv4', maskable: true, nxm: 'NXM_NX_TUN_IPV4_DST', ...rw('tun_dst') },
  { kind: 'ipv6', maskable: true, nxm: 'NXM_NX_TUN_IPV6_SRC', ...rw('tun_ipv6_src') },
  { kind: 'ipv6', maskable: true, nxm: 'NXM_NX_TUN_IPV6_DST', ...rw('tun_ipv6_dst') },
  { kind: 'flags', bits: 1, flags: { oam: 1 }, maskable: true, nxm: 'NXM_NX_TUN_FLAGS', ...rw('tun_flags') },
  { kind: 'uint', bits: 16, maskable: true, nxm: 'NXM_NX_TUN_GBP_ID', ...rw('tun_gbp_id') },
  { kind: 'uint', bits: 8, maskable: true, nxm: 'NXM_NX_TUN_GBP_FLAGS', ...rw('tun_gbp_flags') },
  // 124 bytes at most (ovs-fields(7)); what a TLV holds is mapped by add-tlv-map.
  ...range(64).map((i): FieldDef => ({ kind: 'uint', bits: 992, maskable: true, nxm: `NXM_NX_TUN_METADATA${i}`, ...rw(`tun_metadata${i}`) })),
  { kind: 'uint', bits: 4, maskable: true, ...rw('tun_erspan_ver') },
  { kind: 'uint', bits: 20, maskable: true, ...rw('tun_erspan_idx') },
  { kind: 'uint', bits: 1, maskable: true, ...rw('tun_erspan_dir') },
  { kind: 'uint', bits: 6, maskable: true, ...rw('tun_erspan_hwid') },
  { kind: 'uint', bits: 8, maskable: true, match: { name: 'tun_gtpu_flags' } },
  { kind: 'uint', bits: 8, maskable: true, match: { name: 'tun_gtpu_msgtype' } },
];

/** A name as the parser looks it up: the field, the canonical name to record and the prerequisite. */
export interface NamedField {
  readonly def: FieldDef;
  readonly canonical: string;
  readonly needs?: readonly string[];
}

function index(where: 'match' | 'set'): ReadonlyMap<string, NamedField> {
  const out = new Map<string, NamedField>();
  const add = (name: string, f: NamedField) => {
    // Two rows claiming one name would make a rule mean whichever came first.
    if (out.has(name)) throw new Error(`fields.ts: '${name}' names two ${where} fields`);
    out.set(name, f);
  };
  for (const def of FIELDS) {
    const names = def[where];
    if (!names) continue;
    const base = { def, canonical: names.name, ...(names.needs ? { needs: names.needs } : {}) };
    add(names.name, base);
    for (const a of names.aliases ?? []) add(typeof a === 'string' ? a : a.name, typeof a === 'string' ? base : { ...base, needs: a.needs });
  }
  return out;
}

/** Every name a match field is written by (canonical names and aliases). */
export const MATCH_FIELDS = index('match');
/** Every name `set_field:V->F` takes as F (canonical names and aliases). */
export const SET_FIELDS = index('set');

/**
 * Every name a field is read or written by in a subfield (`reg0[0..15]`, `NXM_OF_ETH_SRC[]`,
 * `eth_src[]`), to the field and the name typed rules carry: the set_field name where the field
 * has one (OVS's own name: eth_src, tcp_src), else the match name. A name two rows take (tp_src
 * is a match row and an alias of tcp_src) is the writable row's, as in OVS.
 */
export const SUB_FIELDS: ReadonlyMap<string, NamedField> = (() => {
  const out = new Map<string, NamedField>();
  const rows = [...FIELDS.filter((d) => d.set), ...FIELDS.filter((d) => !d.set)];
  for (const def of rows) {
    const names = def.set ?? def.match;
    if (!names) continue;
    const f: NamedField = { def, canonical: names.name, ...(names.needs ? { needs: names.needs } : {}) };
    const all = [
      names.name,
      def.match?.name,
      ...[...(def.set?.aliases ?? []), ...(def.match?.aliases ?? [])].map((a) => (typeof a === 'string' ? a : a.name)),
      def.nxm,
    ];
    for (const n of all) if (n !== undefined && !out.has(n)) out.set(n, f);
  }
  return out;
})();

/** A field's width in bits, for subfields (`[lo..hi]`) and values given as numbers. */
export function fieldBits(def: FieldDef): number {
  if (def.kind === 'mac') return 48;
  if (def.kind === 'ipv4') return 32;
  if (def.kind === 'ipv6') return 128;
  return def.bits ?? 8;
}

/** Protocol shorthands (ovs-fields(7) "Shorthand notation"): the dl_type and nw_proto each stands for. */
export const SHORTHAND_MATCH: Readonly<Record<string, { readonly dlType: number; readonly nwProto?: number }>> = {
  ip: { dlType: 0x0800 },
  ipv6: { dlType: 0x86dd },
  arp: { dlType: 0x0806 },
  mpls: { dlType: 0x8847 },
  mplsm: { dlType: 0x8848 },
  tcp: { dlType: 0x0800, nwProto: 6 },
  udp: { dlType: 0x0800, nwProto: 17 },
  icmp: { dlType: 0x0800, nwProto: 1 },
  sctp: { dlType: 0x0800, nwProto: 132 },
  tcp6: { dlType: 0x86dd, nwProto: 6 },
  udp6: { dlType: 0x86dd, nwProto: 17 },
  icmp6: { dlType: 0x86dd, nwProto: 58 },
  sctp6: { dlType: 0x86dd, nwProto: 132 },
};
export const SHORTHANDS: ReadonlySet<string> = new Set(Object.keys(SHORTHAND_MATCH));

/**
 * The protocol shorthands a match guarantees: those written, and those its dl_type and nw_proto
 * spell out (`tcp` for `ip,nw_proto=6`). A transport shorthand does not imply its network one
 * here: the prerequisite lists name both.
 */
export function impliedShorthands(match: readonly { readonly name: string; readonly value: string }[]): Set<string> {
  const dlType = match.find((m) => m.name === 'dl_type')?.value;
  const proto = match.find((m) => m.name === 'nw_proto')?.value;
  const implied = new Set(match.filter((m) => m.value === '').map((m) => m.name));
  const networkShorthands = [...implied].flatMap((i) => SHORTHAND_MATCH[i] ?? []).filter((m) => m.nwProto === undefined);
  const netTypes = new Set(networkShorthands.map((m) => m.dlType));
  if (dlType !== undefined) netTypes.add(Number(dlType));
  for (const [short, m] of Object.entries(SHORTHAND_MATCH)) {
    if (netTypes.has(m.dlType) && (m.nwProto === undefined || (proto !== undefined && Number(proto) === m.nwProto))) implied.add(short);
  }
  return implied;
}

export function parseUint(s: string): number | undefined {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) return undefined;
  return Number(s);
}

/** A number of any width (ct_label is 128 bits, tun_metadata 992), decimal or 0x hex. */
export function parseBig(s: string): bigint | undefined {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(s) ? BigInt(s) : undefined;
}

/** The largest value (or mask) a field of `bits` bits holds; any number for a field without a width. */
export function widthMax(bits: number | undefined): number {
  return bits === undefined ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
}

/** Why `text` is not a number of at most `max`, or undefined when it is one. */
export function checkUint(text: string, max: number): string | undefined {
  const v = parseUint(text);
  if (v === undefined) return `'${text}' is not a number`;
  return v > max ? `${text} is larger than ${max}` : undefined;
}

/** Why `text` is not a number of `bits` bits, or undefined; past 32 bits the limit is said as a width. */
export function checkBits(text: string, bits: number): string | undefined {
  if (bits <= 32) return checkUint(text, widthMax(bits));
  const v = parseBig(text);
  if (v === undefined) return `'${text}' is not a number`;
  return v >> BigInt(bits) !== 0n ? `${text} is wider than ${bits} bits` : undefined;
}

const FRAG = new Set(['no', 'yes', 'first', 'later', 'not_later']);

/** Why `text` is not a value of this kind (addresses, keywords; numbers go through checkValue), or undefined. */
export function checkKind(kind: 'mac' | 'ipv4' | 'ipv6' | 'frag', text: string): string | undefined {
  switch (kind) {
    case 'mac':
      return isMac(text) ? undefined : `'${text}' is not a MAC address`;
    case 'ipv4':
      return isIpv4(text) ? undefined : `'${text}' is not an IPv4 address`;
    case 'ipv6':
      return isIpv6(text) ? undefined : `'${text}' is not an IPv6 address`;
    case 'frag':
      return FRAG.has(text) ? undefined : `'${text}' is not one of ${[...FRAG].join(', ')}`;
  }
}

/** A `flags` value, `+a-b` or a number, as value and mask (the flags named, or the whole width). */
export function flagBits(def: FieldDef, text: string, mask?: string): { value: number; mask: number } {
  if (!/^[+-]/.test(text)) return { value: Number(text), mask: mask === undefined ? widthMax(def.bits) : Number(mask) };
  let value = 0;
  let m = 0;
  for (const part of text.match(/[+-][a-z]+/g) ?? []) {
    const bit = def.flags?.[part.slice(1)] ?? 0;
    m |= bit;
    if (part[0] === '+') value |= bit;
  }
  return { value: value >>> 0, mask: m >>> 0 };
}

/** Why `text` is not a value of the field (its syntax, its width), or undefined when it is one. */
export function checkValue(def: FieldDef, text: string): string | undefined {
  switch (def.kind) {
    case 'uint': {
      const v = parseUint(text);
      if (v !== undefined && def.special?.value === v) return undefined;
      const low = def.clearLow;
      const bad = low ? checkUint(text, widthMax(def.bits) - widthMax(low.bits)) : checkBits(text, def.bits ?? 64);
      if (bad) return def.special ? `${bad} (or 0x${def.special.value.toString(16)} for ${def.special.means})` : bad;
      if (low && (v as number) % 2 ** low.bits !== 0) return `${text} sets ${low.what} bits; the value must be a multiple of ${2 ** low.bits}`;
      return undefined;
    }
    case 'flags': {
      if (parseUint(text) !== undefined) return checkBits(text, def.bits ?? 32);
      const names = Object.keys(def.flags ?? {});
      const parts = text.match(/[+-][a-z]+/g);
      if (!parts || parts.join('') !== text) return `'${text}' is not a flag set like +${names[0]}-${names[1] ?? names[0]} (flags: ${names.join(' ')})`;
      const bad = parts.find((p) => !names.includes(p.slice(1)));
      return bad ? `unknown flag '${bad.slice(1)}' (flags: ${names.join(' ')})` : undefined;
    }
    case 'port':
      // Ports are resolved (names, numbers, width) by the parser, which knows the topology.
      return undefined;
    default:
      return checkKind(def.kind, text);
  }
}

/** Why `text` is not a mask of the field, or undefined when it is one. Masks cover the whole width. */
export function checkMask(def: FieldDef, text: string): string | undefined {
  if (def.kind === 'uint' || def.kind === 'flags') return checkBits(text, def.bits ?? 64);
  return checkValue(def, text);
}
