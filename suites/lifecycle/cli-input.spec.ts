import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelDatapath } from '../../datapaths/kernel/index.js';
import { leftovers } from './leftovers.js';
import { REPO_ROOT } from '../../harness/system/identity.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

function dplab(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Bad input: one line naming what and where, exit 2, and nothing created. */
describe('dplab CLI on bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dplab-cli-'));
  let before: string[];
  beforeEach(async () => {
    before = await leftovers();
  });
  afterEach(async () => {
    expect(await leftovers(), 'namespaces/links/daemons created').to.deep.equal(before);
  });

  it('rejects an unknown backend, naming it and the known ones', () => {
    const r = dplab('run', '--backend', 'afxdp,vpp');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal("dplab: --backend: unknown backend 'vpp' (known: kernel, afxdp, ebpf, ebpf-xdp)\n");
  });

  it('rejects a --case list with a text no case id contains, naming that text', () => {
    const r = dplab('run', '--case', 'l2.output,no-such-case');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal("dplab: --case l2.output,no-such-case: no case id contains 'no-such-case'\n");
  });

  it('rejects a topology file with a bad field, naming file and line', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      'name: bad\nkind: veth\nendpoints:\n  - name: h1\n  - name: h2\ndut:\n  ports:\n    - name: p1\n    - name: p2\nlinks:\n  - [h1, p1]\n  - [h2, p9]\n',
    );
    const r = dplab('run', '--topology', f);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(new RegExp(`^dplab: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12: links\\[1\\]\\[1\\]: .*p9`));
  });

  it('rejects YAML that does not parse, naming file and line', () => {
    const f = join(dir, 'broken.yaml');
    writeFileSync(f, 'name: broken\nkind: veth\nendpoints: [\n');
    const r = dplab('run', '--topology', f);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^dplab: .*broken\.yaml:\d+: /);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });

  it('rejects an unknown built-in topology', () => {
    const r = dplab('run', '--topology', 'hexagon');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/hexagon/);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });

  it('rejects bad ovs-ofctl flow text, naming file, line and column', () => {
    const f = join(dir, 'flows.txt');
    writeFileSync(f, '# ok\nin_port=p1,actions=output:p2\nin_port=p1,nw_srcc=10.0.0.1,actions=drop\n');
    const r = dplab('flows', 'check', f, '--ports', 'p1,p2');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`^dplab: .*flows\\.txt:3:\\d+: .*nw_srcc`));
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });

  it('rejects a flow naming an unknown port', () => {
    const f = join(dir, 'flows2.txt');
    writeFileSync(f, 'in_port=p1,actions=output:p9\n');
    const r = dplab('flows', 'check', f, '--ports', 'p1,p2');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/flows2\.txt:1:\d+: .*p9/);
  });

  it('prints canonical rules for a good file', () => {
    const f = join(dir, 'good.txt');
    writeFileSync(f, 'priority=10,in_port=p2,actions=output:p1\n');
    const r = dplab('flows', 'check', f, '--ports', 'p1,p2');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/in_port=2/);
    expect(r.stdout).to.match(/output:1/);
  });

  it('rejects an unknown suite choice and an unknown list', () => {
    const r = dplab('run', '--suite', 'conformance,speed');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal("dplab: --suite conformance,speed: unknown suite 'speed' (conformance, datapath, benchmark, all)\n");
    const l = dplab('list', 'colours');
    expect(l.code).to.equal(2);
    expect(l.stderr).to.equal("dplab: list: unknown list 'colours' (known: suites, backends, topologies, features)\n");
  });

  it('doctor checks a lab topology: a DUT interface missing on this host fails it (exit 3)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dplab-lab-'));
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, readFileSync(join(REPO_ROOT, 'topologies/lab-example.yaml'), 'utf8').replace('interface: ens1f0', 'interface: dlnoif0'));
    const r = dplab('doctor', '--topology', file);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.match(/^ {2}FAIL p1 +dlnoif0: no such interface on this host$/m);
  });

  it('refuses compare on folders that are not runs, and a bad threshold', () => {
    const r = dplab('compare', '/nonexistent-a', '/nonexistent-b');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('dplab: /nonexistent-a: no such directory\n');
    const empty = mkdtempSync(join(tmpdir(), 'dplab-notrun-'));
    const e = dplab('compare', empty, empty);
    expect([e.code, e.stderr]).to.deep.equal([2, `dplab: ${empty}: no results.json (not a run directory)\n`]);
    const t = dplab('compare', empty, empty, '--threshold', '1.5');
    expect([t.code, t.stderr]).to.deep.equal([2, 'dplab: --threshold 1.5: a ratio in [0, 1), e.g. 0.1 for 10 %\n']);
    rmSync(empty, { recursive: true });
  });

  it('refuses an --out it cannot write before anything starts', function () {
    if (process.getuid?.() !== 0) this.skip();
    for (const cmd of [
      ['run', '--backend', 'ebpf', '--case', 'l2.output-p1'],
      ['bench', '--smoke', '--backend', 'ebpf'],
    ]) {
      const r = dplab(...cmd, '--out', '/proc/dplab-results');
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.equal('dplab: --out /proc/dplab-results: cannot write there (ENOENT)\n');
    }
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = dplab('run', '--backend', 'ebpf', '--out', join(file, 'run'));
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(`dplab: --out ${join(file, 'run')}: cannot write there (ENOTDIR)\n`);
  });

  it('never exits 0 when nothing ran: a backend this host cannot run, alone, is exit 3 with why', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const probe = await kernelDatapath.probe();
    if (probe.available) this.skip();
    const out = mkdtempSync(join(tmpdir(), 'dplab-nothing-'));
    const r = dplab('run', '--backend', 'kernel', '--case', 'l2.output-p1', '--out', out);
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr.trim().split('\n').at(-1)).to.equal(`dplab: nothing ran: every case was skipped (kernel: ${probe.reason})`);
    // Only the selected case, recorded as skipped with the probe's answer.
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { cases: { id: string; status: string }[] };
    expect(results.cases.map((c) => `${c.id} ${c.status}`)).to.deep.equal(['l2.output-p1-to-p2 skipped']);
  });

  it('lists backends, topologies, suites and features', () => {
    expect(dplab('list', 'backends').stdout).to.match(/^kernel\t.*\nafxdp\t.*\nebpf\t.*\nebpf-xdp\t/);
    expect(dplab('list', 'topologies').stdout)
      .to.match(/p2p\tveth/)
      .and.match(/triangle\tveth/);
    expect(dplab('list', 'suites').stdout).to.match(/^conformance\t\d+ cases\t.*\ndatapath\t\d+ cases\tkey, flow, dp-features\n/);
    expect(dplab('list', 'features').stdout).to.match(/^l2\.output\t/m);
  });
});
