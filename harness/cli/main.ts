#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { EnvironmentError, EXIT, UsageError } from './errors.js';
import { doctorCommand } from './doctor.js';
import { listCommand } from './list.js';
import { runCommand, type RunFlags } from './run.js';
import { cleanupCommand } from './cleanup.js';
import { flowsCheckCommand } from './flows.js';
import { SUITES } from './suites.js';
import { BENCH_PLANS } from '../bench/plan.js';
import { kernelCheckCommand, kernelFetchCommand } from './kernel.js';
import { compareCommand } from './compare.js';
import { reportCommand } from './report.js';
import { benchCommand, type BenchFlags } from './bench.js';
import { publishCommand } from './publish.js';
import { siteCommand } from './site.js';
import { GeneratorLostError } from '../traffic/trial-generator.js';
import { TrexServerError } from '../traffic/trex/trex-server.js';

function csvList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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
  .option('--topology <name|file>', "also validate this topology; for a lab (nic) one, check its DUT ports and its TRex server's ports")
  .option('--trex <host[:port]>', "TRex server's RPC address (default: the topology's generator.trex)")
  .option('--trex-timeout <s>', 'per TRex call', '5')
  .action(async (o: { json?: boolean; topology?: string; trex?: string; trexTimeout: string }) => {
    process.exitCode = await doctorCommand(o);
  });

/** The benchmarks' generator and the run directory: the same flags for run and bench. */
function withGeneratorAndOut(cmd: Command): Command {
  return cmd
    .addOption(new Option('--generator <gen>', 'load generator for benchmarks').choices(['soft', 'trex']).default('soft'))
    .option('--gen-cpu <n>', 'CPU the soft generator is pinned to; the DUT gets the others (default 0)')
    .option('--trex <host[:port]>', "TRex server's RPC address (default: the topology's generator.trex)")
    .option('--trex-timeout <s>', 'per TRex call: how long a dead or hung server can hold the run', '5')
    .option('--trex-force', 'take TRex ports another user holds')
    .option('--out <dir>', 'run directory (default: runs/<date>-<run id>)');
}

withGeneratorAndOut(
  program
    .command('run')
    .description('run suites over backends on a topology and write results')
    .option('--suite <suites>', `suites to run, comma-separated: ${[...Object.keys(SUITES), 'all'].join(', ')}`, 'conformance')
    .option('--backend <ids>', 'comma-separated backend ids (default: all)', csvList)
    .option('--topology <name|file>', 'built-in topology name or YAML file', 'p2p')
    .option(
      '--kernel <specs>',
      'run every backend on these kernels, one after another, comma-separated: host, uml:debian, uml:PATH (user-mode Linux), debian:PACKAGE (fetched as dplab kernel fetch does) or an image PATH (qemu); the first is the reference, the others add backend@kernel columns',
    )
    .option('--modules <dir>', "the guest kernel's modules tree (with --kernel uml:PATH or an image PATH)")
    .option('--case <pattern>', 'only cases whose id contains this text, or any of several (comma-separated)')
    .addOption(
      new Option(
        '--bench-plan <plan>',
        'what the benchmark suite measures: default (as dplab bench), or guest (64 B, 1 and 1000 flows, MRR only: what guest kernels measure)',
      ).choices(Object.keys(BENCH_PLANS)),
    ),
).action(async (o: RunFlags) => {
  process.exitCode = await runCommand(o);
});

withGeneratorAndOut(
  program
    .command('bench')
    .description('benchmark suite on p2p veth: XDP redirect (ceiling), Linux bridge and each backend; MRR, NDR, PDR, latency, flow setup')
    .option('--backend <ids>', 'comma-separated backend ids (default: all but kernel)', csvList)
    .option('--frame-sizes <list>', 'frame sizes on the wire incl. FCS, or imix', csvList, ['64'])
    .option('--flows <list>', 'flow counts (distinct Ethernet sources)', csvList, ['1'])
    .option('--metrics <list>', 'mrr, ndr, pdr, latency, flow-setup', csvList, ['mrr', 'ndr', 'pdr', 'latency', 'flow-setup'])
    .option('--trial-s <s>', 'seconds of counted traffic per trial', '2')
    .option('--ramp-s <s>', 'seconds of uncounted traffic before each trial', '0.5')
    .option('--repeats <n>', 'trials per figure: MRR (median and spread), confirming an NDR/PDR/flow-setup answer at its rate, latency at each load level', '3')
    .option('--precision <ratio>', 'NDR/PDR search resolution, relative', '0.02')
    .option('--pdr-loss <percent>', 'loss the PDR accepts', '0.5')
    .option('--latency-at <fractions>', 'latency measured at these fractions of the NDR', csvList, ['0.1', '0.5', '0.9'])
    .option('--smoke', 'a few seconds per target: checks the machinery, the figures mean nothing')
    .option('--topology <name|file>', 'p2p (veth, soft generator) or a lab (nic) topology file (TRex)', 'p2p'),
).action(async (o: BenchFlags) => {
  process.exitCode = await benchCommand(o);
});

const kernel = program.command('kernel').description('kernels to run suites in (--kernel)');
kernel
  .command('fetch')
  .description("download a Debian kernel package (apt-get download) and unpack its image and modules into dplab's cache")
  .argument('<package>', 'e.g. linux-image-amd64 or linux-image-6.1.0-57-amd64')
  .action(async (pkg: string) => {
    process.exitCode = await kernelFetchCommand(pkg);
  });
kernel
  .command('check')
  .description("from the kernel's config: whether it boots dplab's guest, which backends and features it can test, and why not")
  .argument('<image>', 'a kernel image path, or uml:debian, uml:PATH, debian:PACKAGE as --kernel takes them')
  .option('--modules <dir>', "the kernel's modules tree (=m options need it; debian: and uml:debian bring theirs)")
  .option('--json', 'print the verdicts as JSON')
  .action(async (image: string, o: { modules?: string; json?: boolean }) => {
    process.exitCode = await kernelCheckCommand(image, o);
  });

program
  .command('report')
  .description('self-contained HTML report of one run, or of several merged (one column per run and backend); PDF/PNG via Chromium')
  .argument('<dirs...>', 'run directories')
  .option('--out <dir>', 'where to write (default: the run directory; required for several)')
  .option('--pdf', 'also report.pdf (headless Chromium)')
  .option('--png', 'also report.png, the full page (headless Chromium)')
  .action(async (dirs: string[], o: { out?: string; pdf?: boolean; png?: boolean }) => {
    process.exitCode = await reportCommand(dirs, o);
  });

program
  .command('compare')
  .description('compare a run with a baseline run, per backend and kernel; exit 1 on regressions (for CI gates)')
  .argument('<baseline>', 'baseline run directory')
  .argument('<run>', 'run directory')
  .option('--json', 'print the comparison as JSON')
  .option('--html <file>', 'also write the comparison as an HTML page')
  .option('--threshold <ratio>', 'benchmark change that counts, relative', '0.1')
  .option(
    '--allow-coverage-loss',
    'lost coverage (a passing case now skipped, unsupported or absent; a missing point or backend) is a warning, not a regression',
  )
  .action((baseline: string, run: string, o: { json?: boolean; html?: string; threshold: string; allowCoverageLoss?: boolean }) => {
    process.exitCode = compareCommand(baseline, run, o);
  });

program
  .command('publish')
  .description('put run directories into the results store (one transaction; a run already there is skipped)')
  .argument('<dirs...>', 'run directories')
  .option('--store <url>', 'postgres://USER@HOST:PORT/DB, or a SQLite file (default: $DPLAB_STORE, else ~/.local/share/dplab/results.db)')
  .action(async (dirs: string[], o: { store?: string }) => {
    process.exitCode = await publishCommand(dirs, o);
  });

program
  .command('site')
  .description("a static comparison site of the store's runs: index, parity per host and kernel, kernel x backend, trends with change points")
  .requiredOption('--out <dir>', 'where to write index.html, trends.html and runs/<id>/report.html')
  .option('--store <url>', 'postgres://USER@HOST:PORT/DB, or a SQLite file (default: $DPLAB_STORE, else ~/.local/share/dplab/results.db)')
  .action(async (o: { store?: string; out: string }) => {
    process.exitCode = await siteCommand(o);
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

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version print and exit 0; everything else is a usage error (already printed).
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof UsageError) {
    process.stderr.write(`dplab: ${e.message}\n`);
    process.exitCode = EXIT.usage;
  } else if (e instanceof EnvironmentError || e instanceof GeneratorLostError || e instanceof TrexServerError) {
    process.stderr.write(`dplab: ${e.message}\n`);
    process.exitCode = EXIT.environment;
  } else {
    process.stderr.write(`dplab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.internal;
  }
}
