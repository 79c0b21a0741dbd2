import { expect } from 'chai';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { tcp4, udp4 } from './frames.js';

/**
 * OpenFlow groups. `all` copies the packet to every bucket, each bucket starting from the packet
 * as it entered the group. `select` picks one bucket per flow: OVS (2.10 on) does it by default
 * with the datapath's own hash, `hash(sym_l4(0))` (or `hash(l4(0))` where the datapath's
 * `Max dp_hash algorithm` is 0, as openvswitch.ko of 6.1) then `recirc(N)`, and one datapath flow
 * per (recirc_id, dp_hash) slot sending to that slot's bucket.
 */
const u = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'group', ...o });

/**
 * `n` frames of `n` distinct TCP flows (source ports 10000, 10001, ...). TCP, because OVS's
 * symmetric L3/L4 hash takes the ports of TCP and SCTP only (its FAQ: "for TCP and SCTP only"):
 * UDP flows differing only in their ports hash alike in the userspace datapath.
 */
const flows = (n: number) => Array.from({ length: n }, (_, i) => tcp4({ sport: 10000 + i, dport: 80, flags: 'S', payload: 'group' }));

const hex = (b: Buffer) => b.toString('hex');

/**
 * Sends `frames` from h1 and checks that each came out exactly once, byte for byte, on h2 or h3
 * (nowhere else); returns for each sent frame the endpoint it reached.
 */
async function deliveredOnce(t: CaseContext, frames: readonly Buffer[]): Promise<string[]> {
  const got = await t.send('h1', frames, { listen: ['h2', 'h3'], waitMs: 1500 });
  const where = new Map<string, string[]>();
  for (const ep of ['h2', 'h3']) for (const f of got.get(ep) ?? []) where.set(hex(f), [...(where.get(hex(f)) ?? []), ep]);
  const sentCount = new Map<string, number>();
  for (const f of frames) sentCount.set(hex(f), (sentCount.get(hex(f)) ?? 0) + 1);
  for (const [h, eps] of where) {
    expect(sentCount.has(h), `a frame that was not sent came out on ${eps.join(',')}: ${h}`).to.equal(true);
    expect(eps.length, `copies of ${h.slice(0, 80)}...`).to.equal(sentCount.get(h));
  }
  const total = [...where.values()].reduce((n, l) => n + l.length, 0);
  expect(total, 'frames delivered (each sent frame once, on one of the buckets)').to.equal(frames.length);
  // Copies of one frame (the same flow sent again) are handed out h2's first, then h3's.
  const queues = new Map([...where].map(([h, eps]) => [h, [...eps]]));
  return frames.map((f) => queues.get(hex(f))?.shift() ?? '');
}

/** Polls the datapath flow table until `ready` holds (the slow path installs flows asynchronously). */
async function flowsWhen(t: CaseContext, ready: (f: DatapathFlow[]) => boolean, ms = 3000): Promise<DatapathFlow[]> {
  const until = Date.now() + ms;
  for (;;) {
    const fl = await t.dumpFlows();
    if (ready(fl) || Date.now() > until) return fl;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const count = (eps: readonly string[], ep: string) => eps.filter((e) => e === ep).length;

export const groupCases: CaseGroup = {
  suite: 'conformance',
  name: 'group',
  cases: [
    defineCase({
      id: 'group.all-copies',
      title: 'a group of type all sends one identical copy out of each bucket',
      features: ['group.all'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=all,bucket=output:p2,bucket=output:p3');
        await t.pipeline('in_port=p1,actions=group:1');
        await t.expectDelivery('h1', u(), { h2: [u()], h3: [u()] });
      },
    }),
    defineCase({
      id: 'group.all-buckets-independent',
      title: 'each bucket of an all group starts from the packet as it entered the group: one bucket’s rewrite is not in the other’s copy',
      features: ['group.all', 'set.eth', 'set.ipv4'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=all,bucket=mod_dl_dst:0a:dd:00:00:bb:02,mod_nw_dst:192.0.2.2,output:p2,bucket=output:p3');
        await t.pipeline('ip,in_port=p1,actions=group:1');
        await t.expectDelivery('h1', u(), { h2: [u({ dst: '0a:dd:00:00:bb:02', ip: { dst: '192.0.2.2' } })], h3: [u()] });
      },
    }),
    defineCase({
      id: 'group.all-chained',
      title: 'a bucket may send to another all group: group 1 outputs to p2 and hands a copy to group 2, which rewrites it for p3',
      features: ['group.all', 'set.l4'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups(['group_id=2,type=all,bucket=mod_tp_dst:5353,output:p3', 'group_id=1,type=all,bucket=output:p2,bucket=group:2'].join('\n'));
        await t.pipeline('udp,in_port=p1,actions=group:1');
        await t.expectDelivery('h1', u(), { h2: [u()], h3: [u({ dport: 5353 })] });
      },
    }),
    defineCase({
      id: 'group.all-then-output',
      title: 'the actions after group:1 see the packet as it entered the group, not a bucket’s rewrite',
      features: ['group.all', 'set.eth'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=all,bucket=mod_dl_src:0a:dd:00:00:aa:01,output:p2');
        await t.pipeline('in_port=p1,actions=group:1,output:p3');
        await t.expectDelivery('h1', u(), { h2: [u({ src: '0a:dd:00:00:aa:01' })], h3: [u()] });
      },
    }),
    defineCase({
      id: 'group.select-dp-hash-recirc',
      title: 'a select group hashes in the datapath and recirculates: hash(...),recirc(N), then a recirc_id(N) flow per hash slot',
      features: ['group.select', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=select,bucket=output:p2,bucket=output:p3');
        await t.pipeline('in_port=p1,actions=group:1');
        await deliveredOnce(t, [u()]);
        const fl = await flowsWhen(t, (f) => f.length >= 2);
        t.note(`flows: ${fl.map((f) => f.raw).join(' | ')}`);
        const first = fl.filter((f) => /recirc_id\(0(x0)?\)/.test(f.raw) && /actions:.*hash\(/.test(f.raw));
        expect(first, 'a recirc_id(0) flow whose actions hash then recirculate').to.have.length(1);
        const id = /actions:.*\brecirc\((0x[0-9a-f]+|\d+)\)/.exec((first[0] as DatapathFlow).raw)?.[1];
        expect(id, 'recirc id in the first flow’s actions').to.not.equal(undefined);
        const after = fl.filter((f) => f.raw.includes(`recirc_id(${id})`));
        expect(after, `the flow for recirc_id(${id})`).to.have.length(1);
        expect((after[0] as DatapathFlow).raw, 'it matches the hash the datapath computed').to.match(/dp_hash\(/);
      },
    }),
    defineCase({
      id: 'group.select-spreads-flows',
      title: '64 TCP flows through a two-bucket select group: each arrives once, whole, and each bucket carries at least 16 of them',
      features: ['group.select', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=select,bucket=output:p2,bucket=output:p3');
        await t.pipeline('in_port=p1,actions=group:1');
        const eps = await deliveredOnce(t, flows(64));
        const [h2, h3] = [count(eps, 'h2'), count(eps, 'h3')];
        t.note(`flows per bucket: h2 ${h2}, h3 ${h3}`);
        // With a fair hash the share of one bucket is Binomial(64, 1/2): 16 is 4 standard deviations below 32.
        expect(h2, 'flows on bucket p2').to.be.at.least(16);
        expect(h3, 'flows on bucket p3').to.be.at.least(16);
      },
    }),
    defineCase({
      id: 'group.select-flow-sticks',
      title: 'a select group keeps each flow on one bucket: 8 flows sent 4 times each never change bucket',
      features: ['group.select', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=select,bucket=output:p2,bucket=output:p3');
        await t.pipeline('in_port=p1,actions=group:1');
        const eight = flows(8);
        const rounds = [0, 1, 2, 3].map(() => eight);
        const eps = await deliveredOnce(t, rounds.flat());
        for (let i = 0; i < eight.length; i += 1) {
          const seen = new Set([0, 1, 2, 3].map((r) => eps[r * eight.length + i]));
          expect([...seen], `buckets of flow sport ${10000 + i}`).to.have.length(1);
        }
        t.note(`buckets of the 8 flows: ${eps.slice(0, 8).join(' ')}`);
      },
    }),
    defineCase({
      id: 'group.select-weight-zero-unused',
      title: 'a select bucket of weight 0 is never chosen: 32 flows all leave by the weight-100 bucket',
      features: ['group.select', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.groups('group_id=1,type=select,bucket=weight:100,output:p2,bucket=weight:0,output:p3');
        await t.pipeline('in_port=p1,actions=group:1');
        // New flows may overtake each other (each one's first packet takes two upcalls): order is not asserted.
        const eps = await deliveredOnce(t, flows(32));
        expect(count(eps, 'h2'), 'flows on the weight-100 bucket (p2)').to.equal(32);
      },
    }),
  ],
};
