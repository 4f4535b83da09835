// Markdown tables of a reproduce run: ours as mean (sd) over seeds, the
// paper's beside them.

import type { Downstream } from './downstream.ts';
import type { Metrics } from './metrics.ts';
import { DOWNSTREAM_KEYS, PAPER_TABLE_1, PAPER_TABLE_3, PAPER_TRUE_HALVES } from './paper.ts';

export interface RunResult {
  prior: 'zero' | 'svd' | 'orthogonal';
  seed: number;
  metrics: Metrics; // test split, imputation through the latent fit on the training rows
  imputePrior: { x1_given_x2: number; x2_given_x1: number }; // imputation through the learnt prior Σ_C
  downstream?: Downstream;
  trainSeconds: number;
}

export function meanSd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return [m, sd];
}

/** mean (sd) over seeds; a single seed has no sd. */
const fmt = (xs: number[], digits = 2) => {
  const [m, s] = meanSd(xs);
  return xs.length > 1 ? `${m.toFixed(digits)} (${s.toFixed(digits)})` : m.toFixed(digits);
};
const seedsLabel = (n: number) => `ours (${n} seed${n > 1 ? 's' : ''})`;
const paperFmt = (m: number, s: number, digits = 2) => `${m.toFixed(digits)} (${s.toFixed(digits)})`;
const LABEL = { zero: 'C = 0', svd: 'σ1(C) < 1', orthogonal: 'C = αO' } as const;

export function table1(runs: RunResult[]): string {
  const priors = (['zero', 'svd', 'orthogonal'] as const).filter((p) => runs.some((r) => r.prior === p));
  const rows: string[] = [
    '| prior | source | recon X̃1 | recon X̃2 | impute X̃1\\|2 | impute X̃2\\|1 | active units % | cross-corr ‖·‖F |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const p of priors) {
    const rs = runs.filter((r) => r.prior === p),
      P = PAPER_TABLE_1[p],
      col = (of: (r: RunResult) => number, digits?: number) => fmt(rs.map(of), digits);
    rows.push(
      `| ${LABEL[p]} | ${seedsLabel(rs.length)} | ${col((r) => r.metrics.recon.x1)} | ${col((r) => r.metrics.recon.x2)} | ${col((r) => r.metrics.impute.x1_given_x2)} | ${col((r) => r.metrics.impute.x2_given_x1)} | ${col((r) => 100 * r.metrics.active_units.fraction, 1)} | ${col((r) => r.metrics.cross_corr_frobenius.x1_x2, 3)} |`,
      `| | ours, posterior-mean decoding / imputation through Σ_C | ${col((r) => r.metrics.recon_mean.x1)} | ${col((r) => r.metrics.recon_mean.x2)} | ${col((r) => r.imputePrior.x1_given_x2)} | ${col((r) => r.imputePrior.x2_given_x1)} | | |`,
      `| | paper | ${P.mean.map((m, i) => paperFmt(m, P.sd[i], i === 4 ? 1 : 2)).join(' | ')} | ${P.crossCorr ?? '–'} |`,
    );
  }
  return rows.join('\n') + '\n';
}

export function table3(runs: RunResult[], truth: Downstream[]): string {
  const keys = DOWNSTREAM_KEYS;
  const head = keys.map((k) => `(${k.replace(/X~/g, 'X̃').replace(/\|/g, '\\|')})`);
  const rows = [`| prior | source | ${head.join(' | ')} |`, `|---|---|${keys.map(() => '---').join('|')}|`];
  for (const p of ['zero', 'svd', 'orthogonal'] as const) {
    const rs = runs.filter((r) => r.prior === p && r.downstream);
    if (!rs.length) continue;
    rows.push(
      `| ${LABEL[p]} | ${seedsLabel(rs.length)} | ${keys.map((k) => fmt(rs.map((r) => 100 * r.downstream![k]))).join(' | ')} |`,
      `| | paper | ${PAPER_TABLE_3[p].map((x) => x.toFixed(2)).join(' | ')} |`,
    );
  }
  if (truth.length) {
    rows.push('', '| true halves | ours | paper |', '|---|---|---|');
    for (const k of ['X1,X1', 'X2,X2'] as const)
      rows.push(`| (${k}) | ${fmt(truth.map((t) => 100 * t[k]))} | ${PAPER_TRUE_HALVES[k]} |`);
  }
  return rows.join('\n') + '\n';
}
