// What a benchmark ran on: printed with every result, since speed numbers
// mean nothing without the machine and versions.

import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { createRequire } from 'node:module';
import { PACKAGE_VERSION } from '../model/store.ts';

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string => {
  try { return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version; } catch { return 'unknown'; }
};

export function machineInfo() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    os: `${platform()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    jpvae: PACKAGE_VERSION,
    assemblyscript: versionOf('assemblyscript'),
    onnxruntime_web: versionOf('onnxruntime-web'),
  };
}
