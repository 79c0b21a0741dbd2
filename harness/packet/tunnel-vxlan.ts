import type { VxlanGbpSpec, VxlanSpec } from './spec.js';
import { fitAll, u16, type Widths } from './fit.js';

/** VXLAN (RFC 7348) and its group-policy extension (VXLAN-GBP, draft-smith-vxlan-group-policy). */

export interface VxlanHeader {
  /** The first byte: I (0x08), G (0x80). */
  readonly flags: number;
  readonly vni: number;
  /** When G is set. */
  readonly gbp?: { readonly policyId: number; readonly dontLearn: boolean; readonly applied: boolean };
}

const WIDTHS = {
  vxlan: { vni: 24, flags: 8 } satisfies Widths<VxlanSpec>,
  gbp: { policyId: 16 } satisfies Widths<VxlanGbpSpec>,
};

/** The 8-byte header. */
export function buildVxlan(s: VxlanSpec): Buffer {
  fitAll('vxlan', s, WIDTHS.vxlan);
  fitAll('vxlan.gbp', s.gbp, WIDTHS.gbp);
  const h = Buffer.alloc(8);
  h[0] = s.flags ?? 0x08 | (s.gbp ? 0x80 : 0);
  if (s.gbp) {
    h[1] = (s.gbp.dontLearn ? 0x40 : 0) | (s.gbp.applied ? 0x08 : 0);
    u16(s.gbp.policyId).copy(h, 2);
  }
  h.writeUInt32BE(s.vni * 256, 4);
  return h;
}

export function parseVxlan(b: Buffer): { header: VxlanHeader; size: number } | string {
  if (b.length < 8) return `vxlan: header needs 8 bytes, ${b.length} left`;
  const flags = b[0] as number;
  const gbp = flags & 0x80 ? { policyId: b.readUInt16BE(2), dontLearn: ((b[1] as number) & 0x40) !== 0, applied: ((b[1] as number) & 0x08) !== 0 } : undefined;
  return { header: { flags, vni: b.readUInt32BE(4) >>> 8, ...(gbp ? { gbp } : {}) }, size: 8 };
}
