import { RunResultsSchema, type RunResults } from '../results/results.js';
import { insertRun, listRuns, readRun } from './run-rows.js';
import { checkSchema, ensureSchema } from './schema.js';
import type { Connection } from './sql.js';
import { StoreInputError, type OpenStore, type PublishOutcome, type StoredRun } from './store.js';

/** The store over either dialect's Connection: what to do in each transaction, not how a database does it. */
export class SqlStore implements OpenStore {
  /** One operation at a time: a PostgreSQL client runs one transaction, and two interleaved would mix. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly conn: Connection) {}

  get description(): string {
    return this.conn.description;
  }

  /** Migrates the store to this dplab's schema (or refuses a newer one) before handing it out. */
  static async open(conn: Connection): Promise<SqlStore> {
    try {
      await ensureSchema(conn);
    } catch (e) {
      await conn.close();
      throw e;
    }
    return new SqlStore(conn);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async publish(runs: readonly RunResults[]): Promise<PublishOutcome[]> {
    for (const r of runs) {
      const parsed = RunResultsSchema.safeParse(r);
      if (!parsed.success) throw new StoreInputError(`run ${String(r.run?.id)}: not a valid run: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    const publishedAt = new Date().toISOString();
    return this.serial(() =>
      this.conn.transaction('write', async (sql) => {
        await checkSchema(sql, this.description);
        // In run id order: publishers of overlapping sets then take the run rows' locks in the
        // same order and cannot deadlock (PostgreSQL would abort one of them).
        const id = (i: number) => (runs[i] as RunResults).run.id;
        const order = [...runs.keys()].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : a - b));
        const outcomes: PublishOutcome[] = [];
        for (const i of order) outcomes[i] = await insertRun(sql, runs[i] as RunResults, publishedAt);
        return outcomes;
      }),
    );
  }

  runs(): Promise<StoredRun[]> {
    return this.serial(() => this.conn.transaction('read', listRuns));
  }

  load(id: string): Promise<RunResults> {
    return this.serial(() => this.conn.transaction('read', (sql) => readRun(sql, id)));
  }

  close(): Promise<void> {
    return this.serial(() => this.conn.close());
  }
}
