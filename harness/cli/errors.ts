/** Exit codes of `dplab`, documented in the README. */
export const EXIT = {
  ok: 0,
  /** A run finished and some case failed, errored or timed out; `compare` found regressions. */
  failures: 1,
  /** Bad input: flags, topology YAML, flow text, unknown backend or suite. */
  usage: 2,
  /** The environment cannot do what was asked (not root, not built, a tool missing). */
  environment: 3,
  /** A fault in dplab itself. */
  internal: 4,
  interrupted: 130,
} as const;

/** Bad input from the user: reported as one line, exit 2, nothing created. */
export class UsageError extends Error {}

/** The host cannot do it: one line, exit 3. */
export class EnvironmentError extends Error {}
