import { fitAll, FrameSpecError, type Widths } from './fit.js';

/** MPLS label stacks (RFC 3032): four bytes a label, bottom of stack set on the last. */

export interface MplsLabelSpec {
  readonly label: number;
  /** Traffic class (the former EXP bits). */
  readonly tc?: number;
  /** Bottom of stack: set on the last label and clear on the others unless pinned. */
  readonly bos?: number;
  readonly ttl?: number;
}

export interface MplsSpec {
  /** Outermost first. */
  readonly labels: readonly MplsLabelSpec[];
  /** Ethertype 0x8848 (multicast) instead of 0x8847. */
  readonly multicast?: boolean;
}

export interface MplsLabel {
  readonly label: number;
  readonly tc: number;
  readonly bos: number;
  readonly ttl: number;
}

const WIDTHS = { label: 20, tc: 3, bos: 1, ttl: 8 } satisfies Widths<MplsLabelSpec>;

export function buildMplsStack(s: MplsSpec): Buffer {
  if (s.labels.length === 0) throw new FrameSpecError('mpls: a label stack needs at least one label');
  return Buffer.concat(
    s.labels.map((l, i) => {
      fitAll(`mpls[${i}]`, l, WIDTHS);
      const bos = l.bos ?? (i === s.labels.length - 1 ? 1 : 0);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(((l.label << 12) | ((l.tc ?? 0) << 9) | (bos << 8) | (l.ttl ?? 64)) >>> 0);
      return b;
    }),
  );
}

/** The labels down to bottom of stack and the bytes after it, or why the stack is cut short. */
export function parseMplsStack(buf: Buffer): { labels: MplsLabel[]; rest: Buffer; error?: string } {
  const labels: MplsLabel[] = [];
  for (let off = 0; ; off += 4) {
    if (buf.length < off + 4) return { labels, rest: buf.subarray(off), error: `mpls: label needs 4 bytes, ${buf.length - off} left` };
    const w = buf.readUInt32BE(off);
    const l = { label: w >>> 12, tc: (w >> 9) & 7, bos: (w >> 8) & 1, ttl: w & 0xff };
    labels.push(l);
    if (l.bos) return { labels, rest: buf.subarray(off + 4) };
  }
}
