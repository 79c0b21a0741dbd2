import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { trexClientBed } from '../../bench/bench-bed.js';
import type { NicTopologySpec, StartedTopology } from '../../../topologies/topology.js';
import { loadTranscript } from './replay-server.js';
import { TrexStlClient } from './stl-client.js';
import { TimedReplay, type TimedExchange } from './timed-replay.js';

const fixture = (name: string) => loadTranscript(fileURLToPath(new URL(`../../../../harness/traffic/trex/fixtures/${name}`, import.meta.url)));
/**
 * Port 1's status polled every 50 ms while its peer went down at 1.0 s and up at 1.6 s (the
 * kernel saw both at once); TRex reported down from 1.35 s and up again from 1.85 s.
 */
const FLAP = fixture('link_flap.jsonl') as TimedExchange[];
const OTHERS = [...fixture('raw_rpc_transcript.jsonl'), ...fixture('raw_rpc_extra_transcript.jsonl')];

const LAB: NicTopologySpec = {
  kind: 'nic',
  name: 'lab',
  dut: {
    ports: [
      { name: 'p1', interface: 'ens1f0' },
      { name: 'p2', interface: 'ens1f1' },
    ],
  },
  generator: {
    ports: [
      { name: 't0', trexPort: 0 },
      { name: 't1', trexPort: 1 },
    ],
  },
  links: [
    ['t0', 'p1'],
    ['t1', 'p2'],
  ],
};
/** The TRex bed does not look at the topology's handles: the ports are the server's. */
const TOPOLOGY = {} as StartedTopology;

describe('TRex link settling after a topology start (a recorded link flap, replayed on its own clock)', function () {
  this.timeout(20_000);
  let replay: TimedReplay | undefined;
  let client: TrexStlClient | undefined;
  afterEach(async () => {
    await client?.close();
    await replay?.stop();
    client = undefined;
    replay = undefined;
  });
  /** Connects (the handshake starts the recording's clock) and waits until `ms` into it. */
  const at = async (ms: number, timeoutMs: number) => {
    replay = await TimedReplay.start({ recording: FLAP, fallback: OTHERS });
    const [, host, port] = /^tcp:\/\/(.*):(\d+)$/.exec(replay.endpoint) ?? [];
    client = await TrexStlClient.connect({ host: host as string, syncPort: Number(port), timeoutMs });
    const anchored = replay.received[0]?.atMs as number;
    await sleep(Math.max(0, ms - (replay.elapsedMs() - anchored)));
    return trexClientBed(LAB, client, 'replay', { force: true });
  };

  it('waits until TRex reports both ports up, though the kernel already does, before the first trial', async () => {
    // Right after the topology started: the link is back (1.6 s), TRex still says down.
    const bed = await at(1610, 3000);
    await bed.prepare(TOPOLOGY);
    const r = replay as TimedReplay;
    const readyAt = r.elapsedMs() - (r.received[0]?.atMs as number);
    const gen = await bed.generator(TOPOLOGY);
    await gen.close();
    expect(readyAt, 'TRex reported port 1 up from 1.85 s').to.be.above(1850);
  });

  it('ends the target naming the port still down when --trex-timeout runs out', async () => {
    const bed = await at(1400, 300);
    const err = await bed.prepare(TOPOLOGY).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).to.equal('Error: TRex port 1: link down 0.3 s after the topology started (cable, DUT port, or its peer not up?)');
  });
});
