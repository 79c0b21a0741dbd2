import { expect } from 'chai';
import { AssertionError } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { udp4 } from './frames.js';
import { expectLimited, expectSubsequence, needOffered, numberedFrames, pacedTrain, type TrainResult } from './paced-train.js';

/**
 * Port QoS: ingress policing (Interface ingress_policing_rate/burst, in kbit/s and kbit) drops
 * what enters a port above the rate; egress shaping (QoS linux-htb, max-rate in bit/s) queues
 * what leaves a port and sends it at the rate, dropping nothing while its queue has room.
 * Trains are 1000-byte frames (8 kbit each), paced and bounded.
 *
 * Policing tolerance ±15%: the kernel's policer (tc act_police) counts each frame without its
 * Ethernet header at ingress (986 of 1000 bytes, +1.4%) and converts its rate to time ticks, and
 * the pace of the sender is within a few ms of its schedule. A port without a policer passes
 * four times the rate.
 */

const FRAME = 1000;

/**
 * Shaped rates are read from arrival times at the receiving endpoint: at most 15% above the
 * max-rate (HTB sends no faster; the clumping of arrivals reads a little fast), at least 25%
 * below it: a stall of the capture or of a single-CPU guest only stretches the arrivals, so the
 * low side is wider. An unshaped port runs at the offered 16 Mbit/s, four times the rate.
 */
const FAST = 1.15;
const SLOW = 0.75;
const BITS = FRAME * 8;

/** The shaped rate seen by a receiver: bits between its 50th and last arrival over that time (the first ones may leave within the shaper's burst). */
function shapedBps(r: TrainResult, ep: string): number {
  const at = r.arrivals.get(ep) ?? [];
  const from = 50;
  if (at.length <= from + 10) throw new AssertionError(`${ep}: only ${at.length} frames arrived`);
  const ms = (at[at.length - 1] as number) - (at[from] as number);
  return ((at.length - 1 - from) * BITS) / (ms / 1000);
}

/**
 * One frame of the train's flow first, so that the datapath flow is in place before the train:
 * the train then tests the policer or shaper, not how many misses the slow path can take.
 */
async function prime(t: CaseContext, from: string, to: string, alsoTo: readonly string[] = []): Promise<void> {
  const frame = udp4({ src: t.mac(from), dst: t.mac(to), payload: 'prime' });
  await t.expectDelivery(from, frame, Object.fromEntries([to, ...alsoTo].map((ep) => [ep, [frame]])));
  await sleep(200);
}

export const qosCases: CaseGroup = {
  suite: 'conformance',
  name: 'qos',
  cases: [
    defineCase({
      id: 'qos.policing-cuts-to-rate',
      title: 'ingress_policing_rate=4000 on p1 cuts a 16 Mbit/s train entering there to about 4 Mbit/s (±15%), frames unchanged and in order',
      features: ['qos.policing'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        await t.sw.setInterface('p1', { ingress_policing_rate: 4000, ingress_policing_burst: 400 });
        await prime(t, 'h1', 'h2');
        const frames = numberedFrames(1000, FRAME, (payload) => udp4({ payload }));
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 2000, listen: ['h2'] });
        needOffered(r, 1500);
        const passed = expectSubsequence(frames, r.got.get('h2') ?? [], 'h2');
        t.note(`${passed} of ${frames.length} passed; offered ${r.offeredPps.toFixed(0)}/s over ${r.sendMs.toFixed(0)} ms`);
        // 4000 kbit/s is 500 frames/s; a 400 kbit burst is 51200 bytes (OVS: kbit x 1024 / 8), 52 frames.
        expectLimited({ passed, perSecond: 500, burst: 52, train: r, tolerance: 0.15, what: 'frames policed at p1' });
      },
    }),
    defineCase({
      id: 'qos.policing-ingress-port-only',
      title: 'a policer on p1 cuts what enters p1 and leaves what enters p2 alone, even on its way out of p1',
      features: ['qos.policing'],
      run: async (t) => {
        await t.pipeline(['in_port=p1,actions=output:p2', 'in_port=p2,actions=output:p1'].join('\n'));
        await t.sw.setInterface('p1', { ingress_policing_rate: 4000, ingress_policing_burst: 400 });
        await prime(t, 'h1', 'h2');
        await prime(t, 'h2', 'h1');
        const back = numberedFrames(400, FRAME, (payload) => udp4({ payload, src: t.mac('h2'), dst: t.mac('h1'), ip: { src: '10.0.0.2', dst: '10.0.0.1' } }));
        const txP1 = async () => (await t.stats()).ports.find((p) => p.name === 'p1')?.txPackets ?? NaN;
        const before = await txP1();
        const r2 = await pacedTrain(t, { from: 'h2', frames: back, pps: 2000, listen: ['h1'] });
        needOffered(r2, 1500);
        // The switch's own count of what it sent out of p1: every frame that entered p2. A capture
        // in an emulated single-CPU guest loses 1000-byte frames at 2000/s in its socket buffer,
        // so on the wire the check is that what h1 got is the train's frames, unchanged, in order.
        const sentOut = (await txP1()) - before;
        const fromH2 = r2.got.get('h1') ?? [];
        expectSubsequence(back, fromH2, 'h1');
        t.note(`p2 -> p1: p1 tx_packets +${sentOut}, h1 captured ${fromH2.length} of ${back.length}`);
        expect(sentOut, 'frames entering p2 at 16 Mbit/s sent out of p1 (none policed)').to.equal(back.length);
        const forth = numberedFrames(400, FRAME, (payload) => udp4({ payload }));
        const r1 = await pacedTrain(t, { from: 'h1', frames: forth, pps: 2000, listen: ['h2'] });
        const passed = expectSubsequence(forth, r1.got.get('h2') ?? [], 'h2');
        t.note(`p1 -> p2: ${passed} of ${forth.length}`);
        expectLimited({ passed, perSecond: 500, burst: 52, train: r1, tolerance: 0.15, what: 'frames policed at p1' });
      },
    }),
    defineCase({
      id: 'qos.policing-burst',
      title: 'a back-to-back burst entering a policed port passes about ingress_policing_burst worth of frames and drops the rest',
      features: ['qos.policing'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        // 1000 kbit/s refills 125 frames/s: a burst injected within ~40 ms gains at most ~5 frames.
        await t.sw.setInterface('p1', { ingress_policing_rate: 1000, ingress_policing_burst: 400 });
        await prime(t, 'h1', 'h2');
        const frames = numberedFrames(200, FRAME, (payload) => udp4({ payload }));
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 1e9, listen: ['h2'] });
        const got = r.got.get('h2') ?? [];
        const passed = expectSubsequence(frames, got, 'h2');
        t.note(`${passed} of ${frames.length} passed; injected in ${r.injectedMs.toFixed(0)} ms`);
        // 400 kbit = 51200 bytes = 51.9 frames of 986 policed bytes each.
        expect(passed, 'frames of the burst through the policer').to.be.within(50, Math.ceil(52 + 125 * (r.injectedMs / 1000)) + 2);
        expect(
          got.slice(0, 50).every((f, i) => f.equals(frames[i] as Buffer)),
          'the first 50 frames of the burst are the ones that pass',
        ).to.equal(true);
      },
    }),
    defineCase({
      id: 'qos.shaping-htb-max-rate',
      title: 'QoS linux-htb max-rate=4 Mbit/s on p2 delivers a 16 Mbit/s train whole, in order, at about 4 Mbit/s (-25%/+15%)',
      features: ['qos.shaping'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        await t.sw.setQos('p2', { type: 'linux-htb', otherConfig: { 'max-rate': '4000000' }, queues: { 0: { 'max-rate': '4000000' } } });
        await prime(t, 'h1', 'h2');
        t.note((await t.sw.qosShow('p2')).trim());
        const frames = numberedFrames(300, FRAME, (payload) => udp4({ payload }));
        // 300 frames take 0.6 s at 4 Mbit/s; the HTB leaf queue (txqueuelen 1000) holds the excess.
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 2000, listen: ['h2'], drainMs: 900 });
        needOffered(r, 1500);
        const got = r.got.get('h2') ?? [];
        expect(got.length, 'a shaper queues, it does not drop: every frame arrives').to.equal(frames.length);
        expectSubsequence(frames, got, 'h2');
        const bps = shapedBps(r, 'h2');
        t.note(`arrival rate after the first 50: ${(bps / 1e6).toFixed(2)} Mbit/s; offered ${((r.offeredPps * BITS) / 1e6).toFixed(1)} Mbit/s`);
        expect(bps / 1e6, 'Mbit/s at h2').to.be.within(4 * SLOW, 4 * FAST);
      },
    }),
    defineCase({
      id: 'qos.shaping-other-port-unshaped',
      title: 'shaping p2 to 4 Mbit/s leaves a copy of the same 16 Mbit/s train out of p3 unshaped (above twice the rate)',
      features: ['qos.shaping'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2,output:p3');
        await t.sw.setQos('p2', { type: 'linux-htb', otherConfig: { 'max-rate': '4000000' }, queues: { 0: { 'max-rate': '4000000' } } });
        await prime(t, 'h1', 'h2', ['h3']);
        const frames = numberedFrames(300, FRAME, (payload) => udp4({ payload }));
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 2000, listen: ['h2', 'h3'], drainMs: 900 });
        needOffered(r, 1500);
        for (const ep of ['h2', 'h3']) {
          const got = r.got.get(ep) ?? [];
          expect(got.length, `frames at ${ep}`).to.equal(frames.length);
          expectSubsequence(frames, got, ep);
        }
        const shaped = shapedBps(r, 'h2') / 1e6;
        const free = shapedBps(r, 'h3') / 1e6;
        const offered = (r.offeredPps * BITS) / 1e6;
        t.note(`h2 (shaped): ${shaped.toFixed(2)} Mbit/s; h3: ${free.toFixed(2)} Mbit/s; offered ${offered.toFixed(1)} Mbit/s`);
        expect(shaped, 'Mbit/s at h2').to.be.within(4 * SLOW, 4 * FAST);
        // Unshaped: well above the shaper's 4 Mbit/s (arrival times are when the capture's lines
        // reached dplab, so clumps can read above the offered rate; only the floor is meaningful).
        expect(free, 'Mbit/s at h3 (unshaped)').to.be.greaterThan(2 * 4);
      },
    }),
    defineCase({
      id: 'qos.shaping-queue-max-rate',
      title: "an HTB queue's own max-rate (2 Mbit/s) below its QoS max-rate (8 Mbit/s) is the rate its traffic leaves at (-25%/+15%)",
      features: ['qos.shaping'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        await t.sw.setQos('p2', { type: 'linux-htb', otherConfig: { 'max-rate': '8000000' }, queues: { 0: { 'max-rate': '2000000' } } });
        await prime(t, 'h1', 'h2');
        const frames = numberedFrames(200, FRAME, (payload) => udp4({ payload }));
        // 200 frames take 0.8 s at 2 Mbit/s.
        const r = await pacedTrain(t, { from: 'h1', frames, pps: 1000, listen: ['h2'], drainMs: 1100 });
        needOffered(r, 800);
        const got = r.got.get('h2') ?? [];
        expect(got.length, 'every frame arrives').to.equal(frames.length);
        expectSubsequence(frames, got, 'h2');
        const bps = shapedBps(r, 'h2');
        t.note(`arrival rate after the first 50: ${(bps / 1e6).toFixed(2)} Mbit/s`);
        expect(bps / 1e6, 'Mbit/s at h2').to.be.within(2 * SLOW, 2 * FAST);
      },
    }),
  ],
};
