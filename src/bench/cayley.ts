// The orthogonal prior's Cayley map and its gradient, by hand in f64, for
// the JS peers whose libraries cannot solve a system (TensorFlow.js) or
// cannot compile one (jax-js's jit): O = (I − A)⁻¹(I + A) with A the skew
// part of the free matrix's strict upper triangle, as jpvae and the PyTorch
// peer compute it. With M = I − A, dO = M⁻¹·dA·(O + I), so
// ∂L/∂A = M⁻ᵀ·G·(O + I)ᵀ and ∂L/∂free[i][j] = ∂L/∂A[i][j] − ∂L/∂A[j][i] for i < j.

export interface Cayley {
  /** O, n×n row-major. */
  o: Float64Array;
  /** (I − A)⁻¹, kept for the gradient. */
  mInv: Float64Array;
}

/** The Cayley map of the n×n free matrix (only its strict upper triangle is read). */
export function cayley(free: ArrayLike<number>, n: number): Cayley {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      a[i * n + j] = free[i * n + j];
      a[j * n + i] = -free[i * n + j];
    }
  // Gauss–Jordan with partial pivoting on [I − A | I].
  const m = new Float64Array(n * n),
    inv = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = -a[i];
  for (let i = 0; i < n; i++) {
    m[i * n + i] += 1;
    inv[i * n + i] = 1;
  }
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (const x of [m, inv]) for (let k = 0; k < n; k++) [x[c * n + k], x[p * n + k]] = [x[p * n + k], x[c * n + k]];
    const d = 1 / m[c * n + c];
    for (const x of [m, inv]) for (let k = 0; k < n; k++) x[c * n + k] *= d;
    for (let r = 0; r < n; r++) {
      const f = m[r * n + c];
      if (r === c || f === 0) continue;
      for (const x of [m, inv]) for (let k = 0; k < n; k++) x[r * n + k] -= f * x[c * n + k];
    }
  }
  const o = new Float64Array(n * n); // M⁻¹(I + A)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = inv[i * n + j];
      for (let k = 0; k < n; k++) s += inv[i * n + k] * a[k * n + j];
      o[i * n + j] = s;
    }
  return { o, mInv: inv };
}

/** ∂L/∂free (n×n, zero but the strict upper triangle) from G = ∂L/∂O. */
export function cayleyGrad({ o, mInv }: Cayley, g: ArrayLike<number>, n: number): Float64Array {
  const t = new Float64Array(n * n); // G·(O + I)ᵀ
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = g[i * n + j];
      for (let k = 0; k < n; k++) s += g[i * n + k] * o[j * n + k];
      t[i * n + j] = s;
    }
  const dA = new Float64Array(n * n); // M⁻ᵀ·t
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += mInv[k * n + i] * t[k * n + j];
      dA[i * n + j] = s;
    }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[i * n + j] = dA[i * n + j] - dA[j * n + i];
  return out;
}
