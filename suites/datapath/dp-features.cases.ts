import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { keyField } from '../../harness/odp/accessors.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { arp, udp4 } from '../conformance/frames.js';

/**
 * Datapath features below OpenFlow that releases.rst lists apart ("features that do not directly
 * impact an Open vSwitch user"): flows identified by a UFID, the datapath validating the actions
 * of a flow before it takes it, and several datapaths of one provider side by side.
 */
async function ports(t: CaseContext): Promise<{ p1: number; p2: number }> {
  await t.pipeline('');
  const p = await t.dp.ports();
  return { p1: p.p1 as number, p2: p.p2 as number };
}

const udpKey = (p1: number, dport: number) => `in_port(${p1}),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=${dport})`;
const byDst = (flows: readonly DatapathFlow[], dport: number) => flows.filter((f) => keyField(f, 'udp', 'dst')?.value === String(dport));

/** The error a refused flow put gives, or '' when the datapath took it. */
async function putError(t: CaseContext, odp: string): Promise<string> {
  return t.dp.putFlow(odp).then(
    () => '',
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
}

/** A flow for the second datapath: its only port is its own (port 0). */
const SECOND_FLOW = 'in_port(0),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=7777) actions:0';

/** The backend's own datapath forwards a frame through the pipeline and keeps that megaflow. */
async function firstForwards(t: CaseContext): Promise<void> {
  const f = udp4({ dport: 53 });
  await t.expectDelivery('h1', f, { h2: [f] });
  expect(byDst(await t.dumpFlows(), 53).length, 'the first datapath holds its megaflow').to.be.greaterThan(0);
}

export const dpFeatureCases: CaseGroup = {
  suite: 'datapath',
  name: 'dp-features',
  cases: [
    defineCase({
      id: 'ufid.megaflow-has-ufid',
      title: 'a megaflow installed by a miss is dumped with a UFID, the same in two dumps',
      features: ['dp.ufid', 'upcall.miss'],
      run: async (t) => {
        // The port in the rule keeps udp(dst=53) exact in the megaflow, which is how it is found.
        await t.pipeline('udp,in_port=p1,tp_dst=53,actions=output:p2');
        const f = udp4({ dport: 53 });
        await t.expectDelivery('h1', f, { h2: [f] });
        const first = byDst(await t.dumpFlows(), 53).map((x) => x.ufid);
        expect(first.length, 'megaflows of the frame').to.be.greaterThan(0);
        for (const u of first) expect(u, 'ufid').to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(byDst(await t.dumpFlows(), 53).map((x) => x.ufid)).to.deep.equal(first);
      },
    }),
    defineCase({
      id: 'ufid.put-with-ufid',
      title: 'a flow put with a UFID of our choosing is dumped under that UFID and forwards',
      features: ['dp.ufid', 'dp.flow_put'],
      run: async (t) => {
        const { p1, p2 } = await ports(t);
        const ufid = randomUUID();
        await t.dp.putFlow(`ufid:${ufid}, ${udpKey(p1, 53)} actions:${p2}`);
        const f = udp4({ dport: 53 });
        await t.expectDelivery('h1', f, { h2: [f] });
        const put = byDst(await t.dumpFlows(), 53);
        expect(put.length, 'the put flow in the dump').to.be.greaterThan(0);
        expect(new Set(put.map((x) => x.ufid))).to.deep.equal(new Set([ufid]));
      },
    }),
    defineCase({
      id: 'ufid.del-by-ufid',
      title: 'deleting by UFID alone removes that flow and leaves the other',
      features: ['dp.ufid', 'dp.flow_put'],
      run: async (t) => {
        const { p1, p2 } = await ports(t);
        const [gone, kept] = [randomUUID(), randomUUID()];
        await t.dp.putFlow(`ufid:${gone}, ${udpKey(p1, 53)} actions:${p2}`);
        await t.dp.putFlow(`ufid:${kept}, ${udpKey(p1, 54)} actions:${p2}`);
        await t.dp.delFlow(`ufid:${gone}`);
        const left = await t.dumpFlows();
        expect(byDst(left, 53), 'the deleted flow').to.deep.equal([]);
        expect(new Set(byDst(left, 54).map((x) => x.ufid)), 'the other flow').to.deep.equal(new Set([kept]));
        const still = udp4({ dport: 54 });
        await t.expectDelivery('h1', [udp4({ dport: 53 }), still], { h2: [still] });
      },
    }),
    defineCase({
      id: 'validate.set-ipv4-on-arp-key',
      title: 'a flow whose set(ipv4(...)) action does not fit its ARP key is refused and not installed',
      features: ['dp.validate', 'dp.flow_put'],
      run: async (t) => {
        const { p1, p2 } = await ports(t);
        const err = await putError(t, `in_port(${p1}),eth(),eth_type(0x0806),arp() actions:set(ipv4(ttl=9)),${p2}`);
        expect(err, 'the put is refused').to.not.equal('');
        expect(await t.dumpFlows()).to.deep.equal([]);
        await t.expectDelivery('h1', arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' }), {});
      },
    }),
    defineCase({
      id: 'validate.set-tcp-on-udp-key',
      title: 'a flow that sets TCP ports on a UDP key is refused and not installed',
      features: ['dp.validate', 'dp.flow_put'],
      run: async (t) => {
        const { p1, p2 } = await ports(t);
        const err = await putError(t, `${udpKey(p1, 53)} actions:set(tcp(src=1)),${p2}`);
        expect(err, 'the put is refused').to.not.equal('');
        expect(byDst(await t.dumpFlows(), 53)).to.deep.equal([]);
      },
    }),
    defineCase({
      id: 'validate.push-vlan-bad-tpid',
      title: 'push_vlan with a TPID other than 0x8100/0x88a8 is refused and not installed',
      features: ['dp.validate', 'dp.flow_put'],
      run: async (t) => {
        const { p1, p2 } = await ports(t);
        const err = await putError(t, `${udpKey(p1, 53)} actions:push_vlan(tpid=0x1234,vid=5,pcp=0),${p2}`);
        expect(err, 'the put is refused').to.not.equal('');
        expect(byDst(await t.dumpFlows(), 53)).to.deep.equal([]);
      },
    }),
    defineCase({
      id: 'multi.second-beside-first',
      title: 'a second datapath of the same provider is listed beside the first, which keeps forwarding',
      features: ['dp.multi', 'l2.output'],
      run: async (t) => {
        await t.pipeline('udp,in_port=p1,tp_dst=53,actions=output:p2');
        const second = await t.dp.secondDatapath();
        const listed = await second.listed();
        expect(listed, 'dpctl/dump-dps').to.include(second.name);
        expect(listed.length, 'datapaths listed').to.be.at.least(2);
        await firstForwards(t);
      },
    }),
    defineCase({
      id: 'multi.flows-apart',
      title: 'a flow put into the second datapath is in its dump only, and the first datapath never sees it',
      features: ['dp.multi', 'dp.flow_put'],
      run: async (t) => {
        await t.pipeline('udp,in_port=p1,tp_dst=53,actions=output:p2');
        const second = await t.dp.secondDatapath();
        await second.putFlow(SECOND_FLOW);
        const own = await second.dumpFlows();
        expect(own.filter((l) => /udp\(.*dst=7777/.test(l)).length, `${second.name} dump`).to.equal(1);
        await firstForwards(t);
        expect(byDst(await t.dumpFlows(), 7777), 'the first datapath holds none of it').to.deep.equal([]);
      },
    }),
    defineCase({
      id: 'multi.remove-leaves-first',
      title: 'removing the second datapath leaves the first listed, forwarding and holding its flows',
      features: ['dp.multi', 'l2.output'],
      run: async (t) => {
        await t.pipeline('udp,in_port=p1,tp_dst=53,actions=output:p2');
        await firstForwards(t);
        const second = await t.dp.secondDatapath();
        const before = await second.listed();
        await second.remove();
        const after = await second.listed();
        expect(after, 'dpctl/dump-dps after del-dp').to.deep.equal(before.filter((n) => n !== second.name));
        expect(byDst(await t.dumpFlows(), 53).length, 'the first datapath keeps its megaflow').to.be.greaterThan(0);
        const f = udp4({ dport: 53 });
        await t.expectDelivery('h1', f, { h2: [f] });
      },
    }),
  ],
};
