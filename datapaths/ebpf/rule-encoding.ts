import { ipv4ToBytes, ipv6ToBytes, macToBytes } from '../../harness/packet/index.js';
import { SHORTHAND_MATCH } from '../../harness/openflow/fields.js';
import type { FlowRule, MatchField, OfAction } from '../../harness/openflow/rule.js';

/**
 * Encodes typed OpenFlow rules for the eBPF agent: the match as value/mask over the agent's
 * 128-byte flow key (bpf/flow-key.h; offsets checked against the C struct by a test) and the
 * actions in the agent's names. Host-order fields are little-endian (x86_64, the targets here).
 */
export const KEY_SIZE = 128;
export const KEY_OFFSETS = {
  in_port: 0,
  eth_src: 8,
  eth_dst: 14,
  eth_type: 20,
  n_vlans: 22,
  nw_proto: 23,
  vlan: 24,
  nw_tos: 32,
  nw_ttl: 33,
  nw_frag: 34,
  tp_src: 36,
  tp_dst: 38,
  tcp_flags: 40,
  ipv6_label: 44,
  ipv4_src: 48,
  ipv4_dst: 52,
  ipv6_src: 48,
  ipv6_dst: 64,
  arp_sha: 56,
  arp_tha: 62,
  nd_target: 80,
  nd_sll: 96,
  nd_tll: 102,
} as const;

export class UnsupportedRuleError extends Error {}

const FRAG: Readonly<Record<string, [number, number]>> = { no: [0, 1], yes: [1, 1], first: [1, 3], later: [3, 3], not_later: [0, 2] };
const TCP_FLAGS: Readonly<Record<string, number>> = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ece: 0x40, cwr: 0x80, ns: 0x100 };

class KeyMatch {
  readonly value = Buffer.alloc(KEY_SIZE);
  readonly mask = Buffer.alloc(KEY_SIZE);

  uint(off: number, size: 1 | 2 | 4, v: number, m: number): void {
    const w = (b: Buffer, x: number) => (size === 1 ? b.writeUInt8(x >>> 0, off) : size === 2 ? b.writeUInt16LE(x >>> 0, off) : b.writeUInt32LE(x >>> 0, off));
    w(this.mask, m);
    w(this.value, v & m);
  }

  bytes(off: number, v: Buffer, m?: Buffer): void {
    const mask = m ?? Buffer.alloc(v.length, 0xff);
    for (let i = 0; i < v.length; i += 1) {
      this.mask[off + i] = mask[i] as number;
      this.value[off + i] = (v[i] as number) & (mask[i] as number);
    }
  }
}

function num(s: string): number {
  return Number(s);
}

function prefixMask(len: number, bytes: number): Buffer {
  const m = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 1) m[i] = len >= (i + 1) * 8 ? 0xff : len > i * 8 ? (0xff << (8 - (len - i * 8))) & 0xff : 0;
  return m;
}

function addrMask(mask: string | undefined, v6: boolean): Buffer | undefined {
  if (mask === undefined) return undefined;
  if (/^\d+$/.test(mask)) return prefixMask(Number(mask), v6 ? 16 : 4);
  return v6 ? ipv6ToBytes(mask) : ipv4ToBytes(mask);
}

function tcpFlags(value: string, mask: string | undefined): [number, number] {
  if (!value.startsWith('+') && !value.startsWith('-')) return [num(value), mask === undefined ? 0xfff : num(mask)];
  let v = 0;
  let m = 0;
  for (const part of value.match(/[+-][a-z]+/g) ?? []) {
    const bit = TCP_FLAGS[part.slice(1)] ?? 0;
    m |= bit;
    if (part[0] === '+') v |= bit;
  }
  return [v, m];
}

type FieldEncoder = (k: KeyMatch, value: string, mask: string | undefined) => void;

const O = KEY_OFFSETS;
const mac =
  (off: number): FieldEncoder =>
  (k, v, m) =>
    k.bytes(off, macToBytes(v), m ? macToBytes(m) : undefined);
const ip =
  (off: number, v6: boolean): FieldEncoder =>
  (k, v, m) =>
    k.bytes(off, v6 ? ipv6ToBytes(v) : ipv4ToBytes(v), addrMask(m, v6));
const uint =
  (off: number, size: 1 | 2 | 4, full: number): FieldEncoder =>
  (k, v, m) =>
    k.uint(off, size, num(v), m ? num(m) : full);

/** How each OpenFlow match field lands in the agent's flow key (bpf/flow-key.h): one entry a field. */
const MATCH_ENCODERS: Readonly<Record<string, FieldEncoder>> = {
  in_port: uint(O.in_port, 4, 0xffffffff),
  dl_src: mac(O.eth_src),
  dl_dst: mac(O.eth_dst),
  dl_type: uint(O.eth_type, 2, 0xffff),
  // 0xffff: "no 802.1Q header" (VLAN_TAG_PRESENT clear).
  dl_vlan: (k, v) => (num(v) === 0xffff ? k.uint(O.vlan + 2, 2, 0, 0x1000) : k.uint(O.vlan + 2, 2, num(v) | 0x1000, 0x1fff)),
  dl_vlan_pcp: (k, v) => k.uint(O.vlan + 2, 2, (num(v) << 13) | 0x1000, 0xf000),
  vlan_tci: uint(O.vlan + 2, 2, 0xffff),
  nw_src: ip(O.ipv4_src, false),
  arp_spa: ip(O.ipv4_src, false),
  nw_dst: ip(O.ipv4_dst, false),
  arp_tpa: ip(O.ipv4_dst, false),
  nw_proto: (k, v) => k.uint(O.nw_proto, 1, num(v), 0xff),
  arp_op: (k, v) => k.uint(O.nw_proto, 1, num(v), 0xff),
  nw_tos: (k, v) => k.uint(O.nw_tos, 1, num(v), 0xfc),
  ip_dscp: (k, v) => k.uint(O.nw_tos, 1, num(v) << 2, 0xfc),
  nw_ecn: (k, v) => k.uint(O.nw_tos, 1, num(v), 0x03),
  nw_ttl: (k, v) => k.uint(O.nw_ttl, 1, num(v), 0xff),
  nw_frag: (k, v) => k.uint(O.nw_frag, 1, ...(FRAG[v] ?? [0, 0])),
  tp_src: uint(O.tp_src, 2, 0xffff),
  icmp_type: uint(O.tp_src, 2, 0xffff),
  icmpv6_type: uint(O.tp_src, 2, 0xffff),
  tp_dst: uint(O.tp_dst, 2, 0xffff),
  icmp_code: uint(O.tp_dst, 2, 0xffff),
  icmpv6_code: uint(O.tp_dst, 2, 0xffff),
  tcp_flags: (k, v, m) => k.uint(O.tcp_flags, 2, ...tcpFlags(v, m)),
  ipv6_src: ip(O.ipv6_src, true),
  ipv6_dst: ip(O.ipv6_dst, true),
  ipv6_label: uint(O.ipv6_label, 4, 0xfffff),
  nd_target: ip(O.nd_target, true),
  nd_sll: mac(O.nd_sll),
  nd_tll: mac(O.nd_tll),
  arp_sha: mac(O.arp_sha),
  arp_tha: mac(O.arp_tha),
};

function encodeMatch(fields: readonly MatchField[]): KeyMatch {
  const k = new KeyMatch();
  for (const f of fields) {
    const short = SHORTHAND_MATCH[f.name];
    if (f.value === '' && short) {
      k.uint(O.eth_type, 2, short.dlType, 0xffff);
      if (short.nwProto !== undefined) k.uint(O.nw_proto, 1, short.nwProto, 0xff);
      continue;
    }
    const encode = MATCH_ENCODERS[f.name];
    // Conntrack, registers, metadata, tunnel and MPLS fields have no place in the agent's flow key.
    if (!encode) throw new UnsupportedRuleError(`'${f.name}' match field is not implemented by the eBPF datapath`);
    encode(k, f.value, f.mask);
  }
  return k;
}

function notImplemented(what: string): UnsupportedRuleError {
  return new UnsupportedRuleError(`'${what}' action is not implemented by the eBPF datapath`);
}

function encodeAction(a: OfAction): string | undefined {
  switch (a.type) {
    case 'output':
      return `output:${a.port}`;
    case 'in_port':
    case 'flood':
    case 'all':
    case 'strip_vlan':
      return a.type;
    case 'dec_ttl':
      if (a.ids) throw notImplemented('dec_ttl(ID,...)');
      return a.type;
    case 'controller':
      if (a.reason !== undefined || a.userdata !== undefined) throw notImplemented('controller(reason=...,userdata=...)');
      return 'controller';
    case 'drop':
      return undefined;
    case 'push_vlan':
      return `push_vlan:${a.ethertype}`;
    case 'mod_vlan_vid':
      return `mod_vlan_vid:${a.vid}`;
    case 'mod_vlan_pcp':
      return `mod_vlan_pcp:${a.pcp}`;
    case 'mod_dl_src':
      return `set_eth_src:${a.mac}`;
    case 'mod_dl_dst':
      return `set_eth_dst:${a.mac}`;
    case 'mod_nw_src':
      return `set_ip_src:${a.ip}`;
    case 'mod_nw_dst':
      return `set_ip_dst:${a.ip}`;
    case 'mod_nw_tos':
      return `set_tos:${a.tos}`;
    case 'mod_nw_ttl':
      return `set_ttl:${a.ttl}`;
    case 'mod_tp_src':
      return `set_tp_src:${a.port}`;
    case 'mod_tp_dst':
      return `set_tp_dst:${a.port}`;
    case 'set_field': {
      if (a.mask !== undefined) throw notImplemented(`masked set_field to ${a.field}`);
      const v = a.value;
      switch (a.field) {
        case 'eth_src':
          return `set_eth_src:${v}`;
        case 'eth_dst':
          return `set_eth_dst:${v}`;
        case 'vlan_vid':
          return `set_vlan_vid:${num(v) & 0xfff}`;
        case 'vlan_pcp':
          return `mod_vlan_pcp:${v}`;
        case 'ip_src':
          return `set_ip_src:${v}`;
        case 'ip_dst':
          return `set_ip_dst:${v}`;
        case 'ip_dscp':
          return `set_tos:${num(v) << 2}`;
        case 'nw_ttl':
          return `set_ttl:${v}`;
        case 'ipv6_src':
          return `set_ipv6_src:${v}`;
        case 'ipv6_dst':
          return `set_ipv6_dst:${v}`;
        case 'tcp_src':
        case 'udp_src':
          return `set_tp_src:${v}`;
        case 'tcp_dst':
        case 'udp_dst':
          return `set_tp_dst:${v}`;
        default:
          throw notImplemented(`set_field to ${a.field}`);
      }
    }
    // What the agent has no code for: conntrack, MPLS, tunnels, registers, groups, meters,
    // clones, check_pkt_len, sampling, learning and truncation. Refused by name rather than
    // encoded as something else.
    case 'ct':
    case 'ct_clear':
    case 'push_mpls':
    case 'pop_mpls':
    case 'set_mpls_label':
    case 'set_mpls_tc':
    case 'set_mpls_ttl':
    case 'dec_mpls_ttl':
    case 'set_tunnel':
    case 'set_tunnel64':
    case 'load':
    case 'move':
    case 'group':
    case 'meter':
    case 'clone':
    case 'check_pkt_larger':
    case 'sample':
    case 'learn':
    case 'output_trunc':
    case 'mod_nw_ecn':
      throw notImplemented(a.type);
    default:
      throw new UnsupportedRuleError(`action '${a.type}' is not supported by the eBPF agent`);
  }
}

/** `rule PRIO VALUE MASK ACTIONS[ idle=S][ hard=S]` for the agent's `pipeline` command. */
export function encodeRule(r: FlowRule): string {
  if (r.table !== 0) throw new UnsupportedRuleError(`${r.source}: the eBPF agent has one table (table=${r.table})`);
  const k = encodeMatch(r.match);
  const actions = r.actions.map(encodeAction).filter((a): a is string => a !== undefined);
  const timeouts = [r.idleTimeout ? ` idle=${r.idleTimeout}` : '', r.hardTimeout ? ` hard=${r.hardTimeout}` : ''].join('');
  return `rule ${r.priority} ${k.value.toString('hex')} ${k.mask.toString('hex')} ${actions.join(',') || 'drop'}${timeouts}`;
}
