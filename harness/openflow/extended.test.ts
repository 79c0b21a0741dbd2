import { expect } from 'chai';
import { formatOfctlFlow, formatOfctlGroup, formatOfctlMeter } from './format.js';
import { FlowSyntaxError, parseOfctlFlows, parseOfctlGroups, parseOfctlMeters } from './parse.js';
import type { FlowRule } from './rule.js';

const ports = { p1: 1, p2: 2, p3: 3, vx0: 10 };
const o = { source: 'flows.txt', ports };
const parse = (text: string) => parseOfctlFlows(text, o);
const one = (text: string): FlowRule => parse(text)[0] as FlowRule;
const error = (text: string, parser: (t: string) => unknown = parse): string => {
  try {
    parser(text);
  } catch (e) {
    expect(e).to.be.instanceOf(FlowSyntaxError);
    return (e as Error).message;
  }
  throw new Error(`expected '${text}' to be rejected`);
};
const strip = <T extends { source: string }>(r: T) => ({ ...r, source: '' });

/** Every construct the grammar added, each a rule that must survive format -> parse, and that ovs-ofctl must accept (ofctl.test.ts). */
export const NEW_FLOWS: readonly string[] = [
  'ip,ct_state=-trk,actions=ct(table=1,zone=5)',
  'ip,ct_state=+trk+new-est,ct_zone=5,actions=ct(commit,zone=5,exec(set_field:0x1/0xff->ct_mark,set_field:0x1->ct_label)),output:p2',
  'ip,ct_state=+trk+est+rpl,ct_mark=0x1/0xff,ct_label=0x1/0xffffffffffffffffffffffffffffffff,actions=output:p2',
  'ip,ct_state=0x21/0x21,ct_nw_src=10.0.0.0/8,ct_nw_dst=10.0.0.2,ct_nw_proto=6,ct_tp_src=1000,ct_tp_dst=80/0xfff0,actions=drop',
  'ipv6,ct_state=+trk-inv,ct_ipv6_src=2001:db8::1,ct_ipv6_dst=2001:db8::/64,actions=drop',
  'ip,ct_state=+snat+dnat,actions=ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,random))',
  'ipv6,actions=ct(commit,force,zone=NXM_NX_REG0[0..15],nat(src=[2001:db8::1]-[2001:db8::5]:1000-2000,persistent))',
  'tcp,actions=ct(commit,alg=ftp,table=3,zone=reg1[16..31],nat(dst=10.0.0.9:80,hash))',
  'udp,actions=ct(commit,alg=tftp),ct(nat),ct_clear,output:p2',
  'ip,ct_state=+est,actions=resubmit(,3,ct),resubmit(p1,2)',
  'reg0=0x5/0xff,reg15=7,xreg3=0x1122334455667788,metadata=0x1/0xff,pkt_mark=0x10/0xf0,dp_hash=0x1/0xf,actions=drop',
  'tun_id=0x5/0xff,tun_src=192.0.2.1,tun_dst=192.0.2.0/24,tun_flags=+oam,tun_gbp_id=5,tun_gbp_flags=0x1,actions=output:p1',
  'tunnel_id=7,tun_ipv6_src=2001:db8::1,tun_ipv6_dst=2001:db8::/64,tun_metadata0=0x1234/0xffff,tun_metadata63=0x11223344556677889900,actions=drop',
  'tun_erspan_ver=2,tun_erspan_idx=0x1234,tun_erspan_dir=1,tun_erspan_hwid=0x3,tun_gtpu_flags=0x30,tun_gtpu_msgtype=255,actions=drop',
  'in_port=p1,actions=set_tunnel:0x5,set_tunnel64:0x123456789,set_field:192.0.2.2->tun_dst,set_field:0x1234->tun_metadata3,set_field:+oam->tun_flags,output:vx0',
  'in_port=p1,actions=set_field:0x5->tun_id,set_field:2001:db8::1->tun_ipv6_src,set_field:5->tun_gbp_id,set_field:1->tun_erspan_ver,set_field:3->tun_erspan_idx,output:vx0',
  'mpls,mpls_label=1048575,mpls_tc=7,mpls_bos=1,mpls_ttl=64,actions=pop_mpls:0x0800,set_field:10.0.0.1->ip_dst,output:p2',
  'mplsm,actions=set_mpls_label:5,set_mpls_tc:3,set_mpls_ttl:9,dec_mpls_ttl,set_field:6->mpls_label,output:p2',
  'ip,actions=push_mpls:0x8847,set_field:5->mpls_label,set_mpls_ttl:3,output:p2',
  'sctp,tp_src=1,sctp_dst=2,actions=set_field:5->sctp_src,mod_tp_dst:7,output:p2',
  'sctp6,actions=set_field:5->sctp_dst,output:p2',
  'in_port=p1,actions=group:5',
  'in_port=p1,actions=meter:1,output:p2',
  'in_port=p1,actions=clone(push_vlan:0x8100,set_field:4106->vlan_vid,output:p2),output:p3',
  'in_port=p1,actions=check_pkt_larger(1500)->NXM_NX_REG0[0],check_pkt_larger(100)->reg1[3],output(port=p2,max_len=128)',
  'in_port=p1,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=p2),output:p2',
  'in_port=p1,actions=load:0x5->NXM_NX_REG0[0..15],move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],move:reg0[0..3]->reg1[4..7],set_field:0x5/0xf->reg3',
  'tcp,actions=move:tcp_src[]->reg0[0..15],load:0x3f->ip_dscp[],set_field:0x1/0x1->pkt_mark',
  'ip,actions=mod_nw_ecn:3,set_field:1->nw_ecn,set_field:10->ip_dscp,dec_ttl(1,2),controller(reason=no_match,max_len=100,userdata=00.11)',
  'arp,actions=set_field:2->arp_op,set_field:10.0.0.1->arp_spa,set_field:10.0.0.2->arp_tpa,set_field:0a:00:00:00:00:01->arp_sha,set_field:0a:00:00:00:00:02->arp_tha',
  'icmp6,icmpv6_type=135,nd_target=2001:db8::1,nd_sll=0a:00:00:00:00:01,nd_reserved=0,nd_options_type=1,actions=set_field:2001:db8::2->nd_target,set_field:0a:00:00:00:00:02->nd_sll',
  'icmp6,icmpv6_type=136,nd_tll=0a:00:00:00:00:01,actions=set_field:0a:00:00:00:00:03->nd_tll',
  'ipv6,actions=set_field:0x12345->ipv6_label',
  'in_port=p1,actions=learn(table=1,hard_timeout=60,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])',
  'ip,actions=learn(table=2,priority=5,idle_timeout=3,fin_idle_timeout=1,fin_hard_timeout=2,cookie=0x5,eth_type=0x800,NXM_OF_IP_SRC[],NXM_OF_VLAN_TCI[0..11],load:NXM_NX_REG0[]->NXM_NX_REG1[],load:5->NXM_NX_REG2[0..7])',
  'in_port=p1,actions=learn(table=1,dl_type=0x800,nw_proto=6,tcp_dst=80,in_port=p2,reg0[0..3]=0x5,output:in_port[])',
];

/** Groups of every form, for the round trip here and ovs-ofctl parse-group (ofctl.test.ts). */
export const NEW_GROUPS: readonly string[] = [
  'group_id=1,type=all,bucket=output:p1,bucket=set_field:10.0.0.1->ip_dst,output:p2',
  'group_id=2,type=select,selection_method=dp_hash,bucket=bucket_id:1,weight:5,actions=output:p1,bucket=bucket_id:2,weight:3,watch_port:p2,actions=output:p2',
  'group_id=3,type=indirect,bucket=actions=push_vlan:0x8100,output:vx0',
  'group_id=4,type=fast_failover,bucket=watch_port:p1,output:p1,bucket=watch_group:2,actions=group:2',
  'group_id=5,type=select,selection_method=hash,fields(ip_src,tp_dst),bucket=output:p1',
];

describe('ovs-ofctl flow parser: conntrack, registers, tunnels, MPLS, SCTP and the newer actions', () => {
  describe('the canonical form parses back to the same rule', () => {
    for (const text of NEW_FLOWS) {
      it(text, () => {
        const r = one(text);
        const canon = formatOfctlFlow(r);
        expect(strip(one(canon)), canon).to.deep.equal(strip(r));
      });
    }
  });

  it('reads ct with its arguments, exec and nat into one typed action', () => {
    const r = one(
      'ipv6,actions=ct(commit,zone=NXM_NX_REG0[0..15],table=2,exec(set_field:0x1/0xff->ct_mark),nat(src=[2001:db8::1]-[2001:db8::5]:1000-2000,persistent))',
    );
    expect(r.actions).to.deep.equal([
      {
        type: 'ct',
        commit: true,
        zone: { field: 'reg0', start: 0, end: 15 },
        table: 2,
        exec: [{ type: 'set_field', field: 'ct_mark', value: '0x1', mask: '0xff' }],
        nat: { kind: 'src', addrs: { min: '2001:db8::1', max: '2001:db8::5' }, ports: { min: 1000, max: 2000 }, flags: ['persistent'] },
      },
    ]);
  });

  it('reads subfields under their canonical names, NXM names being aliases', () => {
    const r = one('in_port=p1,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],load:0x5->reg0[0..15],check_pkt_larger(1500)->NXM_NX_REG0[31]');
    expect(r.actions).to.deep.equal([
      { type: 'move', src: { field: 'eth_src', start: 0, end: 47 }, dst: { field: 'eth_dst', start: 0, end: 47 } },
      { type: 'load', value: 5n, dst: { field: 'reg0', start: 0, end: 15 } },
      { type: 'check_pkt_larger', len: 1500, dst: { field: 'reg0', start: 31, end: 31 } },
    ]);
    expect(formatOfctlFlow(r)).to.equal(
      'table=0,priority=32768,in_port=1,actions=move:eth_src[]->eth_dst[],load:0x5->reg0[0..15],check_pkt_larger(1500)->reg0[31]',
    );
  });

  it('reads learn specs', () => {
    const r = one('in_port=p1,actions=learn(table=1,hard_timeout=60,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],in_port=p2,output:NXM_OF_IN_PORT[])');
    expect(r.actions).to.deep.equal([
      {
        type: 'learn',
        table: 1,
        hardTimeout: 60,
        specs: [
          { kind: 'match', dst: { field: 'eth_dst', start: 0, end: 47 }, src: { field: 'eth_src', start: 0, end: 47 } },
          { kind: 'match', dst: { field: 'in_port', start: 0, end: 15 }, value: '2' },
          { kind: 'output', src: { field: 'in_port', start: 0, end: 15 } },
        ],
      },
    ]);
  });

  it('tracks the MPLS header: push_mpls makes mpls_* settable and IP fields opaque, pop_mpls gives the new ethertype', () => {
    expect(parse('in_port=p1,actions=push_mpls:0x8848,set_field:5->mpls_label')).to.have.length(1);
    expect(parse('mpls,actions=pop_mpls:0x0800,set_field:10.0.0.1->ip_dst')).to.have.length(1);
    expect(error('ip,actions=push_mpls:0x8847,set_field:10.0.0.1->ip_dst')).to.equal(
      'flows.txt:1:29: set_field ip_dst: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp)',
    );
    expect(error('mpls,actions=pop_mpls:0x0800,set_mpls_ttl:3')).to.equal(
      'flows.txt:1:30: set_mpls_ttl: the frame has no MPLS header here (match mpls or mplsm, or push_mpls first)',
    );
  });

  it('takes tunnel ports by their logical names, like any other port', () => {
    expect(one('in_port=vx0,actions=output:vx0').actions).to.deep.equal([{ type: 'output', port: 10 }]);
  });

  describe('rejects bad text with file:line:column and the reason', () => {
    const cases: [string, string][] = [
      ['ip,actions=ct(commit,frob)', "flows.txt:1:22: ct: unknown argument 'frob' (known: commit, force, zone, table, alg, exec, nat)"],
      [
        'ip,actions=ct(commit,timeout=short)',
        "flows.txt:1:22: ct: unknown argument 'timeout' (ovs-ofctl 3.1 refuses it: timeout policies are set per zone in the OVS database) (known: commit, force, zone, table, alg, exec, nat)",
      ],
      [
        'ip,actions=ct(commit,exec(set_field:1->reg0))',
        "flows.txt:1:27: ct: exec may only write ct_mark or ct_label (set_field or load), not 'set_field:1->reg0' (OVS refuses other actions there)",
      ],
      [
        'ip,actions=ct(commit,exec(output:p1))',
        "flows.txt:1:27: ct: exec may only write ct_mark or ct_label (set_field or load), not 'output:p1' (OVS refuses other actions there)",
      ],
      ['ip,actions=ct(commit,nat(src=10.0.0.5-10.0.0.1))', 'flows.txt:1:30: ct: nat: the address range 10.0.0.5-10.0.0.1 is reversed'],
      ['ip,actions=ct(commit,nat(src=10.0.0.1:200-100))', 'flows.txt:1:30: ct: nat: the port range 200-100 is reversed'],
      ['ip,actions=ct(commit,nat(src=10.0.0.1,random,hash))', "flows.txt:1:26: ct: nat: 'random' and 'hash' exclude each other"],
      ['ip,actions=ct(commit,nat(random))', 'flows.txt:1:26: ct: nat: flags are allowed only with src or dst'],
      ['ip,actions=ct(nat(src=10.0.0.1))', "flows.txt:1:12: ct: nat(src...) needs 'commit'"],
      ['ip,actions=ct(force)', "flows.txt:1:12: ct: 'force' needs 'commit'"],
      ['ip,actions=ct(commit,commit)', "flows.txt:1:22: ct: 'commit' given twice"],
      ['ipv6,actions=ct(commit,nat(src=10.0.0.1))', 'flows.txt:1:32: ct: nat to IPv4: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp)'],
      ['in_port=p1,actions=ct(commit)', 'flows.txt:1:20: ct: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp, ipv6, tcp6, udp6, icmp6, sctp6)'],
      ['udp,actions=ct(commit,alg=ftp)', 'flows.txt:1:23: ct: alg=ftp: prerequisite missing (add one of: tcp, tcp6)'],
      ['ip,actions=ct(zone=reg0[0..7])', 'flows.txt:1:20: ct: zone=reg0[0..7]: a zone is 16 bits, got 8'],
      ['ip,actions=ct(zone=65536)', 'flows.txt:1:20: ct zone: 65536 is larger than 65535'],
      ['in_port=p1,actions=set_field:1->ct_mark', 'flows.txt:1:20: set_field ct_mark: OVS writes this field only inside ct(exec(...))'],
      [
        'ip,ct_state=+trk,actions=resubmit(,3,ct)',
        'flows.txt:1:26: resubmit(,,ct): needs a conntrack state matched (ct_state=+new, +est, +rel, +rpl, +snat, +dnat or +trk-inv)',
      ],
      [
        'ip,ct_state=+trk,ct_nw_src=10.0.0.1,actions=drop',
        'flows.txt:1:18: ct_nw_src: prerequisite missing: a conntrack state (ct_state=+new, +est, +rel, +rpl, +snat, +dnat or +trk-inv)',
      ],
      ['ct_state=+est,ct_nw_src=10.0.0.1,actions=drop', 'flows.txt:1:15: ct_nw_src: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp)'],
      [
        'ip,ct_state=+est,ct_tp_src=80,actions=drop',
        'flows.txt:1:18: ct_tp_src: prerequisite missing: ct_nw_proto (OVS drops ct_tp_src from a match without it)',
      ],
      ['ip,ct_state=+bogus,actions=drop', "flows.txt:1:13: ct_state: unknown flag 'bogus' (flags: new est rel rpl inv trk snat dnat)"],
      ['ct_zone=5/0xff,actions=drop', 'flows.txt:1:11: ct_zone: this field cannot be masked'],
      ['ct_mark=0x100000000,actions=drop', 'flows.txt:1:9: ct_mark: 0x100000000 is larger than 4294967295'],
      ['ct_label=0x1000000000000000000000000000000000,actions=drop', 'flows.txt:1:10: ct_label: 0x1000000000000000000000000000000000 is wider than 128 bits'],
      ['mpls,mpls_label=1048576,actions=drop', 'flows.txt:1:17: mpls_label: 1048576 is larger than 1048575'],
      ['mpls_label=5,actions=drop', 'flows.txt:1:1: mpls_label: prerequisite missing (add one of: mpls, mplsm)'],
      ['in_port=p1,actions=push_mpls:0x0800', 'flows.txt:1:30: push_mpls: ethertype must be 0x8847 or 0x8848, got 0x0800'],
      ['in_port=p1,actions=pop_mpls:0x0800', 'flows.txt:1:20: pop_mpls: the frame has no MPLS header here (match mpls or mplsm, or push_mpls first)'],
      [
        'ip,actions=set_field:5->mpls_label',
        'flows.txt:1:12: set_field mpls_label: the frame has no MPLS header here (match mpls or mplsm, or push_mpls first)',
      ],
      ['mpls,actions=set_mpls_label:1048576', 'flows.txt:1:29: set_mpls_label: 1048576 is larger than 1048575'],
      ['udp,sctp_src=5,actions=drop', 'flows.txt:1:5: sctp_src: prerequisite missing (add one of: sctp, sctp6)'],
      [
        'icmp6,nd_target=2001:db8::1,actions=drop',
        'flows.txt:1:7: nd_target: prerequisite missing: icmpv6_type=135 or 136 (OVS drops nd_target from a match without it)',
      ],
      ['tun_erspan_ver=16,actions=drop', 'flows.txt:1:16: tun_erspan_ver: 16 is larger than 15'],
      ['tun_flags=+bogus,actions=drop', "flows.txt:1:11: tun_flags: unknown flag 'bogus' (flags: oam)"],
      ['tun_flags=0x2,actions=drop', 'flows.txt:1:11: tun_flags: 0x2 is larger than 1'],
      ['tun_gbp_flags=0x100,actions=drop', 'flows.txt:1:15: tun_gbp_flags: 0x100 is larger than 255'],
      ['tun_tos=3,actions=drop', "flows.txt:1:1: unknown match field 'tun_tos'"],
      ['reg16=1,actions=drop', "flows.txt:1:1: unknown match field 'reg16'"],
      ['in_port=p1,actions=load:0x1ffff->reg0[0..15]', 'flows.txt:1:25: load: 0x1ffff does not fit in 16 bits'],
      ['in_port=p1,actions=load:1->reg0[16..3]', 'flows.txt:1:28: load: reg0[16..3]: the range ends (3) before it starts (16)'],
      ['in_port=p1,actions=load:1->reg0[0..32]', 'flows.txt:1:28: load: reg0[0..32]: reg0 is 32 bits wide (bits 0..31)'],
      ['in_port=p1,actions=load:1->NXM_NX_BOGUS[]', "flows.txt:1:28: load: unknown field 'NXM_NX_BOGUS'"],
      [
        'in_port=p1,actions=load:1->dp_hash[]',
        'flows.txt:1:28: load: dp_hash is not a field actions write (read-only in OVS, or not one set_field takes here)',
      ],
      ['in_port=p1,actions=move:reg0[0..7]->reg1[0..15]', 'flows.txt:1:25: move: the source is 8 bits and the destination 16; they must be the same width'],
      ['in_port=p1,actions=move:tcp_src[]->reg0[0..15]', 'flows.txt:1:25: move: tcp_src: prerequisite missing (add one of: tcp, tcp6)'],
      ['in_port=p1,actions=check_pkt_larger(1500)->reg0[0..1]', 'flows.txt:1:44: check_pkt_larger: the result is one bit (FIELD[bit]), got 2 bits'],
      ['in_port=p1,actions=output(port=p2,max_len=10)', 'flows.txt:1:43: output max_len: 10 is smaller than 14'],
      ['in_port=p1,actions=output(port=p2)', 'flows.txt:1:20: output: output(port=P,max_len=N) needs both port and max_len'],
      ['in_port=p1,actions=sample(probability=0)', 'flows.txt:1:39: sample probability: 0 is smaller than 1'],
      ['in_port=p1,actions=sample(collector_set_id=1)', 'flows.txt:1:20: sample: needs probability=N (1..65535, out of 65535)'],
      ['in_port=p1,actions=set_field:1.2.3.4/8->tun_dst', 'flows.txt:1:38: set_field tun_dst: bad mask: write the mask out, not /8'],
      ['in_port=p1,actions=meter:0', 'flows.txt:1:26: meter: 0 is smaller than 1'],
      ['in_port=p1,actions=clone()', "flows.txt:1:26: empty action list (use 'actions=drop' to drop)"],
      ['in_port=p1,actions=clone(output:p9)', "flows.txt:1:33: output: unknown port 'p9' (known: p1, p2, p3, vx0)"],
      ['ip,actions=mod_nw_ecn:4', 'flows.txt:1:23: mod_nw_ecn: 4 is larger than 3'],
      [
        'in_port=p1,actions=mod_nw_ecn:1',
        'flows.txt:1:20: mod_nw_ecn: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp, ipv6, tcp6, udp6, icmp6, sctp6)',
      ],
      [
        'in_port=p1,actions=controller(reason=bogus)',
        "flows.txt:1:38: controller: unknown reason 'bogus' (known: action, no_match, invalid_ttl, action_set, group, packet_out)",
      ],
      [
        'in_port=p1,actions=learn(ip_src=1.1.1.1)',
        'flows.txt:1:26: learn: ip_src in the learned flow: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp) (give it earlier in the learn, e.g. eth_type=0x800)',
      ],
      [
        'in_port=p1,actions=learn(eth_type=0x800,NXM_OF_IP_SRC[])',
        'flows.txt:1:41: learn: ip_src: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp)',
      ],
      ['in_port=p1,actions=learn(table=1)', 'flows.txt:1:26: learn: the learned flow needs at least one match, load or output spec'],
      ['in_port=p1,actions=learn(bogus=1)', "flows.txt:1:26: learn: unknown field or argument 'bogus'"],
      ['in_port=p1,actions=learn(reg0[0..3]=0x10)', 'flows.txt:1:37: learn: 0x10 does not fit in 4 bits'],
      ['in_port=p1,actions=resubmit(,1,xx)', "flows.txt:1:20: resubmit: the third argument can only be 'ct', got 'xx'"],
    ];
    for (const [text, message] of cases) {
      it(text, () => expect(error(text)).to.equal(message));
    }
  });
});

describe('ovs-ofctl group and meter parsers', () => {
  const groups = (t: string) => parseOfctlGroups(t, o);
  const meters = (t: string) => parseOfctlMeters(t, o);

  it('reads the bucket forms of ovs-ofctl(8): parameters then actions=, or bare actions', () => {
    const [g] = groups(
      'group_id=1,type=select,selection_method=hash,fields(eth_src,ip_dst=255.255.0.0),bucket=bucket_id:0,weight:5,actions=output:p1,bucket=weight=3,mod_nw_dst:10.0.0.9,output:p2',
    );
    expect(g).to.deep.equal({
      groupId: 1,
      type: 'select',
      selectionMethod: 'hash',
      fields: [{ name: 'dl_src' }, { name: 'nw_dst', mask: '255.255.0.0' }],
      buckets: [
        { bucketId: 0, weight: 5, actions: [{ type: 'output', port: 1 }] },
        {
          weight: 3,
          actions: [
            { type: 'mod_nw_dst', ip: '10.0.0.9' },
            { type: 'output', port: 2 },
          ],
        },
      ],
      source: 'flows.txt:1',
    });
  });

  for (const text of NEW_GROUPS) {
    it(`round-trips ${text}`, () => {
      const [g] = groups(text);
      const [again] = groups(formatOfctlGroup(g as never));
      expect(strip(again as never)).to.deep.equal(strip(g as never));
    });
  }

  const METERS = ['meter=1,pktps,bands=type=drop,rate=100', 'meter=2,kbps,burst,stats,bands=type=drop,rate=1000,burst_size=100,type=drop,rate=5000'];
  for (const text of METERS) {
    it(`round-trips ${text}`, () => {
      const [m] = meters(text);
      expect(formatOfctlMeter(m as never)).to.equal(text);
      expect(strip(meters(formatOfctlMeter(m as never))[0] as never)).to.deep.equal(strip(m as never));
    });
  }

  const bad: [string, string, (t: string) => unknown][] = [
    ['group_id=1,type=bogus,bucket=output:p1', "flows.txt:1:17: type: unknown group type 'bogus' (known: all, select, indirect, ff)", groups],
    ['type=all,bucket=output:p1', 'flows.txt:1:1: group_id=N is required', groups],
    ['group_id=1,type=all', 'flows.txt:1:20: a group needs at least one bucket=...', groups],
    ['group_id=1,type=indirect,bucket=output:p1,bucket=output:p2', 'flows.txt:1:1: an indirect group has exactly one bucket', groups],
    ['group_id=1,type=ff,bucket=output:p1', 'flows.txt:1:27: an ff bucket needs watch_port or watch_group', groups],
    ['group_id=1,type=all,bucket=weight:3,output:p1', 'flows.txt:1:37: weight is for select groups only', groups],
    ['group_id=1,type=all,selection_method=hash,bucket=output:p1', 'flows.txt:1:1: selection_method is for select groups only', groups],
    ['group_id=1,type=all,bucket=output:p9', "flows.txt:1:35: output: unknown port 'p9' (known: p1, p2, p3, vx0)", groups],
    ['group_id=1,type=select,bucket=bucket_id:1,actions=frob', "flows.txt:1:51: unknown action 'frob'", groups],
    ['meter=1,pktps,bands=type=drop', 'flows.txt:1:21: band: rate=N is required', meters],
    ['meter=1,bands=type=drop,rate=5', 'flows.txt:1:1: a unit is required: kbps or pktps', meters],
    ['meter=1,pktps', 'flows.txt:1:14: a meter needs at least one band: bands=type=drop,rate=N', meters],
    ['meter=1,pktps,bands=type=dscp_remark,rate=5', "flows.txt:1:26: band type: only drop is supported (ovs-ofctl(8)), got 'dscp_remark'", meters],
    ['meter=1,pktps,bands=type=drop,rate=5,burst_size=10', "flows.txt:1:21: band: burst_size needs the meter's 'burst' flag", meters],
    ['meter=0,pktps,bands=type=drop,rate=5', 'flows.txt:1:7: meter: 0 is smaller than 1', meters],
    ['meter=1,pktps,bands=rate=5', "flows.txt:1:21: a band starts with type=drop, got 'rate=5'", meters],
  ];
  for (const [text, message, parser] of bad) {
    it(`rejects ${text}`, () => expect(error(text, parser)).to.equal(message));
  }
});
