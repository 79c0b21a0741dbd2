import type { GreSpec } from './spec.js';
import { internetChecksum } from './checksum.js';
import { fitAll, u16, u32, type Widths } from './fit.js';

/** GRE (RFC 2784, RFC 2890 keys and sequence numbers), IP protocol 47. */

export interface GreHeader {
  readonly checksumPresent: boolean;
  readonly keyPresent: boolean;
  readonly seqPresent: boolean;
  readonly version: number;
  readonly protocol: number;
  readonly checksum?: number;
  readonly key?: number;
  readonly seq?: number;
}

const WIDTHS = { protocol: 16, checksum: 16, key: 32, seq: 32, version: 3 } satisfies Widths<GreSpec>;

/** The GRE header and `payload`; `protocol` is the default protocol type (the payload's). */
export function buildGre(s: GreSpec, protocol: number, payload: Buffer): Buffer {
  fitAll('gre', s, WIDTHS);
  const c = s.checksumPresent === true || s.checksum !== undefined;
  const flags = (c ? 0x8000 : 0) | (s.key !== undefined ? 0x2000 : 0) | (s.seq !== undefined ? 0x1000 : 0) | (s.version ?? 0);
  const parts = [u16(flags), u16(s.protocol ?? protocol)];
  if (c) parts.push(Buffer.alloc(4));
  if (s.key !== undefined) parts.push(u32(s.key));
  if (s.seq !== undefined) parts.push(u32(s.seq));
  const gre = Buffer.concat([...parts, payload]);
  if (c) gre.writeUInt16BE(s.checksum ?? internetChecksum(gre), 4);
  return gre;
}

/** The header and its size; `checksumOk` when C is set. */
export function parseGre(b: Buffer): { header: GreHeader; size: number; checksumOk?: boolean } | string {
  if (b.length < 4) return `gre: header needs 4 bytes, ${b.length} left`;
  const flags = b.readUInt16BE(0);
  const [c, k, s] = [(flags & 0x8000) !== 0, (flags & 0x2000) !== 0, (flags & 0x1000) !== 0];
  const size = 4 + (c ? 4 : 0) + (k ? 4 : 0) + (s ? 4 : 0);
  if (b.length < size) return `gre: header needs ${size} bytes, ${b.length} left`;
  // The optional words follow in C, K, S order, each present only when its flag is set.
  let off = 4;
  const word = (present: boolean, read: (at: number) => number) => {
    if (!present) return undefined;
    off += 4;
    return read(off - 4);
  };
  const checksum = word(c, (at) => b.readUInt16BE(at));
  const key = word(k, (at) => b.readUInt32BE(at));
  const seq = word(s, (at) => b.readUInt32BE(at));
  const header = {
    checksumPresent: c,
    keyPresent: k,
    seqPresent: s,
    version: flags & 7,
    protocol: b.readUInt16BE(2),
    ...(checksum !== undefined ? { checksum } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(seq !== undefined ? { seq } : {}),
  };
  return { header, size, ...(c ? { checksumOk: internetChecksum(b) === 0 } : {}) };
}
