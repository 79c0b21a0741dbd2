#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { EnvironmentError, EXIT, UsageError } from './errors.js';
import { doctorCommand } from './doctor.js';
import { listCommand } from './list.js';
import { runCommand } from './run.js';
import { cleanupCommand } from './cleanup.js';
import { flowsCheckCommand } from './flows.js';
import { SUITES } from './suites.js';
import { benchCommand, type BenchFlags } from './bench.js';

function csvList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

const program = new Command()
  .name('dplab')
  .description('Conformance and benchmark harness for virtual-switch datapaths')
  .showHelpAfterError(false)
  .exitOverride();

program
  .command('doctor')
  .description('probe this host: kernel, BPF/XDP/AF_XDP, OVS, tools, and which backends can run')
  .option('--json', 'print the findings as JSON')
  .option('--topology <name|file>', 'also validate this topology')
  .action(async (o: { json?: boolean; topology?: string }) => {
    process.exitCode = await doctorCommand(o);
  });

program
  .command('run')
  .description('run suites over backends on a topology and write results')
  .addOption(new Option('--suite <suite>', 'suite to run').choices([...Object.keys(SUITES), 'all']).default('conformance'))
  .option('--backend <ids>', 'comma-separated backend ids (default: all)', csvList)
  .option('--topology <name|file>', 'built-in topology name or YAML file', 'p2p')
  .option('--kernel <uml:debian|uml:PATH>', 'run the kernel backend inside this guest kernel (user-mode Linux)')
  .option('--modules <dir>', "the guest kernel's modules tree (with --kernel uml:PATH)")
  .addOption(new Option('--generator <gen>', 'load generator for benchmarks').choices(['soft', 'trex']).default('soft'))
  .option('--out <dir>', 'run directory (default: runs/<date>-<run id>)')
  .option('--case <pattern>', 'only cases whose id contains this text')
  .action(async (o: RunFlags) => {
    process.exitCode = await runCommand(o);
  });

program
  .command('bench')
  .description('maximum receive rate through raw XDP redirect (the ceiling) and each backend, p2p veth')
  .option('--backend <ids>', 'comma-separated backend ids (default: all but kernel)', csvList)
  .option('--duration-s <n>', 'seconds of traffic per trial', '3')
  .option('--trials <n>', 'trials per target (the median is reported)', '3')
  .option('--flows <n>', 'distinct UDP flows', '1')
  .option('--frame-size <n>', 'frame size on the wire incl. FCS', '64')
  .option('--out <dir>', 'run directory (default: runs/bench-<run id>)')
  .action(async (o: BenchFlags) => {
    process.exitCode = await benchCommand(o);
  });

program
  .command('cleanup')
  .description('remove what killed runs left behind (namespaces, links, daemons, BPF programs)')
  .option('--run <id>', 'only this run id')
  .action(async (o: { run?: string }) => {
    process.exitCode = await cleanupCommand(o);
  });

program
  .command('list')
  .description('list suites, backends, topologies or features')
  .argument('<what>', 'suites|backends|topologies|features')
  .action(async (what: string) => {
    process.exitCode = await listCommand(what);
  });

program
  .command('flows')
  .description('work with OpenFlow rule files in ovs-ofctl syntax')
  .command('check')
  .description('validate a rule file and print the rules in canonical form')
  .argument('<file>', 'rule file, one ovs-ofctl flow a line')
  .option('--ports <names>', 'logical port names, numbered 1.. in order (default p1,p2,p3)', csvList)
  .action(async (file: string, o: { ports?: string[] }) => {
    process.exitCode = await flowsCheckCommand(file, o);
  });

export interface RunFlags {
  suite: string;
  backend?: string[];
  topology: string;
  kernel?: string;
  modules?: string;
  generator: 'soft' | 'trex';
  out?: string;
  case?: string;
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version print and exit 0; everything else is a usage error (already printed).
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof UsageError) {
    process.stderr.write(`dplab: ${e.message}\n`);
    process.exitCode = EXIT.usage;
  } else if (e instanceof EnvironmentError) {
    process.stderr.write(`dplab: ${e.message}\n`);
    process.exitCode = EXIT.environment;
  } else {
    process.stderr.write(`dplab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.internal;
  }
}
