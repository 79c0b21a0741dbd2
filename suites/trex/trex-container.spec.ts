import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runContext, type RunContext } from '../../harness/run/run-context.js';
import { STANDIN_IMAGE, buildStandinImage } from '../../harness/traffic/trex/standin/build-image.js';
import { containerRunIds, containerRuntimeEnv, TrexServer, TrexServerError } from '../../harness/traffic/trex/trex-server.js';
import type { TrexContainerConfig } from '../../topologies/trex-server-config.js';
import { dplabAsync } from '../dplab-cli.js';
import { leftovers } from '../lifecycle/leftovers.js';
import { fakeLab, type FakeLab } from './fake-lab.js';

/** Whether a Docker daemon answers here (CI starts one; see scripts/test.sh). */
async function dockerReason(): Promise<string | undefined> {
  if (!existsSync('/var/run/docker.sock')) return 'no Docker daemon (/var/run/docker.sock absent)';
  try {
    containerRuntimeEnv();
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return undefined;
  } catch (e) {
    return `Docker daemon not usable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * The TRex server lifecycle through testcontainers, with the locally built stand-in image
 * (recorded replies and modelled ports, no packets; no registry is reachable): started on the host network with
 * the generated trex_cfg.yaml mounted, health-checked on its RPC port, its log kept in the run,
 * always removed; and the failures a lab meets: privileged refused, a server that exits at
 * start, one that never answers, one that dies mid-run.
 */
describe('TRex server in a container (testcontainers, stand-in image)', function () {
  let dir: string;
  let ctx: RunContext;
  const port = 26_000 + (process.pid % 1000) * 4;
  const config = (o: Partial<TrexContainerConfig> = {}): TrexContainerConfig => ({
    image: STANDIN_IMAGE,
    privileged: false,
    capabilities: ['NET_ADMIN'],
    rpcPort: port,
    startupTimeoutS: 20,
    cfg: { interfaces: ['dummy0', 'dummy1'] },
    ...o,
  });
  const runIdOf = () => ctx.runId;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    const why = await dockerReason();
    // CI starts a daemon (scripts/test.sh): there a missing one is a failure, not a skip.
    if (why && process.env.CI === 'true') throw new Error(`CI: ${why}`);
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await buildStandinImage();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dplab-trexc-'));
    ctx = runContext(
      Math.floor(Math.random() * 0xffffff)
        .toString(16)
        .padStart(6, '0'),
      dir,
    );
    mkdirSync(ctx.logDir, { recursive: true });
  });
  afterEach(async () => {
    expect(await containerRunIds(), 'containers left').to.not.include(runIdOf());
  });

  it('starts with the generated trex_cfg.yaml mounted, answers once healthy, logs into the run and is removed on stop', async () => {
    const server = await new TrexServer(config({ cfg: { interfaces: ['dummy0', 'dummy1'], c: 2 } }), 2000).start(ctx);
    expect(server).to.deep.include({ state: 'started', how: 'container', host: '127.0.0.1', rpcPort: port, version: 'v3.08' });
    expect(await containerRunIds()).to.include(ctx.runId);
    const client = await server.connect();
    expect((await client.systemInfo()).port_count).to.equal(2);
    await client.close();
    const stopped = await server.stop();
    expect(stopped.state).to.equal('stopped');
    expect(parse(readFileSync(join(dir, 'trex_cfg.yaml'), 'utf8'))).to.deep.equal([
      { version: 2, port_limit: 2, interfaces: ['dummy0', 'dummy1'], c: 2, zmq_rpc_port: port, zmq_pub_port: port - 1 },
    ]);
    const log = readFileSync(stopped.logFile as string, 'utf8');
    expect(log).to.include(`RPC on tcp://*:${port}`).and.include('ports: dummy0, dummy1').and.include('rpc get_system_info').and.include('SIGTERM: stopping');
  });

  it('names a host that cannot start privileged containers, and leaves no container', async function () {
    const missing = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] !== '000001ffffffffff';
    let err: unknown;
    const server = await new TrexServer(config({ privileged: true }), 2000).start(ctx).catch((e: unknown) => (err = e));
    if (!missing) {
      // A host that can: privileged works.
      await (server as { stop(): Promise<unknown> }).stop();
      return;
    }
    expect(err).to.be.instanceOf(TrexServerError);
    expect(String((err as Error).message)).to.match(
      /^TRex container from image dplab\/trex-standin:local: this host cannot start privileged containers \(its capability bounding set lacks [A-Z_, ]+\); set privileged: false and list the capabilities the server needs$/,
    );
  });

  it('reports a server that exits at start with its last log line, at once', async () => {
    const t0 = Date.now();
    let err: unknown;
    await new TrexServer(config({ cfg: { interfaces: ['a', 'b', 'c'] } }), 2000).start(ctx).catch((e: unknown) => (err = e));
    expect(String((err as Error).message)).to.match(
      /^TRex server at tcp:\/\/127\.0\.0\.1:\d+: the container exited: trex-standin: \/etc\/trex_cfg\.yaml: interfaces: expected an even number of interfaces, at least 2 \(log: .*trex-server\.log\)$/,
    );
    expect(Date.now() - t0).to.be.below(15_000);
  });

  it('gives up on a server that never answers at its startup timeout, and removes it', async () => {
    const t0 = Date.now();
    let err: unknown;
    await new TrexServer(config({ startupTimeoutS: 3, command: ['-i', '--cfg', '/etc/trex_cfg.yaml', '--silent'] }), 1000)
      .start(ctx)
      .catch((e: unknown) => (err = e));
    expect(String((err as Error).message)).to.match(
      /^TRex server at tcp:\/\/127\.0\.0\.1:\d+: no answer on its RPC port within the startup timeout \(TRex get_version: no answer from .* within 1000 ms\)$/,
    );
    expect(Date.now() - t0).to.be.within(3000, 3000 + 8000);
  });

  describe('in a benchmark run on a lab topology', () => {
    let lab: FakeLab | undefined;
    afterEach(async () => lab?.remove());

    it('removes a container still starting when the run is interrupted (SIGTERM)', async () => {
      lab = await fakeLab();
      const trex = `{ image: "${STANDIN_IMAGE}", privileged: false, rpcPort: ${port + 2}, startupTimeoutS: 120, command: [-i, --cfg, /etc/trex_cfg.yaml, --silent], cfg: { interfaces: [dummy0, dummy1] } }`;
      const run = dplabAsync([
        'bench',
        '--topology',
        lab.topology(dir, trex),
        '--generator',
        'trex',
        '--smoke',
        '--backend',
        'ebpf',
        '--out',
        join(dir, 'bench'),
      ]);
      const runId = await until(() => /dplab run ([0-9a-f]{6}):/.exec(run.stderrSoFar())?.[1], 60_000);
      for (let i = 0; i < 300 && !(await containerRunIds()).includes(runId); i += 1) await new Promise((r) => setTimeout(r, 100));
      expect(await containerRunIds(), 'the container should be starting').to.include(runId);
      run.kill('SIGTERM');
      const r = await run.done;
      expect(r.code, r.stderr).to.equal(143);
      expect(await containerRunIds()).to.not.include(runId);
      expect(await leftovers(runId)).to.deep.equal([]);
    });

    it('ends the run when the container dies mid-trial, within the call timeout, and removes everything', async () => {
      lab = await fakeLab();
      const trex = `{ image: "${STANDIN_IMAGE}", privileged: false, rpcPort: ${port + 1}, startupTimeoutS: 20, cfg: { interfaces: [dummy0, dummy1] } }`;
      const before = await lab.where();
      const run = dplabAsync([
        'bench',
        '--topology',
        lab.topology(dir, trex),
        '--generator',
        'trex',
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
      const runId = await until(() => /dplab run ([0-9a-f]{6}):/.exec(run.stderrSoFar())?.[1], 60_000);
      const log = join(dir, 'bench/logs/trex-server.log');
      await until(() => (existsSync(log) && readFileSync(log, 'utf8').includes('rpc start_traffic')) || undefined, 120_000);
      const { getContainerRuntimeClient } = await import('testcontainers');
      const docker = (await getContainerRuntimeClient()).container.dockerode;
      const [c] = await docker.listContainers({ filters: { label: [`dplab.run=${runId}`] } });
      await docker.getContainer((c as { Id: string }).Id).kill();
      const killedAt = Date.now();
      const r = await run.done;
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stderr).to.match(
        /^dplab: benchmarks stopped at baseline-xdp: TRex server at tcp:\/\/127\.0\.0\.1:\d+ stopped answering \(TRex get_port_status: no answer from .* within 2000 ms\)$/m,
      );
      expect(r.endedAt - killedAt).to.be.below(2000 + 12_000);
      expect(await containerRunIds()).to.not.include(runId);
      expect(readFileSync(log, 'utf8')).to.include('rpc start_traffic');
      expect(await lab.where()).to.deep.equal(before);
      expect(await leftovers(runId)).to.deep.equal([]);
    });
  });
});

async function until<T>(f: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
