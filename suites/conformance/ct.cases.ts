import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { icmp4Error, icmp6Error, ipPacket } from './ct-frames.js';
import { H1, H2, icmp4, icmp6, tcp4, udp4, udp6 } from './frames.js';

/**
 * Connection tracking, as OVS's tests/system-traffic.at exercises it: ct() sends the packet
 * through the connection tracker and recirculates it to a table where ct_state, ct_zone,
 * ct_mark and ct_label describe what the tracker found; ct(commit) makes the connection exist.
 * Every packet goes alone and in order, each one after the previous one's verdict is seen, so
 * the tracker sees the connection's packets in the order the case states.
 *
 * Frames h1 -> h2 are the "original" direction (h1's port is p1), h2 -> h1 the reply.
 */

/** The usual two-table stateful firewall: p1 may open connections, p2 may only answer them. */
export const FIREWALL = [
  'table=0,priority=10,ip,actions=ct(table=1)',
  'table=0,priority=10,ipv6,actions=ct(table=1)',
  'table=0,priority=1,actions=drop',
  'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit),output:p2',
  'table=1,priority=10,ct_state=+trk+new,ipv6,in_port=p1,actions=ct(commit),output:p2',
  'table=1,priority=10,ct_state=+trk+est,in_port=p1,actions=output:p2',
  'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
  'table=1,priority=1,actions=drop',
].join('\n');

/** How long a case listens for a frame that must not arrive. */
export const NOTHING = { waitMs: 400 } as const;

type U4 = Parameters<typeof udp4>[0];
/** h1 -> h2 UDP 1000 -> 2000 and its reply. */
export const out4 = (o: U4 = {}) => udp4({ sport: 1000, dport: 2000, payload: 'request', ...o });
export const back4 = (o: U4 = {}) => udp4({ src: H2.mac, dst: H1.mac, ip: { src: H2.ip, dst: H1.ip }, sport: 2000, dport: 1000, payload: 'reply', ...o });
type U6 = Parameters<typeof udp6>[0];
export const out6 = (o: U6 = {}) => udp6({ sport: 1000, dport: 2000, payload: 'request6', ...o });
export const back6 = (o: U6 = {}) => udp6({ src: H2.mac, dst: H1.mac, ip6: { src: H2.ip6, dst: H1.ip6 }, sport: 2000, dport: 1000, payload: 'reply6', ...o });

type T4 = Parameters<typeof tcp4>[0];
const tcpOut = (o: T4 = {}) => tcp4({ sport: 40000, dport: 80, ...o });
const tcpBack = (o: T4 = {}) => tcp4({ src: H2.mac, dst: H1.mac, ip: { src: H2.ip, dst: H1.ip }, sport: 80, dport: 40000, ...o });

/** Sends h1's packet (delivered to h2) then h2's reply, each with its expected delivery. */
async function exchange(t: CaseContext, out: Buffer, back: Buffer, replyPasses: boolean): Promise<void> {
  await t.expectDelivery('h1', out, { h2: [out] });
  if (replyPasses) await t.expectDelivery('h2', back, { h1: [back] });
  else await t.expectDelivery('h2', back, {}, NOTHING);
}

/**
 * Opens a TCP connection (SYN, SYN-ACK, ACK) through a firewall that sends +inv to h3, then sends
 * `bad` from h1, which must be +inv (h3), and in-window data, which must still be +est (h2).
 */
async function invalidOnEstablished(t: CaseContext, bad: Buffer): Promise<void> {
  await t.pipeline(
    [
      'table=0,priority=10,ip,actions=ct(table=1)',
      'table=1,priority=20,ct_state=+trk+inv,actions=output:p3',
      'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit),output:p2',
      'table=1,priority=10,ct_state=+trk+est,in_port=p1,actions=output:p2',
      'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
      'table=1,priority=1,actions=drop',
    ].join('\n'),
  );
  const syn = tcpOut({ flags: 'S', seq: 1000 });
  const synAck = tcpBack({ flags: 'SA', seq: 5000, ack: 1001 });
  const ack = tcpOut({ flags: 'A', seq: 1001, ack: 5001 });
  await t.expectDelivery('h1', syn, { h2: [syn] });
  await t.expectDelivery('h2', synAck, { h1: [synAck] });
  await t.expectDelivery('h1', ack, { h2: [ack] });
  await t.expectDelivery('h1', bad, { h3: [bad] });
  const inWindow = tcpOut({ flags: 'PA', seq: 1001, ack: 5001, payload: 'near' });
  await t.expectDelivery('h1', inWindow, { h2: [inWindow] });
}

/** Waits for the connection table to hold `n` entries (bounded: 2 s), and returns them. */
export async function entriesSettled(t: CaseContext, n: number, zone?: number): Promise<string[]> {
  let got: string[] = [];
  for (const until = Date.now() + 2000; Date.now() < until; await sleep(50)) {
    got = await t.sw.conntrack.entries(zone);
    if (got.length === n) break;
  }
  t.note(`conntrack${zone !== undefined ? ` zone ${zone}` : ''}: ${got.length ? got.join(' | ') : '(empty)'}`);
  return got;
}

/**
 * Sends the first packet of a connection its zone has no room for. ovs-dpctl(8) says only that
 * the zone holds at most `limit` connections, not what becomes of the packet whose commit is
 * refused (the kernel datapath drops it, the userspace one sends it on uncommitted), so what
 * arrives is recorded, and the case checks what is specified: no entry, no +est reply.
 */
async function overLimit(t: CaseContext, frame: Buffer): Promise<void> {
  const got = await t.send('h1', frame, NOTHING);
  const where = [...got].filter(([, l]) => l.length > 0).map(([ep, l]) => `${ep}: ${l.length}`);
  t.note(`first packet of the connection over the zone limit: ${where.length ? `delivered (${where.join(', ')})` : 'not delivered'}`);
}

export const ctCases: CaseGroup = {
  suite: 'conformance',
  name: 'ct',
  cases: [
    // ---- ct_state and commit (IPv4) ----
    defineCase({
      id: 'ct.firewall-reply-after-commit',
      title: 'a UDP connection p1 opens and commits lets its reply in from p2, and its next packet out again',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        await exchange(t, out4(), back4(), true);
        const again = out4({ payload: 'again' });
        await t.expectDelivery('h1', again, { h2: [again] });
      },
    }),
    defineCase({
      id: 'ct.firewall-unsolicited-dropped',
      title: 'a packet from p2 without a connection is +new there and the firewall drops it',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        await t.expectDelivery('h2', back4(), {}, NOTHING);
        // The same tuple from p1 afterwards opens the connection: h2's earlier packet left none.
        await exchange(t, out4(), back4(), true);
      },
    }),
    defineCase({
      id: 'ct.no-commit-no-connection',
      title: 'ct() without commit tracks but keeps nothing: the reply is +new and dropped, no entry exists',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,actions=output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await exchange(t, out4(), back4(), false);
        expect(await entriesSettled(t, 0), 'conntrack entries').to.deep.equal([]);
      },
    }),
    defineCase({
      id: 'ct.state-new-est-rpl',
      title: 'a committed connection stays +new until its reply is seen, is +est after it, and +rpl marks only the reply direction',
      features: ['ct', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        // +new goes to h2, +est+rpl back to h1, +est-rpl to h3: one rule per state, so the port tells the state.
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new-est-rpl,ip,in_port=p1,actions=ct(commit),output:p2',
            'table=1,priority=10,ct_state=+trk+est-rpl-new,in_port=p1,actions=output:p3',
            'table=1,priority=10,ct_state=+trk+est+rpl-new,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const first = out4({ payload: 'first' });
        const second = out4({ payload: 'second' });
        const third = out4({ payload: 'third' });
        await t.expectDelivery('h1', first, { h2: [first] });
        // Committed, but not seen both ways yet (ovs-fields(7): est needs both directions).
        await t.expectDelivery('h1', second, { h2: [second] });
        await t.expectDelivery('h2', back4(), { h1: [back4()] });
        await t.expectDelivery('h1', third, { h3: [third] });
      },
    }),
    defineCase({
      id: 'ct.invalid-bad-checksum',
      title: 'a UDP packet with a wrong checksum is +inv, its good twin +new',
      features: ['ct', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+inv,actions=output:p3',
            'table=1,priority=10,ct_state=+trk+new,actions=output:p2',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const good = out4();
        const bad = Buffer.from(good);
        bad.writeUInt16BE(good.readUInt16BE(40) ^ 0x5a5a, 40); // the UDP checksum (14 + 20 + 6)
        await t.expectDelivery('h1', bad, { h3: [bad] });
        await t.expectDelivery('h1', good, { h2: [good] });
      },
    }),
    defineCase({
      id: 'ct.tcp-handshake',
      title: 'SYN (+new, committed), SYN-ACK (+est+rpl), ACK and data (+est) pass the firewall',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        const syn = tcpOut({ flags: 'S', seq: 1000 });
        const synAck = tcpBack({ flags: 'SA', seq: 5000, ack: 1001 });
        const ack = tcpOut({ flags: 'A', seq: 1001, ack: 5001 });
        const data = tcpOut({ flags: 'PA', seq: 1001, ack: 5001, payload: 'GET /' });
        const dataAck = tcpBack({ flags: 'A', seq: 5001, ack: 1006 });
        await t.expectDelivery('h1', syn, { h2: [syn] });
        await t.expectDelivery('h2', synAck, { h1: [synAck] });
        await t.expectDelivery('h1', ack, { h2: [ack] });
        await t.expectDelivery('h1', data, { h2: [data] });
        await t.expectDelivery('h2', dataAck, { h1: [dataAck] });
        const [entry] = await entriesSettled(t, 1);
        expect(entry, 'the connection in the tracker').to.match(/^tcp,orig=\(src=10\.0\.0\.1,dst=10\.0\.0\.2,sport=40000,dport=80\).*ESTABLISHED/);
      },
    }),
    defineCase({
      id: 'ct.tcp-out-of-window-invalid',
      title: 'on an established TCP connection a segment far beyond the window is +inv; in-window data is +est',
      features: ['ct', 'recirc'],
      endpoints: 3,
      // 1 GiB past what h2 acknowledged and advertised (65535 bytes, no scaling).
      run: (t) => invalidOnEstablished(t, tcpOut({ flags: 'PA', seq: (1001 + 0x40000000) >>> 0, ack: 5001, payload: 'far' })),
    }),
    defineCase({
      id: 'ct.tcp-ack-unsent-invalid',
      title: 'on an established TCP connection a segment acknowledging data never sent is +inv; in-window data is +est',
      features: ['ct', 'recirc'],
      endpoints: 3,
      // h2 has sent nothing past its SYN-ACK (5000): this acknowledges 1 GiB more.
      run: (t) => invalidOnEstablished(t, tcpOut({ flags: 'PA', seq: 1001, ack: (5001 + 0x40000000) >>> 0, payload: 'ack' })),
    }),
    defineCase({
      id: 'ct.icmp-echo',
      title: 'an ICMP echo request opens a connection its reply matches; a reply with another id does not',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        const request = icmp4({ type: 8, id: 0x77, seq: 1 });
        const reply = icmp4({ src: H2.mac, dst: H1.mac, ip: { src: H2.ip, dst: H1.ip }, type: 0, id: 0x77, seq: 1 });
        const stray = icmp4({ src: H2.mac, dst: H1.mac, ip: { src: H2.ip, dst: H1.ip }, type: 0, id: 0x78, seq: 1 });
        await t.expectDelivery('h1', request, { h2: [request] });
        await t.expectDelivery('h2', stray, {}, NOTHING);
        await t.expectDelivery('h2', reply, { h1: [reply] });
      },
    }),
    defineCase({
      id: 'ct.icmp-related',
      title: 'an ICMP port unreachable quoting a committed UDP packet is +rel and passes; one quoting another flow does not',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp,actions=ct(commit),output:p2',
            'table=1,priority=10,ct_state=+trk+rel,in_port=p2,icmp,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const sent = out4();
        await t.expectDelivery('h1', sent, { h2: [sent] });
        const unrelated = icmp4Error({ quoted: ipPacket(out4({ dport: 2999 })) });
        await t.expectDelivery('h2', unrelated, {}, NOTHING);
        const related = icmp4Error({ quoted: ipPacket(sent) });
        await t.expectDelivery('h2', related, { h1: [related] });
      },
    }),
    defineCase({
      id: 'ct.zone-separate-tables',
      title: 'a connection committed in zone 1 does not exist in zone 2: the reply is +new there, +est in zone 1',
      features: ['ct', 'recirc'],
      run: async (t) => {
        const pipeline = (replyZone: number) =>
          [
            'table=0,priority=10,in_port=p1,ip,actions=ct(zone=1,table=1)',
            `table=0,priority=10,in_port=p2,ip,actions=ct(zone=${replyZone},table=1)`,
            'table=1,priority=10,ct_state=+trk+new,ct_zone=1,ip,in_port=p1,actions=ct(commit,zone=1),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n');
        await t.pipeline(pipeline(2));
        await exchange(t, out4(), back4(), false);
        // The same reply, looked up in the zone the connection was committed in.
        await t.pipeline(pipeline(1));
        await t.expectDelivery('h2', back4(), { h1: [back4()] });
        expect(await entriesSettled(t, 1, 1), 'zone 1').to.have.length(1);
        expect(await t.sw.conntrack.entries(2), 'zone 2').to.deep.equal([]);
      },
    }),
    defineCase({
      id: 'ct.zone-match',
      title: 'ct_zone matches the zone ct() looked the packet up in',
      features: ['ct', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,in_port=p1,udp,tp_dst=2000,actions=ct(zone=7,table=1)',
            'table=0,priority=10,in_port=p1,udp,tp_dst=3000,actions=ct(zone=8,table=1)',
            'table=1,priority=10,ct_state=+trk,ct_zone=7,actions=output:p2',
            'table=1,priority=10,ct_state=+trk,ct_zone=8,actions=output:p3',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const z7 = out4();
        const z8 = out4({ dport: 3000 });
        await t.expectDelivery('h1', z7, { h2: [z7] });
        await t.expectDelivery('h1', z8, { h3: [z8] });
      },
    }),
    defineCase({
      id: 'ct.mark-set-and-matched',
      title: 'ct_mark set by ct(commit,exec(...)) is matched by the reply; an unmarked connection is not',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp,tp_dst=2000,actions=ct(commit,exec(set_field:42->ct_mark)),output:p2',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp,tp_dst=3000,actions=ct(commit),output:p2',
            'table=1,priority=10,ct_state=+trk+est,ct_mark=42,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await exchange(t, out4(), back4(), true);
        await exchange(t, out4({ dport: 3000 }), back4({ sport: 3000 }), false);
        const marked = (await entriesSettled(t, 2)).filter((e) => /dport=2000\)/.test(e));
        expect(marked, 'the marked connection').to.have.length(1);
        expect(marked[0], 'the marked connection').to.match(/mark=42\b/);
      },
    }),
    defineCase({
      id: 'ct.label-set-and-matched',
      title: 'a 128-bit ct_label set at commit is matched in full by later packets',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit,exec(set_field:0x8000000000000000000000000000abcd->ct_label)),output:p2',
            'table=1,priority=10,ct_state=+trk+est,ct_label=0x8000000000000000000000000000abcd,in_port=p2,actions=output:p1',
            'table=1,priority=10,ct_state=+trk+est,ct_label=0x0000000000000000000000000000abcd,in_port=p2,actions=drop',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await exchange(t, out4(), back4(), true);
        const [entry] = await entriesSettled(t, 1);
        expect(entry, 'the committed connection').to.match(/labels=0x8000000000000000000000000000abcd\b/);
      },
    }),
    defineCase({
      id: 'ct.mark-kept-on-later-commit',
      title: 'a later ct(commit) without exec keeps the mark the first commit set',
      features: ['ct', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit,exec(set_field:7->ct_mark)),output:p2',
            'table=1,priority=10,ct_state=+trk+est,ct_mark=7,ip,in_port=p1,actions=ct(commit),output:p2',
            'table=1,priority=10,ct_state=+trk+est,ct_mark=7,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await exchange(t, out4(), back4(), true);
        // Now +est from p1: committed again without exec; the reply still carries mark 7.
        const second = out4({ payload: 'second' });
        await t.expectDelivery('h1', second, { h2: [second] });
        const again = back4({ payload: 'again' });
        await t.expectDelivery('h2', again, { h1: [again] });
        const [entry] = await entriesSettled(t, 1);
        expect(entry, 'the connection').to.match(/mark=7\b/);
      },
    }),
    defineCase({
      id: 'ct.clear',
      title: 'ct_clear forgets the tracking state: after it ct_state is -trk',
      features: ['ct', 'recirc'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk,actions=ct_clear,resubmit(,2)',
            'table=2,priority=10,ct_state=-trk,actions=output:p2',
            'table=2,priority=10,ct_state=+trk,actions=output:p3',
          ].join('\n'),
        );
        await t.expectDelivery('h1', out4(), { h2: [out4()] });
      },
    }),

    // ---- IPv6 ----
    defineCase({
      id: 'ct.ipv6-udp-reply',
      title: 'an IPv6 UDP connection p1 commits lets its reply through; an unsolicited IPv6 packet from p2 is dropped',
      features: ['ct', 'ct.ipv6', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        await t.expectDelivery('h2', back6({ sport: 2001 }), {}, NOTHING);
        await exchange(t, out6(), back6(), true);
      },
    }),
    defineCase({
      id: 'ct.ipv6-icmp6-echo',
      title: 'an ICMPv6 echo request opens a connection its echo reply matches',
      features: ['ct', 'ct.ipv6', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        const request = icmp6({ type: 128, id: 0x66, seq: 1 });
        const reply = icmp6({ src: H2.mac, dst: H1.mac, ip6: { src: H2.ip6, dst: H1.ip6 }, type: 129, id: 0x66, seq: 1 });
        const stray = icmp6({ src: H2.mac, dst: H1.mac, ip6: { src: H2.ip6, dst: H1.ip6 }, type: 129, id: 0x67, seq: 1 });
        await t.expectDelivery('h1', request, { h2: [request] });
        await t.expectDelivery('h2', stray, {}, NOTHING);
        await t.expectDelivery('h2', reply, { h1: [reply] });
      },
    }),
    defineCase({
      id: 'ct.ipv6-icmp6-related',
      title: 'an ICMPv6 port unreachable quoting a committed UDP packet is +rel; one quoting another flow is not',
      features: ['ct', 'ct.ipv6', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ipv6,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp6,actions=ct(commit),output:p2',
            'table=1,priority=10,ct_state=+trk+rel,in_port=p2,icmp6,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const sent = out6();
        await t.expectDelivery('h1', sent, { h2: [sent] });
        await t.expectDelivery('h2', icmp6Error({ quoted: ipPacket(out6({ dport: 2999 })) }), {}, NOTHING);
        const related = icmp6Error({ quoted: ipPacket(sent) });
        await t.expectDelivery('h2', related, { h1: [related] });
      },
    }),
    defineCase({
      id: 'ct.ipv6-mark-and-rpl',
      title: 'an IPv6 connection keeps its ct_mark, and its reply is +est+rpl',
      features: ['ct', 'ct.ipv6', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ipv6,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,ipv6,in_port=p1,actions=ct(commit,exec(set_field:0x66->ct_mark)),output:p2',
            'table=1,priority=10,ct_state=+trk+est+rpl,ct_mark=0x66,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await exchange(t, out6(), back6(), true);
        const [entry] = await entriesSettled(t, 1);
        expect(entry, 'the committed connection').to.match(/^udp,orig=\(src=2001:db8::1,dst=2001:db8::2,sport=1000,dport=2000\).*mark=102\b/);
      },
    }),

    // ---- zone limits ----
    defineCase({
      id: 'ct.zone-limit-one',
      title: 'with a zone limit of 1 a second connection is not committed: the zone keeps one entry and the second reply finds no connection',
      features: ['ct', 'ct.zone_limit', 'recirc'],
      run: async (t) => {
        await t.sw.conntrack.setZoneLimit(3, 1);
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(zone=3,table=1)',
            'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit,zone=3),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await t.expectDelivery('h1', out4(), { h2: [out4()] });
        await overLimit(t, out4({ sport: 1001 }));
        await t.expectDelivery('h2', back4({ dport: 1001 }), {}, NOTHING);
        await t.expectDelivery('h2', back4(), { h1: [back4()] });
        expect(await entriesSettled(t, 1, 3), 'zone 3').to.have.length(1);
      },
    }),
    defineCase({
      id: 'ct.zone-limit-per-zone',
      title: 'a zone limit binds only its zone: a full zone 3 leaves zone 4 free to commit',
      features: ['ct', 'ct.zone_limit', 'recirc'],
      run: async (t) => {
        await t.sw.conntrack.setZoneLimit(3, 1);
        await t.pipeline(
          [
            'table=0,priority=10,in_port=p1,udp,tp_src=1000,actions=ct(zone=3,table=1)',
            'table=0,priority=10,in_port=p1,udp,tp_src=1001,actions=ct(zone=4,table=1)',
            'table=0,priority=10,in_port=p1,udp,tp_src=1002,actions=ct(zone=4,table=1)',
            'table=0,priority=10,in_port=p2,udp,tp_dst=1000,actions=ct(zone=3,table=1)',
            'table=0,priority=10,in_port=p2,udp,tp_dst=1001,actions=ct(zone=4,table=1)',
            'table=0,priority=10,in_port=p2,udp,tp_dst=1002,actions=ct(zone=4,table=1)',
            'table=1,priority=10,ct_state=+trk+new,ct_zone=3,ip,in_port=p1,actions=ct(commit,zone=3),output:p2',
            'table=1,priority=10,ct_state=+trk+new,ct_zone=4,ip,in_port=p1,actions=ct(commit,zone=4),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        for (const sport of [1000, 1001, 1002]) await t.expectDelivery('h1', out4({ sport }), { h2: [out4({ sport })] });
        for (const dport of [1000, 1001, 1002]) await t.expectDelivery('h2', back4({ dport }), { h1: [back4({ dport })] });
        expect(await entriesSettled(t, 2, 4), 'zone 4').to.have.length(2);
      },
    }),
    defineCase({
      id: 'ct.zone-limit-existing-passes',
      title: 'a full zone still tracks its existing connections: their replies and later packets are +est',
      features: ['ct', 'ct.zone_limit', 'recirc'],
      run: async (t) => {
        await t.sw.conntrack.setZoneLimit(3, 2);
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(zone=3,table=1)',
            'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit,zone=3),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p1,actions=output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        for (const sport of [1000, 1001]) await t.expectDelivery('h1', out4({ sport }), { h2: [out4({ sport })] });
        await overLimit(t, out4({ sport: 1002 }));
        await t.expectDelivery('h2', back4({ dport: 1002 }), {}, NOTHING);
        for (const dport of [1000, 1001]) await t.expectDelivery('h2', back4({ dport }), { h1: [back4({ dport })] });
        const more = out4({ sport: 1001, payload: 'more' });
        await t.expectDelivery('h1', more, { h2: [more] });
        expect(await entriesSettled(t, 2, 3), 'zone 3').to.have.length(2);
      },
    }),

    // ---- timeout policies ----
    defineCase({
      id: 'ct.timeout-udp-expires',
      title: "a zone's 1 s UDP timeout policy expires its connection: the late reply is +new there, +est in a zone without a policy",
      features: ['ct', 'ct.timeout', 'recirc'],
      run: async (t) => {
        await t.sw.conntrack.setTimeoutPolicy(5, { udp_first: 1, udp_single: 1, udp_multiple: 1 });
        await t.pipeline(
          [
            'table=0,priority=10,in_port=p1,udp,tp_dst=2000,actions=ct(zone=5,table=1)',
            'table=0,priority=10,in_port=p1,udp,tp_dst=3000,actions=ct(zone=6,table=1)',
            'table=0,priority=10,in_port=p2,udp,tp_src=2000,actions=ct(zone=5,table=1)',
            'table=0,priority=10,in_port=p2,udp,tp_src=3000,actions=ct(zone=6,table=1)',
            'table=1,priority=10,ct_state=+trk+new,ct_zone=5,ip,in_port=p1,actions=ct(commit,zone=5),output:p2',
            'table=1,priority=10,ct_state=+trk+new,ct_zone=6,ip,in_port=p1,actions=ct(commit,zone=6),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await t.expectDelivery('h1', out4(), { h2: [out4()] });
        await t.expectDelivery('h1', out4({ dport: 3000 }), { h2: [out4({ dport: 3000 })] });
        await sleep(2500);
        await t.expectDelivery('h2', back4(), {}, NOTHING);
        await t.expectDelivery('h2', back4({ sport: 3000 }), { h1: [back4({ sport: 3000 })] });
      },
    }),
    defineCase({
      id: 'ct.timeout-icmp-expires',
      title: "a zone's 1 s ICMP timeout policy expires the echo connection: the late echo reply is dropped",
      features: ['ct', 'ct.timeout', 'recirc'],
      run: async (t) => {
        await t.sw.conntrack.setTimeoutPolicy(5, { icmp_first: 1, icmp_reply: 1 });
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(zone=5,table=1)',
            'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit,zone=5),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const request = (id: number) => icmp4({ type: 8, id, seq: 1 });
        const reply = (id: number) => icmp4({ src: H2.mac, dst: H1.mac, ip: { src: H2.ip, dst: H1.ip }, type: 0, id, seq: 1 });
        // Within the timeout the reply passes; after it, an identical exchange's reply does not.
        await t.expectDelivery('h1', request(0x51), { h2: [request(0x51)] });
        await t.expectDelivery('h2', reply(0x51), { h1: [reply(0x51)] });
        await t.expectDelivery('h1', request(0x52), { h2: [request(0x52)] });
        await sleep(2500);
        await t.expectDelivery('h2', reply(0x52), {}, NOTHING);
      },
    }),
    defineCase({
      id: 'ct.timeout-tcp-syn-sent',
      title: "a zone's 1 s tcp_syn_sent policy expires a half-open connection: the late SYN-ACK is not +est",
      features: ['ct', 'ct.timeout', 'recirc'],
      run: async (t) => {
        await t.sw.conntrack.setTimeoutPolicy(5, { tcp_syn_sent: 1 });
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(zone=5,table=1)',
            'table=1,priority=10,ct_state=+trk+new,ip,in_port=p1,actions=ct(commit,zone=5),output:p2',
            'table=1,priority=10,ct_state=+trk+est,in_port=p2,actions=output:p1',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const syn = tcpOut({ flags: 'S', seq: 1000 });
        await t.expectDelivery('h1', syn, { h2: [syn] });
        expect(await entriesSettled(t, 1, 5), 'zone 5 before the timeout').to.have.length(1);
        await sleep(2500);
        await t.expectDelivery('h2', tcpBack({ flags: 'SA', seq: 5000, ack: 1001 }), {}, NOTHING);
      },
    }),
  ],
};
