// What a benchmark ran on: printed with every result, since speed numbers
// mean nothing without the machine and versions.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, platform, release } from 'node:os';
import { createRequire } from 'node:module';
import { PACKAGE_VERSION } from '../version.ts';

const require = createRequire(import.meta.url);
/** A dependency's version: its package.json by module resolution, or in our node_modules (some packages do not export it). */
export const versionOf = (pkg: string): string => {
  for (const path of [
    () => require.resolve(`${pkg}/package.json`),
    () => fileURLToPath(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url)),
  ]) {
    try {
      return JSON.parse(readFileSync(path(), 'utf8')).version;
    } catch {
      /* try the next place */
    }
  }
  return 'unknown';
};

export function machineInfo() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    load_average: loadavg().map((x) => Number(x.toFixed(2))), // 1, 5 and 15 min, as the bench starts: other processes' share of the cores
    os: `${platform()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    jpvae: PACKAGE_VERSION,
    assemblyscript: versionOf('assemblyscript'),
    onnxruntime_web: versionOf('onnxruntime-web'),
    onnxruntime_node: versionOf('onnxruntime-node'),
  };
}
