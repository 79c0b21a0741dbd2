import { ipv6ToBytes, macToBytes } from './addr.js';
import type { PacketSpec, TcpSpec, UdpSpec } from './spec.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { fit } from './fit.js';
import { IPPROTO, tcpFlagsFromString } from './protocol-numbers.js';
import { buildSctp } from './sctp.js';
import { buildTcpOptions } from './tcp-options.js';

/** The L4 segment of a packet spec over its (already built) payload; checksums computed unless pinned. */

interface Pseudo {
  readonly src: Buffer;
  readonly dst: Buffer;
}

/** Writes the checksum at `at`: the pinned one, or the Internet checksum over `seg` and the pseudo-header. */
function checksum(seg: Buffer, proto: number, at: number, pinned: number | undefined, pseudo?: Pseudo): Buffer {
  if (pinned !== undefined) seg.writeUInt16BE(pinned, at);
  else seg.writeUInt16BE(internetChecksum(seg, pseudo ? pseudoHeaderSum(pseudo.src, pseudo.dst, proto, seg.length) : 0), at);
  return seg;
}

function udp(u: UdpSpec, payload: Buffer, pseudo: Pseudo): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(u.sport, 0);
  h.writeUInt16BE(u.dport, 2);
  h.writeUInt16BE(fit('udp.length', 8 + payload.length, 16), 4);
  const seg = Buffer.concat([h, payload]);
  if (u.zeroChecksum) return seg;
  checksum(seg, IPPROTO.UDP, 6, u.checksum, pseudo);
  // A computed UDP checksum of 0 is sent as 0xffff (0 means "no checksum").
  if (u.checksum === undefined && seg.readUInt16BE(6) === 0) seg.writeUInt16BE(0xffff, 6);
  return seg;
}

function tcp(t: TcpSpec, payload: Buffer, pseudo: Pseudo): Buffer {
  const opts = t.options ? buildTcpOptions(t.options) : Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(t.sport, 0);
  h.writeUInt16BE(t.dport, 2);
  h.writeUInt32BE(t.seq ?? 0, 4);
  h.writeUInt32BE(t.ack ?? 0, 8);
  // Flags may be letters, so WIDTHS cannot hold them: a number is checked here.
  const flags = typeof t.flags === 'string' ? tcpFlagsFromString(t.flags) : fit('tcp.flags', t.flags ?? 0, 9);
  h.writeUInt16BE(((t.dataOffset ?? fit('tcp.dataOffset', (20 + opts.length) / 4, 4)) << 12) | flags, 12);
  h.writeUInt16BE(t.window ?? 65535, 14);
  return checksum(Buffer.concat([h, opts, payload]), IPPROTO.TCP, 16, t.checksum, pseudo);
}

/** ICMP or ICMPv6; `payload` already holds an error message's quoted packet. */
function icmp(s: PacketSpec, payload: Buffer, pseudo: Pseudo): Buffer {
  const v6 = s.icmp6 !== undefined;
  const m = (s.icmp ?? s.icmp6) as NonNullable<PacketSpec['icmp']>;
  const h = Buffer.alloc(8);
  h[0] = m.type;
  h[1] = m.code ?? 0;
  let body: Buffer = Buffer.alloc(0);
  if (m.target !== undefined) {
    // NS/NA: 4 reserved bytes (NA flags), target, then the link-layer address option.
    if (m.type === 136) h[4] = 0x60; // solicited + override
    body = ipv6ToBytes(m.target);
    if (m.lladdr !== undefined) body = Buffer.concat([body, Buffer.from([m.type === 135 ? 1 : 2, 1]), macToBytes(m.lladdr)]);
  } else if (m.quote !== undefined || m.mtu !== undefined || m.pointer !== undefined) {
    // Error messages: the second word holds the pointer or the MTU (RFC 792/1191, RFC 4443).
    if (v6) h.writeUInt32BE(m.mtu ?? m.pointer ?? 0, 4);
    else {
      h[4] = m.pointer ?? 0;
      h.writeUInt16BE(m.mtu ?? 0, 6);
    }
  } else {
    h.writeUInt16BE(m.id ?? 0, 4);
    h.writeUInt16BE(m.seq ?? 0, 6);
  }
  // ICMPv4 covers no pseudo-header; ICMPv6 does.
  return checksum(Buffer.concat([h, body, payload]), IPPROTO.ICMPV6, 2, m.checksum, v6 ? pseudo : undefined);
}

export function buildL4(s: PacketSpec, payload: Buffer, pseudo: Pseudo): Buffer {
  if (s.udp) return udp(s.udp, payload, pseudo);
  if (s.tcp) return tcp(s.tcp, payload, pseudo);
  if (s.sctp) return buildSctp(s.sctp, payload);
  if (s.icmp || s.icmp6) return icmp(s, payload, pseudo);
  // GRE (built with its payload) and bare IP payloads.
  return payload;
}

/** The IP protocol the spec's L4 layer takes. */
export function l4Protocol(s: PacketSpec): number | undefined {
  if (s.udp || s.vxlan || s.geneve || s.gtpu) return IPPROTO.UDP;
  if (s.tcp) return IPPROTO.TCP;
  if (s.sctp) return IPPROTO.SCTP;
  if (s.icmp) return IPPROTO.ICMP;
  if (s.icmp6) return IPPROTO.ICMPV6;
  if (s.gre || s.erspan) return IPPROTO.GRE;
  return undefined;
}
