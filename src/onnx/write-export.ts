// An export on disk: the directory check, and the files of buildExport
// written atomically one by one, manifest.json last, so a directory with a
// manifest always holds a complete export.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { EXPORT_FORMAT, MANIFEST } from './manifest.ts';

/** May `dir` receive an export? It must be new, empty, or an earlier export (which is replaced). */
export function checkExportDir(dir: string, flag: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length === 0) return;
  const manifest = join(dir, MANIFEST);
  let format: unknown;
  try { format = JSON.parse(readFileSync(manifest, 'utf8')).format; } catch { /* no or unreadable manifest: not ours */ }
  if (format !== EXPORT_FORMAT) throw new InputError(`${flag} ${dir}: exists and is not a jpvae export directory; refusing to write into it`);
}

/** Write the files into `dir` (checked with checkExportDir first); returns each file's size. */
export function writeExport(dir: string, files: Map<string, Uint8Array>): Record<string, number> {
  mkdirSync(dir, { recursive: true });
  const bytes: Record<string, number> = {};
  const order = [...files.keys()].filter((f) => f !== MANIFEST).concat(MANIFEST);
  for (const file of order) {
    writeFileAtomic(join(dir, file), files.get(file)!);
    bytes[file] = files.get(file)!.length;
  }
  return bytes;
}
