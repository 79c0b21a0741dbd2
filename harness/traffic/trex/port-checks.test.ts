import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { Reply } from 'zeromq';
import type { NicTopologySpec } from '../../../topologies/topology.js';
import { checkTrexPorts } from './port-checks.js';
import { loadTranscript } from './replay-server.js';
import { serveStandin } from './standin/standin-server.js';
import { TrexStlClient } from './stl-client.js';

const dir = fileURLToPath(new URL('../../../../harness/traffic/trex/fixtures/', import.meta.url));
const RECORDED = [...loadTranscript(`${dir}raw_rpc_transcript.jsonl`), ...loadTranscript(`${dir}raw_rpc_extra_transcript.jsonl`)];

const lab = (ids: number[]): NicTopologySpec => ({
  kind: 'nic',
  name: 'lab',
  dut: { ports: ids.map((_, i) => ({ name: `p${i + 1}`, interface: `ens1f${i}` })) },
  generator: { ports: ids.map((id, i) => ({ name: `t${i}`, trexPort: id })) },
  links: ids.map((_, i) => [`t${i}`, `p${i + 1}`] as const),
});

describe("lab topology checks of the TRex server's ports (recorded v3.08 replies)", () => {
  let socket: Reply | undefined;
  let client: TrexStlClient | undefined;
  const port = 27_000 + (process.pid % 1000) * 4;
  afterEach(async () => {
    await client?.close();
    socket?.close();
  });

  it('names a port the server lacks and ports another user holds', async () => {
    socket = await serveStandin({ endpoint: `tcp://127.0.0.1:${port}`, transcripts: RECORDED }, () => undefined);
    client = await TrexStlClient.connect({ host: '127.0.0.1', syncPort: port, timeoutMs: 1000 });
    expect(await checkTrexPorts(client, lab([0, 5]))).to.deep.equal([
      { port: 't0', interface: 'trex port 0', ok: false, detail: "trex port 0: owned by 'raw-client' (a run would need --trex-force)" },
      { port: 't1', interface: 'trex port 5', ok: false, detail: 'trex port 5: no such port (the server has 0, 1)' },
    ]);
  });

  it('passes a port held by this user, naming its MAC, driver and speed', async () => {
    socket = await serveStandin({ endpoint: `tcp://127.0.0.1:${port + 1}`, transcripts: RECORDED }, () => undefined);
    client = await TrexStlClient.connect({ host: '127.0.0.1', syncPort: port + 1, timeoutMs: 1000, user: 'raw-client' });
    const [c] = await checkTrexPorts(client, lab([1]));
    expect(c?.ok).to.equal(true);
    expect(c?.detail).to.match(/^trex port 1: [0-9a-f:]{17}, net_af_packet, 10 Gb\/s, link up, held by raw-client$/);
  });
});
