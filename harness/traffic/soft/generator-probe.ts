import { newRunId, runNames } from '../../run/run-context.js';
import { exec } from '../../system/exec.js';
import { parseProfile } from '../streams/stream-model.js';
import { GeneratorUnavailableError } from '../trial-generator.js';
import { sendProfile } from './soft-generator.js';

let answer: Promise<string | undefined> | undefined;

/**
 * Whether dplab-gen can send on this kernel: a few frames onto the loopback of a namespace of
 * its own, removed after. Undefined when it can; else the reason (a kernel that refuses
 * BPF_PROG_RUN with live frames). Asked once per process.
 */
export function softGeneratorRefusal(): Promise<string | undefined> {
  answer ??= (async () => {
    const netns = runNames.netns(newRunId(), 'genprobe');
    await exec('ip', ['netns', 'add', netns]);
    try {
      await exec('ip', ['link', 'set', 'lo', 'up'], { netns });
      const at = (mac: string) => ({ name: 'probe', netns, ifname: 'lo', mac, dutPort: 'lo' });
      const profile = parseProfile({ streams: [{ name: 'probe', frameSize: 64 }], rate: { pps: 1000 }, durationMs: 5 }, 'generator probe');
      await sendProfile(profile, at('02:00:00:00:00:01'), at('02:00:00:00:00:02'));
      return undefined;
    } catch (e) {
      if (e instanceof GeneratorUnavailableError) return e.message;
      throw e;
    } finally {
      await exec('ip', ['netns', 'delete', netns], { allowFail: true });
    }
  })();
  return answer;
}
