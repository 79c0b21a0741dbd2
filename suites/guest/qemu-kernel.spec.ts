import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedDebianKernel, kernelCacheDir } from '../../harness/guest/debian-kernel.js';
import { parseResults } from '../../harness/results/results.js';
import { exec } from '../../harness/system/exec.js';
import { dplab } from '../dplab-cli.js';

const QEMU = '/usr/bin/qemu-system-x86_64';
/** Debian's newest kernel here: its modules are .ko.xz, its verifier is not the host's. */
const PACKAGE = 'linux-image-6.12-amd64';
/** Where a run keeps the guest of --kernel debian:${PACKAGE}: its console and kernel log. */
const GUEST_DIR = `guest-debian-${PACKAGE.replace('linux-image-', '')}`;

/** Our guests: qemu processes whose 9p share is this run's folder. */
async function qemuProcesses(out: string): Promise<string[]> {
  return (await exec('pgrep', ['-af', `path=${out}`], { allowFail: true })).stdout.split('\n').filter((l) => l.includes('qemu-system'));
}

describe('a Debian kernel image under qemu (the path for validating a new kernel)', function () {
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    if (!existsSync(QEMU)) {
      console.log(`      skipped: ${QEMU} not installed (Debian package qemu-system-x86)`);
      this.skip();
    }
  });

  it(`fetches ${PACKAGE} from Debian's packages into the cache, unpacked with modules.dep`, function () {
    const r = dplab(['kernel', 'fetch', PACKAGE], { timeoutMs: 900_000 });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^linux-image-6\.12\.\d+\+deb12-amd64 \S+ 6\.12\.\d+\+deb12-amd64\n/);
    const k = cachedDebianKernel(PACKAGE);
    expect(k?.image.startsWith(kernelCacheDir())).to.equal(true);
    expect(existsSync(join(k?.modules ?? '/nonexistent', 'kernel/net/openvswitch/openvswitch.ko.xz'))).to.equal(true);
  });

  /** Outcomes the expectation files do not predict: a case without one passes or is unsupported, citing its feature and probe. */
  const unpredicted = (results: ReturnType<typeof parseResults>) =>
    results.cases
      .filter((c) => (c.expectation ? !c.expected : c.status !== 'pass' && !(c.status === 'unsupported' && /^[a-z0-9_.]+: \S/.test(c.reason))))
      .map((c) => `${c.backend} ${c.suite}/${c.id} ${c.status}: ${c.reason}`);

  /** Under TCG every case costs seconds: the core cases on all four backends; the UML spec runs the whole suite on the kernel datapath. */
  const CORE = ['l2.', 'match.', 'vlan.', 'set.', 'upcall.', 'megaflow.', 'key.', 'flow.'];

  it('runs the core conformance and datapath-level cases of all four backends inside the guest, each as the expectation files predict', function () {
    if (!cachedDebianKernel(PACKAGE)) this.skip();
    this.timeout(50 * 60_000);
    const out = mkdtempSync(join(tmpdir(), 'dplab-qemu-'));
    const r = dplab(
      ['run', '--kernel', `debian:${PACKAGE}`, '--topology', 'triangle', '--suite', 'conformance,datapath', '--case', CORE.join(','), '--out', out],
      {
        timeoutMs: 50 * 60_000,
      },
    );
    expect(r.code, r.stderr.split('\n').slice(-15).join('\n')).to.equal(0);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    // The guest is the only kernel: its columns carry the backends' own ids, and name the guest.
    expect(results.run.backends.map((b) => `${b.id} ${b.available} ${b.versions.guest}`)).to.deep.equal(
      ['kernel', 'afxdp', 'ebpf', 'ebpf-xdp'].map((id) => `${id} true ${results.run.backends[0]?.versions.guest}`),
    );
    expect(results.run.backends[0]?.versions.guest).to.match(/^qemu-tcg 6\.12\.\d+\+deb12-amd64$/);
    expect(results.run.backends.find((b) => b.id === 'kernel')?.product).to.match(/^ovs-kernel\/ovs-3\.1\.\d+\/linux-6\.12\.\d+\+deb12-amd64-qemu$/);
    for (const backend of ['kernel', 'afxdp', 'ebpf', 'ebpf-xdp'])
      expect(results.cases.filter((c) => c.backend === backend && c.status === 'pass').length, `${backend} cases passing`).to.be.at.least(80);
    expect(unpredicted(results), 'outcomes the expectation files do not predict').to.deep.equal([]);
    const console_ = readFileSync(join(out, GUEST_DIR, 'guest-console.log'), 'utf8');
    const up = /guest: linux \S+, \d+ cpu, up ([\d.]+) s/.exec(console_);
    expect(up, 'guest console names kernel and boot time').to.not.equal(null);
    console.log(`      guest reached its init at ${up?.[1]} s; ${/guest finished in [\d.]+ s/.exec(r.stderr)?.[0]}`);
  });

  it("runs the conntrack and NAT cases on the kernel datapath, which Debian's UML kernel cannot (no conntrack zones), as the expectation files predict", function () {
    if (!cachedDebianKernel(PACKAGE)) this.skip();
    this.timeout(30 * 60_000);
    const out = mkdtempSync(join(tmpdir(), 'dplab-qemu-ct-'));
    const r = dplab(['run', '--kernel', `debian:${PACKAGE}`, '--backend', 'kernel', '--topology', 'triangle', '--case', 'ct.,nat.', '--out', out], {
      timeoutMs: 30 * 60_000,
    });
    expect(r.code, r.stderr.split('\n').slice(-15).join('\n')).to.equal(0);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    const ct = results.cases.filter((c) => c.features.includes('ct'));
    expect(ct.length, 'conntrack cases').to.be.at.least(40);
    expect(ct.filter((c) => c.status === 'pass').length, 'conntrack cases passing').to.be.at.least(30);
    expect(unpredicted(results), 'outcomes the expectation files do not predict').to.deep.equal([]);
    console.log(`      ${/guest finished in [\d.]+ s/.exec(r.stderr)?.[0]}`);
  });

  it('ends a guest that outlives its timeout with a clear error, leaving no qemu running', async function () {
    if (!cachedDebianKernel(PACKAGE)) this.skip();
    const out = mkdtempSync(join(tmpdir(), 'dplab-qemu-hang-'));
    const r = dplab(['run', '--kernel', `debian:${PACKAGE}`, '--backend', 'kernel', '--case', 'l2.output-p1', '--out', out], {
      env: { DPLAB_GUEST_TIMEOUT_S: '4' },
    });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/guest error: guest \S+ did not finish within 4 s \(console: /);
    expect(existsSync(join(out, GUEST_DIR, 'guest-kernel.log')), 'kernel log kept').to.equal(true);
    expect(await qemuProcesses(out)).to.deep.equal([]);
  });

  it('reports an image that does not boot, with the last line of its log', function () {
    if (!cachedDebianKernel(PACKAGE)) this.skip();
    const out = mkdtempSync(join(tmpdir(), 'dplab-qemu-bad-'));
    const modules = cachedDebianKernel(PACKAGE)?.modules as string;
    const r = dplab(['run', '--kernel', '/etc/hostname', '--modules', modules, '--backend', 'kernel', '--case', 'l2.output-p1', '--out', out]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/guest error: guest \S+ ended \(qemu exit 1\) without an exit code: .*qemu/);
  });

  it('refuses bad --kernel input before anything starts', function () {
    const missing = dplab(['run', '--kernel', '/nonexistent/vmlinuz', '--modules', '/tmp', '--backend', 'kernel']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^dplab: --kernel \/nonexistent\/vmlinuz: \/nonexistent\/vmlinuz not found\n$/);
    const noModules = dplab(['run', '--kernel', '/etc/hostname', '--backend', 'kernel']);
    expect(noModules.code).to.equal(2);
    expect(noModules.stderr).to.match(/^dplab: --kernel \/etc\/hostname: give the kernel's modules tree with --modules DIR/);
    const badPackage = dplab(['run', '--kernel', 'debian:Not_A_Package', '--backend', 'kernel']);
    expect(badPackage.code).to.equal(2);
    expect(badPackage.stderr).to.match(/^dplab: debian:Not_A_Package: not a Debian package name\n$/);
    const unknown = dplab(['kernel', 'fetch', 'linux-image-does-not-exist']);
    expect(unknown.code).to.equal(3);
    expect(unknown.stderr).to.match(/^dplab: kernel fetch: linux-image-does-not-exist: no such Debian package in the apt lists/);
  });
});
