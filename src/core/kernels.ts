// The compute core's one contract. Two backends implement it over the same
// memory layout: `wasm` (AssemblyScript SIMD, the product) and `js` (plain
// TypeScript, the readable reference and the benchmark baseline; it also
// runs in f64 for gradient checks).
//
// Conventions, shared by every kernel:
// - A pointer is an element index into the backend's heap (`heap.view`),
//   never a byte offset. 0 is NULL: "no such input" / "skip this output".
// - Matrices are row-major and dense: an R×C matrix at p holds (r, c) at
//   p + r*C + c.
// - Gradient outputs accumulate (+=) unless a kernel says otherwise, so the
//   caller zeroes the gradient buffer once per step and every contribution
//   adds in. Forward outputs overwrite.
// - `work` is a scratch block the caller allocated with at least the number
//   of elements `workSize` reports; it is 16-byte aligned. The wasm kernels
//   keep their f64 linear algebra there; the js twin may ignore it.
// - Kernels never allocate per call (wasm) and never grow the heap.

import type { Heap } from './heap.ts';
import type { SharedWasm } from './wasm.ts';

/** A pointer: an element index into the backend's heap (see above). */
export type Ptr = number;

/** NULL pointer: "no such input" / "skip this output" (the heap never hands out element 0). */
export const NULL = 0;

/** gemm and denseBackward flags; NO_FLAGS is plain C = A·B (+ bias), written. */
export const NO_FLAGS = 0;
export const TRANS_A = 1;
export const TRANS_B = 2;
export const ACCUMULATE = 4;
export const RELU = 8;
/**
 * gemm with TRANS_B alone (C = A·Bᵀ, the dot form): skip the stretches of 4
 * k where A's rows are zero. The values are gemm's without it (a skipped
 * stretch adds exact zeros); less work for inputs with many zeros, a little
 * more for dense ones. The twin ignores it.
 */
export const SKIP_ZEROS = 16;

export type BackendName = 'wasm-simd' | 'wasm-relaxed' | 'js' | 'js-f64';

/**
 * Every kernel, by name: the wasm backend takes exactly these exports from
 * a build (and refuses a build that lacks one), the js twin binds exactly
 * these functions. KernelFunctions below declares their arguments; the two
 * cannot drift (checked at compile time after it).
 */
export const KERNEL_NAMES = [
  'gemm',
  'gemmPart',
  'denseBackward',
  'denseBackwardPart',
  'sigmoid',
  'bceWithLogits',
  'softmaxCrossEntropy',
  'gaussianNll',
  'countNll',
  'reparam',
  'reparamBackward',
  'adam',
  'jointKl',
  'orthoKl',
  'cayley',
  'cayleyBackward',
  'svdCompose',
  'svdComposeBackward',
  'factorKl',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** gemm's arguments: the flags, the sizes and the heap indices of A, B, C and bias. */
export type GemmArgs = [flags: number, M: number, N: number, K: number, A: Ptr, B: Ptr, C: Ptr, bias: Ptr];

/** denseBackward's arguments: the sizes, the heap indices of X, W, Y, dY, dX, dW and db, and the flags. */
export type DenseBackwardArgs = [
  rows: number,
  nIn: number,
  nOut: number,
  X: Ptr,
  W: Ptr,
  Y: Ptr,
  dY: Ptr,
  dX: Ptr,
  dW: Ptr,
  db: Ptr,
  flags: number,
];

/** A backend: its name, its heap and the kernels over that heap. */
export interface Kernels extends KernelFunctions {
  readonly name: BackendName;
  readonly heap: Heap;
  /** The threads variant's memory and module (wasm on a shared memory only), for more threads to join. */
  readonly shared?: SharedWasm;
  /** wasm only: elements of the gemm packing scratch one thread needs, and moving this instance's there. */
  gemmScratchSize?(): number;
  setGemmScratch?(p: Ptr): void;
}

export interface KernelFunctions {
  /**
   * C[M×N] = op(A)·op(B) (+ bias[N]) (then ReLU), or C += … with ACCUMULATE.
   * op(A) is M×K: A is stored M×K, or K×M with TRANS_A. op(B) is K×N: B is
   * stored K×N, or N×K with TRANS_B. RELU applies to the final value.
   */
  gemm(...args: GemmArgs): void;

  /**
   * The columns of gemm's C in part `part` of `parts` (partColumns), each
   * bit for bit as gemm computes it: threads that run the parts of one
   * gemm at once get gemm's result.
   */
  gemmPart(part: number, parts: number, ...args: GemmArgs): void;

  /**
   * Backward of a dense layer Y = act(X·W + b), X: rows×nIn, W: nIn×nOut.
   * With RELU in `flags`, dY is first masked in place by (Y > 0). Then
   * dW = Xᵀ·dY and db = Σ_rows dY (added to the old values with
   * ACCUMULATE), and dX = dY·Wᵀ (overwritten; skipped when dX is NULL,
   * e.g. for the first layer).
   */
  denseBackward(...args: DenseBackwardArgs): void;

  /**
   * Part `part` of `parts` of denseBackward: dY masked whole (every part
   * writes the same values, so parts need not wait for each other), then
   * the part's columns (partColumns) of dW and db (of nOut) and of dX (of
   * nIn), bit for bit as denseBackward computes them.
   */
  denseBackwardPart(part: number, parts: number, ...args: DenseBackwardArgs): void;

  /**
   * Bernoulli likelihood from logits (Eq. 1's reconstruction term, negated):
   * loss[r] = Σ_j max(x,0) − x·t + log(1 + e^{−|x|}) over the N features of
   * row r (overwritten). When dLogits is not NULL it is overwritten with
   * scale·(σ(x) − t).
   */
  bceWithLogits(rows: number, N: number, logits: Ptr, target: Ptr, loss: Ptr, dLogits: Ptr, scale: number): void;

  /**
   * Softmax cross-entropy for a classifier (the downstream MLP of Table 3):
   * loss[r] = log Σ_j e^{x_j} − x_label over the N logits of row r
   * (overwritten), labels[r] the class index stored as f32. When dLogits is
   * not NULL it is overwritten with scale·(softmax(x) − onehot(label)).
   */
  softmaxCrossEntropy(rows: number, N: number, logits: Ptr, labels: Ptr, loss: Ptr, dLogits: Ptr, scale: number): void;

  /**
   * Gaussian negative log-likelihood with per-feature log-variance lv[N]:
   * loss[r] = ½ Σ_j ((t − m)²·e^{−lv_j} + lv_j + ln 2π) (overwritten).
   * dMean (overwritten, unless NULL) = scale·(m − t)·e^{−lv}; dLogvar (+=,
   * unless NULL: NULL means the variance is fixed) gets
   * scale·½ Σ_rows (1 − (t − m)²·e^{−lv}).
   */
  gaussianNll(
    rows: number,
    N: number,
    mean: Ptr,
    target: Ptr,
    logvar: Ptr,
    loss: Ptr,
    dMean: Ptr,
    dLogvar: Ptr,
    scale: number,
  ): void;

  /**
   * Count likelihoods on log-rates: with l = logRate + logSize[r] (the
   * row's log size factor; NULL: 0) the mean is μ = e^l. Without logTheta
   * (NULL) Poisson, loss[r] = Σ_j μ − t·l + ln Γ(t + 1); with it, negative
   * binomial with per-feature θ_j = e^{logTheta_j} (variance μ + μ²/θ):
   * loss[r] = −Σ_j [ln Γ(t + θ) − ln Γ(θ) − ln Γ(t + 1) + θ·log(θ/(θ + μ))
   * + t·log(μ/(θ + μ))] (overwritten). dLogRate (overwritten, unless NULL)
   * = scale·∂/∂l: μ − t (Poisson), θ(μ − t)/(θ + μ) (NB); dLogTheta (+=,
   * unless NULL) gets scale·Σ_rows ∂/∂logθ = −θ·(ψ(t + θ) − ψ(θ) +
   * log(θ/(θ + μ)) + (μ − t)/(θ + μ)). Targets are counts t ≥ 0; the NB
   * terms stay finite for any finite l.
   */
  countNll(
    rows: number,
    N: number,
    logRate: Ptr,
    logSize: Ptr,
    target: Ptr,
    logTheta: Ptr,
    loss: Ptr,
    dLogRate: Ptr,
    dLogTheta: Ptr,
    scale: number,
  ): void;

  /** y = σ(x) = 1/(1 + e^−x) over n elements, without overflow (y may be x). */
  sigmoid(n: number, x: Ptr, y: Ptr): void;

  /** z = mu + exp(½·logvar)·eps over n elements (the reparameterisation trick). */
  reparam(n: number, mu: Ptr, logvar: Ptr, eps: Ptr, z: Ptr): void;
  /** dmu += dz; dlogvar += dz·eps·½·exp(½·logvar). */
  reparamBackward(n: number, logvar: Ptr, eps: Ptr, dz: Ptr, dmu: Ptr, dlogvar: Ptr): void;

  /**
   * Joint-prior KL of Eq. 9 per row, C: n2×n1 with σ1(C) < 1, n1 ≤ n2.
   * kl[r] overwritten. When dmu1 is not NULL, the gradients of
   * scale·Σ_r kl[r] are accumulated into dmu1, dlv1 (rows×n1), dmu2, dlv2
   * (rows×n2) and, unless NULL, dC (n2×n1). When I − CᵀC is not positive
   * definite (σ1(C) ≥ 1) every kl[r] is NaN and no gradient is touched.
   * work: jointKlWork(n1, n2) elements.
   */
  jointKl(
    rows: number,
    n1: number,
    n2: number,
    mu1: Ptr,
    lv1: Ptr,
    mu2: Ptr,
    lv2: Ptr,
    C: Ptr,
    kl: Ptr,
    dmu1: Ptr,
    dlv1: Ptr,
    dmu2: Ptr,
    dlv2: Ptr,
    dC: Ptr,
    scale: number,
    work: Ptr,
  ): void;

  /**
   * The same KL for C = α·O with O: n2×n1 semi-orthogonal (OᵀO = I), the
   * fast path of App. A.2: D1 = I/(1−α²), D2 = I + α²/(1−α²)·O·Oᵀ, no
   * inverse needed. Gradients as jointKl, with dO (+=, unless NULL) in place
   * of dC; α is fixed. dO is the gradient of the App. A.2 formula, which
   * equals α·dC along the manifold OᵀO = I (all the Cayley chain sees).
   */
  orthoKl(
    rows: number,
    n1: number,
    n2: number,
    alpha: number,
    mu1: Ptr,
    lv1: Ptr,
    mu2: Ptr,
    lv2: Ptr,
    O: Ptr,
    kl: Ptr,
    dmu1: Ptr,
    dlv1: Ptr,
    dmu2: Ptr,
    dlv2: Ptr,
    dO: Ptr,
    scale: number,
  ): void;

  /**
   * Cayley map (§2.6): A = triu(P,1) − triu(P,1)ᵀ from the free m×m matrix P,
   * O = J·(I + A)(I − A)⁻¹ with J = diag(1…1, −1…−1) holding `flips` −1s at
   * the end. Writes the first n columns of O (m×n, overwritten), n ≤ m.
   * work: cayleyWork(m) elements.
   */
  cayley(m: number, n: number, flips: number, P: Ptr, O: Ptr, work: Ptr): void;
  /** dP += ∂/∂P of ⟨dO, O(P)⟩ (only the strict upper triangle of dP is touched). */
  cayleyBackward(m: number, n: number, flips: number, P: Ptr, dO: Ptr, dP: Ptr, work: Ptr): void;

  /**
   * Singular-value-bound C (§2.6): C = U·diag(σ(s))·Vᵀ (n2×n1) with
   * σ(s) = SVD_SIGMA_MAX·(1 − e^{−s})/(1 + e^{−s}), U: n2×n1
   * (semi-orthogonal), V: n1×n1. The factor keeps σ1(C) < 1 for any s even
   * where tanh(s/2) rounds to 1, and leaves the gradient smooth (no clamp).
   */
  svdCompose(n1: number, n2: number, U: Ptr, s: Ptr, V: Ptr, C: Ptr): void;
  /** dU, ds, dV += the gradients of ⟨dC, C(U, s, V)⟩. */
  svdComposeBackward(n1: number, n2: number, U: Ptr, s: Ptr, V: Ptr, dC: Ptr, dU: Ptr, ds: Ptr, dV: Ptr): void;

  /**
   * KL(N(μ, diag e^{lv}) ‖ N(0, Σ)) per row (Eq. 7) for the shared-factor
   * prior over latent blocks: Σ = (1 − α)·I_D + α·A·Aᵀ, A: D×K, 0 ≤ α < 1.
   * mu, lv: rows×D (the blocks side by side). kl[r] overwritten. When dmu
   * is not NULL, the gradients of scale·Σ_r kl[r] are accumulated into dmu,
   * dlv and, unless NULL, dA (D×K). When α ≥ 1 every kl[r] is NaN and no
   * gradient is touched. work: factorKlWork(D, K) elements.
   */
  factorKl(
    rows: number,
    D: number,
    K: number,
    alpha: number,
    mu: Ptr,
    lv: Ptr,
    A: Ptr,
    kl: Ptr,
    dmu: Ptr,
    dlv: Ptr,
    dA: Ptr,
    scale: number,
    work: Ptr,
  ): void;

  /**
   * Adam (bias-corrected) over n elements at step t ≥ 1:
   * m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
   * p −= lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + eps).
   * Returns 1 when every g was finite, 0 when one was NaN or ±Inf (the
   * update is done either way: the trainer stops and keeps its checkpoint).
   */
  adam(
    n: number,
    p: Ptr,
    g: Ptr,
    m: Ptr,
    v: Ptr,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    t: number,
  ): number;
}

// KERNEL_NAMES and KernelFunctions name the same kernels: a name missing from
// either side (or misspelt) makes one of these a type error.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatchFunctions: Same<KernelName, keyof KernelFunctions> = true;
void namesMatchFunctions;

/** One kernel as a backend hands it out: plain numbers in, a number or nothing out. */
export type KernelFunction = (...args: number[]) => number | void;

/**
 * Columns [start, end) of part `part` of `parts` of N columns (gemmPart,
 * denseBackwardPart): whole panels of 16 columns, dealt out in order, so a
 * part starts on a multiple of 16 (what the wasm gemm's tiles need to give
 * every column the same bits); a part may be empty.
 */
export function partColumns(N: number, part: number, parts: number): [number, number] {
  const start = (p: number) => Math.min(N, Math.floor((Math.ceil(N / 16) * p) / parts) * 16);
  return [start(part), start(part + 1)];
}

/** The kernel table, one function per name of KERNEL_NAMES (both backends are built by it). */
export function kernelTable(kernel: (name: KernelName) => KernelFunction): KernelFunctions {
  const table: Partial<Record<KernelName, KernelFunction>> = {};
  for (const name of KERNEL_NAMES) table[name] = kernel(name);
  return table as KernelFunctions;
}

/** Bound on the singular values of the svd-bound C (svdCompose); assembly/prior.ts holds the same number. */
export const SVD_SIGMA_MAX = 1 - 2 ** -10;

/** Scratch sizes in elements of the f32 heap: the wasm kernels keep f64 (2 elements each) there. */
export const jointKlWork = (n1: number, n2: number): number =>
  2 * (2 * n1 * n1 + n2 * n2 + 2 * n1 * n2 + 2 * (n1 + n2));
export const cayleyWork = (m: number): number => 2 * (3 * m * m + m);
export const factorKlWork = (D: number, K: number): number => 2 * (2 * K * K + 2 * D * K + 3 * D + K);
