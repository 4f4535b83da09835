// An exclusive lock on a directory while a process writes into it: the
// file `train.lock`, naming its owner as "pid host". The lock is written
// whole under a temporary name and hard-linked into place (a link fails
// when the lock exists, as O_EXCL does, and never shows a half-written
// file); where the file system has no hard links it is created with O_EXCL
// and removed again if its write fails. So a lock that names no live owner
// is stale, whatever it holds, and is taken over: empty or damaged (made by
// hand, or by an older version on a full disk), its pid gone on this host
// (killed, the machine rebooted), or this process's own pid while this
// process holds no lock there (a container restarted under the same pid).
// A live owner's lock refuses the second writer in one line; a lock of
// another host cannot be checked from here, and its line says to remove it
// if that process is gone. A lock that cannot be written (a full disk) is
// one line, and nothing of it is left behind.

import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, orUndefined } from '../errors.ts';
import { errnoCode, fileError } from './fs-error.ts';

export const LOCK_FILE = 'train.lock';

/** Is process `pid` alive on this machine? (EPERM: it is, under another user.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The locks this process holds (their paths): its own pid in a lock it does not hold is a previous life's. */
const held = new Set<string>();

/** Does the text of a lock name an owner that may be alive? */
function liveOwner(text: string, path: string): { pid: string; host: string } | undefined {
  const m = /^(\d+) (\S+)\n?$/.exec(text);
  if (!m) return undefined; // empty or damaged: no owner
  const [, pid, host] = m;
  if (host !== hostname()) return { pid, host }; // cannot be checked from here
  if (Number(pid) === process.pid) return held.has(path) ? { pid, host } : undefined;
  return processAlive(Number(pid)) ? { pid, host } : undefined;
}

/** Put the lock `text` at `path` whole; false when a lock is there already. */
function place(path: string, text: string, label: string): boolean {
  const fail = (e: unknown) => fileError(e, path, label, 'cannot create the lock');
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { flag: 'w' });
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].includes(errnoCode(e) ?? '')) throw fail(e);
  } finally {
    rmSync(tmp, { force: true });
  }
  // No hard links here: an exclusive create, removed again when its write fails.
  try {
    writeFileSync(path, text, { flag: 'wx' });
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    rmSync(path, { force: true }); // nothing there unless the create succeeded
    throw fail(e);
  }
}

/** Lock `dir` (which must exist) for this process; returns the release. `label` names the directory in messages. */
export function lockDir(dir: string, label: string): () => void {
  const path = resolve(join(dir, LOCK_FILE)),
    me = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; !place(path, me, label); attempt++) {
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' && attempt < 4) continue; // released meanwhile
      throw fileError(e, path, label, 'cannot read the lock');
    }
    const owner = liveOwner(text, path);
    if (owner) {
      const elsewhere = owner.host !== hostname();
      throw new InputError(
        `${label} ${dir}: in use by process ${owner.pid}${elsewhere ? ` on ${owner.host}` : ''} (${join(dir, LOCK_FILE)}); wait for it to finish${elsewhere ? ', or remove the lock if that process is gone' : ''}`,
      );
    }
    if (attempt >= 4)
      throw new InputError(`${label} ${dir}: could not take over the stale lock ${join(dir, LOCK_FILE)}`);
    // Stale: moved aside under a name of our own first, so that of two processes taking it over only one removes it.
    orUndefined(() => {
      renameSync(path, `${path}.stale-${process.pid}`); // fails when another took it over
      rmSync(`${path}.stale-${process.pid}`, { force: true });
    });
  }
  held.add(path);
  const release = () => {
    process.off('exit', release);
    held.delete(path);
    orUndefined(() => {
      if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true }); // the read fails when it is already gone
    });
  };
  process.on('exit', release);
  return release;
}
