import { isIpv4, isIpv6, isMac } from '../packet/index.js';

/**
 * The fields dplab understands, with the value syntax, widths and prerequisites ovs-fields(7)
 * gives them. This one table drives every field name the parser takes: each row is one field,
 * with the names it is written by in a match and as the target of `set_field`. A rule that uses
 * a field without its prerequisite is rejected (OVS would silently drop such a match and the
 * case would test something else, and it refuses such a set_field).
 */

export type ValueKind = 'mac' | 'ipv4' | 'ipv6' | 'uint' | 'port' | 'tcp_flags' | 'frag';

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
  /** Prerequisite: protocol shorthands, one of which the rule must match; `vlan`: a VLAN header. */
  readonly needs?: readonly string[];
}

export interface FieldDef {
  readonly kind: ValueKind;
  /** Width of a `uint` (or `port`, `tcp_flags`) value in bits, as ovs-fields(7) gives it. */
  readonly bits?: number;
  /** Low bits a `uint` keeps clear, and what they are: nw_tos is the DSCP shifted left 2, without the ECN bits. */
  readonly clearLow?: { readonly bits: number; readonly what: string };
  /** A value past the width that still means something: dl_vlan=0xffff matches frames without a VLAN header (ovs-ofctl(8)). */
  readonly special?: { readonly value: number; readonly means: string };
  /** Whether a match may give a `/mask` (set_field values are never masked). */
  readonly maskable: boolean;
  readonly match?: FieldNames;
  readonly set?: FieldNames;
}

const IP = ['ip', 'tcp', 'udp', 'icmp'];
const IP6 = ['ipv6', 'tcp6', 'udp6', 'icmp6'];
const IP_ANY = [...IP, ...IP6];
const TCP = ['tcp', 'tcp6'];
const UDP = ['udp', 'udp6'];
const L4 = [...TCP, ...UDP];
/** A VLAN header: matched (dl_vlan, dl_vlan_pcp, vlan_tci with 0x1000) or pushed by an earlier action. */
export const VLAN_HEADER = 'vlan';

export const FIELDS: readonly FieldDef[] = [
  { kind: 'port', bits: 16, maskable: false, match: { name: 'in_port' } },
  { kind: 'mac', maskable: true, match: { name: 'dl_src', aliases: ['eth_src'] }, set: { name: 'eth_src', aliases: ['dl_src'] } },
  { kind: 'mac', maskable: true, match: { name: 'dl_dst', aliases: ['eth_dst'] }, set: { name: 'eth_dst', aliases: ['dl_dst'] } },
  { kind: 'uint', bits: 16, maskable: false, match: { name: 'dl_type', aliases: ['eth_type'] } },
  { kind: 'uint', bits: 12, special: { value: 0xffff, means: 'frames without a VLAN header' }, maskable: false, match: { name: 'dl_vlan' } },
  { kind: 'uint', bits: 3, maskable: false, match: { name: 'dl_vlan_pcp' } },
  { kind: 'uint', bits: 16, maskable: true, match: { name: 'vlan_tci' } },
  // OpenFlow 1.2+ vlan_vid carries OFPVID_PRESENT (0x1000): 4106 is VID 10.
  { kind: 'uint', bits: 13, maskable: false, set: { name: 'vlan_vid', needs: [VLAN_HEADER] } },
  { kind: 'uint', bits: 3, maskable: false, set: { name: 'vlan_pcp', needs: [VLAN_HEADER] } },
  // An ARP rule matches its protocol addresses here too: OVS keeps them where the IPv4 ones go.
  {
    kind: 'ipv4',
    maskable: true,
    match: { name: 'nw_src', aliases: ['ip_src'], needs: [...IP, 'arp'] },
    set: { name: 'ip_src', aliases: ['nw_src'], needs: IP },
  },
  {
    kind: 'ipv4',
    maskable: true,
    match: { name: 'nw_dst', aliases: ['ip_dst'], needs: [...IP, 'arp'] },
    set: { name: 'ip_dst', aliases: ['nw_dst'], needs: IP },
  },
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'nw_proto', aliases: ['ip_proto'], needs: [...IP_ANY, 'arp'] } },
  { kind: 'uint', bits: 8, clearLow: { bits: 2, what: 'ECN' }, maskable: false, match: { name: 'nw_tos', needs: IP_ANY } },
  { kind: 'uint', bits: 6, maskable: false, match: { name: 'ip_dscp', needs: IP_ANY }, set: { name: 'ip_dscp', needs: IP_ANY } },
  { kind: 'uint', bits: 2, maskable: false, match: { name: 'nw_ecn', aliases: ['ip_ecn'], needs: IP_ANY } },
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'nw_ttl', needs: IP_ANY }, set: { name: 'nw_ttl', needs: IP_ANY } },
  { kind: 'frag', maskable: false, match: { name: 'nw_frag', aliases: ['ip_frag'], needs: IP_ANY } },
  { kind: 'ipv6', maskable: true, match: { name: 'ipv6_src', needs: IP6 }, set: { name: 'ipv6_src', needs: IP6 } },
  { kind: 'ipv6', maskable: true, match: { name: 'ipv6_dst', needs: IP6 }, set: { name: 'ipv6_dst', needs: IP6 } },
  { kind: 'uint', bits: 20, maskable: true, match: { name: 'ipv6_label', needs: IP6 }, set: { name: 'ipv6_label', needs: IP6 } },
  // A match reads the one L4 port pair OVS keeps whatever the protocol; set_field writes a TCP or
  // a UDP field, and OVS's tp_src/tp_dst are tcp_src/tcp_dst.
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
      ],
    },
  },
  { kind: 'uint', bits: 16, maskable: false, set: { name: 'tcp_src', aliases: ['tp_src'], needs: TCP } },
  { kind: 'uint', bits: 16, maskable: false, set: { name: 'tcp_dst', aliases: ['tp_dst'], needs: TCP } },
  { kind: 'uint', bits: 16, maskable: false, set: { name: 'udp_src', needs: UDP } },
  { kind: 'uint', bits: 16, maskable: false, set: { name: 'udp_dst', needs: UDP } },
  { kind: 'tcp_flags', bits: 12, maskable: true, match: { name: 'tcp_flags', needs: TCP } },
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'icmp_type', needs: ['icmp'] } },
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'icmp_code', needs: ['icmp'] } },
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'icmpv6_type', needs: ['icmp6'] } },
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'icmpv6_code', needs: ['icmp6'] } },
  { kind: 'ipv6', maskable: true, match: { name: 'nd_target', needs: ['icmp6'] } },
  { kind: 'mac', maskable: true, match: { name: 'nd_sll', needs: ['icmp6'] } },
  { kind: 'mac', maskable: true, match: { name: 'nd_tll', needs: ['icmp6'] } },
  // 16 bits on the wire, but OVS keeps the opcode in one byte of its flow (meta-flow.h: match
  // 1..255 only; a wider value would be truncated), and so does the eBPF flow key.
  { kind: 'uint', bits: 8, maskable: false, match: { name: 'arp_op', needs: ['arp'] } },
  { kind: 'ipv4', maskable: true, match: { name: 'arp_spa', needs: ['arp'] } },
  { kind: 'ipv4', maskable: true, match: { name: 'arp_tpa', needs: ['arp'] } },
  { kind: 'mac', maskable: true, match: { name: 'arp_sha', needs: ['arp'] } },
  { kind: 'mac', maskable: true, match: { name: 'arp_tha', needs: ['arp'] } },
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

/** Protocol shorthands (ovs-fields(7) "Shorthand notation"): the dl_type and nw_proto each stands for. */
export const SHORTHAND_MATCH: Readonly<Record<string, { readonly dlType: number; readonly nwProto?: number }>> = {
  ip: { dlType: 0x0800 },
  ipv6: { dlType: 0x86dd },
  arp: { dlType: 0x0806 },
  tcp: { dlType: 0x0800, nwProto: 6 },
  udp: { dlType: 0x0800, nwProto: 17 },
  icmp: { dlType: 0x0800, nwProto: 1 },
  tcp6: { dlType: 0x86dd, nwProto: 6 },
  udp6: { dlType: 0x86dd, nwProto: 17 },
  icmp6: { dlType: 0x86dd, nwProto: 58 },
};
export const SHORTHANDS: ReadonlySet<string> = new Set(Object.keys(SHORTHAND_MATCH));

export function parseUint(s: string): number | undefined {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) return undefined;
  return Number(s);
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

const FRAG = new Set(['no', 'yes', 'first', 'later', 'not_later']);
const TCP_FLAG_NAMES = new Set(['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns']);

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

/** Why `text` is not a value of the field (its syntax, its width), or undefined when it is one. */
export function checkValue(def: FieldDef, text: string): string | undefined {
  switch (def.kind) {
    case 'uint': {
      const v = parseUint(text);
      if (v !== undefined && def.special?.value === v) return undefined;
      const low = def.clearLow;
      const max = widthMax(def.bits) - (low ? widthMax(low.bits) : 0);
      const bad = checkUint(text, max);
      if (bad) return def.special ? `${bad} (or 0x${def.special.value.toString(16)} for ${def.special.means})` : bad;
      if (low && (v as number) % 2 ** low.bits !== 0) return `${text} sets ${low.what} bits; the value must be a multiple of ${2 ** low.bits}`;
      return undefined;
    }
    case 'tcp_flags': {
      if (parseUint(text) !== undefined) return checkUint(text, widthMax(def.bits));
      const parts = text.match(/[+-][a-z]+/g);
      if (!parts || parts.join('') !== text) return `'${text}' is not a TCP flag set like +syn-ack`;
      const bad = parts.find((p) => !TCP_FLAG_NAMES.has(p.slice(1)));
      return bad ? `unknown TCP flag '${bad.slice(1)}'` : undefined;
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
  if (def.kind === 'uint' || def.kind === 'tcp_flags') return checkUint(text, widthMax(def.bits));
  return checkValue(def, text);
}
