import { parseOdpFlow } from './parse.js';
import type { OdpKeyAttr } from './flow.js';

/** Parses a bare flow key (`in_port(1),eth(...),...`) with the shared ODP parser. */
export function parseOdpKey(key: string, source = 'odp key'): readonly OdpKeyAttr[] {
  return parseOdpFlow(`${key}, packets:0, bytes:0, used:never, actions:drop`, source).key;
}

function compare(expected: readonly OdpKeyAttr[], observed: readonly OdpKeyAttr[], path: string, out: string[]): void {
  for (const e of expected) {
    const name = `${path}${e.name}`;
    const o = observed.find((x) => x.name === e.name);
    if (!o) {
      out.push(`${name}: absent`);
      continue;
    }
    if (e.value !== undefined && e.value !== o.value) out.push(`${name}: ${o.value ?? '(none)'}, expected ${e.value}`);
    for (const f of e.fields) {
      const g = o.fields.find((x) => x.name === f.name);
      if (!g) out.push(`${name}.${f.name}: absent, expected ${f.value}`);
      else if (g.value !== f.value) out.push(`${name}.${f.name}: ${g.value}, expected ${f.value}`);
    }
    // `encap()` written empty means empty: seed 003's key for a truncated VLAN header.
    const empty = e.name === 'encap' && (e.nested?.length ?? 0) === 0 && e.fields.length === 0;
    if (empty && ((o.nested?.length ?? 0) > 0 || o.fields.length > 0)) out.push(`${name}: not empty, expected empty`);
    if (e.nested) compare(e.nested, o.nested ?? [], `${name}/`, out);
  }
}

/**
 * How an observed flow key differs from an expected partial one: every attribute and field the
 * expectation names must be there with that value (attributes it does not name are not looked
 * at: backends add metadata such as `skb_mark(0)`); names in `absent` must not be there at all.
 * An empty list means the key matches.
 */
export function keyDifferences(expected: string, observed: string, absent: readonly string[] = []): string[] {
  const want = parseOdpKey(expected, 'expected key');
  const got = parseOdpKey(observed, 'observed key');
  const out: string[] = [];
  compare(want, got, '', out);
  const names = (attrs: readonly OdpKeyAttr[]): string[] => attrs.flatMap((a) => [a.name, ...names(a.nested ?? [])]);
  for (const a of absent) if (names(got).includes(a)) out.push(`${a}: present, expected absent`);
  return out;
}
