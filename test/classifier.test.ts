// The Table 3 classifier (one Mlp trained with softmax cross-entropy and
// Adam): it learns, it refuses to go on when a gradient is not finite, and
// it gives its heap back.

import test from 'ava';
import { createKernels } from '../src/core/index.ts';
import { Rng } from '../src/data/rng.ts';
import { Classifier, CLASSIFIER_DEFAULTS } from '../src/eval/classifier.ts';
import { DivergenceError } from '../src/train/trainer.ts';

const OPTIONS = { ...CLASSIFIER_DEFAULTS, hidden: [16], classes: 3, epochs: 8, batch: 8 };

/** n rows of dim real values: class c is 4 in feature c and 0 elsewhere, plus N(0, 1) noise. */
function blobs(n: number, dim: number, seed: number): { x: Float32Array; labels: Uint8Array } {
  const rng = new Rng(seed),
    labels = Uint8Array.from({ length: n }, (_, r) => r % 3);
  const x = Float32Array.from({ length: n * dim }, (_, i) => {
    const r = Math.floor(i / dim),
      j = i % dim;
    return (j === labels[r] ? 4 : 0) + rng.normal();
  });
  return { x, labels };
}

test('the classifier learns separable classes and gives its heap back', (t) => {
  const k = createKernels('wasm'),
    dim = 5;
  const train = blobs(300, dim, 1),
    held = blobs(90, dim, 2);
  const before = k.heap.mark();
  const clf = new Classifier(k, dim, OPTIONS);
  clf.train(train.x, train.labels, 300);
  const acc = clf.accuracy(held.x, held.labels, 90);
  t.true(k.heap.mark() > before);
  clf.free();
  t.is(k.heap.mark(), before);
  t.log({ accuracy: acc });
  t.true(acc > 0.9, `accuracy ${acc}`);
});

test('the classifier stops with a DivergenceError when a gradient is not finite', (t) => {
  const k = createKernels('wasm'),
    dim = 5,
    train = blobs(40, dim, 3);
  train.x[17] = NaN;
  const clf = new Classifier(k, dim, OPTIONS);
  const err = t.throws(() => clf.train(train.x, train.labels, 40), { instanceOf: DivergenceError });
  t.regex(err.message, /classifier training diverged: a gradient is NaN or infinite at epoch 1/);
  clf.free();
});
