import { expect } from 'chai';
import { parseProfile, sizedStreams, type Profile } from '../../streams/stream-model.js';
import { toTrexStreams } from '../stl-streams.js';
import { StandinPorts, type PortModelOptions } from './port-model.js';

const MAC = { mac: '02:00:00:00:00:01' };
const streams = (pps: number, mode: Profile['mode'] = { kind: 'continuous' }) =>
  toTrexStreams({ ...parseProfile({ streams: sizedStreams(64), rate: { pps }, durationMs: 1000 }, 'test'), mode }, MAC, MAC);

/** Two ports with one stream loaded on port 0, at time 0 (ms; the model is driven by the test). */
function model(o: Partial<PortModelOptions>, pps = 1, mode?: Profile['mode']): StandinPorts {
  const m = new StandinPorts(['', ''], 0, o);
  for (const [i, s] of streams(pps, mode).entries()) m.addStream(0, i + 1, s);
  return m;
}

describe("TRex stand-in ports: a model of the recorded server's timing", () => {
  it("count a timed start's duration in scheduler time: 0.5 s at the 10G line rate leaves TX after 7,440,476 frames, 49.6 s at a 150 kpps cap", () => {
    const m = model({ maxPps: 150_000 });
    // 100 % of 10 Gb/s in 64-byte frames: the multiplier of the 1 pps stream is the line rate, as the server answered.
    expect(m.start(0, { type: 'percentage', value: 100 }, 0.5, 0)).to.be.closeTo(14_880_952.38, 0.01);
    expect(m.state(0, 10_000)).to.equal('TX');
    expect(m.stats(0, 10_000).opackets).to.equal(1_500_000);
    expect(m.state(0, 49_600)).to.equal('TX');
    expect(m.state(0, 49_700)).to.equal('STREAMS');
    expect(m.stats(0, 60_000).opackets).to.equal(7_440_476);
  });

  it('send continuous traffic at min(asked, cap) on the wall clock until stopped', () => {
    const m = model({ maxPps: 150_000 }, 400_000);
    expect(m.start(0, { type: 'raw', value: 1 }, -1, 0)).to.equal(1);
    m.stop(0, 2000);
    expect(m.stats(0, 3000).opackets).to.equal(300_000);
    expect(m.state(0, 3000)).to.equal('STREAMS');
    const slow = model({ maxPps: 150_000 }, 20_000);
    slow.start(0, { type: 'pps', value: 40_000 }, -1, 0);
    expect(slow.stats(0, 500).opackets).to.equal(20_000);
  });

  it("end a burst when its frames are out at the capped rate; the other port counts them a wire's delay later, less the loss", () => {
    const m = model({ maxPps: 25_000, wireDelayMs: 20, rxLoss: 0.1 }, 100_000, { kind: 'burst', frames: 5000 });
    m.start(0, { type: 'raw', value: 1 }, -1, 0);
    expect(m.state(0, 199)).to.equal('TX');
    expect(m.state(0, 200)).to.equal('STREAMS');
    expect(m.stats(1, 200).ipackets, 'still on the wire').to.equal(0);
    expect(m.stats(0, 300).opackets).to.equal(5000);
    expect(m.stats(1, 300).ipackets).to.equal(4500);
  });

  it('report a link change linkLagMs after the kernel saw it; frames sent while a link is down are lost', () => {
    const m = model({ maxPps: 1000, linkLagMs: 500, wireDelayMs: 0 }, 1000);
    m.start(0, { type: 'raw', value: 1 }, -1, 0);
    m.setLink(1, false, 1000);
    expect(m.link(1, 1400)).to.equal(true);
    expect(m.link(1, 1500)).to.equal(false);
    expect(m.link(1, 1500, false), 'as the kernel has it').to.equal(false);
    m.setLink(1, true, 2000);
    expect(m.link(1, 2499)).to.equal(false);
    expect(m.link(1, 2500)).to.equal(true);
    m.stop(0, 3000);
    expect(m.stats(0, 3000).opackets).to.equal(3000);
    expect(m.stats(1, 3000).ipackets).to.equal(2000);
  });

  it('forget a packet group when its streams are removed, as the server does', () => {
    const m = new StandinPorts(['', ''], 0, { maxPps: 10_000, wireDelayMs: 0 });
    const [lat] = toTrexStreams(parseProfile({ streams: sizedStreams(64), rate: { pps: 1000 }, durationMs: 1000 }, 'test'), MAC, MAC, {
      pgid: 1000,
      latency: true,
    });
    m.addStream(0, 1, lat as NonNullable<typeof lat>);
    m.start(0, { type: 'raw', value: 1 }, -1, 0);
    m.stop(0, 1000);
    expect(m.groups()).to.deep.equal({ stats: [], latency: [1000] });
    expect(m.groupCounts(1000, 1000)).to.deep.equal({ tp: [1000, 0], rp: [0, 1000] });
    m.removeAllStreams(0, 1000);
    expect(m.groupCounts(1000, 1000)).to.deep.equal({ tp: [0, 0], rp: [0, 0] });
  });
});
