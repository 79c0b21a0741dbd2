import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GenericContainer } from 'testcontainers';
import { containerRuntimeEnv } from '../trex-server.js';
import { REPO_ROOT } from '../../../system/identity.js';
import { exec } from '../../../system/exec.js';

/** Tag of the locally built stand-in image (no registry is reachable where CI runs). */
export const STANDIN_IMAGE = 'dplab/trex-standin:local';

/** What the stand-in needs from the repository: its compiled code, the recordings, its modules. */
const FILES = [
  'dist/harness/traffic/trex/framing.js',
  'dist/harness/traffic/trex/replay-server.js',
  'dist/harness/traffic/trex/standin',
  'harness/traffic/trex/fixtures',
  'node_modules/zeromq',
  'node_modules/cmake-ts',
  'node_modules/yaml',
];

/** Shared libraries a binary loads, from ldd (the image has no libc of its own). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const out = (await exec('ldd', [binary])).stdout;
  return [...out.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1] as string);
}

/**
 * Builds the stand-in image FROM scratch out of this host's Node binary, its libraries and the
 * stand-in's files, through testcontainers (which talks to dockerd directly). Returns the tag.
 */
export async function buildStandinImage(): Promise<string> {
  containerRuntimeEnv();
  const ctx = mkdtempSync(join(tmpdir(), 'dplab-standin-'));
  try {
    const root = join(ctx, 'rootfs');
    const put = (from: string, to: string) => {
      mkdirSync(dirname(join(root, to)), { recursive: true });
      cpSync(from, join(root, to), { recursive: true, dereference: true });
    };
    put(process.execPath, 'usr/local/bin/node');
    const addons = (await exec('find', [join(REPO_ROOT, 'node_modules/zeromq/build/linux/x64'), '-name', '*.node'])).stdout.split('\n').filter(Boolean);
    const libs = new Set<string>();
    for (const bin of [process.execPath, ...addons]) for (const lib of await sharedLibraries(bin).catch(() => [])) libs.add(lib);
    for (const lib of libs) put(lib, lib.slice(1));
    for (const f of FILES) put(join(REPO_ROOT, f), join('app', f));
    writeFileSync(join(root, 'app/package.json'), '{"type":"module"}\n');
    mkdirSync(join(root, 'tmp'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        '# dplab TRex stand-in: recorded v3.08 RPC replies, modelled ports, no packets moved (tests only).',
        'FROM scratch',
        'COPY rootfs/ /',
        'WORKDIR /app',
        'ENTRYPOINT ["/usr/local/bin/node", "/app/dist/harness/traffic/trex/standin/main.js"]',
        'CMD ["-i", "--cfg", "/etc/trex_cfg.yaml"]',
        '',
      ].join('\n'),
    );
    await GenericContainer.fromDockerfile(ctx).build(STANDIN_IMAGE, { deleteOnExit: false });
    return STANDIN_IMAGE;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
