import { expect } from 'chai';
import { parseBpftoolProbe } from './host-probe.js';

const SAMPLE = `Scanning system configuration...
bpf() syscall restricted to privileged users (admin can change)
JIT compiler is enabled
Scanning system call availability...
bpf() syscall is available
Scanning eBPF program types...
eBPF program_type socket_filter is available
eBPF program_type sched_cls is available
eBPF program_type xdp is available
eBPF program_type lirc_mode2 is NOT available
Scanning eBPF map types...
eBPF map_type hash is available
eBPF map_type xskmap is available
eBPF map_type ringbuf is available
eBPF map_type cgroup_storage is NOT available
`;

describe('bpftool feature probe parsing', () => {
  it('reads available program and map types, and not the unavailable ones', () => {
    const f = parseBpftoolProbe(SAMPLE, true);
    expect(f.syscall).to.equal(true);
    expect(f.jit).to.equal(true);
    expect([...f.programTypes]).to.have.members(['socket_filter', 'sched_cls', 'xdp']);
    expect(f.mapTypes.has('xskmap')).to.equal(true);
    expect(f.mapTypes.has('cgroup_storage')).to.equal(false);
  });

  it('reports no syscall when bpftool could not use bpf()', () => {
    const f = parseBpftoolProbe('bpf() syscall is NOT available\n', false);
    expect(f.syscall).to.equal(false);
    expect(f.programTypes.size).to.equal(0);
  });
});
