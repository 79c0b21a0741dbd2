import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatapathLevel, MissLog, SecondDatapath } from '../../harness/datapath/datapath.js';
import { runNames } from '../../harness/run/run-context.js';
import type { StartedTopology } from '../../topologies/topology.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';

/** `port N: IFNAME ...` lines of `ovs-appctl dpctl/show`: datapath port numbers by interface. */
export function parseDpctlPorts(show: string): Map<string, number> {
  return new Map([...show.matchAll(/^\s*port (\d+): (\S+)/gm)].map((m) => [m[2] as string, Number(m[1])]));
}

/**
 * Miss upcall keys from ovs-vswitchd's log with `dpif` (kernel datapath) and `dpif_netdev`
 * (userspace datapath) at debug level: each upcall is logged as `...|DBG|DP: miss upcall:`, then
 * the flow key on its own line, then the packet.
 */
export function parseMissUpcalls(log: string): string[] {
  const lines = log.split('\n');
  const keys: string[] = [];
  for (const [i, l] of lines.entries()) {
    if (/\|DBG\|[^|]*: miss upcall:$/.test(l) && lines[i + 1]) keys.push((lines[i + 1] as string).trim());
  }
  return keys;
}

async function readFrom(file: string, offset: number): Promise<string> {
  const f = await open(file, 'r');
  try {
    const size = (await f.stat()).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    await f.read(buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    await f.close();
  }
}

/** Split `KEY actions:ACTIONS` (the form dumps print) into what `dpctl/add-flow` takes. */
function splitFlow(odp: string): [string, string] {
  const at = odp.lastIndexOf(' actions:');
  if (at < 0) throw new Error(`flow-put: no ' actions:' in '${odp}'`);
  return [odp.slice(0, at).replace(/,\s*$/, '').trim(), odp.slice(at + ' actions:'.length).trim()];
}

/** The datapath ovs-vswitchd keeps for all bridges of a type: `system@ovs-system`, `netdev@ovs-netdev`. */
export function ovsDatapathName(datapathType: 'system' | 'netdev'): string {
  return `${datapathType}@ovs-${datapathType}`;
}

/** OVS's datapath level, for the kernel and userspace datapaths alike: `ovs-appctl dpctl/*`. */
export interface OvsDatapathLevel extends DatapathLevel {
  /** Lets the revalidators run as usual again (called when a pipeline is applied). */
  release(): Promise<void>;
}

export function ovsDatapathLevel(ovs: StartedOvsDaemons, topology: StartedTopology, tag: string, datapathType: 'system' | 'netdev'): OvsDatapathLevel {
  // OVS's own datapath of the type, named in every dpctl command: with a second datapath beside
  // it (dp.multi), a command without a name is refused ("multiple datapaths, specify one").
  const own = ovsDatapathName(datapathType);
  let held = false;
  let logStart: number | undefined;
  // dpctl/add-flow and del-flow: a refusal becomes an error naming the command and OVS's reason.
  const dpctl = async (command: string, ...args: string[]) => {
    const r = await ovs.appctl([`dpctl/${command}`, ...args], { allowFail: true });
    if (r.code !== 0) throw new Error(`${tag}: dpctl/${command}: ${(r.stderr.trim() || r.stdout.trim()).split('\n')[0]}`);
  };
  return {
    async ports() {
      const byIf = parseDpctlPorts((await ovs.appctl(['dpctl/show', own])).stdout);
      return Object.fromEntries(topology.dutPorts.map((p) => [p.name, byIf.get(p.ifname) ?? -1]));
    },
    async putFlow(odp) {
      const [key, actions] = splitFlow(odp.replace(/\s*\n\s*/g, ' '));
      const add = () => dpctl('add-flow', own, key, actions);
      if (held) return add();
      // Revalidators delete datapath flows that ovs-vswitchd did not install (it has no ukey for
      // them): hold them off for an hour. A revalidator already asleep wakes once more on its old
      // timer (500 ms by default), and the reconfiguration itself may start a round, later on a
      // slow guest. (`revalidator/wait` can block for the whole new interval when the revalidator
      // re-arms before its old timer.) So the first flow is put until it survives such a round:
      // with no traffic, nothing else adds or removes flows meanwhile.
      await ovs.vsctl(['set', 'Open_vSwitch', '.', 'other_config:max-revalidator=3600000', 'other_config:max-idle=3600000']);
      await sleep(1000);
      held = true;
      const count = async () => (await ovs.appctl(['dpctl/dump-flows', own])).stdout.split('\n').filter((l) => l.trim()).length;
      for (let attempt = 1; ; attempt += 1) {
        const before = await count();
        await add();
        await sleep(1500);
        if ((await count()) > before) return;
        if (attempt === 4) throw new Error(`${tag}: dpctl/add-flow: the flow was removed again ${attempt} times (revalidators not held off)`);
      }
    },
    async delFlow(key) {
      await dpctl('del-flow', own, key.replace(/\s*\n\s*/g, ' '));
    },
    async missKeys(): Promise<MissLog> {
      if (logStart === undefined) {
        await ovs.appctl(['vlog/set', 'dpif:file:dbg', 'dpif_netdev:file:dbg']);
        logStart = (await stat(ovs.vswitchdLog)).size;
      }
      const keys = parseMissUpcalls(await readFrom(ovs.vswitchdLog, logStart));
      return { count: keys.length, keys };
    },
    async secondDatapath(): Promise<SecondDatapath> {
      // Named with the run id, as everything a run creates: the kernel gives the datapath an
      // internal port of that name in the DUT namespace, the userspace one a tap.
      const name = `${datapathType}@${runNames.link(topology.runId, 'sdp')}`;
      await dpctl('add-dp', name);
      return {
        name,
        listed: async () => (await ovs.appctl(['dpctl/dump-dps'])).stdout.split('\n').filter((l) => l.trim() !== ''),
        putFlow: async (odp) => {
          const [key, actions] = splitFlow(odp);
          await dpctl('add-flow', name, key, actions);
        },
        dumpFlows: async () => (await ovs.appctl(['dpctl/dump-flows', name])).stdout.split('\n').filter((l) => l.trim() !== ''),
        remove: () => dpctl('del-dp', name),
      };
    },
    async release() {
      if (!held) return;
      await ovs.vsctl(['remove', 'Open_vSwitch', '.', 'other_config', 'max-revalidator', 'max-idle']);
      held = false;
    },
  };
}
