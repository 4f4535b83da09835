// Small dense matrices as arrays of rows, for the plain-TypeScript twins of
// the prior kernels: written the way the maths reads, doubles throughout.

import type { FloatArray } from '../heap.ts';

export type Matrix = number[][];

/** Row r of the rows×cols matrix at p. */
export const rowOf = (h: FloatArray, p: number, r: number, cols: number): number[] =>
  Array.from(h.subarray(p + r * cols, p + (r + 1) * cols));
export const matrix = (h: FloatArray, p: number, rows: number, cols: number): Matrix =>
  Array.from({ length: rows }, (_, i) => rowOf(h, p, i, cols));
export const zeros = (rows: number, cols: number): Matrix =>
  Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
export const identity = (n: number): Matrix =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
export const transpose = (a: Matrix): Matrix => a[0].map((_, j) => a.map((row) => row[j]));
export const matmul = (a: Matrix, b: Matrix): Matrix =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
/** a·diag(d): column k of a times d[k]. */
export const timesDiag = (a: Matrix, d: number[]): Matrix => a.map((row) => row.map((v, k) => v * d[k]));
export const matvec = (a: Matrix, x: number[]): number[] => a.map((row) => row.reduce((s, v, k) => s + v * x[k], 0));
export const dot = (x: number[], y: number[]): number => x.reduce((s, v, i) => s + v * y[i], 0);
/** h[p…] += scale·values: a vector, or a matrix's rows one after another (row-major, as on the heap). */
export function addInto(h: FloatArray, p: number, values: number[] | Matrix, scale = 1): void {
  const flat = values.flat();
  for (let i = 0; i < flat.length; i++) h[p + i] += scale * flat[i];
}

/** Lower Cholesky factor of a symmetric matrix, or null when it is not positive definite. */
export function cholesky(a: Matrix): Matrix | null {
  const n = a.length,
    l = zeros(n, n);
  for (let j = 0; j < n; j++) {
    const d = a[j][j] - dot(l[j].slice(0, j), l[j].slice(0, j));
    if (!(d > 0)) return null;
    l[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) l[i][j] = (a[i][j] - dot(l[i].slice(0, j), l[j].slice(0, j))) / l[j][j];
  }
  return l;
}

/** a⁻¹·b by Gaussian elimination with partial pivoting. */
export function solve(a: Matrix, b: Matrix): Matrix {
  const n = a.length,
    m = a.map((row, i) => [...row, ...b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      for (let j = k; j < m[i].length; j++) m[i][j] -= f * m[k][j];
    }
  }
  const x = zeros(n, b[0].length);
  for (let i = n - 1; i >= 0; i--)
    for (let c = 0; c < x[i].length; c++) {
      let s = m[i][n + c];
      for (let k = i + 1; k < n; k++) s -= m[i][k] * x[k][c];
      x[i][c] = s / m[i][i];
    }
  return x;
}
