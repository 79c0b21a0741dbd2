import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS } from '../../datapaths/registry.js';
import { loadCatalogue } from '../features/catalogue.js';
import { kernelCacheDir } from './debian-kernel.js';
import { BACKEND_IDS, bootRefusal, kernelCapabilities, kernelFeatures, REQUIREMENTS, type CheckContext, type GuestKind } from './kernel-capabilities.js';
import { parseKernelConfig } from './kernel-config.js';

/** What dplab's qemu guest needs, all built in: the smallest kernel that boots it. */
const QEMU_GUEST = [
  'X86_64',
  'BLK_DEV_INITRD',
  'VIRTIO_PCI',
  'VIRTIO',
  'NET_9P',
  'NET_9P_VIRTIO',
  '9P_FS',
  'SERIAL_8250',
  'SERIAL_8250_CONSOLE',
  'DEVTMPFS',
  'PROC_FS',
  'SYSFS',
  'TMPFS',
  'BINFMT_ELF',
  'BINFMT_SCRIPT',
  'UNIX',
  'NET_NS',
  'INET',
  'IPV6',
  'VETH',
  'OVERLAY_FS',
];
const KERNEL_BACKEND = ['OPENVSWITCH', 'NF_CONNTRACK', 'NF_CONNTRACK_ZONES', 'NF_CONNTRACK_MARK', 'NF_CONNTRACK_LABELS', 'NF_NAT', 'NETFILTER_CONNCOUNT'];
const EBPF_BACKEND = ['BPF_SYSCALL', 'DEBUG_INFO_BTF', 'DEBUG_INFO_BTF_MODULES', 'NET_SCH_INGRESS', 'NET_CLS_BPF', 'XDP_SOCKETS', 'TUN'];

/** A config of `version` with these options `=y`, then `overrides` (`X: 'm'`, `X: 'n'`). */
function config(version: string, overrides: Record<string, string> = {}, base: readonly string[] = [...QEMU_GUEST, ...KERNEL_BACKEND, ...EBPF_BACKEND]) {
  const values = { ...Object.fromEntries(base.map((o) => [o, 'y'])), ...overrides };
  const lines = Object.entries(values).map(([o, v]) => (v === 'n' ? `# CONFIG_${o} is not set` : `CONFIG_${o}=${v}`));
  return parseKernelConfig([`# Linux/x86 ${version} Kernel Configuration`, ...lines].join('\n'), { path: 'test', how: 'test' });
}

function check(version: string, overrides: Record<string, string> = {}, more: Partial<Omit<CheckContext, 'config'>> = {}) {
  return kernelCapabilities({ config: config(version, overrides), guest: 'qemu' as GuestKind, modules: true, ...more });
}

const feature = (caps: ReturnType<typeof check>, id: string) => caps.features.find((f) => f.id === id)?.backends;

describe('kernel capabilities from the config', () => {
  describe('booting the guest', () => {
    it('boots a kernel with everything the qemu guest needs built in', () => {
      const caps = check('6.1.0');
      expect(caps.guest.ok).to.equal(true);
      expect(caps.guest.degraded).to.deep.equal([]);
    });

    it('refuses a kernel without 9p, naming the missing options', () => {
      const caps = check('6.1.0', { NET_9P: 'n', '9P_FS': 'n', NET_9P_VIRTIO: 'n' });
      expect(caps.guest.ok).to.equal(false);
      expect(bootRefusal(caps.guest)).to.equal('missing CONFIG_NET_9P, CONFIG_NET_9P_VIRTIO, CONFIG_9P_FS');
    });

    it('takes =m options only with a modules tree to load them from, and says which', () => {
      expect(check('6.1.0', { VIRTIO_PCI: 'm', '9P_FS': 'm' }).guest.ok).to.equal(true);
      const without = check('6.1.0', { VIRTIO_PCI: 'm', '9P_FS': 'm', TMPFS: 'n' }, { modules: false });
      expect(without.guest.ok).to.equal(false);
      expect(bootRefusal(without.guest)).to.equal('missing CONFIG_TMPFS (built as modules but no --modules: CONFIG_VIRTIO_PCI, CONFIG_9P_FS)');
    });

    it('takes compressed modules for the initramfs too: dplab decompresses them when it builds it', () => {
      expect(check('6.12.0', { '9P_FS': 'm', VIRTIO_PCI: 'm', MODULE_COMPRESS_XZ: 'y' }).guest.ok).to.equal(true);
    });

    it('needs what has to be there before any module loads built in', () => {
      const caps = check('6.1.0', { UNIX: 'm' });
      expect(caps.guest.ok).to.equal(false);
      expect(bootRefusal(caps.guest)).to.equal('built as modules where they must be built in: CONFIG_UNIX');
    });

    it('boots without overlayfs or a serial console, saying what is lost', () => {
      const caps = check('6.1.0', { OVERLAY_FS: 'n', SERIAL_8250_CONSOLE: 'n' });
      expect(caps.guest.ok).to.equal(true);
      expect(caps.guest.degraded.map((f) => f.requirement.degrades)).to.have.length(2);
    });

    it('needs PVH to boot an ELF vmlinux, not a bzImage', () => {
      expect(check('6.1.0', {}, { elf: true }).guest.ok).to.equal(false);
      expect(check('6.1.0', { PVH: 'y' }, { elf: true }).guest.ok).to.equal(true);
    });

    it('sends a user-mode Linux kernel to uml:, and boots it there with hostfs', () => {
      const uml = { UML: 'y', HOSTFS: 'y' };
      expect(bootRefusal(check('6.1.0', uml).guest)).to.match(/CONFIG_UML set .*uml:PATH/);
      expect(check('6.1.0', uml, { guest: 'uml' }).guest.ok).to.equal(true);
      expect(bootRefusal(check('6.1.0', { UML: 'y' }, { guest: 'uml' }).guest)).to.equal('missing CONFIG_HOSTFS');
    });
  });

  describe('backends', () => {
    it('says no to the kernel backend without openvswitch, naming the option, and marks its features as not runnable', () => {
      const caps = check('6.1.0', { OPENVSWITCH: 'n' });
      expect(caps.backends.kernel.ok).to.equal(false);
      expect(caps.backends.kernel.findings.flatMap((f) => f.problems)).to.deep.equal([{ kind: 'missing', what: 'CONFIG_OPENVSWITCH' }]);
      expect(feature(caps, 'meter')?.kernel).to.equal(undefined);
      expect(caps.backends.afxdp.ok).to.equal(true);
    });

    it('takes openvswitch as a module', () => {
      expect(check('6.1.0', { OPENVSWITCH: 'm' }).backends.kernel.findings[0]?.decided).to.deep.equal(['CONFIG_OPENVSWITCH=m']);
    });

    it('needs AF_XDP sockets for afxdp, and BTF and kernel 5.17 (bpf_loop) for the eBPF datapath', () => {
      expect(check('6.1.0', { XDP_SOCKETS: 'n' }).backends.afxdp.ok).to.equal(false);
      expect(check('6.1.0', { TUN: 'n' }).backends.afxdp.ok, 'the bridge port is a tap').to.equal(false);
      const noBtf = check('6.1.0', { DEBUG_INFO_BTF: 'n' });
      expect([noBtf.backends.ebpf.ok, noBtf.backends['ebpf-xdp'].ok]).to.deep.equal([false, false]);
      const old = check('5.16.0');
      expect(old.backends.ebpf.findings.flatMap((f) => f.problems)).to.deep.equal([{ kind: 'too-old', what: '5.16.0 < 5.17' }]);
      expect(check('5.17.0').backends.ebpf.ok).to.equal(true);
    });
  });

  describe('features, by openvswitch.ko version (OVS feature table) and BPF kfunc version', () => {
    const on = (version: string, id: string, backend: (typeof BACKEND_IDS)[number], overrides: Record<string, string> = {}) =>
      feature(check(version, overrides), id)?.[backend]?.ok;

    it('meters from 4.15, ct zone limits from 4.18, check_pkt_len from 5.2 on the kernel datapath', () => {
      expect([on('4.14.0', 'meter', 'kernel'), on('4.15.0', 'meter', 'kernel')]).to.deep.equal([false, true]);
      expect([on('4.17.0', 'ct.zone_limit', 'kernel'), on('4.18.0', 'ct.zone_limit', 'kernel')]).to.deep.equal([false, true]);
      expect([on('5.1.19', 'check_pkt_len', 'kernel'), on('5.2.0', 'check_pkt_len', 'kernel')]).to.deep.equal([false, true]);
    });

    it('conntrack for the eBPF datapath from 6.0 (ct alloc/insert kfuncs), NAT from 6.1 (bpf_ct_set_nat_info)', () => {
      expect([on('5.19.0', 'ct', 'ebpf'), on('6.0.0', 'ct', 'ebpf')]).to.deep.equal([false, true]);
      expect([on('6.0.0', 'ct.nat', 'ebpf'), on('6.1.0', 'ct.nat', 'ebpf')]).to.deep.equal([false, true]);
    });

    it("needs module BTF for a modular nf_conntrack's kfuncs", () => {
      expect(on('6.1.0', 'ct', 'ebpf', { NF_CONNTRACK: 'm', DEBUG_INFO_BTF_MODULES: 'n' })).to.equal(false);
      expect(on('6.1.0', 'ct', 'ebpf', { NF_CONNTRACK: 'y', DEBUG_INFO_BTF_MODULES: 'n' })).to.equal(true);
    });

    it('takes NAT and zone limits as building on ct', () => {
      expect(on('6.1.0', 'ct.nat', 'kernel', { NF_CONNTRACK_ZONES: 'n' })).to.equal(false);
    });

    it('has no SRv6 tunnel on the kernel datapath at any version, and leaves afxdp features to OVS userspace', () => {
      const caps = check('6.12.0');
      expect(feature(caps, 'tunnel.srv6')?.kernel?.ok).to.equal(false);
      expect(feature(caps, 'tunnel.vxlan')?.afxdp?.findings).to.deep.equal([]);
    });

    it('has bareudp on the kernel datapath with CONFIG_BAREUDP from 5.7, and LISP and STT at no version (out-of-tree module only)', () => {
      expect([on('5.6.0', 'tunnel.bareudp', 'kernel', { BAREUDP: 'm' }), on('5.7.0', 'tunnel.bareudp', 'kernel', { BAREUDP: 'm' })]).to.deep.equal([
        false,
        true,
      ]);
      expect(on('6.12.0', 'tunnel.bareudp', 'kernel', { BAREUDP: 'n' })).to.equal(false);
      for (const id of ['tunnel.lisp', 'tunnel.stt', 'tunnel.stt_tso']) expect(on('6.12.0', id, 'kernel'), id).to.equal(false);
    });
  });

  describe('the table', () => {
    it('covers the backends dplab has, in report order', () => {
      expect([...BACKEND_IDS]).to.deep.equal(BACKENDS.map((b) => b.id));
    });

    it('names only catalogue features, and gives every row a reason', () => {
      const catalogue = loadCatalogue();
      for (const id of kernelFeatures()) expect(catalogue.has(id), id).to.equal(true);
      for (const r of REQUIREMENTS) expect(r.why.length, JSON.stringify(r.target)).to.be.greaterThan(10);
    });
  });

  describe("Debian's 6.1 kernel (when fetched into the cache)", () => {
    const path = join(kernelCacheDir(), 'linux-image-6.1.0-57-amd64/root/boot/config-6.1.0-57-amd64');
    const real = (modules: boolean) =>
      kernelCapabilities({ config: parseKernelConfig(readFileSync(path, 'utf8'), { path, how: 'beside the image' }), guest: 'qemu', modules });

    it('boots the guest with its modules (virtio and 9p are =m), not without them', function () {
      if (!existsSync(path)) this.skip();
      expect(real(true).guest.ok).to.equal(true);
      expect(bootRefusal(real(false).guest)).to.match(/^built as modules but no --modules: CONFIG_VIRTIO_PCI, .*CONFIG_9P_FS/);
    });

    it('runs every backend, and everything on the kernel datapath but bareudp (not built), LISP, STT and SRv6 (never upstream)', function () {
      if (!existsSync(path)) this.skip();
      const caps = real(true);
      expect(BACKEND_IDS.filter((b) => caps.backends[b].ok)).to.deep.equal(['kernel', 'afxdp', 'ebpf', 'ebpf-xdp']);
      expect(caps.features.filter((f) => !f.backends.kernel?.ok).map((f) => f.id)).to.deep.equal([
        'tunnel.bareudp',
        'tunnel.lisp',
        'tunnel.stt',
        'tunnel.stt_tso',
        'tunnel.srv6',
      ]);
    });
  });
});
