// The compiled package: src/ → dist/ (ESM .js and .d.ts) through tsc, then
// the files src/ holds beside its modules that are not TypeScript (read at
// run time relative to the module, like onnx.proto).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.ts$/.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name),
    to = join(root, 'dist', from.slice(join(root, 'src').length));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
chmodSync(join(root, 'dist/cli/bin.js'), 0o755);
