// CI installs as a newcomer does: .ci/run exports no variable of ours (a
// green CI must not hide an install that fails without one), and the
// project's own npm configuration keeps onnxruntime-node's install script
// from downloading binaries from outside the npm registry.

import test from 'ava';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

test('.ci/run sets no environment variable', (t) => {
  const lines = read('.ci/run')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'));
  t.deepEqual(
    lines.filter((l) => /^\s*(export\s+\w+=|\w+=\S*\s+(npm|node|bash)\b)/.test(l)),
    [],
  );
});

test("the project's .npmrc skips onnxruntime-node's download", (t) => {
  const settings = read('.npmrc')
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  t.true(settings.includes('onnxruntime-node-install=skip'));
});
