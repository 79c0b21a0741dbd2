import { expect } from 'chai';
import { loadOrder, parseModulesDep } from './modules-dep.js';

// From Debian's linux-image-6.1.0-57-amd64, after depmod.
const DEP = parseModulesDep(`kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/fs/netfs/netfs.ko:
kernel/net/9p/9pnet.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
`);

describe('kernel module load order from modules.dep', () => {
  it('loads every dependency once, before the modules that need it', () => {
    const order = loadOrder(DEP, ['virtio_pci', '9pnet_virtio', '9p']).map((p) => p.split('/').pop());
    expect(order).to.deep.equal([
      'virtio_pci_legacy_dev.ko',
      'virtio_pci_modern_dev.ko',
      'virtio.ko',
      'virtio_ring.ko',
      'virtio_pci.ko',
      '9pnet.ko',
      '9pnet_virtio.ko',
      'netfs.ko',
      'fscache.ko',
      '9p.ko',
    ]);
  });

  it('takes module names with dashes or underscores, and skips built-in ones', () => {
    expect(loadOrder(DEP, ['virtio-ring', 'ipv6'], new Set(['ipv6']))).to.deep.equal(['kernel/drivers/virtio/virtio_ring.ko']);
  });

  it('names a module that is neither a file nor built in', () => {
    expect(() => loadOrder(DEP, ['openvswitch'])).to.throw('kernel module openvswitch: neither in modules.dep nor built in');
  });

  it('refuses a dependency cycle instead of looping', () => {
    const cyclic = parseModulesDep('a.ko: b.ko\nb.ko: a.ko\n');
    expect(() => loadOrder(cyclic, ['a'])).to.throw('modules.dep: dependency cycle a.ko -> b.ko -> a.ko');
  });
});
