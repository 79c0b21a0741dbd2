import type {
  ControllerChannel,
  DatapathCapacity,
  DatapathStats,
  FeatureMap,
  FeatureSupport,
  MissLog,
  PortStats,
  StartedDatapath,
  StoppedDatapath,
} from '../../harness/datapath/datapath.js';
import type { PacketInLog } from '../../harness/datapath/packet-in-log.js';
import { loadCatalogue } from '../../harness/features/catalogue.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { parseOdpFlowDump } from '../../harness/odp/parse.js';
import type { FlowRule } from '../../harness/openflow/rule.js';
import { linkCounters, type LinkCounters } from '../../harness/system/link-counters.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { parseDpctlShow } from '../ovs/stats.js';
import type { AgentClient } from './agent-client.js';
import { encodeRule } from './rule-encoding.js';

/** What dplab's eBPF datapath does not do (yet); everything else in the catalogue it does. */
const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  ct: 'no conntrack action in the eBPF datapath',
  'ct.nat': 'no conntrack/NAT action in the eBPF datapath',
  'ct.zone_limit': 'no conntrack in the eBPF datapath',
  'tunnel.vxlan': 'no tunnel ports in the eBPF datapath',
  'tunnel.geneve': 'no tunnel ports in the eBPF datapath',
  'tunnel.gre': 'no tunnel ports in the eBPF datapath',
  'tunnel.srv6': 'no tunnel ports in the eBPF datapath',
  'tunnel.vxlan6': 'no tunnel ports in the eBPF datapath',
  'tunnel.geneve6': 'no tunnel ports in the eBPF datapath',
  'tunnel.gre6': 'no tunnel ports in the eBPF datapath',
  'tunnel.erspan': 'no tunnel ports in the eBPF datapath',
  'tunnel.erspan6': 'no tunnel ports in the eBPF datapath',
  'tunnel.gtpu': 'no tunnel ports in the eBPF datapath',
  'tunnel.bareudp': 'no tunnel ports in the eBPF datapath',
  'tunnel.lisp': 'no tunnel ports in the eBPF datapath',
  'tunnel.stt': 'no tunnel ports in the eBPF datapath',
  'tunnel.stt_tso': 'no tunnel ports in the eBPF datapath',
  'tunnel.multi_vtep': 'no tunnel ports in the eBPF datapath',
  meter: 'no meters in the eBPF datapath',
  'qos.policing': 'no ingress policing in the eBPF datapath',
  'qos.shaping': 'no egress QoS in the eBPF datapath',
  sflow: 'no sFlow agent in the eBPF datapath',
  ipfix: 'no sample action or IPFIX exporter in the eBPF datapath',
  bonding: 'no bonds in the eBPF datapath',
  check_pkt_len: 'no check_pkt_len action in the eBPF datapath',
  mpls: 'no MPLS in the eBPF datapath flow key',
  recirc: 'no recirculation in the eBPF datapath',
  'dp.ufid': 'the eBPF datapath names flows by key and mask only: no UFIDs in its dumps or flow-put',
  multitable: 'the eBPF datapath has one OpenFlow table (no resubmit, goto_table or registers)',
  'group.all': 'no groups in the eBPF datapath',
  'group.select': 'no groups in the eBPF datapath',
  clone: 'no clone action in the eBPF datapath',
  truncate: 'no output truncation (max_len) in the eBPF datapath',
  learn: 'no learn action in the eBPF datapath',
  'ct.ipv6': 'no conntrack action in the eBPF datapath',
  'ct.frag': 'no conntrack (nor fragment reassembly) in the eBPF datapath',
  'ct.frag6': 'no conntrack (nor fragment reassembly) in the eBPF datapath',
  'ct.timeout': 'no conntrack in the eBPF datapath',
  'ct.nat6': 'no conntrack/NAT action in the eBPF datapath',
  sctp: 'the eBPF datapath matches SCTP ports but has no set action for them',
  'set.masked': 'no masked set actions in the eBPF datapath (its set actions write whole fields)',
  'set.arp_nd': 'no set actions for ARP, ND, IPv6 traffic class or flow label in the eBPF datapath',
  'dp.multi': 'one eBPF datapath per agent',
};

async function portStats(topology: StartedTopology): Promise<PortStats[]> {
  const links = await linkCounters(topology.dutNetns).catch(() => new Map<string, LinkCounters>());
  const none: LinkCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };
  return topology.dutPorts.map((p) => ({ name: p.name, ofport: p.ofport, ...(links.get(p.ifname) ?? none) }));
}

/** A running agent as the Datapath interface sees it: every call one command on its control socket. */
export function agentDatapath(o: {
  id: string;
  product: string;
  versions: Readonly<Record<string, string>>;
  topology: StartedTopology;
  control: AgentClient;
  packetIns: PacketInLog;
  stop: () => Promise<StoppedDatapath>;
}): StartedDatapath {
  const { id, topology, packetIns, stop } = o;
  const c = o.control;
  return {
    state: 'started',
    id,
    product: o.product,
    versions: o.versions,
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
      return { ...parseDpctlShow(text), upcalls: Number(upcalls[1]), ports: await portStats(topology) };
    },
    async capacity(): Promise<DatapathCapacity> {
      const text = (await c.command('stats')).join('\n');
      const m = /^capacity: flows (\d+) masks (\d+)$/m.exec(text);
      if (!m) throw new Error(`ebpf agent stats: no capacity line in ${JSON.stringify(text)}`);
      return { flows: Number(m[1]), masks: Number(m[2]), source: "ebpf agent: the flows and masks maps' max_entries" };
    },
    async openController(): Promise<ControllerChannel> {
      return packetIns.channel();
    },
    stop,
  };
}
