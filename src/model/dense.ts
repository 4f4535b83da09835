// A dense layer Y = act(X·W + b) over the flat parameter array: W (nIn×nOut)
// and b live at layout offsets; forward and backward side by side.

import { NO_FLAGS, ACCUMULATE, RELU, type Kernels } from '../core/kernels.ts';
import type { Layout } from './layout.ts';

/** `name` is the layer's name on disk (NAME.weight, NAME.bias in checkpoints and exports). */
export interface Dense {
  name: string;
  nIn: number;
  nOut: number;
  W: number;
  b: number;
  relu: boolean;
}

/** Register the layer's W and b in the layout (Dense(nIn → nOut): x·W + b). */
export function addDense(layout: Layout, name: string, nIn: number, nOut: number, relu: boolean): Dense {
  const W = layout.add(`${name}.weight`, [nIn, nOut]).offset;
  const b = layout.add(`${name}.bias`, [nOut]).offset;
  return { name, nIn, nOut, W, b, relu };
}

/** Y = act(X·W + b); P is the parameter array's heap index. */
export function denseForward(k: Kernels, P: number, l: Dense, rows: number, X: number, Y: number): void {
  k.gemm(l.relu ? RELU : NO_FLAGS, rows, l.nOut, l.nIn, X, P + l.W, Y, P + l.b);
}

/**
 * dW, db = … (or += … with `accumulate`); dX = dY·Wᵀ unless dX is NULL.
 * dY is masked in place when the layer has a ReLU.
 */
export function denseBackward(
  k: Kernels,
  P: number,
  G: number,
  l: Dense,
  rows: number,
  X: number,
  Y: number,
  dY: number,
  dX: number,
  accumulate: boolean,
): void {
  const flags = (l.relu ? RELU : NO_FLAGS) | (accumulate ? ACCUMULATE : NO_FLAGS);
  k.denseBackward(rows, l.nIn, l.nOut, X, P + l.W, Y, dY, dX, G + l.W, G + l.b, flags);
}
