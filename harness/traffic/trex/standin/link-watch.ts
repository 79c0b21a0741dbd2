import { execFile } from 'node:child_process';
import type { StandinPorts } from './port-model.js';

/**
 * Real links for the stand-in's ports: the interfaces a TRex server's ports would be (in a lab
 * test, the far ends of the veth pairs that stand for the DUT's NICs), their operstate read
 * every POLL_MS with `ip` and handed to the model, which reports a change `linkLagMs` later.
 * A host-process stand-in only: the stand-in image has no `ip`.
 */
export interface LinkWatchSpec {
  /** The namespace the interfaces are in; the stand-in's own when absent. */
  readonly netns?: string;
  /** Per port, in port order. */
  readonly interfaces: readonly string[];
}

/** How often the interfaces are read (TRex checks its links about every 0.5 s; this is finer, the lag is the model's). */
export const POLL_MS = 100;

/** `[NETNS:]IF0,IF1` of `--link-watch`; a one-line error for anything else. */
export function parseLinkWatch(text: string): LinkWatchSpec {
  const m = /^(?:([\w.-]+):)?([\w.@-]+(?:,[\w.@-]+)+)$/.exec(text);
  if (!m) throw new Error(`--link-watch '${text}': want [NETNS:]IF0,IF1 (an interface per port)`);
  return { ...(m[1] ? { netns: m[1] } : {}), interfaces: (m[2] as string).split(',') };
}

function operstates(spec: LinkWatchSpec): Promise<Map<string, string>> {
  const args = [...(spec.netns ? ['-n', spec.netns] : []), '-j', 'link', 'show'];
  return new Promise((resolve) => {
    execFile('ip', args, (err, stdout) => {
      // No namespace (yet, or any more), or no `ip`: no interface, so every watched link is down.
      if (err) return resolve(new Map());
      try {
        const links = JSON.parse(stdout || '[]') as { ifname: string; operstate?: string }[];
        resolve(new Map(links.map((l) => [l.ifname, l.operstate ?? 'UNKNOWN'])));
      } catch {
        resolve(new Map());
      }
    });
  });
}

/** Starts watching; returns a function that stops it. An interface that is missing is down. */
export function watchLinks(spec: LinkWatchSpec, ports: StandinPorts, log: (m: string) => void): () => void {
  let stopped = false;
  const seen = new Map<number, boolean>();
  void (async () => {
    while (!stopped) {
      const states = await operstates(spec);
      const now = performance.now();
      for (const [port, ifname] of spec.interfaces.entries()) {
        if (!ports.has(port)) continue;
        const up = states.get(ifname) === 'UP';
        if (seen.get(port) !== up) log(`link: port ${port} (${ifname}) ${up ? 'up' : 'down'}`);
        seen.set(port, up);
        ports.setLink(port, up, now);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return () => {
    stopped = true;
  };
}
