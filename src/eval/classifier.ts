// The downstream classifier of the paper's Table 3: an MLP 392→512→512→10
// trained with softmax cross-entropy and Adam on the compute core, on
// true, reconstructed or imputed halves.

import { NULL, type Kernels } from '../core/kernels.ts';
import { Rng } from '../data/rng.ts';
import { forEachBatch, gatherRows } from '../data/dataset.ts';
import { Layout } from '../model/layout.ts';
import { lecunInit, Mlp } from '../model/mlp.ts';
import { Adam, ADAM_DEFAULTS } from '../train/adam.ts';
import { DivergenceError } from '../train/trainer.ts';

export const CLASSIFIER_DEFAULTS = {
  hidden: [512, 512],
  classes: 10,
  epochs: 5,
  batch: 32,
  seed: 1,
};
export type ClassifierOptions = typeof CLASSIFIER_DEFAULTS;

export class Classifier {
  private readonly mlp: Mlp;
  private readonly layout = new Layout();
  private readonly heapMark: number;
  private readonly P: number;
  private readonly G: number;
  private readonly x: number;
  private readonly labels: number;
  private readonly loss: number;

  /** Allocates on k's heap; `free()` gives it all back. */
  constructor(
    private readonly k: Kernels,
    readonly dim: number,
    readonly options: ClassifierOptions,
  ) {
    const B = options.batch;
    this.heapMark = k.heap.mark();
    this.mlp = new Mlp(k, this.layout, 'classifier', [dim, ...options.hidden, options.classes], false, B);
    this.P = k.heap.alloc(this.layout.size);
    this.G = k.heap.alloc(this.layout.size);
    this.x = k.heap.alloc(B * dim);
    this.labels = k.heap.alloc(B);
    this.loss = k.heap.alloc(B);
  }

  /** Release everything this classifier (and its training) allocated; it cannot be used after. */
  free(): void {
    this.k.heap.release(this.heapMark);
  }

  private load(x: Float32Array, labels: Uint8Array, idx: ArrayLike<number>): void {
    this.k.heap.view(this.x, idx.length * this.dim).set(gatherRows(x, this.dim, idx));
    this.k.heap.view(this.labels, idx.length).set(Array.from(idx, (r) => labels[r]));
  }

  /** Softmax cross-entropy and Adam; throws a DivergenceError when a gradient is NaN or infinite. */
  train(x: Float32Array, labels: Uint8Array, n: number): void {
    const { k, options, mlp } = this,
      rng = new Rng(options.seed);
    const p = k.heap.view(this.P, this.layout.size);
    p.fill(0);
    lecunInit(p, mlp.layers, rng);
    const adam = new Adam(k, this.layout.size, ADAM_DEFAULTS);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = rng.permutation(n);
      for (let s = 0; s < n; s += options.batch) {
        const idx = order.subarray(s, Math.min(n, s + options.batch)),
          rows = idx.length;
        this.load(x, labels, idx);
        const logits = mlp.forward(this.P, rows, this.x);
        k.softmaxCrossEntropy(rows, options.classes, logits, this.labels, this.loss, mlp.dOutput, 1 / rows);
        // Each layer's gradient is written, not added: G needs no zeroing.
        mlp.backward(this.P, this.G, rows, this.x, NULL, false);
        if (!adam.update(this.P, this.G))
          throw new DivergenceError(
            `classifier training diverged: a gradient is NaN or infinite at epoch ${epoch + 1}, rows ${s + 1}–${s + rows}`,
          );
      }
    }
  }

  /** Fraction of rows whose arg-max class equals the label. */
  accuracy(x: Float32Array, labels: Uint8Array, n: number): number {
    const { k, options } = this;
    let correct = 0;
    forEachBatch(n, options.batch, (s, idx) => {
      this.load(x, labels, idx);
      const logits = k.heap.view(this.mlp.forward(this.P, idx.length, this.x), idx.length * options.classes);
      for (let r = 0; r < idx.length; r++) {
        let best = 0;
        for (let c = 1; c < options.classes; c++)
          if (logits[r * options.classes + c] > logits[r * options.classes + best]) best = c;
        if (best === labels[s + r]) correct++;
      }
    });
    return correct / n;
  }
}
