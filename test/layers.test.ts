// The layering rule of ARCHITECTURE.md, checked on the import graph of
// src/: a module imports only from its own layer or the layers below it.
// A new import that points upward fails here, naming the file and line.

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Bottom to top; a folder may import from any folder at its rank or below. */
const LAYERS: string[][] = [
  ['core', 'linalg', 'errors.ts', 'version.ts'],
  ['io'],
  ['data'],
  ['model'],
  ['train'],
  ['threads'],
  ['impute'],
  ['store'],
  ['eval'],
  ['plot'],
  ['onnx'],
  ['runtime'],
  ['bench'],
  ['api'],
  ['cli'],
  ['index.ts', 'node.ts'],
];
const rank = (path: string): number => {
  const top = relative(SRC, path).split(/[\\/]/)[0];
  const r = LAYERS.findIndex((l) => l.includes(top));
  if (r < 0) throw new Error(`src/${top}: not in any layer of test/layers.test.ts (add it, and to ARCHITECTURE.md)`);
  return r;
};

const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(SRC, f));

test('no module of src/ imports from a layer above its own', (t) => {
  const upward: string[] = [];
  let edges = 0;
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    // `… from './x.ts'` (also after a multi-line import list) and `import('./x.ts')`.
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      edges++;
      const target = resolve(dirname(file), m[1]),
        line = text.slice(0, m.index).split('\n').length;
      if (rank(target) > rank(file))
        upward.push(`src/${relative(SRC, file)}:${line} imports src/${relative(SRC, target)}`);
    }
  }
  t.true(edges > 100, `only ${edges} imports found: is the pattern still right?`);
  t.deepEqual(upward, []);
});

test('the check sees an upward import', (t) => {
  t.true(rank(join(SRC, 'model/jpvae.ts')) < rank(join(SRC, 'train/trainer.ts')));
  t.true(rank(join(SRC, 'core/kernels.ts')) < rank(join(SRC, 'cli/main.ts')));
});
