import { expect } from 'chai';
import { exec, hasCommand } from '../system/exec.js';
import { formatOfctlFlow, formatOfctlGroup } from './format.js';
import { parseOfctlFlows, parseOfctlGroups } from './parse.js';
import { NEW_FLOWS, NEW_GROUPS } from './extended.test.js';

const o = { source: 'flows.txt', ports: { p1: 1, p2: 2, p3: 3, vx0: 10 } };

/**
 * What real ovs-ofctl makes of the canonical forms. It is tried as the OVS backend sends rules:
 * OpenFlow 1.0 first, then the version ovs-ofctl says it needs (meter 1.3, clone 1.1+, a group's
 * selection_method 1.5). ovs-ofctl parse-flow exits 0 even when it drops a field from the match
 * ("normalization changed") or cannot decode what it encoded, so its output is read too.
 */
async function ofctl(command: 'parse-flow' | 'parse-group', text: string): Promise<string> {
  let r = await exec('ovs-ofctl', ['-O', 'OpenFlow10', command, text], { allowFail: true });
  for (const version of ['OpenFlow13', 'OpenFlow15']) {
    if (r.code === 0 || !/usable protocol/.test(r.stderr)) break;
    r = await exec('ovs-ofctl', ['-O', version, command, text], { allowFail: true });
  }
  const out = `${r.stdout}${r.stderr}`;
  if (r.code !== 0 || /decode error|normalization changed|WARN|ERR/.test(out)) return out.trim();
  return '';
}

describe('ovs-ofctl accepts what formatOfctlFlow and formatOfctlGroup write', function () {
  before(async function () {
    if (!(await hasCommand('ovs-ofctl'))) this.skip(); // ovs-ofctl is not installed here: nothing to check against
  });

  for (const text of NEW_FLOWS) {
    it(text, async () => {
      const canon = formatOfctlFlow(parseOfctlFlows(text, o)[0] as never);
      expect(await ofctl('parse-flow', canon), canon).to.equal('');
    });
  }

  for (const text of NEW_GROUPS) {
    it(text, async () => {
      const canon = formatOfctlGroup(parseOfctlGroups(text, o)[0] as never);
      expect(await ofctl('parse-group', canon), canon).to.equal('');
    });
  }
  // Meters: ovs-ofctl has no offline meter parser (no parse-meter command), so the meter
  // printer is checked by its round trip only (extended.test.ts).
});
