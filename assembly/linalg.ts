// Small dense f64 linear algebra for the prior kernels (latent sizes, ~20).
// Matrices are row-major n×n blocks at byte addresses inside the caller's
// `work` block: nothing is allocated.

/** Element i of the f64 array at byte address p. */
// @ts-ignore: decorator
@inline export function get64(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function set64(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

/** g −= a·bᵀ for the rows×cols f64 matrix g, a of rows and b of cols elements (a KL gradient's Σ_r outer products). */
export function subOuter(rows: i32, cols: i32, g: usize, a: usize, b: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) set64(g, i * cols + j, get64(g, i * cols + j) - get64(a, i) * get64(b, j));
  }
}

/**
 * In-place Cholesky a = L·Lᵀ of a symmetric matrix (L in the lower
 * triangle; the strict upper triangle is left as it was). Returns false
 * when a is not positive definite (a pivot ≤ 0 or NaN).
 */
export function cholesky(n: i32, a: usize): bool {
  for (let j = 0; j < n; j++) {
    let d = get64(a, j * n + j);
    for (let k = 0; k < j; k++) d -= get64(a, j * n + k) * get64(a, j * n + k);
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    set64(a, j * n + j, d);
    for (let i = j + 1; i < n; i++) {
      let s = get64(a, i * n + j);
      for (let k = 0; k < j; k++) s -= get64(a, i * n + k) * get64(a, j * n + k);
      set64(a, i * n + j, s / d);
    }
  }
  return true;
}

/** x ← (L·Lᵀ)⁻¹·x for a vector x, with L from cholesky(). */
export function choleskySolve(n: i32, l: usize, x: usize): void {
  for (let i = 0; i < n; i++) {
    let s = get64(x, i);
    for (let k = 0; k < i; k++) s -= get64(l, i * n + k) * get64(x, k);
    set64(x, i, s / get64(l, i * n + i));
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = get64(x, i);
    for (let k = i + 1; k < n; k++) s -= get64(l, k * n + i) * get64(x, k);
    set64(x, i, s / get64(l, i * n + i));
  }
}

/**
 * In-place LU factorisation with partial pivoting (LAPACK getrf style: the
 * row swaps apply to whole rows; piv[k], an i32 array, is the row swapped
 * with row k).
 */
export function luFactor(n: i32, a: usize, piv: usize): void {
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(get64(a, i * n + k)) > Math.abs(get64(a, p * n + k))) p = i;
    store<i32>(piv + (<usize>k << 2), p);
    if (p != k) swapRows(a, n, k, p);
    const d = get64(a, k * n + k);
    for (let i = k + 1; i < n; i++) {
      const f = get64(a, i * n + k) / d;
      set64(a, i * n + k, f);
      for (let j = k + 1; j < n; j++) set64(a, i * n + j, get64(a, i * n + j) - f * get64(a, k * n + j));
    }
  }
}

/** b ← a⁻¹·b for b n×nrhs (row-major), with a and piv from luFactor(). */
export function luSolve(n: i32, a: usize, piv: usize, b: usize, nrhs: i32): void {
  for (let k = 0; k < n; k++) {
    const p = load<i32>(piv + (<usize>k << 2));
    if (p != k) swapRows(b, nrhs, k, p);
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = get64(a, i * n + k);
      for (let c = 0; c < nrhs; c++) set64(b, i * nrhs + c, get64(b, i * nrhs + c) - f * get64(b, k * nrhs + c));
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = get64(a, i * n + k);
      for (let c = 0; c < nrhs; c++) set64(b, i * nrhs + c, get64(b, i * nrhs + c) - f * get64(b, k * nrhs + c));
    }
    const d = get64(a, i * n + i);
    for (let c = 0; c < nrhs; c++) set64(b, i * nrhs + c, get64(b, i * nrhs + c) / d);
  }
}

function swapRows(a: usize, cols: i32, r: i32, s: i32): void {
  for (let c = 0; c < cols; c++) {
    const t = get64(a, r * cols + c);
    set64(a, r * cols + c, get64(a, s * cols + c));
    set64(a, s * cols + c, t);
  }
}
