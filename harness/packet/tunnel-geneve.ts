import type { GeneveOptionSpec, GeneveSpec } from './spec.js';
import { fit, fitAll, FrameSpecError, u16, type Widths } from './fit.js';

/** Geneve (RFC 8926): an 8-byte header, then options as TLVs, then the inner frame or packet. */

export interface GeneveOption {
  readonly class: number;
  readonly type: number;
  readonly critical: boolean;
  readonly length: number;
  readonly data: Buffer;
}

export interface GeneveHeader {
  readonly version: number;
  readonly optionsLength: number;
  readonly oam: boolean;
  readonly critical: boolean;
  readonly protocol: number;
  readonly vni: number;
  readonly options: readonly GeneveOption[];
}

const WIDTHS = {
  geneve: { vni: 24, version: 2, protocol: 16, optionsLength: 6 } satisfies Widths<GeneveSpec>,
  option: { class: 16, type: 7, length: 5 } satisfies Widths<GeneveOptionSpec>,
};

function option(o: GeneveOptionSpec, where: string): Buffer {
  fitAll(where, o, WIDTHS.option);
  const data = o.data ?? Buffer.alloc(0);
  if (data.length % 4 !== 0) throw new FrameSpecError(`${where}.data: ${data.length} bytes is not a multiple of 4`);
  return Buffer.concat([u16(o.class), Buffer.from([(o.critical ? 0x80 : 0) | o.type, o.length ?? fit(`${where}.length`, data.length / 4, 5)]), data]);
}

/** The header and options; `protocol` is the default protocol type (the inner's). */
export function buildGeneve(s: GeneveSpec, protocol: number): Buffer {
  fitAll('geneve', s, WIDTHS.geneve);
  const opts = Buffer.concat((s.options ?? []).map((o, i) => option(o, `geneve.options[${i}]`)));
  const critical = s.critical ?? (s.options ?? []).some((o) => o.critical);
  const h = Buffer.alloc(8);
  h[0] = ((s.version ?? 0) << 6) | (s.optionsLength ?? fit('geneve.optionsLength', opts.length / 4, 6));
  h[1] = (s.oam ? 0x80 : 0) | (critical ? 0x40 : 0);
  h.writeUInt16BE(s.protocol ?? protocol, 2);
  h.writeUInt32BE(s.vni * 256, 4);
  return Buffer.concat([h, opts]);
}

export function parseGeneve(b: Buffer): { header: GeneveHeader; size: number } | string {
  if (b.length < 8) return `geneve: header needs 8 bytes, ${b.length} left`;
  const optionsLength = (b[0] as number) & 0x3f;
  const size = 8 + 4 * optionsLength;
  if (b.length < size) return `geneve: header with ${optionsLength * 4} bytes of options needs ${size} bytes, ${b.length} left`;
  const options: GeneveOption[] = [];
  for (let off = 8; off < size;) {
    if (off + 4 > size) return `geneve: option at byte ${off} needs 4 bytes, ${size - off} left`;
    const length = (b[off + 3] as number) & 0x1f;
    if (off + 4 + 4 * length > size) return `geneve: option at byte ${off} needs ${4 + 4 * length} bytes, ${size - off} left`;
    const t = b[off + 2] as number;
    options.push({ class: b.readUInt16BE(off), type: t & 0x7f, critical: (t & 0x80) !== 0, length, data: b.subarray(off + 4, off + 4 + 4 * length) });
    off += 4 + 4 * length;
  }
  const header = {
    version: (b[0] as number) >> 6,
    optionsLength,
    oam: ((b[1] as number) & 0x80) !== 0,
    critical: ((b[1] as number) & 0x40) !== 0,
    protocol: b.readUInt16BE(2),
    vni: b.readUInt32BE(4) >>> 8,
    options,
  };
  return { header, size };
}
