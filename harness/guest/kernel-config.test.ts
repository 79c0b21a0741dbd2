import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { kernelCacheDir } from './debian-kernel.js';
import { bzImagePayload, configValue, extractIkconfig, findKernelConfig, parseKernelConfig } from './kernel-config.js';

const SOURCE = { path: 'test', how: 'test' };

const CONFIG = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.1.192 Kernel Configuration
#
CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"
CONFIG_VIRTIO_PCI=m
CONFIG_BPF_SYSCALL=y
CONFIG_LOG_BUF_SHIFT=18
# CONFIG_IKCONFIG is not set
CONFIG_MODULE_SIG_HASH="sha256"
`;

/** Bytes that look like nothing in particular (no markers, no compression magic). */
const filler = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 23));

/** A kernel body with CONFIG embedded as CONFIG_IKCONFIG puts it: the gzip stream between markers. */
const withIkconfig = (text: string) => Buffer.concat([filler(300, 1), Buffer.from('IKCFG_ST'), gzipSync(text), Buffer.from('IKCFG_ED'), filler(300, 2)]);

/** A bzImage: setup sectors with the boot-protocol header, then the compressed payload (and the size the kernel appends). */
function bzImage(payload: Buffer): Buffer {
  const setupSects = 3;
  const setup = Buffer.alloc((setupSects + 1) * 512);
  setup.writeUInt8(setupSects, 0x1f1);
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(0x20f, 0x206);
  const head = filler(64, 3);
  setup.writeUInt32LE(head.length, 0x248);
  setup.writeUInt32LE(payload.length + 4, 0x24c);
  return Buffer.concat([setup, head, payload, Buffer.from([1, 2, 3, 4]), filler(100, 4)]);
}

describe('kernel config', () => {
  describe('parsing', () => {
    const c = parseKernelConfig(CONFIG, SOURCE);

    it('reads y, m, numbers and strings (unquoted), and "is not set" as n', () => {
      expect(configValue(c, 'VIRTIO_PCI')).to.equal('m');
      expect(configValue(c, 'BPF_SYSCALL')).to.equal('y');
      expect(configValue(c, 'LOG_BUF_SHIFT')).to.equal('18');
      expect(configValue(c, 'MODULE_SIG_HASH')).to.equal('sha256');
      expect(configValue(c, 'CC_VERSION_TEXT')).to.equal('gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0');
      expect(configValue(c, 'IKCONFIG')).to.equal('n');
    });

    it('takes an option the config does not name as not set', () => {
      expect(configValue(c, 'OPENVSWITCH')).to.equal('n');
      expect(c.options.has('OPENVSWITCH')).to.equal(false);
    });

    it('takes the kernel version and architecture from the header comment', () => {
      expect(c.version).to.equal('6.1.192');
      expect(c.arch).to.equal('x86');
      expect(parseKernelConfig('# Linux/um 6.1.176 Kernel Configuration\nCONFIG_UML=y\n', SOURCE).arch).to.equal('um');
    });
  });

  describe('embedded IKCONFIG', () => {
    it('is the gzip stream between IKCFG_ST and IKCFG_ED in an uncompressed kernel', async () => {
      const e = await extractIkconfig(withIkconfig(CONFIG));
      expect(e?.text).to.equal(CONFIG);
      expect(e?.via).to.equal('uncompressed');
    });

    it("is found inside a bzImage's gzip-compressed payload, located from its setup header", async () => {
      const image = bzImage(gzipSync(withIkconfig(CONFIG)));
      expect(bzImagePayload(image)?.subarray(0, 3)).to.deep.equal(Buffer.from([0x1f, 0x8b, 0x08]));
      const e = await extractIkconfig(image);
      expect(e?.text).to.equal(CONFIG);
      expect(e?.via).to.equal('gzip payload');
    });

    it("is found inside a bzImage's xz-compressed payload (xz -dc, as Debian compresses its kernels)", async function () {
      let xz: Buffer;
      try {
        xz = execFileSync('xz', ['-c', '--check=crc32'], { input: withIkconfig(CONFIG) });
      } catch {
        this.skip();
      }
      const e = await extractIkconfig(bzImage(xz));
      expect(e?.text).to.equal(CONFIG);
      expect(e?.via).to.equal('xz payload');
    });

    it('is found in a gzip stream inside an image with no setup header, trailing bytes and all', async () => {
      const e = await extractIkconfig(Buffer.concat([filler(1000, 5), gzipSync(withIkconfig(CONFIG)), Buffer.from([9, 9, 9, 9])]));
      expect(e?.text).to.equal(CONFIG);
    });

    it('is absent from an image without one, and an ELF kernel without the marker is not searched further', async () => {
      expect(await extractIkconfig(bzImage(gzipSync(filler(5000, 6))))).to.equal(undefined);
      const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), filler(100, 7), gzipSync(withIkconfig(CONFIG))]);
      expect(await extractIkconfig(elf)).to.equal(undefined);
    });
  });

  describe('finding the config of an image', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'dplab-kconfig-'));
      mkdirSync(join(dir, 'boot'));
      writeFileSync(join(dir, 'boot/vmlinuz-6.1.0-test'), bzImage(gzipSync(filler(2000, 8))));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('prefers the config embedded in the image to a file beside it', async () => {
      writeFileSync(join(dir, 'boot/vmlinuz-6.1.0-test'), bzImage(gzipSync(withIkconfig(CONFIG))));
      writeFileSync(join(dir, 'boot/config-6.1.0-test'), '# Linux/x86 9.9.9 Kernel Configuration\nCONFIG_X=y\n');
      const { config } = await findKernelConfig({ image: join(dir, 'boot/vmlinuz-6.1.0-test') });
      expect(config?.version).to.equal('6.1.192');
      expect(config?.source.how).to.equal('embedded IKCONFIG, gzip payload');
    });

    it('reads config-<release> beside vmlinuz-<release>', async () => {
      writeFileSync(join(dir, 'boot/config-6.1.0-test'), CONFIG);
      const { config } = await findKernelConfig({ image: join(dir, 'boot/vmlinuz-6.1.0-test') });
      expect(config?.source).to.deep.equal({ path: join(dir, 'boot/config-6.1.0-test'), how: 'beside the image' });
    });

    it("falls back to the modules tree's build/.config", async () => {
      mkdirSync(join(dir, 'modules/build'), { recursive: true });
      writeFileSync(join(dir, 'modules/build/.config'), CONFIG);
      const { config } = await findKernelConfig({ image: join(dir, 'boot/vmlinuz-6.1.0-test'), modules: join(dir, 'modules') });
      expect(config?.source.how).to.equal('modules tree');
      expect(configValue(config ?? parseKernelConfig('', SOURCE), 'VIRTIO_PCI')).to.equal('m');
    });

    it('names every place it looked when none has a config', async () => {
      const { config, looked } = await findKernelConfig({ image: join(dir, 'boot/vmlinuz-6.1.0-test'), modules: join(dir, 'modules') });
      expect(config).to.equal(undefined);
      expect(looked[0]).to.match(/^an embedded IKCONFIG in .*vmlinuz-6\.1\.0-test$/);
      expect(looked).to.include(join(dir, 'boot/config-6.1.0-test'));
      expect(looked).to.include(join(dir, 'modules/build/.config'));
    });
  });

  describe("Debian's 6.1 kernel config (when fetched into the cache)", () => {
    const path = join(kernelCacheDir(), 'linux-image-6.1.0-57-amd64/root/boot/config-6.1.0-57-amd64');

    it('has its virtio/9p as modules, AF_XDP and BTF built in, and no embedded config', function () {
      if (!existsSync(path)) this.skip();
      const c = parseKernelConfig(readFileSync(path, 'utf8'), { path, how: 'beside the image' });
      expect(c.version).to.match(/^6\.1\.\d+$/);
      expect(['VIRTIO_PCI', '9P_FS', 'NET_9P_VIRTIO', 'OPENVSWITCH'].map((o) => configValue(c, o))).to.deep.equal(['m', 'm', 'm', 'm']);
      expect(['XDP_SOCKETS', 'DEBUG_INFO_BTF', 'KERNEL_XZ'].map((o) => configValue(c, o))).to.deep.equal(['y', 'y', 'y']);
      expect(configValue(c, 'IKCONFIG')).to.equal('n');
    });
  });
});
