import type { Ipv4Option } from './ipv4-options.js';
import type { Ipv6Extension } from './ipv6-ext.js';
import type { MplsLabel } from './mpls.js';
import type { SctpHeader } from './sctp.js';
import type { TcpOption } from './tcp-options.js';
import type { ErspanHeader } from './tunnel-erspan.js';
import type { GeneveHeader } from './tunnel-geneve.js';
import type { GreHeader } from './tunnel-gre.js';
import type { GtpuHeader } from './tunnel-gtpu.js';
import type { LispHeader } from './tunnel-lisp.js';
import type { VxlanHeader } from './tunnel-vxlan.js';

/** What the parser reads: each header's fields (names follow the RFCs) and the frame they make up. */

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

/**
 * What could be read from a frame. Parsing never throws: a truncated or malformed layer stops
 * the walk, is named in `truncated`, and everything before it is kept.
 */
export interface ParsedFrame {
  readonly length: number;
  eth?: EthernetHeader;
  arp?: ArpHeader;
  /** The label stack, outermost first. */
  mpls?: MplsLabel[];
  ipv4?: Ipv4Header;
  ipv6?: Ipv6Header;
  udp?: UdpHeader;
  tcp?: TcpHeader;
  sctp?: SctpHeader;
  icmp?: IcmpHeader;
  icmp6?: IcmpHeader;
  gre?: GreHeader;
  erspan?: ErspanHeader;
  vxlan?: VxlanHeader;
  geneve?: GeneveHeader;
  gtpu?: GtpuHeader;
  lisp?: LispHeader;
  /**
   * A tunnel's inner Ethernet frame (VXLAN, Geneve, GRE, ERSPAN) or IP packet (GTP-U, GRE or
   * Geneve carrying IP), parsed; its bad checksums and truncation are reported on this frame
   * too, prefixed `inner.` (`inner.udp`).
   */
  inner?: ParsedFrame;
  /** Bytes after the last parsed header (L4 payload, a tunnel's inner frame, or L3 payload of unknown protocols). */
  payload: Buffer;
  /** The layer that was cut short or malformed, e.g. `ipv4: header needs 20 bytes, 12 left`. */
  truncated?: string;
  /** Checksums found wrong, e.g. `['ipv4', 'udp']`; absent layers are not checked. */
  badChecksums: string[];
  /**
   * Checksums the frame cannot settle, neither bad nor good: `['udp']` in the first fragment of
   * a datagram, whose L4 checksum covers the whole datagram while the fragment holds its start.
   */
  unverifiedChecksums: string[];
}
