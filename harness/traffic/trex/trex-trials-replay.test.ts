import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { parseProfile, sizedStreams } from '../streams/stream-model.js';
import { loadTranscript } from './replay-server.js';
import { TrexStlClient } from './stl-client.js';
import { TimedReplay, type TimedExchange } from './timed-replay.js';
import { trexTrialGenerator } from './trex-trials.js';

/** Sessions recorded with wall-clock timestamps from a real v3.08 server (shared/fixtures/trex, copied into ./fixtures). */
const fixture = (name: string) => loadTranscript(fileURLToPath(new URL(`../../../../harness/traffic/trex/fixtures/${name}`, import.meta.url)));
const TIMED = fixture('trial_timed_line_rate.jsonl') as TimedExchange[];
const CONTINUOUS = fixture('trial_fixed_rate_continuous.jsonl') as TimedExchange[];
const OTHERS = [...fixture('raw_rpc_transcript.jsonl'), ...fixture('raw_rpc_extra_transcript.jsonl')];

const profile = (pps: number, durationMs: number) => parseProfile({ streams: sizedStreams(64), rate: { pps }, durationMs }, 'replay test');

describe('TRex trials against recorded v3.08 sessions, replayed on their own clock', function () {
  this.timeout(30_000);
  let replay: TimedReplay | undefined;
  let client: TrexStlClient | undefined;
  afterEach(async () => {
    await client?.close();
    await replay?.stop();
    client = undefined;
    replay = undefined;
  });
  const open = async (recording: readonly TimedExchange[]) => {
    replay = await TimedReplay.start({ recording, anchor: 'start_traffic', fallback: OTHERS });
    const [, host, port] = /^tcp:\/\/(.*):(\d+)$/.exec(replay.endpoint) ?? [];
    client = await TrexStlClient.connect({ host: host as string, syncPort: Number(port), timeoutMs: 2000 });
    return trexTrialGenerator(client, 'replay', { txPort: 0, rxPort: 1, force: true });
  };

  it('a line-rate trial is held on the wall clock, and offers what the server really sent, not the 14.88 Mpps asked: generator-limited', async () => {
    const r = await open(TIMED).then((gen) => gen.trial(profile(0, 1000), 0));
    const rec = (replay as TimedReplay).recording;
    const [start] = (replay as TimedReplay).sent('start_traffic');
    const [stop] = (replay as TimedReplay).sent('stop_traffic');
    // Continuous traffic at the line rate, stopped by the client after the trial's 1 s: the
    // recorded server took 47 s of wall time for a `duration` of 0.5 s of its own scheduler.
    expect(start?.params).to.deep.include({ duration: -1, mul: { type: 'percentage', op: 'abs', value: 100 } });
    expect((stop?.atMs ?? Infinity) - (start?.atMs ?? 0)).to.be.within(1000, 1300);
    // Asked: the line rate the server named (its multiplier for the 1 pps stream), 14,880,952 pps.
    expect(r.requestedPps).to.be.closeTo(14_880_952.38, 0.01);
    // Sent: the recorded counter when the client stopped, over the measured transmit time.
    const ranFor = rec.stoppedAfterMs as number;
    const opackets = (t: number) => rec.counters(0, t)?.opackets as number;
    expect(r.sent).to.equal(opackets(rec.anchorMs + ranFor) - opackets(rec.anchorMs - 1));
    // Timed by the client between its start and its stop: the replay's clock saw the same, to a round trip.
    expect(r.seconds).to.be.closeTo(ranFor / 1000, 0.03);
    expect(r.offeredPps).to.be.closeTo(r.sent / r.seconds, 1e-6);
    // About 0.09 Mpps in the recording's first second: 160 times less than asked.
    expect(r.offeredPps).to.be.within(80_000, 100_000);
    expect(r.generatorLimited).to.equal(true);
    expect(r.txDroppedIf).to.equal(0);
    expect(r.received).to.be.closeTo(r.sent, r.sent * 0.01);
  });

  it('a trial at a fixed 400 kpps, stopped after 2 s: the recorded 302,001 frames over the measured time, about 151 kpps, generator-limited', async () => {
    const r = await open(CONTINUOUS).then((gen) => gen.trial(profile(400_000, 2000), 0));
    const [start] = (replay as TimedReplay).sent('start_traffic');
    const [stop] = (replay as TimedReplay).sent('stop_traffic');
    expect(start?.params.duration).to.equal(-1);
    expect((stop?.atMs ?? Infinity) - (start?.atMs ?? 0)).to.be.within(2000, 2150);
    // 400 kpps of the benchmark's streams and the 1 kpps latency stream.
    expect(r.requestedPps).to.equal(401_000);
    // The counters once they settled after the stop (they did within 100 ms).
    expect(r.sent).to.equal(302_001);
    expect(r.received).to.equal(302_001);
    expect(r.lossRatio).to.equal(0);
    expect(r.seconds).to.be.within(2.0, 2.06);
    // The recording: 302,001 frames in 2.003 s from start_traffic to stop_traffic, 150,777 pps;
    // over the longest the transmit can have taken, never above that, below by round trips.
    expect(r.offeredPps).to.be.closeTo(r.sent / r.seconds, 1e-6);
    expect(r.offeredPps).to.be.within(150_777 * 0.97, 150_777 * 1.001);
    expect(r.generatorLimited).to.equal(true);
    // That server measured no latency for the benchmark's latency group: none is reported.
    expect(r.latency).to.equal(undefined);
  });

  it('never turns a port whose counters keep moving after the stop into a figure', async () => {
    replay = await TimedReplay.start({ recording: TIMED, anchor: 'start_traffic', fallback: OTHERS, ignoreStop: true });
    const [, host, port] = /^tcp:\/\/(.*):(\d+)$/.exec(replay.endpoint) ?? [];
    client = await TrexStlClient.connect({ host: host as string, syncPort: Number(port), timeoutMs: 2000 });
    const gen = await trexTrialGenerator(client, 'replay', { txPort: 0, rxPort: 1, force: true, graceMs: 1000 });
    const err = await gen.trial(profile(0, 500), 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/^Error: TRex port 0: counters still moving 1 s after stop_traffic \(\d+ frames in the last \d+ ms\)$/);
  });
});
