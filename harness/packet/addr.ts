/** Address text <-> bytes for MAC, IPv4 and IPv6, with canonical (RFC 5952) IPv6 output. */

export class AddressError extends Error {}

export function macToBytes(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new AddressError(`bad MAC address '${mac}'`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function bytesToMac(b: Buffer): string {
  return [...b.subarray(0, 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function ipv4ToBytes(ip: string): Buffer {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) throw new AddressError(`bad IPv4 address '${ip}'`);
  return Buffer.from(parts.map(Number));
}

export function bytesToIpv4(b: Buffer): string {
  return [...b.subarray(0, 4)].join('.');
}

export function ipv6ToBytes(ip: string): Buffer {
  const bad = () => new AddressError(`bad IPv6 address '${ip}'`);
  let text = ip;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const b = ipv4ToBytes(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const want = 8;
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) throw bad();
  let all: number[];
  if (halves.length === 2) {
    const fill = want - head.length - rest.length;
    if (fill < 1) throw bad();
    all = [...head.map((g) => parseInt(g, 16)), ...new Array<number>(fill).fill(0), ...rest.map((g) => parseInt(g, 16))];
  } else {
    if (head.length !== want) throw bad();
    all = head.map((g) => parseInt(g, 16));
  }
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export function bytesToIpv6(b: Buffer): string {
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  // Compress the longest run of two or more zero groups, the first when tied (RFC 5952 4.2).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j += 1;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function isMac(s: string): boolean {
  return /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(s);
}

export function isIpv4(s: string): boolean {
  try {
    ipv4ToBytes(s);
    return true;
  } catch {
    return false;
  }
}

export function isIpv6(s: string): boolean {
  try {
    ipv6ToBytes(s);
    return s.includes(':');
  } catch {
    return false;
  }
}
