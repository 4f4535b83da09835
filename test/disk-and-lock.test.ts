// Runs under hostile conditions: a directory lock that names no live owner
// (empty, damaged) never blocks; a full disk during `train --resume` is one
// line and exit 1, with the model directory as it was and no lock left
// behind, and the same command resumes once space is back (a small tmpfs:
// root mounts it, as CI runs); `reproduce` starts its jobs from its own
// module even when the path it was launched by is gone.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, jpvae, snapshot, tempDir } from './util.ts';

const SMALL = ['--train-limit', '200', '--hidden', '16', '--latent', '2', '--seed', '2'];
const epochOf = (m: string) => JSON.parse(readFileSync(join(m, 'model.json'), 'utf8')).training.state.epoch as number;

/** One line on stderr, and no stack trace. */
const oneLine = (err: string) => err.trim().split('\n').length === 1 && !/\n\s+at /.test(err);

test('a lock that names no live owner (empty, damaged) never blocks, and is gone after the run', (t) => {
  const m = join(tempDir(t), 'm');
  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', m).code, 0);
  for (const [i, text] of ['', 'not a pid\n'].entries()) {
    writeFileSync(join(m, 'train.lock'), text);
    const r = jpvae('train', '--resume', m, '--epochs', String(i + 2));
    t.is(r.code, 0, r.err);
    t.is(epochOf(m), i + 2);
    t.false(existsSync(join(m, 'train.lock')));
  }
});

/** Fill the file system under `dir` with `name` until it is full. */
function fill(dir: string, name: string): void {
  const fd = openSync(join(dir, name), 'w'),
    block = new Uint8Array(1 << 16);
  try {
    for (let size = block.length; size >= 1;)
      try {
        writeSync(fd, block, 0, size);
      } catch {
        size >>= 1; // ENOSPC: the last pages in smaller writes
      }
  } finally {
    closeSync(fd);
  }
}

test.serial(
  'train --resume on a full disk: exit 1, one line, nothing changed, no lock left; it resumes once space is back',
  (t) => {
    const mnt = tempDir(t);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mount.status !== 0) {
      // Only where mounting is not ours to do: as root (CI) a failed mount fails the test.
      t.not(process.getuid?.(), 0, `mount failed as root: ${mount.stderr}`);
      t.log(`skipped: a tmpfs cannot be mounted here (not root): ${mount.stderr.trim()}`);
      return;
    }
    try {
      const m = join(mnt, 'm');
      t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', m).code, 0);
      // Two fillers: without the small one there is room for the lock but not for a checkpoint.
      writeFileSync(join(mnt, 'room'), new Uint8Array(64 << 10));
      fill(mnt, 'filler');
      const before = snapshot(m);
      for (const room of [false, true]) {
        if (room) rmSync(join(mnt, 'room'));
        const r = jpvae('train', '--resume', m, '--epochs', '2');
        t.is(r.code, 1, r.err);
        t.true(oneLine(r.err), r.err);
        t.regex(r.err, /no space left on device \(ENOSPC\)/);
        t.is(snapshot(m), before, room ? 'room for the lock only' : 'a full disk');
      }
      rmSync(join(mnt, 'filler'));
      const r = jpvae('train', '--resume', m, '--epochs', '2');
      t.is(r.code, 0, r.err);
      t.is(epochOf(m), 2);
      t.false(existsSync(join(m, 'train.lock')));
    } finally {
      spawnSync('umount', [mnt]);
    }
  },
);

test('reproduce runs its jobs from its own module when the path it was launched by is gone', (t) => {
  const dir = tempDir(t),
    shim = join(dir, 'npx-shim', 'jpvae.mjs');
  // An npx-like launcher whose directory disappears once it has started jpvae.
  mkdirSync(join(dir, 'npx-shim'));
  writeFileSync(
    shim,
    `import { rmSync } from 'node:fs';\nrmSync(new URL('.', import.meta.url), { recursive: true });\nawait import(${JSON.stringify(pathToFileURL(BIN).href)});\n`,
  );
  const args = [
    '--priors',
    'zero',
    '--seeds',
    '1',
    '--epochs',
    '1',
    '--train-limit',
    '200',
    '--classifier-epochs',
    '0',
  ];
  const r = spawnSync(process.execPath, [shim, 'reproduce', ...args, '--jobs', '1', '--out', join(dir, 'out')], {
    encoding: 'utf8',
  });
  t.false(existsSync(shim));
  t.is(r.status, 0, r.stderr);
  t.true(existsSync(join(dir, 'out', 'table1.md')));
});
