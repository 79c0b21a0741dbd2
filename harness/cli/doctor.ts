import { BACKENDS } from '../../datapaths/registry.js';
import type { ProbeResult } from '../datapath/datapath.js';
import { hostChecks, type HostCheck } from '../system/host-probe.js';
import { softGeneratorRefusal } from '../traffic/soft/generator-probe.js';
import { loadTopologyOrUsage } from './topology-arg.js';
import { trexTimeoutMs } from './generator-arg.js';
import { EXIT, UsageError } from './errors.js';
import { checkNicPorts, type PortCheck } from '../../topologies/nic-checks.js';
import type { NicTopologySpec } from '../../topologies/topology.js';
import { checkTrexPorts } from '../traffic/trex/port-checks.js';
import { TrexStlClient } from '../traffic/trex/stl-client.js';
import { parseTrexAddress } from '../traffic/trex/trex-cfg.js';

export interface DoctorReport {
  readonly checks: readonly HostCheck[];
  readonly backends: readonly ProbeResult[];
  readonly topology?: {
    readonly name: string;
    readonly source: string;
    readonly kind: string;
    readonly ports?: readonly PortCheck[];
    /** The lab's TRex server, when one is given: reachable, version, and its generator ports. */
    readonly trex?: { readonly server: string; readonly ok: boolean; readonly detail: string; readonly ports?: readonly PortCheck[] };
  };
}

/** The TRex server of a lab topology, asked over RPC; a container started per run is not checked. */
async function trexChecks(
  spec: NicTopologySpec,
  address: string | undefined,
  timeoutMs: number,
): Promise<NonNullable<NonNullable<DoctorReport['topology']>['trex']> | undefined> {
  const configured = spec.generator.trex;
  const addr = address ?? (configured && 'address' in configured ? configured.address : undefined);
  if (!addr) {
    if (configured && 'image' in configured)
      return { server: `image ${configured.image}`, ok: true, detail: 'started per run from this image; not checked here' };
    return undefined;
  }
  let where: { host: string; port: number };
  try {
    where = parseTrexAddress(addr, address ? '--trex' : `${spec.name}: generator.trex.address`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const server = `${where.host}:${where.port}`;
  let client: TrexStlClient | undefined;
  try {
    client = await TrexStlClient.connect({ host: where.host, syncPort: where.port, timeoutMs, user: 'dplab' });
    const v = await client.version();
    return { server, ok: true, detail: `TRex ${v.version} (${v.mode})`, ports: await checkTrexPorts(client, spec) };
  } catch (e) {
    return { server, ok: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    await client?.close();
  }
}

/** Whether the soft generator can send here (benchmarks on veth): asked by sending, so only as root. */
async function generatorCheck(): Promise<HostCheck[]> {
  if (process.getuid?.() !== 0) return [];
  const refused = await softGeneratorRefusal().catch((e: unknown) => `probe failed: ${e instanceof Error ? e.message : String(e)}`);
  return [{ name: 'soft-generator', ok: refused === undefined, detail: refused ?? 'sends (BPF_PROG_RUN with live frames)' }];
}

/**
 * Probes the host and every backend, and checks a lab topology's DUT ports on this host and its
 * TRex server's ports; exit 0 when at least one backend can run and every checked port is ready.
 */
export async function doctorCommand(o: { json?: boolean; topology?: string; trex?: string; trexTimeout: string }): Promise<number> {
  const topology = o.topology ? loadTopologyOrUsage(o.topology) : undefined;
  if (o.trex && topology?.spec.kind !== 'nic') throw new UsageError('--trex: only with --topology of a lab (nic) topology');
  const timeoutMs = trexTimeoutMs(o.trexTimeout);
  const [host, backends] = await Promise.all([hostChecks(), Promise.all(BACKENDS.map((b) => b.probe()))]);
  const checks = [...host, ...(await generatorCheck())];
  const ports = topology?.spec.kind === 'nic' ? checkNicPorts(topology.spec) : undefined;
  const trex = topology?.spec.kind === 'nic' ? await trexChecks(topology.spec, o.trex, timeoutMs) : undefined;
  const report: DoctorReport = {
    checks,
    backends,
    ...(topology
      ? { topology: { name: topology.spec.name, source: topology.source, kind: topology.spec.kind, ...(ports ? { ports } : {}), ...(trex ? { trex } : {}) } }
      : {}),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const w = (s: string) => process.stdout.write(`${s}\n`);
    w('host:');
    for (const c of checks) w(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(18)} ${c.detail}`);
    w('backends:');
    for (const b of backends) {
      const versions = Object.entries(b.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      w(
        `  ${b.available ? 'can run ' : 'cannot  '} ${b.backend.padEnd(8)} ${b.available ? (b.product ?? '') : (b.reason ?? '')}${versions ? `  [${versions}]` : ''}`,
      );
    }
    if (topology) w(`topology: ${topology.spec.name} (${topology.spec.kind}) from ${topology.source}: valid`);
    for (const c of ports ?? []) w(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.port.padEnd(8)} ${c.detail}`);
    if (trex) w(`  ${trex.ok ? 'ok  ' : 'FAIL'} ${'trex'.padEnd(8)} ${trex.server}: ${trex.detail}`);
    for (const c of trex?.ports ?? []) w(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.port.padEnd(8)} ${c.detail}`);
  }
  const ready = [...(ports ?? []), ...(trex ? [trex] : []), ...(trex?.ports ?? [])].every((c) => c.ok);
  return backends.some((b) => b.available) && ready ? EXIT.ok : EXIT.environment;
}
