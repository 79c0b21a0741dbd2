import { expect } from 'chai';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import type { ControllerChannel, PacketIn } from '../../harness/datapath/datapath.js';
import type { DatapathFlow } from '../../harness/odp/flow.js';
import { arp, H1, H2, tcp4, udp4, udp6 } from './frames.js';

/**
 * Multi-table pipelines and the actions that branch, copy, cut or teach: resubmit, goto_table and
 * registers; check_pkt_larger; clone; output with max_len; dec_ttl's expiry; learn.
 * As everywhere, expected frames are built (checksums computed), so a byte-for-byte match proves
 * the datapath changed exactly what the pipeline says, and nothing else.
 */
const H3 = { mac: '0a:dd:00:00:00:03', ip: '10.0.0.3' } as const;
const u = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'pipeline', ...o });

/** A UDP/IPv4 frame of exactly `bytes` bytes on the wire (Ethernet header included, no FCS). */
function sized(bytes: number, o: Parameters<typeof udp4>[0] = {}): Buffer {
  const f = udp4({ sport: 1111, dport: 2222, payload: Buffer.alloc(bytes - 42, 0x5a), ...o });
  if (f.length !== bytes) throw new Error(`sized(${bytes}) built ${f.length} bytes`);
  return f;
}

/** Packet-ins reach the controller asynchronously: poll for up to 2 s until `n` are there. */
async function packetInsWhen(ctl: ControllerChannel, n = 1): Promise<PacketIn[]> {
  for (let i = 0; ; i += 1) {
    const pins = await ctl.packetIns();
    if (pins.length >= n || i >= 20) return pins;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls the datapath flow table until `ready` holds (the slow path installs flows asynchronously). */
async function flowsWhen(t: CaseContext, ready: (f: DatapathFlow[]) => boolean, ms = 3000): Promise<DatapathFlow[]> {
  const until = Date.now() + ms;
  for (;;) {
    const flows = await t.dumpFlows();
    if (ready(flows) || Date.now() > until) return flows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const tableCases: CaseGroup = {
  suite: 'conformance',
  name: 'table',
  cases: [
    defineCase({
      id: 'table.resubmit-next-table',
      title: 'resubmit(,1) looks the packet up in table 1, whose rewrite and output apply',
      features: ['multitable'],
      run: async (t) => {
        await t.pipeline(['table=0,in_port=p1,actions=resubmit(,1)', 'table=1,in_port=p1,actions=mod_dl_dst:0a:dd:00:00:bb:02,output:p2'].join('\n'));
        await t.expectDelivery('h1', u(), { h2: [u({ dst: '0a:dd:00:00:bb:02' })] });
      },
    }),
    defineCase({
      id: 'table.goto-table-and-miss',
      title: 'goto_table:1 continues in table 1; a packet no rule of table 1 matches is dropped',
      features: ['multitable', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['table=0,in_port=p1,actions=goto_table:1', 'table=1,udp,tp_dst=2222,actions=output:p2'].join('\n'));
        await t.expectDelivery('h1', [u({ dport: 2222 }), u({ dport: 2223 })], { h2: [u({ dport: 2222 })] });
      },
    }),
    defineCase({
      id: 'table.register-across-tables',
      title: 'a register loaded in table 0 (load, set_field) is matched in table 1 and picks the output',
      features: ['multitable', 'match.l4'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,udp,in_port=p1,tp_dst=2222,actions=load:5->NXM_NX_REG0[],resubmit(,1)',
            'table=0,udp,in_port=p1,tp_dst=2223,actions=set_field:6->reg0,resubmit(,1)',
            'table=1,reg0=5,actions=output:p2',
            'table=1,reg0=6,actions=output:p3',
          ].join('\n'),
        );
        await t.expectDelivery('h1', [u({ dport: 2222 }), u({ dport: 2223 })], { h2: [u({ dport: 2222 })], h3: [u({ dport: 2223 })] });
      },
    }),
    defineCase({
      id: 'table.resubmit-returns',
      title: 'after resubmit returns, the actions that follow it see the rewrite table 1 made',
      features: ['multitable', 'set.eth'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(['table=0,in_port=p1,actions=resubmit(,1),output:p3', 'table=1,in_port=p1,actions=mod_dl_src:0a:dd:00:00:aa:01,output:p2'].join('\n'));
        const rewritten = u({ src: '0a:dd:00:00:aa:01' });
        await t.expectDelivery('h1', u(), { h2: [rewritten], h3: [rewritten] });
      },
    }),
    defineCase({
      id: 'table.resubmit-as-other-port',
      title: 'resubmit(p2,1) looks table 1 up as if the packet had come in on p2',
      features: ['multitable'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          ['table=0,in_port=p1,actions=resubmit(p2,1)', 'table=1,in_port=p1,actions=output:p2', 'table=1,in_port=p2,actions=output:p3'].join('\n'),
        );
        await t.expectDelivery('h1', u(), { h3: [u()] });
      },
    }),
  ],
};

/** check_pkt_larger(200) sets reg0[0] when the frame is longer than 200 bytes: table 1 sends those to p2, the rest to p3. */
const CHECK_200 = [
  'table=0,udp,in_port=p1,actions=check_pkt_larger(200)->reg0[0],resubmit(,1)',
  'table=1,reg0=0x1/0x1,actions=output:p2',
  'table=1,reg0=0/0x1,actions=output:p3',
].join('\n');

export const checkPktLenCases: CaseGroup = {
  suite: 'conformance',
  name: 'check-pkt-len',
  cases: [
    defineCase({
      id: 'check-pkt-len.larger',
      title: 'a 300-byte frame is larger than 200: reg0[0]=1 and table 1 sends it to p2',
      features: ['check_pkt_len', 'multitable'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(CHECK_200);
        await t.expectDelivery('h1', sized(300), { h2: [sized(300)] });
      },
    }),
    defineCase({
      id: 'check-pkt-len.smaller',
      title: 'a 150-byte frame is not larger than 200: reg0[0]=0 and table 1 sends it to p3',
      features: ['check_pkt_len', 'multitable'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(CHECK_200);
        await t.expectDelivery('h1', sized(150), { h3: [sized(150)] });
      },
    }),
    defineCase({
      id: 'check-pkt-len.boundary',
      title: 'the length counts the Ethernet header: 200 bytes is not larger than 200, 201 is',
      features: ['check_pkt_len', 'multitable'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(CHECK_200);
        const at = sized(200, { sport: 1 });
        const over = sized(201, { sport: 2 });
        await t.expectDelivery('h1', [at, over], { h2: [over], h3: [at] });
      },
    }),
    defineCase({
      id: 'check-pkt-len.one-megaflow-both-branches',
      title: 'one datapath flow with check_pkt_len(size=200) carries both branches: a small and a large frame of one flow share it',
      features: ['check_pkt_len', 'multitable', 'upcall.miss'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(CHECK_200);
        await t.expectDelivery('h1', sized(150), { h3: [sized(150)] });
        await flowsWhen(t, (fl) => fl.length > 0);
        await t.expectDelivery('h1', sized(300), { h2: [sized(300)] });
        const flows = await flowsWhen(t, (fl) => fl.some((f) => f.stats.packets >= 1));
        t.note(`flows: ${flows.map((f) => f.raw).join(' | ')}`);
        expect(flows, 'datapath flows').to.have.length(1);
        expect((flows[0] as DatapathFlow).raw, 'the flow decides by length itself').to.match(/check_pkt_len\(size=200,gt\(.+\),le\(.+\)\)/);
      },
    }),
  ],
};

export const cloneCases: CaseGroup = {
  suite: 'conformance',
  name: 'clone',
  cases: [
    defineCase({
      id: 'clone.rewrite-does-not-leak',
      title: 'a MAC rewrite inside clone() reaches the clone’s output only; the output after it sends the original',
      features: ['clone', 'set.eth'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=clone(mod_dl_src:0a:dd:00:00:aa:01,output:p2),output:p3');
        await t.expectDelivery('h1', u(), { h2: [u({ src: '0a:dd:00:00:aa:01' })], h3: [u()] });
      },
    }),
    defineCase({
      id: 'clone.l3-l4-rewrite-does-not-leak',
      title: 'IPv4 and UDP rewrites inside clone() come out with fixed checksums; the original leaves unchanged after it',
      features: ['clone', 'set.ipv4', 'set.l4'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('udp,in_port=p1,actions=clone(mod_nw_dst:192.0.2.9,mod_tp_dst:5353,output:p2),output:p3');
        await t.expectDelivery('h1', u(), { h2: [u({ ip: { dst: '192.0.2.9' }, dport: 5353 })], h3: [u()] });
      },
    }),
    defineCase({
      id: 'clone.vlan-push-does-not-leak',
      title: 'a VLAN tag pushed inside clone() is on the clone’s copy only',
      features: ['clone', 'vlan.push'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=clone(push_vlan:0x8100,set_field:4106->vlan_vid,output:p2),output:p3');
        await t.expectDelivery('h1', u(), { h2: [u({ vlans: [{ vid: 10 }] })], h3: [u()] });
      },
    }),
    defineCase({
      id: 'clone.resubmit-inside',
      title: 'clone(resubmit(,1)) runs table 1 on a copy: its rewrite and output do not touch the output after the clone',
      features: ['clone', 'multitable', 'set.eth'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          ['table=0,in_port=p1,actions=clone(resubmit(,1)),output:p3', 'table=1,in_port=p1,actions=mod_dl_dst:0a:dd:00:00:bb:02,output:p2'].join('\n'),
        );
        await t.expectDelivery('h1', u(), { h2: [u({ dst: '0a:dd:00:00:bb:02' })], h3: [u()] });
      },
    }),
  ],
};

export const truncateCases: CaseGroup = {
  suite: 'conformance',
  name: 'truncate',
  cases: [
    defineCase({
      id: 'truncate.cut-to-max-len',
      title: 'output(port=p2,max_len=64) sends the first 64 bytes of a 200-byte frame, byte for byte',
      features: ['truncate'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output(port=p2,max_len=64)');
        const f = sized(200);
        await t.expectDelivery('h1', f, { h2: [f.subarray(0, 64)] });
      },
    }),
    defineCase({
      id: 'truncate.not-longer-untouched',
      title: 'frames of 60 and of exactly 64 bytes leave output(port=p2,max_len=64) whole',
      features: ['truncate'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output(port=p2,max_len=64)');
        const frames = [sized(60, { sport: 1 }), sized(64, { sport: 2 })];
        await t.expectDelivery('h1', frames, { h2: frames });
      },
    }),
    defineCase({
      id: 'truncate.that-output-only',
      title: 'the truncation applies to its own output only: output:p3 after it sends the whole frame',
      features: ['truncate'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output(port=p2,max_len=64),output:p3');
        const f = sized(200);
        await t.expectDelivery('h1', f, { h2: [f.subarray(0, 64)], h3: [f] });
      },
    }),
    defineCase({
      id: 'truncate.two-lengths',
      title: 'two truncated outputs of one packet each get their own length (100 and 64 bytes)',
      features: ['truncate'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output(port=p2,max_len=100),output(port=p3,max_len=64)');
        const f = sized(200);
        await t.expectDelivery('h1', f, { h2: [f.subarray(0, 100)], h3: [f.subarray(0, 64)] });
      },
    }),
  ],
};

/** The invalid_ttl packet-in of an expired packet: the packet as it came in (TTL/hop limit 1), on p1. */
async function expectInvalidTtl(t: CaseContext, ctl: ControllerChannel, sent: Buffer): Promise<void> {
  const pins = await packetInsWhen(ctl);
  t.note(`packet-ins: ${pins.map((p) => `${p.reason} in_port=${p.inPort} ${p.data.toString('hex')}`).join(' | ')}`);
  expect(pins, 'packet-ins').to.have.length(1);
  expect(pins[0]?.reason, 'packet-in reason').to.equal('invalid_ttl');
  expect(pins[0]?.inPort, 'packet-in in_port').to.equal(t.ports.p1);
  expect(pins[0]?.data.toString('hex'), 'packet-in data').to.equal(sent.toString('hex'));
}

export const decTtlCases: CaseGroup = {
  suite: 'conformance',
  name: 'dec-ttl',
  cases: [
    defineCase({
      id: 'dec-ttl.expired-to-controller',
      title: 'dec_ttl on IPv4 TTL 1 sends the packet to the controller as an invalid_ttl packet-in and forwards nothing',
      features: ['dec_ttl', 'upcall.controller'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=dec_ttl,output:p2');
        const ctl = await t.openController();
        try {
          const f = u({ ip: { ttl: 1 } });
          await t.expectDelivery('h1', f, {});
          await expectInvalidTtl(t, ctl, f);
        } finally {
          await ctl.close();
        }
      },
    }),
    defineCase({
      id: 'dec-ttl.ipv6-expired-to-controller',
      title: 'dec_ttl on IPv6 hop limit 1 sends an invalid_ttl packet-in and forwards nothing',
      features: ['dec_ttl', 'match.ipv6', 'upcall.controller'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=dec_ttl,output:p2');
        const ctl = await t.openController();
        try {
          const f = udp6({ sport: 1, dport: 2, payload: 'hl', ip6: { hlim: 1 } });
          await t.expectDelivery('h1', f, {});
          await expectInvalidTtl(t, ctl, f);
        } finally {
          await ctl.close();
        }
      },
    }),
    defineCase({
      id: 'dec-ttl.expired-keeps-earlier-outputs',
      title: 'an output before dec_ttl still sends the packet (unchanged) when dec_ttl then finds TTL 1; the output after it does not',
      features: ['dec_ttl'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=output:p3,dec_ttl,output:p2');
        const f = u({ ip: { ttl: 1 } });
        await t.expectDelivery('h1', f, { h3: [f] });
      },
    }),
    defineCase({
      id: 'dec-ttl.ttl-2-forwarded',
      title: 'TTL 2 is the last that passes: forwarded with TTL 1 and a correct header checksum',
      features: ['dec_ttl'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=dec_ttl,output:p2');
        await t.expectDelivery('h1', u({ ip: { ttl: 2 } }), { h2: [u({ ip: { ttl: 1 } })] });
      },
    }),
    defineCase({
      id: 'dec-ttl.twice-across-tables',
      title: 'dec_ttl in table 0 and again in table 1 takes TTL 64 to 62',
      features: ['dec_ttl', 'multitable'],
      run: async (t) => {
        await t.pipeline(['table=0,ip,in_port=p1,actions=dec_ttl,resubmit(,1)', 'table=1,ip,actions=dec_ttl,output:p2'].join('\n'));
        await t.expectDelivery('h1', u({ ip: { ttl: 64 } }), { h2: [u({ ip: { ttl: 62 } })] });
      },
    }),
    defineCase({
      id: 'dec-ttl.tcp-payload-untouched',
      title: 'dec_ttl on TCP changes the TTL and the IP checksum only (the TCP checksum does not cover the TTL)',
      features: ['dec_ttl'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=dec_ttl,output:p2');
        const f = (ttl: number) => tcp4({ flags: 'PA', seq: 7, ack: 9, payload: 'ttl', ip: { ttl } });
        await t.expectDelivery('h1', f(30), { h2: [f(29)] });
      },
    }),
    defineCase({
      id: 'dec-ttl.non-ip-passes',
      title: 'dec_ttl leaves a frame without a TTL (ARP) alone and the output after it sends it unchanged',
      features: ['dec_ttl', 'match.arp'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=dec_ttl,output:p2');
        const f = arp({ op: 1, spa: H1.ip, tpa: H2.ip });
        await t.expectDelivery('h1', f, { h2: [f] });
      },
    }),
  ],
};

/**
 * The MAC-learning idiom of ovs-actions(7): every packet teaches table 1 a rule sending frames
 * for its source MAC back out of its ingress port, then table 1 forwards it (a learned rule, or
 * flood at priority 0).
 */
const LEARN_MAC = [
  'table=0,actions=learn(table=1,priority=100,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)',
  'table=1,priority=0,actions=flood',
].join('\n');

export const learnCases: CaseGroup = {
  suite: 'conformance',
  name: 'learn',
  cases: [
    defineCase({
      id: 'learn.mac-learning',
      title: 'a frame from h1 teaches table 1 where h1’s MAC is: the reply to it goes to h1 only, no longer flooded',
      features: ['learn', 'multitable', 'l2.flood'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(LEARN_MAC);
        const there = u({ src: H1.mac, dst: H2.mac });
        await t.expectDelivery('h1', there, { h2: [there], h3: [there] });
        const back = u({ src: H2.mac, dst: H1.mac, ip: { src: H2.ip, dst: H1.ip } });
        await t.expectDelivery('h2', back, { h1: [back] });
      },
    }),
    defineCase({
      id: 'learn.each-mac-its-port',
      title: 'learned rules are per MAC: after h1 and h2 spoke, h3 reaches each at its own port, and an unknown MAC still floods',
      features: ['learn', 'multitable', 'l2.flood'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(LEARN_MAC);
        const from1 = u({ src: H1.mac, dst: H3.mac });
        const from2 = u({ src: H2.mac, dst: H3.mac, ip: { src: H2.ip } });
        await t.expectDelivery('h1', from1, { h2: [from1], h3: [from1] });
        await t.expectDelivery('h2', from2, { h1: [from2], h3: [from2] });
        const to1 = u({ src: H3.mac, dst: H1.mac, ip: { src: H3.ip, dst: H1.ip } });
        const to2 = u({ src: H3.mac, dst: H2.mac, ip: { src: H3.ip, dst: H2.ip } });
        const unknown = u({ src: H3.mac, dst: '0a:dd:00:00:00:99', ip: { src: H3.ip, dst: '10.0.0.99' } });
        await t.expectDelivery('h3', [to1, to2, unknown], { h1: [to1, unknown], h2: [to2, unknown] });
      },
    }),
    defineCase({
      id: 'learn.ip-source',
      title: 'learn on the IPv4 source: the packet for 10.0.0.1 goes back to p1 whatever its destination MAC',
      features: ['learn', 'multitable', 'l2.flood'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,ip,actions=learn(table=1,priority=100,eth_type=0x800,NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)',
            'table=1,priority=0,actions=flood',
          ].join('\n'),
        );
        const there = u({ ip: { src: H1.ip, dst: H2.ip } });
        await t.expectDelivery('h1', there, { h2: [there], h3: [there] });
        const back = u({ src: H2.mac, dst: 'ff:ff:ff:ff:ff:ff', ip: { src: H2.ip, dst: H1.ip } });
        await t.expectDelivery('h2', back, { h1: [back] });
      },
    }),
  ],
};

export const pipelineCases: readonly CaseGroup[] = [tableCases, checkPktLenCases, cloneCases, truncateCases, decTtlCases, learnCases];
