import type { Ipv4Option } from './ipv4-options.js';
import type { Ipv6Extension } from './ipv6-ext.js';
import type { ParsedFrame } from './parse.js';
import type { TcpOption } from './tcp-options.js';

/** Header types shared by the builder and the parser; field names follow the RFCs. */

export const ETH_P = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MC: 0x8848,
  /** Transparent Ethernet bridging: an Ethernet frame inside GRE or Geneve. */
  TEB: 0x6558,
  ERSPAN_II: 0x88be,
  ERSPAN_III: 0x22eb,
} as const;
export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  IPV6_FRAGMENT: 44,
  GRE: 47,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
} as const;
/** The UDP destination ports the parser reads tunnels on (IANA). */
export const UDP_PORT = { VXLAN: 4789, GENEVE: 6081, GTPU: 2152, LISP: 4341 } as const;

export interface VlanTag {
  /** 0x8100 (802.1Q) or 0x88a8 (802.1ad service tag). */
  readonly tpid: number;
  readonly pcp: number;
  readonly dei: number;
  readonly vid: number;
}

export interface EthernetHeader {
  readonly dst: string;
  readonly src: string;
  /** Outermost first. */
  readonly vlans: readonly VlanTag[];
  /** The ethertype after the tags. */
  readonly ethertype: number;
}

export interface ArpHeader {
  readonly htype: number;
  readonly ptype: number;
  readonly op: number;
  readonly sha: string;
  readonly spa: string;
  readonly tha: string;
  readonly tpa: string;
}

export interface Ipv4Header {
  readonly ihl: number;
  readonly tos: number;
  readonly totalLength: number;
  readonly id: number;
  readonly df: boolean;
  readonly mf: boolean;
  readonly fragOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: string;
  readonly dst: string;
  /** Present when IHL > 5: up to and including EOL. */
  readonly options?: readonly Ipv4Option[];
}

export interface Ipv6Header {
  readonly tc: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
  /** The fragment header (RFC 8200 4.5), when the chain holds one (also listed in `extensions`). */
  readonly fragment?: Ipv6Fragment;
  /** The extension headers in chain order, when there are any. */
  readonly extensions?: readonly Ipv6Extension[];
}

export interface Ipv6Fragment {
  /** The header after it (the L4 protocol). */
  readonly nextHeader: number;
  /** In 8-byte units, as IPv4's. */
  readonly fragOffset: number;
  readonly mf: boolean;
  readonly id: number;
}

export interface UdpHeader {
  readonly sport: number;
  readonly dport: number;
  readonly length: number;
  readonly checksum: number;
}

export interface TcpHeader {
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  readonly dataOffset: number;
  /** The 9 flag bits (NS..FIN). */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgent: number;
  /** Present when the data offset is past 5: up to and including EOL. */
  readonly options?: readonly TcpOption[];
}

/** ICMPv4 and ICMPv6 share this layout; `id`/`seq` are read for echo messages. */
export interface IcmpHeader {
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly id?: number;
  readonly seq?: number;
  /** ND target (ICMPv6 135/136). */
  readonly target?: string;
  /** ND link-layer address option (source for NS, target for NA). */
  readonly lladdr?: string;
  /** Next-hop MTU: ICMP fragmentation needed (3/4), ICMPv6 packet too big (2). */
  readonly mtu?: number;
  /** Parameter problem (ICMP 12, ICMPv6 4). */
  readonly pointer?: number;
  /** Error messages: the offending packet they quote, parsed (its L4 checksum is not judged when cut short). */
  readonly quoted?: ParsedFrame;
}

/** ICMP and ICMPv6 types whose body quotes the offending packet. */
export const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);
export const ICMP6_ERROR_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4]);

export const TCP_FLAG_BITS: Readonly<Record<string, number>> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80, N: 0x100 };

/** `'SA'` -> 0x12. */
export function tcpFlagsFromString(s: string): number {
  let v = 0;
  for (const ch of s) {
    const bit = TCP_FLAG_BITS[ch];
    if (bit === undefined) throw new Error(`bad TCP flag '${ch}' in '${s}' (use F S R P A U E C N)`);
    v |= bit;
  }
  return v;
}

/** 0x12 -> `'SA'`, in FSRPAUECN order. */
export function tcpFlagsToString(v: number): string {
  return Object.entries(TCP_FLAG_BITS)
    .filter(([, bit]) => (v & bit) !== 0)
    .map(([ch]) => ch)
    .join('');
}
