import { AssertionError, expect } from 'chai';
import type { CaseContext } from '../../harness/conformance/case.js';
import { buildErspan, buildFrame, buildGeneve, buildGre, buildGtpu, buildVxlan, diffFrames } from '../../harness/packet/index.js';

/**
 * The underlay of the tunnel cases and the encapsulated frames on it. The switch's VTEP sits on
 * its LOCAL port (VTEP below); the remote VTEPs are the endpoints h2 and h3, reached out of p2
 * and p3. Outer frames are built whole (headers, lengths, checksums) from the fields a case
 * names, so a byte-for-byte comparison checks every field of the outer headers. The fields a
 * sender may choose freely (the outer UDP source port, a flow hash; the IPv4 ID; the IPv6 flow
 * label the kernel derives from a hash) are read from the captured frame, each named, and
 * everything else must match exactly.
 */
export const VTEP = { mac: '0a:dd:00:00:01:fe', ip: '172.31.1.100', ip6: 'fc00:31::100' } as const;
export const REMOTE = { h2: { ip: '172.31.1.2', ip6: 'fc00:31::2' }, h3: { ip: '172.31.1.3', ip6: 'fc00:31::3' } } as const;

export const UDP_PORT = { vxlan: 4789, geneve: 6081, gtpu: 2152 } as const;
export const ETH_P_TEB = 0x6558;

/** The switch's VTEP on LOCAL with h2 (and h3) as remote VTEPs. */
export async function underlay(t: CaseContext, v6 = false, remotes: readonly ('h2' | 'h3')[] = ['h2']): Promise<void> {
  await t.sw.underlay({
    local: v6 ? `${VTEP.ip6}/64` : `${VTEP.ip}/24`,
    mac: VTEP.mac,
    remotes: remotes.map((r) => ({ ip: v6 ? REMOTE[r].ip6 : REMOTE[r].ip, mac: t.mac(r) })),
  });
}

/** The outer headers of an encapsulated frame; the free fields come from `free` (a captured frame's). */
export interface Outer {
  readonly src: string;
  readonly dst: string;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly ttl?: number;
  readonly tos?: number;
  /** IPv4 DF; default set (OVS's df_default=true). */
  readonly df?: boolean;
  /** IP protocol / next header for a non-UDP tunnel (GRE: 47). */
  readonly protocol?: number;
  /** UDP destination port for UDP tunnels. */
  readonly dport?: number;
  /** UDP checksum: false sends 0 (the IPv4 default of OVS tunnels), true computes it. */
  readonly udpCsum?: boolean;
}

/** Fields a sender chooses: taken from the captured frame, and named as such in the case's details. */
export interface FreeFields {
  readonly sport: number;
  readonly ipId: number;
  readonly flowLabel: number;
}

const v6of = (a: string) => a.includes(':');

/** An encapsulated frame: outer Ethernet + IPv4/IPv6 (+ UDP when `dport`) around `body`. */
export function outerFrame(o: Outer, free: FreeFields, body: Buffer): Buffer {
  const udp = o.dport !== undefined ? { udp: { sport: free.sport, dport: o.dport, ...(o.udpCsum ? {} : { zeroChecksum: true }) } } : {};
  if (v6of(o.src)) {
    return buildFrame({
      src: o.srcMac,
      dst: o.dstMac,
      ipv6: {
        src: o.src,
        dst: o.dst,
        hopLimit: o.ttl ?? 64,
        tc: o.tos ?? 0,
        flowLabel: free.flowLabel,
        ...(o.protocol !== undefined ? { nextHeader: o.protocol } : {}),
      },
      ...udp,
      payload: body,
    });
  }
  return buildFrame({
    src: o.srcMac,
    dst: o.dstMac,
    ipv4: {
      src: o.src,
      dst: o.dst,
      ttl: o.ttl ?? 64,
      tos: o.tos ?? 0,
      id: free.ipId,
      df: o.df ?? true,
      ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
    },
    ...udp,
    payload: body,
  });
}

/** The free fields of a captured outer frame (zeros where the frame has no such field). */
export function freeFieldsOf(f: Buffer): FreeFields {
  const et = f.readUInt16BE(12);
  if (et === 0x86dd) {
    const udp = f[20] === 17;
    return { sport: udp ? f.readUInt16BE(54) : 0, ipId: 0, flowLabel: f.readUInt32BE(14) & 0xfffff };
  }
  const ihl = ((f[14] ?? 0x45) & 0x0f) * 4;
  const udp = f[23] === 17;
  return { sport: udp ? f.readUInt16BE(14 + ihl) : 0, ipId: f.readUInt16BE(18), flowLabel: 0 };
}

/** Whether a captured IPv4 frame's outer UDP checksum is present (non-zero); it is optional over IPv4 (RFC 768). */
export function udpChecksumPresent(f: Buffer): boolean {
  return f.readUInt16BE(14 + ((f[14] ?? 0x45) & 0x0f) * 4 + 6) !== 0;
}

/** The VXLAN header (RFC 7348): I flag and the 24-bit VNI. */
export function vxlanHeader(vni: number): Buffer {
  return buildVxlan({ vni, frame: Buffer.alloc(0) });
}

/** A Geneve option (RFC 8926): class, type (its high bit is the critical bit), and 4-byte-multiple data. */
export interface GeneveOpt {
  readonly cls: number;
  readonly type: number;
  readonly data: Buffer;
}

/** The Geneve header (RFC 8926) carrying an Ethernet frame, with its options (C set when one is critical). */
export function geneveHeader(vni: number, opts: readonly GeneveOpt[] = [], oam = false): Buffer {
  const options = opts.map((o) => ({ class: o.cls, type: o.type & 0x7f, critical: (o.type & 0x80) !== 0, data: o.data }));
  return buildGeneve({ vni, oam, options }, ETH_P_TEB);
}

/** A GRE header (RFC 2890) with the optional checksum (over header and payload), key and sequence number, and the payload. */
export function greFrame(g: { readonly key?: number; readonly seq?: number; readonly csum?: boolean; readonly protocol?: number }, payload: Buffer): Buffer {
  return buildGre(
    { ...(g.key !== undefined ? { key: g.key >>> 0 } : {}), ...(g.seq !== undefined ? { seq: g.seq >>> 0 } : {}), checksumPresent: g.csum === true },
    g.protocol ?? ETH_P_TEB,
    payload,
  );
}

/** ERSPAN type II (v1) header: version 1, VLAN 0, COS 0, En 0, T 0, session id, index. */
export function erspanV1Header(session: number, index: number): Buffer {
  return buildErspan({ version: 1, sessionId: session & 0x3ff, index: index & 0xfffff, frame: Buffer.alloc(0) });
}

/** ERSPAN type III (v2) header: session id, timestamp, direction and hardware id, P clear (no optional subheader). */
export function erspanV2Header(session: number, dir: number, hwid: number, timestamp: number): Buffer {
  return buildErspan({
    version: 2,
    sessionId: session & 0x3ff,
    timestamp: timestamp >>> 0,
    hwId: hwid & 0x3f,
    direction: dir & 1,
    p: false,
    frame: Buffer.alloc(0),
  });
}

/** A GTP-U G-PDU header (3GPP TS 29.281) with the TEID, for an IP packet of `payloadLength` bytes. */
export function gtpuHeader(teid: number, payloadLength: number): Buffer {
  return buildGtpu({ teid: teid >>> 0, length: payloadLength }, Buffer.alloc(0));
}

/**
 * Sends `inner` from h1 and expects exactly one encapsulated frame at `at` (nothing elsewhere),
 * equal byte for byte to `expected(free)`, where `free` holds the captured frame's free fields.
 */
export async function expectEncap(
  t: CaseContext,
  inner: Buffer,
  at: string,
  expected: (free: FreeFields, captured: Buffer) => Buffer,
  from = 'h1',
): Promise<Buffer> {
  const got = await t.send(from, inner, { expectCount: 1 });
  for (const [ep, frames] of got) {
    if (ep !== at)
      expect(
        frames.map((f) => f.toString('hex')),
        `frames at ${ep}`,
      ).to.deep.equal([]);
  }
  const frames = got.get(at) ?? [];
  expect(frames.length, `encapsulated frames at ${at}`).to.equal(1);
  const f = frames[0] as Buffer;
  const free = freeFieldsOf(f);
  const udp = f.readUInt16BE(12) === 0x86dd ? f[20] === 17 : f[23] === 17;
  if (udp) expect(free.sport, 'outer UDP source port (a flow hash: any but 0)').to.be.above(0);
  t.note(`free fields of the captured outer frame: udp sport ${free.sport}, ip id 0x${free.ipId.toString(16)}, flow label 0x${free.flowLabel.toString(16)}`);
  const want = expected(free, f);
  if (!want.equals(f)) {
    throw new AssertionError(`encapsulated frame at ${at}: ${diffFrames(want, f).slice(0, 4).join(', ') || 'bytes differ'}`, {
      expected: want.toString('hex'),
      actual: f.toString('hex'),
    });
  }
  return f;
}

/** Free fields of frames the cases inject: fixed, as any sender may choose them. */
export const SENT_FREE: FreeFields = { sport: 49152, ipId: 0x1234, flowLabel: 0 };

/** An encapsulated frame from a remote VTEP (`from`) to the switch's VTEP, as the remote would send it. */
export function fromRemote(
  t: CaseContext,
  from: 'h2' | 'h3',
  o: { readonly v6?: boolean; readonly dport?: number; readonly protocol?: number; readonly udpCsum?: boolean },
  body: Buffer,
): Buffer {
  const r = REMOTE[from];
  return outerFrame(
    {
      srcMac: t.mac(from),
      dstMac: VTEP.mac,
      src: o.v6 ? r.ip6 : r.ip,
      dst: o.v6 ? VTEP.ip6 : VTEP.ip,
      ...(o.dport !== undefined ? { dport: o.dport } : {}),
      ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
      udpCsum: o.udpCsum ?? o.v6 ?? false,
    },
    SENT_FREE,
    body,
  );
}

/** The outer headers the switch's VTEP puts on a frame to `to`; `o` names what a case changes. */
export function toRemote(t: CaseContext, to: 'h2' | 'h3', o: Partial<Outer> & { readonly v6?: boolean } = {}): Outer {
  const r = REMOTE[to];
  const { v6, ...rest } = o;
  return { srcMac: VTEP.mac, dstMac: t.mac(to), src: v6 ? VTEP.ip6 : VTEP.ip, dst: v6 ? r.ip6 : r.ip, ...rest };
}

/**
 * The rules that carry the underlay: encapsulated frames from LOCAL out of p2 (and p3 for h3),
 * frames to the VTEP from p2/p3 into LOCAL. `proto` is the UDP destination port of a UDP tunnel
 * or `gre` (IP protocol 47).
 */
export function underlayRules(o: {
  readonly udp?: number;
  readonly gre?: boolean;
  readonly v6?: boolean;
  readonly remotes?: readonly ('h2' | 'h3')[];
}): string {
  const l3 = o.v6 ? 'ipv6' : 'ip';
  const what = o.udp !== undefined ? `${o.v6 ? 'udp6' : 'udp'},tp_dst=${o.udp}` : `${l3},nw_proto=47`;
  const dst = o.v6 ? 'ipv6_dst' : 'nw_dst';
  const port = { h2: 'p2', h3: 'p3' } as const;
  return (o.remotes ?? ['h2'])
    .flatMap((r) => [
      `${what},in_port=LOCAL,${dst}=${o.v6 ? REMOTE[r].ip6 : REMOTE[r].ip},actions=output:${port[r]}`,
      `${what},in_port=${port[r]},${dst}=${o.v6 ? VTEP.ip6 : VTEP.ip},actions=output:LOCAL`,
    ])
    .join('\n');
}
