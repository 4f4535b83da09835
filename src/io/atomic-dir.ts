// A set of files written as one directory that replaces an earlier one
// only when complete: into a temporary sibling `${dir}.tmp-<pid>`, every
// file and the directory fsynced; then the earlier `dir` is renamed aside
// (`${dir}.old-<pid>`), the new one renamed into place, the earlier one
// removed. Between the two renames `dir` is missing for an instant; a crash
// there leaves the earlier directory aside, and the next write into `dir`
// puts it back before it starts (and removes the temporaries of processes
// that are gone). A failure (a full disk) leaves `dir` as it was.

import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { orUndefined } from '../errors.ts';
import { fsyncDir } from './atomic.ts';
import { processAlive } from './dir-lock.ts';

/** Put back what a crashed writer of `dir` left beside it: its earlier directory, and drop its temporaries. */
function recover(dir: string): void {
  const parent = dirname(dir),
    base = basename(dir);
  for (const name of orUndefined(() => readdirSync(parent)) ?? []) {
    const m = /^(.*)\.(tmp|old)-(\d+)$/.exec(name);
    if (!m || m[1] !== base || processAlive(Number(m[3]))) continue;
    if (m[2] === 'old' && !existsSync(dir)) renameSync(join(parent, name), dir);
    else rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function writeSynced(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'wx');
  try {
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write `files` (plain names → bytes) as the directory `dir`, replacing an earlier `dir` only once all of them are written. */
export function writeDirAtomic(dir: string, files: Iterable<[string, Uint8Array]>): void {
  recover(dir);
  const tmp = `${dir}.tmp-${process.pid}`,
    old = `${dir}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(tmp);
  try {
    for (const [name, bytes] of files) {
      if (name !== basename(name) || name === '.' || name === '..')
        throw new Error(`writeDirAtomic: '${name}' is not a plain file name`);
      writeSynced(join(tmp, name), bytes);
    }
    fsyncDir(tmp);
    const replacing = existsSync(dir);
    if (replacing) renameSync(dir, old);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (replacing) renameSync(old, dir);
      throw e;
    }
    fsyncDir(dirname(dir));
    if (replacing) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
