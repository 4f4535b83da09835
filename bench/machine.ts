// The machine and versions every bench result is printed with, in the
// shape `npm run bench -- --json` reports them (src/bench/machine.ts
// gathers them).

import { machineInfo } from '../src/bench/machine.ts';

export function machineAndVersions() {
  const m = machineInfo();
  return {
    machine: { cpu: m.cpu, cores: m.cores, node: m.node, v8: m.v8, os: m.os },
    versions: { jpvae: m.jpvae, assemblyscript: m.assemblyscript },
  };
}
