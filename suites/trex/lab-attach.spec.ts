import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../../harness/results/results.js';
import { dplab, dplabAsync } from '../dplab-cli.js';
import { leftovers } from '../lifecycle/leftovers.js';
import { fakeLab, type FakeLab } from './fake-lab.js';
import { startStandin, type StandinProcess } from './standin-process.js';

/**
 * A lab (nic) topology on this host, with veth pairs standing in for the DUT's NICs and the
 * TRex stand-in as the attached server (recorded replies; its ports modelled on the recorded
 * server's timing, no packets moved): what a run does with the NICs, the figures it makes of a
 * server with a rate cap whose links report late, and how it ends when the server dies or never
 * answers. Real TRex: trex-lab.spec.ts.
 */
describe('lab (nic) topology with an attached TRex server', function () {
  let lab: FakeLab | undefined;
  let standin: StandinProcess | undefined;
  let dir: string;
  const port = 25_000 + (process.pid % 1000) * 4;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dplab-lab-'));
    lab = await fakeLab();
  });
  afterEach(async () => {
    await standin?.kill('SIGKILL');
    standin = undefined;
    await lab?.remove();
  });

  const runId = (stderr: string) => /dplab run ([0-9a-f]{6}):/.exec(stderr)?.[1] as string;

  it('doctor checks both ends: the DUT NICs on this host and the TRex ports on the server', async () => {
    const l = lab as FakeLab;
    standin = await startStandin(dir, port + 2);
    const r = dplab(['doctor', '--topology', l.topology(dir), '--trex', `127.0.0.1:${port + 2}`]);
    expect(r.code, r.stdout).to.equal(3);
    const lines = r.stdout.split('\n').map((x) => x.trim());
    expect(lines).to.include.members([
      `ok   trex     127.0.0.1:${port + 2}: TRex v3.08 (STL)`,
      "FAIL t0       trex port 0: owned by 'raw-client' (a run would need --trex-force)",
      "FAIL t1       trex port 1: owned by 'raw-client' (a run would need --trex-force)",
    ]);
    expect(lines.find((x) => x.startsWith('ok   p1'))).to.match(new RegExp(`^ok   p1 +${l.nics[0]}: [0-9a-f:]{17}, virtual, link `));
    await standin.kill('SIGKILL');
    const gone = dplab(['doctor', '--topology', l.topology(dir), '--trex', `127.0.0.1:${port + 2}`, '--trex-timeout', '0.5']);
    expect(gone.code).to.equal(3);
    expect(gone.stdout).to.match(/FAIL trex +127\.0\.0\.1:\d+: TRex api_sync_v2: no answer from tcp:\/\/127\.0\.0\.1:\d+ within 500 ms/);
  });

  it('moves the DUT ports into the run and back, restoring each port state, and skips cases with the reason (exit 3: nothing ran)', async () => {
    const l = lab as FakeLab;
    const before = await l.where();
    expect(before).to.deep.equal([`${l.nics[0]} host up`, `${l.nics[1]} host down`]);
    const r = dplab(['run', '--suite', 'conformance', '--backend', 'ebpf', '--topology', l.topology(dir), '--out', join(dir, 'run')]);
    // Every case skipped and nothing measured: a run that ran nothing never exits 0.
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.match(/^dplab: nothing ran: every case was skipped \(ebpf: lab \(nic\) topology: /m);
    const results = JSON.parse(readFileSync(join(dir, 'run/results.json'), 'utf8')) as RunResults;
    expect(results.cases.length).to.be.greaterThan(50);
    expect(new Set(results.cases.map((c) => `${c.status}: ${c.reason}`))).to.deep.equal(
      new Set(['skipped: lab (nic) topology: conformance and datapath cases inject and capture at netns endpoints; run them on a veth topology']),
    );
    expect(await l.where()).to.deep.equal(before);
    expect(await leftovers(runId(r.stderr))).to.deep.equal([]);
  });

  it('ends a benchmark run whose TRex server dies mid-trial with a clear error within the call timeout, leaving nothing', async () => {
    const l = lab as FakeLab;
    standin = await startStandin(dir, port);
    const before = await l.where();
    const run = dplabAsync([
      'bench',
      '--topology',
      l.topology(dir),
      '--generator',
      'trex',
      '--trex',
      `127.0.0.1:${port}`,
      '--trex-timeout',
      '2',
      '--trex-force',
      '--smoke',
      '--backend',
      'ebpf',
      '--metrics',
      'mrr',
      '--out',
      join(dir, 'bench'),
    ]);
    await standin.seen(/rpc start_traffic/, 120_000);
    // The DUT ports are in the run's namespace while a trial runs.
    expect(await l.where()).to.deep.equal([`${l.nics[0]} away`, `${l.nics[1]} away`]);
    await standin.kill('SIGKILL');
    const killedAt = Date.now();
    const r = await run.done;
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.match(
      /^dplab: benchmarks stopped at baseline-xdp: TRex server at tcp:\/\/127\.0\.0\.1:\d+ stopped answering \(TRex get_port_status: no answer from tcp:\/\/127\.0\.0\.1:\d+ within 2000 ms\)$/m,
    );
    // One call's timeout, then the teardown (XDP detach, namespace, ports back).
    expect(r.endedAt - killedAt).to.be.below(2000 + 3000);
    const results = JSON.parse(readFileSync(join(dir, 'bench/results.json'), 'utf8')) as RunResults;
    expect(results.cases.map((c) => [c.backend, c.status])).to.deep.equal([['baseline-xdp', 'error']]);
    expect(results.benchmarks).to.deep.equal([]);
    expect(await l.where()).to.deep.equal(before);
    expect(await leftovers(runId(r.stderr))).to.deep.equal([]);
  });

  it('benchmarks through a server that sends at most 50 kpps and reports its links 0.5 s late: MRR is the cap, generator-limited; the late links fail nothing', async () => {
    const l = lab as FakeLab;
    const cap = 50_000;
    // The stand-in's ports are the cable ends: each target's topology moves the DUT ports, their
    // links go down and up, and the stand-in reports that half a second late, as TRex does.
    standin = await startStandin(dir, port + 3, {
      args: ['--max-pps', String(cap), '--link-lag-ms', '500', '--link-watch', `${l.farNetns}:${l.cables.join(',')}`],
    });
    const before = await l.where();
    const r = await dplabAsync([
      'bench',
      '--topology',
      l.topology(dir),
      '--generator',
      'trex',
      '--trex',
      `127.0.0.1:${port + 3}`,
      '--trex-force',
      '--backend',
      'ebpf',
      '--metrics',
      'mrr',
      '--frame-sizes',
      '64',
      '--flows',
      '1',
      '--trial-s',
      '1',
      '--ramp-s',
      '0',
      '--repeats',
      '3',
      '--out',
      join(dir, 'bench'),
    ]).done;
    expect(r.code, r.stderr).to.equal(0);
    const results = JSON.parse(readFileSync(join(dir, 'bench/results.json'), 'utf8')) as RunResults;
    expect(results.cases.filter((c) => c.status === 'error').map((c) => c.reason)).to.deep.equal([]);
    const mrr = results.benchmarks.filter((p) => p.metric === 'mrr_pps');
    expect(mrr.map((p) => p.backend)).to.deep.equal(['baseline-xdp', 'linux-bridge', 'ebpf']);
    for (const p of mrr) {
      // The median of three trials: one slowed by a busy host's round trips does not move it.
      expect(p.value, `${p.backend} MRR`).to.be.closeTo(cap, cap * 0.02);
      expect(p.generator.limited, `${p.backend} generator-limited`).to.equal(true);
      expect(p.generator.offeredPps, `${p.backend} offered`).to.be.closeTo(cap, cap * 0.02);
      for (const t of p.trials) {
        // Asked: 10G's line rate in 64-byte frames, as the server named it; offered: what it sent
        // over the longest the transmit can have taken, so never above the cap.
        expect(t.requestedPps).to.equal(14_880_952);
        expect(t.offeredPps).to.be.at.most(cap + 1);
        expect(t.seconds).to.be.within(1, 1.5);
        expect(t.generatorLimited).to.equal(true);
      }
    }
    expect(results.run.generator).to.deep.equal({
      name: 'trex',
      version: 'v3.08',
      address: `127.0.0.1:${port + 3}`,
      ports: [
        { id: 0, driver: 'net_af_packet', speedGbps: 10 },
        { id: 1, driver: 'net_af_packet', speedGbps: 10 },
      ],
    });
    // Port 1's link was down (its DUT port down on the host) until the run brought it up.
    expect(standin.log()).to.match(/link: port 1 \(\S+\) down[^]*link: port 1 \(\S+\) up/);
    expect(await l.where()).to.deep.equal(before);
    expect(await leftovers(runId(r.stderr))).to.deep.equal([]);
  });

  it('ends a run whose TRex server never answers within the timeout, before building anything', async () => {
    const l = lab as FakeLab;
    standin = await startStandin(dir, port + 1, { silent: true });
    const t0 = Date.now();
    const r = dplab([
      'bench',
      '--topology',
      l.topology(dir),
      '--generator',
      'trex',
      '--trex',
      `127.0.0.1:${port + 1}`,
      '--trex-timeout',
      '1.5',
      '--smoke',
      '--backend',
      'ebpf',
      '--out',
      join(dir, 'bench'),
    ]);
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr.trim().split('\n').at(-1)).to.match(
      /^dplab: TRex server at tcp:\/\/127\.0\.0\.1:\d+: no answer on its RPC port within the startup timeout \(TRex get_version: no answer from tcp:\/\/127\.0\.0\.1:\d+ within 1500 ms\)$/,
    );
    expect(Date.now() - t0).to.be.below(1500 + 4000);
    expect(await l.where()).to.deep.equal([`${l.nics[0]} host up`, `${l.nics[1]} host down`]);
    expect(await leftovers(runId(r.stderr))).to.deep.equal([]);
  });
});
