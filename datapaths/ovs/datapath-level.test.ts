import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keyDifferences } from '../../harness/odp/key-match.js';
import { parseDpctlPorts, parseMissUpcalls } from './datapath-level.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../datapaths/ovs/fixtures/${name}`, import.meta.url)), 'utf8');
/** ovs-vswitchd 3.1 logs with dpif and dpif_netdev at debug: the 6.1 kernel module in UML, and afxdp. */
const [kernelLog = '', afxdpLog = ''] = fixture('ovs-3.1-upcall-debug-log.txt').split(/^### afxdp vswitchd log$/m);

describe('OVS datapath level: upcall keys and port numbers from recorded output', () => {
  it('takes the key line after each miss upcall, from the kernel (dpif) and userspace (dpif_netdev) datapaths', () => {
    const kernel = parseMissUpcalls(kernelLog);
    const user = parseMissUpcalls(afxdpLog);
    expect(kernel).to.have.length(3);
    expect(user).to.have.length(2);
    for (const k of [...kernel, ...user]) expect(k).to.match(/^(recirc_id|skb_priority)\(0\),.*in_port\(\d\),/);
    // flow_put/flow_del debug lines and the packet lines are not keys.
    expect([...kernel, ...user].some((k) => /put\[|flow_del|vlan_tci=/.test(k))).to.equal(false);
  });

  it("keeps the kernel module's seed-003 key for an IPv4 packet cut after its header", () => {
    const truncated = parseMissUpcalls(kernelLog).find((k) => k.includes('proto=6') && k.includes('tcp(src=0,dst=0)'));
    expect(truncated).to.not.equal(undefined);
    expect(keyDifferences('eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,frag=no),tcp(src=0,dst=0),tcp_flags(0)', truncated as string)).to.deep.equal(
      [],
    );
  });

  it('maps interface names to datapath port numbers from dpctl/show', () => {
    const show = fixture('ovs-3.1-netdev-show.txt').split('### dpctl/show\n')[1]?.split('###')[0] ?? '';
    expect([...parseDpctlPorts(show)]).to.deep.equal([
      ['ovs-netdev', 0],
      ['dlfff003dp1', 1],
      ['dlfff003dp2', 2],
      ['dlfff003br', 3],
    ]);
  });
});
