import type { ErspanSpec } from './spec.js';
import { fitAll, FrameSpecError, u16, u32, type Widths } from './fit.js';
import { ETH_P } from './protocol-numbers.js';

/**
 * ERSPAN (draft-foschiano-erspan) over GRE with a sequence number: type II (version 1, GRE
 * protocol 0x88be, 8-byte header) and type III (version 2, GRE protocol 0x22eb, 12 bytes plus
 * an optional 8-byte platform subheader). Defaults follow Linux's erspan and ip6erspan devices.
 */

export interface ErspanHeader {
  readonly version: number;
  readonly vlan: number;
  readonly cos: number;
  readonly truncated: boolean;
  readonly sessionId: number;
  readonly encap?: number;
  readonly index?: number;
  readonly bso?: number;
  readonly timestamp?: number;
  readonly sgt?: number;
  readonly p?: boolean;
  readonly ft?: number;
  readonly hwId?: number;
  readonly direction?: number;
  readonly granularity?: number;
  readonly o?: boolean;
  readonly subheader?: Buffer;
}

const WIDTHS = {
  version: 4,
  sessionId: 10,
  vlan: 12,
  cos: 3,
  encap: 2,
  index: 20,
  bso: 2,
  timestamp: 32,
  sgt: 16,
  ft: 5,
  hwId: 6,
  direction: 1,
  granularity: 2,
} satisfies Widths<ErspanSpec>;

/** The GRE protocol type each version rides on. */
export const ERSPAN_GRE_PROTOCOL = { 1: ETH_P.ERSPAN_II, 2: ETH_P.ERSPAN_III } as const;

export function buildErspan(s: ErspanSpec): Buffer {
  fitAll('erspan', s, WIDTHS);
  if (s.version !== 1 && s.version !== 2) throw new FrameSpecError(`erspan.version: ${String(s.version)} is neither 1 (type II) nor 2 (type III)`);
  const word0 = u16((s.version << 12) | (s.vlan ?? 0));
  const second = (low2: number) => u16(((s.cos ?? 0) << 13) | (low2 << 11) | (s.truncated ? 0x400 : 0) | s.sessionId);
  if (s.version === 1) return Buffer.concat([word0, second(s.encap ?? 0), u32(s.index ?? 0)]);
  if (s.subheader && s.subheader.length !== 8) throw new FrameSpecError(`erspan.subheader: ${s.subheader.length} bytes, needs 8`);
  const last = Buffer.from([
    ((s.p ?? true) ? 0x80 : 0) | ((s.ft ?? 0) << 2) | ((s.hwId ?? 0) >> 4),
    (((s.hwId ?? 0) & 0xf) << 4) | ((s.direction ?? 0) << 3) | ((s.granularity ?? 0) << 1) | (s.subheader ? 1 : 0),
  ]);
  return Buffer.concat([word0, second(s.bso ?? 0), u32(s.timestamp ?? 0), u16(s.sgt ?? 0), last, s.subheader ?? Buffer.alloc(0)]);
}

/** The header of the version the GRE protocol type names. */
export function parseErspan(b: Buffer, greProtocol: number): { header: ErspanHeader; size: number } | string {
  const v3 = greProtocol === ETH_P.ERSPAN_III;
  const need = v3 ? 12 : 8;
  if (b.length < need) return `erspan: header needs ${need} bytes, ${b.length} left`;
  const [w0, w1] = [b.readUInt16BE(0), b.readUInt16BE(2)];
  const common = { version: w0 >> 12, vlan: w0 & 0xfff, cos: w1 >> 13, truncated: (w1 & 0x400) !== 0, sessionId: w1 & 0x3ff };
  if (!v3) return { header: { ...common, encap: (w1 >> 11) & 3, index: b.readUInt32BE(4) & 0xfffff }, size: 8 };
  const [x, y] = [b[10] as number, b[11] as number];
  const o = (y & 1) !== 0;
  if (o && b.length < 20) return `erspan: header with a subheader needs 20 bytes, ${b.length} left`;
  const header = {
    ...common,
    bso: (w1 >> 11) & 3,
    timestamp: b.readUInt32BE(4),
    sgt: b.readUInt16BE(8),
    p: (x & 0x80) !== 0,
    ft: (x >> 2) & 0x1f,
    hwId: ((x & 3) << 4) | (y >> 4),
    direction: (y >> 3) & 1,
    granularity: (y >> 1) & 3,
    o,
    ...(o ? { subheader: b.subarray(12, 20) } : {}),
  };
  return { header, size: o ? 20 : 12 };
}
