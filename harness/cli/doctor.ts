import { BACKENDS } from '../../datapaths/registry.js';
import type { ProbeResult } from '../datapath/datapath.js';
import { hostChecks, type HostCheck } from '../system/host-probe.js';
import { loadTopologyOrUsage } from './topology-arg.js';
import { EXIT } from './errors.js';
import { checkNicPorts, type PortCheck } from '../../topologies/nic-checks.js';

export interface DoctorReport {
  readonly checks: readonly HostCheck[];
  readonly backends: readonly ProbeResult[];
  readonly topology?: { readonly name: string; readonly source: string; readonly kind: string; readonly ports?: readonly PortCheck[] };
}

/**
 * Probes the host and every backend, and checks a lab topology's DUT ports on this host; exit 0
 * when at least one backend can run and every checked port is ready.
 */
export async function doctorCommand(o: { json?: boolean; topology?: string }): Promise<number> {
  const topology = o.topology ? loadTopologyOrUsage(o.topology) : undefined;
  const [checks, backends] = await Promise.all([hostChecks(), Promise.all(BACKENDS.map((b) => b.probe()))]);
  const ports = topology?.spec.kind === 'nic' ? checkNicPorts(topology.spec) : undefined;
  const report: DoctorReport = {
    checks,
    backends,
    ...(topology ? { topology: { name: topology.spec.name, source: topology.source, kind: topology.spec.kind, ...(ports ? { ports } : {}) } } : {}),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const w = (s: string) => process.stdout.write(`${s}\n`);
    w('host:');
    for (const c of checks) w(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(18)} ${c.detail}`);
    w('backends:');
    for (const b of backends) {
      const versions = Object.entries(b.versions).map(([k, v]) => `${k} ${v}`).join(', ');
      w(`  ${b.available ? 'can run ' : 'cannot  '} ${b.backend.padEnd(8)} ${b.available ? (b.product ?? '') : (b.reason ?? '')}${versions ? `  [${versions}]` : ''}`);
    }
    if (topology) w(`topology: ${topology.spec.name} (${topology.spec.kind}) from ${topology.source}: valid`);
    for (const c of ports ?? []) w(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.port.padEnd(8)} ${c.detail}`);
  }
  return backends.some((b) => b.available) && (ports ?? []).every((c) => c.ok) ? EXIT.ok : EXIT.environment;
}
