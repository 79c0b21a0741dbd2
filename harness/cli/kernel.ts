import { fetchDebianKernel } from '../guest/debian-kernel.js';
import { GuestError } from '../guest/guest-kernel.js';
import { ExecError } from '../system/exec.js';
import { EnvironmentError, EXIT } from './errors.js';

/** `dplab kernel fetch PACKAGE`: a Debian kernel into the cache, for `--kernel debian:PACKAGE`. */
export async function kernelFetchCommand(pkg: string): Promise<number> {
  if (process.getuid?.() !== 0) throw new EnvironmentError('kernel fetch: must run as root (apt-get download, depmod)');
  try {
    const k = await fetchDebianKernel(pkg, (m) => process.stderr.write(`kernel fetch: ${m}\n`));
    process.stdout.write(`${k.package} ${k.version} ${k.release}\n  image   ${k.image}\n  modules ${k.modules}\nuse: dplab run --kernel debian:${pkg}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof GuestError || e instanceof ExecError) throw new EnvironmentError(`kernel fetch: ${e.message}`);
    throw e;
  }
}
