import { fit, fitAll, padTo, type Widths } from './fit.js';

/** TCP options (RFC 9293, 7323, 2018): built from a typed list or raw bytes, padded to 4 bytes with EOL. */

export const TCPOPT = { EOL: 0, NOP: 1, MSS: 2, WSCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMPS: 8 } as const;

export type TcpOptionSpec =
  | { readonly kind: 'eol' | 'nop' | 'sackPermitted' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'timestamps'; readonly tsval: number; readonly tsecr?: number }
  /** SACK blocks as [left edge, right edge]. */
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  /** Any option as bytes: kind, then length (2 + data unless pinned), then data. */
  | { readonly kind: number; readonly data?: Buffer; readonly length?: number };

/** One option as read; `length` is absent for the one-byte EOL and NOP. */
export interface TcpOption {
  readonly kind: number;
  readonly length?: number;
  /** The bytes after kind and length. */
  readonly data: Buffer;
  /** MSS. */
  readonly value?: number;
  readonly shift?: number;
  readonly tsval?: number;
  readonly tsecr?: number;
  readonly blocks?: readonly (readonly [number, number])[];
}

type Kind<K> = Extract<TcpOptionSpec, { kind: K }>;
const WIDTHS = {
  mss: { value: 16 } satisfies Widths<Kind<'mss'>>,
  wscale: { shift: 8 } satisfies Widths<Kind<'wscale'>>,
  timestamps: { tsval: 32, tsecr: 32 } satisfies Widths<Kind<'timestamps'>>,
  raw: { kind: 8, length: 8 } satisfies Widths<Kind<number>>,
};

const tlv = (kind: number, data: Buffer, length = 2 + data.length) => Buffer.concat([Buffer.from([kind, length]), data]);

function option(o: TcpOptionSpec, where: string): Buffer {
  if (typeof o.kind === 'number') {
    const raw = o as Kind<number>;
    fitAll(where, raw, WIDTHS.raw);
    const data = raw.data ?? Buffer.alloc(0);
    return tlv(raw.kind, data, raw.length ?? fit(`${where}.length`, 2 + data.length, 8));
  }
  switch (o.kind) {
    case 'eol':
      return Buffer.from([TCPOPT.EOL]);
    case 'nop':
      return Buffer.from([TCPOPT.NOP]);
    case 'sackPermitted':
      return tlv(TCPOPT.SACK_PERMITTED, Buffer.alloc(0));
    case 'mss': {
      fitAll(where, o, WIDTHS.mss);
      const d = Buffer.alloc(2);
      d.writeUInt16BE(o.value);
      return tlv(TCPOPT.MSS, d);
    }
    case 'wscale':
      fitAll(where, o, WIDTHS.wscale);
      return tlv(TCPOPT.WSCALE, Buffer.from([o.shift]));
    case 'timestamps': {
      fitAll(where, o, WIDTHS.timestamps);
      const d = Buffer.alloc(8);
      d.writeUInt32BE(o.tsval, 0);
      d.writeUInt32BE(o.tsecr ?? 0, 4);
      return tlv(TCPOPT.TIMESTAMPS, d);
    }
    case 'sack': {
      const d = Buffer.alloc(8 * o.blocks.length);
      o.blocks.forEach(([l, r], i) => {
        d.writeUInt32BE(fit(`${where}.blocks[${i}][0]`, l, 32), 8 * i);
        d.writeUInt32BE(fit(`${where}.blocks[${i}][1]`, r, 32), 8 * i + 4);
      });
      return tlv(TCPOPT.SACK, d);
    }
  }
}

/** The options area: raw bytes or the listed options, zero-padded (EOL) to a multiple of 4 bytes. */
export function buildTcpOptions(opts: Buffer | readonly TcpOptionSpec[]): Buffer {
  const b = Buffer.isBuffer(opts) ? opts : Buffer.concat(opts.map((o, i) => option(o, `tcp.options[${i}]`)));
  return Buffer.concat([b, padTo(b.length, 4)]);
}

function decode(kind: number, d: Buffer): Partial<TcpOption> {
  if (kind === TCPOPT.MSS && d.length === 2) return { value: d.readUInt16BE(0) };
  if (kind === TCPOPT.WSCALE && d.length === 1) return { shift: d[0] as number };
  if (kind === TCPOPT.TIMESTAMPS && d.length === 8) return { tsval: d.readUInt32BE(0), tsecr: d.readUInt32BE(4) };
  if (kind === TCPOPT.SACK && d.length % 8 === 0) {
    const blocks: [number, number][] = [];
    for (let i = 0; i < d.length; i += 8) blocks.push([d.readUInt32BE(i), d.readUInt32BE(i + 4)]);
    return { blocks };
  }
  return {};
}

/** The options up to and including EOL (padding after it is not listed), or why one is malformed. */
export function parseTcpOptions(b: Buffer): { options: TcpOption[]; error?: string } {
  const options: TcpOption[] = [];
  for (let off = 0; off < b.length;) {
    const kind = b[off] as number;
    if (kind === TCPOPT.EOL || kind === TCPOPT.NOP) {
      options.push({ kind, data: Buffer.alloc(0) });
      if (kind === TCPOPT.EOL) break;
      off += 1;
      continue;
    }
    const length = b[off + 1];
    if (length === undefined || length < 2 || off + length > b.length)
      return { options, error: `tcp: option ${kind} at byte ${off} has length ${length ?? 'missing'}, ${b.length - off} bytes left` };
    const data = b.subarray(off + 2, off + length);
    options.push({ kind, length, data, ...decode(kind, data) });
    off += length;
  }
  return { options };
}
