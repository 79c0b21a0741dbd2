import { AssertionError, expect } from 'chai';
import { spawn } from 'node:child_process';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { exec } from '../../harness/system/exec.js';
import { icmp4Error, icmp6Error, ipPacket } from './ct-frames.js';
import { H1, H2, udp4, udp6 } from './frames.js';

/**
 * NAT through the connection tracker, as OVS's tests/system-traffic.at does it: the first packet
 * of a connection goes through ct(commit,nat(...)), which picks the translation; every later
 * packet of either direction goes through ct(nat), which applies the connection's translation
 * (the reply un-NATed). Expected frames are built with the translated fields, so checksums the
 * translation must fix (IP header, L4 pseudo-header, ICMP and the packet an ICMP error quotes)
 * are checked byte for byte.
 */

/** p1 opens connections with the given nat(); everything else passes only through ct(nat) as +est (or +rel). */
function natPipeline(nat: string, proto = 'ip'): string {
  return [
    `table=0,priority=10,in_port=p1,${proto},actions=ct(nat,table=1)`,
    `table=0,priority=10,in_port=p2,${proto},actions=ct(nat,table=1)`,
    `table=1,priority=10,ct_state=+trk+new,${proto},in_port=p1,actions=ct(commit,nat(${nat})),output:p2`,
    'table=1,priority=10,ct_state=+trk+est,in_port=p1,actions=output:p2',
    'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
    'table=1,priority=10,ct_state=+trk+rel,in_port=p2,actions=output:p1',
    'table=1,priority=1,actions=drop',
  ].join('\n');
}

const NOTHING = { waitMs: 400 } as const;

type U4 = Parameters<typeof udp4>[0];
type U6 = Parameters<typeof udp6>[0];
/** h1 -> h2 UDP 1000 -> 2000; its reply h2 -> h1, with addresses and ports as the case gives them. */
const out4 = (ip: { src?: string; dst?: string } = {}, o: U4 = {}) =>
  udp4({ sport: 1000, dport: 2000, payload: 'request', ...o, ip: { src: ip.src ?? H1.ip, dst: ip.dst ?? H2.ip } });
const back4 = (ip: { src?: string; dst?: string } = {}, o: U4 = {}) =>
  udp4({ src: H2.mac, dst: H1.mac, sport: 2000, dport: 1000, payload: 'reply', ...o, ip: { src: ip.src ?? H2.ip, dst: ip.dst ?? H1.ip } });
const out6 = (ip6: { src?: string; dst?: string } = {}, o: U6 = {}) =>
  udp6({ sport: 1000, dport: 2000, payload: 'request6', ...o, ip6: { src: ip6.src ?? H1.ip6, dst: ip6.dst ?? H2.ip6 } });
const back6 = (ip6: { src?: string; dst?: string } = {}, o: U6 = {}) =>
  udp6({ src: H2.mac, dst: H1.mac, sport: 2000, dport: 1000, payload: 'reply6', ...o, ip6: { src: ip6.src ?? H2.ip6, dst: ip6.dst ?? H1.ip6 } });

/**
 * Sends one frame from h1 and expects exactly one frame on h2 (nothing elsewhere) that is byte
 * for byte one of `candidates`: the translations a range allows. Returns its index.
 */
async function oneOf(t: CaseContext, frame: Buffer, candidates: readonly Buffer[]): Promise<number> {
  const got = await t.send('h1', frame, { waitMs: 1000 });
  const h2 = got.get('h2') ?? [];
  const elsewhere = [...got].filter(([ep, l]) => ep !== 'h2' && l.length > 0).map(([ep]) => ep);
  if (h2.length !== 1 || elsewhere.length > 0)
    throw new AssertionError(
      `expected exactly 1 frame on h2 and none elsewhere, got ${h2.length} on h2${elsewhere.length ? `, frames on ${elsewhere.join(',')}` : ''}`,
    );
  const i = candidates.findIndex((c) => c.equals(h2[0]!));
  if (i < 0) throw new AssertionError(`h2 got ${h2[0]!.toString('hex')}, none of the ${candidates.length} translations the range allows`);
  return i;
}

/** Every (address, port) of a range, in order. */
const pairs = <A>(addrs: readonly A[], ports: readonly number[]) => addrs.flatMap((a) => ports.map((p) => [a, p] as const));

export const natCases: CaseGroup = {
  suite: 'conformance',
  name: 'nat',
  cases: [
    // ---- IPv4 ----
    defineCase({
      id: 'nat.snat-address',
      title: 'nat(src=A) rewrites the source address of the connection, and ct(nat) un-NATs the reply to the original host',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=10.1.1.240'));
        await t.expectDelivery('h1', out4(), { h2: [out4({ src: '10.1.1.240' })] });
        await t.expectDelivery('h2', back4({ dst: '10.1.1.240' }), { h1: [back4()] });
        const later = out4({}, { payload: 'later' });
        await t.expectDelivery('h1', later, { h2: [out4({ src: '10.1.1.240' }, { payload: 'later' })] });
      },
    }),
    defineCase({
      id: 'nat.snat-address-and-port',
      title: 'nat(src=A:P) rewrites the source address and port, and the reply gets both back',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=10.1.1.240:5000'));
        await t.expectDelivery('h1', out4(), { h2: [out4({ src: '10.1.1.240' }, { sport: 5000 })] });
        await t.expectDelivery('h2', back4({ dst: '10.1.1.240' }, { dport: 5000 }), { h1: [back4()] });
      },
    }),
    defineCase({
      id: 'nat.snat-range-distinct',
      title: 'nat(src=A1-A2:P1-P2) maps two clashing connections to two distinct address:port pairs of the range, each reply un-NATed to its own host',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=10.1.1.240-10.1.1.241:5000-5001'));
        const range = pairs(['10.1.1.240', '10.1.1.241'], [5000, 5001]);
        // Two hosts, same source port, same server: without distinct mappings the replies would collide.
        const hosts = [H1.ip, '10.0.0.11'];
        const chosen: (readonly [string, number])[] = [];
        for (const host of hosts) {
          const i = await oneOf(
            t,
            out4({ src: host }),
            range.map(([a, p]) => out4({ src: a }, { sport: p })),
          );
          chosen.push(range[i]!);
        }
        t.note(`mappings: ${hosts.map((h, i) => `${h}:1000 -> ${chosen[i]!.join(':')}`).join(', ')}`);
        expect(chosen[0], 'two connections share one mapping').to.not.deep.equal(chosen[1]);
        for (const [i, host] of hosts.entries()) {
          const [a, p] = chosen[i]!;
          await t.expectDelivery('h2', back4({ dst: a }, { dport: p }), { h1: [back4({ dst: host })] });
        }
      },
    }),
    defineCase({
      id: 'nat.dnat-address-and-port',
      title: 'nat(dst=A:P) sends a virtual address:port to the real server, and the reply comes back from the virtual one',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('dst=10.0.0.2:8080'));
        await t.expectDelivery('h1', out4({ dst: '10.1.1.100' }, { dport: 80 }), { h2: [out4({}, { dport: 8080 })] });
        await t.expectDelivery('h2', back4({}, { sport: 8080 }), { h1: [back4({ src: '10.1.1.100' }, { sport: 80 })] });
      },
    }),
    defineCase({
      id: 'nat.dnat-port-range',
      title: 'nat(dst=A:P1-P2) picks a port of the range and keeps it for the connection',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('dst=10.0.0.2:8080-8081'));
        const vip = (o: U4 = {}) => out4({ dst: '10.1.1.100' }, { dport: 80, ...o });
        const ports = [8080, 8081];
        const i = await oneOf(
          t,
          vip(),
          ports.map((p) => out4({}, { dport: p })),
        );
        const port = ports[i]!;
        t.note(`10.1.1.100:80 -> 10.0.0.2:${port}`);
        await t.expectDelivery('h1', vip({ payload: 'later' }), { h2: [out4({}, { dport: port, payload: 'later' })] });
        await t.expectDelivery('h2', back4({}, { sport: port }), { h1: [back4({ src: '10.1.1.100' }, { sport: 80 })] });
      },
    }),
    defineCase({
      id: 'nat.unsolicited-to-nat-address-dropped',
      title: 'a packet to the SNAT address that belongs to no connection is +new and dropped, not un-NATed',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=10.1.1.240'));
        await t.expectDelivery('h2', back4({ dst: '10.1.1.240' }), {}, NOTHING);
        await t.expectDelivery('h1', out4(), { h2: [out4({ src: '10.1.1.240' })] });
        await t.expectDelivery('h2', back4({ dst: '10.1.1.240' }, { sport: 2001 }), {}, NOTHING);
      },
    }),
    defineCase({
      id: 'nat.icmp-related-unnat',
      title: 'an ICMP error for a SNATed connection comes back +rel with its outer and quoted headers un-NATed',
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=10.1.1.240'));
        const sent = out4();
        const natted = out4({ src: '10.1.1.240' });
        await t.expectDelivery('h1', sent, { h2: [natted] });
        // h2 quotes what it received; h1 must see what it sent.
        const error = icmp4Error({ quoted: ipPacket(natted), to: '10.1.1.240' });
        await t.expectDelivery('h2', error, { h1: [icmp4Error({ quoted: ipPacket(sent) })] });
      },
    }),
    defineCase({
      id: 'nat.tcp-real-exchange',
      title: "a real TCP exchange between the endpoints' kernel stacks through DNAT: the client talks to the virtual address, the server sees the client",
      features: ['ct', 'ct.nat', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,in_port=p1,tcp,actions=ct(nat,table=1)',
            'table=0,priority=10,in_port=p2,tcp,actions=ct(nat,table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,tcp,nw_dst=10.1.1.100,tp_dst=80,actions=ct(commit,nat(dst=10.0.0.2:8080)),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p1,actions=output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const got = await withHostStacks(t, async () => {
          const server = await startServer(t.topology.endpoint('h2').netns);
          try {
            return await runClient(t.topology.endpoint('h1').netns);
          } finally {
            server.kill();
          }
        });
        t.note(`client: ${JSON.stringify(got)}`);
        expect(got, 'what each end saw').to.deep.equal({ remote: '10.1.1.100:80', reply: 'hello from 10.0.0.1:40123 to 10.0.0.2:8080' });
        const entries = await t.sw.conntrack.entries();
        t.note(`conntrack: ${entries.join(' | ')}`);
        expect(
          entries.some((e) =>
            e.startsWith('tcp,orig=(src=10.0.0.1,dst=10.1.1.100,sport=40123,dport=80),reply=(src=10.0.0.2,dst=10.0.0.1,sport=8080,dport=40123)'),
          ),
          'the DNAT connection',
        ).to.equal(true);
      },
    }),

    // ---- IPv6 ----
    defineCase({
      id: 'nat.ipv6-snat-address',
      title: 'nat(src=[A]) rewrites an IPv6 source (UDP checksum over the new pseudo-header), and the reply is un-NATed',
      features: ['ct', 'ct.ipv6', 'ct.nat6', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=[2001:db8::240]', 'ipv6'));
        await t.expectDelivery('h1', out6(), { h2: [out6({ src: '2001:db8::240' })] });
        await t.expectDelivery('h2', back6({ dst: '2001:db8::240' }), { h1: [back6()] });
      },
    }),
    defineCase({
      id: 'nat.ipv6-dnat-address',
      title: 'nat(dst=[A]) sends an IPv6 virtual address to the real server, and the reply comes back from the virtual one',
      features: ['ct', 'ct.ipv6', 'ct.nat6', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('dst=[2001:db8::2]', 'ipv6'));
        await t.expectDelivery('h1', out6({ dst: '2001:db8::99' }), { h2: [out6()] });
        await t.expectDelivery('h2', back6(), { h1: [back6({ src: '2001:db8::99' })] });
      },
    }),
    defineCase({
      id: 'nat.ipv6-snat-range-distinct',
      title: 'nat(src=[A1]-[A2]:P1-P2) maps two clashing IPv6 connections to distinct address:port pairs, each reply un-NATed',
      features: ['ct', 'ct.ipv6', 'ct.nat6', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=[2001:db8::240]-[2001:db8::241]:5000-5001', 'ipv6'));
        const range = pairs(['2001:db8::240', '2001:db8::241'], [5000, 5001]);
        const hosts = [H1.ip6, '2001:db8::11'];
        const chosen: (readonly [string, number])[] = [];
        for (const host of hosts) {
          const i = await oneOf(
            t,
            out6({ src: host }),
            range.map(([a, p]) => out6({ src: a }, { sport: p })),
          );
          chosen.push(range[i]!);
        }
        t.note(`mappings: ${hosts.map((h, i) => `[${h}]:1000 -> [${chosen[i]![0]}]:${chosen[i]![1]}`).join(', ')}`);
        expect(chosen[0], 'two connections share one mapping').to.not.deep.equal(chosen[1]);
        for (const [i, host] of hosts.entries()) {
          const [a, p] = chosen[i]!;
          await t.expectDelivery('h2', back6({ dst: a }, { dport: p }), { h1: [back6({ dst: host })] });
        }
      },
    }),
    defineCase({
      id: 'nat.ipv6-icmp6-related-unnat',
      title: 'an ICMPv6 error for a SNATed IPv6 connection comes back +rel with its outer and quoted headers un-NATed',
      features: ['ct', 'ct.ipv6', 'ct.nat6', 'recirc'],
      run: async (t) => {
        await t.pipeline(natPipeline('src=[2001:db8::240]', 'ipv6'));
        const sent = out6();
        const natted = out6({ src: '2001:db8::240' });
        await t.expectDelivery('h1', sent, { h2: [natted] });
        const error = icmp6Error({ quoted: ipPacket(natted), to: '2001:db8::240' });
        await t.expectDelivery('h2', error, { h1: [icmp6Error({ quoted: ipPacket(sent) })] });
      },
    }),
  ],
};

/**
 * Gives h1 and h2 their lab addresses and static neighbours (h1 reaches 10.1.1.100 at h2's MAC,
 * h2 reaches h1 at h1's MAC) for `fn`, and takes them away again: other cases need endpoints
 * whose kernels answer nothing.
 */
async function withHostStacks<T>(t: CaseContext, fn: () => Promise<T>): Promise<T> {
  const h1 = t.topology.endpoint('h1');
  const h2 = t.topology.endpoint('h2');
  const ip = (netns: string, args: readonly string[]) => exec('ip', ['-n', netns, ...args]);
  try {
    await ip(h1.netns, ['addr', 'add', `${H1.ip}/24`, 'dev', h1.ifname]);
    await ip(h1.netns, ['neigh', 'replace', '10.1.1.100', 'lladdr', h2.mac, 'dev', h1.ifname, 'nud', 'permanent']);
    await ip(h1.netns, ['route', 'add', '10.1.1.100/32', 'dev', h1.ifname]);
    await ip(h2.netns, ['addr', 'add', `${H2.ip}/24`, 'dev', h2.ifname]);
    await ip(h2.netns, ['neigh', 'replace', H1.ip, 'lladdr', h1.mac, 'dev', h2.ifname, 'nud', 'permanent']);
    return await fn();
  } finally {
    for (const e of [h1, h2]) {
      await exec('ip', ['-n', e.netns, 'addr', 'flush', 'dev', e.ifname], { allowFail: true });
      await exec('ip', ['-n', e.netns, 'neigh', 'flush', 'dev', e.ifname, 'nud', 'permanent'], { allowFail: true });
    }
  }
}

const SERVER = `const net = require('net');
const s = net.createServer((c) => c.once('data', (d) => { c.end(d + ' from ' + c.remoteAddress + ':' + c.remotePort + ' to ' + c.localAddress + ':' + c.localPort); s.close(); }));
s.listen(8080, '10.0.0.2', () => console.log('listening'));
setTimeout(() => process.exit(2), 8000).unref();`;

const CLIENT = `const net = require('net');
const c = net.connect({ host: '10.1.1.100', port: 80, localAddress: '10.0.0.1', localPort: 40123 });
let remote = '', reply = '';
c.on('connect', () => { remote = c.remoteAddress + ':' + c.remotePort; c.write('hello'); });
c.on('data', (d) => (reply += d));
c.on('end', () => console.log(JSON.stringify({ remote, reply })));
c.on('error', (e) => { console.error(e.message); process.exit(1); });`;

/** A one-connection TCP server on 10.0.0.2:8080 in h2's namespace (gone after 8 s at most), once it listens. */
async function startServer(netns: string): Promise<{ kill(): void }> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`TCP server did not listen within 5 s: ${err.trim()}`)), 5000);
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`TCP server exited (${code}) before listening: ${err.trim()}`));
    });
  });
  return { kill: () => child.kill() };
}

/** Connects from h1 to 10.1.1.100:80, sends 'hello' and returns what it saw (bounded: 5 s). */
async function runClient(netns: string): Promise<unknown> {
  const r = await exec(process.execPath, ['-e', CLIENT], { netns, timeoutMs: 5000, allowFail: true });
  if (r.code !== 0 || !r.stdout.trim()) throw new AssertionError(`TCP client through the DUT failed (exit ${r.code}): ${r.stderr.trim() || 'no reply'}`);
  return JSON.parse(r.stdout.trim()) as unknown;
}
