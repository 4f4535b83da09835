// An export on disk: the directory check, and the files of buildExport
// written as one directory renamed into place (io/atomic-dir.ts): an
// earlier export is replaced only by a complete one.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, orUndefined } from '../errors.ts';
import { writeDirAtomic } from '../io/atomic-dir.ts';
import { onPath } from '../io/fs-error.ts';
import { EXPORT_FORMAT, MANIFEST } from './manifest.ts';

/** May `dir` receive an export? It must be new, empty, or an earlier export (which is replaced). */
export function checkExportDir(dir: string, label: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InputError(`${label} ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length === 0) return;
  // No or an unreadable manifest: not ours.
  const format = orUndefined(() => JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).format);
  if (format !== EXPORT_FORMAT)
    throw new InputError(`${label} ${dir}: exists and is not a jpvae export directory; refusing to write into it`);
}

/** Write the files into `dir` (checked with checkExportDir first) as one directory that replaces an earlier export only when complete; returns each file's size. */
export function writeExport(
  dir: string,
  files: Record<string, Uint8Array> | Map<string, Uint8Array>,
): Record<string, number> {
  const list = files instanceof Map ? [...files] : Object.entries(files); // a Map: as exportOnnx gave before 0.1
  onPath(dir, () => writeDirAtomic(dir, list));
  return Object.fromEntries(list.map(([file, data]) => [file, data.length]));
}
