import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResults } from '../../harness/results/results.js';
import { exec } from '../../harness/system/exec.js';
import { dplab, dplabAsync } from '../dplab-cli.js';

const UML = '/usr/bin/linux.uml';

/** Our guests' processes: UML started with a uml_dir inside this run folder. */
async function umlProcesses(out: string): Promise<string[]> {
  return (await exec('pgrep', ['-af', `uml_dir=${out}`], { allowFail: true })).stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
}

describe('the OVS kernel datapath inside a user-mode Linux guest', function () {
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    if (!existsSync(UML)) {
      console.log(`      skipped: ${UML} not installed (Debian package user-mode-linux)`);
      this.skip();
    }
  });

  it('runs every conformance and datapath-level case on the host kernel and inside the guest, a column per backend and kernel, each as the expectation files predict', function () {
    this.timeout(45 * 60_000);
    const out = mkdtempSync(join(tmpdir(), 'dplab-uml-'));
    const r = dplab(
      ['run', '--kernel', 'host,uml:debian', '--backend', 'kernel,afxdp', '--topology', 'triangle', '--suite', 'conformance,datapath', '--out', out],
      {
        timeoutMs: 45 * 60_000,
      },
    );
    // The known findings behave as their expectations say: the run is a success.
    expect(r.code, r.stderr.split('\n').slice(-15).join('\n')).to.equal(0);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    // The host has no openvswitch.ko; Debian's UML kernel has no AF_XDP sockets. Each says so as its probe found.
    expect(results.run.backends.map((b) => `${b.id} ${b.available} ${b.reason ?? ''}`.trim())).to.deep.equal([
      `kernel false ${results.run.backends[0]?.reason}`,
      'afxdp true',
      'kernel@uml-debian true',
      'afxdp@uml-debian false kernel has no AF_XDP sockets (no XDP in /proc/net/protocols: CONFIG_XDP_SOCKETS not set)',
    ]);
    expect(results.run.backends[0]?.reason).to.match(/^no openvswitch kernel module on this host/);
    expect(results.cases.filter((c) => c.backend === 'kernel' || c.backend === 'afxdp@uml-debian').every((c) => c.status === 'skipped')).to.equal(true);
    const kernel = results.run.backends.find((b) => b.id === 'kernel@uml-debian');
    expect(kernel?.versions.guest).to.match(/^uml 6\.1\./);
    expect(kernel?.product).to.match(/^ovs-kernel\/ovs-3\.1\.\d+\/linux-6\.1\.\d+-uml$/);
    for (const backend of ['kernel@uml-debian', 'afxdp']) {
      for (const suite of ['conformance', 'datapath'])
        expect(results.cases.filter((c) => c.backend === backend && c.suite === suite).length, `${backend} ${suite} cases`).to.be.at.least(
          suite === 'conformance' ? 78 : 17,
        );
    }
    // Exactly as predicted: a case without an expectation passes or is unsupported by its
    // backend's probe (citing the feature and the probe's answer); one with an expectation does
    // what it says. Of the columns that ran (the two that could not are all skipped, checked above).
    const ran = results.cases.filter((c) => c.backend === 'kernel@uml-debian' || c.backend === 'afxdp');
    // The guest has one CPU: the rate cases (meters, policing, shaping) are skipped there, saying so.
    const oneCpu = (c: (typeof ran)[number]) => c.status === 'skipped' && /^1 CPU: the sender and the datapath share it/.test(c.reason);
    const unpredicted = ran
      .filter((c) => (c.expectation ? !c.expected : c.status !== 'pass' && c.status !== 'unsupported' && !oneCpu(c)))
      .map((c) => `${c.backend} ${c.suite}/${c.id} ${c.status}: ${c.reason}`);
    expect(unpredicted, 'outcomes the expectation files do not predict').to.deep.equal([]);
    const uncited = ran.filter((c) => c.status === 'unsupported' && !/^[a-z0-9_.]+: \S/.test(c.reason)).map((c) => `${c.backend} ${c.id}: ${c.reason}`);
    expect(uncited, 'unsupported without the feature and its probe').to.deep.equal([]);
    // Debian's UML kernel has no conntrack zones, and OVS 3.1 puts a zone into every ct(): the
    // probe row says so, and every conntrack case is unsupported there, citing it.
    const ct = ran.filter((c) => c.backend === 'kernel@uml-debian' && c.features.includes('ct'));
    expect(ct.length, 'conntrack cases').to.be.at.least(20);
    for (const c of ct) expect(`${c.id} ${c.status}: ${c.reason}`).to.match(/ unsupported: ct[a-z0-9_.]*: .*CT zone: No/);
    const expectedIds = results.cases.filter((c) => c.expectation).map((c) => `${c.backend} ${c.id} ${c.status}`);
    expect(expectedIds).to.include.members([
      'afxdp key.seed003-truncated-tcp fail',
      'kernel@uml-debian key.seed003-truncated-vlan skipped',
      'kernel@uml-debian match.nd-target fail',
      'kernel@uml-debian megaflow.cut-tcp-frame-then-tcp fail',
      'kernel@uml-debian megaflow.ipv4-length-past-frame-then-udp fail',
    ]);
    // Megaflow poisoning keeps its evidence: the module's key under ovs-vswitchd's mask, ports wildcarded, drop.
    const poisoned = results.cases.find((c) => c.backend === 'kernel@uml-debian' && c.id === 'megaflow.cut-tcp-frame-then-tcp');
    expect(poisoned?.details?.flows?.join('\n')).to.match(/ipv4\([^)]*proto=6[^)]*\),tcp\(src=0\/0,dst=0\/0\).*actions:drop/);
    // The kernel finding keeps the evidence a kernel engineer needs: OVS 3.1 gives the kernel no
    // nd() mask while the ICMPv6 code is wildcarded, so the megaflow of a solicitation the rule
    // refused takes every target.
    const nd = results.cases.find((c) => c.backend === 'kernel@uml-debian' && c.id === 'match.nd-target');
    expect(nd?.details?.flows?.join('\n')).to.match(/icmpv6\(type=135,code=0\/0\),nd\(target=::\/::,.*actions:drop/);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(
      /name="match\.nd-target \[[^\]]*\]"[^>]*><skipped type="expected-fail" message="expected fail \(known finding, suites\/expectations\/kernel\.yaml\)/,
    );
    const console_ = readFileSync(join(out, 'guest-uml-debian', 'guest-console.log'), 'utf8');
    expect(console_).to.match(/guest: linux 6\.1\./);
    console.log(`      guest reached its init at ${/up ([\d.]+) s/.exec(console_)?.[1]} s; ${/guest finished in [\d.]+ s/.exec(r.stderr)?.[0]}`);
  });

  it('says why the eBPF datapath cannot run in it: the guest probes the kernel it runs on (no BTF), and nothing else ran (exit 3)', () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-uml-ebpf-'));
    const r = dplab(['run', '--kernel', 'uml:debian', '--backend', 'ebpf,ebpf-xdp', '--case', 'l2.output-p1', '--out', out]);
    expect(r.code, r.stderr.split('\n').slice(-5).join('\n')).to.equal(3);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    expect(results.run.backends.map((b) => `${b.id} ${b.available} ${b.reason} ${b.versions.guest}`)).to.deep.equal(
      ['ebpf', 'ebpf-xdp'].map((id) => `${id} false kernel has no BTF (/sys/kernel/btf/vmlinux) ${results.run.backends[0]?.versions.guest}`),
    );
    expect(results.run.backends[0]?.versions.guest).to.match(/^uml 6\.1\./);
    expect(r.stderr).to.match(/\[uml-debian\] kernel uml:debian done in [\d.]+ s/);
  });

  it('ends a guest that outlives its timeout with a clear error, leaving nothing running', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-uml-hang-'));
    // The guest waits until it has been up 10 s before starting OVS: 3 s is too short.
    const r = dplab(['run', '--kernel', 'uml:debian', '--backend', 'kernel', '--topology', 'p2p', '--case', 'l2.output-p1', '--out', out], {
      env: { DPLAB_GUEST_TIMEOUT_S: '3' },
    });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/guest error: guest 6\.1\.\d+ did not finish within 3 s \(console: /);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    expect(results.cases.every((c) => c.status === 'error' && /did not finish within 3 s/.test(c.reason))).to.equal(true);
    expect(await umlProcesses(out)).to.deep.equal([]);
  });

  it('ends the guest when the run is interrupted (SIGTERM), leaving nothing running', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-uml-term-'));
    const run = dplabAsync(['run', '--kernel', 'uml:debian', '--backend', 'kernel', '--topology', 'p2p', '--case', 'l2.output-p1', '--out', out]);
    for (let i = 0; i < 300 && (await umlProcesses(out)).length === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(await umlProcesses(out), 'the guest should be running').to.not.deep.equal([]);
    run.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).to.equal(143);
    expect(await umlProcesses(out)).to.deep.equal([]);
  });

  it('reports a guest kernel that does not boot, with its log', () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-uml-bad-'));
    const r = dplab([
      'run',
      '--kernel',
      'uml:/bin/false',
      '--modules',
      '/usr/lib/uml/modules/' + readFileSync('/dev/null', 'utf8'),
      '--backend',
      'kernel',
      '--out',
      out,
    ]);
    // No modules tree given correctly: a usage error before anything starts.
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^dplab: --modules \/usr\/lib\/uml\/modules\/: no modules\.dep/);
    const modules = spawnSync('sh', ['-c', 'ls -d /usr/lib/uml/modules/*'], { encoding: 'utf8' }).stdout.trim();
    const r2 = dplab(['run', '--kernel', 'uml:/bin/false', '--modules', modules, '--backend', 'kernel', '--case', 'l2.output-p1', '--out', out]);
    expect(r2.code).to.equal(1);
    expect(r2.stderr).to.match(/guest error: guest 6\.1\.\d+ ended \(uml exit 1\) without an exit code/);
  });
});
