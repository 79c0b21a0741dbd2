import { expect } from 'chai';
import { parse as parseCsv } from 'csv-parse/sync';
import { benchmarksCsv, casesCsv } from '../../reports/csv.js';
import { junitXml } from '../../reports/junit.js';
import { parseResults, SCHEMA_VERSION, statusCounts, type BenchConditions, type BenchmarkPoint, type RunResults } from './results.js';

export function sampleResults(): RunResults {
  return {
    schemaVersion: SCHEMA_VERSION,
    run: {
      id: 'abc123',
      started: '2026-11-24T19:00:00.000Z',
      dplabCommit: '0123456789ab',
      host: 'lab1',
      kernel: '6.18.44',
      ovsVersion: '3.1.0',
      topology: 'p2p',
      suites: ['conformance'],
      backends: [
        { id: 'kernel', available: false, reason: 'no openvswitch kernel module', versions: { ovs: '3.1.0' } },
        { id: 'afxdp', available: true, product: 'afxdp-generic/ovs-3.1.0/linux-6.18', versions: { ovs: '3.1.0' } },
      ],
    },
    cases: [
      { id: 'l2.output', title: 'out', suite: 'conformance', backend: 'afxdp', features: ['l2.output'], status: 'pass', reason: '', durationMs: 12.5 },
      {
        id: 'vlan.qinq',
        title: 'qinq <&>',
        suite: 'conformance',
        backend: 'afxdp',
        features: ['vlan.qinq'],
        status: 'unsupported',
        reason: 'vlan.qinq: vlan-limit 1',
        durationMs: 0,
      },
      {
        id: 'set.tos',
        title: 'tos',
        suite: 'conformance',
        backend: 'afxdp',
        features: ['set.ip_tos'],
        status: 'fail',
        reason: 'h2: ipv4.tos: expected 0xb9, got "0x01"',
        durationMs: 40,
      },
      {
        id: 'l2.output',
        title: 'out',
        suite: 'conformance',
        backend: 'kernel',
        features: ['l2.output'],
        status: 'skipped',
        reason: 'no openvswitch kernel module',
        durationMs: 0,
      },
    ],
    benchmarks: [],
  };
}

/** A benchmark point of one trial at 64 B and one flow, as the soft generator records it; `extra` overrides. */
/** The conditions of the default benchmark plan on the soft generator, `over` overriding. */
export function sampleConditions(over: Partial<BenchConditions> = {}): BenchConditions {
  return {
    generator: 'soft',
    topology: 'p2p',
    trialMs: 2000,
    rampMs: 500,
    repeats: 3,
    precision: 0.02,
    pdrLoss: 0.005,
    latencyAt: [0.1, 0.5, 0.9],
    frameSizes: [64],
    flows: [1],
    setupFlows: 20000,
    ...over,
  };
}

export function samplePoint(backend: string, metric: string, value: number, extra: Partial<BenchmarkPoint> = {}): BenchmarkPoint {
  return {
    backend,
    metric,
    frameSize: 64,
    flows: 1,
    value,
    unit: metric.startsWith('latency') ? 'us' : 'pps',
    trials: [{ value }],
    generator: { name: 'soft', note: '', limited: false },
    ...extra,
  };
}

describe('results model', () => {
  it('accepts a well-formed run and counts statuses', () => {
    const r = parseResults(JSON.stringify(sampleResults()), 'results.json');
    expect(statusCounts(r.cases)).to.deep.equal({ pass: 1, fail: 1, unsupported: 1, skipped: 1, error: 0, timeout: 0 });
  });

  it('rejects another schema version, naming the file', () => {
    const text = JSON.stringify({ ...sampleResults(), schemaVersion: 99 });
    expect(() => parseResults(text, 'r/results.json')).to.throw('r/results.json: schemaVersion 99 is not supported (expected 1)');
  });

  it('rejects an unknown status, naming the field path', () => {
    const bad = sampleResults() as unknown as { cases: { status: string }[] };
    (bad.cases[1] as { status: string }).status = 'maybe';
    expect(() => parseResults(JSON.stringify(bad), 'x.json')).to.throw(/^x\.json: cases\.1\.status: /);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseResults('{', 'x.json')).to.throw(/^x\.json: not JSON: /);
  });
});

describe('CSV export', () => {
  it('writes one row per case with the product string and quoting intact', () => {
    const rows = parseCsv(casesCsv(sampleResults()), { columns: true }) as Record<string, string>[];
    expect(rows).to.have.length(4);
    expect(rows[0]).to.include({
      case: 'l2.output',
      backend: 'afxdp',
      kernel: '6.18.44',
      product: 'afxdp-generic/ovs-3.1.0/linux-6.18',
      status: 'pass',
      duration_ms: '13',
    });
    expect(rows[2]?.reason).to.equal('h2: ipv4.tos: expected 0xb9, got "0x01"');
  });

  it('writes benchmark trials', () => {
    const r = sampleResults();
    const withBench: RunResults = {
      ...r,
      benchmarks: [
        {
          backend: 'afxdp',
          metric: 'mrr_pps',
          frameSize: 64,
          flows: 1,
          value: 700000,
          unit: 'pps',
          trials: [{ value: 690000 }, { value: 700000 }, { value: 710000 }],
          generator: { name: 'soft', note: 'sent as requested', limited: false },
        },
      ],
    };
    const rows = parseCsv(benchmarksCsv(withBench), { columns: true }) as Record<string, string>[];
    expect(rows[0]).to.include({ metric: 'mrr_pps', trials: '690000 700000 710000', generator_limited: 'false' });
  });
});

describe('JUnit XML', () => {
  const xml = junitXml(sampleResults());
  it('groups cases by suite and backend with the right counts', () => {
    expect(xml).to.match(/<testsuite name="conformance\.afxdp" tests="3" failures="1" errors="0" skipped="1"/);
    expect(xml).to.match(/<testsuite name="conformance\.kernel" tests="1" failures="0" errors="0" skipped="1"/);
  });
  it('escapes reasons and keeps unsupported distinct from skipped in the message', () => {
    expect(xml).to.include('<failure message="h2: ipv4.tos: expected 0xb9, got &quot;0x01&quot;"/>');
    expect(xml).to.include('<skipped message="unsupported: vlan.qinq: vlan-limit 1"/>');
    expect(xml).to.include('<skipped message="skipped: no openvswitch kernel module"/>');
  });
});

describe('JUnit XML with known findings', () => {
  const expectation = { status: 'fail' as const, reason: 'the userspace datapath rewrites ECN too', source: 'suites/expectations/afxdp.yaml' };
  const withFindings = (expected: boolean, status: 'fail' | 'pass'): string => {
    const r = sampleResults();
    return junitXml({
      ...r,
      cases: r.cases.map((c) => (c.id === 'set.tos' ? { ...c, status, reason: status === 'pass' ? '' : c.reason, expectation, expected } : c)),
    });
  };

  it('shows a failure that behaved as its expectation predicts as an expected failure, not counted as a failure', () => {
    const xml = withFindings(true, 'fail');
    expect(xml).to.match(/<testsuite name="conformance\.afxdp" tests="3" failures="0" errors="0" skipped="2"/);
    expect(xml).to.include(
      '<skipped type="expected-fail" message="expected fail (known finding, suites/expectations/afxdp.yaml): h2: ipv4.tos: expected 0xb9, got &quot;0x01&quot; -- the userspace datapath rewrites ECN too"/>',
    );
  });

  it('fails a case whose expectation no longer holds, naming the expectation to update', () => {
    const xml = withFindings(false, 'pass');
    expect(xml).to.match(/<testsuite name="conformance\.afxdp" tests="3" failures="1" errors="0" skipped="1"/);
    expect(xml).to.include(
      '<failure type="unexpected-pass" message="expected fail (suites/expectations/afxdp.yaml), got pass: update or remove the expectation"/>',
    );
  });
});
