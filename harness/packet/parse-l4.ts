import { bytesToIpv6, bytesToMac } from './addr.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import type { IcmpHeader, ParsedFrame } from './headers.js';
import { parseGreTunnel, parseUdpTunnel, type Nested } from './parse-tunnel.js';
import { ICMP6_ERROR_TYPES, ICMP_ERROR_TYPES, IPPROTO } from './protocol-numbers.js';
import { parseSctp } from './sctp.js';
import { parseTcpOptions } from './tcp-options.js';

/** The L4 layer of a parsed IP packet: UDP (and tunnels over it), TCP, SCTP, ICMP/ICMPv6, GRE. */

const ECHO_TYPES = new Set([0, 8, 128, 129]);

/** What one L4 parser needs: `seg` the L4 bytes, `check` judges an Internet checksum (or defers it in a fragment). */
interface Segment {
  readonly f: ParsedFrame;
  readonly seg: Buffer;
  readonly sum: (proto: number) => number;
  readonly check: (name: string, initial: number) => void;
  readonly partial: boolean;
  readonly v6: boolean;
  readonly nested: Nested;
}

function udp({ f, seg, sum, check, v6, nested }: Segment): void {
  if (seg.length < 8) return void (f.truncated = `udp: header needs 8 bytes, ${seg.length} left`);
  f.udp = { sport: seg.readUInt16BE(0), dport: seg.readUInt16BE(2), length: seg.readUInt16BE(4), checksum: seg.readUInt16BE(6) };
  f.payload = seg.subarray(8);
  // Zero is "no checksum", which only IPv4 allows.
  if (f.udp.checksum !== 0) check('udp', sum(IPPROTO.UDP));
  else if (v6) f.badChecksums.push('udp');
  parseUdpTunnel(f, f.udp.dport, f.payload, nested);
}

function tcp({ f, seg, sum, check }: Segment): void {
  if (seg.length < 20) return void (f.truncated = `tcp: header needs 20 bytes, ${seg.length} left`);
  const off = seg.readUInt16BE(12);
  const dataOffset = off >> 12;
  f.tcp = {
    sport: seg.readUInt16BE(0),
    dport: seg.readUInt16BE(2),
    seq: seg.readUInt32BE(4),
    ack: seg.readUInt32BE(8),
    dataOffset,
    flags: off & 0x1ff,
    window: seg.readUInt16BE(14),
    checksum: seg.readUInt16BE(16),
    urgent: seg.readUInt16BE(18),
  };
  if (dataOffset < 5 || dataOffset * 4 > seg.length) {
    f.truncated = `tcp: data offset ${dataOffset} does not fit ${seg.length} bytes`;
    f.payload = Buffer.alloc(0);
    return;
  }
  f.payload = seg.subarray(dataOffset * 4);
  check('tcp', sum(IPPROTO.TCP));
  if (dataOffset === 5) return;
  const o = parseTcpOptions(seg.subarray(20, dataOffset * 4));
  f.tcp = { ...f.tcp, options: o.options };
  if (o.error) f.truncated = o.error;
}

function icmp({ f, seg, sum, check, v6, nested }: Segment): void {
  const name = v6 ? 'icmp6' : 'icmp';
  if (seg.length < 4) return void (f.truncated = `${name}: header needs 4 bytes, ${seg.length} left`);
  const type = seg[0] as number;
  const code = seg[1] as number;
  const h: { -readonly [K in keyof IcmpHeader]: IcmpHeader[K] } = { type, code, checksum: seg.readUInt16BE(2) };
  let rest = 4;
  if (ECHO_TYPES.has(type) && seg.length >= 8) {
    h.id = seg.readUInt16BE(4);
    h.seq = seg.readUInt16BE(6);
    rest = 8;
  } else if ((v6 ? ICMP6_ERROR_TYPES : ICMP_ERROR_TYPES).has(type) && seg.length >= 8) {
    // The second word: an MTU (RFC 1191, RFC 4443 3.2) or a pointer (parameter problem).
    if (v6 && type === 2) h.mtu = seg.readUInt32BE(4);
    if (v6 && type === 4) h.pointer = seg.readUInt32BE(4);
    if (!v6 && type === 3 && code === 4) h.mtu = seg.readUInt16BE(6);
    if (!v6 && type === 12) h.pointer = seg[4] as number;
    if (seg.length > 8) h.quoted = nested.quote(seg.subarray(8));
    rest = 8;
  } else if (v6 && (type === 135 || type === 136)) {
    if (seg.length < 24) {
      f.icmp6 = h;
      f.truncated = `icmp6: neighbour discovery needs 24 bytes, ${seg.length} left`;
      return;
    }
    h.target = bytesToIpv6(seg.subarray(8, 24));
    rest = 24;
    if (seg.length >= 32 && seg[25] === 1 && (seg[24] === 1 || seg[24] === 2)) {
      h.lladdr = bytesToMac(seg.subarray(26, 32));
      rest = 32;
    }
  } else if (seg.length >= 8) {
    rest = 8;
  }
  if (v6) f.icmp6 = h;
  else f.icmp = h;
  f.payload = seg.subarray(rest);
  check(name, v6 ? sum(IPPROTO.ICMPV6) : 0);
}

function sctp({ f, seg, partial }: Segment): void {
  const r = parseSctp(seg);
  f.payload = r.rest;
  if (r.header) f.sctp = r.header;
  if (r.checksumOk !== undefined) {
    if (partial) f.unverifiedChecksums.push('sctp');
    else if (!r.checksumOk) f.badChecksums.push('sctp');
  }
  if (r.error) f.truncated = r.error;
}

/**
 * The L4 header in `seg`; `partial`: `seg` is not the whole datagram (a first fragment, or a
 * quote cut short), so its checksum cannot be judged.
 */
export function parseL4(f: ParsedFrame, proto: number, seg: Buffer, src: Buffer, dst: Buffer, partial: boolean, nested: Nested): void {
  const s: Segment = {
    f,
    seg,
    sum: (p) => pseudoHeaderSum(src, dst, p, seg.length),
    check: (name, initial) => {
      if (partial) f.unverifiedChecksums.push(name);
      else if (internetChecksum(seg, initial) !== 0) f.badChecksums.push(name);
    },
    partial,
    v6: src.length === 16,
    nested,
  };
  if (proto === IPPROTO.UDP) udp(s);
  else if (proto === IPPROTO.TCP) tcp(s);
  else if (proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6) icmp({ ...s, v6: proto === IPPROTO.ICMPV6 });
  else if (proto === IPPROTO.SCTP) sctp(s);
  else if (proto === IPPROTO.GRE) parseGreTunnel(f, seg, partial, nested);
  else f.payload = seg;
}
