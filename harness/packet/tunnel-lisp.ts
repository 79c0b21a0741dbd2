import type { LispSpec } from './spec.js';
import { fitAll, type Widths } from './fit.js';

/**
 * LISP data encapsulation (RFC 9300 section 5.3), UDP port 4341: an 8-byte header before the
 * IP packet, no Ethernet header inside. With I set, the second word is a 24-bit instance ID (OVS
 * carries tun_id there) and 8 locator-status bits; without, all 32 bits are locator-status bits.
 */

export interface LispHeader {
  /** The first byte: N 0x80, L 0x40, E 0x20, V 0x10, I 0x08. */
  readonly flags: number;
  /** The 24 bits after the flags (nonce or map versions). */
  readonly nonce: number;
  readonly iid?: number;
  readonly lsb: number;
}

export const LISP_FLAG = { N: 0x80, L: 0x40, E: 0x20, V: 0x10, I: 0x08 } as const;

/** The 8-byte header. */
export function buildLisp(s: LispSpec): Buffer {
  fitAll('lisp', s, { iid: 24, nonce: 24, flags: 8, lsb: s.iid !== undefined ? 8 : 32 } satisfies Widths<LispSpec>);
  const h = Buffer.alloc(8);
  const flags = (s.nonce !== undefined ? LISP_FLAG.N : 0) | (s.lsb !== undefined ? LISP_FLAG.L : 0) | (s.iid !== undefined ? LISP_FLAG.I : 0);
  h.writeUInt32BE((((s.flags ?? flags) << 24) | (s.nonce ?? 0)) >>> 0, 0);
  if (s.iid !== undefined) h.writeUInt32BE(((s.iid << 8) | (s.lsb ?? 0)) >>> 0, 4);
  else h.writeUInt32BE(s.lsb ?? 0, 4);
  return h;
}

export function parseLisp(b: Buffer): { header: LispHeader; size: number } | string {
  if (b.length < 8) return `lisp: header needs 8 bytes, ${b.length} left`;
  const flags = b[0] as number;
  const word = b.readUInt32BE(4);
  const iid = flags & LISP_FLAG.I ? { iid: word >>> 8, lsb: word & 0xff } : { lsb: word };
  return { header: { flags, nonce: b.readUInt32BE(0) & 0xffffff, ...iid }, size: 8 };
}
