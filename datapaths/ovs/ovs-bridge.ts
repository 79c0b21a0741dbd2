import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import type { ControllerChannel, DatapathCapacity, DatapathStats, FeatureMap, StartedDatapath, StoppedDatapath } from '../../harness/datapath/datapath.js';
import { loadCatalogue } from '../../harness/features/catalogue.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { parseOdpFlowDump } from '../../harness/odp/parse.js';
import { formatOfctlFlow } from '../../harness/openflow/format.js';
import type { FlowRule } from '../../harness/openflow/rule.js';
import type { RunContext } from '../../harness/run/run-context.js';
import { runNames } from '../../harness/run/run-context.js';
import type { DutPortHandle, StartedTopology } from '../../topologies/topology.js';
import { listenOpenFlow } from './controller.js';
import { ovsFeatures } from './features.js';
import { ovsVersion } from '../../harness/system/host-probe.js';
import { startOvsDaemons, type StartedOvsDaemons } from './ovs-daemons.js';
import { parseDpctlShow, parseDumpPorts } from './stats.js';
import { ovsDatapathLevel, ovsDatapathName } from './datapath-level.js';
import { ovsSwitchLevel } from './switch-level.js';
import { probeOvsQos } from './port-qos.js';
import { probeTunnels } from './tunnel-ports.js';
import { probeConntrack } from './conntrack.js';

/** How a backend puts the DUT ports on an OVS bridge. */
export interface OvsBridgeConfig {
  readonly id: string;
  readonly datapathType: 'system' | 'netdev';
  /** `ovs-vsctl` column settings for a DUT port's Interface row, e.g. `type=afxdp`. */
  interfaceSettings(port: DutPortHandle): readonly string[];
  /** Product string once the bridge is up (e.g. with the XDP mode obtained). */
  product(ovs: StartedOvsDaemons, versions: Record<string, string>): Promise<string>;
}

/** ovs-vswitchd's flow limit when other_config:flow-limit is unset (ofproto.h: OFPROTO_FLOW_LIMIT_DEFAULT). */
const OVS_DEFAULT_FLOW_LIMIT = 200_000;

/** A set_field with a mask (`set_field:V/M->F`), in a rule's canonical text. */
const MASKED_SET_FIELD = /set_field:[^,>]*\/[^,>]*->/;

/** OpenFlow versions: packet-ins arrive over 1.0, push_vlan and friends need 1.1+. */
const OF_VERSIONS = 'OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13';

/** The bridge with every DUT port at its OpenFlow port number, and the daemon-wide settings. */
async function createBridge(ovs: StartedOvsDaemons, cfg: OvsBridgeConfig, topology: StartedTopology, bridge: string): Promise<void> {
  const cpus = availableParallelism();
  // vlan-limit 0: match as many VLAN headers as the datapath can (OVS defaults to 1).
  const global = ['other_config:vlan-limit=0'];
  // The userspace datapath polls with a PMD thread; keep it on the last CPU.
  if (cfg.datapathType === 'netdev') global.push(`other_config:pmd-cpu-mask=0x${(1 << (cpus - 1)).toString(16)}`);
  await ovs.vsctl(['set', 'Open_vSwitch', '.', ...global]);
  await ovs.vsctl(
    [
      'add-br',
      bridge,
      '--',
      'set',
      'Bridge',
      bridge,
      `datapath_type=${cfg.datapathType}`,
      'fail_mode=secure',
      `protocols=${OF_VERSIONS}`,
      ...topology.dutPorts.flatMap((p) => [
        '--',
        'add-port',
        bridge,
        p.ifname,
        '--',
        'set',
        'Interface',
        p.ifname,
        `ofport_request=${p.ofport}`,
        ...cfg.interfaceSettings(p),
      ]),
    ],
    60_000,
  );
  for (const p of topology.dutPorts) {
    const got = (await ovs.vsctl(['get', 'Interface', p.ifname, 'ofport', 'error'])).stdout.split('\n');
    if (Number(got[0]) !== p.ofport) throw new Error(`${cfg.id}: port ${p.ifname} got ofport ${got[0]} (wanted ${p.ofport}): ${got[1] ?? ''}`);
  }
}

/** dplab's OpenFlow controller on a unix socket, once ovs-vswitchd has connected to it (at most 10 s). */
async function connectController(ovs: StartedOvsDaemons, id: string, bridge: string) {
  const controller = await listenOpenFlow(join(ovs.dir, 'controller.sock'));
  try {
    await ovs.vsctl(['set-controller', bridge, controller.target]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      controller.connected,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${id}: ovs-vswitchd did not connect to dplab's controller in 10 s`)), 10_000))),
    ]).finally(() => clearTimeout(timer));
  } catch (e) {
    await controller.close();
    throw e;
  }
  return controller;
}

/** Starts private OVS daemons in the DUT namespace with one bridge holding every DUT port. */
export async function startOvsBridge(cfg: OvsBridgeConfig, topology: StartedTopology, ctx: RunContext): Promise<StartedDatapath> {
  const ovs = await startOvsDaemons({ dir: join(ctx.stateDir, `ovs-${cfg.id}`), netns: topology.dutNetns, logDir: ctx.logDir, tag: cfg.id });
  const bridge = runNames.link(topology.runId, 'br');
  let closeController: () => Promise<void> = async () => undefined;
  // One teardown, however many callers (normal end, signal handler) ask for it.
  let stopping: Promise<StoppedDatapath> | undefined;
  const stop = (): Promise<StoppedDatapath> =>
    (stopping ??= (async () => {
      await ovs.stop();
      await closeController();
      return { state: 'stopped', id: cfg.id } as const;
    })());
  try {
    await createBridge(ovs, cfg, topology, bridge);
    const controller = await connectController(ovs, cfg.id, bridge);
    closeController = () => controller.close();
    const ofctl = (args: readonly string[]) => ovs.ofctl(['-O', OF_VERSIONS, ...args]);
    const versions: Record<string, string> = { kernel: release() };
    const v = await ovsVersion();
    if (v) versions.ovs = v;
    const product = await cfg.product(ovs, versions);
    const names = new Map(topology.dutPorts.map((p) => [p.ofport, p.name]));

    // revalidator/purge drops the datapath flows *and* the upcall handler's ukeys; dpctl/del-flows
    // alone leaves the ukeys, and ovs-vswitchd then refuses to reinstall the same megaflow.
    const dpLevel = ovsDatapathLevel(ovs, topology, cfg.id, cfg.datapathType);
    const flushFlows = async () => {
      await dpLevel.release();
      await ovs.appctl(['revalidator/purge']);
    };
    // A rule is sent in OpenFlow 1.0 (+NXM) when it can be: there mod_vlan_vid modifies an
    // existing tag and strip_vlan needs no VLAN match, as ovs-ofctl(8) documents. Rules that
    // need 1.1+ (push_vlan, set_field on OXM fields) go in 1.3.
    const addFlow = async (text: string) => {
      // OpenFlow 1.0 has no masked set_field: OVS's encoder would turn it into an unmasked
      // mod_dl_dst and the like without a word (ofp-actions.c, set_field_to_legacy_openflow).
      if (MASKED_SET_FIELD.test(text)) return void (await ovs.ofctl(['-O', 'OpenFlow13', 'add-flow', bridge, text]));
      const r = await ovs.ofctl(['-O', 'OpenFlow10', 'add-flow', bridge, text]).catch((e: unknown) => e);
      if (!(r instanceof Error)) return;
      if (!/usable flow formats|usable protocols/.test(r.message)) throw r;
      await ovs.ofctl(['-O', 'OpenFlow13', 'add-flow', bridge, text]);
    };
    const started: StartedDatapath = {
      state: 'started',
      id: cfg.id,
      product,
      versions,
      async features(): Promise<FeatureMap> {
        const [dp, types, meters, limits, qos] = await Promise.all([
          ovs.appctl(['dpif/show-dp-features', bridge]),
          ovs.vsctl(['get', 'Open_vSwitch', '.', 'iface_types']),
          ofctl(['meter-features', bridge]).catch(() => ({ stdout: '' })),
          ovs.appctl(['dpctl/ct-get-limits'], { allowFail: true }),
          probeOvsQos(ovs, topology, cfg.datapathType),
        ]);
        const ifaceTypes = types.stdout
          .replace(/[[\]\s]/g, '')
          .split(',')
          .filter(Boolean);
        const ctLimits = limits.code === 0 ? true : (limits.stderr.trim().split('\n')[0] ?? `exit ${limits.code}`);
        const tunnels = await probeTunnels(ovs, bridge, topology.runId, cfg.datapathType, topology.dutNetns, ifaceTypes, versions.ovs ?? 'unknown');
        return ovsFeatures(
          { dpFeatures: dp.stdout, ifaceTypes, meterFeatures: meters.stdout, ctLimits, tunnels, qos, ct: await probeConntrack(ovs, cfg.datapathType) },
          loadCatalogue().features.map((f) => f.id),
        );
      },
      async applyPipeline(rules: readonly FlowRule[]): Promise<void> {
        await ofctl(['del-flows', bridge]);
        for (const r of rules) await addFlow(formatOfctlFlow(r));
        await flushFlows();
      },
      async dumpFlows(): Promise<DatapathFlow[]> {
        const r = await ovs.appctl(['dpctl/dump-flows', '-m', '--no-names', ovsDatapathName(cfg.datapathType)]);
        return parseOdpFlowDump(r.stdout, `${cfg.id} dpctl/dump-flows`);
      },
      flushFlows,
      datapathLevel: dpLevel,
      switchLevel: ovsSwitchLevel(ovs, bridge, cfg.datapathType, topology, (p) => cfg.interfaceSettings(p)),
      async stats(): Promise<DatapathStats> {
        const [show, ports] = await Promise.all([ovs.appctl(['dpctl/show', ovsDatapathName(cfg.datapathType)]), ofctl(['dump-ports', bridge])]);
        return { ...parseDpctlShow(show.stdout), ports: parseDumpPorts(ports.stdout, names) };
      },
      async capacity(): Promise<DatapathCapacity> {
        // ovs-vswitchd installs no more datapath flows than its flow limit (it grows towards this
        // ceiling while revalidation keeps up); beyond it, misses are handled without a flow.
        const r = await ovs.vsctl(['--if-exists', 'get', 'Open_vSwitch', '.', 'other_config:flow-limit']);
        const set = Number(r.stdout.trim().replace(/"/g, ''));
        return Number.isInteger(set) && set > 0
          ? { flows: set, source: 'ovs-vswitchd other_config:flow-limit' }
          : { flows: OVS_DEFAULT_FLOW_LIMIT, source: `ovs-vswitchd's default flow limit (other_config:flow-limit unset)` };
      },
      async openController(): Promise<ControllerChannel> {
        return controller.channel();
      },
      stop,
    };
    return started;
  } catch (e) {
    await stop();
    throw e;
  }
}
