/**
 * The process-wide teardown registry. Whatever a run creates registers how to remove it;
 * on SIGINT/SIGTERM every registered teardown runs (newest first) before the process exits
 * with 128+signal. A second signal during teardown is reported and otherwise ignored, so a
 * hasty Ctrl-C twice does not leave namespaces behind.
 */

type Teardown = { readonly name: string; readonly fn: () => Promise<unknown> };

const registry: Teardown[] = [];
let installed = false;
let tearingDown = false;

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

async function runAll(): Promise<void> {
  for (const t of registry.splice(0).reverse()) {
    try {
      await t.fn();
    } catch (e) {
      process.stderr.write(`dplab: teardown of ${t.name} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (tearingDown) {
    process.stderr.write(`dplab: ${signal} again: still tearing down, please wait\n`);
    return;
  }
  tearingDown = true;
  process.stderr.write(`dplab: ${signal}: tearing down ${registry.length} item(s)\n`);
  void runAll().finally(() => process.exit(SIGNAL_EXIT[signal] ?? 1));
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of Object.keys(SIGNAL_EXIT)) process.on(s as NodeJS.Signals, onSignal);
}

/** Registers a teardown; returns the function that unregisters it (call after a normal stop). */
export function onTeardown(name: string, fn: () => Promise<unknown>): () => void {
  install();
  const entry: Teardown = { name, fn };
  registry.push(entry);
  return () => {
    const i = registry.indexOf(entry);
    if (i >= 0) registry.splice(i, 1);
  };
}
