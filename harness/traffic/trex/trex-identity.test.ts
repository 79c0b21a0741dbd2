import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { Reply } from 'zeromq';
import { parseResults, SCHEMA_VERSION, type RunResults } from '../../results/results.js';
import { loadTranscript } from './replay-server.js';
import { serveStandin } from './standin/standin-server.js';
import { TrexStlClient } from './stl-client.js';
import { trexIdentity } from './trex-identity.js';

const dir = fileURLToPath(new URL('../../../../harness/traffic/trex/fixtures/', import.meta.url));
/** A run's results as an older dplab wrote them: no generator identity. */
const OLDER: RunResults = {
  schemaVersion: SCHEMA_VERSION,
  run: {
    id: 'abc123',
    started: '2026-12-01T10:00:00.000Z',
    dplabCommit: '0123456789ab',
    host: 'lab1',
    kernel: '6.12.0',
    topology: 'lab',
    suites: ['benchmark'],
    backends: [],
  },
  cases: [],
  benchmarks: [],
};
const RECORDED = [...loadTranscript(`${dir}raw_rpc_transcript.jsonl`), ...loadTranscript(`${dir}raw_rpc_extra_transcript.jsonl`)];

describe('TRex server identity in the run (stand-in answering as the recorded v3.08 server)', () => {
  let socket: Reply | undefined;
  let client: TrexStlClient | undefined;
  const port = 28_000 + (process.pid % 1000) * 4;
  afterEach(async () => {
    await client?.close();
    socket?.close();
  });

  it("records the server's version and, per port used, its driver and speed; results with it, or without, parse", async () => {
    socket = await serveStandin({ endpoint: `tcp://127.0.0.1:${port}`, transcripts: RECORDED }, () => undefined);
    client = await TrexStlClient.connect({ host: '127.0.0.1', syncPort: port, timeoutMs: 1000 });
    const generator = await trexIdentity(client, `127.0.0.1:${port}`, [0, 1, 5]);
    // Port 5 is not the server's: left out (the trials name it).
    expect(generator).to.deep.equal({
      name: 'trex',
      version: 'v3.08',
      address: `127.0.0.1:${port}`,
      ports: [
        { id: 0, driver: 'net_af_packet', speedGbps: 10 },
        { id: 1, driver: 'net_af_packet', speedGbps: 10 },
      ],
    });
    const withServer = { ...OLDER, run: { ...OLDER.run, generator } };
    expect(parseResults(JSON.stringify(withServer), 'results.json').run.generator).to.deep.equal(generator);
    expect(parseResults(JSON.stringify(OLDER), 'results.json').run.generator).to.equal(undefined);
  });
});
