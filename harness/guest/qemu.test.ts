import { expect } from 'chai';
import { qemuAccel, tcgThreads } from './qemu.js';

const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme de pse tsc msr ${flags} lm\n`;

describe('qemu accelerator', () => {
  it('uses KVM with /dev/kvm and hardware virtualization (vmx or svm)', () => {
    expect(qemuAccel(true, cpuinfo('vmx'))).to.equal('kvm');
    expect(qemuAccel(true, cpuinfo('svm'))).to.equal('kvm');
  });

  it('uses TCG when /dev/kvm is a software KVM (kvm_pvm: no vmx/svm), where qemu aborts setting MSRs', () => {
    expect(qemuAccel(true, cpuinfo('hypervisor avx2'))).to.equal('tcg');
  });

  it('uses TCG without /dev/kvm, or with no cpuinfo to tell', () => {
    expect(qemuAccel(false, cpuinfo('vmx'))).to.equal('tcg');
    expect(qemuAccel(true, '')).to.equal('tcg');
  });

  it('matches whole flags only', () => {
    expect(qemuAccel(true, cpuinfo('vmxx svm_lock'))).to.equal('tcg');
  });

  it('runs several TCG vCPUs in turn on one thread (live-patched kernel code oopsed with a thread each), one vCPU on its own', () => {
    expect(tcgThreads(1)).to.equal('multi');
    expect(tcgThreads(2)).to.equal('single');
  });
});
