import { existsSync } from 'node:fs';
import { release } from 'node:os';
import type { Datapath, ProbeResult, StartedDatapath, StoppedDatapath } from '../../harness/datapath/datapath.js';
import { PacketInLog } from '../../harness/datapath/packet-in-log.js';
import type { RunContext } from '../../harness/run/run-context.js';
import { probeBpf } from '../../harness/system/host-probe.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { AgentClient } from './agent-client.js';
import { agentDatapath } from './agent-datapath.js';
import { AGENT, startAgent, type StartedAgent } from './agent-process.js';

export { AGENT };

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
      let agent: StartedAgent | undefined;
      let control: AgentClient | undefined;
      let events: AgentClient | undefined;
      let stopping: Promise<StoppedDatapath> | undefined;
      const stop = (): Promise<StoppedDatapath> =>
        (stopping ??= (async () => {
          control?.close();
          events?.close();
          await agent?.stop();
          return { state: 'stopped', id } as const;
        })());
      try {
        agent = await startAgent(topology, ctx, xdp);
        control = await AgentClient.connect(agent.sock);
        const packetIns = new PacketInLog();
        // A second connection carries the packet-ins of `controller` actions as they come.
        events = await AgentClient.connect(agent.sock, (line) => {
          const [, port, reason, hex] = line.split(' ');
          packetIns.push({ inPort: Number(port), reason: reason ?? 'action', data: Buffer.from(hex ?? '', 'hex') });
        });
        await events.command('subscribe');
        // The XDP mode each port really got, e.g. `ebpf-xdp-native`.
        const modes = [...new Set((await control.command('ports')).map((l) => /xdp=(\w+)/.exec(l)?.[1] ?? 'none'))];
        const product = `${xdp ? `ebpf-xdp-${modes.join('+')}` : 'ebpf-tc'}/dplab/linux-${release()}`;
        return agentDatapath({ id, product, versions: { kernel: release() }, topology, control, packetIns, stop });
      } catch (e) {
        await stop();
        throw e;
      }
    },
  };
}

export const ebpfDatapath: Datapath = ebpfBackend(false);
export const ebpfXdpDatapath: Datapath = ebpfBackend(true);
