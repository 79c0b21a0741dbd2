import { ipv4ToBytes, bytesToIpv4 } from './addr.js';
import { fit, fitAll, padTo, type Widths } from './fit.js';

/** IPv4 options (RFC 791, RFC 2113): built from a typed list or raw bytes, padded to 4 bytes with EOL. */

export const IPOPT = { EOL: 0, NOP: 1, RR: 7, LSRR: 131, SSRR: 137, RA: 148 } as const;

type RouteOption = 'recordRoute' | 'lsrr' | 'ssrr';

export type Ipv4OptionSpec =
  | { readonly type: 'eol' }
  | { readonly type: 'nop' }
  /** RFC 2113; value 0: "examine packet". */
  | { readonly type: 'routerAlert'; readonly value?: number }
  /**
   * Record route and loose/strict source route: the addresses, then `free` empty slots. The
   * pointer defaults to the first free slot for record route and to the first address for
   * source routes.
   */
  | { readonly type: RouteOption; readonly addresses: readonly string[]; readonly free?: number; readonly pointer?: number }
  /** Any option as bytes: type, then length (2 + data unless pinned), then data. */
  | { readonly type: number; readonly data?: Buffer; readonly length?: number };

/** One option as read; `length` is absent for the one-byte EOL and NOP. */
export interface Ipv4Option {
  readonly type: number;
  readonly length?: number;
  /** The bytes after type and length. */
  readonly data: Buffer;
  /** Router alert. */
  readonly value?: number;
  /** Record route and source routes: the pointer and every address slot. */
  readonly pointer?: number;
  readonly addresses?: readonly string[];
}

const ROUTE_TYPES: Record<RouteOption, number> = { recordRoute: IPOPT.RR, lsrr: IPOPT.LSRR, ssrr: IPOPT.SSRR };
const ROUTE_NUMBERS = new Set<number>(Object.values(ROUTE_TYPES));

const WIDTHS = {
  routerAlert: { value: 16 } satisfies Widths<Extract<Ipv4OptionSpec, { type: 'routerAlert' }>>,
  route: { free: 8, pointer: 8 } satisfies Widths<Extract<Ipv4OptionSpec, { type: RouteOption }>>,
  raw: { type: 8, length: 8 } satisfies Widths<Extract<Ipv4OptionSpec, { type: number }>>,
};

function option(o: Ipv4OptionSpec, where: string): Buffer {
  if (typeof o.type === 'number') {
    const raw = o as Extract<Ipv4OptionSpec, { type: number }>;
    fitAll(where, raw, WIDTHS.raw);
    const data = raw.data ?? Buffer.alloc(0);
    return Buffer.concat([Buffer.from([raw.type, raw.length ?? fit(`${where}.length`, 2 + data.length, 8)]), data]);
  }
  if (o.type === 'eol' || o.type === 'nop') return Buffer.from([o.type === 'eol' ? IPOPT.EOL : IPOPT.NOP]);
  if (o.type === 'routerAlert') {
    fitAll(where, o, WIDTHS.routerAlert);
    return Buffer.from([IPOPT.RA, 4, (o.value ?? 0) >> 8, (o.value ?? 0) & 0xff]);
  }
  fitAll(where, o, WIDTHS.route);
  const slots = Buffer.concat([...o.addresses.map((a) => ipv4ToBytes(a)), Buffer.alloc(4 * (o.free ?? 0))]);
  const pointer = o.pointer ?? (o.type === 'recordRoute' ? 4 + 4 * o.addresses.length : 4);
  return Buffer.concat([Buffer.from([ROUTE_TYPES[o.type], fit(`${where}.length`, 3 + slots.length, 8), pointer]), slots]);
}

/** The options area: raw bytes or the listed options, zero-padded (EOL) to a multiple of 4 bytes. */
export function buildIpv4Options(opts: Buffer | readonly Ipv4OptionSpec[]): Buffer {
  const b = Buffer.isBuffer(opts) ? opts : Buffer.concat(opts.map((o, i) => option(o, `ipv4.options[${i}]`)));
  return Buffer.concat([b, padTo(b.length, 4)]);
}

/** The options up to and including EOL (padding after it is not listed), or why one is malformed. */
export function parseIpv4Options(b: Buffer): { options: Ipv4Option[]; error?: string } {
  const options: Ipv4Option[] = [];
  for (let off = 0; off < b.length;) {
    const type = b[off] as number;
    if (type === IPOPT.EOL || type === IPOPT.NOP) {
      options.push({ type, data: Buffer.alloc(0) });
      if (type === IPOPT.EOL) break;
      off += 1;
      continue;
    }
    const length = b[off + 1];
    if (length === undefined || length < 2 || off + length > b.length)
      return { options, error: `ipv4: option ${type} at byte ${off} has length ${length ?? 'missing'}, ${b.length - off} bytes left` };
    const data = b.subarray(off + 2, off + length);
    const o: { -readonly [K in keyof Ipv4Option]: Ipv4Option[K] } = { type, length, data };
    if (type === IPOPT.RA && length === 4) o.value = data.readUInt16BE(0);
    if (ROUTE_NUMBERS.has(type) && data.length >= 1) {
      const addresses: string[] = [];
      for (let a = 1; a + 4 <= data.length; a += 4) addresses.push(bytesToIpv4(data.subarray(a, a + 4)));
      [o.pointer, o.addresses] = [data[0] as number, addresses];
    }
    options.push(o);
    off += length;
  }
  return { options };
}
