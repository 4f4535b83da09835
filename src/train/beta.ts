// β of Eq. 2, the weight on the KL term. The paper anneals it from 0 (KL
// annealing, [17]); the paper's reference code's schedule works out to
// β = 1 all through. Schedules are functions of fractional epochs.

import { InputError } from '../errors.ts';

export type BetaSchedule =
  | { kind: 'constant'; value: number }
  | { kind: 'linear'; epochs: number } // 0 → 1 over the first `epochs`, then 1
  | { kind: 'cyclical'; epochs: number }; // cycles of `epochs`: 0 → 1 over the first half, 1 for the second (Fu et al., 2019)

/** A β schedule from its text; `label` names it in the error (the library's option by default; jpvae train: '--beta'). */
export function parseBeta(s: string, label = 'beta'): BetaSchedule {
  const [kind, arg] = s.split(':');
  const num = Number(arg);
  if (kind === 'constant' && arg === undefined) return { kind, value: 1 };
  if (kind === 'constant' && Number.isFinite(num) && num >= 0) return { kind, value: num };
  if ((kind === 'linear' || kind === 'cyclical') && num > 0) return { kind, epochs: num };
  throw new InputError(`${label}: expected constant[:B], linear:E or cyclical:E (E epochs > 0), got '${s}'`);
}

export const formatBeta = (b: BetaSchedule): string =>
  b.kind === 'constant' ? `constant:${b.value}` : `${b.kind}:${b.epochs}`;

/** β at `epoch` (fractional: epoch index + fraction of the epoch done). */
export function betaAt(b: BetaSchedule, epoch: number): number {
  switch (b.kind) {
    case 'constant':
      return b.value;
    case 'linear':
      return Math.min(1, epoch / b.epochs);
    case 'cyclical':
      return Math.min(1, 2 * ((epoch % b.epochs) / b.epochs));
  }
}
