// The downstream classifier of the paper's Table 3: an MLP 392→512→512→10
// trained with softmax cross-entropy and Adam on the compute core, on
// true, reconstructed or imputed halves.

import type { Kernels } from '../core/kernels.ts';
import { Rng } from '../data/rng.ts';
import { forEachBatch } from '../data/dataset.ts';
import { addDense, denseBackward, denseForward, type Dense } from '../model/dense.ts';
import { Layout } from '../model/layout.ts';
import { Adam, ADAM_DEFAULTS } from '../train/adam.ts';

export interface ClassifierOptions {
  hidden: number[];
  classes: number;
  epochs: number;
  batch: number;
  seed: number;
}
export const CLASSIFIER_DEFAULTS: ClassifierOptions = {
  hidden: [512, 512],
  classes: 10,
  epochs: 5,
  batch: 32,
  seed: 1,
};

export class Classifier {
  private readonly layers: Dense[];
  private readonly layout = new Layout();
  private readonly P: number;
  private readonly G: number;
  private readonly acts: number[];
  private readonly grads: number[];
  private readonly x: number;
  private readonly labels: number;
  private readonly loss: number;

  constructor(
    private readonly k: Kernels,
    readonly dim: number,
    readonly options: ClassifierOptions,
  ) {
    const widths = [dim, ...options.hidden, options.classes];
    this.layers = widths
      .slice(1)
      .map((w, l) => addDense(this.layout, `classifier.${l}`, widths[l], w, l < widths.length - 2));
    const B = options.batch;
    this.P = k.heap.alloc(this.layout.size);
    this.G = k.heap.alloc(this.layout.size);
    this.acts = this.layers.map((l) => k.heap.alloc(B * l.nOut));
    this.grads = this.layers.map((l) => k.heap.alloc(B * l.nOut));
    this.x = k.heap.alloc(B * dim);
    this.labels = k.heap.alloc(B);
    this.loss = k.heap.alloc(B);
  }

  private load(x: Float32Array, labels: Uint8Array, idx: ArrayLike<number>): void {
    const X = this.k.heap.view(this.x, idx.length * this.dim),
      L = this.k.heap.view(this.labels, idx.length);
    for (let r = 0; r < idx.length; r++) {
      X.set(x.subarray(idx[r] * this.dim, (idx[r] + 1) * this.dim), r * this.dim);
      L[r] = labels[idx[r]];
    }
  }

  private forward(rows: number): number {
    let input = this.x;
    this.layers.forEach((l, j) => {
      denseForward(this.k, this.P, l, rows, input, this.acts[j]);
      input = this.acts[j];
    });
    return input;
  }

  train(x: Float32Array, labels: Uint8Array, n: number): void {
    const { k, options } = this,
      rng = new Rng(options.seed);
    const p = k.heap.view(this.P, this.layout.size);
    for (const e of this.layout.entries) {
      if (e.name.endsWith('.weight'))
        for (let i = 0; i < e.size; i++) p[e.offset + i] = rng.normal() / Math.sqrt(e.shape[0]);
    }
    const adam = new Adam(k, this.layout.size, ADAM_DEFAULTS);
    const last = this.layers.length - 1;
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = rng.permutation(n);
      for (let s = 0; s < n; s += options.batch) {
        const idx = order.subarray(s, Math.min(n, s + options.batch)),
          rows = idx.length;
        this.load(x, labels, idx);
        const logits = this.forward(rows);
        k.softmaxCrossEntropy(rows, options.classes, logits, this.labels, this.loss, this.grads[last], 1 / rows);
        for (let j = last; j >= 0; j--) {
          // Each layer's gradient is written, not added: G needs no zeroing (Jpvae.startGradient says why).
          denseBackward(
            k,
            this.P,
            this.G,
            this.layers[j],
            rows,
            j === 0 ? this.x : this.acts[j - 1],
            this.acts[j],
            this.grads[j],
            j === 0 ? 0 : this.grads[j - 1],
            false,
          );
        }
        adam.update(this.P, this.G);
      }
    }
  }

  /** Fraction of rows whose arg-max class equals the label. */
  accuracy(x: Float32Array, labels: Uint8Array, n: number): number {
    const { k, options } = this;
    let correct = 0;
    forEachBatch(n, options.batch, (s, idx) => {
      this.load(x, labels, idx);
      const logits = k.heap.view(this.forward(idx.length), idx.length * options.classes);
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
