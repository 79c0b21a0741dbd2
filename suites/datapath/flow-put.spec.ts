import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ebpfDatapath, ebpfXdpDatapath } from '../../datapaths/ebpf/index.js';
import type { StartedDatapath } from '../../harness/datapath/datapath.js';
import { keyField } from '../../harness/odp/accessors.js';
import { newRunId, runContext, type RunContext } from '../../harness/run/run-context.js';
import { registerRun, unregisterRun } from '../../harness/run/run-state.js';
import { sendAndCapture } from '../../harness/traffic/conformance-io.js';
import { loadTopology, vethSpec } from '../../topologies/load.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { VethTopology } from '../../topologies/veth.js';
import { udp4 } from '../conformance/frames.js';

/** Datapath-level programming: flows put in ODP syntax, with no OpenFlow pipeline at all. */
for (const backend of [ebpfDatapath, ebpfXdpDatapath]) {
  describe(`${backend.id}: flows installed in ODP syntax (real veth)`, function () {
    let ctx: RunContext;
    let topology: StartedTopology | undefined;
    let dp: StartedDatapath | undefined;

    before(async function () {
      const probe = await backend.probe();
      if (process.getuid?.() !== 0 || !probe.available) {
        if (!probe.available) console.log(`      skipped: ${backend.id}: ${probe.reason}`);
        this.skip();
      }
      const runId = newRunId();
      const outDir = mkdtempSync(join(tmpdir(), `dplab-dp-${runId}-`));
      ctx = runContext(runId, outDir);
      await registerRun(ctx);
      topology = await new VethTopology(vethSpec(loadTopology('p2p'))).start(ctx);
      dp = await backend.start(topology, ctx);
    });

    after(async () => {
      await dp?.stop();
      await topology?.stop();
      if (ctx) await unregisterRun(ctx);
    });

    it('forwards and rewrites by a put flow, counts it, and dumps it back with its mask', async () => {
      const d = dp as StartedDatapath;
      await d.applyPipeline([]); // table miss: drop
      await d.datapathLevel?.putFlow('in_port(1),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=53) actions:set(udp(dst=5353)),2');
      const t = topology as StartedTopology;
      const got = await sendAndCapture({ topology: t, from: 'h1', frames: [udp4({ dport: 53 }), udp4({ dport: 54 })], listen: ['h2'], waitMs: 800, expectCount: 1 });
      expect(got.get('h2')?.map((f) => f.toString('hex'))).to.deep.equal([udp4({ dport: 5353 }).toString('hex')]);
      const flows = await d.dumpFlows();
      const put = flows.find((f) => keyField(f, 'udp', 'dst')?.value === '53' && keyField(f, 'udp', 'dst')?.mask === undefined);
      expect(put, flows.map((f) => f.raw).join('\n')).to.not.equal(undefined);
      expect(put?.stats.packets).to.equal(1);
      expect(keyField(put!, 'udp', 'src')?.mask, 'udp src is wildcarded').to.equal('0');
      expect(put?.actions).to.deep.equal([
        { type: 'set', masked: false, attr: { name: 'udp', fields: [{ name: 'dst', value: '5353' }] } },
        { type: 'output', port: 2 },
      ]);
    });

    it('rejects a flow it cannot parse, naming the text', async () => {
      let message = '';
      try {
        await dp?.datapathLevel?.putFlow('in_port(1),ipv4(src=10.0.0.300) actions:2');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.match(/^ebpf agent: flow-put: bad address '10\.0\.0\.300'/);
    });
  });
}
