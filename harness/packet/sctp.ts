import { fit, fitAll, padTo, u16, u32, type Widths } from './fit.js';

/**
 * SCTP (RFC 9260): the common header and chunks, each padded to 4 bytes. The checksum is
 * CRC32c over the whole packet (RFC 9260 appendix A, as RFC 4960 appendix B).
 */

export type SctpChunkSpec =
  /** Flags default to B|E (an unfragmented message). */
  | {
      readonly type: 'data';
      readonly tsn: number;
      readonly streamId?: number;
      readonly streamSeq?: number;
      readonly ppid?: number;
      readonly flags?: number;
      readonly data?: Buffer | string;
    }
  /** Optional parameters as bytes. */
  | {
      readonly type: 'init';
      readonly initiateTag: number;
      readonly arwnd?: number;
      readonly outStreams?: number;
      readonly inStreams?: number;
      readonly initialTsn?: number;
      readonly params?: Buffer;
    }
  /** Any chunk: type, flags, length (4 + data unless pinned), data, padding. */
  | { readonly type: number; readonly flags?: number; readonly data?: Buffer; readonly length?: number };

export interface SctpSpec {
  readonly sport: number;
  readonly dport: number;
  /** Verification tag; 0 (as a packet carrying INIT must have) unless given. */
  readonly tag?: number;
  /** As on the wire, read big-endian (tshark's sctp.checksum); computed unless pinned. */
  readonly checksum?: number;
  readonly chunks?: readonly SctpChunkSpec[];
}

export interface SctpChunk {
  readonly type: number;
  readonly flags: number;
  readonly length: number;
  /** The chunk's value: the bytes after its 4-byte header, without padding. */
  readonly value: Buffer;
  /** DATA (0). */
  readonly tsn?: number;
  readonly streamId?: number;
  readonly streamSeq?: number;
  readonly ppid?: number;
  readonly data?: Buffer;
  /** INIT (1). */
  readonly initiateTag?: number;
  readonly arwnd?: number;
  readonly outStreams?: number;
  readonly inStreams?: number;
  readonly initialTsn?: number;
}

export interface SctpHeader {
  readonly sport: number;
  readonly dport: number;
  readonly tag: number;
  readonly checksum: number;
  readonly chunks: readonly SctpChunk[];
}

export const SCTP_CHUNK = { DATA: 0, INIT: 1 } as const;

type Chunk<T> = Extract<SctpChunkSpec, { type: T }>;
const WIDTHS = {
  header: { sport: 16, dport: 16, tag: 32, checksum: 32 } satisfies Widths<SctpSpec>,
  data: { tsn: 32, streamId: 16, streamSeq: 16, ppid: 32, flags: 8 } satisfies Widths<Chunk<'data'>>,
  init: { initiateTag: 32, arwnd: 32, outStreams: 16, inStreams: 16, initialTsn: 32 } satisfies Widths<Chunk<'init'>>,
  raw: { type: 8, flags: 8, length: 16 } satisfies Widths<Chunk<number>>,
};

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32c (Castagnoli), reflected: "123456789" gives 0xe3069283. */
export function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC32C_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The checksum field's value for a packet (checksum zeroed): SCTP sends the CRC's low byte first. */
export function sctpChecksum(packet: Buffer): number {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(crc32c(packet));
  return b.readUInt32BE(0);
}

function chunk(c: SctpChunkSpec, where: string): Buffer {
  let type: number;
  let flags = 0;
  let value: Buffer;
  let length: number | undefined;
  if (typeof c.type === 'number') {
    const raw = c as Chunk<number>;
    fitAll(where, raw, WIDTHS.raw);
    [type, flags, value, length] = [raw.type, raw.flags ?? 0, raw.data ?? Buffer.alloc(0), raw.length];
  } else if (c.type === 'data') {
    fitAll(where, c, WIDTHS.data);
    const data = typeof c.data === 'string' ? Buffer.from(c.data) : (c.data ?? Buffer.alloc(0));
    [type, flags] = [SCTP_CHUNK.DATA, c.flags ?? 0x03];
    value = Buffer.concat([u32(c.tsn), u16(c.streamId ?? 0), u16(c.streamSeq ?? 0), u32(c.ppid ?? 0), data]);
  } else {
    fitAll(where, c, WIDTHS.init);
    type = SCTP_CHUNK.INIT;
    value = Buffer.concat([
      u32(c.initiateTag),
      u32(c.arwnd ?? 65536),
      u16(c.outStreams ?? 10),
      u16(c.inStreams ?? 10),
      u32(c.initialTsn ?? 1),
      c.params ?? Buffer.alloc(0),
    ]);
  }
  const h = Buffer.from([type, flags, 0, 0]);
  h.writeUInt16BE(length ?? fit(`${where}.length`, 4 + value.length, 16), 2);
  return Buffer.concat([h, value, padTo(value.length, 4)]);
}

/** The SCTP packet: common header, chunks, then `trailer` bytes; checksum computed unless pinned. */
export function buildSctp(s: SctpSpec, trailer: Buffer): Buffer {
  fitAll('sctp', s, WIDTHS.header);
  const h = Buffer.concat([u16(s.sport), u16(s.dport), u32(s.tag ?? 0), Buffer.alloc(4)]);
  const pkt = Buffer.concat([h, ...(s.chunks ?? []).map((c, i) => chunk(c, `sctp.chunks[${i}]`)), trailer]);
  pkt.writeUInt32BE(s.checksum ?? sctpChecksum(pkt), 8);
  return pkt;
}

function decode(type: number, v: Buffer): Partial<SctpChunk> {
  if (type === SCTP_CHUNK.DATA && v.length >= 12)
    return { tsn: v.readUInt32BE(0), streamId: v.readUInt16BE(4), streamSeq: v.readUInt16BE(6), ppid: v.readUInt32BE(8), data: v.subarray(12) };
  if (type === SCTP_CHUNK.INIT && v.length >= 16)
    return {
      initiateTag: v.readUInt32BE(0),
      arwnd: v.readUInt32BE(4),
      outStreams: v.readUInt16BE(8),
      inStreams: v.readUInt16BE(10),
      initialTsn: v.readUInt32BE(12),
    };
  return {};
}

/** The header and the chunks that fit (`rest`: bytes after the last); `error` names a cut-short header or chunk. */
export function parseSctp(seg: Buffer): { header?: SctpHeader; rest: Buffer; checksumOk?: boolean; error?: string } {
  if (seg.length < 12) return { rest: seg, error: `sctp: header needs 12 bytes, ${seg.length} left` };
  const chunks: SctpChunk[] = [];
  const header = { sport: seg.readUInt16BE(0), dport: seg.readUInt16BE(2), tag: seg.readUInt32BE(4), checksum: seg.readUInt32BE(8), chunks };
  const zeroed = Buffer.from(seg);
  zeroed.writeUInt32BE(0, 8);
  const checksumOk = sctpChecksum(zeroed) === header.checksum;
  let off = 12;
  while (seg.length - off >= 4) {
    const length = seg.readUInt16BE(off + 2);
    if (length < 4 || off + length > seg.length)
      return {
        header,
        rest: seg.subarray(off),
        checksumOk,
        error: `sctp: chunk ${seg[off]} at byte ${off} has length ${length}, ${seg.length - off} bytes left`,
      };
    const [type, flags] = [seg[off] as number, seg[off + 1] as number];
    const value = seg.subarray(off + 4, off + length);
    chunks.push({ type, flags, length, value, ...decode(type, value) });
    off = Math.min(seg.length, off + length + ((4 - (length % 4)) % 4));
  }
  return { header, rest: seg.subarray(off), checksumOk };
}
