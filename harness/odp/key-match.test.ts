import { expect } from 'chai';
import { keyDifferences } from './key-match.js';

// A miss upcall key as ovs-vswitchd 3.1 logs it for the 6.1 kernel datapath (seed 003's example
// of an IPv4 packet with protocol 6, truncated after the IP header).
const KERNEL_TRUNCATED_TCP =
  'skb_priority(0),skb_mark(0),ct_state(0),ct_zone(0),ct_mark(0),ct_label(0),recirc_id(0),dp_hash(0),in_port(2),' +
  'packet_type(ns=0,id=0),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x0800),' +
  'ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=0,dst=0),tcp_flags(0)';

describe('flow keys compared against a partial expectation', () => {
  it('matches when every named attribute and field has its value, ignoring metadata it does not name', () => {
    expect(keyDifferences('eth_type(0x0800),ipv4(proto=6,frag=no),tcp(src=0,dst=0)', KERNEL_TRUNCATED_TCP)).to.deep.equal([]);
  });

  it('names each field that differs and each attribute that is missing', () => {
    expect(keyDifferences('ipv4(proto=17,ttl=64),udp(src=0,dst=0)', KERNEL_TRUNCATED_TCP)).to.deep.equal(['ipv4.proto: 6, expected 17', 'udp: absent']);
  });

  it('looks inside encap() and tells an empty encap from a filled one', () => {
    const tagged =
      'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2))';
    expect(keyDifferences('vlan(vid=10),encap(eth_type(0x0800),udp(dst=2))', tagged)).to.deep.equal([]);
    expect(keyDifferences('vlan(vid=10),encap(eth_type(0x86dd))', tagged)).to.deep.equal(['encap/eth_type: 0x0800, expected 0x86dd']);
    expect(keyDifferences('vlan(vid=0,pcp=0,cfi=0),encap()', tagged)).to.deep.equal([
      'vlan.vid: 10, expected 0',
      'vlan.cfi: absent, expected 0',
      'encap: not empty, expected empty',
    ]);
  });

  it('reports attributes that must be absent, at any depth', () => {
    const later =
      'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=later)';
    expect(keyDifferences('ipv4(frag=later)', later, ['udp'])).to.deep.equal([]);
    expect(keyDifferences('ipv4(frag=later)', `${later},udp(src=1,dst=2)`, ['udp'])).to.deep.equal(['udp: present, expected absent']);
  });
});
