import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { RunContext } from '../../run/run-context.js';
import { onTeardown } from '../../run/teardown.js';
import { RpcChannel } from './rpc-channel.js';
import { TrexStlClient } from './stl-client.js';
import type { TrexContainerConfig, TrexServerConfig } from '../../../topologies/trex-server-config.js';
import { DEFAULT_COMMAND, DEFAULT_RPC_PORT, parseTrexAddress, renderTrexCfg } from './trex-cfg.js';

/**
 * The TRex server of a run, with its lifecycle in the types (as testcontainers does): a
 * `TrexServer` is a plan; `start()` attaches to a running server or starts a container and
 * returns a `StartedTrexServer` only once the server answers on its RPC port; `stop()` returns
 * a `StoppedTrexServer`. A container is always stopped and removed; its log stays in the run.
 */
export interface StartedTrexServer {
  readonly state: 'started';
  /** `attached` to a server someone else runs, or a `container` this run started. */
  readonly how: 'attached' | 'container';
  readonly host: string;
  readonly rpcPort: number;
  /** `tcp://host:port` of the RPC port, for messages. */
  readonly endpoint: string;
  /** The server's `get_version` answer. */
  readonly version: string;
  /** A client with the API handshake done; every call bounded by `timeoutMs`. */
  connect(): Promise<TrexStlClient>;
  stop(): Promise<StoppedTrexServer>;
}

export interface StoppedTrexServer {
  readonly state: 'stopped';
  /** The container's output (container only). */
  readonly logFile?: string;
}

/**
 * testcontainers settings for dplab's use: no Ryuk (no registry to pull it from; the run stops
 * its own containers and `dplab cleanup` a killed run's), and the host named directly, since
 * every container here uses the host network and dockerd may run without its bridge.
 */
export function containerRuntimeEnv(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

/**
 * The containers dplab started on this host (label `dplab.run`, any state), of one run or all,
 * with the client that lists them; none when no Docker daemon is there to ask.
 */
async function runContainers(runId?: string) {
  if (!existsSync('/var/run/docker.sock')) return { docker: undefined, containers: [] };
  containerRuntimeEnv();
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const containers = await docker.listContainers({ all: true, filters: { label: [runId === undefined ? 'dplab.run' : `dplab.run=${runId}`] } });
    return { docker, containers };
  } catch {
    return { docker: undefined, containers: [] };
  }
}

/**
 * Removes the containers a run started, whatever their state: a container that failed to start
 * is left `created`, one of a killed run still runs. Returns their names.
 */
export async function removeRunContainers(runId: string): Promise<string[]> {
  const { docker, containers } = await runContainers(runId);
  for (const c of containers)
    await docker
      ?.getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  return containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12));
}

/** Run ids of containers dplab started on this host. */
export async function containerRunIds(): Promise<string[]> {
  return (await runContainers()).containers.map((c) => c.Labels['dplab.run'] as string);
}

/** Capabilities this host cannot give a container (missing from its bounding set). */
function missingCapabilities(): string[] {
  const bnd = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (!bnd) return [];
  const have = BigInt(`0x${bnd}`);
  return Object.entries(CAPS)
    .filter(([, bit]) => ((have >> BigInt(bit)) & 1n) === 0n)
    .map(([name]) => name);
}

/** The capabilities a privileged container asks for (linux/capability.h), by name. */
const CAPS: Record<string, number> = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  FOWNER: 3,
  FSETID: 4,
  KILL: 5,
  SETGID: 6,
  SETUID: 7,
  SETPCAP: 8,
  LINUX_IMMUTABLE: 9,
  NET_BIND_SERVICE: 10,
  NET_BROADCAST: 11,
  NET_ADMIN: 12,
  NET_RAW: 13,
  IPC_LOCK: 14,
  IPC_OWNER: 15,
  SYS_MODULE: 16,
  SYS_RAWIO: 17,
  SYS_CHROOT: 18,
  SYS_PTRACE: 19,
  SYS_PACCT: 20,
  SYS_ADMIN: 21,
  SYS_BOOT: 22,
  SYS_NICE: 23,
  SYS_RESOURCE: 24,
  SYS_TIME: 25,
  SYS_TTY_CONFIG: 26,
  MKNOD: 27,
  LEASE: 28,
  AUDIT_WRITE: 29,
  AUDIT_CONTROL: 30,
  SETFCAP: 31,
  MAC_OVERRIDE: 32,
  MAC_ADMIN: 33,
  SYSLOG: 34,
  WAKE_ALARM: 35,
  BLOCK_SUSPEND: 36,
  AUDIT_READ: 37,
  PERFMON: 38,
  BPF: 39,
  CHECKPOINT_RESTORE: 40,
};

export class TrexServerError extends Error {
  override name = 'TrexServerError';
}

export class TrexServer {
  constructor(
    readonly config: TrexServerConfig,
    /** Per RPC call, and so how long a dead or hung server can hold a run. */
    readonly timeoutMs = 5000,
  ) {}

  async start(ctx: RunContext): Promise<StartedTrexServer> {
    if ('address' in this.config) {
      const { host, port } = parseTrexAddress(this.config.address, 'TRex server');
      const version = await healthCheck(host, port, this.timeoutMs, Date.now() + this.timeoutMs);
      return this.started('attached', host, port, version, async () => ({ state: 'stopped' }));
    }
    return this.startContainer(this.config, ctx);
  }

  private started(how: StartedTrexServer['how'], host: string, port: number, version: string, stop: () => Promise<StoppedTrexServer>): StartedTrexServer {
    const timeoutMs = this.timeoutMs;
    let stopping: Promise<StoppedTrexServer> | undefined;
    return {
      state: 'started',
      how,
      host,
      rpcPort: port,
      endpoint: `tcp://${host}:${port}`,
      version,
      connect: () => TrexStlClient.connect({ host, syncPort: port, timeoutMs, user: 'dplab' }),
      stop: () => (stopping ??= stop()),
    };
  }

  private async startContainer(c: TrexContainerConfig, ctx: RunContext): Promise<StartedTrexServer> {
    containerRuntimeEnv();
    const { GenericContainer } = await import('testcontainers');
    const port = c.rpcPort ?? DEFAULT_RPC_PORT;
    const cfgFile = join(ctx.outDir, 'trex_cfg.yaml');
    writeFileSync(cfgFile, renderTrexCfg(c));
    const logFile = join(ctx.logDir, 'trex-server.log');
    const log = createWriteStream(logFile);
    const tail: string[] = [];
    let exited = false;
    const consume = (stream: Readable) => {
      stream.on('data', (chunk: Buffer | string) => {
        log.write(chunk);
        tail.push(...String(chunk).split('\n').filter(Boolean));
        tail.splice(0, Math.max(0, tail.length - 5));
      });
      stream.on('end', () => {
        exited = true;
      });
    };
    // From here a signal must remove the container too (the caller registers its own teardown
    // only once the server is healthy, which can take minutes).
    const forget = onTeardown(`TRex container of run ${ctx.runId}`, () => removeRunContainers(ctx.runId));
    let container;
    try {
      let spec = new GenericContainer(c.image);
      // DPDK wants hugepages, the NICs' PCI devices and vfio: privileged unless the lab says which capabilities.
      spec = c.privileged === false ? spec.withAddedCapabilities(...(c.capabilities ?? [])) : spec.withPrivilegedMode();
      container = await spec
        .withNetworkMode('host')
        .withBindMounts([{ source: cfgFile, target: '/etc/trex_cfg.yaml', mode: 'ro' }])
        .withCommand([...(c.command ?? DEFAULT_COMMAND)])
        .withLabels({ 'dplab.run': ctx.runId })
        .withName(`dplab-${ctx.runId}-trex`)
        .withLogConsumer(consume)
        .start();
    } catch (e) {
      log.end();
      await removeRunContainers(ctx.runId).catch(() => undefined);
      forget();
      const msg = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
      const missing = c.privileged === false ? [] : missingCapabilities();
      const hint =
        /apply caps/.test(msg) && missing.length
          ? `: this host cannot start privileged containers (its capability bounding set lacks ${missing.join(', ')}); set privileged: false and list the capabilities the server needs`
          : `: ${msg}`;
      throw new TrexServerError(`TRex container from image ${c.image}${hint}`);
    }
    const running = container;
    const stop = async (): Promise<StoppedTrexServer> => {
      await running.stop({ timeout: 10_000 }).catch(() => undefined);
      forget();
      log.end();
      return { state: 'stopped', logFile };
    };
    try {
      const deadline = Date.now() + (c.startupTimeoutS ?? 120) * 1000;
      const version = await healthCheck('127.0.0.1', port, Math.min(this.timeoutMs, 1000), deadline, () =>
        exited ? `the container exited: ${tail.at(-1) ?? '(no output)'} (log: ${logFile})` : undefined,
      );
      ctx.log(`TRex ${version} in container ${running.getId().slice(0, 12)} (${c.image}), RPC on port ${port}, log ${logFile}`);
      return this.started('container', '127.0.0.1', port, version, stop);
    } catch (e) {
      await stop();
      throw e;
    }
  }
}

/**
 * Waits until the RPC port answers `get_version` (each try bounded by `tryMs`) or the deadline
 * passes; `gone()` names a reason to stop waiting early (the server process ended).
 */
async function healthCheck(host: string, port: number, tryMs: number, deadline: number, gone: () => string | undefined = () => undefined): Promise<string> {
  const endpoint = `tcp://${host}:${port}`;
  for (;;) {
    const rpc = new RpcChannel({ endpoint, timeoutMs: tryMs });
    try {
      const v = await rpc.call<{ version: string }>('get_version', {});
      return v.version;
    } catch (e) {
      const why = gone();
      if (why) throw new TrexServerError(`TRex server at ${endpoint}: ${why}`);
      if (Date.now() >= deadline)
        throw new TrexServerError(
          `TRex server at ${endpoint}: no answer on its RPC port within the startup timeout (${e instanceof Error ? e.message : String(e)})`,
        );
    } finally {
      rpc.close();
    }
    await sleep(200);
  }
}
