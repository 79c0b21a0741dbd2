import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadTranscript } from '../replay-server.js';
import { parseLinkWatch, watchLinks, type LinkWatchSpec } from './link-watch.js';
import { DEFAULT_PORT_MODEL, StandinPorts, type PortModelOptions } from './port-model.js';
import { recordedOwners, serveStandin } from './standin-server.js';

/**
 * Entry point of the stand-in (see standin-server.ts), as an image or a host process: takes
 * TRex's own command line (`-i --cfg FILE`, other flags ignored), reads the RPC port from that
 * trex_cfg.yaml as the server does, and exits non-zero with one line when the file or a flag
 * is bad. Its own flags:
 * `--silent` (or TREX_STANDIN_SILENT=1): accept requests and never answer, as a hung server;
 * `--max-pps N`: the ports' rate cap (default 150000); `--speed-gbps N` (default 10);
 * `--rx-loss R`: share of frames lost between the ports (default 0);
 * `--link-lag-ms N`: how late a link change is reported (default 0);
 * `--link-watch [NETNS:]IF0,IF1`: the ports' links are these interfaces' (host process only).
 */
function fail(message: string): never {
  process.stderr.write(`trex-standin: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? fail(`${name}: needs a value`)) : undefined;
};
const number = (name: string, min: number, max: number): number | undefined => {
  const v = flag(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`${name} ${v}: want a number ${min}..${max}`);
  return n;
};
const cfgPath = flag('--cfg') ?? '/etc/trex_cfg.yaml';
let cfg: unknown;
try {
  cfg = parse(readFileSync(cfgPath, 'utf8'));
} catch (e) {
  fail(`${cfgPath}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}
const first = (Array.isArray(cfg) ? cfg[0] : undefined) as { version?: number; interfaces?: unknown; zmq_rpc_port?: number } | undefined;
if (!first || first.version !== 2) fail(`${cfgPath}: expected a list whose first entry has version: 2`);
if (!Array.isArray(first.interfaces) || first.interfaces.length < 2 || first.interfaces.length % 2)
  fail(`${cfgPath}: interfaces: expected an even number of interfaces, at least 2`);
const model: Partial<PortModelOptions> = Object.fromEntries(
  Object.entries({
    maxPps: number('--max-pps', 0, 1e9),
    speedGbps: number('--speed-gbps', 0.001, 1000),
    rxLoss: number('--rx-loss', 0, 1),
    linkLagMs: number('--link-lag-ms', 0, 600_000),
  }).filter(([, v]) => v !== undefined),
);
let watch: LinkWatchSpec | undefined;
try {
  const w = flag('--link-watch');
  watch = w === undefined ? undefined : parseLinkWatch(w);
} catch (e) {
  fail((e as Error).message);
}
const port = first.zmq_rpc_port ?? 4501;
// The recordings sit in the source tree (dist/ has no copy), in the image as in a checkout. The
// stand-in answers as the server of the raw_rpc sessions (the trial recordings are for replays).
const fixtures = fileURLToPath(new URL('../../../../../harness/traffic/trex/fixtures', import.meta.url));
const transcripts = readdirSync(fixtures)
  .filter((f) => /^raw_rpc_.*\.jsonl$/.test(f))
  .sort()
  .flatMap((f) => loadTranscript(join(fixtures, f)));
const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
const ports = new StandinPorts(recordedOwners(transcripts), performance.now(), { ...DEFAULT_PORT_MODEL, ...model });
const unwatch = watch ? watchLinks(watch, ports, log) : () => undefined;
const socket = await serveStandin(
  { endpoint: `tcp://*:${port}`, transcripts, ports, silent: args.includes('--silent') || process.env.TREX_STANDIN_SILENT === '1' },
  log,
);
log(`ports: ${(first.interfaces as string[]).join(', ')}${watch ? `; links of ${watch.interfaces.join(', ')}${watch.netns ? ` in ${watch.netns}` : ''}` : ''}`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    unwatch();
    socket.close();
    process.exit(0);
  });
}
