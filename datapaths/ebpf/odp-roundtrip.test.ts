import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseContext } from '../../harness/conformance/case.js';
import type { OdpAction, OdpKeyAttr } from '../../harness/odp/flow.js';
import { parseOdpFlow, parseOdpFlowDump } from '../../harness/odp/parse.js';
import { REPO_ROOT } from '../../harness/system/identity.js';
import { exec } from '../../harness/system/exec.js';
import { DATAPATH } from '../../suites/datapath/index.js';

/**
 * The agent's ODP text both ways (agent/odp-*.c, one field table for the parser and the printer),
 * through dplab-ebpf-odp-roundtrip: it prints each flow as flow-dump shows it after a flow-put, and
 * itself fails when the printed text does not parse back to the same key, mask and actions
 * (parse(print(y)) == y, compared as structs) or prints differently the second time.
 *
 * print(parse(x)) is compared here with canonical(x), the agent's canonical form of x:
 * - every attribute the key's matched prerequisites allow, with all its fields in table order: a
 *   field or attribute left out is printed as wildcarded (`src=0.0.0.0/0.0.0.0`, `frag=no/0`),
 *   `in_port(0/0)` and `eth_type(0x0000/0x0)` included; L3 attributes only under an exactly
 *   matched ethertype, L4 ones only under an exactly matched protocol outside later fragments
 *   (as OVS userspace prints `udp(src=1000/0,dst=2000/0)` under `proto=17/0`, the agent leaves it
 *   out: it matches nothing);
 * - values under their masks (the datapath keeps key & mask), masks left out when full;
 * - the agent's number bases (tos decimal, label and tclass hex), eth_type as 0x%04x;
 * - metadata it accepts only as 0 or wildcarded (recirc_id, skb_priority, skb_mark, dp_hash)
 *   left out; set_masked() as set() with the fields it writes; tags inside encap() at their depth.
 */
const TOOL = join(REPO_ROOT, 'build/bin/dplab-ebpf-odp-roundtrip');
const FIXTURE = join(REPO_ROOT, 'harness/odp/fixtures/ovs-3.1-netdev-dump-m.txt');

type Fmt = 'dec' | 'hex' | 'mac' | 'ip4' | 'ip6' | 'frag';
interface Field {
  readonly name: string;
  readonly fmt: Fmt;
  readonly bits: number;
}
const fld = (name: string, fmt: Fmt, bits: number): Field => ({ name, fmt, bits });
const MAC = (name: string) => fld(name, 'mac', 48);
const IP4 = (name: string) => fld(name, 'ip4', 32);
const IP6 = (name: string) => fld(name, 'ip6', 128);
const L4 = [fld('src', 'dec', 16), fld('dst', 'dec', 16)];
const ICMP = [fld('type', 'dec', 16), fld('code', 'dec', 16)];
const KEY_FIELDS: Readonly<Record<string, readonly Field[]>> = {
  eth: [MAC('src'), MAC('dst')],
  ipv4: [IP4('src'), IP4('dst'), fld('proto', 'dec', 8), fld('tos', 'dec', 8), fld('ttl', 'dec', 8), fld('frag', 'frag', 8)],
  ipv6: [IP6('src'), IP6('dst'), fld('label', 'hex', 32), fld('proto', 'dec', 8), fld('tclass', 'hex', 8), fld('hlimit', 'dec', 8), fld('frag', 'frag', 8)],
  arp: [IP4('sip'), IP4('tip'), fld('op', 'dec', 8), MAC('sha'), MAC('tha')],
  icmp: ICMP,
  icmpv6: ICMP,
  nd: [IP6('target'), MAC('sll'), MAC('tll')],
  tcp: L4,
  udp: L4,
  sctp: L4,
};
const SET_FIELDS: Readonly<Record<string, readonly Field[]>> = {
  eth: [MAC('src'), MAC('dst')],
  ipv4: [IP4('src'), IP4('dst'), fld('tos', 'hex', 8), fld('ttl', 'dec', 8)],
  ipv6: [IP6('src'), IP6('dst'), fld('hlimit', 'dec', 8)],
  tcp: L4,
  udp: L4,
};
const FRAG = ['no', 'first', '', 'later'];
const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'];

const full = (bits: number) => (1n << BigInt(bits)) - 1n;

function ip6ToBig(s: string): bigint {
  const [head = '', tail] = s.split('::');
  const parts = (x: string) => (x ? x.split(':') : []);
  const groups = tail === undefined ? parts(head) : [...parts(head), ...Array<string>(8 - parts(head).length - parts(tail).length).fill('0'), ...parts(tail)];
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

function parseValue(f: Field, s: string): bigint {
  switch (f.fmt) {
    case 'mac':
      return BigInt(`0x${s.split(':').join('')}`);
    case 'ip4':
      return s.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n);
    case 'ip6':
      return ip6ToBig(s);
    case 'frag':
      return BigInt(FRAG.indexOf(s));
    default:
      return BigInt(s);
  }
}

function format(f: Field, v: bigint): string {
  switch (f.fmt) {
    case 'mac':
      return (v.toString(16).padStart(12, '0').match(/../g) ?? []).join(':');
    case 'ip4':
      return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
    case 'ip6': {
      const groups = [...Array(8).keys()].map((i) => ((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
      return new URL(`http://[${groups}]`).hostname.slice(1, -1); // RFC 5952, as inet_ntop
    }
    case 'hex':
      return `0x${v.toString(16)}`;
    default:
      return String(v);
  }
}

/** A field's value and mask as given: left out is wildcarded, no mask is exact. */
function given(f: Field, attr: OdpKeyAttr | undefined): { v: bigint; m: bigint } {
  const x = attr?.fields.find((a) => a.name === f.name);
  if (!x) return { v: 0n, m: 0n };
  const m = x.mask === undefined ? full(f.bits) : f.fmt === 'frag' ? BigInt(x.mask) : parseValue(f, x.mask);
  return { v: parseValue(f, x.value) & m, m };
}

function fieldText(f: Field, { v, m }: { v: bigint; m: bigint }): string {
  if (f.fmt === 'frag') return `${f.name}=${FRAG[Number(v)]}${m === 255n ? '' : '/0'}`;
  return `${f.name}=${format(f, v)}${m === full(f.bits) ? '' : `/${format(f, m)}`}`;
}

const attrText = (name: string, attr: OdpKeyAttr | undefined) => `${name}(${(KEY_FIELDS[name] ?? []).map((f) => fieldText(f, given(f, attr))).join(',')})`;

/** A bare value[/mask] (in_port, eth_type, tcp_flags) as given. */
function bare(attr: OdpKeyAttr | undefined, bits: number): { v: bigint; m: bigint } {
  if (!attr?.value) return { v: 0n, m: 0n };
  const m = attr.mask === undefined ? full(bits) : BigInt(attr.mask);
  return { v: BigInt(attr.value) & m, m };
}

function tcpFlagsText(attr: OdpKeyAttr | undefined): string {
  const named = attr?.value !== undefined && !/^\d/.test(attr.value);
  const { v, m: given12 } = named ? { v: BigInt(attr.value?.split('|').reduce((n, x) => n | (1 << TCP_FLAGS.indexOf(x)), 0) ?? 0), m: 0xfffn } : bare(attr, 12);
  const m = given12 & 0xfffn;
  const hex = (n: bigint) => `0x${n.toString(16).padStart(3, '0')}`;
  if (m !== 0xfffn) return `tcp_flags(${hex(v)}/${hex(m)})`;
  if (v >= 0x200n) return `tcp_flags(${hex(v)})`;
  return `tcp_flags(${TCP_FLAGS.filter((_, i) => v & (1n << BigInt(i))).join('|') || '0'})`;
}

/** The attributes of all levels, the tags (outer first) and the innermost eth_type. */
function flatten(key: readonly OdpKeyAttr[]) {
  const attrs = new Map<string, OdpKeyAttr>();
  const tags: { tpid: bigint; vlan: OdpKeyAttr }[] = [];
  let level = key;
  for (;;) {
    const ethType = level.find((a) => a.name === 'eth_type');
    const vlan = level.find((a) => a.name === 'vlan');
    for (const a of level) if (!['eth_type', 'vlan', 'encap'].includes(a.name)) attrs.set(a.name, a);
    if (!vlan) return { attrs, tags, ethType };
    tags.push({ tpid: BigInt(ethType?.value ?? '0'), vlan });
    level = level.find((a) => a.name === 'encap')?.nested ?? [];
  }
}

function vlanText(vlan: OdpKeyAttr): string {
  const vid = given(fld('vid', 'dec', 12), vlan);
  const pcp = given(fld('pcp', 'dec', 3), vlan);
  if (vid.m === 0xfffn && pcp.m === 7n) return `vlan(vid=${vid.v},pcp=${pcp.v})`;
  return `vlan(vid=${vid.v}/0x${vid.m.toString(16)},pcp=${pcp.v}/0x${pcp.m.toString(16)})`;
}

/** L3 and L4 attributes, as the matched ethertype, protocol and fragment state allow. */
function upperText(attrs: ReadonlyMap<string, OdpKeyAttr>, ethType: bigint): string[] {
  const l3 = ethType === 0x0800n ? 'ipv4' : ethType === 0x86ddn ? 'ipv6' : ethType === 0x0806n ? 'arp' : undefined;
  if (!l3) return [];
  const out = [attrText(l3, attrs.get(l3))];
  if (l3 === 'arp') return out;
  const proto = given(fld('proto', 'dec', 8), attrs.get(l3));
  const frag = given(fld('frag', 'frag', 8), attrs.get(l3));
  if (proto.m !== 0xffn || frag.v === 3n) return out;
  const byProto: Readonly<Record<number, string>> = { 1: l3 === 'ipv4' ? 'icmp' : '', 58: l3 === 'ipv6' ? 'icmpv6' : '', 6: 'tcp', 17: 'udp', 132: 'sctp' };
  const l4 = byProto[Number(proto.v)];
  if (!l4) return out;
  out.push(attrText(l4, attrs.get(l4)));
  if (l4 === 'tcp') out.push(tcpFlagsText(attrs.get('tcp_flags')));
  const [type, code] = ICMP.map((x) => given(x, attrs.get('icmpv6')).v);
  if (l4 === 'icmpv6' && (type === 135n || type === 136n) && code === 0n) out.push(attrText('nd', attrs.get('nd')));
  return out;
}

function canonicalKey(key: readonly OdpKeyAttr[]): string {
  const { attrs, tags, ethType } = flatten(key);
  const inPort = bare(attrs.get('in_port'), 32);
  let text = `in_port(${inPort.v}${inPort.m === full(32) ? '' : `/${inPort.m}`}),${attrText('eth', attrs.get('eth'))}`;
  for (const [i, { tpid, vlan }] of tags.entries()) {
    const cut = vlan.fields.some((x) => x.name === 'cfi' && x.value === '0');
    text += `${i ? '' : ','}eth_type(0x${tpid.toString(16).padStart(4, '0')}),${cut ? 'vlan(vid=0,pcp=0,cfi=0)' : vlanText(vlan)},encap(`;
    if (cut) return text + ')'.repeat(tags.length);
  }
  const et = bare(ethType, 16);
  const etText = et.m === 0n ? 'eth_type(0x0000/0x0)' : et.v === 0n ? 'eth_type(0/0xffff)' : `eth_type(0x${et.v.toString(16).padStart(4, '0')})`;
  const inner = [etText, ...upperText(attrs, et.m === 0xffffn ? et.v : -1n)].join(',');
  return `${text}${tags.length ? '' : ','}${inner}${')'.repeat(tags.length)}`;
}

function actionText(a: OdpAction, proto: bigint): string {
  switch (a.type) {
    case 'output':
      return String(a.port);
    case 'push_vlan':
      return `push_vlan(${a.tpid === 0x8100 ? '' : `tpid=0x${a.tpid.toString(16).padStart(4, '0')},`}vid=${a.vid},pcp=${a.pcp})`;
    case 'userspace':
      return `userspace(pid=${a.args.find((x) => x.name === 'pid')?.value}${a.args.some((x) => x.name === 'controller') ? ',controller' : ''})`;
    case 'set': {
      const name = a.attr.name === 'tcp' || a.attr.name === 'udp' ? (proto === 6n ? 'tcp' : 'udp') : a.attr.name;
      const fields = (SET_FIELDS[a.attr.name] ?? []).map((f) => [f, given(f, a.attr)] as const).filter(([, x]) => x.m !== 0n);
      return `set(${name}(${fields.map(([f, x]) => fieldText(f, x)).join(',')}))`;
    }
    default:
      return a.type;
  }
}

function canonical(odp: string): string {
  const at = odp.lastIndexOf(' actions:');
  const f = parseOdpFlow(`${odp.slice(0, at)}, packets:0, bytes:0, used:never${odp.slice(at)}`, 'canonical');
  const { attrs } = flatten(f.key);
  const ip = attrs.get('ipv4') ?? attrs.get('ipv6');
  const proto = ip ? given(fld('proto', 'dec', 8), ip) : { v: 0n, m: 0n };
  const actions = f.actions.filter((a) => a.type !== 'drop').map((a) => actionText(a, proto.v & proto.m));
  return `${canonicalKey(f.key)} actions:${actions.join(',') || 'drop'}`;
}

/**
 * Every flow the datapath suite puts (and every key it deletes, which the agent parses as a
 * flow), recorded by running its cases against a context that only records: ports p1=1, p2=2.
 * The rest of each case needs traffic and fails here, which means nothing.
 */
async function suiteFlows(): Promise<{ id: string; odp: string; invalid: boolean }[]> {
  const flows: { id: string; odp: string; invalid: boolean }[] = [];
  // UFIDs are not the agent's (dp.ufid is unsupported on ebpf): those cases never reach it.
  for (const c of DATAPATH.flatMap((g) => g.cases).filter((x) => x.features.includes('dp.flow_put') && !x.features.includes('dp.ufid'))) {
    const record = (odp: string) => {
      flows.push({ id: c.id, odp, invalid: c.features.includes('dp.validate') });
      return Promise.resolve();
    };
    const dp = { ports: () => Promise.resolve({ p1: 1, p2: 2 }), putFlow: record, delFlow: (key: string) => record(`${key} actions:drop`) };
    const ctx = {
      dp,
      ports: { p1: 1, p2: 2 },
      note: () => undefined,
      pipeline: () => Promise.resolve(),
      dumpFlows: () => Promise.resolve([]),
      expectDelivery: () => Promise.resolve(new Map()),
    };
    await c.run(ctx as unknown as CaseContext).catch(() => undefined);
  }
  return flows;
}

/**
 * The flows of the recorded OVS dump, cut to the agent's subset: statistics and ufid off; the
 * conntrack and packet_type attributes it has no fields for (all wildcarded or Ethernet there)
 * off; controller(...) arguments off, as its packet-ins carry none.
 */
function fixtureFlows(): string[] {
  const text = readFileSync(FIXTURE, 'utf8');
  return parseOdpFlowDump(
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n'),
    FIXTURE,
  ).map((f) => {
    const key = f.raw
      .slice(f.raw.indexOf(', ') + 2, f.raw.indexOf(', packets:'))
      .replace(/(ct_state|ct_zone|ct_mark|ct_label)\(0\/0\),|packet_type\(ns=0,id=0\),/g, '');
    const actions = f.raw
      .slice(f.raw.indexOf('actions:') + 8)
      .replace(/, dp-extra-info:.*$/, '')
      .replace(/controller\([^)]*\)/, 'controller');
    return `${key} actions:${actions}`;
  });
}

/** Flows as the agent prints them, its own canonical form: each must come back unchanged. */
const PRINTED = [
  'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x88a8),vlan(vid=200,pcp=0),encap(eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=2000))) actions:drop',
  'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap() actions:drop',
  'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x86dd),ipv6(src=2001:db8::1,dst=ff02::1:ff00:2,label=0x12345,proto=58,tclass=0x0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=0a:dd:00:00:00:01,tll=00:00:00:00:00:00) actions:userspace(pid=0,controller),2',
  'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=40000,dst=80),tcp_flags(syn|ack) actions:push_vlan(tpid=0x88a8,vid=200,pcp=0),2',
  'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=0a:dd:00:00:00:01,tha=00:00:00:00:00:00) actions:set(eth(dst=0a:dd:00:00:00:00/ff:ff:ff:00:00:00)),1',
  'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0/0xffff) actions:drop',
  // The issue's lossy round trips: userspace(pid=1) came back as userspace(pid=0,controller).
  'in_port(2),eth(src=00:00:00:00:00:00/00:00:00:00:00:00,dst=00:00:00:00:00:00/00:00:00:00:00:00),eth_type(0x0800),ipv4(src=0.0.0.0/0.0.0.0,dst=0.0.0.0/0.0.0.0,proto=6,tos=0/0,ttl=0/0,frag=no/0),tcp(src=80,dst=0/0),tcp_flags(0x000/0x000) actions:userspace(pid=1)',
  'in_port(1),eth(src=00:00:00:00:00:00/00:00:00:00:00:00,dst=00:00:00:00:00:00/00:00:00:00:00:00),eth_type(0x86dd),ipv6(src=2001:db8::/ffff:ffff::,dst=::/::,label=0x0/0x0,proto=17,tclass=0x0/0x0,hlimit=0/0,frag=no),udp(src=0/0,dst=53) actions:set(ipv6(src=2001:db8::99,hlimit=9)),set(udp(dst=5353)),2',
];

/** Text the kernel's flow validation (or the agent's own limits) refuses, with the reason. */
const REFUSED: readonly [string, string][] = [
  ['eth_type(0x0800),ipv4(src=10.0.0.1),tcp(src=80) actions:2', 'tcp() needs proto=6 in ipv4() or ipv6()'],
  ['tcp(src=80) actions:2', 'tcp() needs eth_type(0x0800) or eth_type(0x86dd)'],
  ['eth_type(0x0800),ipv4(proto=6/0xf0),tcp(src=80) actions:2', 'tcp() can match its fields only with proto=6 in ipv4() or ipv6() matched exactly'],
  ['eth_type(0x0800),ipv4(proto=17,frag=later),udp(dst=53) actions:2', 'udp() needs frag=no or frag=first'],
  ['eth_type(0x86dd),ipv6(proto=58),icmpv6(type=128),nd(target=2001:db8::1) actions:drop', 'nd() needs icmpv6(type=135) or icmpv6(type=136)'],
  ['eth_type(0x0800),arp(op=1) actions:drop', 'arp() needs eth_type(0x0806)'],
  ['eth_type(0x8100),ipv4() actions:drop', 'eth_type(0x8100) needs vlan() and encap(...)'],
  ['vlan(vid=10),encap() actions:drop', 'vlan() needs eth_type(0x8100) or eth_type(0x88a8) before it'],
  ['eth_type(0x8100),vlan(vid=10,cfi=0),encap() actions:drop', 'vlan(cfi=0) is a tag cut short'],
  ['eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap(eth_type(0x0800)) actions:drop', 'encap() of a tag cut short (cfi=0) must be empty'],
  ['eth_type(0x0800),ipv4(proto=17),udp() actions:set(tcp(src=1)),2', 'set(tcp()) needs the flow to match proto=6 in ipv4() or ipv6() exactly'],
  ['recirc_id(5) actions:2', 'recirc_id(): this datapath has no recirc_id to match'],
  ['actions:set(ipv4(ttl=1)),2', 'set(ipv4()) needs the flow to match eth_type(0x0800) exactly'],
  ['actions:drop,2', 'drop is the whole action list'],
  ['actions:userspace(pid=0,controller(reason=1))', 'userspace(): controller takes no value'],
  ['actions:userspace(controller)', 'userspace() needs pid=N'],
  ['actions:push_vlan(vid=5000),2', "push_vlan(): vid: bad value '5000' (a number up to 4095)"],
  ['eth_type(0x0800),ipv4(src=1.1.1.1),ipv4(dst=2.2.2.2) actions:drop', 'ipv4() given twice'],
  ['eth_type(0x0800),ipv4(src=10.0.0.1,bogus=1) actions:2', "ipv4(): unknown field 'bogus' (src, dst, proto, tos, ttl, frag)"],
  ['eth_type(0x0400) actions:drop', 'eth_type(): 0x400 is an 802.3 length'],
  ['eth_type(0x0800/0xff00) actions:drop', 'eth_type(): masks are all (0xffff) or nothing (0)'],
  // Cut short inside vlan(): the parser read past the end of the text here.
  ['eth_type(0x8100),vlan(vi', "vlan(): unknown field 'vi'"],
  ['eth_type(0x8100),vlan(vid=1', "vlan(): missing ')'"],
];

async function roundTrip(flows: readonly string[], ...args: string[]): Promise<string[]> {
  const r = await exec(TOOL, args, { input: flows.map((f) => `${f}\n`).join(''), allowFail: true });
  expect(r.stderr, 'the round trip holds: printed flows parse back to the same flow').to.equal('');
  expect(r.code).to.equal(0);
  return r.stdout.split('\n').slice(0, flows.length);
}

describe('eBPF agent ODP text: parse then print (dplab-ebpf-odp-roundtrip)', () => {
  before(function () {
    if (!existsSync(TOOL)) throw new Error(`${TOOL} is missing: run npm run build`);
  });

  it('prints every flow the datapath suite puts in its canonical form, and refuses the ones it must', async () => {
    const flows = await suiteFlows();
    expect(flows.length, 'flows recorded from the suite').to.be.at.least(6);
    const out = await roundTrip(flows.map((f) => f.odp));
    flows.forEach(({ id, odp, invalid }, i) => {
      if (id === 'flow.put-rejects-bad-syntax') expect(out[i], id).to.match(/^error: .*bogus/);
      // Flows whose actions do not fit their key: the agent validates them as the kernel does.
      else if (invalid) expect(out[i], `${id}: ${odp}`).to.match(/^error: /);
      else expect(out[i], `${id}: ${odp}`).to.equal(canonical(odp));
    });
  });

  it('prints the flows of a recorded OVS dump, cut to the agent subset, in canonical form', async () => {
    const flows = fixtureFlows();
    expect(flows).to.have.length(10);
    const out = await roundTrip(flows);
    flows.forEach((odp, i) => expect(out[i], odp).to.equal(canonical(odp)));
  });

  it('gives back the text it prints, unchanged', async () => {
    await roundTrip(PRINTED, '--exact');
    PRINTED.forEach((odp) => expect(canonical(odp), 'canonical() of a canonical flow').to.equal(odp));
  });

  it('refuses what the kernel would refuse, naming the reason, and never reads past the text', async () => {
    const out = await roundTrip(REFUSED.map(([odp]) => `in_port(1),eth()${odp.startsWith('actions:') ? ' ' : ','}${odp}`));
    REFUSED.forEach(([odp, why], i) => expect(out[i], odp).to.contain(`error: ${why}`));
  });
});
