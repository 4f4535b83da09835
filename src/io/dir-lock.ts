// An exclusive lock on a directory while a process writes into it: the
// file `train.lock` created with O_EXCL, holding the owner's pid and host.
// A lock whose process is gone (killed, the machine rebooted) is stale and
// taken over; a live owner's lock refuses the second writer in one line.

import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { fileError } from './fs-error.ts';

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

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Lock `dir` (which must exist) for this process; returns the release. `label` names the directory in messages. */
export function lockDir(dir: string, label: string): () => void {
  const path = join(dir, LOCK_FILE),
    me = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(e, path, label, 'cannot create the lock');
      let owner = '';
      try {
        owner = readFileSync(path, 'utf8');
      } catch {
        /* released meanwhile */
      }
      const [pid, host] = owner.trim().split(' ');
      const live = owner === '' ? attempt >= 4 : host !== hostname() || processAlive(Number(pid)); // '': its owner is still writing it
      if (live) {
        const elsewhere = host !== undefined && host !== hostname();
        throw new InputError(
          `${label} ${dir}: in use by ${pid ? `process ${pid}${elsewhere ? ` on ${host}` : ''}` : 'another process'} (${path}); wait for it to finish${elsewhere ? ', or remove the lock if that process is gone' : ''}`,
        );
      }
      if (owner === '') {
        pause(25);
        continue;
      }
      // Stale: moved aside under a name of our own first, so that of two processes taking it over only one removes it.
      try {
        renameSync(path, `${path}.stale-${process.pid}`);
        rmSync(`${path}.stale-${process.pid}`, { force: true });
      } catch {
        /* another took it over */
      }
      if (attempt >= 4) throw new InputError(`${label} ${dir}: could not take over the stale lock ${path}`);
      continue;
    }
    try {
      writeSync(fd, me);
    } finally {
      closeSync(fd);
    }
    const release = () => {
      process.off('exit', release);
      try {
        if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true });
      } catch {
        /* already gone */
      }
    };
    process.on('exit', release);
    return release;
  }
}
