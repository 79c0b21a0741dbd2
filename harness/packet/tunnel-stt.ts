import { fitAll, FrameSpecError, type Widths } from './fit.js';

/**
 * STT (draft-davie-stt-08), TCP port 7471: an 18-byte header before the Ethernet frame, the
 * whole "STT frame" sent as one or more segments that look like TCP but are never acknowledged.
 * Each segment's TCP sequence number carries the STT frame's length (high 16 bits) and the
 * segment's offset in it (low 16 bits); its acknowledgement number identifies the STT frame, so
 * a receiver can reassemble segments of several frames. OVS carries tun_id as the context ID.
 */

export interface SttSpec {
  /** Context ID (64 bits). */
  readonly contextId: bigint;
  readonly version?: number;
  /** 0x01 checksum verified, 0x02 checksum partial, 0x04 inner IPv4, 0x08 inner TCP. */
  readonly flags?: number;
  /** With checksum partial: where the inner L4 checksum starts, counted from the STT header. */
  readonly l4Offset?: number;
  /** The inner TCP MSS the receiver may resegment to (with checksum partial). */
  readonly mss?: number;
  /** VLAN TCI (PCP, V, VLAN ID) the frame carried outside it; V 0x1000 marks it valid. */
  readonly vlanTci?: number;
  /** The inner Ethernet frame (buildFrame's). */
  readonly frame: Buffer;
}

export interface SttHeader {
  readonly version: number;
  readonly flags: number;
  readonly l4Offset: number;
  readonly mss: number;
  readonly vlanTci: number;
  readonly contextId: bigint;
}

export const STT_PORT = 7471;
export const STT_HEADER_LEN = 18;
export const STT_FLAG = { CSUM_VERIFIED: 0x01, CSUM_PARTIAL: 0x02, IPV4: 0x04, TCP: 0x08 } as const;

const WIDTHS = { stt: { version: 8, flags: 8, l4Offset: 8, mss: 16, vlanTci: 16 } satisfies Widths<SttSpec> };

/** The STT frame: header (its last 2 bytes padding, to align the inner IP header), the inner frame. */
export function buildStt(s: SttSpec): Buffer {
  fitAll('stt', s, WIDTHS.stt);
  if (s.contextId < 0n || s.contextId >= 1n << 64n) throw new FrameSpecError(`stt.contextId: ${s.contextId} is out of range for 64 bits`);
  const h = Buffer.alloc(STT_HEADER_LEN);
  h[0] = s.version ?? 0;
  h[1] = s.flags ?? 0;
  h[2] = s.l4Offset ?? 0;
  h.writeUInt16BE(s.mss ?? 0, 4);
  h.writeUInt16BE(s.vlanTci ?? 0, 6);
  h.writeBigUInt64BE(s.contextId, 8);
  return Buffer.concat([h, s.frame]);
}

export function parseStt(b: Buffer): { header: SttHeader; size: number } | string {
  if (b.length < STT_HEADER_LEN) return `stt: header needs ${STT_HEADER_LEN} bytes, ${b.length} left`;
  return {
    header: {
      version: b[0] as number,
      flags: b[1] as number,
      l4Offset: b[2] as number,
      mss: b.readUInt16BE(4),
      vlanTci: b.readUInt16BE(6),
      contextId: b.readBigUInt64BE(8),
    },
    size: STT_HEADER_LEN,
  };
}

/** One segment of an STT frame: its TCP sequence number (length << 16 | offset) and its bytes. */
export interface SttSegment {
  readonly seq: number;
  readonly bytes: Buffer;
}

/** An STT frame cut into segments of at most `max` bytes, in order. */
export function sttSegments(frame: Buffer, max: number): SttSegment[] {
  if (frame.length > 0xffff) throw new FrameSpecError(`stt: a ${frame.length}-byte STT frame does not fit the 16-bit length of the sequence number`);
  if (max < 1) throw new FrameSpecError(`stt: segment size ${max} must be at least 1`);
  const out: SttSegment[] = [];
  for (let off = 0; off < frame.length; off += max) out.push({ seq: ((frame.length << 16) | off) >>> 0, bytes: frame.subarray(off, off + max) });
  return out;
}
