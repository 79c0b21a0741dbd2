import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { constants, inflateRawSync } from 'node:zlib';

/**
 * A kernel's build configuration, found the way a user would look for it: the config embedded in
 * the image (CONFIG_IKCONFIG), a `config-<release>` beside it, or the `.config` of its modules
 * tree. `dplab kernel check` reads it to say what the kernel can test.
 */
export interface ConfigSource {
  /** The file the text came from. */
  readonly path: string;
  /** How it was found: `embedded IKCONFIG (xz payload)`, `beside the image`, `modules tree`. */
  readonly how: string;
}

export interface KernelConfig {
  /** Option values without the `CONFIG_` prefix: `y`, `m`, a number or an unquoted string; `n` for `# CONFIG_X is not set`. */
  readonly options: ReadonlyMap<string, string>;
  /** From the header comment (`# Linux/x86 6.1.192 Kernel Configuration`). */
  readonly version?: string;
  /** `x86`, `um`, ... from the same header. */
  readonly arch?: string;
  readonly source: ConfigSource;
}

export function parseKernelConfig(text: string, source: ConfigSource): KernelConfig {
  const options = new Map<string, string>();
  let version: string | undefined;
  let arch: string | undefined;
  for (const line of text.split('\n')) {
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) {
      const v = set[2] as string;
      options.set(set[1] as string, v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
      continue;
    }
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) {
      options.set(unset[1] as string, 'n');
      continue;
    }
    const header = /^# Linux\/(\S+) (\S+) Kernel Configuration$/.exec(line);
    if (header && !version) [, arch, version] = header;
  }
  return { options, ...(version ? { version } : {}), ...(arch ? { arch } : {}), source };
}

/** An option's value; `n` when it is not set (explicitly, or absent from the config). */
export function configValue(c: KernelConfig, name: string): string {
  return c.options.get(name) ?? 'n';
}

/** Decompressed output is capped: a kernel is tens of MB, nothing dplab reads is near this. */
const MAX_OUTPUT = 512 * 1024 * 1024;
/** A compressed kernel image (bzImage) or a module is far below this; a vmlinux with debug info may not be. */
const MAX_IMAGE = 1024 * 1024 * 1024;

/** Where the deflate data of a gzip member starts, past its header's optional fields (RFC 1952). */
function gzipBody(b: Buffer): number | undefined {
  if (b.length < 18 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return undefined;
  const flags = b[3] as number;
  let at = 10;
  if (flags & 4) at += 2 + b.readUInt16LE(at);
  for (const bit of [8, 16]) if (flags & bit) at = b.indexOf(0, at) + 1;
  if (flags & 2) at += 2;
  return at > 0 && at < b.length ? at : undefined;
}

/** gunzip that ignores what follows the stream (the size the kernel appends, the rest of an image) and takes a cut one. */
function gunzipLenient(input: Buffer, limit = MAX_OUTPUT): Buffer {
  const body = gzipBody(input);
  if (body === undefined) return Buffer.alloc(0);
  try {
    return inflateRawSync(input.subarray(body), { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/** Runs a decompressor on `input`; keeps its output whatever the exit code (trailing bytes make xz/zstd complain). */
function decompressWith(cmd: string, args: readonly string[], input: Buffer, limit = MAX_OUTPUT): Promise<Buffer> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (b: Buffer) => {
      n += b.length;
      if (n > limit) child.kill('SIGKILL');
      else out.push(b);
    });
    const done = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(out));
    };
    // A missing decompressor (ENOENT) reads as no output: the config is then looked for elsewhere.
    child.on('error', done);
    child.on('close', done);
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Compression formats of kernel payloads and modules, by magic, as scripts/extract-ikconfig tries them. */
const FORMATS: readonly { name: string; magic: Buffer; run: (b: Buffer) => Promise<Buffer> }[] = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b, 0x08]), run: async (b) => gunzipLenient(b) },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), run: (b) => decompressWith('xz', ['-dc'], b) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), run: (b) => decompressWith('zstd', ['-dcq'], b) },
  { name: 'bzip2', magic: Buffer.from('BZh'), run: (b) => decompressWith('bzip2', ['-dc'], b) },
  { name: 'lzma', magic: Buffer.from([0x5d, 0x00, 0x00]), run: (b) => decompressWith('xz', ['--format=lzma', '-dc'], b) },
  { name: 'lz4', magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), run: (b) => decompressWith('lz4', ['-dc'], b) },
];

const IKCFG_ST = Buffer.from('IKCFG_ST');
const IKCFG_ED = Buffer.from('IKCFG_ED');

/** The gzip stream between the IKCFG_ST and IKCFG_ED markers of an uncompressed kernel (or configs.ko), as text. */
function betweenMarkers(b: Buffer): string | undefined {
  const st = b.indexOf(IKCFG_ST);
  if (st < 0) return undefined;
  const ed = b.indexOf(IKCFG_ED, st + IKCFG_ST.length);
  const text = gunzipLenient(b.subarray(st + IKCFG_ST.length, ed < 0 ? undefined : ed), 16 * 1024 * 1024).toString('utf8');
  return /^CONFIG_/m.test(text) ? text : undefined;
}

/** A bzImage's compressed payload, located from its setup header (boot protocol 2.08+). */
export function bzImagePayload(b: Buffer): Buffer | undefined {
  if (b.length < 0x250 || b.toString('latin1', 0x202, 0x206) !== 'HdrS' || b.readUInt16LE(0x206) < 0x208) return undefined;
  const setupSects = b.readUInt8(0x1f1) || 4;
  const start = (setupSects + 1) * 512 + b.readUInt32LE(0x248);
  const end = start + b.readUInt32LE(0x24c);
  return end <= b.length && end > start ? b.subarray(start, end) : undefined;
}

/** Offsets where a compression format's magic starts, at most `max` of them in file order. */
function magicOffsets(b: Buffer, magic: Buffer, max: number): number[] {
  const found: number[] = [];
  for (let at = b.indexOf(magic); at >= 0 && found.length < max; at = b.indexOf(magic, at + 1)) found.push(at);
  return found;
}

/**
 * The IKCONFIG text embedded in a kernel image, and where it was: directly in an uncompressed
 * vmlinux/ELF (or configs.ko), in a bzImage's payload, or in the first few compressed streams
 * of any other image (kept to a few tries: each is a full decompression).
 */
export async function extractIkconfig(b: Buffer): Promise<{ text: string; via: string } | undefined> {
  const direct = betweenMarkers(b);
  if (direct) return { text: direct, via: 'uncompressed' };
  // An ELF kernel is uncompressed: no marker there means no embedded config.
  if (b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return undefined;
  const payload = bzImagePayload(b);
  const tries = payload
    ? FORMATS.filter((f) => payload.subarray(0, f.magic.length).equals(f.magic)).map((f) => ({ f, at: 0, data: payload }))
    : FORMATS.flatMap((f) => magicOffsets(b, f.magic, 2).map((at) => ({ f, at, data: b })))
        .sort((x, y) => x.at - y.at)
        .slice(0, 4);
  for (const t of tries) {
    const text = betweenMarkers(await t.f.run(t.data.subarray(t.at)));
    if (text) return { text, via: `${t.f.name} payload` };
  }
  return undefined;
}

/** A file's bytes, decompressed when its name says so (`config.gz`, `configs.ko.xz`). */
async function readMaybeCompressed(path: string): Promise<Buffer> {
  const b = readFileSync(path);
  const ext = /\.(gz|xz|zst)$/.exec(path)?.[1];
  if (!ext) return b;
  const f = FORMATS.find((x) => x.name === { gz: 'gzip', xz: 'xz', zst: 'zstd' }[ext]);
  return f ? f.run(b) : b;
}

export interface ConfigSearch {
  /** The kernel image (bzImage, vmlinux, UML binary). */
  readonly image: string;
  /** Its modules tree (`.../lib/modules/<release>`), when known. */
  readonly modules?: string;
  /** More config files to try after the ones beside the image (UML's doc dir for uml:debian). */
  readonly extra?: readonly string[];
}

/** Config files a kernel's packaging or build tree keeps beside the image. */
function besideImage(image: string): string[] {
  const dir = dirname(image);
  const release = /^vmlinu[xz]-(.+)$/.exec(basename(image))?.[1];
  const candidates = [
    ...(release ? [join(dir, `config-${release}`)] : []),
    join(dir, '.config'),
    join(dir, 'config'),
    join(dir, 'config.gz'),
    // arch/x86/boot/bzImage of a build tree: the tree's .config.
    ...(basename(image) === 'bzImage' ? [join(dir, '../../../.config')] : []),
  ];
  return [...new Set(candidates)];
}

/** Where a modules tree keeps its kernel's config: the build tree's .config, or configs.ko (IKCONFIG=m). */
function inModulesTree(dir: string): string[] {
  return [join(dir, '.config'), join(dir, 'build/.config'), ...['', '.xz', '.zst', '.gz'].map((x) => join(dir, `kernel/kernel/configs.ko${x}`))];
}

async function readConfigFile(path: string, how: string): Promise<KernelConfig | undefined> {
  const b = await readMaybeCompressed(path);
  if (/configs\.ko/.test(path)) {
    const text = betweenMarkers(b);
    return text ? parseKernelConfig(text, { path, how: `${how}, embedded IKCONFIG of configs.ko` }) : undefined;
  }
  const c = parseKernelConfig(b.toString('utf8'), { path, how });
  return c.options.size > 0 ? c : undefined;
}

/**
 * The kernel's config: embedded in the image first (it cannot disagree with the image), then a
 * config file beside it, then the modules tree's. `looked` names every place tried, for the
 * error when none has one.
 */
export async function findKernelConfig(s: ConfigSearch): Promise<{ config?: KernelConfig; looked: string[] }> {
  const looked: string[] = [];
  if (statSync(s.image).size <= MAX_IMAGE) {
    looked.push(`an embedded IKCONFIG in ${s.image}`);
    const e = await extractIkconfig(readFileSync(s.image));
    if (e) return { config: parseKernelConfig(e.text, { path: s.image, how: `embedded IKCONFIG, ${e.via}` }), looked };
  }
  const files: [string, string][] = [
    ...besideImage(s.image).map((p): [string, string] => [p, 'beside the image']),
    ...(s.extra ?? []).map((p): [string, string] => [p, 'packaged with the kernel']),
    ...(s.modules ? inModulesTree(s.modules).map((p): [string, string] => [p, 'modules tree']) : []),
  ];
  for (const [path, how] of files) {
    looked.push(path);
    if (!existsSync(path) || !statSync(path).isFile()) continue;
    const config = await readConfigFile(path, how);
    if (config) return { config, looked };
  }
  return { looked };
}
