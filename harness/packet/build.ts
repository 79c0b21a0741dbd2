import { ipv4ToBytes, ipv6ToBytes, macToBytes } from './addr.js';
import { buildL4, l4Protocol } from './build-l4.js';
import { internetChecksum } from './checksum.js';
import { fit, fitAll, FrameSpecError, nested, u16, type Widths } from './fit.js';
import { buildIpv4Options } from './ipv4-options.js';
import { buildIpv6Extensions } from './ipv6-ext.js';
import { buildMplsStack } from './mpls.js';
import { ETH_P, UDP_PORT } from './protocol-numbers.js';
import type { ArpSpec, FrameSpec, IcmpSpec, Ipv4Spec, Ipv6Spec, PacketSpec, TcpSpec, UdpSpec, VlanSpec } from './spec.js';
import { buildErspan, ERSPAN_GRE_PROTOCOL } from './tunnel-erspan.js';
import { buildGeneve } from './tunnel-geneve.js';
import { buildGre } from './tunnel-gre.js';
import { buildGtpu } from './tunnel-gtpu.js';
import { buildLisp } from './tunnel-lisp.js';
import { buildVxlan } from './tunnel-vxlan.js';

export { FrameSpecError } from './fit.js';

/**
 * Frame builder: a declarative spec in, exact bytes out. Lengths and checksums are computed
 * unless the spec pins them (to build deliberately wrong frames).
 *
 * Every number is checked against the width of the field it goes into (WIDTHS and each header
 * module's own) and one that does not fit throws FrameSpecError naming it; nothing is masked or
 * wrapped (a PCP of 8 would go out as 0, a TTL of 300 as 44). Deliberately malformed frames are
 * built explicitly: pin a `checksum`, `protocol`, `nextHeader` or length, or build a valid frame
 * and edit its bytes (as the datapath key cases do: `f[14] = 0x4f` for an IHL past the end,
 * `subarray` to cut it short).
 */

/** The width of each numeric field the specs hold, as the header carries it. */
const WIDTHS = {
  eth: { ethertype: 16 } satisfies Widths<FrameSpec>,
  vlan: { vid: 12, pcp: 3, dei: 1, tpid: 16 } satisfies Widths<VlanSpec>,
  arp: { op: 16 } satisfies Widths<ArpSpec>,
  ipv4: { ttl: 8, tos: 8, id: 16, fragOffset: 13, protocol: 8, checksum: 16, ihl: 4 } satisfies Widths<Ipv4Spec>,
  ipv6: { hopLimit: 8, tc: 8, flowLabel: 20, nextHeader: 8 } satisfies Widths<Ipv6Spec>,
  udp: { sport: 16, dport: 16, checksum: 16 } satisfies Widths<UdpSpec>,
  tcp: { sport: 16, dport: 16, seq: 32, ack: 32, window: 16, checksum: 16, dataOffset: 4 } satisfies Widths<TcpSpec>,
  icmp: { type: 8, code: 8, id: 16, seq: 16, checksum: 16, mtu: 16, pointer: 8 } satisfies Widths<IcmpSpec>,
  icmp6: { type: 8, code: 8, id: 16, seq: 16, checksum: 16, mtu: 32, pointer: 32 } satisfies Widths<IcmpSpec>,
} as const;

const count = (...xs: unknown[]) => xs.filter((x) => x !== undefined).length;

/** Refuses layer combinations no frame can have, and fields too wide for the base headers. */
function checkPacket(s: PacketSpec): void {
  if (s.ipv4 && s.ipv6) throw new FrameSpecError('a frame takes at most one of arp, ipv4, ipv6');
  const udpish = s.udp ?? s.vxlan ?? s.geneve ?? s.gtpu ?? s.lisp;
  if (count(udpish, s.tcp, s.sctp, s.icmp, s.icmp6, s.gre ?? s.erspan) > 1)
    throw new FrameSpecError('a frame takes at most one of udp, tcp, sctp, icmp, icmp6, gre');
  if (count(s.vxlan, s.geneve, s.gtpu, s.lisp, s.erspan) > 1) throw new FrameSpecError('a frame takes at most one tunnel of vxlan, geneve, gtpu, lisp, erspan');
  if (udpish !== undefined || count(s.tcp, s.sctp, s.icmp, s.icmp6, s.gre, s.erspan) > 0) {
    if (!s.ipv4 && !s.ipv6) throw new FrameSpecError('an L4 layer needs ipv4 or ipv6');
  }
  if (s.icmp && !s.ipv4) throw new FrameSpecError('icmp goes over ipv4 (use icmp6 over ipv6)');
  if (s.icmp6 && !s.ipv6) throw new FrameSpecError('icmp6 goes over ipv6');
  if (s.erspan && (s.gre?.frame ?? s.gre?.packet)) throw new FrameSpecError('gre: under erspan, the frame goes in erspan.frame');
  const tunnel = s.vxlan
    ? 'vxlan'
    : s.geneve
      ? 'geneve'
      : s.gtpu
        ? 'gtpu'
        : s.lisp
          ? 'lisp'
          : s.erspan
            ? 'erspan'
            : s.gre?.frame || s.gre?.packet
              ? 'gre'
              : undefined;
  if (tunnel && s.payload !== undefined) throw new FrameSpecError(`payload: ${tunnel} carries its frame or packet, not a payload`);
  fitAll('ipv4', s.ipv4, WIDTHS.ipv4);
  fitAll('ipv6', s.ipv6, WIDTHS.ipv6);
  fitAll('udp', s.udp, WIDTHS.udp);
  fitAll('tcp', s.tcp, WIDTHS.tcp);
  fitAll('icmp', s.icmp, WIDTHS.icmp);
  fitAll('icmp6', s.icmp6, WIDTHS.icmp6);
}

/** A tunnel's inner frame (Ethernet) or packet (IP), built with errors naming where it sits, and its protocol type. */
function inner(where: string, t: { readonly frame?: FrameSpec | Buffer; readonly packet?: PacketSpec | Buffer }): { bytes: Buffer; protocol: number } {
  const { frame, packet } = t;
  if (frame !== undefined && packet !== undefined) throw new FrameSpecError(`${where}: carries a frame or a packet, not both`);
  if (packet !== undefined) {
    const bytes = Buffer.isBuffer(packet) ? packet : nested(`${where}.packet`, () => buildPacket(packet));
    return { bytes, protocol: (bytes[0] as number) >> 4 === 6 ? ETH_P.IPV6 : ETH_P.IPV4 };
  }
  if (frame !== undefined) return { bytes: Buffer.isBuffer(frame) ? frame : nested(`${where}.frame`, () => buildFrame(frame)), protocol: ETH_P.TEB };
  return { bytes: Buffer.alloc(0), protocol: ETH_P.TEB };
}

/** What the L4 layer carries: the payload, a tunnel with its inner frame, or an ICMP error's quote. */
function l4Payload(s: PacketSpec, payload: Buffer): Buffer {
  if (s.vxlan) return Buffer.concat([buildVxlan(s.vxlan), inner('vxlan', s.vxlan).bytes]);
  if (s.geneve) {
    const i = inner('geneve', s.geneve);
    return Buffer.concat([buildGeneve(s.geneve, i.protocol), i.bytes]);
  }
  if (s.gtpu) return buildGtpu(s.gtpu, inner('gtpu', s.gtpu).bytes);
  if (s.lisp) return Buffer.concat([buildLisp(s.lisp), inner('lisp', s.lisp).bytes]);
  if (s.erspan) {
    const mirrored = Buffer.concat([buildErspan(s.erspan), inner('erspan', s.erspan).bytes]);
    return buildGre({ seq: 0, ...s.gre }, ERSPAN_GRE_PROTOCOL[s.erspan.version], mirrored);
  }
  if (s.gre) {
    const i = s.gre.frame || s.gre.packet ? inner('gre', s.gre) : { bytes: payload, protocol: ETH_P.TEB };
    return buildGre(s.gre, i.protocol, i.bytes);
  }
  const quote = (s.icmp ?? s.icmp6)?.quote;
  if (quote !== undefined) {
    const where = s.icmp ? 'icmp.quote' : 'icmp6.quote';
    return Buffer.concat([Buffer.isBuffer(quote) ? quote : nested(where, () => buildPacket(quote)), payload]);
  }
  return payload;
}

/** A UDP tunnel's UDP layer: the spec's, or its IANA port both ways. */
function withTunnelUdp(s: PacketSpec): PacketSpec {
  if (s.udp) return s;
  const port = s.vxlan ? UDP_PORT.VXLAN : s.geneve ? UDP_PORT.GENEVE : s.gtpu ? UDP_PORT.GTPU : s.lisp ? UDP_PORT.LISP : undefined;
  return port === undefined ? s : { ...s, udp: { sport: port, dport: port } };
}

function ipv4(s: PacketSpec & { ipv4: Ipv4Spec }, payload: Buffer): Buffer {
  const src = ipv4ToBytes(s.ipv4.src);
  const dst = ipv4ToBytes(s.ipv4.dst);
  const l4 = buildL4(s, payload, { src, dst });
  const opts = s.ipv4.options ? buildIpv4Options(s.ipv4.options) : Buffer.alloc(0);
  const h = Buffer.alloc(20 + opts.length);
  h[0] = 0x40 | (s.ipv4.ihl ?? fit('ipv4.ihl', h.length / 4, 4));
  h[1] = s.ipv4.tos ?? 0;
  h.writeUInt16BE(fit('ipv4.totalLength', h.length + l4.length, 16), 2);
  h.writeUInt16BE(s.ipv4.id ?? 0, 4);
  h.writeUInt16BE((s.ipv4.df ? 0x4000 : 0) | (s.ipv4.mf ? 0x2000 : 0) | (s.ipv4.fragOffset ?? 0), 6);
  h[8] = s.ipv4.ttl ?? 64;
  h[9] = s.ipv4.protocol ?? l4Protocol(s) ?? 0xfd;
  src.copy(h, 12);
  dst.copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(s.ipv4.checksum ?? internetChecksum(h), 10);
  return Buffer.concat([h, l4]);
}

function ipv6(s: PacketSpec & { ipv6: Ipv6Spec }, payload: Buffer): Buffer {
  const src = ipv6ToBytes(s.ipv6.src);
  const dst = ipv6ToBytes(s.ipv6.dst);
  const chain = buildIpv6Extensions(s.ipv6.extensions ?? [], l4Protocol(s) ?? 59);
  const l4 = buildL4(s, payload, { src, dst: chain.finalDst ?? dst });
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((s.ipv6.tc ?? 0) << 20) | (s.ipv6.flowLabel ?? 0)) >>> 0, 0);
  h.writeUInt16BE(fit('ipv6.payloadLength', chain.bytes.length + l4.length, 16), 4);
  h[6] = s.ipv6.nextHeader ?? chain.first;
  h[7] = s.ipv6.hopLimit ?? 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, chain.bytes, l4]);
}

/** The IP packet of a checked spec, or undefined for one without ipv4/ipv6. */
function ip(spec: PacketSpec): { ethertype: number; bytes: Buffer } | undefined {
  const s = withTunnelUdp(spec);
  const payload = l4Payload(s, typeof s.payload === 'string' ? Buffer.from(s.payload) : (s.payload ?? Buffer.alloc(0)));
  if (s.ipv4) return { ethertype: ETH_P.IPV4, bytes: ipv4({ ...s, ipv4: s.ipv4 }, payload) };
  if (s.ipv6) return { ethertype: ETH_P.IPV6, bytes: ipv6({ ...s, ipv6: s.ipv6 }, payload) };
  return undefined;
}

/** Builds the IP packet (no Ethernet header) the spec describes. Throws FrameSpecError on an impossible spec. */
export function buildPacket(s: PacketSpec): Buffer {
  checkPacket(s);
  const p = ip(s);
  if (!p) throw new FrameSpecError('a packet needs ipv4 or ipv6');
  return p.bytes;
}

function arp(a: ArpSpec, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(1, 0);
  h.writeUInt16BE(ETH_P.IPV4, 2);
  h[4] = 6;
  h[5] = 4;
  h.writeUInt16BE(a.op, 6);
  return Buffer.concat([h, macToBytes(a.sha), ipv4ToBytes(a.spa), macToBytes(a.tha ?? '00:00:00:00:00:00'), ipv4ToBytes(a.tpa), payload]);
}

/** Builds the frame the spec describes. Throws FrameSpecError on an impossible spec. */
export function buildFrame(s: FrameSpec): Buffer {
  if (count(s.arp, s.ipv4, s.ipv6) > 1) throw new FrameSpecError('a frame takes at most one of arp, ipv4, ipv6');
  if (s.arp && s.mpls) throw new FrameSpecError('mpls carries ipv4, ipv6 or a payload, not arp');
  fitAll('eth', s, WIDTHS.eth);
  (s.vlans ?? []).forEach((v, i) => fitAll(`vlan[${i}]`, v, WIDTHS.vlan));
  fitAll('arp', s.arp, WIDTHS.arp);
  checkPacket(s);
  const payload = typeof s.payload === 'string' ? Buffer.from(s.payload) : (s.payload ?? Buffer.alloc(0));
  let ethertype: number;
  let l3: Buffer;
  const packet = s.arp ? undefined : ip(s);
  if (s.arp) {
    ethertype = ETH_P.ARP;
    l3 = arp(s.arp, payload);
  } else if (s.mpls) {
    ethertype = s.mpls.multicast ? ETH_P.MPLS_MC : ETH_P.MPLS;
    l3 = Buffer.concat([buildMplsStack(s.mpls), packet?.bytes ?? payload]);
  } else if (packet) {
    ({ ethertype, bytes: l3 } = packet);
  } else {
    if (s.ethertype === undefined) throw new FrameSpecError('a frame without arp/ipv4/ipv6 needs an ethertype');
    ethertype = s.ethertype;
    l3 = payload;
  }
  const tags = (s.vlans ?? []).map((v) => Buffer.concat([u16(v.tpid ?? ETH_P.VLAN), u16(((v.pcp ?? 0) << 13) | ((v.dei ?? 0) << 12) | v.vid)]));
  return Buffer.concat([macToBytes(s.dst), macToBytes(s.src), ...tags, u16(s.ethertype ?? ethertype), l3]);
}
