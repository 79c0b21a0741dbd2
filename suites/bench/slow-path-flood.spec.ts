import { expect } from 'chai';
import { runTrial } from '../../harness/traffic/soft/soft-trials.js';
import type { Datapath, StartedDatapath } from '../../harness/datapath/datapath.js';
import { parseOfctlFlows } from '../../harness/openflow/parse.js';
import { parseProfile, sizedStreams } from '../../harness/traffic/streams/stream-model.js';
import { ebpfDatapath, ebpfXdpDatapath } from '../../datapaths/ebpf/index.js';
import { startP2pBed, type P2pBed } from './p2p-bed.js';
import { softGeneratorRefusal } from '../../harness/traffic/soft/generator-probe.js';

/**
 * A port flooded before its flow exists: the first frames miss and queue at the agent, the flow
 * goes in, and from then on the fast path carries the load. (It once did not: hits waiting behind
 * pending misses kept the port on the agent, about 46 kpps, for as long as the flood lasted.)
 */
for (const d of [ebpfDatapath, ebpfXdpDatapath] as Datapath[]) {
  describe(`${d.id}: a cold port flooded at full rate leaves the slow path once its flow is in`, function () {
    let bed: P2pBed<StartedDatapath> | undefined;

    before(async function () {
      if (process.getuid?.() !== 0 || !(await d.probe()).available) this.skip();
      const refused = await softGeneratorRefusal();
      if (refused) {
        console.log(`      skipped: ${refused}`);
        this.skip();
      }
      bed = await startP2pBed('flood', async (topology, ctx) => {
        const dp = await d.start(topology, ctx);
        const ports = Object.fromEntries(topology.dutPorts.map((p) => [p.name, p.ofport]));
        await dp.applyPipeline(parseOfctlFlows('in_port=p1,actions=output:p2', { source: 'spec', ports }));
        return dp;
      });
    });

    after(async () => {
      if (bed) expect(await bed.stop()).to.deep.equal([]);
    });

    it('carries most frames on the fast path: the agent handles only the first backlog', async () => {
      const { path, dut } = bed as P2pBed<StartedDatapath>;
      const t = await runTrial(path, parseProfile({ streams: sizedStreams(64), rate: { pps: 0 }, durationMs: 1000 }, 'spec'));
      const stats = await dut.stats();
      const upcalls = stats.upcalls ?? NaN;
      const report = `sent ${t.sent}, received ${t.received}, agent upcalls ${upcalls}, misses ${stats.misses}, lost ${stats.lost}`;
      expect(stats.flows, report).to.equal(1);
      // The misses before the flow went in fill the upcall ring (about 1,900 records) and up to
      // 256 hits may queue behind them; after that the agent has nothing to do however long the
      // flood lasts. (Queued hits once kept the agent busy all along: 8,000 to 46,000 a second.)
      expect(upcalls, report).to.be.below(4000);
      expect(t.received, report).to.be.above(10 * upcalls);
    });
  });
}
