import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseOdpFlow } from '../../harness/odp/parse.js';
import { REPO_ROOT } from '../../harness/system/identity.js';
import { exec } from '../../harness/system/exec.js';
import { arp, ndNs, tcp4, udp4, udp6 } from '../../suites/conformance/frames.js';

const KEYTEST = join(REPO_ROOT, 'build/bin/dplab-ebpf-keytest');

/** Keys of the frames as the BPF core extracts them under BPF_PROG_RUN (and, equal, in userspace). */
async function keys(frames: readonly Buffer[]): Promise<string[]> {
  const r = await exec(KEYTEST, [], { input: frames.map((f) => f.toString('hex')).join('\n') + '\n' });
  return r.stdout.trim().split('\n');
}

const ETH = 'in_port(1),eth(src=0a:dd:00:00:00:01,dst=0a:dd:00:00:00:02)';
const IP = 'ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no)';

describe('eBPF datapath flow-key extraction (BPF_PROG_RUN of key.bpf.c)', function () {
  before(function () {
    if (process.getuid?.() !== 0 || !existsSync(KEYTEST)) this.skip();
  });

  it('extracts Ethernet, IPv4 and UDP', async () => {
    expect(await keys([udp4()])).to.deep.equal([`${ETH},eth_type(0x0800),${IP},udp(src=1000,dst=2000)`]);
  });

  it('nests everything after an 802.1Q tag in encap(), outer eth_type staying 0x8100', async () => {
    expect(await keys([udp4({ vlans: [{ vid: 10, pcp: 3 }] })])).to.deep.equal([
      `${ETH},eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),${IP},udp(src=1000,dst=2000))`,
    ]);
  });

  it('nests an 802.1Q tag inside an 802.1ad tag', async () => {
    expect(await keys([udp4({ vlans: [{ vid: 200, tpid: 0x88a8 }, { vid: 10 }] })])).to.deep.equal([
      `${ETH},eth_type(0x88a8),vlan(vid=200,pcp=0),encap(eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),${IP},udp(src=1000,dst=2000)))`,
    ]);
  });

  it('seed 003: IPv4 proto 6 truncated after the IP header gives tcp(src=0,dst=0)', async () => {
    const cut = tcp4().subarray(0, 34);
    const [k] = await keys([cut]);
    expect(k).to.match(/,ipv4\(src=10\.0\.0\.1,dst=10\.0\.0\.2,proto=6,.*\),tcp\(src=0,dst=0\),tcp_flags\(0\)$/);
  });

  it('seed 003: 0x8100 truncated after the ethertype gives vlan(0) (CFI clear) and an empty encap()', async () => {
    const cut = udp4({ vlans: [{ vid: 10 }] }).subarray(0, 14);
    expect(await keys([cut])).to.deep.equal([`${ETH},eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()`]);
  });

  it('an IPv4 header longer than the frame (IHL 15) gives an empty ipv4() and no L4', async () => {
    // BPF_PROG_RUN itself refuses frames with less than a 20-byte IPv4 header, so the
    // malformed header here is one whose IHL points past the end of the frame.
    const f = Buffer.from(udp4());
    f[14] = 0x4f;
    const [k] = await keys([f]);
    expect(k).to.equal(`${ETH},eth_type(0x0800),ipv4(src=0.0.0.0,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no)`);
  });

  it('keeps L4 for first fragments and drops it for later ones', async () => {
    const [first, later] = await keys([udp4({ ip: { moreFragments: true } }), udp4({ ip: { fragOffset: 185 } })]);
    expect(first).to.match(/frag=first\),udp\(src=1000,dst=2000\)$/);
    expect(later).to.match(/frag=later\)$/);
  });

  it('extracts IPv6, ICMPv6 ND with target and source link-layer address, and ARP', async () => {
    const [v6, nd, a] = await keys([udp6({ ip6: { label: 0x12345 } }), ndNs({ target: '2001:db8::2' }), arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' })]);
    expect(v6).to.contain('ipv6(src=2001:db8::1,dst=2001:db8::2,label=0x12345,proto=17,tclass=0x0,hlimit=64,frag=no),udp(src=1000,dst=2000)');
    expect(nd).to.contain('icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=0a:dd:00:00:00:01,tll=00:00:00:00:00:00)');
    expect(a).to.contain('eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=0a:dd:00:00:00:01,tha=00:00:00:00:00:00)');
  });

  it('leaves eth_type out for 802.3 length frames, as OVS and the kernel module encode them', async () => {
    const llc = Buffer.from('0add000000020add00000001002aaaaa03000000', 'hex');
    expect(await keys([llc])).to.deep.equal([ETH]);
  });

  it('prints keys the shared ODP parser reads back', async () => {
    const all = await keys([udp4({ vlans: [{ vid: 10 }] }), ndNs({ target: '2001:db8::2' }), tcp4({ flags: 'SA' })]);
    for (const k of all) {
      const f = parseOdpFlow(`${k}, packets:0, bytes:0, used:never, actions:drop`, 'keytest');
      expect(f.key[0]).to.deep.equal({ name: 'in_port', fields: [], value: '1' });
    }
  });
});
