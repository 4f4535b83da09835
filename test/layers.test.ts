// The layering rule of ARCHITECTURE.md, checked on the import graph of
// src/: a module imports only from its own layer or the layers below it.
// A new import that points upward fails here, naming the file and line.

import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Bottom to top, as ARCHITECTURE.md's layer list has them (read from its
 * first code block: each line's leading `folder/` names, top line first);
 * a folder may import from any folder at its rank or below. The files at
 * src/'s top sit at the bottom (errors.ts, version.ts) and the top (the
 * entry points).
 */
const DIAGRAM = readFileSync(new URL('../ARCHITECTURE.md', import.meta.url), 'utf8').split('```')[1];
const LAYERS: string[][] = [
  ...DIAGRAM.split('\n')
    .map((line) => [...(/^((?:[a-z]+\/\s+)+)/.exec(line)?.[1] ?? '').matchAll(/([a-z]+)\//g)].map((m) => m[1]))
    .map((names) => names.filter((n) => existsSync(join(SRC, n))))
    .filter((names) => names.length > 0)
    .reverse(),
  ['index.ts', 'node.ts'],
];
LAYERS[0].push('errors.ts', 'version.ts');
const rank = (path: string): number => {
  const top = relative(SRC, path).split(/[\\/]/)[0];
  const r = LAYERS.findIndex((l) => l.includes(top));
  if (r < 0)
    throw new Error(`src/${top}: not in any layer of test/layers.test.ts (add it to ARCHITECTURE.md's layer list)`);
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

test("ARCHITECTURE.md's layer list names every folder of src/, once", (t) => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  t.deepEqual(
    LAYERS.flat()
      .filter((n) => !n.endsWith('.ts'))
      .sort(),
    folders.sort(),
  );
  t.deepEqual(LAYERS.slice(0, 3), [['core', 'linalg', 'errors.ts', 'version.ts'], ['io'], ['data']]);
});

test('the check sees an upward import', (t) => {
  t.true(rank(join(SRC, 'model/jpvae.ts')) < rank(join(SRC, 'train/trainer.ts')));
  t.true(rank(join(SRC, 'core/kernels.ts')) < rank(join(SRC, 'cli/main.ts')));
});
