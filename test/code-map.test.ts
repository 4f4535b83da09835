// ARCHITECTURE.md's code map names every folder of src/ and every
// folder at the top of the repository (but src/ itself and what git ignores:
// dist/, build/, runs/),
// so a new folder without a line there fails here.

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url);
const NOT_SOURCE = ['src', 'dist', 'build', 'runs', 'node_modules', '.git'];

test("ARCHITECTURE.md's code map names every folder of src/ and of the repository's top", (t) => {
  const text = readFileSync(new URL('ARCHITECTURE.md', ROOT), 'utf8');
  const at = text.indexOf('## Code map');
  t.true(at >= 0, 'ARCHITECTURE.md has no "## Code map" section');
  const map = text.slice(at).split('```')[1];
  const named = new Set(map.split('\n').map((line) => /^(\S+)\s/.exec(line)?.[1]));
  const folders = (dir: URL) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  const missing = [
    ...folders(new URL('src/', ROOT)).map((f) => `src/${f}`),
    ...folders(ROOT).filter((f) => !NOT_SOURCE.includes(f)),
  ].filter((f) => !named.has(f));
  t.deepEqual(missing, []);
});
