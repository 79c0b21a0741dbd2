import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { parseResults, SCHEMA_VERSION, type BenchmarkPoint, type RunResults } from '../results/results.js';

/**
 * Runs for the store's tests: the two recorded runs in reports/fixtures (a main job on this VM,
 * a benchmark smoke run) and two made up to hold every optional field and none.
 */

export const FIXTURES = ['main-job-results.json', 'bench-smoke-results.json'].map((f) =>
  fileURLToPath(new URL(`../../../reports/fixtures/${f}`, import.meta.url)),
);

export const recordedRuns = (): RunResults[] => FIXTURES.map((f) => parseResults(readFileSync(f, 'utf8'), f));

/** Benchmark points with every optional field, a named frame mix, an unmeasurable point and a confirmation without trials. */
function everyFieldPoints(): BenchmarkPoint[] {
  const trial = {
    value: 1e6,
    requestedPps: 1.2e6,
    sent: 2_400_000_000,
    received: 2_399_999_999,
    lossRatio: 4.1e-10,
    txIf: 2_400_000_000,
    txDroppedIf: 0,
    rxIf: 2_399_999_999,
    pass: true,
    seconds: 2.0004,
    offeredPps: 1.19e6,
    generatorLimited: false,
  };
  return [
    {
      backend: 'afxdp',
      metric: 'ndr_pps',
      frameSize: 'imix',
      flows: 10000,
      value: 1e6,
      unit: 'pps',
      trials: [trial, { value: 0 }],
      spread: { min: 0.99e6, max: 1.01e6 },
      loadFraction: 0.9,
      search: { lossThreshold: 0, precision: 0.02, converged: true, trials: 9, ended: 'precision reached' },
      confirm: { pps: 1e6, passed: 2, trials: [{ ...trial, pass: false }, { value: 1e6 }] },
      datapathFlows: 10000,
      generator: { name: 'trex', note: 'limited by the NIC', limited: true, offeredPps: 1.19e6 },
    },
    {
      backend: 'afxdp',
      metric: 'mrr_pps',
      frameSize: 64,
      flows: 1_000_000,
      value: 0,
      unit: 'pps',
      trials: [],
      unsupported: 'more flows than the flow table holds',
      confirm: { pps: 0, passed: 0, trials: [] },
      generator: { name: 'trex', note: '', limited: false },
    },
  ];
}

/** Every optional field present, and the less common shapes: a named frame mix, an unmeasurable point, a confirmation. */
export function everyField(id = 'f00001'): RunResults {
  return {
    schemaVersion: SCHEMA_VERSION,
    run: {
      id,
      started: '2026-11-24T19:00:00.000Z',
      finished: '2026-11-24T19:20:00.000Z',
      dplabCommit: '0123456789ab',
      host: 'lab1',
      kernel: '6.18.44',
      ovsVersion: '3.1.0',
      topology: 'lab.yaml',
      suites: ['conformance', 'benchmark'],
      backends: [
        {
          id: 'afxdp',
          product: 'afxdp-native/ovs-3.1.0/linux-6.18',
          available: true,
          reason: 'native mode',
          versions: { ovs: '3.1.0', kernel: '6.18.44' },
          unsupported: { 'vlan.qinq': 'vlan-limit 1' },
        },
      ],
      generator: {
        name: 'trex',
        version: 'v3.08',
        address: '10.0.0.9:4501',
        ports: [
          { id: 0, driver: 'net_ice', speedGbps: 100 },
          { id: 1, driver: 'net_ice' },
        ],
      },
      benchmark: {
        generator: 'trex',
        topology: 'lab.yaml',
        trialMs: 2000,
        rampMs: 500,
        repeats: 3,
        precision: 0.02,
        pdrLoss: 0.5,
        latencyAt: [0.1, 0.5, 0.9],
        frameSizes: [64, 'imix'],
        flows: [1, 10000],
        setupFlows: 1000,
      },
    },
    cases: [
      {
        id: 'set.tos',
        title: 'set tos <&> "quoted"',
        suite: 'conformance',
        backend: 'afxdp',
        features: ['set.ip_tos'],
        status: 'fail',
        reason: 'h2: ipv4.tos: expected 0xb9, got 0x01',
        durationMs: 40.25,
        details: {
          pipeline: ['table=0,actions=mod_nw_tos:184,output:2'],
          sent: [{ endpoint: 'h1', hex: '0011' }],
          expected: { h2: ['0011'] },
          captured: { h2: [] },
          flows: ['recirc_id(0),in_port(1)'],
          notes: ['ünïcode ✓'],
        },
        expectation: { status: 'fail', reason: 'ECN rewritten', reference: 'https://example.org/1', source: 'suites/expectations/afxdp.yaml' },
        expected: true,
      },
      { id: 'l2.output', title: 'out', suite: 'conformance', backend: 'afxdp', features: [], status: 'pass', reason: '', durationMs: 0 },
    ],
    benchmarks: everyFieldPoints(),
  };
}

/** Only what results.json requires. */
export function noOptionalField(id = 'f00002'): RunResults {
  return {
    schemaVersion: SCHEMA_VERSION,
    run: { id, started: '2026-11-25T08:00:00.000Z', dplabCommit: 'abc', host: 'h', kernel: '6.1.0', topology: 'p2p', suites: [], backends: [] },
    cases: [],
    benchmarks: [],
  };
}

export const STORE_TABLES = ['runs', 'backends', 'cases', 'benchmark_points', 'trials', 'schema_migrations'] as const;

/** Rows in each of the store's tables of a SQLite file (none when it does not exist yet). */
export function sqliteRowCounts(file: string): Record<string, number> {
  const db = new DatabaseSync(file, { open: true, readOnly: true });
  try {
    return Object.fromEntries(STORE_TABLES.map((t) => [t, Number((db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n)]));
  } finally {
    db.close();
  }
}
