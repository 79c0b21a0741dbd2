import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadTranscript } from '../replay-server.js';
import { serveStandin } from './standin-server.js';

/**
 * Entry point of the stand-in image (see standin-server.ts): takes TRex's own command line
 * (`-i --cfg FILE`, other flags ignored), reads the RPC port from that trex_cfg.yaml as the
 * server does, and exits non-zero with one line when the file is missing or malformed.
 * `--silent` (or TREX_STANDIN_SILENT=1): accept requests and never answer, as a hung server.
 */
function fail(message: string): never {
  process.stderr.write(`trex-standin: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const at = args.indexOf('--cfg');
const cfgPath = at >= 0 ? (args[at + 1] ?? fail('--cfg: needs a file')) : '/etc/trex_cfg.yaml';
let cfg: unknown;
try {
  cfg = parse(readFileSync(cfgPath, 'utf8'));
} catch (e) {
  fail(`${cfgPath}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}
const first = (Array.isArray(cfg) ? cfg[0] : undefined) as { version?: number; interfaces?: unknown; zmq_rpc_port?: number } | undefined;
if (!first || first.version !== 2) fail(`${cfgPath}: expected a list whose first entry has version: 2`);
if (!Array.isArray(first.interfaces) || first.interfaces.length < 2 || first.interfaces.length % 2) fail(`${cfgPath}: interfaces: expected an even number of interfaces, at least 2`);
const port = first.zmq_rpc_port ?? 4501;
// The recordings sit in the source tree (dist/ has no copy), in the image as in a checkout.
const fixtures = fileURLToPath(new URL('../../../../../harness/traffic/trex/fixtures', import.meta.url));
const transcripts = readdirSync(fixtures).filter((f) => f.endsWith('.jsonl')).sort().flatMap((f) => loadTranscript(join(fixtures, f)));
const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
const socket = await serveStandin({ endpoint: `tcp://*:${port}`, transcripts, silent: args.includes('--silent') || process.env.TREX_STANDIN_SILENT === '1' }, log);
log(`ports: ${(first.interfaces as string[]).join(', ')}`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    socket.close();
    process.exit(0);
  });
}
