import type { DatapathFlow, OdpField, OdpKeyAttr } from './flow.js';

/** Finds a key attribute by name, looking inside `encap(...)` too (VLAN-tagged flows). */
export function keyAttr(flow: DatapathFlow, name: string): OdpKeyAttr | undefined {
  const walk = (attrs: readonly OdpKeyAttr[]): OdpKeyAttr | undefined => {
    for (const a of attrs) {
      if (a.name === name) return a;
      const inner = a.nested ? walk(a.nested) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(flow.key);
}

/** A field of a key attribute, e.g. `keyField(f, 'udp', 'dst')`. */
export function keyField(flow: DatapathFlow, attr: string, field: string): OdpField | undefined {
  return keyAttr(flow, attr)?.fields.find((f) => f.name === field);
}

/**
 * True when the field is matched exactly: no mask, or a mask of all ones in any of the
 * notations ODP prints (`0xffff`, `255.255.255.255`, `ff:ff:ff:ff:ff:ff`, `ffff:...`).
 */
export function isExact(f: OdpField | { readonly mask?: string }): boolean {
  if (f.mask === undefined) return true;
  const m = f.mask.toLowerCase();
  if (/^0x[f]+$/.test(m)) return true;
  if (/^(255\.){3}255$/.test(m)) return true;
  if (/^(ff:){5}ff$/.test(m)) return true;
  if (/^(ffff:){7}ffff$/.test(m)) return true;
  return false;
}

/** True when the field is fully wildcarded (mask of zero); an absent field is wildcarded too. */
export function isWildcard(f: OdpField | undefined): boolean {
  if (!f) return true;
  return f.mask !== undefined && /^(0x0+|0|0\.0\.0\.0|(00:){5}00|::)$/.test(f.mask.toLowerCase());
}
