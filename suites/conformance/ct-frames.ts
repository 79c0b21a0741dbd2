import { buildFrame, internetChecksum } from '../../harness/packet/index.js';
import { H1, H2 } from './frames.js';

/**
 * Frames the conntrack and NAT cases need beyond frames.ts: IP fragments cut from a whole
 * datagram, and ICMP errors quoting a packet. Each is cut from or wraps a frame built by the
 * frames.ts helpers, so it differs from that frame only in how it is carried.
 */

const ETH = 14;

/**
 * Cuts an untagged IPv4 frame into fragments at the given offsets into its IP payload (bytes,
 * multiples of 8): every fragment keeps the IP header (ID, TTL, TOS) with its own total length,
 * MF on all but the last, its offset and a fresh header checksum.
 */
export function fragments4(frame: Buffer, cuts: readonly number[]): Buffer[] {
  const ihl = (frame[ETH]! & 0x0f) * 4;
  const payload = frame.subarray(ETH + ihl);
  const bounds = [0, ...cuts, payload.length];
  return bounds.slice(0, -1).map((from, i) => {
    const to = bounds[i + 1]!;
    if (from % 8 !== 0) throw new Error(`fragment offset ${from} is not a multiple of 8`);
    const head = Buffer.from(frame.subarray(0, ETH + ihl));
    head.writeUInt16BE(ihl + (to - from), ETH + 2);
    head.writeUInt16BE((to < payload.length ? 0x2000 : 0) | (from / 8), ETH + 6);
    head.writeUInt16BE(0, ETH + 10);
    head.writeUInt16BE(internetChecksum(head.subarray(ETH, ETH + ihl)), ETH + 10);
    return Buffer.concat([head, payload.subarray(from, to)]);
  });
}

/**
 * Cuts an untagged IPv6 frame (no extension headers) into fragments at the given offsets into
 * its payload: each carries a Fragment header (RFC 8200 4.5) with this identification.
 */
export function fragments6(frame: Buffer, cuts: readonly number[], ident: number): Buffer[] {
  const nextHeader = frame[ETH + 6]!;
  const payload = frame.subarray(ETH + 40);
  const bounds = [0, ...cuts, payload.length];
  return bounds.slice(0, -1).map((from, i) => {
    const to = bounds[i + 1]!;
    if (from % 8 !== 0) throw new Error(`fragment offset ${from} is not a multiple of 8`);
    const head = Buffer.from(frame.subarray(0, ETH + 40));
    head.writeUInt16BE(8 + (to - from), ETH + 4);
    head[ETH + 6] = 44;
    const fh = Buffer.alloc(8);
    fh[0] = nextHeader;
    fh.writeUInt16BE(from | (to < payload.length ? 1 : 0), 2);
    fh.writeUInt32BE(ident >>> 0, 4);
    return Buffer.concat([head, fh, payload.subarray(from, to)]);
  });
}

/** The IP packet a frame carries (everything after an untagged Ethernet header). */
export function ipPacket(frame: Buffer): Buffer {
  return frame.subarray(ETH);
}

/**
 * An ICMP destination unreachable (type 3, default code 3: port unreachable) from `from` to
 * `to` quoting `quoted` (an IP packet), as a host's stack sends it (RFC 792).
 */
export function icmp4Error(o: {
  readonly quoted: Buffer;
  readonly src?: string;
  readonly dst?: string;
  readonly from?: string;
  readonly to?: string;
  readonly type?: number;
  readonly code?: number;
}): Buffer {
  return buildFrame({
    src: o.src ?? H2.mac,
    dst: o.dst ?? H1.mac,
    ipv4: { src: o.from ?? H2.ip, dst: o.to ?? H1.ip, ttl: 64, id: 0x4343 },
    icmp: { type: o.type ?? 3, code: o.code ?? 3, id: 0, seq: 0 },
    payload: o.quoted,
  });
}

/** An ICMPv6 destination unreachable (type 1, default code 4: port unreachable) quoting `quoted` (RFC 4443). */
export function icmp6Error(o: {
  readonly quoted: Buffer;
  readonly src?: string;
  readonly dst?: string;
  readonly from?: string;
  readonly to?: string;
  readonly type?: number;
  readonly code?: number;
}): Buffer {
  return buildFrame({
    src: o.src ?? H2.mac,
    dst: o.dst ?? H1.mac,
    ipv6: { src: o.from ?? H2.ip6, dst: o.to ?? H1.ip6, hopLimit: 64 },
    icmp6: { type: o.type ?? 1, code: o.code ?? 4, id: 0, seq: 0 },
    payload: o.quoted,
  });
}
