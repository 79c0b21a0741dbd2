import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isExact, isWildcard, keyAttr, keyField } from './accessors.js';
import { OdpSyntaxError, parseOdpFlow, parseOdpFlowDump } from './parse.js';

const FIXTURE = fileURLToPath(new URL('../../../harness/odp/fixtures/ovs-3.1-netdev-dump-m.txt', import.meta.url));
const recorded = readFileSync(FIXTURE, 'utf8')
  .split('\n')
  .filter((l) => !l.startsWith('#'))
  .join('\n');
const flows = parseOdpFlowDump(recorded, 'fixture');

describe('ODP flow dump parser on a recorded OVS 3.1 dump (dpctl/dump-flows -m)', () => {
  it('reads every flow and skips the per-PMD headers', () => {
    expect(flows).to.have.length(10);
    expect(flows.every((f) => /^[0-9a-f-]{36}$/.test(f.ufid ?? ''))).to.equal(true);
  });

  it('reads statistics, used time and TCP flags', () => {
    const tcp = flows.find((f) => keyAttr(f, 'tcp'));
    expect(tcp?.stats).to.deep.equal({ packets: 1, bytes: 54, usedSeconds: 0.33, tcpFlags: 'S' });
  });

  it('keeps masks: a megaflow matching udp dst=80 but not src', () => {
    const [fwd, drop] = flows;
    expect(keyField(fwd!, 'udp', 'dst')).to.deep.equal({ name: 'dst', value: '80' });
    expect(isExact(keyField(fwd!, 'udp', 'dst')!)).to.equal(true);
    expect(keyField(fwd!, 'udp', 'src')).to.deep.equal({ name: 'src', value: '1000', mask: '0' });
    expect(isWildcard(keyField(fwd!, 'udp', 'src'))).to.equal(true);
    expect(isWildcard(keyField(fwd!, 'eth', 'dst'))).to.equal(true);
    expect(fwd?.actions).to.deep.equal([{ type: 'output', port: 2 }]);
    expect(drop?.actions).to.deep.equal([{ type: 'drop' }]);
  });

  it('reads bare-valued attributes and masked bare values', () => {
    const f = flows[0]!;
    expect(keyAttr(f, 'in_port')).to.deep.equal({ name: 'in_port', fields: [], value: '1' });
    expect(keyAttr(f, 'skb_mark')).to.deep.include({ value: '0', mask: '0' });
    expect(keyAttr(f, 'eth_type')?.value).to.equal('0x0800');
  });

  it('reads VLAN flows with the inner headers nested in encap()', () => {
    const tagged = flows.find((f) => f.raw.includes('mod_vlan') || f.actions.some((a) => a.type === 'pop_vlan' && f.actions.length === 4));
    expect(tagged).to.not.equal(undefined);
    expect(keyAttr(tagged!, 'vlan')?.fields).to.deep.equal([
      { name: 'vid', value: '10' },
      { name: 'pcp', value: '3' },
    ]);
    const encap = keyAttr(tagged!, 'encap');
    expect(encap?.nested?.map((a) => a.name)).to.deep.equal(['eth_type', 'ipv4', 'udp']);
    expect(keyField(tagged!, 'ipv4', 'src')).to.deep.equal({ name: 'src', value: '10.0.0.1', mask: '0.0.0.0' });
    expect(tagged?.actions).to.deep.equal([
      { type: 'set', masked: false, attr: { name: 'eth', fields: [{ name: 'src', value: '0a:dd:00:00:aa:01' }] } },
      { type: 'pop_vlan' },
      { type: 'push_vlan', vid: 20, pcp: 3, tpid: 0x8100, cfi: 1 },
      { type: 'output', port: 2 },
    ]);
  });

  it('reads an 802.1ad push with its TPID', () => {
    const f = flows.find((x) => x.actions.some((a) => a.type === 'push_vlan' && a.tpid === 0x88a8));
    expect(f?.actions[0]).to.deep.equal({ type: 'push_vlan', vid: 200, pcp: 0, tpid: 0x88a8, cfi: 1 });
  });

  it('reads set() of several fields and dec_ttl folded into set(ipv4(ttl))', () => {
    const f = flows.find((x) => keyAttr(x, 'tcp'))!;
    expect(f.actions.slice(0, 2)).to.deep.equal([
      {
        type: 'set',
        masked: false,
        attr: {
          name: 'ipv4',
          fields: [
            { name: 'src', value: '203.0.113.5' },
            { name: 'ttl', value: '63' },
          ],
        },
      },
      { type: 'set', masked: false, attr: { name: 'tcp', fields: [{ name: 'src', value: '61000' }] } },
    ]);
  });

  it('reads userspace(controller(...)) actions and ND keys', () => {
    const f = flows.find((x) => keyAttr(x, 'nd'))!;
    expect(keyField(f, 'nd', 'target')).to.deep.equal({ name: 'target', value: '2001:db8::2', mask: '::' });
    const up = f.actions[0];
    expect(up?.type).to.equal('userspace');
    if (up?.type === 'userspace') expect(up.args.map((a) => a.name)).to.deep.equal(['pid', 'controller']);
    expect(f.actions[1]).to.deep.equal({ type: 'output', port: 2 });
  });

  it('reads IPv4 fragment state from the key', () => {
    expect(flows.some((f) => keyField(f, 'ipv4', 'frag')?.value === 'first')).to.equal(true);
  });
});

describe('ODP flow parser on hand-written lines of other printers', () => {
  it('reads the non-verbose form and `used:never`', () => {
    const f = parseOdpFlow(
      'recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), packets:0, bytes:0, used:never, actions:userspace(pid=3,slow_path(controller))',
    );
    expect(f.stats.usedSeconds).to.equal(null);
    expect(f.actions[0]).to.deep.include({ type: 'userspace' });
  });

  it('reads masked set, recirc, ct and ports printed by name', () => {
    const f = parseOdpFlow(
      'in_port(1),eth_type(0x0800),ipv4(frag=no), packets:3, bytes:180, used:1.5s, actions:set(ipv4(tos=0x4/0xfc)),ct(commit,zone=5),recirc(0x2a),dp0p2',
    );
    expect(f.actions).to.deep.equal([
      { type: 'set', masked: true, attr: { name: 'ipv4', fields: [{ name: 'tos', value: '0x4', mask: '0xfc' }] } },
      { type: 'ct', raw: 'ct(commit,zone=5)' },
      { type: 'recirc', id: 42 },
      { type: 'output', port: 'dp0p2' },
    ]);
  });

  it('names source, line and column of a broken line', () => {
    expect(() => parseOdpFlowDump('\nin_port(1),eth(src=00:00:00:00:00:01, packets:1, bytes:1, used:never, actions:drop', 'dump.txt')).to.throw(
      OdpSyntaxError,
      /^dump\.txt:2:\d+: unbalanced/,
    );
    expect(() => parseOdpFlow('in_port(1), packets:1, bytes:1, used:never', 'x')).to.throw("x:1:1: missing 'actions:'");
    expect(() => parseOdpFlow('in_port(1), packets:many, bytes:1, used:never, actions:drop', 'x')).to.throw("x:1:13: packets: expected a count, got 'many'");
    expect(() => parseOdpFlow('in_port(1), actions:drop', 'x')).to.throw("missing 'packets:' or 'bytes:'");
  });
});
