import { expect } from 'chai';
import { CaseSkipped, defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import type { ControllerChannel, PacketIn } from '../../harness/datapath/datapath.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { isExact, keyField } from '../../harness/odp/accessors.js';
import { ethRaw, udp4, udp6 } from './frames.js';

const u = (dport = 2000, payload = 'upcall') => udp4({ sport: 1000, dport, payload });

/** Polls the datapath flow table until `ready` holds (the slow path installs flows asynchronously). */
async function flowsWhen(t: CaseContext, ready: (f: DatapathFlow[]) => boolean, ms = 3000): Promise<DatapathFlow[]> {
  const until = Date.now() + ms;
  for (;;) {
    const flows = await t.dumpFlows();
    if (ready(flows) || Date.now() > until) return flows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Packet-ins reach the controller asynchronously: poll for up to 2 s until one is there. */
async function packetInsWhen(ctl: ControllerChannel): Promise<PacketIn[]> {
  for (let i = 0; ; i += 1) {
    const pins = await ctl.packetIns();
    if (pins.length > 0 || i >= 20) return pins;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const outputs = (f: DatapathFlow) => f.actions.filter((a) => a.type === 'output');

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

export const upcallCases: CaseGroup = {
  suite: 'conformance',
  name: 'upcall',
  cases: [
    defineCase({
      id: 'upcall.controller-packet-in',
      title: 'actions=controller delivers the whole frame to the controller with its ingress port',
      features: ['upcall.controller'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=controller');
        const ctl = await t.openController();
        try {
          const f = u();
          await t.expectDelivery('h1', f, {});
          const pins = await packetInsWhen(ctl);
          expect(pins, 'packet-ins').to.have.length(1);
          expect(pins[0]?.inPort, 'packet-in in_port').to.equal(t.ports.p1);
          expect(pins[0]?.data.toString('hex'), 'packet-in data').to.equal(f.toString('hex'));
        } finally {
          await ctl.close();
        }
      },
    }),
    defineCase({
      id: 'upcall.controller-max-len',
      title: 'controller(max_len=64) still sends a 200-byte frame whole: the switch buffers nothing, and an unbuffered packet-in carries the entire packet',
      features: ['upcall.controller'],
      run: async (t) => {
        // OpenFlow 1.3 (packet-in): a packet not buffered goes to the controller entire, max_len
        // notwithstanding; ovs-vswitchd buffers none (kernel and userspace datapaths alike).
        await t.pipeline('in_port=p1,actions=controller(max_len=64)');
        const ctl = await t.openController();
        try {
          const long = u(2000, 'x'.repeat(200 - 42));
          await t.expectDelivery('h1', long, {});
          const pins = await packetInsWhen(ctl);
          expect(
            pins.map((p) => p.data.toString('hex')),
            'packet-in data',
          ).to.deep.equal([long.toString('hex')]);
        } finally {
          await ctl.close();
        }
      },
    }),
    defineCase({
      id: 'upcall.controller-and-output',
      title: 'controller,output:p2 both forwards the frame and sends it to the controller',
      features: ['upcall.controller', 'l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=controller,output:p2');
        const ctl = await t.openController();
        try {
          const f = u();
          await t.expectDelivery('h1', f, { h2: [f] });
          const pins = await packetInsWhen(ctl);
          expect(pins.map((p) => p.data.toString('hex'))).to.deep.equal([f.toString('hex')]);
        } finally {
          await ctl.close();
        }
      },
    }),
    defineCase({
      id: 'upcall.short-ip-first-packet',
      title:
        'the first frame of a flow shorter than its IP header (Ethernet alone with type IPv4; IPv6 cut at 10 bytes) is forwarded, not lost on the slow path',
      features: ['upcall.miss', 'l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        const bare4 = ethRaw({ ethertype: 0x0800 });
        const cut6 = Buffer.concat([ethRaw({ ethertype: 0x86dd }), udp6({ sport: 1, dport: 2 }).subarray(14, 24)]);
        // Each first of its flow: the miss goes to the slow path, which must send it on.
        await t.expectDelivery('h1', bare4, { h2: [bare4] });
        await t.expectDelivery('h1', cut6, { h2: [cut6] });
      },
    }),
    defineCase({
      id: 'upcall.short-ip-first-packet-rewritten',
      title:
        'the first frame of a flow shorter than its IP header gets the Ethernet rewrite its rule gives (Ethernet alone), and the tag too (IPv4 cut at 10 bytes)',
      features: ['upcall.miss', 'set.eth', 'vlan.push', 'vlan.pop'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=mod_dl_src:0a:dd:00:00:00:99,output:p2');
        await t.expectDelivery('h1', ethRaw({ ethertype: 0x0800 }), { h2: [ethRaw({ ethertype: 0x0800, src: '0a:dd:00:00:00:99' })] });
        // A tag on an Ethernet header alone would leave nothing after it: a receiving kernel drops that frame.
        await t.pipeline('in_port=p1,actions=mod_dl_src:0a:dd:00:00:00:99,mod_vlan_vid:5,output:p2');
        const cut4 = (o: Parameters<typeof udp4>[0] = {}) => udp4(o).subarray(0, (o.vlans ? 18 : 14) + 10);
        await t.expectDelivery('h1', cut4(), { h2: [cut4({ src: '0a:dd:00:00:00:99', vlans: [{ vid: 5 }] })] });
        await t.pipeline('in_port=p1,actions=strip_vlan,output:p2');
        await t.expectDelivery('h1', cut4({ vlans: [{ vid: 7 }] }), { h2: [cut4()] });
      },
    }),
    defineCase({
      id: 'upcall.miss-then-hit',
      title: 'the first packet misses and installs a megaflow; the next 9 hit it',
      features: ['upcall.miss'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        const before = await t.stats();
        await t.expectDelivery('h1', u(), { h2: [u()] });
        const installed = await flowsWhen(t, (fl) => fl.length > 0);
        expect(installed, 'datapath flows after the first packet').to.have.length(1);
        const nine = Array.from({ length: 9 }, () => u());
        await t.expectDelivery('h1', nine, { h2: nine });
        const flows = await flowsWhen(t, (fl) => fl[0]?.stats.packets === 9);
        t.note(`flows: ${flows.map((f) => f.raw).join(' | ')}`);
        expect(flows).to.have.length(1);
        const [flow] = flows as [DatapathFlow];
        expect(outputs(flow), 'megaflow outputs').to.have.length(1);
        expect(flow.stats.packets, 'megaflow packet count').to.equal(9);
        const after = await t.stats();
        expect(after.misses - before.misses, 'misses').to.equal(1);
        expect(after.hits - before.hits, 'hits').to.equal(9);
      },
    }),
    defineCase({
      id: 'upcall.megaflow-wildcards-unmatched',
      title: 'ten flows differing only in an unmatched field (UDP port) share one megaflow',
      features: ['upcall.miss'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        const frames = Array.from({ length: 10 }, (_, i) => u(3000 + i));
        await t.expectDelivery('h1', frames.slice(0, 1), { h2: frames.slice(0, 1) });
        await flowsWhen(t, (fl) => fl.length > 0);
        await t.expectDelivery('h1', frames.slice(1), { h2: frames.slice(1) });
        const flows = await flowsWhen(t, (fl) => fl.length === 1 && fl[0]?.stats.packets === 9);
        t.note(`flows: ${flows.map((f) => f.raw).join(' | ')}`);
        expect(flows, 'megaflows').to.have.length(1);
        const dst = keyField(flows[0] as DatapathFlow, 'udp', 'dst');
        expect(dst === undefined || !isExact(dst), `udp dst must be wildcarded, got ${JSON.stringify(dst)}`).to.equal(true);
      },
    }),
    defineCase({
      id: 'upcall.megaflow-matches-decision-field',
      title: 'a rule on tp_dst makes the megaflow match the UDP destination port',
      features: ['upcall.miss', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=10,udp,in_port=p1,tp_dst=80,actions=output:p2', 'priority=1,in_port=p1,actions=drop'].join('\n'));
        await t.expectDelivery('h1', [u(80), u(81)], { h2: [u(80)] });
        const flows = await flowsWhen(t, (fl) => fl.length >= 2);
        t.note(`flows: ${flows.map((f) => f.raw).join(' | ')}`);
        expect(flows.length, 'megaflows').to.be.at.least(2);
        const forwarding = flows.filter((f) => outputs(f).length === 1);
        expect(forwarding, 'forwarding megaflows').to.have.length(1);
        const dst = keyField(forwarding[0] as DatapathFlow, 'udp', 'dst');
        expect(dst?.value, 'udp dst of the forwarding megaflow').to.equal('80');
        const dropping = flows.filter((f) => outputs(f).length === 0);
        expect(dropping.length, 'dropping megaflows').to.be.at.least(1);
      },
    }),
    defineCase({
      id: 'upcall.flush-causes-new-miss',
      title: 'after the datapath flows are flushed the next packet misses again',
      features: ['upcall.miss'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        await t.expectDelivery('h1', u(), { h2: [u()] });
        await flowsWhen(t, (fl) => fl.length > 0);
        await t.backend.flushFlows();
        expect(await t.dumpFlows(), 'flows after flush').to.have.length(0);
        const before = await t.stats();
        await t.expectDelivery('h1', u(), { h2: [u()] });
        const after = await t.stats();
        expect(after.misses - before.misses, 'misses after flush').to.equal(1);
      },
    }),
  ],
};

/**
 * Sends a frame that the rule added at `added` must still forward, `at` ms after; a host too slow
 * to send it before the rule's time is up cannot judge the timeout, and says so.
 */
async function stillForwards(t: CaseContext, added: number, at: number, timeoutMs: number): Promise<void> {
  await sleepUntil(added + at);
  const late = Date.now() - added;
  if (late >= timeoutMs - 500)
    throw new CaseSkipped(`this host took until ${late} ms to send a frame due at ${at} ms: too slow to judge a ${timeoutMs} ms timeout`);
  await t.expectDelivery('h1', u(), { h2: [u()] });
}

/** OpenFlow rule timeouts, after ovs-ofctl(8) idle_timeout and hard_timeout. */
export const timeoutCases: CaseGroup = {
  suite: 'conformance',
  name: 'timeout',
  cases: [
    defineCase({
      id: 'timeout.hard',
      title: 'a rule with hard_timeout=2 forwards until 2 s after it was added, though traffic keeps it busy, and is gone 5 s after',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('priority=10,in_port=p1,hard_timeout=2,actions=output:p2');
        const added = Date.now();
        await stillForwards(t, added, 0, 2000);
        await stillForwards(t, added, 1000, 2000);
        // Past the timeout, with a second of slack each for the switch's expiry sweep and its revalidation.
        await sleepUntil(added + 5000);
        await t.expectDelivery('h1', u(), {});
      },
    }),
    defineCase({
      id: 'timeout.idle',
      title: 'a rule with idle_timeout=2 stays while a frame comes every second, and is gone after 5 s without one',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('priority=10,in_port=p1,idle_timeout=2,actions=output:p2');
        let last = Date.now();
        for (let s = 0; s <= 4; s++) {
          await stillForwards(t, last, s === 0 ? 0 : 1000, 2000);
          last = Date.now();
        }
        await sleepUntil(last + 5000);
        await t.expectDelivery('h1', u(), {});
      },
    }),
  ],
};
