// The model directory on disk (Node): the files of store/files.ts. A save
// writes and fsyncs the new checkpoint files beside the old ones, then
// renames model.json into place (the single switch), then removes what the
// new model.json no longer names: a crash at any point leaves the previous
// checkpoint or the new one, never a mix. While training, train.lock keeps
// a second writer out; readers need no lock (readModelDir reads again when
// model.json changed under it). Every file's size is bounded before it is
// read.

import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { VALUE_LABELS, type InputLabels } from '../data/labels.ts';
import { InputError, orUndefined } from '../errors.ts';
import { fsyncDir, openAtomic, TEMP_SUFFIX } from '../io/atomic.ts';
import { camelCaseKeys } from '../io/json-keys.ts';
import { crashPoint } from '../io/crash-point.ts';
import { LOCK_FILE, lockDir } from '../io/dir-lock.ts';
import { FileSystemError, onPath } from '../io/fs-error.ts';
import { MAX_HEADER_BYTES } from '../io/safetensors.ts';
import { parameterCount } from '../model/config.ts';
import type { Jpvae } from '../model/jpvae.ts';
import {
  asBytes,
  CHECKPOINT_FILE,
  checkWeightsSize,
  decodeTrainState,
  decodeWeights,
  filesOf,
  parseModelJson,
  MODEL_JSON,
  TRAIN_STATE,
  WEIGHTS,
  type ModelFiles,
  type ModelJson,
  type Moments,
} from './files.ts';

export { FORMAT, type ModelJson } from './files.ts';

/** A file a model directory may hold besides model.json: a checkpoint's (of this format or version 1's), a temporary, the lock. */
const ours = (name: string) =>
  CHECKPOINT_FILE.test(name) || TEMP_SUFFIX.test(name) || [LOCK_FILE, WEIGHTS, TRAIN_STATE].includes(name);

/**
 * Is `dir` a directory we may write a model into? New, empty, left over
 * from a first checkpoint that never completed (our files only, no
 * model.json), or a model directory (with `replace`).
 */
export function checkOutDir(
  dir: string,
  label: string,
  replace: boolean,
  labels: Pick<InputLabels, 'heldModel'> = VALUE_LABELS,
): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InputError(`${label} ${dir}: exists and is not a directory`);
  const names = onPath(dir, () => readdirSync(dir), label, 'cannot read');
  if (names.every((n) => n !== MODEL_JSON && ours(n))) return;
  if (!names.includes(MODEL_JSON))
    throw new InputError(`${label} ${dir}: exists and is not a jpvae model directory; refusing to write into it`);
  if (!replace) throw new InputError(`${label} ${dir}: already holds a model; ${labels.heldModel(dir)}`);
}

/**
 * Open `dir` to train a new model into: checked (checkOutDir), created,
 * locked, checked again under the lock (another trainer may have just
 * finished), and cleared of what interrupted saves left. With `replace`,
 * the model already there stays loadable until the first checkpoint.
 * Returns the lock's release.
 */
export function openOutDir(
  dir: string,
  label: string,
  replace: boolean,
  labels: Pick<InputLabels, 'heldModel'> = VALUE_LABELS,
): () => void {
  checkOutDir(dir, label, replace, labels);
  const made = !existsSync(dir);
  // (Not recursive when the parent exists: a recursive mkdir reports a read-only file system as ENOENT.)
  if (made)
    onPath(dir, () => mkdirSync(dir, { recursive: !existsSync(dirname(resolve(dir))) }), label, 'cannot create');
  const unlock = lockDir(dir, label);
  // A directory this run made goes again if it stayed empty (the run stopped before its first checkpoint).
  const release = () => {
    unlock();
    if (made) orUndefined(() => rmdirSync(dir)); // fails when it holds a checkpoint
  };
  try {
    checkOutDir(dir, label, replace, labels);
    cleanModelDir(dir, checkpointOf(dir)); // what interrupted saves left; the model there stays whole
    return release;
  } catch (e) {
    release();
    throw e;
  }
}

/** Lock the model directory `dir` to continue training it (nothing when it is not a directory: reading it will say so). */
export function lockModelDir(dir: string, label: string): () => void {
  return existsSync(dir) && statSync(dir).isDirectory() ? lockDir(dir, label) : () => {};
}

/** The files a model.json names, as far as it can be read (any model's: two-view or M-view, valid or not); none when it cannot. */
type CheckpointRefs = Pick<ModelJson, 'formatVersion' | 'files'>;
function refsOf(text: string): CheckpointRefs | undefined {
  const json = orUndefined(() => camelCaseKeys(JSON.parse(text)) as Partial<CheckpointRefs> | null);
  if (typeof json?.formatVersion !== 'number') return undefined;
  const names = json.files && [json.files.weights, json.files.trainState];
  if (json.formatVersion >= 2 && !names?.every((f) => f === undefined || typeof f?.name === 'string')) return undefined;
  return json as CheckpointRefs;
}

/** The checkpoint model.json in `dir` names (undefined: none, or unreadable). */
function checkpointOf(dir: string): CheckpointRefs | undefined {
  const text = orUndefined(() => readFileSync(join(dir, MODEL_JSON), 'utf8'));
  return text === undefined ? undefined : refsOf(text);
}

/** Remove from `dir` every checkpoint file `json` does not name, and every temporary (the caller holds the lock: no writer is at work). */
export function cleanModelDir(dir: string, json?: CheckpointRefs): void {
  const keep = new Set(json ? Object.values(filesOf(json)).map((f) => f!.name) : []);
  for (const name of readdirSync(dir)) {
    if (name !== MODEL_JSON && name !== LOCK_FILE && ours(name) && !keep.has(name))
      rmSync(join(dir, name), { force: true });
  }
}

/** Write `bytes` to `dir/name` through a fsynced temporary; `label` names the crash test's windows (`label:write`, `label:rename`). */
function writeFileSafely(dir: string, name: string, bytes: Uint8Array, label: string): void {
  const file = openAtomic(join(dir, name)),
    half = bytes.length >> 1;
  file.write(bytes.subarray(0, half));
  crashPoint(`${label}:write`);
  file.write(bytes.subarray(half), half);
  file.commit(() => crashPoint(`${label}:rename`));
}

/**
 * Write a model's files into `dir` as one checkpoint: the files model.json
 * names first, then model.json (the switch), then the files of the previous
 * checkpoint go. A failure before the switch leaves the previous one.
 */
export function writeModelFiles(dir: string, files: ModelFiles): void {
  const others = Object.keys(files).filter((name) => name !== MODEL_JSON);
  try {
    onPath(dir, () => mkdirSync(dir, { recursive: true }));
    for (const name of others)
      writeFileSafely(dir, name, asBytes(files[name]), CHECKPOINT_FILE.exec(name)?.[1] ?? name);
    onPath(dir, () => fsyncDir(dir));
    writeFileSafely(dir, MODEL_JSON, asBytes(files[MODEL_JSON]), MODEL_JSON);
  } catch (e) {
    if (!(e instanceof FileSystemError)) throw e;
    for (const name of others) orUndefined(() => rmSync(join(dir, name), { force: true })); // else the next run cleans up
    throw new FileSystemError(`${e.message}; the previous checkpoint is kept`, e.path, e.code, e.exitCode);
  }
  orUndefined(() => fsyncDir(dir)); // the switch is made; its durability is the file system's
  crashPoint('cleanup');
  const written = refsOf(new TextDecoder().decode(asBytes(files[MODEL_JSON])));
  if (written) orUndefined(() => cleanModelDir(dir, written)); // else the next run cleans up
}

/** model.json past this size is refused unread (a model's is a few hundred KB; 1 M standardised features make 40 MB). */
const MAX_MODEL_JSON_BYTES = 64 << 20;

/** A file's bytes, refused unread when larger than `max`; file-system problems as one line naming it. */
export function readBounded(path: string, max: number, label?: string): Buffer {
  return onPath(
    path,
    () => {
      const fd = openSync(path, 'r');
      try {
        const st = fstatSync(fd);
        if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        if (st.size > max)
          throw new InputError(`${path}: ${st.size} bytes, more than the ${max} a model file of this size can have`);
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    label,
    'cannot read',
  );
}

/** model.json's text in `dir`, bounded and UTF-8 checked (any model's). */
export function readModelText(dir: string, label: string): string {
  const path = join(dir, MODEL_JSON);
  if (!existsSync(path)) throw new InputError(`${label} ${dir}: not a jpvae model directory (no ${MODEL_JSON})`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readBounded(path, MAX_MODEL_JSON_BYTES, label));
  } catch (e) {
    if (e instanceof Error && e.name !== 'TypeError') throw e;
    throw new InputError(`${path}: not valid JSON`);
  }
}

/** model.json of a model directory, validated field by field (model-json.ts) before anything uses it. */
export function readModelJson(dir: string, label = VALUE_LABELS.model): ModelJson {
  const model = parseModelJson(readModelText(dir, label), join(dir, MODEL_JSON));
  // Before any caller allocates a model of the config's size: the weights must be at least that large.
  const weights = join(dir, filesOf(model).weights.name);
  checkWeightsSize(onPath(weights, () => statSync(weights), label, 'cannot read').size, model, weights);
  return model;
}

/** A checkpoint file of `dir` holding `floats` values: bounded by its size in model.json (version 1: by `floats`) before it is read. */
function readCheckpointFile(dir: string, file: { name: string; bytes?: number }, floats: number): Uint8Array {
  return readBounded(join(dir, file.name), file.bytes ?? 8 + MAX_HEADER_BYTES + 4 * floats);
}

/** A model directory's files, as store/files.ts decodes them (the train-state file only when present). */
export function readModelFiles(dir: string, label = VALUE_LABELS.model): ModelFiles {
  return rereadOnSwitch(dir, () => {
    const text = readModelText(dir, label),
      json = parseModelJson(text, join(dir, MODEL_JSON));
    const params = parameterCount(json.config),
      { weights, trainState } = filesOf(json);
    const files: ModelFiles = {
      [MODEL_JSON]: text, // as written: parsing it again upgrades it again
      [weights.name]: readCheckpointFile(dir, weights, params),
    };
    if (trainState && existsSync(join(dir, trainState.name)))
      files[trainState.name] = readCheckpointFile(dir, trainState, 2 * params);
    return files;
  });
}

/** `read` the model in `dir`; when it fails while model.json changed under it (a trainer's switch), again. */
export function rereadOnSwitch<T>(dir: string, read: () => T): T {
  const path = join(dir, MODEL_JSON),
    version = () => orUndefined(() => readFileSync(path));
  for (let attempt = 0; ; attempt++) {
    const before = version();
    try {
      return read();
    } catch (e) {
      const after = version();
      if (attempt >= 4 || !before || !after || before.equals(after)) throw e;
    }
  }
}

/** Load the weights (and, with adam, its moments) of a saved model into a model built from its config. */
export function loadWeights(dir: string, json: ModelJson, model: Jpvae, adam?: Moments): void {
  const { weights, trainState } = filesOf(json);
  decodeWeights(readCheckpointFile(dir, weights, model.layout.size), json, model, dir);
  if (!adam) return;
  const state = trainState ? readCheckpointFile(dir, trainState, 2 * model.layout.size) : new Uint8Array();
  decodeTrainState(state, json, adam, dir);
}
