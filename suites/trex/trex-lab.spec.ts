import { expect } from 'chai';
import { measureTarget } from '../../harness/bench/benchmark.js';
import { DEFAULT_PLAN, type BenchPlan } from '../../harness/bench/plan.js';
import type { StartedBenchTarget } from '../../harness/bench/targets.js';
import { buildFrame } from '../../harness/packet/index.js';
import { TrexStlClient } from '../../harness/traffic/trex/stl-client.js';
import { waitForLinks } from '../../harness/traffic/trex/link-settle.js';
import { parseTrexAddress } from '../../harness/traffic/trex/trex-cfg.js';
import { trexIdentity } from '../../harness/traffic/trex/trex-identity.js';
import { trexTrialGenerator } from '../../harness/traffic/trex/trex-trials.js';

/**
 * Against a real TRex server: `DPLAB_TREX=host[:port]`, with `DPLAB_TREX_PORTS=0,1` (default)
 * naming two ports joined by a cable or by a DUT the lab has set up to forward between them.
 * Skipped with that reason when no server is given. It runs the benchmarks' own MRR and NDR
 * search (benchmark.ts) with the trex generator, as `dplab bench --generator trex` does: trials
 * on the wall clock, each figure with the rate TRex really offered and whether it was the bound.
 */
const address = process.env.DPLAB_TREX;
const [txPort, rxPort] = (process.env.DPLAB_TREX_PORTS ?? '0,1').split(',').map(Number) as [number, number];

describe('TRex integration (DPLAB_TREX)', function () {
  let client: TrexStlClient;
  let where: string;

  before(async function () {
    if (!address) {
      console.log('      skipped: DPLAB_TREX is not set (host[:port] of a TRex server, with DPLAB_TREX_PORTS=tx,rx cabled through the DUT)');
      this.skip();
    }
    const { host, port } = parseTrexAddress(address, 'DPLAB_TREX');
    where = `${host}:${port}`;
    client = await TrexStlClient.connect({ host, syncPort: port, timeoutMs: 5000, user: 'dplab-ci' });
  });
  after(async () => client?.close());

  it('answers the handshake and has the two ports, link up, naming its version, drivers and speeds', async () => {
    const v = await client.version();
    expect(v.mode).to.equal('STL');
    const sys = await client.systemInfo();
    for (const p of [txPort, rxPort])
      expect(
        sys.ports.map((x) => x.index),
        `port ${p}`,
      ).to.include(p);
    // As after a topology start: both links reported up, and for long enough to trust it.
    await waitForLinks(client, [txPort, rxPort], 10_000);
    const id = await trexIdentity(client, where, [txPort, rxPort]);
    console.log(`      TRex ${id.version}: ${id.ports.map((p) => `port ${p.id} ${p.driver} ${p.speedGbps ?? '?'} Gb/s`).join(', ')}`);
    expect(id.version).to.match(/^v\d/);
    expect(id.ports.map((p) => p.id)).to.deep.equal([txPort, rxPort]);
  });

  it('sends a frame in service mode from one port and captures it on the other', async () => {
    const sys = await client.systemInfo();
    const mac = (p: number) => sys.ports.find((x) => x.index === p)?.hw_mac as string;
    for (const p of [txPort, rxPort]) {
      await client.acquire(p, false);
      await client.service(p, true);
    }
    try {
      const id = await client.captureStart({ rx: [rxPort], limit: 100, filter: 'udp port 4242' });
      const frame = buildFrame({
        src: mac(txPort),
        dst: mac(rxPort),
        ipv4: { src: '198.18.0.1', dst: '198.18.0.2', ttl: 64 },
        udp: { sport: 4242, dport: 4242 },
        payload: Buffer.from('dplab'),
      });
      expect(await client.pushPackets(txPort, [frame])).to.equal(1);
      await new Promise((r) => setTimeout(r, 500));
      const got = await client.captureFetch(id, 10);
      await client.captureStop(id);
      expect(got.pkts.map((p) => Buffer.from(p.binary, 'base64').includes(Buffer.from('dplab')))).to.include(true);
    } finally {
      for (const p of [txPort, rxPort]) {
        await client.service(p, false);
        await client.release(p);
      }
    }
  });

  it('runs the benchmarks MRR and NDR search through the path between the ports', async function () {
    this.timeout(20 * 60_000);
    const gen = await trexTrialGenerator(client, where, { txPort, rxPort });
    const wire: StartedBenchTarget = {
      state: 'started',
      id: 'wire',
      product: `trex-ports-${txPort}-${rxPort}`,
      slowPath: false,
      stop: async () => ({ state: 'stopped', id: 'wire' }),
    };
    const plan: BenchPlan = { ...DEFAULT_PLAN, metrics: new Set(['mrr', 'ndr', 'latency']), trialMs: 2000, rampMs: 500, repeats: 1, latencyAt: [0.5] };
    try {
      const points = await measureTarget(gen, wire, 'wire', plan, (m) => console.log(`      ${m}`));
      // MRR: the line rate asked, what the server really offered measured on the wall clock.
      const mrr = points.find((p) => p.metric === 'mrr_pps');
      const [first] = mrr?.trials ?? [];
      console.log(
        `      MRR trial: asked ${first?.requestedPps} pps, offered ${first?.offeredPps} pps in ${first?.seconds} s, generator-limited ${first?.generatorLimited}`,
      );
      expect(first?.requestedPps, 'the line rate the server named').to.be.greaterThan(0);
      expect(first?.offeredPps)
        .to.be.greaterThan(0)
        .and.at.most((first?.requestedPps ?? 0) * 1.01);
      expect(first?.seconds).to.be.within(plan.trialMs / 1000, plan.trialMs / 1000 + 0.5);
      // Short of the rate it named is flagged; not flagged means TRex kept it (within 1 %).
      const short = (first?.offeredPps ?? 0) < (first?.requestedPps ?? 0) * 0.99;
      if (short) expect(first?.generatorLimited, 'short of the line rate').to.equal(true);
      if (!first?.generatorLimited) expect(short, 'not flagged yet short').to.equal(false);
      expect(mrr?.generator.offeredPps).to.equal(Math.max(...(mrr?.trials ?? []).map((t) => t.offeredPps ?? 0)));
      const ndr = points.find((p) => p.metric === 'ndr_pps');
      expect(ndr?.value).to.be.greaterThan(0);
      expect(ndr?.search?.trials).to.be.greaterThan(1);
      // Bounded by what TRex really offered, not by the nominal line rate.
      expect(ndr?.value).to.be.at.most((mrr?.generator.offeredPps ?? 0) * 1.001);
      expect(ndr?.generator).to.have.property('limited').that.is.a('boolean');
      expect(points.find((p) => p.metric === 'latency_p99_us')?.value).to.be.greaterThan(0);
    } finally {
      await gen.close();
    }
  });
});
