import test from 'ava';
import { createKernels } from '../src/core/index.ts';
import { Classifier } from '../src/eval/classifier.ts';
import { Rng } from '../src/data/rng.ts';

// Planted classes: each class has a prototype; rows are noisy copies.
function planted(n: number, dim: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const protos = Float32Array.from({ length: classes * dim }, () => rng.normal());
  const x = new Float32Array(n * dim),
    labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    labels[r] = rng.below(classes);
    for (let j = 0; j < dim; j++) x[r * dim + j] = protos[labels[r] * dim + j] + 1.5 * rng.normal();
  }
  return { x, labels };
}

test('the classifier learns a planted problem far above chance', (t) => {
  const all = planted(3000, 30, 4, 1);
  const train = { x: all.x.subarray(0, 2000 * 30), labels: all.labels.subarray(0, 2000) };
  const test_ = { x: all.x.subarray(2000 * 30), labels: all.labels.subarray(2000) };
  const clf = new Classifier(createKernels('wasm'), 30, {
    hidden: [32, 32],
    classes: 4,
    epochs: 5,
    batch: 32,
    seed: 1,
  });
  const before = clf.accuracy(test_.x, test_.labels, 1000);
  clf.train(train.x, train.labels, 2000);
  const after = clf.accuracy(test_.x, test_.labels, 1000);
  t.log({ before, after });
  t.true(after > 0.9, `accuracy ${after}`);
});
