import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { udp4 } from './frames.js';
import { expectLimited, expectSubsequence, longestGap, needOffered, numberedFrames, pacedTrain } from './paced-train.js';

/**
 * Meters are token buckets: a band of type drop drops what exceeds `rate` once the bucket of
 * `burst_size` is empty. Each rate case sends a bounded train paced above the rate and counts
 * what arrives. Tolerance ±10% of the rate: the injector is paced from userspace (5 ms ticks,
 * on schedule), so the wire sees the train within a few ms of its schedule; both the kernel
 * (net/openvswitch/meter.c) and the userspace datapath (dpif-netdev) refill the bucket per
 * millisecond, and the window's upper end includes the full bucket while its lower end assumes
 * none. A datapath that ignores the meter passes ~3x the rate; one that counts the rate in the
 * wrong unit is off by orders of magnitude. Buckets hold 200-300 ms of the rate: a token bucket
 * loses the tokens of a pause longer than that, and a sender in an emulated single-CPU guest
 * stalls for tens of milliseconds (the notes give the longest gap between arrivals).
 */

/** A frame of the train's flow that installs its datapath flow before the train (it uses a token of the bucket). */
async function prime(t: CaseContext, frame: Buffer, to: string, refillMs: number): Promise<void> {
  await t.expectDelivery('h1', frame, { [to]: [frame] });
  await sleep(refillMs);
}

/**
 * The meter's own accounting: it counted every frame that reached it, and its one band dropped
 * none of those that arrived. A frame the meter passed may still be lost after it (a veth ring or
 * the capture socket overflowing on a loaded host): up to 1% (at least 2 frames) is allowed for
 * that, and noted.
 */
async function expectMeterAccounting(t: CaseContext, id: number, reached: number, arrived: number): Promise<void> {
  const s = await t.sw.meterStats(id);
  t.note(`meter-stats meter=${id}: ${JSON.stringify(s)}`);
  expect(s, `meter ${id} in meter-stats`).to.not.equal(undefined);
  expect(s?.packetsIn, `meter ${id} packet_in_count`).to.equal(reached);
  const dropped = s?.bands[0]?.packets ?? 0;
  const lostAfter = reached - arrived - dropped;
  if (lostAfter !== 0) t.note(`${lostAfter} frame(s) the meter passed did not arrive`);
  expect(lostAfter, `meter ${id}: frames passed by the meter but not arrived (band 0 dropped ${dropped} of ${reached}, ${arrived} arrived)`).to.be.within(
    0,
    Math.max(2, Math.ceil(reached / 100)),
  );
}

export const meterCases: CaseGroup = {
  suite: 'conformance',
  name: 'meter',
  cases: [
    defineCase({
      id: 'meter.pktps-burst-then-drop',
      title: 'a back-to-back burst through a pktps meter passes about burst_size frames, unchanged and in order, and the drop band drops the rest',
      features: ['meter'],
      run: async (t) => {
        // rate 10/s: during the ~50 ms burst the bucket refills by less than one frame.
        await t.sw.meters('meter=1,pktps,burst,stats,bands=type=drop,rate=10,burst_size=50');
        await t.pipeline('in_port=p1,udp,actions=meter:1,output:p2');
        const frames = numberedFrames(300, 60, (payload) => udp4({ payload }));
        await prime(t, udp4({ payload: 'prime' }), 'h2', 200);
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 1e9, listen: ['h2'] });
        const passed = expectSubsequence(frames, r.got.get('h2') ?? [], 'h2');
        t.note(`${passed} of ${frames.length} passed; injected in ${r.injectedMs.toFixed(0)} ms`);
        // The bucket holds 50 frames (49 after the primer and ~100 ms of refill, so 49..50) plus
        // what 10/s refills while the injector sends; 55 leaves room for a slow injector.
        expect(passed, 'frames through the meter').to.be.within(49, 55);
        expect(
          (r.got.get('h2') ?? []).slice(0, 49).every((f, i) => f.equals(frames[i] as Buffer)),
          'the first 49 frames of the burst are the ones that pass',
        ).to.equal(true);
        await expectMeterAccounting(t, 1, frames.length + 1, passed + 1);
      },
    }),
    defineCase({
      id: 'meter.pktps-rate',
      title: 'a 1000 pktps meter cuts a train offered at 3000 frames/s to about 1000 frames/s (±10%)',
      features: ['meter'],
      run: async (t) => {
        await t.sw.meters('meter=1,pktps,burst,stats,bands=type=drop,rate=1000,burst_size=300');
        await t.pipeline('in_port=p1,udp,actions=meter:1,output:p2');
        const frames = numberedFrames(3000, 60, (payload) => udp4({ payload }));
        await prime(t, udp4({ payload: 'prime' }), 'h2', 200);
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 3000, listen: ['h2'] });
        needOffered(r, 2000);
        const passed = expectSubsequence(frames, r.got.get('h2') ?? [], 'h2');
        t.note(
          `${passed} of ${frames.length} passed; offered ${r.offeredPps.toFixed(0)}/s over ${r.sendMs.toFixed(0)} ms; injector done at ${r.injectedMs.toFixed(0)} ms; longest gap between arrivals ${longestGap(r, 'h2').toFixed(0)} ms`,
        );
        expectLimited({ passed, perSecond: 1000, burst: 300, train: r, tolerance: 0.1, what: 'frames through meter 1' });
        await expectMeterAccounting(t, 1, frames.length + 1, passed + 1);
      },
    }),
    defineCase({
      id: 'meter.kbps-rate',
      title: 'a 4000 kbps meter cuts 1000-byte frames offered at 16 Mbit/s to about 4 Mbit/s (±10%)',
      features: ['meter'],
      run: async (t) => {
        // kbps meters count each frame's bytes from its Ethernet header on (no FCS): 8 kbit a frame,
        // so 4000 kbps is 500 frames/s and an 800 kbit bucket is 100 frames (200 ms of the rate).
        await t.sw.meters('meter=2,kbps,burst,stats,bands=type=drop,rate=4000,burst_size=800');
        await t.pipeline('in_port=p1,udp,actions=meter:2,output:p2');
        const frames = numberedFrames(1000, 1000, (payload) => udp4({ payload }));
        await prime(t, udp4({ payload: 'prime' }), 'h2', 200);
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 2000, listen: ['h2'] });
        needOffered(r, 1500);
        const passed = expectSubsequence(frames, r.got.get('h2') ?? [], 'h2');
        t.note(
          `${passed} of ${frames.length} passed; offered ${r.offeredPps.toFixed(0)}/s over ${r.sendMs.toFixed(0)} ms; injector done at ${r.injectedMs.toFixed(0)} ms; longest gap between arrivals ${longestGap(r, 'h2').toFixed(0)} ms`,
        );
        expectLimited({ passed, perSecond: 500, burst: 100, train: r, tolerance: 0.1, what: 'frames through meter 2 (500 frames/s = 4000 kbps)' });
        await expectMeterAccounting(t, 2, frames.length + 1, passed + 1);
      },
    }),
    defineCase({
      id: 'meter.shared-by-two-flows',
      title: 'two flows through one 500 pktps meter share its rate: together about 500 frames/s (±10%), not 500 each',
      features: ['meter'],
      endpoints: 3,
      run: async (t) => {
        await t.sw.meters('meter=1,pktps,burst,stats,bands=type=drop,rate=500,burst_size=100');
        await t.pipeline(['in_port=p1,udp,tp_src=1000,actions=meter:1,output:p2', 'in_port=p1,udp,tp_src=1001,actions=meter:1,output:p3'].join('\n'));
        // Alternating flows: frame i goes to h2 when even, to h3 when odd.
        const frames = numberedFrames(2000, 60, (payload, i) => udp4({ payload, sport: 1000 + (i % 2) }));
        await prime(t, udp4({ sport: 1000, payload: 'prime' }), 'h2', 100);
        await prime(t, udp4({ sport: 1001, payload: 'prime' }), 'h3', 200);
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 2000, listen: ['h2', 'h3'] });
        needOffered(r, 1500);
        const toH2 = expectSubsequence(frames, r.got.get('h2') ?? [], 'h2');
        const toH3 = expectSubsequence(frames, r.got.get('h3') ?? [], 'h3');
        expect(
          (r.got.get('h2') ?? []).every((f) => f.readUInt32BE(42) % 2 === 0),
          'h2 gets only the tp_src=1000 flow',
        ).to.equal(true);
        expect(
          (r.got.get('h3') ?? []).every((f) => f.readUInt32BE(42) % 2 === 1),
          'h3 gets only the tp_src=1001 flow',
        ).to.equal(true);
        t.note(
          `passed: ${toH2} to h2, ${toH3} to h3, of ${frames.length}; offered ${r.offeredPps.toFixed(0)}/s over ${r.sendMs.toFixed(0)} ms; longest gap between arrivals at h2 ${longestGap(r, 'h2').toFixed(0)} ms`,
        );
        expectLimited({ passed: toH2 + toH3, perSecond: 500, burst: 100, train: r, tolerance: 0.1, what: 'frames of both flows through meter 1' });
        // The flows alternate, so each gets about half of the shared rate.
        expect(Math.min(toH2, toH3), 'each flow gets a share').to.be.greaterThan((toH2 + toH3) / 4);
        await expectMeterAccounting(t, 1, frames.length + 2, toH2 + toH3 + 2);
      },
    }),
  ],
};
