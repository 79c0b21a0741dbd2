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
  in_port: 0, eth_src: 8, eth_dst: 14, eth_type: 20, n_vlans: 22, nw_proto: 23, vlan: 24, nw_tos: 32, nw_ttl: 33, nw_frag: 34,
  tp_src: 36, tp_dst: 38, tcp_flags: 40, ipv6_label: 44, ipv4_src: 48, ipv4_dst: 52, ipv6_src: 48, ipv6_dst: 64, arp_sha: 56,
  arp_tha: 62, nd_target: 80, nd_sll: 96, nd_tll: 102,
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

function encodeMatch(fields: readonly MatchField[]): KeyMatch {
  const k = new KeyMatch();
  const O = KEY_OFFSETS;
  for (const f of fields) {
    const m = f.mask;
    const short = SHORTHAND_MATCH[f.name];
    if (f.value === '' && short) {
      k.uint(O.eth_type, 2, short.dlType, 0xffff);
      if (short.nwProto !== undefined) k.uint(O.nw_proto, 1, short.nwProto, 0xff);
      continue;
    }
    switch (f.name) {
      case 'in_port': k.uint(O.in_port, 4, num(f.value), 0xffffffff); break;
      case 'dl_src': k.bytes(O.eth_src, macToBytes(f.value), m ? macToBytes(m) : undefined); break;
      case 'dl_dst': k.bytes(O.eth_dst, macToBytes(f.value), m ? macToBytes(m) : undefined); break;
      case 'dl_type': k.uint(O.eth_type, 2, num(f.value), 0xffff); break;
      case 'dl_vlan':
        // 0xffff: "no 802.1Q header" (VLAN_TAG_PRESENT clear).
        if (num(f.value) === 0xffff) k.uint(O.vlan + 2, 2, 0, 0x1000);
        else k.uint(O.vlan + 2, 2, num(f.value) | 0x1000, 0x1fff);
        break;
      case 'dl_vlan_pcp': k.uint(O.vlan + 2, 2, (num(f.value) << 13) | 0x1000, 0xf000); break;
      case 'vlan_tci': k.uint(O.vlan + 2, 2, num(f.value), m ? num(m) : 0xffff); break;
      case 'nw_src': case 'arp_spa': k.bytes(O.ipv4_src, ipv4ToBytes(f.value), addrMask(m, false)); break;
      case 'nw_dst': case 'arp_tpa': k.bytes(O.ipv4_dst, ipv4ToBytes(f.value), addrMask(m, false)); break;
      case 'nw_proto': case 'arp_op': k.uint(O.nw_proto, 1, num(f.value), 0xff); break;
      case 'nw_tos': k.uint(O.nw_tos, 1, num(f.value), 0xfc); break;
      case 'ip_dscp': k.uint(O.nw_tos, 1, num(f.value) << 2, 0xfc); break;
      case 'nw_ecn': k.uint(O.nw_tos, 1, num(f.value), 0x03); break;
      case 'nw_ttl': k.uint(O.nw_ttl, 1, num(f.value), 0xff); break;
      case 'nw_frag': {
        const [v, fm] = FRAG[f.value] ?? [0, 0];
        k.uint(O.nw_frag, 1, v, fm);
        break;
      }
      case 'tp_src': case 'icmp_type': case 'icmpv6_type': k.uint(O.tp_src, 2, num(f.value), m ? num(m) : 0xffff); break;
      case 'tp_dst': case 'icmp_code': case 'icmpv6_code': k.uint(O.tp_dst, 2, num(f.value), m ? num(m) : 0xffff); break;
      case 'tcp_flags': {
        const [v, fm] = tcpFlags(f.value, m);
        k.uint(O.tcp_flags, 2, v, fm);
        break;
      }
      case 'ipv6_src': k.bytes(O.ipv6_src, ipv6ToBytes(f.value), addrMask(m, true)); break;
      case 'ipv6_dst': k.bytes(O.ipv6_dst, ipv6ToBytes(f.value), addrMask(m, true)); break;
      case 'ipv6_label': k.uint(O.ipv6_label, 4, num(f.value), m ? num(m) : 0xfffff); break;
      case 'nd_target': k.bytes(O.nd_target, ipv6ToBytes(f.value), addrMask(m, true)); break;
      case 'nd_sll': k.bytes(O.nd_sll, macToBytes(f.value), m ? macToBytes(m) : undefined); break;
      case 'nd_tll': k.bytes(O.nd_tll, macToBytes(f.value), m ? macToBytes(m) : undefined); break;
      case 'arp_sha': k.bytes(O.arp_sha, macToBytes(f.value), m ? macToBytes(m) : undefined); break;
      case 'arp_tha': k.bytes(O.arp_tha, macToBytes(f.value), m ? macToBytes(m) : undefined); break;
      default: throw new UnsupportedRuleError(`match field '${f.name}' is not supported by the eBPF agent`);
    }
  }
  return k;
}

function encodeAction(a: OfAction): string | undefined {
  switch (a.type) {
    case 'output': return `output:${a.port}`;
    case 'in_port': case 'flood': case 'all': case 'dec_ttl': case 'strip_vlan': return a.type;
    case 'controller': return 'controller';
    case 'drop': return undefined;
    case 'push_vlan': return `push_vlan:${a.ethertype}`;
    case 'mod_vlan_vid': return `mod_vlan_vid:${a.vid}`;
    case 'mod_vlan_pcp': return `mod_vlan_pcp:${a.pcp}`;
    case 'mod_dl_src': return `set_eth_src:${a.mac}`;
    case 'mod_dl_dst': return `set_eth_dst:${a.mac}`;
    case 'mod_nw_src': return `set_ip_src:${a.ip}`;
    case 'mod_nw_dst': return `set_ip_dst:${a.ip}`;
    case 'mod_nw_tos': return `set_tos:${a.tos}`;
    case 'mod_nw_ttl': return `set_ttl:${a.ttl}`;
    case 'mod_tp_src': return `set_tp_src:${a.port}`;
    case 'mod_tp_dst': return `set_tp_dst:${a.port}`;
    case 'set_field': {
      const v = a.value;
      switch (a.field) {
        case 'eth_src': return `set_eth_src:${v}`;
        case 'eth_dst': return `set_eth_dst:${v}`;
        case 'vlan_vid': return `set_vlan_vid:${num(v) & 0xfff}`;
        case 'vlan_pcp': return `mod_vlan_pcp:${v}`;
        case 'ip_src': return `set_ip_src:${v}`;
        case 'ip_dst': return `set_ip_dst:${v}`;
        case 'ip_dscp': return `set_tos:${num(v) << 2}`;
        case 'nw_ttl': return `set_ttl:${v}`;
        case 'ipv6_src': return `set_ipv6_src:${v}`;
        case 'ipv6_dst': return `set_ipv6_dst:${v}`;
        case 'tcp_src': case 'udp_src': return `set_tp_src:${v}`;
        case 'tcp_dst': case 'udp_dst': return `set_tp_dst:${v}`;
        default: throw new UnsupportedRuleError(`set_field ${a.field} is not supported by the eBPF agent`);
      }
    }
    default:
      throw new UnsupportedRuleError(`action '${a.type}' is not supported by the eBPF agent`);
  }
}

/** `rule PRIO VALUE MASK ACTIONS` for the agent's `pipeline` command. */
export function encodeRule(r: FlowRule): string {
  if (r.table !== 0) throw new UnsupportedRuleError(`${r.source}: the eBPF agent has one table (table=${r.table})`);
  const k = encodeMatch(r.match);
  const actions = r.actions.map(encodeAction).filter((a): a is string => a !== undefined);
  return `rule ${r.priority} ${k.value.toString('hex')} ${k.mask.toString('hex')} ${actions.join(',') || 'drop'}`;
}
