import type { Ipv4OptionSpec } from './ipv4-options.js';
import type { Ipv6ExtSpec } from './ipv6-ext.js';
import type { MplsSpec } from './mpls.js';
import type { SctpSpec } from './sctp.js';
import type { TcpOptionSpec } from './tcp-options.js';

/**
 * What the frame builder takes: a declarative spec per layer, each tunnel's with the frame or
 * packet it carries. One module for all of them, since a frame's spec holds a tunnel's and a
 * tunnel's holds a frame's; the builders (build.ts, tunnel-*.ts) import from here.
 */

// Frames and packets
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
  /** Raw bytes or a typed list; padded with zeros (EOL) to a multiple of 4. */
  readonly options?: Buffer | readonly Ipv4OptionSpec[];
  /** Computed from the options unless pinned. */
  readonly ihl?: number;
}

export interface Ipv6Spec {
  readonly src: string;
  readonly dst: string;
  readonly hopLimit?: number;
  readonly tc?: number;
  readonly flowLabel?: number;
  /** Defaults to the first extension header's, else the L4 layer's protocol. */
  readonly nextHeader?: number;
  /** Extension headers in chain order, each next header computed. */
  readonly extensions?: readonly Ipv6ExtSpec[];
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
  /** Raw bytes or a typed list; padded with zeros (EOL) to a multiple of 4. */
  readonly options?: Buffer | readonly TcpOptionSpec[];
  /** Computed from the options unless pinned. */
  readonly dataOffset?: number;
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
  /** Error messages: the offending IP packet quoted, as bytes or a spec (see icmpError to quote a frame). */
  readonly quote?: Buffer | PacketSpec;
  /** Next-hop MTU: ICMP fragmentation needed (3/4, 16 bits), ICMPv6 packet too big (2, 32 bits). */
  readonly mtu?: number;
  /** Parameter problem pointer: ICMP 12 (8 bits), ICMPv6 4 (32 bits). */
  readonly pointer?: number;
}

/**
 * The layers above Ethernet: an IP packet, as a frame carries it and as tunnels (GTP-U, GRE,
 * Geneve) and ICMP errors carry one inside. A UDP tunnel's `udp` defaults to its IANA port
 * as both source and destination.
 */
export interface PacketSpec {
  readonly ipv4?: Ipv4Spec;
  readonly ipv6?: Ipv6Spec;
  readonly udp?: UdpSpec;
  readonly tcp?: TcpSpec;
  readonly sctp?: SctpSpec;
  readonly icmp?: IcmpSpec;
  readonly icmp6?: IcmpSpec;
  /** Over UDP 4789. */
  readonly vxlan?: VxlanSpec;
  /** Over UDP 6081. */
  readonly geneve?: GeneveSpec;
  /** Over UDP 2152. */
  readonly gtpu?: GtpuSpec;
  /** Over UDP 4341: an IP packet. */
  readonly lisp?: LispSpec;
  /** IP protocol 47; with `erspan`, its sequence number (default 0) and key. */
  readonly gre?: GreSpec;
  /** Over GRE with a sequence number. */
  readonly erspan?: ErspanSpec;
  /** L4 payload; a tunnel carries its frame or packet instead (GRE without either carries this). */
  readonly payload?: Buffer | string;
}

export interface FrameSpec extends PacketSpec {
  readonly dst: string;
  readonly src: string;
  readonly vlans?: readonly VlanSpec[];
  /** Needed only for frames without an L3 layer spec. */
  readonly ethertype?: number;
  readonly arp?: ArpSpec;
  /** A label stack before the ipv4/ipv6 layer, or before `payload` without one. */
  readonly mpls?: MplsSpec;
}

// Tunnels, each built by its tunnel-*.ts: ERSPAN
export interface ErspanSpec {
  /** 1: type II; 2: type III. */
  readonly version: 1 | 2;
  /** 10 bits. */
  readonly sessionId: number;
  readonly vlan?: number;
  readonly cos?: number;
  /** T: the frame was truncated. */
  readonly truncated?: boolean;
  /** Type II: encapsulation type (En). */
  readonly encap?: number;
  /** Type II: 20-bit port index. */
  readonly index?: number;
  /** Type III: bad/short/oversized. */
  readonly bso?: number;
  readonly timestamp?: number;
  /** Security group tag. */
  readonly sgt?: number;
  /** P: the payload is an Ethernet PDU (default true) of frame type `ft` (default 0). */
  readonly p?: boolean;
  readonly ft?: number;
  readonly hwId?: number;
  /** D: 0 ingress, 1 egress. */
  readonly direction?: number;
  /** Timestamp granularity. */
  readonly granularity?: number;
  /** The platform-specific subheader (8 bytes); sets O. */
  readonly subheader?: Buffer;
  /** The mirrored Ethernet frame. */
  readonly frame: FrameSpec | Buffer;
}

// Geneve
export interface GeneveOptionSpec {
  readonly class: number;
  /** 7 bits; the critical bit is the type's high bit. */
  readonly type: number;
  readonly critical?: boolean;
  /** A multiple of 4 bytes, at most 124. */
  readonly data?: Buffer;
  /** In 4-byte units, computed unless pinned. */
  readonly length?: number;
}

export interface GeneveSpec {
  readonly vni: number;
  readonly version?: number;
  /** O: an OAM frame. */
  readonly oam?: boolean;
  /** C: set when an option is critical, unless pinned. */
  readonly critical?: boolean;
  /** 0x6558 for a `frame`, 0x0800 or 0x86dd for a `packet`, unless pinned. */
  readonly protocol?: number;
  /** Opt Len in 4-byte units, computed unless pinned. */
  readonly optionsLength?: number;
  readonly options?: readonly GeneveOptionSpec[];
  /** The inner Ethernet frame, or an IP `packet`: one of the two. */
  readonly frame?: FrameSpec | Buffer;
  readonly packet?: PacketSpec | Buffer;
}

// GRE
export interface GreSpec {
  /** 0x6558 for a `frame`, 0x0800 or 0x86dd for a `packet`, unless pinned. */
  readonly protocol?: number;
  /** C: a checksum over the GRE header and payload, computed unless `checksum` pins it (which sets C too). */
  readonly checksumPresent?: boolean;
  readonly checksum?: number;
  /** K: present when given. */
  readonly key?: number;
  /** S: present when given. */
  readonly seq?: number;
  readonly version?: number;
  /** The inner Ethernet frame, or an IP `packet`: one of the two (none under `erspan`, which carries its own). */
  readonly frame?: FrameSpec | Buffer;
  readonly packet?: PacketSpec | Buffer;
}

// GTP-U
export interface GtpuExtensionSpec {
  readonly type: number;
  /** 2 bytes short of a multiple of 4 (the length and next-type bytes complete it). */
  readonly content: Buffer;
}

export interface GtpuSpec {
  readonly teid: number;
  readonly messageType?: number;
  readonly version?: number;
  readonly pt?: number;
  /** S: present when given. */
  readonly seq?: number;
  /** PN: present when given. */
  readonly npdu?: number;
  /** E: extension headers in order; each next type computed. */
  readonly extensions?: readonly GtpuExtensionSpec[];
  /** Bytes after the first 8, computed unless pinned. */
  readonly length?: number;
  /** The inner IP packet (a G-PDU's T-PDU). */
  readonly packet?: PacketSpec | Buffer;
}

// LISP
export interface LispSpec {
  /** I: present when given (24 bits). */
  readonly iid?: number;
  /** L: present when given; 8 bits with an instance ID, 32 without. */
  readonly lsb?: number;
  /** N: present when given (24 bits). */
  readonly nonce?: number;
  /** The first byte, computed from the fields above unless pinned. */
  readonly flags?: number;
  /** The inner IP packet. */
  readonly packet?: PacketSpec | Buffer;
}

// VXLAN
export interface VxlanGbpSpec {
  readonly policyId: number;
  /** D: don't learn. */
  readonly dontLearn?: boolean;
  /** A: policy applied. */
  readonly applied?: boolean;
}

export interface VxlanSpec {
  readonly vni: number;
  /** The first flags byte: I (0x08), plus G (0x80) with `gbp`, unless pinned. */
  readonly flags?: number;
  readonly gbp?: VxlanGbpSpec;
  /** The inner Ethernet frame. */
  readonly frame: FrameSpec | Buffer;
}
