import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { ControllerChannel, Datapath, DatapathCapacity, DatapathStats, FeatureMap, FeatureSupport, MissLog, PortStats, ProbeResult, StartedDatapath, StoppedDatapath } from '../../harness/datapath/datapath.js';
import { loadCatalogue } from '../../harness/features/catalogue.js';
import { PacketInLog } from '../../harness/datapath/packet-in-log.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { parseOdpFlowDump } from '../../harness/odp/parse.js';
import type { FlowRule } from '../../harness/openflow/rule.js';
import { REPO_ROOT } from '../../harness/runner/identity.js';
import type { RunContext } from '../../harness/run/run-context.js';
import { probeBpf } from '../../harness/system/host-probe.js';
import { linkCounters, type LinkCounters } from '../../harness/system/link-counters.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { parseDpctlShow } from '../ovs/stats.js';
import { AgentClient } from './agent-client.js';
import { attachPeerXdpPass, detachPeerXdpPass } from '../../topologies/veth-xdp-pass.js';
import { encodeRule } from './rule-encoding.js';

export const AGENT = join(REPO_ROOT, 'build/bin/dplab-ebpf-agent');
const READY_TIMEOUT_MS = 15_000;

/** What dplab's eBPF datapath does not do (yet); everything else in the catalogue it does. */
const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  ct: 'no conntrack action in the eBPF datapath',
  'ct.nat': 'no conntrack/NAT action in the eBPF datapath',
  'ct.zone_limit': 'no conntrack in the eBPF datapath',
  'tunnel.vxlan': 'no tunnel ports in the eBPF datapath',
  'tunnel.geneve': 'no tunnel ports in the eBPF datapath',
  'tunnel.gre': 'no tunnel ports in the eBPF datapath',
  'tunnel.srv6': 'no tunnel ports in the eBPF datapath',
  meter: 'no meters in the eBPF datapath',
  check_pkt_len: 'no check_pkt_len action in the eBPF datapath',
  mpls: 'no MPLS in the eBPF datapath flow key',
  recirc: 'no recirculation in the eBPF datapath',
};

async function portStats(netns: string, topology: StartedTopology): Promise<PortStats[]> {
  const links = await linkCounters(netns).catch(() => new Map<string, LinkCounters>());
  const none: LinkCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };
  return topology.dutPorts.map((p) => ({ name: p.name, ofport: p.ofport, ...(links.get(p.ifname) ?? none) }));
}

function waitReady(child: ChildProcess, log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`ebpf agent not ready in ${READY_TIMEOUT_MS} ms (log ${log})`)), READY_TIMEOUT_MS);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes(': ready on ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ebpf agent exited (${code}): ${err.trim().split('\n').slice(-1)[0] ?? ''}`));
    });
  });
}

/** The TC datapath alone (`ebpf`), or with its XDP front end on the DUT ports (`ebpf-xdp`). */
function ebpfBackend(xdp: boolean): Datapath {
  const id = xdp ? 'ebpf-xdp' : 'ebpf';
  return {
  id,
  description: xdp
    ? "dplab's eBPF datapath with the XDP front end: XDP-safe megaflows in XDP, the rest in TC, C agent slow path"
    : "dplab's eBPF datapath: TC ingress fast path (megaflows) + C agent slow path",
  async probe(): Promise<ProbeResult> {
    const versions: Record<string, string> = { kernel: release() };
    if (!existsSync(AGENT)) return { backend: id, available: false, reason: `agent not built (${AGENT}); run npm run build`, versions };
    const bpf = await probeBpf();
    if (!bpf.syscall) return { backend: id, available: false, reason: 'no bpf() syscall on this kernel', versions };
    if (!bpf.btf) return { backend: id, available: false, reason: 'kernel has no BTF (/sys/kernel/btf/vmlinux)', versions };
    if (!bpf.mapTypes.has('ringbuf')) return { backend: id, available: false, reason: 'kernel has no BPF ring buffer (needs >= 5.8)', versions };
    return { backend: id, available: true, versions, product: `${xdp ? 'ebpf-xdp' : 'ebpf-tc'}/dplab/linux-${release()}` };
  },
  async start(topology: StartedTopology, ctx: RunContext): Promise<StartedDatapath> {
    const dir = join(ctx.stateDir, 'ebpf');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await mkdir(ctx.logDir, { recursive: true });
    const sock = join(dir, 'agent.sock');
    const logFile = join(ctx.logDir, 'ebpf-agent.log');
    const args = ['netns', 'exec', topology.dutNetns, AGENT, '--socket', sock, ...topology.dutPorts.flatMap((p) => ['--port', `${p.ofport}=${p.ifname}`]), ...(xdp ? ['--xdp'] : [])];
    if (xdp) await attachPeerXdpPass(topology.endpoints);
    const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = createWriteStream(logFile);
    child.stderr?.pipe(log);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let stopping: Promise<StoppedDatapath> | undefined;
    let control: AgentClient | undefined;
    let events: AgentClient | undefined;
    const stop = (): Promise<StoppedDatapath> =>
      (stopping ??= (async () => {
        control?.close();
        events?.close();
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        }
        if (xdp) await detachPeerXdpPass(topology.endpoints);
        return { state: 'stopped', id } as const;
      })());
    try {
      await waitReady(child, logFile);
      control = await AgentClient.connect(sock);
      const packetIns = new PacketInLog();
      events = await AgentClient.connect(sock, (line) => {
        const [, port, reason, hex] = line.split(' ');
        packetIns.push({ inPort: Number(port), reason: reason ?? 'action', data: Buffer.from(hex ?? '', 'hex') });
      });
      await events.command('subscribe');
      const c = control;
      // The XDP mode each port really got, e.g. `ebpf-xdp-native`.
      const modes = [...new Set((await c.command('ports')).map((l) => /xdp=(\w+)/.exec(l)?.[1] ?? 'none'))];
      const started: StartedDatapath = {
        state: 'started',
        id,
        product: `${xdp ? `ebpf-xdp-${modes.join('+')}` : 'ebpf-tc'}/dplab/linux-${release()}`,
        versions: { kernel: release() },
        async features(): Promise<FeatureMap> {
          return Object.fromEntries(
            loadCatalogue().features.map((f): [string, FeatureSupport] => {
              const why = NOT_IMPLEMENTED[f.id];
              return [f.id, why ? { supported: false, reason: why } : { supported: true, how: 'dplab eBPF datapath' }];
            }),
          );
        },
        async applyPipeline(rules: readonly FlowRule[]): Promise<void> {
          await c.command('pipeline', ...rules.map(encodeRule), 'end');
        },
        async dumpFlows(): Promise<DatapathFlow[]> {
          return parseOdpFlowDump((await c.command('flow-dump')).join('\n'), 'ebpf flow-dump');
        },
        async flushFlows(): Promise<void> {
          await c.command('flow-flush');
        },
        datapathLevel: {
          async ports(): Promise<Record<string, number>> {
            // The agent numbers ports as the topology's OpenFlow ports: `port N IFNAME IFINDEX`.
            const byIf = new Map((await c.command('ports')).map((l) => l.split(' ')).map((w) => [w[2], Number(w[1])]));
            return Object.fromEntries(topology.dutPorts.map((p) => [p.name, byIf.get(p.ifname) ?? -1]));
          },
          async putFlow(odp: string): Promise<void> {
            await c.command(`flow-put ${odp.replace(/\s*\n\s*/g, ' ')}`);
          },
          async delFlow(key: string): Promise<void> {
            await c.command(`flow-del ${key.replace(/\s*\n\s*/g, ' ')}`);
          },
          async missKeys(): Promise<MissLog> {
            // `miss SEQ KEY`, the last 256 misses.
            const lines = (await c.command('miss-log')).map((l) => l.split(' '));
            const last = lines[lines.length - 1];
            return { count: last ? Number(last[1]) + 1 : 0, keys: lines.map((w) => w.slice(2).join(' ')) };
          },
        },
        async stats(): Promise<DatapathStats> {
          const text = (await c.command('stats')).join('\n');
          const upcalls = /^upcalls: (\d+)$/m.exec(text);
          if (!upcalls) throw new Error(`ebpf agent stats: no upcalls line in ${JSON.stringify(text)}`);
          return { ...parseDpctlShow(text), upcalls: Number(upcalls[1]), ports: await portStats(topology.dutNetns, topology) };
        },
        async capacity(): Promise<DatapathCapacity> {
          const text = (await c.command('stats')).join('\n');
          const m = /^capacity: flows (\d+) masks (\d+)$/m.exec(text);
          if (!m) throw new Error(`ebpf agent stats: no capacity line in ${JSON.stringify(text)}`);
          return { flows: Number(m[1]), masks: Number(m[2]), source: 'ebpf agent: the flows and masks maps\' max_entries' };
        },
        async openController(): Promise<ControllerChannel> {
          return packetIns.channel();
        },
        stop,
      };
      return started;
    } catch (e) {
      await stop();
      throw e;
    }
  },
};
}

export const ebpfDatapath: Datapath = ebpfBackend(false);
export const ebpfXdpDatapath: Datapath = ebpfBackend(true);
