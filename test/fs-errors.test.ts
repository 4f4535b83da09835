// File-system failures as one line naming the path, with the contract's
// exit code (2: the path given cannot serve; 1: the machine failed under a
// good path), nothing half-written left: a full disk and a read-only one
// on small tmpfs mounts (CI runs as root; elsewhere those tests are skipped,
// and say so), a directory where a file belongs, a missing parent, no
// permission (as the unprivileged user nobody), and the export directory
// that replaces an earlier one only when complete.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { writeDirAtomic } from '../src/io/atomic-dir.ts';
import { writeH5ad } from './h5ad-file.ts';
import { BIN, jpvae, snapshot, tempDir } from './util.ts';

const SMALL = ['--train-limit', '200', '--hidden', '16', '--latent', '2', '--seed', '2'];

/** Can this process mount a tmpfs (root, and a kernel that lets it)? */
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const d = mkdtempSync(join(tmpdir(), 'jpvae-mount-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d]).status === 0;
  if (ok) spawnSync('umount', [d]);
  rmSync(d, { recursive: true, force: true });
  return ok;
})();
// As root (CI) they run, and a mount that fails fails them: only a process that may not mount skips them.
const onTmpfs = canMount || process.getuid?.() === 0 ? test.serial : test.skip;
if (!canMount) console.log('# skipped: the disk-full and read-only tests need to mount a tmpfs (run as root)');

/** A tmpfs of `kb` KiB, unmounted when the test ends. */
function tmpfs(t: { teardown(fn: () => void): void }, kb: number): string {
  const d = mkdtempSync(join(tmpdir(), 'jpvae-tmpfs-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', d]).status !== 0)
    throw new Error('mount failed');
  t.teardown(() => {
    spawnSync('umount', ['-l', d]);
    rmSync(d, { recursive: true, force: true });
  });
  return d;
}

/** Fill `dir`'s file system but for about `leave` bytes. */
function fill(dir: string, leave: number): void {
  const chunk = Buffer.alloc(4096);
  let n = 0;
  try {
    for (;;) {
      writeFileSync(join(dir, `filler-${n}`), chunk);
      n++;
    }
  } catch {
    /* full */
  }
  for (let freed = 0; freed < leave && n > 0; freed += 4096) rmSync(join(dir, `filler-${--n}`));
}

let trained: string | undefined;
/** A small trained hvdMNIST model, made once. */
function model(): string {
  if (!trained) {
    trained = join(mkdtempSync(join(tmpdir(), 'jpvae-fs-')), 'm');
    const r = jpvae('train', ...SMALL, '--epochs', '1', '--out', trained);
    if (r.code !== 0) throw new Error(r.err);
  }
  return trained;
}
test.after.always(() => {
  if (trained) rmSync(join(trained, '..'), { recursive: true, force: true });
});

function oneLine(t: any, r: { code: number | null; err: string }, code: number, message: RegExp): void {
  t.is(r.code, code, r.err);
  t.regex(r.err, message);
  t.is(r.err.trim().split('\n').length, 1, r.err);
}

onTmpfs(
  'train --resume on a full disk, then with room for the lock only: exit 1, one line, the directory as it was and no lock left; it resumes once space is back',
  (t) => {
    const disk = tmpfs(t, 4096),
      m = join(disk, 'm');
    cpSync(model(), m, { recursive: true });
    writeFileSync(join(disk, 'room'), new Uint8Array(64 << 10)); // freed for the second try
    fill(disk, 0);
    const before = snapshot(m);
    for (const room of [false, true]) {
      if (room) rmSync(join(disk, 'room'));
      oneLine(t, jpvae('train', '--resume', m, '--epochs', '2'), 1, /no space left on device \(ENOSPC\)/);
      t.is(snapshot(m), before, room ? 'room for the lock only' : 'a full disk');
    }
    for (const name of readdirSync(disk)) if (name.startsWith('filler-')) rmSync(join(disk, name));
    const r = jpvae('train', '--resume', m, '--epochs', '2');
    t.is(r.code, 0, r.err);
    t.is(JSON.parse(readFileSync(join(m, 'model.json'), 'utf8')).training.state.epoch, 2);
    t.false(existsSync(join(m, 'train.lock')));
  },
);

onTmpfs(
  'a full disk: train stops before the first epoch, export keeps the earlier export whole, impute (CSV, or an AnnData copy HDF5 cannot finish) leaves no file; one line, exit 1',
  async (t) => {
    await h5wasm.ready;
    const small = tmpfs(t, 256),
      m = model();
    // The checkpoint (weights and Adam's moments, ~330 KB) cannot fit: refused before any epoch runs.
    const tr = jpvae('train', ...SMALL, '--epochs', '1', '--out', join(small, 'm'));
    oneLine(t, tr, 1, new RegExp(`--out ${small}/m: cannot write: no space left on device \\(ENOSPC\\)`));
    t.notRegex(tr.err, /epoch 1/);
    t.deepEqual(readdirSync(small), []); // the directory it made is gone again

    const disk = tmpfs(t, 2048),
      e = join(disk, 'e');
    t.is(jpvae('export', '--model', m, '--out', e).code, 0);
    const before = snapshot(e);
    fill(disk, 64 << 10);
    const ex = jpvae('export', '--model', m, '--out', e);
    oneLine(t, ex, 1, new RegExp(`${e}: cannot write: no space left on device \\(ENOSPC\\)`));
    t.is(snapshot(e), before);
    t.deepEqual(
      readdirSync(disk).filter((n) => !n.startsWith('filler-')),
      ['e'],
    );

    const input = join(disk, '..', 'rows.csv');
    writeFileSync(input, Array.from({ length: 2000 }, () => Array(392).fill('0.5').join(',')).join('\n') + '\n');
    t.teardown(() => rmSync(input, { force: true }));
    const im = jpvae('impute', '--model', m, '--given', '1', '--input', input, '--out', join(disk, 'x.csv'));
    oneLine(t, im, 1, new RegExp(`${disk}/x\\.csv: cannot write: no space left on device \\(ENOSPC\\)`));
    t.deepEqual(
      readdirSync(disk).filter((n) => !n.startsWith('filler-')),
      ['e'],
    );

    // An AnnData output with room for the copy of its input but not for the imputed view: HDF5 says so only as it closes.
    const h5 = join(disk, '..', 'rows.h5ad');
    writeH5ad(
      h5,
      Array.from({ length: 300 }, () => Array(392).fill(0.5)),
      Array.from({ length: 300 }, (_, i) => `s${i}`),
    );
    t.teardown(() => rmSync(h5, { force: true }));
    for (const name of readdirSync(disk)) if (name.startsWith('filler-')) rmSync(join(disk, name));
    fill(disk, statSync(h5).size + (64 << 10));
    const ad = jpvae('impute', '--model', m, '--given', '1', '--input', h5, '--out', join(disk, 'x.h5ad'));
    oneLine(t, ad, 1, new RegExp(`${disk}/x\\.h5ad: cannot write: no space left on device \\(ENOSPC\\)`));
    t.deepEqual(
      readdirSync(disk).filter((n) => !n.startsWith('filler-')),
      ['e'],
    );
  },
);

onTmpfs('a read-only file system: train, export and impute each stop in one line, exit 2', (t) => {
  const ro = tmpfs(t, 256),
    m = model();
  t.is(spawnSync('mount', ['-o', 'remount,ro', ro]).status, 0);
  oneLine(
    t,
    jpvae('train', ...SMALL, '--epochs', '1', '--out', join(ro, 'm')),
    2,
    new RegExp(`--out ${ro}/m: cannot create: read-only file system \\(EROFS\\)`),
  );
  oneLine(
    t,
    jpvae('export', '--model', m, '--out', join(ro, 'e')),
    2,
    new RegExp(`${ro}/e: cannot write: read-only file system \\(EROFS\\)`),
  );
  const input = join(tempDir(t), 'rows.csv');
  writeFileSync(input, Array(392).fill('1').join(',') + '\n');
  oneLine(
    t,
    jpvae('impute', '--model', m, '--given', '1', '--input', input, '--out', join(ro, 'x.csv')),
    2,
    /x\.csv: cannot write.*\(EROFS\)/,
  );
});

test('a directory where a file belongs, a missing parent, a file where a directory belongs: one line each, exit 2, nothing written', (t) => {
  const dir = tempDir(t),
    m = model(),
    input = join(dir, 'rows.csv');
  writeFileSync(input, Array(392).fill('1').join(',') + '\n');
  mkdirSync(join(dir, 'adir'));
  mkdirSync(join(dir, 'bdir.csv'));
  writeFileSync(join(dir, 'afile'), 'x');
  const cases: [string[], RegExp][] = [
    [
      ['impute', '--model', m, '--given', '1', '--input', input, '--out', join(dir, 'adir')],
      /--out .*adir: is a directory/,
    ],
    [['eval', '--model', m, '--figure', join(dir, 'adir')], /--figure .*adir: cannot write: is a directory \(EISDIR\)/],
    [
      ['eval', '--model', m, '--figure', join(dir, 'missing', 'f.png')],
      /--figure .*missing\/f\.png: cannot write: no such file or directory \(ENOENT\)/,
    ],
    [
      ['impute', '--model', m, '--given', '1', '--input', input, '--out', join(dir, 'missing', 'x.csv')],
      /--out .*missing\/x\.csv: cannot write: no such file or directory \(ENOENT\)/,
    ],
    [['train', ...SMALL, '--epochs', '1', '--out', join(dir, 'afile')], /--out .*afile: exists and is not a directory/],
    [
      ['train', ...SMALL, '--epochs', '1', '--out', join(dir, 'afile', 'm')],
      /--out .*afile\/m: cannot create: a part of the path is not a directory \(ENOTDIR\)/,
    ],
    [['export', '--model', m, '--out', join(dir, 'afile')], /--out .*afile: exists and is not a directory/],
    [
      ['eval', '--model', m, '--view1', join(dir, 'bdir.csv'), '--view2', input],
      /--view1 .*bdir\.csv: cannot read \(EISDIR\)/,
    ],
  ];
  const before = snapshot(dir);
  for (const [args, message] of cases) oneLine(t, jpvae(...args), 2, message);
  t.is(snapshot(dir), before);
});

test('no permission (as the user nobody): one line, exit 2', (t) => {
  if (process.getuid?.() !== 0) {
    t.log('skipped: needs root to run as nobody');
    t.pass();
    return;
  }
  const dir = tempDir(t),
    locked = join(dir, 'locked'),
    m = join(dir, 'm');
  mkdirSync(locked, { mode: 0o755 }); // root's: nobody may not write into it
  cpSync(model(), m, { recursive: true });
  chmodSync(dir, 0o755);
  const asNobody = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', uid: 65534, gid: 65534, cwd: '/' });
    return { code: r.status, err: r.stderr };
  };
  const probe = asNobody('--version');
  if (probe.code !== 0) {
    t.log(`skipped: nobody cannot run jpvae here (${probe.err.trim().split('\n')[0]})`);
    t.pass();
    return;
  }
  oneLine(
    t,
    asNobody('train', ...SMALL, '--epochs', '1', '--out', join(locked, 'm')),
    2,
    /--out .*locked\/m: cannot create: permission denied \(EACCES\)/,
  );
  oneLine(
    t,
    asNobody('export', '--model', m, '--out', join(locked, 'e')),
    2,
    /locked\/e: cannot write: permission denied \(EACCES\)/,
  );
  oneLine(
    t,
    asNobody('train', '--resume', m, '--epochs', '2'),
    2,
    /--resume .*m\/train\.lock: cannot create the lock: permission denied \(EACCES\)/,
  );
  t.deepEqual(readdirSync(locked), []);
});

test("writeDirAtomic: a failure part way leaves the earlier directory whole; a crashed writer's leftovers are put right", (t) => {
  const dir = tempDir(t),
    out = join(dir, 'out');
  writeDirAtomic(out, [
    ['a', Buffer.from('1')],
    ['b', Buffer.from('2')],
  ]);
  const failing = function* (): Generator<[string, Uint8Array]> {
    yield ['a', Buffer.from('new')];
    throw new Error('disk gone');
  };
  t.throws(() => writeDirAtomic(out, failing()), { message: 'disk gone' });
  t.deepEqual(readdirSync(dir), ['out']);
  t.is(readFileSync(join(out, 'a'), 'utf8'), '1');
  t.throws(() => writeDirAtomic(out, [['../x', Buffer.from('')]]), { message: /not a plain file name/ });
  // A writer killed between its two renames left the earlier directory aside and none in place.
  const gone = Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
  );
  cpSync(out, `${out}.old-${gone}`, { recursive: true });
  rmSync(out, { recursive: true });
  mkdirSync(`${out}.tmp-${gone}`);
  writeDirAtomic(join(dir, 'other'), []); // another directory: this one's leftovers stay
  t.true(existsSync(`${out}.old-${gone}`));
  writeDirAtomic(out, [['c', Buffer.from('3')]]);
  t.deepEqual(readdirSync(dir).sort(), ['other', 'out']);
  t.deepEqual(readdirSync(out), ['c']);
});
