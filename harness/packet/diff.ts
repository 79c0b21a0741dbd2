import type { ParsedFrame } from './headers.js';
import { parseFrame } from './parse.js';
import { tcpFlagsToString } from './protocol-numbers.js';

const hex = (n: number, w = 4) => `0x${n.toString(16).padStart(w, '0')}`;

/** A parsed frame as flat `layer.field -> text`, the vocabulary of diffs and reports. */
export function frameFields(f: ParsedFrame): Map<string, string> {
  const m = new Map<string, string>();
  /** Lists flatten to `ipv4.options[0].type`, headers inside headers to `ipv6.fragment.id`, bytes to hex. */
  const flat = (key: string, v: unknown, show?: (v: never) => string): void => {
    if (v === undefined) return;
    if (Buffer.isBuffer(v)) m.set(key, v.toString('hex'));
    else if (Array.isArray(v)) v.forEach((x, i) => flat(`${key}[${i}]`, x));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) flat(`${key}.${k}`, x);
    else m.set(key, show ? show(v as never) : String(v));
  };
  const put = (layer: string, o: object | undefined, fmt: Record<string, (v: never) => string> = {}) => {
    if (!o) return;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'vlans') continue;
      // An ICMP error's quoted packet reads as a frame of its own: `icmp.quoted.ipv4.src`.
      if (k === 'quoted') for (const [qk, qv] of frameFields(v as ParsedFrame)) m.set(`${layer}.quoted.${qk}`, qv);
      else flat(`${layer}.${k}`, v, fmt[k]);
    }
  };
  put('eth', f.eth, { ethertype: (v: number) => hex(v) });
  f.eth?.vlans.forEach((t, i) => put(`vlan[${i}]`, t, { tpid: (v: number) => hex(v) }));
  f.mpls?.forEach((l, i) => put(`mpls[${i}]`, l));
  put('arp', f.arp);
  put('ipv4', f.ipv4, { checksum: (v: number) => hex(v), tos: (v: number) => hex(v, 2) });
  put('ipv6', f.ipv6, { flowLabel: (v: number) => hex(v, 5), tc: (v: number) => hex(v, 2) });
  put('udp', f.udp, { checksum: (v: number) => hex(v) });
  put('tcp', f.tcp, { checksum: (v: number) => hex(v), flags: (v: number) => tcpFlagsToString(v) || '0' });
  put('sctp', f.sctp, { checksum: (v: number) => hex(v, 8), tag: (v: number) => hex(v, 8) });
  put('icmp', f.icmp, { checksum: (v: number) => hex(v) });
  put('icmp6', f.icmp6, { checksum: (v: number) => hex(v) });
  put('gre', f.gre, { protocol: (v: number) => hex(v), checksum: (v: number) => hex(v) });
  put('erspan', f.erspan);
  put('vxlan', f.vxlan, { flags: (v: number) => hex(v, 2) });
  put('geneve', f.geneve, { protocol: (v: number) => hex(v) });
  put('gtpu', f.gtpu, { messageType: (v: number) => hex(v, 2), teid: (v: number) => hex(v, 8) });
  if (f.inner) for (const [k, v] of frameFields(f.inner)) m.set(`inner.${k}`, v);
  m.set('payload', f.payload.toString('hex'));
  m.set('length', String(f.length));
  if (f.truncated) m.set('truncated', f.truncated);
  return m;
}

/**
 * Field-by-field differences between an expected and an actual frame, in header order:
 * `['ipv4.ttl: expected 63, got 64', 'ipv4.checksum: expected 0x..., got 0x...']`. Empty when equal.
 */
export function diffFrames(expected: Buffer, actual: Buffer): string[] {
  if (expected.equals(actual)) return [];
  const a = frameFields(parseFrame(expected));
  const b = frameFields(parseFrame(actual));
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === y) continue;
    if (k === 'payload' && x !== undefined && y !== undefined) {
      let i = 0;
      while (i < x.length && x[i] === y[i]) i += 1;
      out.push(`payload: differs from byte ${Math.floor(i / 2)} (expected ${x.length / 2} bytes, got ${y.length / 2})`);
    } else {
      out.push(`${k}: expected ${x ?? 'absent'}, got ${y ?? 'absent'}`);
    }
  }
  if (out.length === 0) {
    let i = 0;
    while (expected[i] === actual[i]) i += 1;
    out.push(`bytes differ at offset ${i}`);
  }
  return out;
}
