import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CaseStatus, RunResults } from '../results/results.js';

/**
 * The results store: the history of runs that `dplab publish` puts in and `dplab site` reads.
 * An embedded SQLite file by default; PostgreSQL for a lab whose hosts publish into one history.
 * This module is the contract both implement; open-store.ts picks one for a URL.
 */

/** One row of the index of runs. */
export interface StoredRun {
  readonly id: string;
  readonly started: string;
  readonly finished?: string;
  readonly host: string;
  readonly kernel: string;
  readonly ovsVersion?: string;
  readonly dplabCommit: string;
  readonly topology: string;
  readonly suites: readonly string[];
  readonly counts: Record<CaseStatus, number>;
  readonly benchmarkPoints: number;
  /** When it entered the store (the publisher's clock, ISO 8601). */
  readonly publishedAt: string;
}

/** `added` false: the run id was already in the store, and nothing was written for it. */
export interface PublishOutcome {
  readonly id: string;
  readonly added: boolean;
}

export interface OpenStore {
  /** e.g. `sqlite /root/.local/share/dplab/results.db`, `postgres dplab@db1:5432/dplab`; never a password. */
  readonly description: string;
  /** All runs in one transaction; a run whose id the store holds is skipped (idempotent). */
  publish(runs: readonly RunResults[]): Promise<PublishOutcome[]>;
  /** Ordered by started, then id. */
  runs(): Promise<StoredRun[]>;
  /** The run as it was published (deep-equal); an unknown id is a StoreInputError. */
  load(id: string): Promise<RunResults>;
  close(): Promise<void>;
}

/** The store cannot be used: unreachable, refusing us, busy past the timeout, a newer schema. One line, naming the store. */
export class StoreError extends Error {}

/** What was given does not fit the store: a URL or path that is no store, a run id it holds for another run, an unknown id. */
export class StoreInputError extends StoreError {}

/** `$DPLAB_STORE`, else `~/.local/share/dplab/results.db`. */
export function defaultStoreUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DPLAB_STORE) return env.DPLAB_STORE;
  return join(env.HOME || homedir(), '.local', 'share', 'dplab', 'results.db');
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);
