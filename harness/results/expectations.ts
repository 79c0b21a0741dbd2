import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseYaml, YamlInputError } from '../text/yaml-schema.js';
import { backendKernel, CASE_STATUSES, columnBackend, type CaseStatus, type RunResults } from './results.js';

/**
 * Known findings, kept apart from the tests as web-platform-tests keeps its metadata: one YAML
 * file per backend (`suites/expectations/<backend>.yaml`), each entry predicting a case's
 * status on that backend, with the explanation and the upstream reference. A case without an
 * entry is predicted to pass (or to be skipped/unsupported for the reason its probe gives).
 */
export const EXPECTATIONS_DIR = fileURLToPath(new URL('../../../suites/expectations/', import.meta.url));

/** A version range: space-separated comparisons, all of which must hold, e.g. `>=6.1 <6.12`. */
const RANGE = /^(?:(?:>=|<=|>|<|=)\d+(?:\.\d+)*)(?: +(?:>=|<=|>|<|=)\d+(?:\.\d+)*)*$/;
const range = z.string().regex(RANGE, 'must be comparisons like ">=6.1 <6.12"');

const EntrySchema = z.strictObject({
  case: z.string().regex(/^[a-z0-9_.-]+$/, 'must be a case id like match.nd-target'),
  /** Only in this suite (conformance, datapath); any suite by default. */
  suite: z.string().optional(),
  status: z.enum(CASE_STATUSES.filter((s) => s !== 'pass') as [CaseStatus, ...CaseStatus[]]),
  /** Why: what the datapath does, and why that is the datapath's behaviour rather than dplab's. */
  reason: z.string().min(20, 'explain the finding (at least a sentence)'),
  /** Upstream code, bug or thread. */
  reference: z.string().min(1).optional(),
  /** A regular expression the case's reason must match: a different failure is not this finding. */
  failure: z.string().optional(),
  /** Versions it holds for (of the kernel the backend ran on; of OVS). */
  kernel: range.optional(),
  ovs: range.optional(),
});

const FileSchema = z.strictObject({
  backend: z.string().regex(/^[a-z0-9-]+$/),
  expectations: z.array(EntrySchema),
});

export type Expectation = z.infer<typeof EntrySchema> & { readonly backend: string; readonly source: string };

/** Numeric components of a version: `6.1.0-57-amd64` -> [6, 1, 0]. */
function versionParts(v: string): number[] {
  return (/^\d+(?:\.\d+)*/.exec(v.trim())?.[0] ?? '').split('.').filter(Boolean).map(Number);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` is in `rangeText`; an unknown version is in no range. */
export function inRange(version: string | undefined, rangeText: string): boolean {
  if (version === undefined || versionParts(version).length === 0) return false;
  const v = versionParts(version);
  return rangeText.split(/ +/).every((cmp) => {
    const [, op, ref] = /^(>=|<=|>|<|=)(.*)$/.exec(cmp) as RegExpExecArray;
    const d = compareVersions(v, versionParts(ref as string));
    return op === '>=' ? d >= 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : op === '<' ? d < 0 : d === 0;
  });
}

/** Parses one backend's expectation file; errors name the file, the line and the field. */
export function parseExpectations(text: string, source: string): Expectation[] {
  const parsed = parseYaml(FileSchema, text, source);
  const { backend, expectations } = parsed.data;
  const expected = basename(source).replace(/\.ya?ml$/, '');
  if (backend !== expected) throw new YamlInputError(parsed.errorAt(['backend'], `'${backend}' in a file named for '${expected}'`));
  const seen = new Set<string>();
  return expectations.map((e, i) => {
    const key = `${e.suite ?? '*'} ${e.case}`;
    if (seen.has(key)) throw new YamlInputError(parsed.errorAt(['expectations', i, 'case'], `'${e.case}' is listed twice`));
    seen.add(key);
    if (e.failure !== undefined) {
      try {
        new RegExp(e.failure);
      } catch (err) {
        throw new YamlInputError(parsed.errorAt(['expectations', i, 'failure'], `not a regular expression: ${(err as Error).message}`));
      }
    }
    return { ...e, backend, source };
  });
}

/** Every expectation file of a folder (default: the shipped `suites/expectations`). */
export function loadExpectations(dir = EXPECTATIONS_DIR): Expectation[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseExpectations(readFileSync(join(dir, f), 'utf8'), dir === EXPECTATIONS_DIR ? `suites/expectations/${f}` : join(dir, f)));
}

/** Which case, on which backend and versions, an expectation is looked up for. */
export interface CaseKey {
  readonly backend: string;
  readonly id: string;
  readonly suite: string;
  /** The kernel the backend ran on, and its OVS version, for version ranges. */
  readonly kernel?: string;
  readonly ovs?: string;
}

/** The expectation that applies to a case: same backend, case and suite, versions in range. */
export function expectationFor(all: readonly Expectation[], k: CaseKey): Expectation | undefined {
  return all.find(
    (e) =>
      e.backend === k.backend &&
      e.case === k.id &&
      (e.suite === undefined || e.suite === k.suite) &&
      (e.kernel === undefined || inRange(k.kernel, e.kernel)) &&
      (e.ovs === undefined || inRange(k.ovs, e.ovs)),
  );
}

/** True when a case's outcome is the one the expectation predicts (for a failure, with its reason). */
export function behavesAsExpected(e: Expectation, status: CaseStatus, reason: string): boolean {
  return status === e.status && (e.failure === undefined || new RegExp(e.failure).test(reason));
}

const NOT_RUN: readonly CaseStatus[] = ['skipped', 'unsupported'];

/**
 * Marks each case of a run with the expectation that applies to it: `expected: true` when the
 * case behaved as predicted (same status and, for a failure, the same reason), `false` when the
 * expectation no longer holds. A case skipped or unsupported where a finding predicts another
 * outcome is left without one (compare reports the lost coverage). Statuses are never changed.
 */
export function applyExpectations(results: RunResults, all: readonly Expectation[]): RunResults {
  const cases = results.cases.map((c) => {
    const { expectation: _e, expected: _x, ...plain } = c;
    const backend = results.run.backends.find((b) => b.id === c.backend);
    // A backend that could not run at all (no openvswitch.ko on this kernel) confirms no finding.
    if (backend && !backend.available) return plain;
    const e = expectationFor(all, {
      ...plain,
      backend: columnBackend(c.backend),
      kernel: backendKernel(results, c.backend),
      ovs: backend?.versions.ovs ?? results.run.ovsVersion,
    });
    // A case that could not run (the environment, or the backend's probed features) neither
    // confirms nor refutes a finding about what it does when it runs.
    if (!e || (NOT_RUN.includes(c.status) && c.status !== e.status)) return plain;
    return {
      ...plain,
      expected: behavesAsExpected(e, c.status, c.reason),
      expectation: { status: e.status, reason: e.reason, ...(e.reference ? { reference: e.reference } : {}), source: e.source },
    };
  });
  return { ...results, cases };
}
