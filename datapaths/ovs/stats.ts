import type { DatapathStats, PortStats } from '../../harness/datapath/datapath.js';

/** Parsers for the text of `ovs-appctl dpctl/show` and `ovs-ofctl dump-ports`. */

/** `lookups: hit:9 missed:1 lost:0` and `flows: 1` from dpctl/show. */
export function parseDpctlShow(text: string): Omit<DatapathStats, 'ports'> {
  const l = /lookups: hit:(\d+) missed:(\d+) lost:(\d+)/.exec(text);
  const f = /flows: (\d+)/.exec(text);
  if (!l || !f) throw new Error(`dpctl/show: no lookups/flows lines in: ${text.split('\n')[0] ?? ''}`);
  return { hits: Number(l[1]), misses: Number(l[2]), lost: Number(l[3]), flows: Number(f[1]) };
}

/** Per-port `xdp-mode-in-use=...` of afxdp ports, by interface name. */
export function parseXdpModes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/port \d+: (\S+) \(afxdp[^)]*xdp-mode-in-use=([a-z-]+)/g)) out.set(m[1] as string, m[2] as string);
  return out;
}

/**
 *   port  1: rx pkts=3, bytes=180, drop=0, errs=0, frame=0, over=0, crc=0
 *            tx pkts=0, bytes=0, drop=0, errs=0, coll=0
 */
export function parseDumpPorts(text: string, names: ReadonlyMap<number, string>): PortStats[] {
  const out: PortStats[] = [];
  const re = /port\s+"?(\w+)"?: rx pkts=(\d+|\?), bytes=(\d+|\?), drop=(\d+|\?)[^\n]*\n\s+tx pkts=(\d+|\?), bytes=(\d+|\?), drop=(\d+|\?)/g;
  const n = (s: string | undefined) => (s === undefined || s === '?' ? 0 : Number(s));
  for (const m of text.matchAll(re)) {
    if (m[1] === 'LOCAL') continue;
    const ofport = Number(m[1]);
    out.push({
      name: names.get(ofport) ?? String(ofport),
      ofport,
      rxPackets: n(m[2]),
      rxBytes: n(m[3]),
      rxDropped: n(m[4]),
      txPackets: n(m[5]),
      txBytes: n(m[6]),
      txDropped: n(m[7]),
    });
  }
  return out.sort((a, b) => a.ofport - b.ofport);
}
