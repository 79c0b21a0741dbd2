import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Longest a collector lives should dplab die without stopping it (ms). */
const MAX_LIFE_MS = 10 * 60_000;

/**
 * A UDP receiver on 127.0.0.1 inside a network namespace (where ovs-vswitchd runs, so its
 * exporters reach it over that namespace's loopback): a node child process that writes each
 * datagram as one hex line to a file in the run's state directory, and exits on SIGTERM or
 * after MAX_LIFE_MS.
 */
export interface UdpCollector {
  readonly port: number;
  /** Datagrams received so far, oldest first. */
  datagrams(): Promise<Buffer[]>;
  stop(): Promise<void>;
}

const SCRIPT = `
const dgram = require('node:dgram'), fs = require('node:fs');
const out = fs.openSync(process.argv[1], 'a');
const s = dgram.createSocket('udp4');
s.on('message', (m) => fs.writeSync(out, m.toString('hex') + '\\n'));
s.bind(0, '127.0.0.1', () => console.log(String(s.address().port)));
setTimeout(() => process.exit(0), Number(process.argv[2])).unref();
process.on('SIGTERM', () => process.exit(0));
`;

export async function startUdpCollector(netns: string, dir: string, tag: string): Promise<UdpCollector> {
  const file = join(dir, `${tag}-${Date.now()}.hex`);
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', SCRIPT, file, String(MAX_LIFE_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((res) => child.once('close', () => res()));
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${tag} collector in ${netns}: no port within 5 s: ${stderr.trim()}`)), 5000);
    child.stdout?.once('data', (b: Buffer) => {
      clearTimeout(timer);
      res(Number(b.toString().trim()));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      rej(new Error(`${tag} collector in ${netns} exited (${code}): ${stderr.trim()}`));
    });
  }).catch(async (e: unknown) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    throw e;
  });
  return {
    port,
    async datagrams(): Promise<Buffer[]> {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => Buffer.from(l, 'hex'));
    },
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
