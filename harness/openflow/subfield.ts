import type { SubField } from './rule.js';
import { fieldBits, SUB_FIELDS, type NamedField } from './fields.js';
import type { LineContext } from './syntax.js';

/**
 * Subfields, `FIELD[]`, `FIELD[bit]` and `FIELD[lo..hi]` (ovs-actions(7) "Field specifications"),
 * as load, move, check_pkt_larger, ct's zone and learn write them. FIELD is OVS's name or its
 * NXM/OXM name (`NXM_NX_REG0`); typed rules carry the canonical name.
 */

const SUBFIELD = /^([A-Za-z][A-Za-z0-9_]*)\[(?:(\d+)(?:\.\.(\d+))?)?\]$/;

export function isSubfield(text: string): boolean {
  return SUBFIELD.test(text);
}

/** Parses a subfield at `col`; the field it names comes back too, for prerequisites and writability. */
export function parseSubfield(p: LineContext, text: string, col: number, what: string): { sf: SubField; f: NamedField } {
  const m = SUBFIELD.exec(text);
  if (!m) p.fail(col, `${what}: expected FIELD[], FIELD[bit] or FIELD[lo..hi], got '${text}'`);
  const [, name, lo, hi] = m as unknown as [string, string, string | undefined, string | undefined];
  const f = SUB_FIELDS.get(name);
  if (!f) p.fail(col, `${what}: unknown field '${name}'`);
  const width = fieldBits(f.def);
  const start = lo === undefined ? 0 : Number(lo);
  const end = lo === undefined ? width - 1 : hi === undefined ? start : Number(hi);
  if (end < start) p.fail(col, `${what}: ${text}: the range ends (${end}) before it starts (${start})`);
  if (end >= width) p.fail(col, `${what}: ${text}: ${f.canonical} is ${width} bits wide (bits 0..${width - 1})`);
  return { sf: { field: f.canonical, start, end }, f };
}

export function subfieldWidth(sf: SubField): number {
  return sf.end - sf.start + 1;
}

/** Whether the subfield is its field's whole width. */
export function isWhole(sf: SubField): boolean {
  const f = SUB_FIELDS.get(sf.field);
  return sf.start === 0 && f !== undefined && sf.end === fieldBits(f.def) - 1;
}

/**
 * `FIELD[]` for a whole field of whole bytes; otherwise the bits spelled out, because OVS's
 * field is wider than the bits that may be set (ip_dscp[] is 8 bits to OVS, 6 here) and
 * move checks that both sides have the same width.
 */
export function formatSubfield(sf: SubField): string {
  if (isWhole(sf) && (sf.end + 1) % 8 === 0) return `${sf.field}[]`;
  return sf.start === sf.end ? `${sf.field}[${sf.start}]` : `${sf.field}[${sf.start}..${sf.end}]`;
}
