import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import type { ConntrackLevel } from '../../harness/datapath/datapath.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';

/**
 * The datapath's connection tracker as ovs-vswitchd exposes it (`dpctl/*-conntrack`, zone limits,
 * timeout policies in the database): the kernel's conntrack for the system datapath, OVS's own for
 * the userspace one.
 *
 * Timeout policies live in the database under the datapath type's Datapath row
 * (Open_vSwitch:datapaths:TYPE -> Datapath:ct_zones:ZONE -> CT_Zone:timeout_policy), and
 * `ovs-vsctl add-zone-tp TYPE` refuses to add one while that row does not exist, so the first
 * policy creates it (as OVS's own tests do); reset() removes what it created.
 */
export function ovsConntrack(ovs: StartedOvsDaemons, datapathType: 'system' | 'netdev'): ConntrackLevel & { reset(): Promise<void> } {
  const limited = new Set<number>();
  const policies = new Set<number>();
  let createdDatapathRow = false;
  const hasDatapathRow = async (): Promise<boolean> => {
    const r = await ovs.vsctl(['get', 'Open_vSwitch', '.', 'datapaths']);
    return new RegExp(`(^|[{,\\s])"?${datapathType}"?=`).test(r.stdout);
  };
  return {
    async entries(zone?: number): Promise<string[]> {
      const r = await ovs.appctl(['dpctl/dump-conntrack', ...(zone !== undefined ? [`zone=${zone}`] : [])]);
      return r.stdout.split('\n').filter((l) => l.trim() !== '');
    },
    async flush(): Promise<void> {
      await ovs.appctl(['dpctl/flush-conntrack']);
    },
    async setZoneLimit(zone: number, limit: number): Promise<void> {
      limited.add(zone);
      await ovs.appctl(['dpctl/ct-set-limits', `zone=${zone},limit=${limit}`]);
    },
    async setTimeoutPolicy(zone: number, timeouts: Readonly<Record<string, number>>): Promise<void> {
      if (!(await hasDatapathRow())) {
        await ovs.vsctl(['--', '--id=@dp', 'create', 'Datapath', 'datapath_version=0', '--', 'set', 'Open_vSwitch', '.', `datapaths:${datapathType}=@dp`]);
        createdDatapathRow = true;
      }
      policies.add(zone);
      const tp = Object.entries(timeouts).map(([k, v]) => `${k}=${v}`);
      await ovs.vsctl(['--may-exist', 'add-zone-tp', datapathType, `zone=${zone}`, ...tp]);
    },
    /** Flushes every connection and removes the limits, policies (and the Datapath row) set since the last reset. */
    async reset(): Promise<void> {
      for (const z of policies) await ovs.vsctl(['--if-exists', 'del-zone-tp', datapathType, `zone=${z}`]);
      if (createdDatapathRow) await ovs.vsctl(['remove', 'Open_vSwitch', '.', 'datapaths', datapathType]);
      if (limited.size) await ovs.appctl(['dpctl/ct-del-limits', `zone=${[...limited].join(',')}`]);
      await ovs.appctl(['dpctl/flush-conntrack']);
      limited.clear();
      policies.clear();
      createdDatapathRow = false;
    },
  };
}

/** What the connection tracker's fragment handling answers, for the ct.frag/ct.frag6 features. */
export interface CtProbe {
  readonly datapathType: 'system' | 'netdev';
  /** `ovs-appctl dpctl/ipf-get-status` (the userspace datapath's fragment reassembly), or its error. */
  readonly ipfStatus: string;
  /**
   * The kernel's defragmenters ct() uses on the system datapath: for nf_defrag_ipv4 and
   * nf_defrag_ipv6, where the running kernel has it (/sys/module, modules.builtin) or why not.
   */
  readonly kernelDefrag: { readonly v4: true | string; readonly v6: true | string };
}

async function kernelModule(name: string): Promise<true | string> {
  if (existsSync(`/sys/module/${name}`)) return true;
  const builtin = await readFile(`/lib/modules/${release()}/modules.builtin`, 'utf8').catch(() => '');
  if (new RegExp(`/${name}\\.ko$`, 'm').test(builtin)) return true;
  return `${name} is not loaded (no /sys/module/${name}) nor built into ${release()}`;
}

/** Probes the connection tracker's fragment reassembly on this datapath type. */
export async function probeConntrack(ovs: StartedOvsDaemons, datapathType: 'system' | 'netdev'): Promise<CtProbe> {
  const ipf = await ovs.appctl(['dpctl/ipf-get-status'], { allowFail: true });
  const ipfStatus = ipf.code === 0 ? ipf.stdout : `error: ${(ipf.stderr.trim() || ipf.stdout.trim()).split('\n')[0] ?? `exit ${ipf.code}`}`;
  const kernelDefrag =
    datapathType === 'system'
      ? { v4: await kernelModule('nf_defrag_ipv4'), v6: await kernelModule('nf_defrag_ipv6') }
      : { v4: 'userspace datapath', v6: 'userspace datapath' };
  return { datapathType, ipfStatus, kernelDefrag };
}
