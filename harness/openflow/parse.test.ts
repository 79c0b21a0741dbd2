import { expect } from 'chai';
import { formatOfctlFlow } from './format.js';
import { FlowSyntaxError, parseOfctlFlows } from './parse.js';

const ports = { p1: 1, p2: 2, p3: 3 };
const parse = (text: string) => parseOfctlFlows(text, { source: 'flows.txt', ports });
const error = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    expect(e).to.be.instanceOf(FlowSyntaxError);
    return (e as Error).message;
  }
  throw new Error(`expected '${text}' to be rejected`);
};

describe('ovs-ofctl flow parser', () => {
  it('reads priority, shorthand, match fields and actions with ports by name', () => {
    const [r] = parse('priority=200,udp,in_port=p1,tp_dst=53,actions=mod_tp_dst:5353,output:p2');
    expect(r).to.deep.equal({
      table: 0,
      priority: 200,
      match: [
        { name: 'udp', value: '' },
        { name: 'in_port', value: '1' },
        { name: 'tp_dst', value: '53' },
      ],
      actions: [
        { type: 'mod_tp_dst', port: 5353 },
        { type: 'output', port: 2 },
      ],
      source: 'flows.txt:1',
    });
  });

  it('defaults to table 0 and priority 32768 as ovs-ofctl does', () => {
    expect(parse('actions=drop')[0]).to.include({ table: 0, priority: 32768 });
  });

  it("skips comments and blank lines and records each rule's line", () => {
    const rules = parse('# header\n\nin_port=p1,actions=output:p2  # trailing\n in_port=p2 actions=output:p1\n');
    expect(rules.map((r) => r.source)).to.deep.equal(['flows.txt:3', 'flows.txt:4']);
  });

  it('maps aliases to canonical fields and keeps masks and prefixes', () => {
    const [r] = parse('ip,eth_src=0a:dd:00:00:00:00/ff:ff:ff:00:00:00,ip_src=10.1.0.0/16,actions=drop');
    expect(r?.match).to.deep.equal([
      { name: 'ip', value: '' },
      { name: 'dl_src', value: '0a:dd:00:00:00:00', mask: 'ff:ff:ff:00:00:00' },
      { name: 'nw_src', value: '10.1.0.0', mask: '16' },
    ]);
  });

  it('reads set_field, VLAN, controller and resubmit actions', () => {
    const [r] = parse(
      'ipv6,in_port=p1,actions=push_vlan:0x88a8,set_field:4296->vlan_vid,set_field:2001:db8::99->ipv6_src,controller(max_len=128),resubmit(,1),p3',
    );
    expect(r?.actions).to.deep.equal([
      { type: 'push_vlan', ethertype: 0x88a8 },
      { type: 'set_field', field: 'vlan_vid', value: '4296' },
      { type: 'set_field', field: 'ipv6_src', value: '2001:db8::99' },
      { type: 'controller', maxLen: 128 },
      { type: 'resubmit', table: 1 },
      { type: 'output', port: 3 },
    ]);
  });

  it('accepts dl_type as the prerequisite of IP fields', () => {
    expect(parse('dl_type=0x0800,nw_dst=10.0.0.2,actions=drop')).to.have.length(1);
    expect(parse('ip,nw_proto=6,tp_dst=80,actions=drop')).to.have.length(1);
  });

  it('takes dl_type and nw_proto spelled out, or a network shorthand with nw_proto, as the transport shorthand', () => {
    expect(parse('dl_type=0x0800,nw_proto=6,tcp_dst=80,actions=drop')).to.have.length(1);
    expect(parse('dl_type=0x86dd,nw_proto=17,udp_dst=53,actions=drop')).to.have.length(1);
    expect(parse('ipv6,nw_proto=58,icmpv6_type=135,actions=drop')).to.have.length(1);
    expect(() => parse('ip,nw_proto=58,icmpv6_type=135,actions=drop')).to.throw('icmpv6_type: prerequisite missing (add one of: icmp6)');
  });

  it('formats rules canonically, and the canonical form parses to the same rule', () => {
    const text = 'udp,priority=7,in_port=p1,tp_dst=0x1000/0xf000,actions=mod_nw_tos:184,dec_ttl,output:p2';
    const [r] = parse(text);
    const canon = formatOfctlFlow(r as never);
    expect(canon).to.equal('table=0,priority=7,udp,in_port=1,tp_dst=0x1000/0xf000,actions=mod_nw_tos:184,dec_ttl,output:2');
    const [again] = parseOfctlFlows(canon, { source: 'flows.txt', ports: {} });
    expect({ ...again, source: '' }).to.deep.equal({ ...r, source: '' });
  });

  describe('value widths (ovs-fields(7)): a value the field cannot hold is refused, not truncated', () => {
    it('dl_vlan takes a 12-bit VLAN id, or 0xffff for frames without a VLAN header', () => {
      expect(parse('dl_vlan=4095,actions=drop')[0]?.match).to.deep.equal([{ name: 'dl_vlan', value: '4095' }]);
      expect(parse('dl_vlan=0xffff,actions=drop')[0]?.match).to.deep.equal([{ name: 'dl_vlan', value: '0xffff' }]);
      expect(error('dl_vlan=5000,actions=drop')).to.equal('flows.txt:1:9: dl_vlan: 5000 is larger than 4095 (or 0xffff for frames without a VLAN header)');
      expect(error('in_port=p1,dl_vlan=4096,actions=drop')).to.equal(
        'flows.txt:1:20: dl_vlan: 4096 is larger than 4095 (or 0xffff for frames without a VLAN header)',
      );
    });

    it('nw_tos is the DSCP shifted left 2: its ECN bits must be clear, as mod_nw_tos requires', () => {
      expect(parse('ip,nw_tos=252,actions=drop')).to.have.length(1);
      expect(error('ip,nw_tos=3,actions=drop')).to.equal('flows.txt:1:11: nw_tos: 3 sets ECN bits; the value must be a multiple of 4');
      expect(error('ip,nw_tos=256,actions=drop')).to.equal('flows.txt:1:11: nw_tos: 256 is larger than 252');
    });

    it('arp_op takes the opcodes OVS matches, 0..255', () => {
      expect(parse('arp,arp_op=255,actions=drop')).to.have.length(1);
      expect(error('arp,arp_op=256,actions=drop')).to.equal('flows.txt:1:12: arp_op: 256 is larger than 255');
    });

    it('ports are 16-bit OpenFlow 1.0 numbers, in matches and in actions', () => {
      expect(error('in_port=70000,actions=drop')).to.equal('flows.txt:1:9: in_port: port 70000 is larger than 65535');
      expect(error('in_port=p1,actions=output:70000')).to.equal('flows.txt:1:27: output: port 70000 is larger than 65535');
      expect(error('in_port=p1,actions=resubmit(65536,1)')).to.equal('flows.txt:1:29: resubmit: port 65536 is larger than 65535');
    });

    it('set_field values are held to the width of the field they write', () => {
      expect(error('tcp,actions=set_field:70000->tp_dst')).to.equal('flows.txt:1:23: set_field tp_dst: 70000 is larger than 65535');
    });

    it('cookie is 64 bits and controller max_len 16 bits', () => {
      expect(error('cookie=18446744073709551616,actions=drop')).to.equal('flows.txt:1:8: cookie: 18446744073709551616 is larger than 18446744073709551615');
      expect(error('in_port=p1,actions=controller(max_len=65536)')).to.equal('flows.txt:1:20: controller: max_len 65536 is larger than 65535');
    });
  });

  describe('OVS\'s other names for a field (ovs-fields(7) "aka") are the same field', () => {
    it('set_field takes nw_src/nw_dst, dl_src/dl_dst and tp_src/tp_dst and writes the canonical name', () => {
      const [r] = parse(
        'tcp,actions=set_field:1.2.3.4->nw_dst,set_field:10.0.0.9->nw_src,set_field:0a:dd:00:00:00:09->dl_src,set_field:0a:dd:00:00:00:0a->dl_dst,set_field:80->tp_src,set_field:81->tp_dst',
      );
      expect(r?.actions).to.deep.equal([
        { type: 'set_field', field: 'ip_dst', value: '1.2.3.4' },
        { type: 'set_field', field: 'ip_src', value: '10.0.0.9' },
        { type: 'set_field', field: 'eth_src', value: '0a:dd:00:00:00:09' },
        { type: 'set_field', field: 'eth_dst', value: '0a:dd:00:00:00:0a' },
        { type: 'set_field', field: 'tcp_src', value: '80' },
        { type: 'set_field', field: 'tcp_dst', value: '81' },
      ]);
      expect(formatOfctlFlow(r as never)).to.contain('actions=set_field:1.2.3.4->ip_dst,');
    });

    it('matches take ip_ecn and ip_frag for nw_ecn and nw_frag, and an alias beside its field is a duplicate', () => {
      expect(parse('ip,ip_ecn=3,ip_frag=first,actions=drop')[0]?.match).to.deep.equal([
        { name: 'ip', value: '' },
        { name: 'nw_ecn', value: '3' },
        { name: 'nw_frag', value: 'first' },
      ]);
      expect(error('ip,nw_ecn=1,ip_ecn=2,actions=drop')).to.equal("flows.txt:1:13: 'ip_ecn' given twice");
    });

    it('an ARP rule may match its addresses as ip_src/ip_dst, the same field as nw_src/nw_dst', () => {
      expect(parse('arp,ip_src=10.0.0.1,ip_dst=10.0.0.2,actions=drop')[0]?.match).to.deep.equal([
        { name: 'arp', value: '' },
        { name: 'nw_src', value: '10.0.0.1' },
        { name: 'nw_dst', value: '10.0.0.2' },
      ]);
    });
  });

  describe('set_field prerequisites: OVS refuses a set_field whose field the rule does not guarantee', () => {
    const cases: [string, string][] = [
      [
        'in_port=p1,actions=set_field:1.2.3.4->nw_dst,output:p2',
        'flows.txt:1:20: set_field nw_dst: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp)',
      ],
      [
        'in_port=p1,actions=set_field:1.2.3.4->ip_dst,output:p2',
        'flows.txt:1:20: set_field ip_dst: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp)',
      ],
      // OVS's tp_src/tp_dst are tcp_src/tcp_dst; a UDP port is udp_src/udp_dst.
      ['udp,actions=set_field:53->tp_dst', 'flows.txt:1:13: set_field tp_dst: prerequisite missing (add one of: tcp, tcp6)'],
      [
        'in_port=p1,actions=set_field:4106->vlan_vid,output:p2',
        'flows.txt:1:20: set_field vlan_vid: the frame has no VLAN header here (match one with dl_vlan, or push_vlan first)',
      ],
      [
        'dl_vlan=10,actions=strip_vlan,set_field:5->vlan_pcp',
        'flows.txt:1:31: set_field vlan_pcp: the frame has no VLAN header here (match one with dl_vlan, or push_vlan first)',
      ],
    ];
    for (const [text, message] of cases) {
      it(text, () => expect(error(text)).to.equal(message));
    }

    it('accepts each field where the rule guarantees it: by shorthand, dl_type, a matched or a pushed VLAN header', () => {
      expect(parse('dl_type=0x0800,actions=set_field:1.2.3.4->nw_dst')).to.have.length(1);
      expect(parse('ipv6,actions=set_field:10->ip_dscp,set_field:9->nw_ttl')).to.have.length(1);
      expect(parse('udp6,actions=set_field:53->udp_dst')).to.have.length(1);
      expect(parse('dl_vlan=10,actions=set_field:4116->vlan_vid')).to.have.length(1);
      expect(parse('vlan_tci=0x1000/0x1000,actions=set_field:3->vlan_pcp')).to.have.length(1);
      expect(parse('in_port=p1,actions=mod_vlan_vid:5,set_field:3->vlan_pcp')).to.have.length(1);
      expect(error('in_port=p1,actions=set_field:1.2.3.4->ip_dst')).to.match(/prerequisite missing/);
    });
  });

  describe('rejects bad text with file:line:column and the reason', () => {
    const cases: [string, string][] = [
      ['in_port=p1,nw_srcc=10.0.0.1,actions=drop', "flows.txt:1:12: unknown match field 'nw_srcc'"],
      ['in_port=p1,actions=output:p9', "flows.txt:1:27: output: unknown port 'p9' (known: p1, p2, p3)"],
      ['in_port=p1', "flows.txt:1:1: missing 'actions=' (every rule needs actions, e.g. actions=drop)"],
      ['in_port=p1,actions=', "flows.txt:1:20: empty action list (use 'actions=drop' to drop)"],
      ['nw_src=10.0.0.1,actions=drop', 'flows.txt:1:1: nw_src: prerequisite missing (add one of: ip, tcp, udp, icmp, sctp, arp)'],
      ['ip,nw_src=10.0.0.300,actions=drop', "flows.txt:1:11: nw_src: '10.0.0.300' is not an IPv4 address"],
      ['ip,nw_src=10.0.0.0/33,actions=drop', 'flows.txt:1:20: nw_src: prefix /33 is longer than 32'],
      ['dl_vlan_pcp=8,actions=drop', 'flows.txt:1:13: dl_vlan_pcp: 8 is larger than 7'],
      ['in_port=p1,actions=mod_vlan_vid:4096', 'flows.txt:1:33: mod_vlan_vid: 4096 is larger than 4095'],
      [
        // tun_tos is OVS-internal: no OpenFlow field carries it.
        'in_port=p1,actions=set_field:1->tun_tos',
        "flows.txt:1:33: set_field: unknown or unsupported field 'tun_tos' (supported: eth_src, eth_dst, vlan_vid, vlan_pcp, ip_src, ip_dst, ip_dscp, nw_ecn, nw_ttl, ipv6_src, ipv6_dst, ipv6_label, tcp_src, tcp_dst, udp_src, udp_dst, sctp_src, sctp_dst, nd_target, nd_sll, nd_tll, nd_reserved, nd_options_type, arp_op, arp_spa, arp_tpa, arp_sha, arp_tha, mpls_label, mpls_tc, mpls_ttl, ct_mark, ct_label, reg0..reg15, xreg0..xreg7, xxreg0..xxreg3, metadata, pkt_mark, tun_id, tun_src, tun_dst, tun_ipv6_src, tun_ipv6_dst, tun_flags, tun_gbp_id, tun_gbp_flags, tun_metadata0..tun_metadata63, tun_erspan_ver, tun_erspan_idx, tun_erspan_dir, tun_erspan_hwid)",
      ],
      ['in_port=p1,actions=set_field:zz->eth_src', "flows.txt:1:30: set_field eth_src: 'zz' is not a MAC address"],
      ['in_port=p1,actions=drop,output:p2', "flows.txt:1:20: 'drop' must be the only action"],
      ['in_port=p1,actions=frobnicate', "flows.txt:1:20: unknown action 'frobnicate'"],
      ['in_port=p1,in_port=p2,actions=drop', "flows.txt:1:12: 'in_port' given twice"],
      ['tcp,tcp_flags=+syn-bogus,actions=drop', "flows.txt:1:15: tcp_flags: unknown flag 'bogus' (flags: fin syn rst psh ack urg ece cwr ns)"],
      ['in_port=p1,actions=mod_nw_tos:3', 'flows.txt:1:31: mod_nw_tos: 3 sets ECN bits; the value must be a multiple of 4'],
      ['in_port=p1,dl_type=0x0800/0xffff,actions=drop', 'flows.txt:1:27: dl_type: this field cannot be masked'],
    ];
    for (const [text, message] of cases) {
      it(text, () => expect(error(text)).to.equal(message));
    }

    it('reports the line of the bad rule in a longer file', () => {
      expect(error('# ok\nin_port=p1,actions=output:p2\n\nin_port=p1,actions=output:p7\n')).to.match(/^flows\.txt:4:27: /);
    });
  });
});
