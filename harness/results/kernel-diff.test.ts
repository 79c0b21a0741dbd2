import { expect } from 'chai';
import { kernelLabel, kernelPairs, kernelPairsAcross, kernelPairsInRun } from './kernel-diff.js';
import type { BackendIdentity, CaseResult, CaseStatus, RunResults } from './results.js';
import { samplePoint, sampleResults } from './results.test.js';

/** A case of a column; its reason defaults to what a reader of a non-pass would see. */
export const sampleCase = (
  backend: string,
  id: string,
  status: CaseStatus,
  reason = status === 'pass' ? '' : `${id} ${status}`,
  suite = 'conformance',
): CaseResult => ({
  id,
  title: id,
  suite,
  backend,
  features: [],
  status,
  reason,
  durationMs: 1,
});

/** A backend on the host kernel (the run's), `extra` overriding. */
const onHost = (id: string, extra: Partial<BackendIdentity> = {}): BackendIdentity => ({ id, available: true, product: id, versions: {}, ...extra });
/** A backend run in a guest kernel, as guestIdentity records it. */
const inGuest = (id: string, kernel: string, kind: string, extra: Partial<BackendIdentity> = {}): BackendIdentity => ({
  id,
  available: true,
  product: `${id}-${kind}`,
  versions: { kernel, guest: `${kind} ${kernel}` },
  ...extra,
});

export function sampleRun(id: string, backends: BackendIdentity[], cases: CaseResult[], hostKernel = '6.18.44'): RunResults {
  const base = sampleResults();
  return { ...base, run: { ...base.run, id, kernel: hostKernel, backends }, cases, benchmarks: [] };
}

describe('kernel diff: one backend on two kernels', () => {
  describe('within one run (--kernel host,debian:...)', () => {
    it('pairs each backend@tag column with the reference column of its backend and lists the cases whose status differs, both statuses with their reasons', () => {
      const r = sampleRun(
        'r1',
        [onHost('ebpf'), inGuest('ebpf@debian-6.12-amd64', '6.12.9', 'qemu')],
        [
          sampleCase('ebpf', 'vlan.push', 'pass'),
          sampleCase('ebpf', 'ct.basic', 'pass'),
          sampleCase('ebpf', 'l2.output', 'pass'),
          sampleCase('ebpf', 'key.eth', 'pass', '', 'datapath'),
          sampleCase('ebpf@debian-6.12-amd64', 'vlan.push', 'fail', 'h2: expected 1 frame(s), got 0'),
          sampleCase('ebpf@debian-6.12-amd64', 'ct.basic', 'unsupported', 'ct: bpf_skb_ct_lookup kfunc missing'),
          sampleCase('ebpf@debian-6.12-amd64', 'l2.output', 'pass'),
          sampleCase('ebpf@debian-6.12-amd64', 'key.eth', 'error', 'agent died', 'datapath'),
        ],
      );
      const [pair, ...more] = kernelPairsInRun(r);
      expect(more).to.deep.equal([]);
      expect(pair?.backend).to.equal('ebpf');
      expect(pair?.from).to.deep.equal({ column: 'ebpf', runId: 'r1', kernel: '6.18.44', guest: false, available: true });
      expect(pair?.to).to.deep.equal({ column: 'ebpf@debian-6.12-amd64', runId: 'r1', kernel: '6.12.9 (qemu)', guest: true, available: true });
      expect(pair?.cases).to.deep.equal([
        { suite: 'conformance', id: 'ct.basic', from: 'pass', fromReason: '', to: 'unsupported', toReason: 'ct: bpf_skb_ct_lookup kfunc missing' },
        { suite: 'conformance', id: 'vlan.push', from: 'pass', fromReason: '', to: 'fail', toReason: 'h2: expected 1 frame(s), got 0' },
        { suite: 'datapath', id: 'key.eth', from: 'pass', fromReason: '', to: 'error', toReason: 'agent died' },
      ]);
      expect([pair?.compared, pair?.same]).to.deep.equal([4, 1]);
      expect([kernelLabel(pair!.from), kernelLabel(pair!.to)]).to.deep.equal(['6.18.44 (host)', '6.12.9 (qemu)']);
    });

    it('gives no pair to a backend with one column', () => {
      const r = sampleRun(
        'r1',
        [onHost('afxdp'), inGuest('kernel@uml-debian', '6.1.176', 'uml'), inGuest('afxdp@uml-debian', '6.1.176', 'uml')],
        [sampleCase('afxdp', 'x', 'pass'), sampleCase('afxdp@uml-debian', 'x', 'pass'), sampleCase('kernel@uml-debian', 'x', 'pass')],
      );
      expect(kernelPairsInRun(r).map((p) => `${p.from.column} -> ${p.to.column}`)).to.deep.equal(['afxdp -> afxdp@uml-debian']);
    });

    it('takes the first kernel where the backend ran as its reference: kernel on a host without openvswitch.ko is compared on two guests', () => {
      const r = sampleRun(
        'r1',
        [
          onHost('kernel', { available: false, product: undefined, reason: 'no openvswitch kernel module on this host' }),
          inGuest('kernel@debian-amd64', '6.1.0-57-amd64', 'qemu-tcg'),
          inGuest('kernel@debian-6.12-amd64', '6.12.118', 'qemu-tcg'),
        ],
        [
          sampleCase('kernel', 'ct.basic', 'skipped', 'no openvswitch kernel module on this host'),
          sampleCase('kernel@debian-amd64', 'ct.basic', 'pass'),
          sampleCase('kernel@debian-6.12-amd64', 'ct.basic', 'fail', 'h2: expected 1 frame(s), got 0'),
        ],
      );
      expect(kernelPairsInRun(r).map((p) => `${p.from.column} -> ${p.to.column}: ${p.cases.map((c) => `${c.id} ${c.from} -> ${c.to}`).join()}`)).to.deep.equal([
        'kernel@debian-amd64 -> kernel: ct.basic pass -> skipped',
        'kernel@debian-amd64 -> kernel@debian-6.12-amd64: ct.basic pass -> fail',
      ]);
    });

    it("orders pairs by backend, then in the order of the run's kernels", () => {
      const cols = ['kernel', 'kernel@uml-debian', 'ebpf', 'ebpf@qemu-6.12.9', 'ebpf@debian-6.1-amd64'];
      const r = sampleRun(
        'r1',
        cols.map((c) => onHost(c)),
        cols.map((c) => sampleCase(c, 'x', 'pass')),
      );
      expect(kernelPairsInRun(r).map((p) => p.to.column)).to.deep.equal(['ebpf@qemu-6.12.9', 'ebpf@debian-6.1-amd64', 'kernel@uml-debian']);
    });

    it('names the features probed on one kernel only, with the probe reason, leaving those unsupported on both out', () => {
      const r = sampleRun(
        'r1',
        [
          onHost('ebpf', { unsupported: { meter: 'no meters in the eBPF datapath' } }),
          inGuest('ebpf@uml-debian', '6.1.176', 'uml', {
            unsupported: { meter: 'no meters in the eBPF datapath', 'ct.zone': 'bpf_ct_set_zone kfunc missing (needs 6.3)' },
          }),
          inGuest('kernel', '6.1.176', 'uml', { unsupported: { 'tunnel.srv6': 'no srv6 vport' } }),
          inGuest('kernel@qemu-6.12.9', '6.12.9', 'qemu', { unsupported: {} }),
        ],
        [],
      );
      expect(kernelPairsInRun(r).map((p) => [p.backend, p.features])).to.deep.equal([
        ['ebpf', [{ feature: 'ct.zone', to: 'bpf_ct_set_zone kfunc missing (needs 6.3)' }]],
        ['kernel', [{ feature: 'tunnel.srv6', from: 'no srv6 vport' }]],
      ]);
    });

    it('says a backend could not run on one kernel, with the reason, and lists no features for the side that probed nothing', () => {
      const r = sampleRun(
        'r1',
        [
          onHost('afxdp', { unsupported: { 'tunnel.srv6': 'no srv6 interface type' } }),
          inGuest('afxdp@uml-debian', '6.1.176', 'uml', { available: false, product: undefined, reason: 'CONFIG_XDP_SOCKETS not set' }),
        ],
        [sampleCase('afxdp', 'l2.output', 'pass'), sampleCase('afxdp@uml-debian', 'l2.output', 'skipped', 'CONFIG_XDP_SOCKETS not set')],
      );
      const [pair] = kernelPairsInRun(r);
      expect(pair?.to).to.include({ available: false, reason: 'CONFIG_XDP_SOCKETS not set' });
      expect(pair?.from).to.not.have.property('reason');
      expect(pair?.features).to.deep.equal([]);
      expect(pair?.cases.map((c) => `${c.id}: ${c.from} -> ${c.to}`)).to.deep.equal(['l2.output: pass -> skipped']);
    });

    it('lists a case present on one kernel only as absent on the other', () => {
      const r = sampleRun(
        'r1',
        [onHost('ebpf'), inGuest('ebpf@uml-debian', '6.1.176', 'uml')],
        [sampleCase('ebpf', 'only.here', 'pass'), sampleCase('ebpf@uml-debian', 'only.there', 'fail', 'h1: nothing')],
      );
      expect(kernelPairsInRun(r)[0]?.cases).to.deep.equal([
        { suite: 'conformance', id: 'only.here', from: 'pass', fromReason: '', to: 'absent', toReason: '' },
        { suite: 'conformance', id: 'only.there', from: 'absent', fromReason: '', to: 'fail', toReason: 'h1: nothing' },
      ]);
    });

    it('keeps a pair whose kernels agree (counts only), and leaves out benchmark-only targets with nothing to compare', () => {
      const r = sampleRun(
        'r1',
        [onHost('ebpf'), onHost('ebpf@host'), onHost('linux-bridge'), onHost('linux-bridge@host')],
        [sampleCase('ebpf', 'x', 'pass'), sampleCase('ebpf@host', 'x', 'pass')],
      );
      r.benchmarks = [samplePoint('linux-bridge', 'mrr_pps', 1e6), samplePoint('linux-bridge@host', 'mrr_pps', 1e6)];
      expect(kernelPairsInRun(r).map((p) => [p.to.column, p.compared, p.same, p.cases.length])).to.deep.equal([['ebpf@host', 1, 1, 0]]);
    });

    it('has no pair in a run on one kernel', () => {
      expect(kernelPairsInRun(sampleResults())).to.deep.equal([]);
    });
  });

  describe('across two runs (dplab compare)', () => {
    const base = sampleRun(
      'a',
      [inGuest('kernel', '6.1.176', 'uml', { unsupported: { 'ct.zone': 'CONFIG_NF_CONNTRACK_ZONES not set' } }), onHost('afxdp'), onHost('ebpf')],
      [
        sampleCase('kernel', 'ct.zone', 'unsupported', 'ct.zone: CONFIG_NF_CONNTRACK_ZONES not set'),
        sampleCase('kernel', 'l2', 'pass'),
        sampleCase('afxdp', 'l2', 'pass'),
      ],
    );

    it('pairs the same column when it ran on another kernel in each run', () => {
      const run = sampleRun(
        'b',
        [inGuest('kernel', '6.12.9', 'qemu', { unsupported: {} }), onHost('afxdp')],
        [sampleCase('kernel', 'ct.zone', 'pass'), sampleCase('kernel', 'l2', 'pass'), sampleCase('afxdp', 'l2', 'fail', 'h2: lost')],
      );
      const pairs = kernelPairsAcross(base, run);
      // afxdp stayed on the host's 6.18.44: a regression for compare, not a kernel diff; ebpf is not in the run.
      expect(pairs).to.have.length(1);
      expect(pairs[0]).to.deep.equal({
        backend: 'kernel',
        from: { column: 'kernel', runId: 'a', kernel: '6.1.176 (uml)', guest: true, available: true },
        to: { column: 'kernel', runId: 'b', kernel: '6.12.9 (qemu)', guest: true, available: true },
        features: [{ feature: 'ct.zone', from: 'CONFIG_NF_CONNTRACK_ZONES not set' }],
        cases: [
          { suite: 'conformance', id: 'ct.zone', from: 'unsupported', fromReason: 'ct.zone: CONFIG_NF_CONNTRACK_ZONES not set', to: 'pass', toReason: '' },
        ],
        compared: 2,
        same: 1,
      });
    });

    it('pairs a host column when the host kernel changed between the runs (ebpf ran no case: nothing to compare)', () => {
      const run = { ...base, run: { ...base.run, id: 'b', kernel: '6.19.2' } };
      expect(kernelPairsAcross(base, run).map((p) => `${p.backend}: ${kernelLabel(p.from)} -> ${kernelLabel(p.to)}`)).to.deep.equal([
        'afxdp: 6.18.44 (host) -> 6.19.2 (host)',
      ]);
    });

    it('has no pair when every column ran on the same kernel in both runs', () => {
      expect(kernelPairsAcross(base, { ...base, run: { ...base.run, id: 'b' } })).to.deep.equal([]);
    });
  });

  it('in a merged report: the pairs within each run, then each later run against the first', () => {
    const a = sampleRun(
      'a',
      [onHost('ebpf'), inGuest('ebpf@uml-debian', '6.1.176', 'uml')],
      [sampleCase('ebpf', 'x', 'pass'), sampleCase('ebpf@uml-debian', 'x', 'pass')],
    );
    const b = { ...a, run: { ...a.run, id: 'b', kernel: '6.19.2' } };
    expect(kernelPairs([a, b]).map((p) => `${p.from.runId}/${p.from.column} -> ${p.to.runId}/${p.to.column}`)).to.deep.equal([
      'a/ebpf -> a/ebpf@uml-debian',
      'b/ebpf -> b/ebpf@uml-debian',
      'a/ebpf -> b/ebpf',
    ]);
    expect(kernelPairs([])).to.deep.equal([]);
  });
});
