import { bytesToIpv6, ipv6ToBytes } from './addr.js';
import { fit, fitAll, FrameSpecError, padTo, u16, u32, type Widths } from './fit.js';
import { IPPROTO } from './protocol-numbers.js';

/**
 * IPv6 extension header chains (RFC 8200 4): hop-by-hop and destination options, routing
 * (any type, and the segment routing header of RFC 8754), fragment, and AH (RFC 4302). Each
 * header's next header and length are computed unless pinned.
 */

export type Ipv6OptionSpec =
  | { readonly type: 'pad1' }
  /** PadN with `length` zero bytes of option data (2 + length bytes in all). */
  | { readonly type: 'padN'; readonly length: number }
  /** RFC 2711; value 0: MLD. */
  | { readonly type: 'routerAlert'; readonly value?: number }
  /** Any option as bytes: type, then length (data's unless pinned), then data. */
  | { readonly type: number; readonly data?: Buffer; readonly length?: number };

interface Pins {
  /** Computed from the header after it unless pinned. */
  readonly nextHeader?: number;
  /** Hdr Ext Len (8-byte units past the first 8; AH: 4-byte units minus 2), computed unless pinned. */
  readonly length?: number;
}

export type Ipv6ExtSpec =
  /** Options are padded to a multiple of 8 bytes with Pad1 or PadN. */
  | (Pins & { readonly type: 'hopByHop' | 'destination'; readonly options?: readonly Ipv6OptionSpec[] })
  /**
   * Routing type 4. `segments` is the Segment List in wire order: [0] is the final destination.
   * Segments left and last entry default to the last index (the first segment to visit).
   */
  | (Pins & {
      readonly type: 'srh';
      readonly segments: readonly string[];
      readonly segmentsLeft?: number;
      readonly lastEntry?: number;
      readonly flags?: number;
      readonly tag?: number;
      /** TLVs after the segment list, as bytes (a multiple of 8). */
      readonly tlvs?: Buffer;
    })
  /** Any routing type: `data` follows the first four bytes, zero-padded to a multiple of 8 bytes. */
  | (Pins & { readonly type: 'routing'; readonly routingType: number; readonly segmentsLeft?: number; readonly data?: Buffer })
  | { readonly type: 'fragment'; readonly nextHeader?: number; readonly fragOffset?: number; readonly mf?: boolean; readonly id?: number }
  /** The ICV defaults to 12 zero bytes (HMAC-SHA1-96), keeping the header a multiple of 8. */
  | (Pins & { readonly type: 'ah'; readonly spi: number; readonly seq?: number; readonly icv?: Buffer });

export interface Ipv6Option {
  readonly type: number;
  /** Absent for Pad1. */
  readonly length?: number;
  readonly data: Buffer;
  /** Router alert. */
  readonly value?: number;
}

export type Ipv6Extension =
  | { readonly type: 'hopByHop' | 'destination'; readonly nextHeader: number; readonly length: number; readonly options: readonly Ipv6Option[] }
  | {
      readonly type: 'srh';
      readonly nextHeader: number;
      readonly length: number;
      readonly routingType: number;
      readonly segmentsLeft: number;
      readonly lastEntry: number;
      readonly flags: number;
      readonly tag: number;
      readonly segments: readonly string[];
      readonly tlvs: Buffer;
    }
  | {
      readonly type: 'routing';
      readonly nextHeader: number;
      readonly length: number;
      readonly routingType: number;
      readonly segmentsLeft: number;
      readonly data: Buffer;
    }
  | { readonly type: 'fragment'; readonly nextHeader: number; readonly fragOffset: number; readonly mf: boolean; readonly id: number }
  | { readonly type: 'ah'; readonly nextHeader: number; readonly length: number; readonly spi: number; readonly seq: number; readonly icv: Buffer };

export const IPV6_EXT_PROTO: Readonly<Record<Ipv6ExtSpec['type'], number>> = {
  hopByHop: IPPROTO.HOPOPTS,
  destination: IPPROTO.DSTOPTS,
  srh: IPPROTO.ROUTING,
  routing: IPPROTO.ROUTING,
  fragment: IPPROTO.IPV6_FRAGMENT,
  ah: IPPROTO.AH,
};

type Ext<T> = Extract<Ipv6ExtSpec, { type: T }>;
type Opt<T> = Extract<Ipv6OptionSpec, { type: T }>;
const WIDTHS = {
  options: { nextHeader: 8, length: 8 } satisfies Widths<Ext<'hopByHop'>>,
  srh: { nextHeader: 8, length: 8, segmentsLeft: 8, lastEntry: 8, flags: 8, tag: 16 } satisfies Widths<Ext<'srh'>>,
  routing: { nextHeader: 8, length: 8, routingType: 8, segmentsLeft: 8 } satisfies Widths<Ext<'routing'>>,
  fragment: { nextHeader: 8, fragOffset: 13, id: 32 } satisfies Widths<Ext<'fragment'>>,
  ah: { nextHeader: 8, length: 8, spi: 32, seq: 32 } satisfies Widths<Ext<'ah'>>,
  padN: { length: 8 } satisfies Widths<Opt<'padN'>>,
  routerAlert: { value: 16 } satisfies Widths<Opt<'routerAlert'>>,
  rawOption: { type: 8, length: 8 } satisfies Widths<Opt<number>>,
};

function option(o: Ipv6OptionSpec, where: string): Buffer {
  if (typeof o.type === 'number') {
    const raw = o as Opt<number>;
    fitAll(where, raw, WIDTHS.rawOption);
    const data = raw.data ?? Buffer.alloc(0);
    return Buffer.concat([Buffer.from([raw.type, raw.length ?? fit(`${where}.length`, data.length, 8)]), data]);
  }
  if (o.type === 'pad1') return Buffer.alloc(1);
  if (o.type === 'padN') {
    fitAll(where, o, WIDTHS.padN);
    return Buffer.concat([Buffer.from([1, o.length]), Buffer.alloc(o.length)]);
  }
  fitAll(where, o, WIDTHS.routerAlert);
  return Buffer.concat([Buffer.from([5, 2]), u16(o.value ?? 0)]);
}

/** Pad1 or PadN bytes that bring an options header of `length` bytes to a multiple of 8. */
function optionPadding(length: number): Buffer {
  const n = (8 - (length % 8)) % 8;
  if (n === 0) return Buffer.alloc(0);
  if (n === 1) return Buffer.alloc(1);
  return Buffer.concat([Buffer.from([1, n - 2]), Buffer.alloc(n - 2)]);
}

/** A header whose Hdr Ext Len counts 8-byte units past the first 8: `body` follows next header and length. */
function withLength(e: Pins, next: number, body: Buffer, where: string): Buffer {
  return Buffer.concat([Buffer.from([next, e.length ?? fit(`${where}.length`, (2 + body.length) / 8 - 1, 8)]), body]);
}

function extension(e: Ipv6ExtSpec, next: number, where: string): Buffer {
  switch (e.type) {
    case 'hopByHop':
    case 'destination': {
      fitAll(where, e, WIDTHS.options);
      const opts = Buffer.concat((e.options ?? []).map((o, i) => option(o, `${where}.options[${i}]`)));
      return withLength(e, next, Buffer.concat([opts, optionPadding(2 + opts.length)]), where);
    }
    case 'srh': {
      fitAll(where, e, WIDTHS.srh);
      const last = fit(`${where}.lastEntry`, Math.max(e.segments.length - 1, 0), 8);
      const head = Buffer.from([4, e.segmentsLeft ?? last, e.lastEntry ?? last, e.flags ?? 0, (e.tag ?? 0) >> 8, (e.tag ?? 0) & 0xff]);
      if (e.tlvs && e.tlvs.length % 8 !== 0) throw new FrameSpecError(`${where}.tlvs: ${e.tlvs.length} bytes is not a multiple of 8`);
      return withLength(e, next, Buffer.concat([head, ...e.segments.map((s) => ipv6ToBytes(s)), e.tlvs ?? Buffer.alloc(0)]), where);
    }
    case 'routing': {
      fitAll(where, e, WIDTHS.routing);
      const body = Buffer.concat([Buffer.from([e.routingType, e.segmentsLeft ?? 0]), e.data ?? Buffer.alloc(0)]);
      return withLength(e, next, Buffer.concat([body, padTo(2 + body.length, 8)]), where);
    }
    case 'fragment':
      fitAll(where, e, WIDTHS.fragment);
      return Buffer.concat([Buffer.from([next, 0]), u16(((e.fragOffset ?? 0) << 3) | (e.mf ? 1 : 0)), u32(e.id ?? 0)]);
    case 'ah': {
      fitAll(where, e, WIDTHS.ah);
      const body = Buffer.concat([Buffer.alloc(2), u32(e.spi), u32(e.seq ?? 0), e.icv ?? Buffer.alloc(12)]);
      return Buffer.concat([Buffer.from([next, e.length ?? fit(`${where}.length`, (2 + body.length) / 4 - 2, 8)]), body]);
    }
  }
}

/**
 * The chain's bytes, with each next header computed from the one after it and the last
 * pointing at `last` (the L4 protocol). `first` is what the IPv6 header's next header takes;
 * `finalDst` the destination the L4 pseudo-header covers when a segment routing header still
 * has segments left (RFC 8200 8.1).
 */
export function buildIpv6Extensions(exts: readonly Ipv6ExtSpec[], last: number): { bytes: Buffer; first: number; finalDst?: Buffer } {
  const bytes = exts.map((e, i) => {
    const following = exts[i + 1];
    const next = e.nextHeader ?? (following ? IPV6_EXT_PROTO[following.type] : last);
    return extension(e, next, `ipv6.extensions[${i}]`);
  });
  const srh = exts.find((e): e is Ext<'srh'> => e.type === 'srh' && (e.segmentsLeft ?? e.segments.length - 1) > 0 && e.segments.length > 0);
  return {
    bytes: Buffer.concat(bytes),
    first: exts[0] ? IPV6_EXT_PROTO[exts[0].type] : last,
    ...(srh ? { finalDst: ipv6ToBytes(srh.segments[0] as string) } : {}),
  };
}

function parseOptions(b: Buffer, where: string): { options: Ipv6Option[]; error?: string } {
  const options: Ipv6Option[] = [];
  for (let off = 0; off < b.length;) {
    const type = b[off] as number;
    if (type === 0) {
      options.push({ type, data: Buffer.alloc(0) });
      off += 1;
      continue;
    }
    const length = b[off + 1];
    if (length === undefined || off + 2 + length > b.length)
      return { options, error: `ipv6: option ${type} in the ${where} header runs past it (${b.length - off} bytes left)` };
    const data = b.subarray(off + 2, off + 2 + length);
    options.push({ type, length, data, ...(type === 5 && length === 2 ? { value: data.readUInt16BE(0) } : {}) });
    off += 2 + length;
  }
  return { options };
}

export interface Ipv6Chain {
  readonly extensions: Ipv6Extension[];
  /** The protocol after the chain and its bytes. */
  proto: number;
  rest: Buffer;
  /** The header that was cut short or malformed. */
  error?: string;
  /** A fragment header: `rest` is part of the datagram (offset > 0: no L4 header in it). */
  fragment?: Extract<Ipv6Extension, { type: 'fragment' }>;
  /** The L4 pseudo-header's destination when a segment routing header has segments left. */
  finalDst?: Buffer;
}

const NAMES: Record<number, Ipv6ExtSpec['type']> = { 0: 'hopByHop', 43: 'routing', 44: 'fragment', 51: 'ah', 60: 'destination' };

/** One extension header at the start of `b`, or why it does not fit. */
function parseOne(name: Ipv6ExtSpec['type'], b: Buffer): { ext: Ipv6Extension; size: number } | string {
  if (b.length < 8) return `ipv6: ${name} header needs 8 bytes, ${b.length} left`;
  const nextHeader = b[0] as number;
  const length = b[1] as number;
  if (name === 'fragment') {
    const offMf = b.readUInt16BE(2);
    return { ext: { type: 'fragment', nextHeader, fragOffset: offMf >> 3, mf: (offMf & 1) !== 0, id: b.readUInt32BE(4) }, size: 8 };
  }
  const size = name === 'ah' ? (length + 2) * 4 : (length + 1) * 8;
  if (b.length < size) return `ipv6: ${name} header needs ${size} bytes, ${b.length} left`;
  const body = b.subarray(2, size);
  if (name === 'ah') return { ext: { type: 'ah', nextHeader, length, spi: b.readUInt32BE(4), seq: b.readUInt32BE(8), icv: b.subarray(12, size) }, size };
  if (name === 'hopByHop' || name === 'destination') {
    const o = parseOptions(body, name);
    return o.error ?? { ext: { type: name, nextHeader, length, options: o.options }, size };
  }
  const [routingType, segmentsLeft] = [b[2] as number, b[3] as number];
  if (routingType !== 4) return { ext: { type: 'routing', nextHeader, length, routingType, segmentsLeft, data: b.subarray(4, size) }, size };
  const lastEntry = b[4] as number;
  const end = Math.min(size, 8 + 16 * (lastEntry + 1));
  const segments: string[] = [];
  for (let at = 8; at + 16 <= end; at += 16) segments.push(bytesToIpv6(b.subarray(at, at + 16)));
  const srh = { type: 'srh', nextHeader, length, routingType, segmentsLeft, lastEntry, flags: b[5] as number, tag: b.readUInt16BE(6), segments } as const;
  return { ext: { ...srh, tlvs: b.subarray(end, size) }, size };
}

/** Walks the chain from the IPv6 header's next header `first` over its payload `seg`. */
export function walkIpv6Chain(first: number, seg: Buffer): Ipv6Chain {
  const chain: Ipv6Chain = { extensions: [], proto: first, rest: seg };
  for (let name = NAMES[first]; name !== undefined; name = NAMES[chain.proto]) {
    const r = parseOne(name, chain.rest);
    if (typeof r === 'string') return { ...chain, error: r };
    chain.extensions.push(r.ext);
    chain.proto = r.ext.nextHeader;
    chain.rest = chain.rest.subarray(r.size);
    if (r.ext.type === 'srh' && r.ext.segmentsLeft > 0 && r.ext.segments[0] !== undefined) chain.finalDst = ipv6ToBytes(r.ext.segments[0]);
    if (r.ext.type === 'fragment') {
      chain.fragment = r.ext;
      // Headers after a later fragment's header are in the first fragment, not in this one.
      if (r.ext.fragOffset !== 0) break;
    }
  }
  return chain;
}
