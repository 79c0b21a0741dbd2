import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseOfctlFlows } from '../../harness/openflow/parse.js';
import { REPO_ROOT } from '../../harness/system/identity.js';
import { exec } from '../../harness/system/exec.js';
import { encodeRule, KEY_OFFSETS, KEY_SIZE, UnsupportedRuleError } from './rule-encoding.js';

const rule = (text: string) => {
  const [r] = parseOfctlFlows(text, { source: 't', ports: { p1: 1, p2: 2, p3: 3 } });
  return encodeRule(r as never).split(' ');
};
/** Bytes [off, off+len) of a hex key. */
const at = (hex: string | undefined, off: number, len: number) => (hex ?? '').slice(2 * off, 2 * (off + len));

describe('OpenFlow rules encoded for the eBPF agent', () => {
  it('uses the offsets of the C flow key (checked against offsetof)', async function () {
    const keytest = join(REPO_ROOT, 'build/bin/dplab-ebpf-keytest');
    if (!existsSync(keytest)) this.skip();
    const layout = Object.fromEntries(
      (await exec(keytest, ['--layout'])).stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string])
        .map(([k, v]) => [k, Number(v)]),
    );
    expect(layout.size).to.equal(KEY_SIZE);
    for (const [field, off] of Object.entries(KEY_OFFSETS)) expect(layout[field], field).to.equal(off);
  });

  it('encodes in_port, protocol shorthand and an L4 port as value/mask', () => {
    const [, prio, value, mask, actions] = rule('priority=200,udp,in_port=p1,tp_dst=53,actions=mod_tp_dst:5353,output:p2');
    expect(prio).to.equal('200');
    expect(at(value, KEY_OFFSETS.in_port, 4)).to.equal('01000000');
    expect(at(mask, KEY_OFFSETS.in_port, 4)).to.equal('ffffffff');
    expect(at(value, KEY_OFFSETS.eth_type, 2)).to.equal('0008');
    expect(at(value, KEY_OFFSETS.nw_proto, 1)).to.equal('11');
    expect(at(value, KEY_OFFSETS.tp_dst, 2)).to.equal('3500');
    expect(at(mask, KEY_OFFSETS.tp_src, 2)).to.equal('0000');
    expect(actions).to.equal('set_tp_dst:5353,output:2');
  });

  it('encodes prefixes, VLAN ids with VLAN_TAG_PRESENT and fragment states', () => {
    const [, , v1, m1] = rule('ip,nw_src=10.1.0.0/16,actions=drop');
    expect(at(v1, KEY_OFFSETS.ipv4_src, 4)).to.equal('0a010000');
    expect(at(m1, KEY_OFFSETS.ipv4_src, 4)).to.equal('ffff0000');
    const [, , v2, m2, a2] = rule('dl_vlan=10,actions=strip_vlan,output:p2');
    expect(at(v2, KEY_OFFSETS.vlan + 2, 2)).to.equal('0a10');
    expect(at(m2, KEY_OFFSETS.vlan + 2, 2)).to.equal('ff1f');
    expect(a2).to.equal('strip_vlan,output:2');
    const [, , v3, m3] = rule('ip,nw_frag=later,actions=drop');
    expect([at(v3, KEY_OFFSETS.nw_frag, 1), at(m3, KEY_OFFSETS.nw_frag, 1)]).to.deep.equal(['03', '03']);
    const [, , v4, m4] = rule('tcp,tcp_flags=+syn-ack,actions=drop');
    expect([at(v4, KEY_OFFSETS.tcp_flags, 2), at(m4, KEY_OFFSETS.tcp_flags, 2)]).to.deep.equal(['0200', '1200']);
  });

  it('maps set_field to the agent actions and drop to no action', () => {
    expect(rule('in_port=p1,actions=push_vlan:0x88a8,set_field:4296->vlan_vid,output:p2')[4]).to.equal('push_vlan:34984,set_vlan_vid:200,output:2');
    expect(rule('in_port=p1,actions=drop')[4]).to.equal('drop');
  });

  it('refuses what the agent cannot do, naming it', () => {
    expect(() => rule('in_port=p1,actions=normal')).to.throw(UnsupportedRuleError, "action 'normal' is not supported by the eBPF agent");
    expect(() => rule('table=1,in_port=p1,actions=drop')).to.throw(UnsupportedRuleError, 'one table');
  });
});
