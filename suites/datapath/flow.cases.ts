import { expect } from 'chai';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { keyField } from '../../harness/odp/accessors.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { udp4 } from '../conformance/frames.js';

/**
 * Flows put directly into the datapath in ODP syntax (as `ovs-dpctl add-flow`), with no
 * OpenFlow rule behind them: forwarding, counters, deletion and mask semantics. Keys carry
 * eth() and an L3 attribute for each eth_type, as the kernel module insists.
 */
async function setUp(t: CaseContext): Promise<{ p1: number; p2: number }> {
  await t.pipeline(''); // what misses: dropped by the slow path
  const ports = await t.dp.ports();
  return { p1: ports.p1 as number, p2: ports.p2 as number };
}

/**
 * The flows a predicate picks, as one: the userspace datapath keeps a copy of a put flow per
 * packet-processing thread (same ufid), each with its own counters.
 */
function merged(flows: readonly DatapathFlow[], pick: (f: DatapathFlow) => boolean): DatapathFlow | undefined {
  const all = flows.filter(pick);
  const first = all[0];
  if (!first) return undefined;
  const sum = (k: 'packets' | 'bytes') => all.reduce((n, f) => n + f.stats[k], 0);
  return { ...first, stats: { ...first.stats, packets: sum('packets'), bytes: sum('bytes') } };
}

const withUdpDst = (flows: readonly DatapathFlow[], port: string) =>
  merged(flows, (f) => keyField(f, 'udp', 'dst')?.value === port && keyField(f, 'udp', 'dst')?.mask === undefined);

export const flowCases: CaseGroup = {
  suite: 'datapath',
  name: 'flow',
  cases: [
    defineCase({
      id: 'flow.put-forward-count',
      title: 'a put flow forwards what it matches and counts packets and bytes; the dump shows it with its mask',
      features: ['dp.flow_put', 'l2.output'],
      run: async (t) => {
        const { p1, p2 } = await setUp(t);
        await t.dp.putFlow(`in_port(${p1}),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=53) actions:${p2}`);
        const hit = udp4({ dport: 53 });
        await t.expectDelivery('h1', [hit, hit, hit], { h2: [hit, hit, hit] });
        const flow = withUdpDst(await t.dumpFlows(), '53');
        expect(flow, 'the put flow in the dump').to.not.equal(undefined);
        expect(flow?.stats.packets, 'packets').to.equal(3);
        expect(flow?.stats.bytes, 'bytes').to.equal(3 * hit.length);
        expect(keyField(flow as DatapathFlow, 'udp', 'src')?.mask, 'udp src wildcarded').to.equal('0');
        expect(flow?.actions).to.deep.equal([{ type: 'output', port: p2 }]);
      },
    }),
    defineCase({
      id: 'flow.put-existing-refused',
      title: 'putting a flow whose key and mask the datapath holds already is refused, and the first keeps its actions',
      features: ['dp.flow_put', 'l2.output'],
      run: async (t) => {
        const { p1, p2 } = await setUp(t);
        const key = `in_port(${p1}),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=53)`;
        await t.dp.putFlow(`${key} actions:${p2}`);
        const second = await t.dp.putFlow(`${key} actions:drop`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(second, 'the second put of the same flow').to.be.instanceOf(Error);
        // The errno differs: OVS userspace says File exists, the kernel module (through
        // ovs-vswitchd's dpctl/add-flow) Invalid argument; what counts is the refusal.
        t.note(`second put refused: ${(second as Error).message}`);
        const hit = udp4({ dport: 53 });
        await t.expectDelivery('h1', hit, { h2: [hit] });
      },
    }),
    defineCase({
      id: 'flow.del',
      title: 'a deleted flow stops matching and leaves the dump',
      features: ['dp.flow_put', 'l2.output'],
      run: async (t) => {
        const { p1, p2 } = await setUp(t);
        const key = `in_port(${p1}),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=53)`;
        await t.dp.putFlow(`${key} actions:${p2}`);
        const f = udp4({ dport: 53 });
        await t.expectDelivery('h1', f, { h2: [f] });
        await t.dp.delFlow(key);
        expect(withUdpDst(await t.dumpFlows(), '53'), 'flow gone from the dump').to.equal(undefined);
        await t.expectDelivery('h1', f, {});
      },
    }),
    defineCase({
      id: 'flow.mask-prefix',
      title: 'a /24 source mask matches inside the prefix only, and the dump keeps the mask',
      features: ['dp.flow_put', 'match.ipv4'],
      run: async (t) => {
        const { p1, p2 } = await setUp(t);
        await t.dp.putFlow(`in_port(${p1}),eth(),eth_type(0x0800),ipv4(src=10.0.0.0/255.255.255.0) actions:${p2}`);
        const inside = udp4({ ip: { src: '10.0.0.77' } });
        const outside = udp4({ ip: { src: '10.0.1.77' } });
        // Outside last: its miss installs the slow path's own drop flow.
        await t.expectDelivery('h1', inside, { h2: [inside] });
        await t.expectDelivery('h1', outside, {});
        const flow = merged(await t.dumpFlows(), (x) => keyField(x, 'ipv4', 'src')?.mask === '255.255.255.0');
        expect(flow, 'the /24 flow in the dump').to.not.equal(undefined);
        expect(keyField(flow as DatapathFlow, 'ipv4', 'src')?.value).to.equal('10.0.0.0');
        expect(flow?.stats.packets).to.equal(1);
      },
    }),
    defineCase({
      id: 'flow.put-set-ttl',
      title: 'a put flow with set(ipv4(ttl=...)) rewrites the TTL and fixes the IPv4 checksum',
      features: ['dp.flow_put', 'set.ipv4'],
      run: async (t) => {
        const { p1, p2 } = await setUp(t);
        await t.dp.putFlow(`in_port(${p1}),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=53) actions:set(ipv4(ttl=9)),${p2}`);
        await t.expectDelivery('h1', udp4({ dport: 53 }), { h2: [udp4({ dport: 53, ip: { ttl: 9 } })] });
      },
    }),
    defineCase({
      id: 'flow.put-rejects-bad-syntax',
      title: 'a flow that does not parse is refused with an error naming it, and nothing is installed',
      features: ['dp.flow_put'],
      run: async (t) => {
        const { p1, p2 } = await setUp(t);
        let message = '';
        await t.dp.putFlow(`in_port(${p1}),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,bogus=1) actions:${p2}`).catch((e: unknown) => {
          message = e instanceof Error ? e.message : String(e);
        });
        expect(message, 'error').to.match(/bogus|syntax/);
        expect(await t.dumpFlows()).to.deep.equal([]);
      },
    }),
  ],
};
