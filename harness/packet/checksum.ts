/** The Internet checksum (RFC 1071) and the pseudo-headers TCP, UDP and ICMPv6 cover. */

/** One's-complement sum of 16-bit words, not yet folded or inverted. */
export function sum16(buf: Buffer, initial = 0): number {
  let s = initial;
  const n = buf.length & ~1;
  for (let i = 0; i < n; i += 2) s += buf.readUInt16BE(i);
  if (buf.length & 1) s += (buf[buf.length - 1] as number) << 8;
  return s;
}

export function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + Math.floor(x / 0x10000);
  return x;
}

/** The checksum to store in a header whose checksum field is zero while summing. */
export function internetChecksum(buf: Buffer, initial = 0): number {
  return ~fold(sum16(buf, initial)) & 0xffff;
}

/** Sum of the IPv4 or IPv6 pseudo-header for an upper-layer length and protocol. */
export function pseudoHeaderSum(src: Buffer, dst: Buffer, protocol: number, length: number): number {
  const s = sum16(dst, sum16(src));
  return s + protocol + (src.length === 16 ? Math.floor(length / 0x10000) + (length & 0xffff) : length);
}
