// A multi-layer perceptron over the flat parameter array: dense layers with
// a ReLU after each (and after the last one too, for a trunk whose output
// feeds further layers), their activation buffers, forward, backward, and
// LeCun-normal initialisation. Jpvae's encoder trunks and decoders and the
// Table 3 classifier are each one. An MLP may read a side input beside its
// own (the covariates' design rows): its first layer is then
// act([X, S]·[W; W_s] + b), W_s a tensor of its own (NAME.covariates.weight),
// two GEMMs into one output, so the kernels stay the plain ones.

import { ACCUMULATE, NO_FLAGS, NULL, RELU, TRANS_A, type Kernels } from '../core/kernels.ts';
import type { Rng } from '../data/rng.ts';
import { addDense, denseBackward, denseForward, type Dense } from './dense.ts';
import type { Layout } from './layout.ts';

/** A side input every row has: `width` columns at heap index `input` (maxRows × width). */
export interface SideInput {
  width: number;
  input: number;
}

export class Mlp {
  readonly layers: Dense[];
  /** Each layer's output buffer (maxRows × nOut, the last one the MLP's output) and its gradient. */
  readonly out: number[];
  readonly dOut: number[];
  /** The side input's weights (side.width × the first layer's nOut), a layout offset; 0 without a side input. */
  readonly sideW: number;
  /** Their name on disk (and in an ONNX export): `NAME.covariates.weight`. */
  readonly sideName: string;

  /**
   * Layers `NAME.0`, `NAME.1`, … (their names on disk) of widths[l] → widths[l + 1],
   * registered in the layout in order, then the side input's weights; buffers for `maxRows` rows.
   */
  constructor(
    private readonly k: Kernels,
    layout: Layout,
    name: string,
    widths: readonly number[],
    reluLast: boolean,
    maxRows: number,
    readonly side?: SideInput,
  ) {
    const last = widths.length - 2;
    this.layers = widths.slice(1).map((w, l) => addDense(layout, `${name}.${l}`, widths[l], w, l < last || reluLast));
    this.sideName = `${name}.covariates.weight`;
    this.sideW = side ? layout.add(this.sideName, [side.width, widths[1]]).offset : 0;
    this.out = this.layers.map((l) => k.heap.alloc(maxRows * l.nOut));
    this.dOut = this.layers.map((l) => k.heap.alloc(maxRows * l.nOut));
  }

  /** The output buffer and its gradient (set it before `backward`). */
  get output(): number {
    return this.out[this.out.length - 1];
  }
  get dOutput(): number {
    return this.dOut[this.dOut.length - 1];
  }

  /** Rows of X through every layer; returns the output buffer. P is the parameter array's heap index. */
  forward(P: number, rows: number, X: number): number {
    this.layers.forEach((l, j) => {
      if (j > 0 || !this.side) return denseForward(this.k, P, l, rows, j === 0 ? X : this.out[j - 1], this.out[j]);
      // [X, S]·[W; W_s] + b: X·W + b, then S·W_s added before the activation.
      const s = this.side;
      this.k.gemm(NO_FLAGS, rows, l.nOut, l.nIn, X, P + l.W, this.out[0], P + l.b);
      this.k.gemm(
        ACCUMULATE | (l.relu ? RELU : NO_FLAGS),
        rows,
        l.nOut,
        s.width,
        s.input,
        P + this.sideW,
        this.out[0],
        NULL,
      );
    });
    return this.output;
  }

  /**
   * From the output's gradient in `dOutput` back to dX (NULL: not needed),
   * after `forward` on the same X. Each layer's gradient in G is written,
   * or added to with `adds` (the gradient buffers are overwritten).
   */
  backward(P: number, G: number, rows: number, X: number, dX: number, adds: boolean): void {
    for (let j = this.layers.length - 1; j >= 0; j--) {
      const input = j === 0 ? X : this.out[j - 1],
        dInput = j === 0 ? dX : this.dOut[j - 1];
      denseBackward(this.k, P, G, this.layers[j], rows, input, this.out[j], this.dOut[j], dInput, adds);
    }
    // dW_s += Sᵀ·dY of the first layer (masked by its ReLU above); W_s is no dense layer's, so G's is zeroed per step.
    const s = this.side;
    if (s)
      this.k.gemm(
        TRANS_A | ACCUMULATE,
        s.width,
        this.layers[0].nOut,
        rows,
        s.input,
        this.dOut[0],
        G + this.sideW,
        NULL,
      );
  }
}

/**
 * LeCun-normal weights (variance 1/fan-in, Flax's default) for `layers`, in
 * their order, into the parameter array p; biases are left as they are.
 */
export function lecunInit(p: Float32Array | Float64Array, layers: readonly Dense[], rng: Rng): void {
  for (const l of layers) {
    const std = 1 / Math.sqrt(l.nIn);
    for (let i = 0; i < l.nIn * l.nOut; i++) p[l.W + i] = rng.normal() * std;
  }
}

/** Zero the gradients (W and b) of `layers` in the gradient array g. */
export function zeroDense(g: Float32Array | Float64Array, layers: readonly Dense[]): void {
  for (const l of layers) {
    g.fill(0, l.W, l.W + l.nIn * l.nOut);
    g.fill(0, l.b, l.b + l.nOut);
  }
}
