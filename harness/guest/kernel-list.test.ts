import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestError } from './guest-kernel.js';
import { resolveKernels } from './kernel-list.js';

async function refusal(list: string, modules?: string): Promise<string> {
  try {
    await resolveKernels(list, modules);
  } catch (e) {
    expect(e).to.be.instanceOf(GuestError);
    return (e as Error).message;
  }
  throw new Error(`--kernel ${list} was accepted`);
}

describe('the --kernel list', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dplab-kernels-'));
    // A user's UML binary with its modules tree: uml:PATH resolves without booting it.
    mkdirSync(join(root, 'lib/modules/6.13.0-rc1'), { recursive: true });
    writeFileSync(join(root, 'lib/modules/6.13.0-rc1/modules.dep'), '');
    writeFileSync(join(root, 'linux'), '');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is the host kernel alone by default, tagged host', async () => {
    expect(await resolveKernels('host', undefined)).to.deep.equal([{ spec: 'host', tag: 'host' }]);
  });

  it('tags a kernel image of the user by its kind and the release of its modules tree', async () => {
    const [host, uml] = await resolveKernels(`host,uml:${join(root, 'linux')}`, join(root, 'lib/modules/6.13.0-rc1'));
    expect([host?.tag, uml?.tag, uml?.guest?.kind, uml?.guest?.version]).to.deep.equal(['host', 'uml-6.13.0-rc1', 'uml', '6.13.0-rc1']);
  });

  it('refuses a kernel given twice and an empty entry', async () => {
    expect(await refusal('host,host')).to.equal('--kernel host,host: host given twice');
    expect(await refusal('host,')).to.equal('--kernel host,: an empty kernel in the list');
  });

  it('takes --modules only for an image of the user, and for one image at a time', async () => {
    expect(await refusal('host', '/tmp')).to.equal('--modules: only with a kernel image or uml:PATH in --kernel (host brings its own)');
    expect(await refusal('/boot/a,/boot/b', '/tmp')).to.equal(
      '--kernel /boot/a,/boot/b: /boot/a and /boot/b would share one --modules tree; give one image per run',
    );
  });
});
