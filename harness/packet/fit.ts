/**
 * Field-width checks shared by every header builder: a number that does not fit the field it
 * goes into throws FrameSpecError naming the field; nothing is masked or wrapped.
 */

export class FrameSpecError extends Error {}

type NumericKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T];
/** A width in bits for every numeric field of a spec: a new numeric field does not compile without one. */
export type Widths<T> = { readonly [K in NumericKeys<T>]: number };

/** `v` if it fits an unsigned field of `bits` bits; else a FrameSpecError naming `where` (`ipv4.ttl`). */
export function fit(where: string, v: number, bits: number): number {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(v)) throw new FrameSpecError(`${where}: ${v} is not an integer (${bits}-bit field: 0..${max})`);
  if (v < 0 || v > max) throw new FrameSpecError(`${where}: ${v} is out of range 0..${max} (${bits}-bit field)`);
  return v;
}

/** Checks every numeric field a header spec gives against its width. */
export function fitAll<T extends object>(where: string, spec: T | undefined, widths: Widths<T>): void {
  if (!spec) return;
  for (const [k, bits] of Object.entries(widths) as [string, number][]) {
    const v = (spec as Record<string, unknown>)[k];
    if (v !== undefined) fit(`${where}.${k}`, v as number, bits);
  }
}

/**
 * Runs `build` for a spec nested at `where` (a tunnel's inner frame), so that its errors name
 * the whole path: `vxlan.frame.ipv4.ttl: 300 is out of range ...`.
 */
export function nested<T>(where: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof FrameSpecError)) throw e;
    throw new FrameSpecError(/^[\w.[\]]+: /.test(e.message) ? `${where}.${e.message}` : `${where}: ${e.message}`);
  }
}

/** Zero bytes that bring `length` up to a multiple of `unit`. */
export function padTo(length: number, unit: number): Buffer {
  return Buffer.alloc((unit - (length % unit)) % unit);
}

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}
