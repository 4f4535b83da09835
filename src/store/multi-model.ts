// The directory of an M-view model (Node): model.json of format
// jpvae-multiview-model and the checkpoint files it names
// (store/multi-files.ts), written by store.ts's writeModelFiles (the atomic
// checkpoint set) and read here with every file's size bounded before it
// is read, again when a trainer switched to its next checkpoint meanwhile.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_JSON, type ModelFiles } from './files.ts';
import { isMultiModelText, multiParameterCount, parseMultiModelJson, type MultiModelJson } from './multi-files.ts';
import { VALUE_LABELS } from '../data/labels.ts';
import { readModelText, readTensorBytes, rereadOnSwitch } from './store.ts';

/** Whether a model directory holds an M-view model (its model.json's format), without validating it. */
export function isMultiModelDir(dir: string): boolean {
  try {
    return isMultiModelText(readFileSync(join(dir, MODEL_JSON), 'utf8'));
  } catch {
    return false;
  }
}

/** model.json of the M-view model in `dir`, validated field by field. */
export function readMultiModelJson(dir: string, label = VALUE_LABELS.model): MultiModelJson {
  return parseMultiModelJson(readModelText(dir, label), join(dir, MODEL_JSON));
}

/** An M-view model directory's files (the train-state file only when present), as multi-files.ts decodes them. */
export function readMultiModelFiles(dir: string, label = VALUE_LABELS.model): ModelFiles {
  return rereadOnSwitch(dir, () => {
    const text = readModelText(dir, label),
      json = parseMultiModelJson(text, join(dir, MODEL_JSON));
    const params = multiParameterCount(json.config),
      { weights, trainState } = json.files;
    const files: ModelFiles = {
      [MODEL_JSON]: text,
      [weights.name]: readTensorBytes(join(dir, weights.name), weights.bytes, params),
    };
    if (trainState && existsSync(join(dir, trainState.name)))
      files[trainState.name] = readTensorBytes(join(dir, trainState.name), trainState.bytes, 2 * params);
    return files;
  });
}
