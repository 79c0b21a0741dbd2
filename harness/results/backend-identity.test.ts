import { expect } from 'chai';
import { backendIdentity, guestIdentity } from './backend-identity.js';

describe("a backend's identity in the results", () => {
  const probe = { backend: 'afxdp', available: true, versions: { ovs: '3.1.0', kernel: '6.18.44' }, product: 'afxdp/ovs-3.1.0/linux-6.18.44' };

  it('is the probe refined by what the started backend says: product, versions, features it lacks', () => {
    expect(
      backendIdentity('afxdp', probe, {
        product: 'afxdp-native/ovs-3.1.0/linux-6.18.44',
        versions: { xdp: 'native' },
        unsupported: { 'ct.zone_limit': 'no ct limits' },
      }),
    ).to.deep.equal({
      id: 'afxdp',
      available: true,
      versions: { ovs: '3.1.0', kernel: '6.18.44', xdp: 'native' },
      product: 'afxdp-native/ovs-3.1.0/linux-6.18.44',
      unsupported: { 'ct.zone_limit': 'no ct limits' },
    });
  });

  it("keeps a backend that cannot run with its probe's reason, and a baseline by what it started as", () => {
    expect(backendIdentity('kernel', { backend: 'kernel', available: false, reason: 'no openvswitch kernel module', versions: {} })).to.deep.equal({
      id: 'kernel',
      available: false,
      versions: {},
      reason: 'no openvswitch kernel module',
    });
    expect(backendIdentity('baseline-xdp', undefined, { product: 'xdp-redirect-native' })).to.deep.equal({
      id: 'baseline-xdp',
      available: true,
      versions: {},
      product: 'xdp-redirect-native',
    });
  });

  it("takes a guest run's identity in with the guest's kernel and kind", () => {
    const inner = backendIdentity('kernel', { ...probe, backend: 'kernel', product: 'ovs-kernel/ovs-3.1.0/linux-6.1.176' });
    expect(guestIdentity(inner, 'kernel', { label: 'uml 6.1.176', kind: 'uml', kernel: '6.1.176' })).to.deep.include({
      product: 'ovs-kernel/ovs-3.1.0/linux-6.1.176-uml',
      versions: { ovs: '3.1.0', kernel: '6.1.176', guest: 'uml 6.1.176' },
    });
  });
});
