/**
 * Test helper: a two-port lab (nic) topology's YAML, DUT ports p1 and `p2` (ens1f0/ens1f1)
 * cabled to TRex ports 0 and 1, with `trex` as its generator.trex lines (indented by 2).
 */
export function labYaml(o: { trex?: string; p2?: string } = {}): string {
  const p2 = o.p2 ?? 'p2';
  return `name: lab
kind: nic
dut:
  ports:
    - { name: p1, interface: ens1f0 }
    - { name: ${p2}, interface: ens1f1 }
generator:
${o.trex ? `${o.trex}\n` : ''}  ports:
    - { name: t0, trexPort: 0 }
    - { name: t1, trexPort: 1 }
links:
  - [t0, p1]
  - [t1, ${p2}]
`;
}
