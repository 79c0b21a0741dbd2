import { tcpFlagsToString } from './headers.js';
import { parseFrame, type ParsedFrame } from './parse.js';

const hex = (n: number, w = 4) => `0x${n.toString(16).padStart(w, '0')}`;

/** A parsed frame as flat `layer.field -> text`, the vocabulary of diffs and reports. */
export function frameFields(f: ParsedFrame): Map<string, string> {
  const m = new Map<string, string>();
  const put = (layer: string, o: object | undefined, fmt: Record<string, (v: never) => string> = {}) => {
    if (!o) return;
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined || k === 'vlans') continue;
      // A header inside a header (IPv6's fragment header) flattens to `ipv6.fragment.id`.
      if (typeof v === 'object' && !Buffer.isBuffer(v)) {
        put(`${layer}.${k}`, v as object);
        continue;
      }
      const show = fmt[k] as ((v: unknown) => string) | undefined;
      m.set(`${layer}.${k}`, show ? show(v) : String(v));
    }
  };
  put('eth', f.eth, { ethertype: (v: number) => hex(v) });
  f.eth?.vlans.forEach((t, i) => put(`vlan[${i}]`, t, { tpid: (v: number) => hex(v) }));
  put('arp', f.arp);
  put('ipv4', f.ipv4, { checksum: (v: number) => hex(v), tos: (v: number) => hex(v, 2) });
  put('ipv6', f.ipv6, { flowLabel: (v: number) => hex(v, 5), tc: (v: number) => hex(v, 2) });
  put('udp', f.udp, { checksum: (v: number) => hex(v) });
  put('tcp', f.tcp, { checksum: (v: number) => hex(v), flags: (v: number) => tcpFlagsToString(v) || '0' });
  put('icmp', f.icmp, { checksum: (v: number) => hex(v) });
  put('icmp6', f.icmp6, { checksum: (v: number) => hex(v) });
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
