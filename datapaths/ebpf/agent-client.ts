import { createConnection, type Socket } from 'node:net';

/**
 * A connection to the agent's control socket: commands go one at a time, a reply is every line
 * up to `ok` (or one `error: ...`). Lines starting `packet-in ` are events, not replies.
 */
export class AgentClient {
  private buffered = '';
  private lines: string[] = [];
  private waiting: { resolve: (lines: string[]) => void; reject: (e: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closedWith: Error | undefined;

  private constructor(
    private readonly sock: Socket,
    private readonly onEvent: (line: string) => void,
  ) {
    sock.on('data', (b: Buffer) => this.data(b.toString()));
    sock.on('close', () => this.fail(new Error('agent control socket closed')));
    sock.on('error', (e) => this.fail(e));
  }

  static connect(path: string, onEvent: (line: string) => void = () => undefined): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => resolve(new AgentClient(sock, onEvent)));
      sock.once('error', reject);
    });
  }

  private fail(e: Error): void {
    this.closedWith ??= e;
    this.waiting?.reject(e);
    this.waiting = undefined;
  }

  private data(text: string): void {
    this.buffered += text;
    let nl;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      if (line.startsWith('packet-in ')) {
        this.onEvent(line);
        continue;
      }
      if (line === 'ok' || line.startsWith('error: ')) {
        const done = this.lines;
        this.lines = [];
        const w = this.waiting;
        this.waiting = undefined;
        if (line === 'ok') w?.resolve(done);
        else w?.reject(new Error(`ebpf agent: ${line.slice(7)}`));
      } else {
        this.lines.push(line);
      }
    }
  }

  /** Sends the command lines; resolves with the reply lines before `ok`. */
  command(...lines: string[]): Promise<string[]> {
    const run = () =>
      new Promise<string[]>((resolve, reject) => {
        if (this.closedWith) return reject(this.closedWith);
        const timer = setTimeout(() => {
          this.waiting = undefined;
          reject(new Error(`ebpf agent: no reply to '${lines[0]}' in 10 s`));
        }, 10_000);
        this.waiting = {
          resolve: (l) => (clearTimeout(timer), resolve(l)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        };
        this.sock.write(lines.map((l) => `${l}\n`).join(''));
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.sock.destroy();
  }
}
