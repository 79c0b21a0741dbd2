import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseOfctlFlows } from '../../harness/openflow/parse.js';
import { REPO_ROOT } from '../../harness/system/identity.js';
import { exec } from '../../harness/system/exec.js';
import { encodeRule, KEY_OFFSETS, KEY_SIZE, UnsupportedRuleError } from './rule-encoding.js';

const rule = (text: string) => {
  const [r] = parseOfctlFlows(text, { source: 't', ports: { p1: 1, p2: 2, p3: 3, vx0: 10 } });
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

  it('passes idle and hard timeouts on after the actions, and nothing for a rule without', () => {
    expect(rule('in_port=p1,idle_timeout=3,hard_timeout=9,actions=output:p2').slice(4)).to.deep.equal(['output:2', 'idle=3', 'hard=9']);
    expect(rule('in_port=p1,hard_timeout=2,actions=drop').slice(4)).to.deep.equal(['drop', 'hard=2']);
    expect(rule('in_port=p1,actions=output:p2').slice(4)).to.deep.equal(['output:2']);
  });

  it('refuses what the agent cannot do, naming it', () => {
    expect(() => rule('in_port=p1,actions=normal')).to.throw(UnsupportedRuleError, "action 'normal' is not supported by the eBPF agent");
    expect(() => rule('table=1,in_port=p1,actions=drop')).to.throw(UnsupportedRuleError, 'one table');
  });

  it('refuses by name each construct the agent has no code for, rather than encode something else', () => {
    const actions: [string, string][] = [
      ['ip,actions=ct(commit,table=1)', 'ct'],
      ['ip,actions=ct_clear,output:p2', 'ct_clear'],
      ['ip,actions=push_mpls:0x8847,output:p2', 'push_mpls'],
      ['mpls,actions=pop_mpls:0x0800,output:p2', 'pop_mpls'],
      ['mpls,actions=set_mpls_label:5,output:p2', 'set_mpls_label'],
      ['mpls,actions=dec_mpls_ttl,output:p2', 'dec_mpls_ttl'],
      ['in_port=p1,actions=set_tunnel:5,output:vx0', 'set_tunnel'],
      ['in_port=p1,actions=set_field:192.0.2.1->tun_dst,output:vx0', 'set_field to tun_dst'],
      ['in_port=p1,actions=set_field:5->reg0,output:p2', 'set_field to reg0'],
      ['in_port=p1,actions=set_field:0a:00:00:00:00:01/ff:ff:ff:00:00:00->eth_src,output:p2', 'masked set_field to eth_src'],
      ['in_port=p1,actions=load:5->reg0[0..7],output:p2', 'load'],
      ['in_port=p1,actions=move:reg0[]->reg1[],output:p2', 'move'],
      ['in_port=p1,actions=group:1', 'group'],
      ['in_port=p1,actions=meter:1,output:p2', 'meter'],
      ['in_port=p1,actions=clone(output:p2),output:p3', 'clone'],
      ['in_port=p1,actions=check_pkt_larger(100)->reg0[0],output:p2', 'check_pkt_larger'],
      ['in_port=p1,actions=sample(probability=1),output:p2', 'sample'],
      ['in_port=p1,actions=learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]),output:p2', 'learn'],
      ['in_port=p1,actions=output(port=p2,max_len=100)', 'output_trunc'],
      ['ip,actions=mod_nw_ecn:1,output:p2', 'mod_nw_ecn'],
      ['ip,actions=dec_ttl(1),output:p2', 'dec_ttl(ID,...)'],
      ['in_port=p1,actions=controller(reason=no_match)', 'controller(reason=...,userdata=...)'],
    ];
    for (const [text, what] of actions)
      expect(() => rule(text), text).to.throw(UnsupportedRuleError, `'${what}' action is not implemented by the eBPF datapath`);
    const fields: [string, string][] = [
      ['ip,ct_state=+trk+est,actions=output:p2', 'ct_state'],
      ['ct_mark=1,actions=output:p2', 'ct_mark'],
      ['reg0=1,actions=output:p2', 'reg0'],
      ['metadata=1,actions=output:p2', 'metadata'],
      ['pkt_mark=1,actions=output:p2', 'pkt_mark'],
      ['tun_id=5,actions=output:p2', 'tun_id'],
      ['mpls,mpls_label=5,actions=output:p2', 'mpls_label'],
    ];
    for (const [text, name] of fields)
      expect(() => rule(text), text).to.throw(UnsupportedRuleError, `'${name}' match field is not implemented by the eBPF datapath`);
    // resubmit and goto_table are refused as before: the agent has one table.
    expect(() => rule('in_port=p1,actions=resubmit(,1)')).to.throw(UnsupportedRuleError, "action 'resubmit' is not supported by the eBPF agent");
    expect(() => rule('in_port=p1,actions=goto_table:1')).to.throw(UnsupportedRuleError, "action 'goto_table' is not supported by the eBPF agent");
  });

  it('encodes SCTP like the other transports: the key holds its ports', () => {
    const [, , value, mask] = rule('sctp,tp_dst=5,actions=drop');
    expect(at(value, KEY_OFFSETS.nw_proto, 1)).to.equal('84');
    expect([at(value, KEY_OFFSETS.tp_dst, 2), at(mask, KEY_OFFSETS.tp_dst, 2)]).to.deep.equal(['0500', 'ffff']);
  });
});
