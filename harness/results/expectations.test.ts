import { expect } from 'chai';
import { applyExpectations, inRange, loadExpectations, parseExpectations, type Expectation } from './expectations.js';
import { caseVerdict, type CaseResult, type RunResults } from './results.js';
import { sampleResults } from './results.test.js';

const FILE = `backend: afxdp
expectations:
  - case: set.tos
    status: fail
    failure: '^h2: ipv4\\.tos: '
    ovs: '>=3.1 <3.2'
    reason: the userspace datapath rewrites the whole TOS byte, ECN bits included
    reference: https://example.org/ovs/issue/1
  - case: vlan.qinq
    status: unsupported
    reason: vlan-limit 1 in this build of the userspace datapath
`;

const load = (text = FILE) => parseExpectations(text, 'suites/expectations/afxdp.yaml');
const run = (cases: Partial<CaseResult>[] = [], ovs = '3.1.0'): RunResults => {
  const r = sampleResults();
  return {
    ...r,
    run: { ...r.run, backends: r.run.backends.map((b) => (b.id === 'afxdp' ? { ...b, versions: { ovs } } : b)) },
    cases: r.cases.map((c, i) => ({ ...c, ...(cases[i] ?? {}) })),
  };
};

describe('expectations (known findings, kept apart from the tests)', () => {
  it('marks a case that fails as predicted expected, keeping its status, and leaves unpredicted cases alone', () => {
    const r = applyExpectations(run(), load());
    const tos = r.cases.find((c) => c.id === 'set.tos' && c.backend === 'afxdp');
    expect(tos).to.include({ status: 'fail', expected: true });
    expect(tos?.expectation).to.deep.equal({
      status: 'fail',
      reason: 'the userspace datapath rewrites the whole TOS byte, ECN bits included',
      reference: 'https://example.org/ovs/issue/1',
      source: 'suites/expectations/afxdp.yaml',
    });
    expect(r.cases.find((c) => c.id === 'vlan.qinq')).to.include({ status: 'unsupported', expected: true });
    expect(r.cases.find((c) => c.id === 'l2.output' && c.backend === 'afxdp')).to.not.have.property('expectation');
    expect(caseVerdict(r.cases).unexpected, 'nothing unexpected').to.deep.equal([]);
  });

  it('calls an expected failure that now passes, or fails for another reason, an expectation that no longer holds', () => {
    const passes = applyExpectations(run([{}, {}, { status: 'pass', reason: '' }]), load());
    const other = applyExpectations(run([{}, {}, { reason: 'h3: expected 1 frame(s), got 0' }]), load());
    for (const r of [passes, other]) {
      const v = caseVerdict(r.cases);
      expect(v.stale.map((c) => c.id)).to.deep.equal(['set.tos']);
      expect(v.unexpected.map((c) => c.id)).to.deep.equal(['set.tos']);
    }
  });

  it('neither confirms nor refutes a finding on a case that could not run (skipped, unsupported)', () => {
    const r = applyExpectations(run([{}, {}, { status: 'skipped', reason: 'afxdp: no XDP sockets on this kernel' }]), load());
    expect(r.cases.find((c) => c.id === 'set.tos')).to.not.have.property('expectation');
    expect(caseVerdict(r.cases).stale).to.deep.equal([]);
  });

  it('confirms no finding on a backend that could not run at all, whatever its status says, and finds it on a backend@kernel column', () => {
    const down = run();
    down.run.backends = down.run.backends.map((b) => (b.id === 'afxdp' ? { ...b, available: false, reason: 'no AF_XDP sockets' } : b));
    expect(applyExpectations(down, load()).cases.filter((c) => c.expectation)).to.deep.equal([]);
    const guest = run();
    guest.run.backends = guest.run.backends.map((b) => (b.id === 'afxdp' ? { ...b, id: 'afxdp@debian-6.12-amd64' } : b));
    guest.cases = guest.cases.map((c) => (c.backend === 'afxdp' ? { ...c, backend: 'afxdp@debian-6.12-amd64' } : c));
    expect(
      applyExpectations(guest, load())
        .cases.filter((c) => c.expected)
        .map((c) => `${c.backend} ${c.id}`)
        .sort(),
    ).to.deep.equal(['afxdp@debian-6.12-amd64 set.tos', 'afxdp@debian-6.12-amd64 vlan.qinq']);
  });

  it('applies only within its OVS and kernel version ranges', () => {
    const newer = applyExpectations(run([], '3.2.1'), load());
    const tos = newer.cases.find((c) => c.id === 'set.tos');
    expect(tos).to.not.have.property('expectation');
    expect(caseVerdict(newer.cases).unexpected.map((c) => `${c.id} ${c.status}`)).to.deep.equal(['set.tos fail']);
    expect(inRange('6.1.0-57-amd64', '>=6.1 <6.12')).to.equal(true);
    expect(inRange('6.12.9', '>=6.1 <6.12')).to.equal(false);
    expect(inRange('6.18.44-fc-v1045 (uml)', '>6.17')).to.equal(true);
    expect(inRange(undefined, '>=6.1')).to.equal(false);
  });

  it('refuses bad files with the file, line and field', () => {
    const bad: [string, string][] = [
      [
        'backend: afxdp\nexpectations:\n  - case: x.y\n    status: flaky\n    reason: a long enough explanation of it\n',
        'suites/expectations/afxdp.yaml:4: expectations[0].status: ',
      ],
      [
        'backend: afxdp\nexpectations:\n  - case: x.y\n    status: fail\n    reason: short\n',
        'suites/expectations/afxdp.yaml:5: expectations[0].reason: explain the finding (at least a sentence)',
      ],
      [
        'backend: afxdp\nexpectations:\n  - case: x.y\n    status: fail\n    kernel: 6.1+\n    reason: a long enough explanation of it\n',
        'suites/expectations/afxdp.yaml:5: expectations[0].kernel: must be comparisons like ">=6.1 <6.12"',
      ],
      ['backend: ebpf\nexpectations: []\n', "suites/expectations/afxdp.yaml:1: backend: 'ebpf' in a file named for 'afxdp'"],
      [
        'backend: afxdp\nexpectations:\n  - {case: x.y, status: fail, reason: a long enough explanation}\n  - {case: x.y, status: fail, reason: a long enough explanation}\n',
        "suites/expectations/afxdp.yaml:4: expectations[1].case: 'x.y' is listed twice",
      ],
      [
        'backend: afxdp\nexpectations:\n  - {case: x.y, status: fail, failure: "(", reason: a long enough explanation}\n',
        'suites/expectations/afxdp.yaml:3: expectations[0].failure: not a regular expression',
      ],
      ['backend: [afxdp\n', 'suites/expectations/afxdp.yaml:'],
    ];
    for (const [text, message] of bad) expect(() => load(text), message).to.throw(message);
  });

  it('ships files that parse, one per backend, each finding explained', () => {
    const all: Expectation[] = loadExpectations();
    expect([...new Set(all.map((e) => e.backend))].sort()).to.deep.equal(['afxdp', 'ebpf', 'ebpf-xdp', 'kernel']);
    expect(all.map((e) => `${e.backend} ${e.case} ${e.status}`)).to.include.members(['kernel match.nd-target fail', 'afxdp key.seed003-truncated-tcp fail']);
    for (const e of all) expect(e.reference, `${e.backend} ${e.case}`).to.be.a('string');
  });
});
