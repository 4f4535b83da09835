// A planted linear-Gaussian two-view problem as CSV files: x_i = A_i·s +
// noise with a shared s ∈ R², so E[x2 | x1] is known (up to the noise).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/data/rng.ts';
import type { ViewData } from '../src/data/view-data.ts';

export interface PlantedCsv {
  dir: string;
  truth2: number[][];
  dims: [number, number];
}

/**
 * How each view's values are written: `units` maps a view to mean + sd·x per
 * feature (real data far from 0 and 1), `binary` writes x > 0 as 0/1.
 */
export interface PlantedUnits {
  units?: [[number, number], [number, number]];
  binary?: [boolean, boolean];
}

/**
 * Writes train1.csv/train2.csv (n rows; a fraction `missing` of them lack
 * one view, alternately view 1 and view 2, as empty lines), the same
 * without those rows (complete1.csv/complete2.csv), and test1.csv/test2.csv
 * with the noiseless A2·s of each test row in `truth2`.
 */
export function writePlantedCsv(
  dir: string,
  n: number,
  nTest: number,
  missing: number,
  seed = 4,
  how: PlantedUnits = {},
): PlantedCsv {
  const rng = new Rng(seed),
    dims: [number, number] = [8, 6],
    noise = 0.3;
  const A = dims.map((d) => Array.from({ length: d }, () => [rng.normal(), rng.normal()]));
  const draw = () => {
    const s = [rng.normal(), rng.normal()];
    const clean = A.map((a) => a.map(([p, q]) => p * s[0] + q * s[1]));
    const noisy = clean.map((x, i) =>
      x.map((v) => {
        const y = v + noise * rng.normal();
        if (how.binary?.[i]) return y > 0 ? 1 : 0;
        return how.units ? how.units[i][0] + how.units[i][1] * y : y;
      }),
    );
    return { clean, noisy };
  };
  const fmt = (x: number[]) => x.map((v) => (how.units ? String(v) : v.toFixed(5))).join(',');
  const train = Array.from({ length: n }, draw);
  const gone = (r: number) => r % Math.round(1 / missing) === 0; // every k-th row lacks a view
  const lines = (i: number, keepAll: boolean) =>
    train
      .flatMap((row, r) => {
        if (!gone(r)) return [fmt(row.noisy[i])];
        if (!keepAll) return [];
        return [(r / Math.round(1 / missing)) % 2 === i ? '' : fmt(row.noisy[i])];
      })
      .join('\n') + '\n';
  writeFileSync(join(dir, 'train1.csv'), lines(0, true));
  writeFileSync(join(dir, 'train2.csv'), lines(1, true));
  writeFileSync(join(dir, 'complete1.csv'), lines(0, false));
  writeFileSync(join(dir, 'complete2.csv'), lines(1, false));
  const test = Array.from({ length: nTest }, draw);
  writeFileSync(join(dir, 'test1.csv'), test.map((t) => fmt(t.noisy[0])).join('\n') + '\n');
  writeFileSync(join(dir, 'test2.csv'), test.map((t) => fmt(t.noisy[1])).join('\n') + '\n');
  return { dir, truth2: test.map((t) => t.clean[1]), dims };
}

/**
 * Planted real-valued views far from 0 and 1 (means 1000 and −50, sds 0.05
 * and 300; 300 training rows, a tenth missing a view, `nTest` test rows)
 * into `dir`, and jpvae train's flags for them (view 2's likelihood
 * `likelihood2`, default gaussian).
 */
export function plantedGaussianViews(dir: string, o: { nTest: number; seed: number; likelihood2?: string }): string[] {
  writePlantedCsv(dir, 300, o.nTest, 0.1, o.seed, {
    units: [
      [1000, 0.05],
      [-50, 300],
    ],
  });
  return [
    '--view1',
    join(dir, 'train1.csv'),
    '--view2',
    join(dir, 'train2.csv'),
    '--likelihood1',
    'gaussian',
    '--likelihood2',
    o.likelihood2 ?? 'gaussian',
  ];
}

/**
 * The Gaussian two-view model the imputer's tests train, in Node and in the
 * browser: writes the planted files into `dir` and returns jpvae train's
 * flags for them (add --out).
 */
export function plantedGaussianModel(dir: string): string[] {
  return [...plantedGaussianViews(dir, { nTest: 40, seed: 4 }), '--latent', '3,5', '--hidden', '16,8', '--epochs', '2'];
}

/** Planted counts' two views as a.csv and b.csv in `dir` (a view the planting left out: a row of empty cells). */
export function writePlantedCountCsv(dir: string, d: ViewData): [string, string] {
  const csv = (x: Float32Array, dim: number, bit: number) =>
    Array.from({ length: d.n }, (_, r) =>
      d.present![r] & bit ? Array.from(x.subarray(r * dim, (r + 1) * dim)).join(',') : ','.repeat(dim - 1),
    ).join('\n') + '\n';
  const files: [string, string] = [join(dir, 'a.csv'), join(dir, 'b.csv')];
  writeFileSync(files[0], csv(d.xs[0], d.dims[0], 1));
  writeFileSync(files[1], csv(d.xs[1], d.dims[1], 2));
  return files;
}
