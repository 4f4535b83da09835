// The joint prior over M ≥ 2 latent blocks z = (z_1, …, z_M): every view's
// latent reads one shared factor u ~ N(0, I_K) through a map with
// orthonormal rows, plus its own noise,
//   z_i = √α·A_i·u + √(1 − α)·ε_i,   A_i·A_iᵀ = I_{d_i},  0 ≤ α < 1,
// so Σ = (1 − α)·I + α·A·Aᵀ (A stacks the A_i, D×K). Proof sketch:
// - Σ_ii = (1 − α)·I + α·A_i·A_iᵀ = I: every marginal is N(0, I), as in Eq. 6;
// - Σ_ij = α·A_i·A_jᵀ, with σ1 ≤ α (a product of orthonormal-row maps is a contraction);
// - xᵀΣx = (1 − α)|x|² + α|Aᵀx|² ≥ (1 − α)|x|² > 0: positive definite
//   for every value of the free parameters, λ_min(Σ) ≥ 1 − α.
// A_iᵀ is the first d_i columns of a K×K Cayley orthogonal matrix (§2.6),
// so A_i has orthonormal rows whatever its free K×K matrix holds. For two
// views with K = d_1 = d_2 this is the paper's C = α·O (Theorem 2.2); with
// K > d the cross blocks' singular values range over [0, α]. A subset S of
// the views has the marginal prior Σ_SS = (1 − α)·I + α·A_S·A_Sᵀ (drop the
// other blocks), the same form: rows with only S present train against it.
// The KL kernel reads the present blocks side by side (rows × D_S), so
// kl() gathers them into joint buffers and scatters the gradients back.

import { NULL, cayleyWork, factorKlWork } from '../../core/kernels.ts';
import { matmul, transpose } from '../../linalg/dense.ts';
import type { Layout } from '../layout.ts';
import type { JointPrior, LatentBlock, PriorConfig, PriorContext } from './prior.ts';

export class FactorPrior implements JointPrior {
  readonly D: number;
  /** Σ_ij = α·A_i·A_jᵀ, 0 ≤ α < 1 (0: the zero prior, independent views). */
  readonly alpha: number;
  /** K, the shared factor's size: at least the largest latent size. */
  readonly factors: number;
  /** Each block's first row in Σ (and column in a row of μ with every block present). */
  readonly starts: number[];
  readonly latent: readonly number[];
  private readonly k: PriorContext['k'];
  private readonly free: number[];
  private readonly O: number[]; // per block: A_iᵀ, K×d_i
  private readonly dO: number[];
  private readonly A: number; // D×K, every block
  private readonly AS: number; // D×K scratch: the present blocks' rows
  private readonly dAS: number;
  private readonly work: number;
  /** The present blocks side by side (rows × D_S): μ, log σ² and their gradients. */
  private readonly joint: { mu: number; lv: number; dmu: number; dlv: number };

  constructor(
    ctx: PriorContext,
    layout: Layout,
    readonly config: PriorConfig,
  ) {
    const { k, latent, maxRows } = ctx;
    const K = config.factors ?? Math.max(...latent);
    this.k = k;
    this.latent = latent;
    this.factors = K;
    this.alpha = config.kind === 'zero' ? 0 : config.alpha;
    if (!(latent.length >= 2)) throw new RangeError('factor prior: at least two latent blocks');
    if (!latent.every((d) => Number.isInteger(d) && d > 0 && d <= K))
      throw new RangeError(`factor prior: latent sizes ${latent.join(',')} must be positive and at most K = ${K}`);
    if (!(this.alpha >= 0 && this.alpha < 1))
      throw new RangeError(`factor prior: expected 0 ≤ α < 1, got ${this.alpha}`);
    this.D = latent.reduce((a, b) => a + b, 0);
    this.starts = latent.map((_, i) => latent.slice(0, i).reduce((a, b) => a + b, 0));
    const zero = this.alpha === 0;
    this.free = latent.map((_, i) => (zero ? -1 : layout.add(`prior.cayley${i + 1}`, [K, K]).offset));
    this.O = latent.map((d) => k.heap.alloc(K * d));
    this.dO = latent.map((d) => (zero ? NULL : k.heap.alloc(K * d)));
    this.A = k.heap.alloc(this.D * K);
    this.AS = k.heap.alloc(this.D * K);
    this.dAS = k.heap.alloc(this.D * K);
    this.work = k.heap.alloc(Math.max(cayleyWork(K), factorKlWork(this.D, K)));
    const buf = () => k.heap.alloc(maxRows * this.D);
    this.joint = { mu: buf(), lv: buf(), dmu: buf(), dlv: buf() };
    // α = 0: A_i = [I 0] and no free parameters (prepare leaves it so).
    const A = k.heap.view(this.A, this.D * K);
    this.latent.forEach((d, i) => {
      for (let r = 0; r < d; r++) A[(this.starts[i] + r) * K + r] = 1;
    });
  }

  /** Σ's map A from the free parameters at P (once per step, before kl). */
  prepare(P: number): void {
    if (this.alpha === 0) return;
    const { k } = this,
      K = this.factors;
    this.latent.forEach((d, i) => k.cayley(K, d, /* flips */ 0, P + this.free[i], this.O[i], this.work));
    const A = k.heap.view(this.A, this.D * K);
    this.latent.forEach((d, i) => {
      const O = k.heap.view(this.O[i], K * d);
      for (let r = 0; r < d; r++) for (let c = 0; c < K; c++) A[(this.starts[i] + r) * K + c] = O[c * d + r];
    });
  }

  /** The latent width of the blocks in `present` (view indices, ascending). */
  width(present: readonly number[]): number {
    return present.reduce((s, i) => s + this.latent[i], 0);
  }

  /** kl[r] of Eq. 7 against the marginal prior of the blocks in `present` (the JointPrior contract). */
  kl(...[P, rows, present, blocks, kl, g]: Parameters<JointPrior['kl']>): void {
    const { k, joint, alpha } = this,
      K = this.factors;
    const DS = this.width(present);
    const A = k.heap.view(this.A, this.D * K),
      AS = k.heap.view(this.AS, DS * K);
    let row = 0;
    for (const i of present) {
      AS.set(A.subarray(this.starts[i] * K, (this.starts[i] + this.latent[i]) * K), row * K);
      row += this.latent[i];
    }
    this.moveBlocks(blocks, rows, DS, (b) => [b.mu, joint.mu], true);
    this.moveBlocks(blocks, rows, DS, (b) => [b.lv, joint.lv], true);
    const learnt = g !== null && alpha !== 0; // α = 0 has no prior parameters to learn
    if (learnt) k.heap.view(this.dAS, DS * K).fill(0);
    if (g) for (const d of [joint.dmu, joint.dlv]) k.heap.view(d, rows * DS).fill(0);
    const [dmu, dlv] = g ? [joint.dmu, joint.dlv] : [NULL, NULL];
    const dA = learnt ? this.dAS : NULL;
    k.factorKl(rows, DS, K, alpha, joint.mu, joint.lv, this.AS, kl, dmu, dlv, dA, g?.scale ?? 0, this.work);
    if (!g) return;
    this.moveBlocks(blocks, rows, DS, (b) => [b.dmu, joint.dmu], false);
    this.moveBlocks(blocks, rows, DS, (b) => [b.dlv, joint.dlv], false);
    if (!learnt) return;
    row = 0;
    for (const i of present) {
      const d = this.latent[i],
        dO = k.heap.view(this.dO[i], K * d),
        dA = k.heap.view(this.dAS, DS * K);
      for (let r = 0; r < d; r++) for (let c = 0; c < K; c++) dO[c * d + r] = dA[(row + r) * K + c];
      row += d;
      k.cayleyBackward(K, d, /* flips */ 0, P + this.free[i], this.dO[i], g.G + this.free[i], this.work);
    }
  }

  /**
   * Between each present block's buffer (rows × its latent) and its columns
   * of a joint buffer (rows × D_S, blocks side by side in view order): into
   * the joint buffer (μ, log σ²), or back out of it (their gradients, which
   * the view's forward left zero for the KL to add to).
   */
  private moveBlocks(
    blocks: readonly LatentBlock[],
    rows: number,
    DS: number,
    pair: (b: LatentBlock) => [number, number],
    intoJoint: boolean,
  ): void {
    const heap = this.k.heap;
    let col = 0;
    for (const b of blocks) {
      const n = b.latent,
        [own, joint] = pair(b);
      const mine = heap.view(own, rows * n),
        all = heap.view(joint, rows * DS);
      for (let r = 0; r < rows; r++) {
        if (intoJoint) all.set(mine.subarray(r * n, (r + 1) * n), r * DS + col);
        else mine.set(all.subarray(r * DS + col, r * DS + col + n), r * n);
      }
      col += n;
    }
  }

  /** A (D×K, row-major, blocks in view order) for the parameters of the last prepare. */
  factorMap(): Float64Array {
    return Float64Array.from(this.k.heap.view(this.A, this.D * this.factors));
  }

  /** Σ = (1 − α)·I + α·A·Aᵀ (D×D, row-major, blocks in view order) for the parameters at P. */
  covariance(P: number): Float64Array {
    this.prepare(P);
    const { D, alpha } = this,
      K = this.factors,
      A = this.factorMap();
    return matmul(A, transpose(A, D, K), D, K, D).map((v, e) => (e % (D + 1) === 0 ? 1 - alpha : 0) + alpha * v);
  }
}
