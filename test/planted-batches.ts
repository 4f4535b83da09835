// A planted two-view problem with batches: z ~ N(0, I₂) per sample; view 1
// x1 = m1 + s_b·(A1 z + σ ε) + t_b (the batch effect: a scale s_b and a
// shift t_b of batch b, in view 1 only), view 2 x2 = m2 + S2 ⊙ (A2 z + σ ε)
// with no batch effect. Raw values far from 0 and 1, on scales apart.
// Training batches A, B, C (every row missing view 1 or view 2 with
// probability `missing` each); a new batch D with its own shift and scale,
// never seen in training, whose rows have view 1 only to a model (view 2 is
// kept for scoring the imputations).

import { Rng } from '../src/data/rng.ts';

export interface Batch {
  name: string;
  shift: number; // in units of view 1's spread, along a fixed random direction
  scale: number;
}

export const TRAIN_BATCHES: Batch[] = [
  { name: 'A', shift: 0, scale: 1 },
  { name: 'B', shift: 2.5, scale: 1.4 },
  { name: 'C', shift: -2.5, scale: 0.7 },
];
export const NEW_BATCH: Batch = { name: 'D', shift: 6, scale: 1.2 };

export interface BatchRows {
  n: number;
  /** Each view's rows (n × its width); a missing view's row is NaN. */
  x: [Float32Array, Float32Array];
  /** View 2's true rows, also where it is missing (for scoring). */
  truth2: Float32Array;
  batch: string[];
}

export interface PlantedBatches {
  dims: [number, number];
  /** Batches A, B, C: the training rows. */
  train: BatchRows;
  /** Held-out rows of A, B, C with both views. */
  trainHeldOut: BatchRows;
  /** Batch D: view 1 only (truth2 its view 2). */
  fresh: BatchRows;
}

export function plantedBatches(
  o: {
    perBatch?: number;
    newRows?: number;
    heldOut?: number;
    seed?: number;
    dims?: [number, number];
    missing?: number;
  } = {},
): PlantedBatches {
  const { perBatch = 1000, newRows = 500, heldOut = 200, seed = 1, dims = [8, 6], missing = 0.1 } = o;
  const rng = new Rng(seed),
    L = 2,
    sigma = 0.3;
  const A = dims.map((d) => Float64Array.from({ length: d * L }, () => rng.normal()));
  const direction = Float64Array.from({ length: dims[0] }, () => rng.normal());
  const norm = Math.hypot(...direction);
  const m1 = Float64Array.from({ length: dims[0] }, (_, j) => 200 + 15 * j),
    m2 = Float64Array.from({ length: dims[1] }, (_, j) => -1000 - 50 * j),
    s2 = Float64Array.from({ length: dims[1] }, (_, j) => 40 / (j + 1));
  const spread = 3; // view 1's raw units per unit of A1 z
  const rows = (batches: Batch[], count: number, drop: number, onlyView1 = false): BatchRows => {
    const n = batches.length * count;
    const x: [Float32Array, Float32Array] = [new Float32Array(n * dims[0]), new Float32Array(n * dims[1])],
      truth2 = new Float32Array(n * dims[1]),
      batch: string[] = [];
    for (let r = 0; r < n; r++) {
      const b = batches[Math.floor(r / count)],
        z = [rng.normal(), rng.normal()];
      batch.push(b.name);
      for (let j = 0; j < dims[0]; j++) {
        let a = sigma * rng.normal();
        for (let l = 0; l < L; l++) a += A[0][j * L + l] * z[l];
        x[0][r * dims[0] + j] = m1[j] + spread * (b.scale * a + (b.shift * direction[j] * Math.sqrt(dims[0])) / norm);
      }
      for (let j = 0; j < dims[1]; j++) {
        let a = sigma * rng.normal();
        for (let l = 0; l < L; l++) a += A[1][j * L + l] * z[l];
        truth2[r * dims[1] + j] = x[1][r * dims[1] + j] = m2[j] + s2[j] * a;
      }
      const u = rng.uniform();
      if (onlyView1 || (u >= drop && u < 2 * drop)) x[1].fill(NaN, r * dims[1], (r + 1) * dims[1]);
      else if (u < drop) x[0].fill(NaN, r * dims[0], (r + 1) * dims[0]);
    }
    return { n, x, truth2, batch };
  };
  return {
    dims,
    train: rows(TRAIN_BATCHES, perBatch, missing),
    trainHeldOut: rows(TRAIN_BATCHES, Math.ceil(heldOut / 3), 0),
    fresh: rows([NEW_BATCH], newRows, 0, true),
  };
}
