import { AssertionError, expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { exec } from '../../harness/system/exec.js';
import { H1, H2, udp4 } from './frames.js';
import { IE, parseIpfix, parseSflow, type IpfixRecord, type SflowFlowSample } from './sampling-records.js';

/**
 * sFlow and IPFIX: what the switch exports about sampled frames reaches a UDP collector on the
 * DUT namespace's loopback, and says what the frames were. Exporters send asynchronously (the
 * sFlow agent flushes once a second): every wait for exported data is bounded, 4 s.
 */

const EXPORT_WAIT_MS = 4000;

/** Polls `get` until `done` holds or EXPORT_WAIT_MS passed; returns the last value. */
async function waitFor<T>(get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const until = Date.now() + EXPORT_WAIT_MS;
  for (;;) {
    const v = await get();
    if (done(v) || Date.now() > until) return v;
    await sleep(100);
  }
}

/** The kernel ifIndex of a DUT port in the DUT namespace: what sFlow reports as input/output. */
async function ifindex(t: CaseContext, port: string): Promise<number> {
  const p = t.topology.dutPorts.find((d) => d.name === port);
  if (!p) throw new Error(`no DUT port ${port}`);
  const r = await exec('ip', ['netns', 'exec', t.topology.dutNetns, 'cat', `/sys/class/net/${p.ifname}/ifindex`]);
  return Number(r.stdout.trim());
}

/** Frames from h1 to h2 (what the cases send), so that a stray frame of a host's own stack sampled on the way is not counted. */
const fromH1ToH2 = (s: SflowFlowSample) => s.header?.bytes.subarray(0, 12).toString('hex') === mac(H2.mac) + mac(H1.mac);

async function sflowSamples(c: { datagrams(): Promise<Buffer[]> }, n: number): Promise<SflowFlowSample[]> {
  return waitFor(
    async () => (await c.datagrams()).flatMap((d) => parseSflow(d).flowSamples.filter(fromH1ToH2)),
    (s) => s.length >= n,
  );
}

async function ipfixRecords(c: { records(): Promise<Buffer[]> }, done: (r: readonly IpfixRecord[]) => boolean) {
  let templates = 0;
  let orphans: readonly string[] = [];
  const records = await waitFor(
    async () => {
      const parsed = parseIpfix(await c.records());
      templates = parsed.templates.size;
      orphans = parsed.orphanSets;
      return parsed.records;
    },
    (rs) => done(rs) || orphans.length > 0,
  );
  // A collector decodes a data set only with a template of the same observation domain (RFC 7011 section 8).
  if (orphans.length > 0) throw new AssertionError(`IPFIX data sets without a template in their observation domain: ${orphans.join(', ')}`);
  return { records, templates };
}

const setIds = (m: Buffer) => {
  const ids: number[] = [];
  for (let at = 16; at + 4 <= m.length; at += Math.max(4, m.readUInt16BE(at + 2))) ids.push(m.readUInt16BE(at));
  return ids.join(',');
};
const hex = (b: Buffer | undefined) => b?.toString('hex');
const mac = (m: string) => m.replace(/:/g, '');
const ip4 = (a: string) => Buffer.from(a.split('.').map(Number)).toString('hex');
const u16 = (n: number) => n.toString(16).padStart(4, '0');
const u32 = (n: number) => n.toString(16).padStart(8, '0');

/** The record of the UDP frame from h1 to h2 with these ports, in this observation domain. */
const recordOf = (domain: number, sport: number, dport: number) => (r: IpfixRecord) =>
  r.domain === domain && hex(r.fields.get(IE.sourceTransportPort)) === u16(sport) && hex(r.fields.get(IE.destinationTransportPort)) === u16(dport);

/** Every field of a sampled h1 -> h2 UDP frame that an IPFIX flow record carries. */
function expectFrameRecord(r: IpfixRecord | undefined, sport: number, dport: number, obsPoint: number): void {
  expect(r, `an IPFIX record of the UDP ${sport} -> ${dport} frame`).to.not.equal(undefined);
  const f = r?.fields;
  expect(hex(f?.get(IE.sourceMacAddress)), 'sourceMacAddress').to.equal(mac(H1.mac));
  expect(hex(f?.get(IE.destinationMacAddress)), 'destinationMacAddress').to.equal(mac(H2.mac));
  expect(hex(f?.get(IE.ethernetType)), 'ethernetType').to.equal('0800');
  expect(hex(f?.get(IE.sourceIPv4Address)), 'sourceIPv4Address').to.equal(ip4(H1.ip));
  expect(hex(f?.get(IE.destinationIPv4Address)), 'destinationIPv4Address').to.equal(ip4(H2.ip));
  expect(hex(f?.get(IE.protocolIdentifier)), 'protocolIdentifier').to.equal('11');
  expect(hex(f?.get(IE.observationPointId)), 'observationPointId').to.equal(u32(obsPoint));
}

export const samplingCases: CaseGroup = {
  suite: 'conformance',
  name: 'sampling',
  cases: [
    defineCase({
      id: 'sflow.sampled-header',
      title: 'with sampling=1 every forwarded frame is sampled: the sFlow raw header record holds the frame byte for byte, its length with FCS, rate 1',
      features: ['sflow'],
      run: async (t) => {
        const c = await t.sw.sflowCollector({ sampling: 1, header: 128 });
        await t.pipeline('in_port=p1,actions=output:p2');
        const frames = [1, 2, 3].map((i) => udp4({ sport: 1000 + i, payload: `sflow frame ${i}` }));
        await t.expectDelivery('h1', frames, { h2: frames });
        const samples = await sflowSamples(c, frames.length);
        t.note(`flow samples: ${samples.length}`);
        expect(samples.length, 'flow samples').to.equal(frames.length);
        for (const [i, s] of samples.entries()) {
          const f = frames[i] as Buffer;
          expect(hex(s.header?.bytes), `sample ${i}: sampled header`).to.equal(f.toString('hex'));
          expect(s.header?.protocol, 'header_protocol (1: Ethernet)').to.equal(1);
          expect(s.header?.frameLength, 'frame_length (with the 4-byte FCS)').to.equal(f.length + 4);
          expect(s.header?.stripped, 'stripped (the FCS)').to.equal(4);
          expect(s.samplingRate, 'sampling_rate').to.equal(1);
        }
      },
    }),
    defineCase({
      id: 'sflow.header-truncated',
      title: 'with header=64 a 1000-byte frame is exported as its first 64 bytes and frame_length 1004',
      features: ['sflow'],
      run: async (t) => {
        const c = await t.sw.sflowCollector({ sampling: 1, header: 64 });
        await t.pipeline('in_port=p1,actions=output:p2');
        const frame = udp4({ payload: Buffer.alloc(958, 0xa5) });
        expect(frame.length).to.equal(1000);
        await t.expectDelivery('h1', frame, { h2: [frame] });
        const [s] = await sflowSamples(c, 1);
        expect(hex(s?.header?.bytes), 'sampled header: the first 64 bytes').to.equal(frame.subarray(0, 64).toString('hex'));
        expect(s?.header?.frameLength, 'frame_length').to.equal(1004);
      },
    }),
    defineCase({
      id: 'sflow.input-output-ports',
      title: "each sFlow sample names the frame's input port and the output port the pipeline chose, by ifIndex",
      features: ['sflow'],
      endpoints: 3,
      run: async (t) => {
        const c = await t.sw.sflowCollector({ sampling: 1 });
        await t.pipeline(['in_port=p1,udp,tp_dst=2000,actions=output:p2', 'in_port=p1,udp,tp_dst=3000,actions=output:p3'].join('\n'));
        const toH2 = udp4({ dport: 2000, payload: 'to h2' });
        const toH3 = udp4({ dport: 3000, payload: 'to h3' });
        await t.expectDelivery('h1', toH2, { h2: [toH2] });
        await t.expectDelivery('h1', toH3, { h3: [toH3] });
        const [p1, p2, p3] = [await ifindex(t, 'p1'), await ifindex(t, 'p2'), await ifindex(t, 'p3')];
        const samples = await sflowSamples(c, 2);
        t.note(`ifIndex p1 ${p1}, p2 ${p2}, p3 ${p3}; samples: ${samples.map((s) => `${s.input}->${s.output}`).join(', ')}`);
        expect(samples.map((s) => [hex(s.header?.bytes), s.input, s.output])).to.deep.equal([
          [toH2.toString('hex'), p1, p2],
          [toH3.toString('hex'), p1, p3],
        ]);
      },
    }),
    defineCase({
      id: 'ipfix.sample-exports-record',
      title:
        'sample(probability=65535,...) exports an IPFIX template and a record of the frame (MACs, IPv4, ports, obs_point_id), and output:p2 still forwards it',
      features: ['ipfix'],
      run: async (t) => {
        const c = await t.sw.ipfixCollector(1);
        await t.pipeline('in_port=p1,udp,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=7,obs_point_id=9),output:p2');
        const frame = udp4({ sport: 1111, dport: 2222, payload: 'ipfix' });
        await t.expectDelivery('h1', frame, { h2: [frame] });
        const { records, templates } = await ipfixRecords(c, (rs) => rs.some(recordOf(7, 1111, 2222)));
        t.note(`IPFIX: ${templates} templates, ${records.length} data records`);
        expect(templates, 'templates exported').to.be.greaterThan(0);
        expectFrameRecord(records.find(recordOf(7, 1111, 2222)), 1111, 2222, 9);
      },
    }),
    defineCase({
      id: 'ipfix.sample-only-drops',
      title: 'a flow whose only action is sample() exports the frame and forwards nothing',
      features: ['ipfix'],
      endpoints: 3,
      run: async (t) => {
        const c = await t.sw.ipfixCollector(1);
        await t.pipeline('in_port=p1,udp,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=5,obs_point_id=6)');
        const frame = udp4({ sport: 1212, dport: 2323, payload: 'sampled, dropped' });
        await t.expectDelivery('h1', frame, {});
        const { records } = await ipfixRecords(c, (rs) => rs.some(recordOf(5, 1212, 2323)));
        expectFrameRecord(records.find(recordOf(5, 1212, 2323)), 1212, 2323, 6);
      },
    }),
    defineCase({
      id: 'ipfix.obs-ids-per-flow',
      title: 'two flows sampling to one collector set export in their own obs_domain_id with their own obs_point_id',
      features: ['ipfix'],
      run: async (t) => {
        const c = await t.sw.ipfixCollector(1);
        await t.pipeline(
          [
            'in_port=p1,udp,tp_dst=2000,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=11,obs_point_id=101),output:p2',
            'in_port=p1,udp,tp_dst=2001,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=22,obs_point_id=202),output:p2',
          ].join('\n'),
        );
        const a = udp4({ sport: 1000, dport: 2000, payload: 'flow a' });
        const b = udp4({ sport: 1000, dport: 2001, payload: 'flow b' });
        await t.expectDelivery('h1', [a, b], { h2: [a, b] });
        const { records } = await ipfixRecords(c, (rs) => rs.some(recordOf(11, 1000, 2000)) && rs.some(recordOf(22, 1000, 2001)));
        t.note(`IPFIX messages (domain: set ids): ${(await c.records()).map((m) => `${m.readUInt32BE(12)}: ${setIds(m)}`).join('; ')}`);
        t.note(
          `IPFIX records (domain, dport, obs point): ${records.map((r) => `(${r.domain}, ${hex(r.fields.get(IE.destinationTransportPort))}, ${hex(r.fields.get(IE.observationPointId))})`).join(' ')}`,
        );
        expectFrameRecord(records.find(recordOf(11, 1000, 2000)), 1000, 2000, 101);
        expectFrameRecord(records.find(recordOf(22, 1000, 2001)), 1000, 2001, 202);
        expect(
          records.filter(recordOf(11, 1000, 2001)).length + records.filter(recordOf(22, 1000, 2000)).length,
          'records in the other flow’s domain',
        ).to.equal(0);
      },
    }),
  ],
};
