import { ipv4ToBytes, ipv6ToBytes, macToBytes } from './addr.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { ETH_P, IPPROTO, tcpFlagsFromString } from './headers.js';

/**
 * Frame builder: a declarative spec in, exact bytes out. Lengths and checksums are computed
 * unless the spec pins them (to build deliberately wrong frames).
 *
 * Every number is checked against the width of the field it goes into (WIDTHS) and one that
 * does not fit throws FrameSpecError naming it; nothing is masked or wrapped (a PCP of 8 would
 * go out as 0, a TTL of 300 as 44). Deliberately malformed frames are built explicitly: pin a
 * `checksum`, `protocol` or `nextHeader`, or build a valid frame and edit its bytes (as the
 * datapath key cases do: `f[14] = 0x4f` for an IHL past the end, `subarray` to cut it short).
 */

export interface VlanSpec {
  readonly vid: number;
  readonly pcp?: number;
  readonly dei?: number;
  readonly tpid?: number;
}

export interface ArpSpec {
  readonly op: number;
  readonly sha: string;
  readonly spa: string;
  readonly tha?: string;
  readonly tpa: string;
}

export interface Ipv4Spec {
  readonly src: string;
  readonly dst: string;
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
  readonly df?: boolean;
  readonly mf?: boolean;
  /** In 8-byte units. */
  readonly fragOffset?: number;
  /** Defaults to the L4 layer's protocol. */
  readonly protocol?: number;
  readonly checksum?: number;
}

export interface Ipv6Spec {
  readonly src: string;
  readonly dst: string;
  readonly hopLimit?: number;
  readonly tc?: number;
  readonly flowLabel?: number;
  readonly nextHeader?: number;
}

export interface UdpSpec {
  readonly sport: number;
  readonly dport: number;
  /** Send checksum 0 ("none", IPv4 only). */
  readonly zeroChecksum?: boolean;
  readonly checksum?: number;
}

export interface TcpSpec {
  readonly sport: number;
  readonly dport: number;
  readonly seq?: number;
  readonly ack?: number;
  /** Letters from FSRPAUECN, e.g. `'SA'`, or the flag bits. */
  readonly flags?: string | number;
  readonly window?: number;
  readonly checksum?: number;
}

export interface IcmpSpec {
  readonly type: number;
  readonly code?: number;
  /** Echo identifier and sequence (types 0/8 and 128/129). */
  readonly id?: number;
  readonly seq?: number;
  /** Neighbour discovery target (ICMPv6 135/136). */
  readonly target?: string;
  /** ND link-layer address option: source (NS) or target (NA). */
  readonly lladdr?: string;
  readonly checksum?: number;
}

export interface FrameSpec {
  readonly dst: string;
  readonly src: string;
  readonly vlans?: readonly VlanSpec[];
  /** Needed only for frames without an L3 layer spec. */
  readonly ethertype?: number;
  readonly arp?: ArpSpec;
  readonly ipv4?: Ipv4Spec;
  readonly ipv6?: Ipv6Spec;
  readonly udp?: UdpSpec;
  readonly tcp?: TcpSpec;
  readonly icmp?: IcmpSpec;
  readonly icmp6?: IcmpSpec;
  readonly payload?: Buffer | string;
}

export class FrameSpecError extends Error {}

type NumericKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T];
/** A width in bits for every numeric field of a spec: a new numeric field does not compile without one. */
type Widths<T> = { readonly [K in NumericKeys<T>]: number };

/** The width of each numeric field the specs hold, as the header carries it. */
const WIDTHS = {
  eth: { ethertype: 16 } satisfies Widths<FrameSpec>,
  vlan: { vid: 12, pcp: 3, dei: 1, tpid: 16 } satisfies Widths<VlanSpec>,
  arp: { op: 16 } satisfies Widths<ArpSpec>,
  ipv4: { ttl: 8, tos: 8, id: 16, fragOffset: 13, protocol: 8, checksum: 16 } satisfies Widths<Ipv4Spec>,
  ipv6: { hopLimit: 8, tc: 8, flowLabel: 20, nextHeader: 8 } satisfies Widths<Ipv6Spec>,
  udp: { sport: 16, dport: 16, checksum: 16 } satisfies Widths<UdpSpec>,
  tcp: { sport: 16, dport: 16, seq: 32, ack: 32, window: 16, checksum: 16 } satisfies Widths<TcpSpec>,
  icmp: { type: 8, code: 8, id: 16, seq: 16, checksum: 16 } satisfies Widths<IcmpSpec>,
} as const;

/** `v` if it fits an unsigned field of `bits` bits; else a FrameSpecError naming `where` (`ipv4.ttl`). */
function fit(where: string, v: number, bits: number): number {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(v)) throw new FrameSpecError(`${where}: ${v} is not an integer (${bits}-bit field: 0..${max})`);
  if (v < 0 || v > max) throw new FrameSpecError(`${where}: ${v} is out of range 0..${max} (${bits}-bit field)`);
  return v;
}

/** Checks every numeric field a header spec gives against its width. */
function fitAll<T extends object>(where: string, spec: T | undefined, widths: Widths<T>): void {
  if (!spec) return;
  for (const [k, bits] of Object.entries(widths) as [string, number][]) {
    const v = (spec as Record<string, unknown>)[k];
    if (v !== undefined) fit(`${where}.${k}`, v as number, bits);
  }
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

function l4Protocol(s: FrameSpec): number | undefined {
  if (s.udp) return IPPROTO.UDP;
  if (s.tcp) return IPPROTO.TCP;
  if (s.icmp) return IPPROTO.ICMP;
  if (s.icmp6) return IPPROTO.ICMPV6;
  return undefined;
}

function buildL4(s: FrameSpec, payload: Buffer, pseudo?: { src: Buffer; dst: Buffer }): Buffer {
  const csum = (seg: Buffer, proto: number, at: number, pinned?: number) => {
    if (pinned !== undefined) seg.writeUInt16BE(pinned, at);
    else seg.writeUInt16BE(internetChecksum(seg, pseudo ? pseudoHeaderSum(pseudo.src, pseudo.dst, proto, seg.length) : 0), at);
    return seg;
  };
  if (s.udp) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(s.udp.sport, 0);
    h.writeUInt16BE(s.udp.dport, 2);
    h.writeUInt16BE(fit('udp.length', 8 + payload.length, 16), 4);
    const seg = Buffer.concat([h, payload]);
    if (s.udp.zeroChecksum) return seg;
    csum(seg, IPPROTO.UDP, 6, s.udp.checksum);
    // A computed UDP checksum of 0 is sent as 0xffff (0 means "no checksum").
    if (s.udp.checksum === undefined && seg.readUInt16BE(6) === 0) seg.writeUInt16BE(0xffff, 6);
    return seg;
  }
  if (s.tcp) {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(s.tcp.sport, 0);
    h.writeUInt16BE(s.tcp.dport, 2);
    h.writeUInt32BE(s.tcp.seq ?? 0, 4);
    h.writeUInt32BE(s.tcp.ack ?? 0, 8);
    // Flags may be letters, so WIDTHS cannot hold them: a number is checked here.
    const flags = typeof s.tcp.flags === 'string' ? tcpFlagsFromString(s.tcp.flags) : fit('tcp.flags', s.tcp.flags ?? 0, 9);
    h.writeUInt16BE((5 << 12) | flags, 12);
    h.writeUInt16BE(s.tcp.window ?? 65535, 14);
    return csum(Buffer.concat([h, payload]), IPPROTO.TCP, 16, s.tcp.checksum);
  }
  const icmp = s.icmp ?? s.icmp6;
  if (icmp) {
    const v6 = s.icmp6 !== undefined;
    const h = Buffer.alloc(8);
    h[0] = icmp.type;
    h[1] = icmp.code ?? 0;
    let body: Buffer = Buffer.alloc(0);
    if (icmp.target !== undefined) {
      // NS/NA: 4 reserved bytes (NA flags), target, then the link-layer address option.
      if (icmp.type === 136) h[4] = 0x60; // solicited + override
      body = ipv6ToBytes(icmp.target);
      if (icmp.lladdr !== undefined) body = Buffer.concat([body, Buffer.from([icmp.type === 135 ? 1 : 2, 1]), macToBytes(icmp.lladdr)]);
    } else {
      h.writeUInt16BE(icmp.id ?? 0, 4);
      h.writeUInt16BE(icmp.seq ?? 0, 6);
    }
    // ICMPv4 covers no pseudo-header; ICMPv6 does.
    const seg = Buffer.concat([h, body, payload]);
    if (icmp.checksum !== undefined) seg.writeUInt16BE(icmp.checksum, 2);
    else seg.writeUInt16BE(internetChecksum(seg, v6 && pseudo ? pseudoHeaderSum(pseudo.src, pseudo.dst, IPPROTO.ICMPV6, seg.length) : 0), 2);
    return seg;
  }
  return payload;
}

/** Builds the frame the spec describes. Throws FrameSpecError on an impossible spec. */
export function buildFrame(s: FrameSpec): Buffer {
  const layers = [s.arp, s.ipv4, s.ipv6].filter((x) => x !== undefined).length;
  if (layers > 1) throw new FrameSpecError('a frame takes at most one of arp, ipv4, ipv6');
  if ([s.udp, s.tcp, s.icmp, s.icmp6].filter((x) => x !== undefined).length > 1) throw new FrameSpecError('a frame takes at most one of udp, tcp, icmp, icmp6');
  if ((s.udp || s.tcp || s.icmp || s.icmp6) && !s.ipv4 && !s.ipv6) throw new FrameSpecError('an L4 layer needs ipv4 or ipv6');
  if (s.icmp && !s.ipv4) throw new FrameSpecError('icmp goes over ipv4 (use icmp6 over ipv6)');
  if (s.icmp6 && !s.ipv6) throw new FrameSpecError('icmp6 goes over ipv6');
  fitAll('eth', s, WIDTHS.eth);
  (s.vlans ?? []).forEach((v, i) => fitAll(`vlan[${i}]`, v, WIDTHS.vlan));
  fitAll('arp', s.arp, WIDTHS.arp);
  fitAll('ipv4', s.ipv4, WIDTHS.ipv4);
  fitAll('ipv6', s.ipv6, WIDTHS.ipv6);
  fitAll('udp', s.udp, WIDTHS.udp);
  fitAll('tcp', s.tcp, WIDTHS.tcp);
  fitAll('icmp', s.icmp, WIDTHS.icmp);
  fitAll('icmp6', s.icmp6, WIDTHS.icmp);
  const payload = typeof s.payload === 'string' ? Buffer.from(s.payload) : (s.payload ?? Buffer.alloc(0));
  let ethertype: number;
  let l3: Buffer;
  if (s.arp) {
    ethertype = ETH_P.ARP;
    const h = Buffer.alloc(8);
    h.writeUInt16BE(1, 0);
    h.writeUInt16BE(ETH_P.IPV4, 2);
    h[4] = 6;
    h[5] = 4;
    h.writeUInt16BE(s.arp.op, 6);
    l3 = Buffer.concat([h, macToBytes(s.arp.sha), ipv4ToBytes(s.arp.spa), macToBytes(s.arp.tha ?? '00:00:00:00:00:00'), ipv4ToBytes(s.arp.tpa), payload]);
  } else if (s.ipv4) {
    ethertype = ETH_P.IPV4;
    const src = ipv4ToBytes(s.ipv4.src);
    const dst = ipv4ToBytes(s.ipv4.dst);
    const l4 = buildL4(s, payload, { src, dst });
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h[1] = s.ipv4.tos ?? 0;
    h.writeUInt16BE(fit('ipv4.totalLength', 20 + l4.length, 16), 2);
    h.writeUInt16BE(s.ipv4.id ?? 0, 4);
    h.writeUInt16BE((s.ipv4.df ? 0x4000 : 0) | (s.ipv4.mf ? 0x2000 : 0) | (s.ipv4.fragOffset ?? 0), 6);
    h[8] = s.ipv4.ttl ?? 64;
    h[9] = s.ipv4.protocol ?? l4Protocol(s) ?? 0xfd;
    src.copy(h, 12);
    dst.copy(h, 16);
    h.writeUInt16BE(s.ipv4.checksum ?? internetChecksum(h), 10);
    l3 = Buffer.concat([h, l4]);
  } else if (s.ipv6) {
    ethertype = ETH_P.IPV6;
    const src = ipv6ToBytes(s.ipv6.src);
    const dst = ipv6ToBytes(s.ipv6.dst);
    const l4 = buildL4(s, payload, { src, dst });
    const h = Buffer.alloc(40);
    h.writeUInt32BE(((6 << 28) | ((s.ipv6.tc ?? 0) << 20) | (s.ipv6.flowLabel ?? 0)) >>> 0, 0);
    h.writeUInt16BE(fit('ipv6.payloadLength', l4.length, 16), 4);
    h[6] = s.ipv6.nextHeader ?? l4Protocol(s) ?? 59;
    h[7] = s.ipv6.hopLimit ?? 64;
    src.copy(h, 8);
    dst.copy(h, 24);
    l3 = Buffer.concat([h, l4]);
  } else {
    if (s.ethertype === undefined) throw new FrameSpecError('a frame without arp/ipv4/ipv6 needs an ethertype');
    ethertype = s.ethertype;
    l3 = payload;
  }
  const tags = (s.vlans ?? []).map((v) => Buffer.concat([u16(v.tpid ?? ETH_P.VLAN), u16(((v.pcp ?? 0) << 13) | ((v.dei ?? 0) << 12) | v.vid)]));
  return Buffer.concat([macToBytes(s.dst), macToBytes(s.src), ...tags, u16(s.ethertype ?? ethertype), l3]);
}
