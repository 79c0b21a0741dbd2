import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { exec } from '../../harness/system/exec.js';
import type { QosSpec } from '../../harness/datapath/datapath.js';
import type { StartedTopology } from '../../topologies/topology.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';

/**
 * Per-port QoS of the switch: scalar Interface columns (ingress_policing_rate/burst) and egress
 * QoS rows with queues (linux-htb ...). reset() puts back the columns' earlier values and
 * removes the QoS rows, so ovs-vswitchd takes the policer and the qdisc off the port again.
 */
export function ovsPortQos(ovs: StartedOvsDaemons, topology: StartedTopology) {
  const ifname = (port: string): string => {
    const p = topology.dutPorts.find((d) => d.name === port);
    if (!p) throw new Error(`no DUT port '${port}' (ports: ${topology.dutPorts.map((d) => d.name).join(', ')})`);
    return p.ifname;
  };
  /** Interface -> column -> value before the first change. */
  const saved = new Map<string, Map<string, string>>();
  const qosPorts = new Set<string>();
  return {
    async setInterface(port: string, columns: Readonly<Record<string, string | number>>): Promise<void> {
      const name = ifname(port);
      const before = saved.get(name) ?? new Map<string, string>();
      saved.set(name, before);
      for (const col of Object.keys(columns)) {
        if (col.includes(':')) throw new Error(`setInterface: '${col}' is a map key; only scalar columns are restored by reset()`);
        if (!before.has(col)) before.set(col, (await ovs.vsctl(['get', 'Interface', name, col])).stdout.trim());
      }
      await ovs.vsctl(['set', 'Interface', name, ...Object.entries(columns).map(([k, v]) => `${k}=${v}`)]);
    },
    async setQos(port: string, q: QosSpec): Promise<void> {
      const name = ifname(port);
      qosPorts.add(name);
      const queues = Object.entries(q.queues);
      await ovs.vsctl([
        '--',
        'set',
        'Port',
        name,
        'qos=@q',
        '--',
        '--id=@q',
        'create',
        'QoS',
        `type=${q.type}`,
        ...Object.entries(q.otherConfig).map(([k, v]) => `other_config:${k}=${v}`),
        ...queues.map(([n]) => `queues:${n}=@q${n}`),
        ...queues.flatMap(([n, cfg]) => ['--', `--id=@q${n}`, 'create', 'Queue', ...Object.entries(cfg).map(([k, v]) => `other_config:${k}=${v}`)]),
      ]);
    },
    async qosShow(port: string): Promise<string> {
      return (await ovs.appctl(['qos/show', ifname(port)], { allowFail: true })).stdout;
    },
    async reset(): Promise<void> {
      for (const [name, cols] of saved) await ovs.vsctl(['set', 'Interface', name, ...[...cols].map(([k, v]) => `${k}=${v}`)]);
      saved.clear();
      if (qosPorts.size === 0) return;
      await ovs.vsctl([...[...qosPorts].flatMap((n) => ['--', 'clear', 'Port', n, 'qos']), '--', '--all', 'destroy', 'QoS', '--', '--all', 'destroy', 'Queue']);
      qosPorts.clear();
    },
  };
}

/** What the QoS features of an OVS backend depend on: read from the running switch and kernel. */
export interface OvsQosProbe {
  readonly datapathType: 'system' | 'netdev';
  /** A DUT port's interface and its type (`ovs-vsctl get Interface IF type`; "" is a system port). */
  readonly port: string;
  readonly portType: string;
  /** `ovs-appctl qos/show-types PORT`. */
  readonly qosTypes: readonly string[];
  /** Kernel modules by name: where found (loaded, built in, loadable), undefined when absent. */
  readonly modules: Readonly<Record<string, string | undefined>>;
}

/**
 * Where a kernel module is: loaded (or built in with parameters), built in, loadable by the
 * module loader the kernel itself calls (/proc/sys/kernel/modprobe: in a dplab guest a wrapper
 * that finds the guest kernel's own tree), or undefined (absent).
 */
async function kernelModule(name: string): Promise<string | undefined> {
  if (existsSync(`/sys/module/${name}`)) return 'loaded or built in (/sys/module)';
  const builtin = await readFile(`/lib/modules/${release()}/modules.builtin`, 'utf8').catch(() => '');
  if (new RegExp(`/${name}\\.ko$`, 'm').test(builtin)) return 'built in (modules.builtin)';
  const loader = (await readFile('/proc/sys/kernel/modprobe', 'utf8').catch(() => '')).trim() || 'modprobe';
  const r = await exec(loader, ['-n', '-q', name], { allowFail: true }).catch(() => undefined);
  return r?.code === 0 ? `loadable (${loader} -n ${name})` : undefined;
}

export async function probeOvsQos(ovs: StartedOvsDaemons, topology: StartedTopology, datapathType: 'system' | 'netdev'): Promise<OvsQosProbe> {
  const port = topology.dutPorts[0]?.ifname ?? '';
  const [type, types, police, htb] = await Promise.all([
    ovs.vsctl(['get', 'Interface', port, 'type']),
    ovs.appctl(['qos/show-types', port], { allowFail: true }),
    kernelModule('act_police'),
    kernelModule('sch_htb'),
  ]);
  return {
    datapathType,
    port,
    portType: type.stdout.trim().replace(/"/g, ''),
    qosTypes: [...types.stdout.matchAll(/^QoS type: (\S+)/gm)].map((m) => m[1] ?? ''),
    modules: { act_police: police, sch_htb: htb },
  };
}
