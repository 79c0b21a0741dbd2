import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL server for tests, in the manner of testcontainers: `new PostgresServer()`
 * describes it, `start()` makes it (initdb in a fresh temporary directory, pg_ctl start) and
 * returns a StartedPostgres, whose `stop()` stops it and removes the directory. It listens on
 * loopback only (127.0.0.1, a free port) and on a unix socket in its directory, with trust
 * authentication: nothing outside this host can reach it, and nothing of the host's own
 * PostgreSQL (its clusters, /var/run/postgresql) is used.
 */

/** Debian's server binaries (package postgresql-15 on Debian 12; scripts/setup.sh installs it). */
const PG_LIB = '/usr/lib/postgresql';

export interface StartedPostgres {
  /** `postgresql://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  readonly version: string;
  /** Its temporary directory: the cluster (data/), the unix socket, the server log. */
  readonly dir: string;
  /** The postmaster's process id. */
  readonly pid: number;
  /** A new, empty database on this server; resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: open sessions are ended) and removes its files; safe to call twice. */
  stop(): Promise<void>;
}

/** The newest installed major version's bin directory. */
function serverBin(): { bin: string; version: string } {
  const versions = existsSync(PG_LIB) ? readdirSync(PG_LIB).filter((v) => existsSync(join(PG_LIB, v, 'bin', 'initdb'))) : [];
  const version = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error(`no PostgreSQL server under ${PG_LIB} (Debian package postgresql; scripts/setup.sh installs it)`);
  return { bin: join(PG_LIB, version, 'bin'), version };
}

/** A port nobody listens on now (the kernel's choice); pg_ctl start is retried if it is taken meanwhile. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The server refuses to run as root: as root, its tools run as the `postgres` user, which owns the directory. */
function asServerUser(bin: string, args: readonly string[], dir: string) {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  return run(file, argv, { cwd: dir, timeout: 60_000 });
}

export class PostgresServer {
  async start(): Promise<StartedPostgres> {
    const { bin, version } = serverBin();
    const dir = mkdtempSync(join(tmpdir(), 'dplab-pg-'));
    const data = join(dir, 'data');
    const log = join(dir, 'server.log');
    // A server runs while its postmaster.pid exists, whether or not pg_ctl start said so in time.
    const removeAll = async () => {
      if (existsSync(join(data, 'postmaster.pid'))) {
        await asServerUser(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w'], dir).catch(() => killServer(data));
      }
      rmSync(dir, { recursive: true, force: true });
    };
    // If the test process exits without calling stop() (a crash between hooks), the server still goes.
    const onExit = () => removeAllSync(bin, data, dir);
    try {
      if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir]);
      await asServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], dir);
      const port = await startServer(bin, data, dir, log);
      process.once('exit', onExit);
      const url = (db: string) => `postgresql://postgres@127.0.0.1:${port}/${db}`;
      let stopping: Promise<void> | undefined;
      return {
        url: url('postgres'),
        port,
        version,
        dir,
        pid: Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
        async createDatabase(name) {
          const c = new pg.Client({ connectionString: url('postgres') });
          await c.connect();
          try {
            await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
          } finally {
            await c.end();
          }
          return url(name);
        },
        stop() {
          process.removeListener('exit', onExit);
          stopping ??= removeAll();
          return stopping;
        },
      };
    } catch (e) {
      const tail = existsSync(log) ? `\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}` : '';
      await removeAll();
      throw new Error(`PostgreSQL ${version} did not start: ${(e as Error).message}${tail}`, { cause: e });
    }
  }
}

/**
 * pg_ctl start, waiting until it accepts connections. Only loopback and the unix socket in `dir`;
 * fsync off, as nothing here needs to survive a power cut.
 */
async function startServer(bin: string, data: string, dir: string, log: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50`;
    try {
      await asServerUser(join(bin, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', options], dir);
      return port;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/** When pg_ctl cannot stop it: SIGQUIT is the postmaster's immediate shutdown, its backends included. */
function killServer(data: string): void {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 1) process.kill(pid, 'SIGQUIT');
  } catch {
    // No pid file: no server.
  }
}

/** In a process 'exit' handler only synchronous work runs. */
function removeAllSync(bin: string, data: string, dir: string): void {
  const root = process.getuid?.() === 0;
  const args = ['stop', '-D', data, '-m', 'immediate', '-w'];
  const r = spawnSync(root ? 'runuser' : join(bin, 'pg_ctl'), root ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args, { stdio: 'ignore' });
  if (r.status !== 0) killServer(data);
  rmSync(dir, { recursive: true, force: true });
}
