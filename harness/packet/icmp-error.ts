import { buildFrame } from './build.js';
import type { FrameSpec } from './spec.js';
import { FrameSpecError } from './fit.js';
import { parseFrame } from './parse.js';

/** ICMP and ICMPv6 error messages that answer an offending frame, quoting its IP packet. */

export interface IcmpErrorOptions {
  /** ICMP 3 (unreachable), 11 (time exceeded), 12 (parameter problem); ICMPv6 1, 2 (packet too big), 3, 4. */
  readonly type: number;
  readonly code?: number;
  /** Next-hop MTU: ICMP 3/4, ICMPv6 2. */
  readonly mtu?: number;
  /** Parameter problem pointer. */
  readonly pointer?: number;
  /** The error's IP source, the router reporting it: the offending packet's destination unless given. */
  readonly from?: string;
  /** The error's Ethernet source: the offending frame's destination unless given. */
  readonly src?: string;
  /** TTL or hop limit, 64 unless given. */
  readonly ttl?: number;
  /** TOS or traffic class, 0 unless given. */
  readonly tos?: number;
  /**
   * Bytes of the offending IP packet to quote, its header included (28: RFC 792's header and
   * first 8 bytes). By default as many as keep the error within 576 bytes over IPv4 (RFC 1812
   * 4.3.2.3) or 1280 over IPv6 (RFC 4443 2.4), as Linux quotes.
   */
  readonly quoteLength?: number;
}

/** The error frame sent back to the offending frame's sender, on its VLANs, quoting its IP packet. */
export function icmpError(offending: Buffer | FrameSpec, o: IcmpErrorOptions): Buffer {
  const bytes = Buffer.isBuffer(offending) ? offending : buildFrame(offending);
  const p = parseFrame(bytes);
  const ip = p.ipv4 ?? p.ipv6;
  if (!p.eth || !ip || p.mpls) throw new FrameSpecError('icmpError: the offending frame has no IPv4 or IPv6 header after Ethernet');
  const start = 14 + 4 * p.eth.vlans.length;
  // The packet's own length: Ethernet padding after it is not quoted.
  const packet = bytes.subarray(start, start + (p.ipv4 ? p.ipv4.totalLength : 40 + (p.ipv6?.payloadLength ?? 0)));
  const quote = packet.subarray(0, o.quoteLength ?? (p.ipv4 ? 576 - 28 : 1280 - 48));
  const message = {
    type: o.type,
    code: o.code ?? 0,
    quote,
    ...(o.mtu !== undefined ? { mtu: o.mtu } : {}),
    ...(o.pointer !== undefined ? { pointer: o.pointer } : {}),
  };
  const l2 = { dst: p.eth.src, src: o.src ?? p.eth.dst, vlans: p.eth.vlans };
  if (p.ipv4) return buildFrame({ ...l2, ipv4: { src: o.from ?? p.ipv4.dst, dst: p.ipv4.src, ttl: o.ttl ?? 64, tos: o.tos ?? 0 }, icmp: message });
  return buildFrame({ ...l2, ipv6: { src: o.from ?? ip.dst, dst: ip.src, hopLimit: o.ttl ?? 64, tc: o.tos ?? 0 }, icmp6: message });
}
