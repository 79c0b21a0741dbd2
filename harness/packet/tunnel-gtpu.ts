import type { GtpuExtensionSpec, GtpuSpec } from './spec.js';
import { fit, fitAll, FrameSpecError, type Widths } from './fit.js';

/**
 * GTP-U (3GPP TS 29.281), UDP port 2152: version 1, PT 1, a G-PDU (message type 0xff) carrying
 * an IP packet. The sequence number, N-PDU number and next extension header type ride in four
 * optional bytes, present when any of S, PN or E is set.
 */

export interface GtpuExtension {
  readonly type: number;
  /** In 4-byte units. */
  readonly length: number;
  readonly content: Buffer;
}

export interface GtpuHeader {
  readonly version: number;
  readonly pt: number;
  readonly e: boolean;
  readonly s: boolean;
  readonly pn: boolean;
  readonly messageType: number;
  readonly length: number;
  readonly teid: number;
  readonly seq?: number;
  readonly npdu?: number;
  readonly nextExtensionType?: number;
  readonly extensions: readonly GtpuExtension[];
}

export const GTPU_G_PDU = 0xff;

const WIDTHS = {
  gtpu: { teid: 32, messageType: 8, version: 3, pt: 1, seq: 16, npdu: 8, length: 16 } satisfies Widths<GtpuSpec>,
  extension: { type: 8 } satisfies Widths<GtpuExtensionSpec>,
};

/** The header (with its optional fields and extensions) and `payload`. */
export function buildGtpu(s: GtpuSpec, payload: Buffer): Buffer {
  fitAll('gtpu', s, WIDTHS.gtpu);
  const exts = s.extensions ?? [];
  const [e, sBit, pn] = [exts.length > 0, s.seq !== undefined, s.npdu !== undefined];
  const h = Buffer.alloc(8);
  h[0] = ((s.version ?? 1) << 5) | ((s.pt ?? 1) << 4) | (e ? 4 : 0) | (sBit ? 2 : 0) | (pn ? 1 : 0);
  h[1] = s.messageType ?? GTPU_G_PDU;
  h.writeUInt32BE(s.teid, 4);
  const parts: Buffer[] = [h];
  if (e || sBit || pn) {
    const opt = Buffer.from([(s.seq ?? 0) >> 8, (s.seq ?? 0) & 0xff, s.npdu ?? 0, exts[0]?.type ?? 0]);
    parts.push(opt);
  }
  exts.forEach((x, i) => {
    const where = `gtpu.extensions[${i}]`;
    fitAll(where, x, WIDTHS.extension);
    if ((x.content.length + 2) % 4 !== 0) throw new FrameSpecError(`${where}.content: ${x.content.length} bytes is not 2 short of a multiple of 4`);
    parts.push(Buffer.from([fit(`${where}.length`, (x.content.length + 2) / 4, 8)]), x.content, Buffer.from([exts[i + 1]?.type ?? 0]));
  });
  const gtp = Buffer.concat([...parts, payload]);
  gtp.writeUInt16BE(s.length ?? fit('gtpu.length', gtp.length - 8, 16), 2);
  return gtp;
}

export function parseGtpu(b: Buffer): { header: GtpuHeader; size: number } | string {
  if (b.length < 8) return `gtpu: header needs 8 bytes, ${b.length} left`;
  const f = b[0] as number;
  const [e, s, pn] = [(f & 4) !== 0, (f & 2) !== 0, (f & 1) !== 0];
  const base = { version: f >> 5, pt: (f >> 4) & 1, e, s, pn, messageType: b[1] as number, length: b.readUInt16BE(2), teid: b.readUInt32BE(4) };
  const extensions: GtpuExtension[] = [];
  if (!e && !s && !pn) return { header: { ...base, extensions }, size: 8 };
  if (b.length < 12) return `gtpu: header with optional fields needs 12 bytes, ${b.length} left`;
  const opt = { seq: b.readUInt16BE(8), npdu: b[10] as number, nextExtensionType: b[11] as number };
  let off = 12;
  for (let type = e ? opt.nextExtensionType : 0; type !== 0;) {
    const length = b[off];
    if (length === undefined || length === 0 || off + 4 * length > b.length)
      return `gtpu: extension header 0x${type.toString(16)} at byte ${off} needs ${4 * (length || 1)} bytes, ${b.length - off} left`;
    extensions.push({ type, length, content: b.subarray(off + 1, off + 4 * length - 1) });
    type = b[off + 4 * length - 1] as number;
    off += 4 * length;
  }
  return { header: { ...base, ...opt, extensions }, size: off };
}
