import { buildFrame, ipv6ToBytes, type VlanSpec } from '../../harness/packet/index.js';

/**
 * Short builders for the frames conformance cases send, with the defaults of a two-host lab:
 * h1 0a:dd:00:00:00:01 / 10.0.0.1 / 2001:db8::1 talking to h2 0a:dd:00:00:00:02 / 10.0.0.2 / 2001:db8::2.
 * Every field a case does not name has a fixed value, so a case's expected frame differs from
 * the sent one exactly in what the pipeline should change.
 */
export const H1 = { mac: '0a:dd:00:00:00:01', ip: '10.0.0.1', ip6: '2001:db8::1' } as const;
export const H2 = { mac: '0a:dd:00:00:00:02', ip: '10.0.0.2', ip6: '2001:db8::2' } as const;

interface EthOpts {
  readonly src?: string;
  readonly dst?: string;
  readonly vlans?: readonly VlanSpec[];
  readonly payload?: string | Buffer;
}
interface Ip4Opts {
  readonly ip?: {
    readonly src?: string;
    readonly dst?: string;
    readonly ttl?: number;
    readonly tos?: number;
    readonly id?: number;
    readonly moreFragments?: boolean;
    readonly fragOffset?: number;
  };
}
interface Ip6Opts {
  readonly ip6?: { readonly src?: string; readonly dst?: string; readonly hlim?: number; readonly label?: number; readonly tc?: number };
}
interface PortOpts {
  readonly sport?: number;
  readonly dport?: number;
}

const eth = (o: EthOpts) => ({
  src: o.src ?? H1.mac,
  dst: o.dst ?? H2.mac,
  ...(o.vlans ? { vlans: o.vlans } : {}),
  ...(o.payload !== undefined ? { payload: o.payload } : {}),
});
const ip4 = (o: Ip4Opts) => ({
  src: o.ip?.src ?? H1.ip,
  dst: o.ip?.dst ?? H2.ip,
  ttl: o.ip?.ttl ?? 64,
  tos: o.ip?.tos ?? 0,
  id: o.ip?.id ?? 0x4242,
  mf: o.ip?.moreFragments ?? false,
  fragOffset: o.ip?.fragOffset ?? 0,
});
const ip6 = (o: Ip6Opts) => ({
  src: o.ip6?.src ?? H1.ip6,
  dst: o.ip6?.dst ?? H2.ip6,
  hopLimit: o.ip6?.hlim ?? 64,
  flowLabel: o.ip6?.label ?? 0,
  tc: o.ip6?.tc ?? 0,
});

export function udp4(o: EthOpts & Ip4Opts & PortOpts & { readonly zeroChecksum?: boolean } = {}): Buffer {
  return buildFrame({ ...eth(o), ipv4: ip4(o), udp: { sport: o.sport ?? 1000, dport: o.dport ?? 2000, ...(o.zeroChecksum ? { zeroChecksum: true } : {}) } });
}

export function tcp4(o: EthOpts & Ip4Opts & PortOpts & { readonly flags?: string; readonly seq?: number; readonly ack?: number } = {}): Buffer {
  return buildFrame({
    ...eth(o),
    ipv4: ip4(o),
    tcp: { sport: o.sport ?? 40000, dport: o.dport ?? 80, flags: o.flags ?? 'S', seq: o.seq ?? 1, ack: o.ack ?? 0 },
  });
}

export function icmp4(o: EthOpts & Ip4Opts & { readonly type?: number; readonly code?: number; readonly id?: number; readonly seq?: number } = {}): Buffer {
  return buildFrame({ ...eth({ payload: 'ping', ...o }), ipv4: ip4(o), icmp: { type: o.type ?? 8, code: o.code ?? 0, id: o.id ?? 1, seq: o.seq ?? 1 } });
}

export function udp6(o: EthOpts & Ip6Opts & PortOpts = {}): Buffer {
  return buildFrame({ ...eth(o), ipv6: ip6(o), udp: { sport: o.sport ?? 1000, dport: o.dport ?? 2000 } });
}

export function icmp6(o: EthOpts & Ip6Opts & { readonly type?: number; readonly code?: number; readonly id?: number; readonly seq?: number } = {}): Buffer {
  return buildFrame({ ...eth({ payload: 'ping6', ...o }), ipv6: ip6(o), icmp6: { type: o.type ?? 128, code: o.code ?? 0, id: o.id ?? 1, seq: o.seq ?? 1 } });
}

/** An ND neighbour solicitation for `target`, sent to its solicited-node multicast group. */
export function ndNs(o: EthOpts & { readonly target: string; readonly from?: string }): Buffer {
  const t = ipv6ToBytes(o.target);
  const tail = [...t.subarray(13)].map((b) => b.toString(16).padStart(2, '0'));
  const group = `ff02::1:ff${tail[0]}:${tail[1]}${tail[2]}`;
  return buildFrame({
    ...eth({ dst: `33:33:ff:${tail.join(':')}`, ...o }),
    ipv6: { src: o.from ?? H1.ip6, dst: group, hopLimit: 255 },
    icmp6: { type: 135, target: o.target, lladdr: o.src ?? H1.mac },
  });
}

/** ARP request (op 1, broadcast) or reply (op 2, unicast to `dst`). */
export function arp(o: EthOpts & { readonly op: number; readonly sha?: string; readonly spa: string; readonly tha?: string; readonly tpa: string }): Buffer {
  const src = o.src ?? H1.mac;
  return buildFrame({
    ...eth({ dst: o.op === 1 ? 'ff:ff:ff:ff:ff:ff' : H2.mac, ...o, src }),
    arp: { op: o.op, sha: o.sha ?? src, spa: o.spa, tha: o.tha ?? (o.op === 1 ? '00:00:00:00:00:00' : (o.dst ?? H2.mac)), tpa: o.tpa },
  });
}

/** A frame of a bare ethertype (e.g. 0x88b5, local experimental) with a payload. */
export function ethRaw(o: EthOpts & { readonly ethertype: number }): Buffer {
  return buildFrame({ ...eth(o), ethertype: o.ethertype });
}
