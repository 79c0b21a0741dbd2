import { AssertionError } from 'chai';
import type { ControllerChannel, DatapathStats, FeatureMap, SecondDatapath, StartedDatapath, SwitchLevel } from '../datapath/datapath.js';
import type { DatapathFlow } from '../odp/flow.js';
import { formatOfctlFlow, formatOfctlGroup, formatOfctlMeter } from '../openflow/format.js';
import { parseOfctlFlows, parseOfctlGroups, parseOfctlMeters } from '../openflow/parse.js';
import type { CaseDetails } from '../results/results.js';
import { diffDelivery } from './delivery.js';
import { sendAndCapture } from '../traffic/conformance-io.js';
import type { StartedTopology } from '../../topologies/topology.js';
import type { CaseContext, CaseSwitchLevel, DatapathCaseLevel, Delivery, SendOptions } from './case.js';
import { setTimeout as sleep } from 'node:timers/promises';

const DEFAULT_WAIT_MS = 1500;

/** The CaseContext of a real run: real frames through a started backend on a started topology. */
export class LiveCaseContext implements CaseContext {
  /** DUT ports, then `LOCAL` and the tunnel ports a case adds. */
  private readonly portMap: Record<string, number>;
  /** Whether the case touched the switch objects, so that they are reset after it. */
  private switchUsed = false;
  /** Datapaths the case created beside the backend's and has not removed. */
  private readonly extraDatapaths = new Set<SecondDatapath>();
  private readonly record: {
    pipeline: string[];
    sent: { endpoint: string; hex: string }[];
    expected: Record<string, string[]>;
    captured: Record<string, string[]>;
    flows: string[];
    notes: string[];
  } = { pipeline: [], sent: [], expected: {}, captured: {}, flows: [], notes: [] };

  constructor(
    private readonly caseId: string,
    readonly backend: StartedDatapath,
    readonly topology: StartedTopology,
    readonly features: FeatureMap = {},
  ) {
    this.portMap = Object.fromEntries(topology.dutPorts.map((p) => [p.name, p.ofport]));
    if (backend.switchLevel) this.portMap.LOCAL = backend.switchLevel.localPort;
  }

  get ports(): Readonly<Record<string, number>> {
    return this.portMap;
  }

  mac(endpoint: string): string {
    return this.topology.endpoint(endpoint).mac;
  }

  async pipeline(text: string): Promise<void> {
    // DPLAB_FAULT_CASE=<case id>: a deliberate, real failure for testing reports and compare
    // gates: the case's pipeline gets a drop-everything rule above its own (shown in its details).
    const fault = process.env.DPLAB_FAULT_CASE === this.caseId ? '\npriority=65535,actions=drop' : '';
    const rules = parseOfctlFlows(`${text}${fault}`, { source: `${this.caseId}:pipeline`, ports: this.ports });
    const lines = rules.map(formatOfctlFlow);
    this.record.pipeline.push(...lines);
    // Connections a pipeline committed outlive it: the switch's conntrack is reset after the case.
    if (lines.some((l) => /[=,:(]ct\(/.test(l))) this.switchUsed = this.backend.switchLevel !== undefined;
    await this.backend.applyPipeline(rules);
  }

  async send(from: string, frames: Buffer | readonly Buffer[], opts: SendOptions = {}, expectCount?: number): Promise<Map<string, Buffer[]>> {
    const list = Buffer.isBuffer(frames) ? [frames] : [...frames];
    const listen = opts.listen ?? this.topology.endpoints.map((e) => e.name).filter((n) => n !== from);
    for (const f of list) this.record.sent.push({ endpoint: from, hex: f.toString('hex') });
    const captured = await sendAndCapture({
      topology: this.topology,
      from,
      frames: list,
      listen,
      waitMs: opts.waitMs ?? DEFAULT_WAIT_MS,
      ...((expectCount ?? opts.expectCount) !== undefined ? { expectCount: expectCount ?? opts.expectCount } : {}),
    });
    for (const [ep, got] of captured) {
      this.record.captured[ep] = [...(this.record.captured[ep] ?? []), ...got.map((b: Buffer) => b.toString('hex'))];
    }
    return captured;
  }

  async expectDelivery(from: string, frames: Buffer | readonly Buffer[], expected: Delivery, opts: SendOptions = {}): Promise<Map<string, Buffer[]>> {
    const listen = [...(opts.listen ?? this.topology.endpoints.map((e) => e.name).filter((n) => n !== from))];
    for (const ep of Object.keys(expected)) {
      if (!listen.includes(ep)) listen.push(ep);
      this.record.expected[ep] = [...(this.record.expected[ep] ?? []), ...(expected[ep] ?? []).map((b) => b.toString('hex'))];
    }
    const total = Object.values(expected).reduce((n, l) => n + l.length, 0);
    // With frames expected, return once they are all in (plus a short settle for extras);
    // with none expected, wait the full window so a late wrong delivery is still seen.
    const captured = await this.send(from, frames, { ...opts, listen }, total > 0 ? total : undefined);
    const problems = diffDelivery(expected, captured, listen);
    if (problems.length > 0) {
      throw new AssertionError(problems.join('; '), { expected: summarize(expected), actual: summarize(Object.fromEntries(captured)) });
    }
    return captured;
  }

  async dumpFlows(): Promise<DatapathFlow[]> {
    const flows = await this.backend.dumpFlows();
    this.record.flows = flows.map((f) => f.raw);
    return flows;
  }

  stats(): Promise<DatapathStats> {
    return this.backend.stats();
  }

  openController(): Promise<ControllerChannel> {
    return this.backend.openController();
  }

  note(text: string): void {
    this.record.notes.push(text);
  }

  get dp(): DatapathCaseLevel {
    const level = this.backend.datapathLevel;
    if (!level) throw new Error(`${this.backend.id} offers no datapath-level interface (tag the case dp.flow_put or dp.miss_key)`);
    return {
      ports: () => level.ports(),
      putFlow: async (odp) => {
        this.record.notes.push(`flow put: ${odp}`);
        await level.putFlow(odp);
      },
      delFlow: async (key) => {
        this.record.notes.push(`flow del: ${key}`);
        await level.delFlow(key);
      },
      secondDatapath: async () => {
        if (!level.secondDatapath) throw new Error(`${this.backend.id} cannot create a second datapath (tag the case dp.multi)`);
        const dp = await level.secondDatapath();
        this.extraDatapaths.add(dp);
        this.record.notes.push(`second datapath: ${dp.name}`);
        return {
          ...dp,
          putFlow: async (odp) => {
            this.record.notes.push(`flow put into ${dp.name}: ${odp}`);
            await dp.putFlow(odp);
          },
          remove: async () => {
            this.extraDatapaths.delete(dp);
            this.record.notes.push(`removed ${dp.name}`);
            await dp.remove();
          },
        };
      },
      missKeysOf: async (from, frames) => {
        const keys: (string | undefined)[] = [];
        for (const f of frames) {
          await this.backend.flushFlows();
          const before = (await level.missKeys()).count;
          await this.send(from, f, { waitMs: 200 });
          let key: string | undefined;
          for (const until = Date.now() + 3000; Date.now() < until; await sleep(100)) {
            const log = await level.missKeys();
            const fresh = log.count - before;
            if (fresh > 0) {
              key = log.keys[Math.max(0, log.keys.length - fresh)];
              break;
            }
          }
          this.record.notes.push(`miss key: ${key ?? '(no miss upcall)'}`);
          keys.push(key);
        }
        return keys;
      },
    };
  }

  get sw(): CaseSwitchLevel {
    const level = this.backend.switchLevel;
    if (!level) throw new Error(`${this.backend.id} has no OpenFlow switch objects (groups, meters, tunnel ports, conntrack)`);
    const use = (): SwitchLevel => ((this.switchUsed = true), level);
    const source = `${this.caseId}:switch`;
    return {
      groups: async (text) => {
        const lines = parseOfctlGroups(text, { source: `${this.caseId}:groups`, ports: this.portMap }).map(formatOfctlGroup);
        this.record.notes.push(...lines.map((l) => `group: ${l}`));
        await use().setGroups(lines);
      },
      meters: async (text) => {
        const lines = parseOfctlMeters(text, { source: `${this.caseId}:meters`, ports: this.portMap }).map(formatOfctlMeter);
        this.record.notes.push(...lines.map((l) => `meter: ${l}`));
        await use().setMeters(lines);
      },
      underlay: async (u) => {
        this.record.notes.push(`underlay: local ${u.local} at ${u.mac}, remotes ${u.remotes.map((r) => `${r.ip} at ${r.mac}`).join(', ')}`);
        await use().setUnderlay(u);
      },
      tunnelPort: async (spec) => {
        if (spec.name in this.portMap) throw new Error(`${source}: port name '${spec.name}' is taken`);
        const ofport = await use().addTunnelPort(spec);
        this.record.notes.push(
          `tunnel port ${spec.name} (ofport ${ofport}): type=${spec.type} ${Object.entries(spec.options)
            .map(([k, v]) => `options:${k}=${v}`)
            .join(' ')}${spec.tlvMap?.length ? `, tlv map ${spec.tlvMap.join(',')}` : ''}`,
        );
        this.portMap[spec.name] = ofport;
        return ofport;
      },
      get conntrack() {
        return use().conntrack;
      },
      ipfixCollector: (id) => use().ipfixCollector(id),
      meterStats: (id) => level.meterStats(id),
      sflowCollector: (settings) => {
        this.record.notes.push(`sFlow agent: ${JSON.stringify(settings)}`);
        return use().sflowCollector(settings);
      },
      setInterface: async (port, columns) => {
        this.record.notes.push(
          `interface ${port}: ${Object.entries(columns)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        );
        await use().setInterface(port, columns);
      },
      setQos: async (port, qos) => {
        this.record.notes.push(`qos ${port}: ${JSON.stringify(qos)}`);
        await use().setQos(port, qos);
      },
      qosShow: (port) => level.qosShow(port),
      bond: async (name, ports, columns) => {
        this.record.notes.push(
          `bond ${name} over ${ports.join(',')}: ${Object.entries(columns)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        );
        await use().addBond(name, ports, columns);
      },
      bondShow: (name) => level.bondShow(name),
      setActiveMember: async (name, port) => {
        this.record.notes.push(`bond ${name}: active member ${port}`);
        await use().setActiveMember(name, port);
      },
    };
  }

  /** Undoes what the case set on the switch (groups, meters, tunnel ports, conntrack ...). */
  async cleanup(): Promise<void> {
    for (const dp of this.extraDatapaths) await dp.remove();
    this.extraDatapaths.clear();
    if (this.switchUsed) await this.backend.switchLevel?.reset();
  }

  /** Snapshot the datapath flows into the details (used when a case fails). */
  async recordFlows(): Promise<void> {
    await this.dumpFlows();
  }

  details(): CaseDetails {
    const r = this.record;
    return {
      pipeline: r.pipeline,
      sent: r.sent,
      expected: r.expected,
      captured: r.captured,
      ...(r.flows.length ? { flows: r.flows } : {}),
      ...(r.notes.length ? { notes: r.notes } : {}),
    };
  }
}

function summarize(d: Readonly<Record<string, readonly Buffer[]>>): Record<string, number> {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.length]));
}
