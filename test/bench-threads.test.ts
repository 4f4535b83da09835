// The threads bench (`jpvae bench --only threads`): rates for 1 and 2
// threads, their per-round ratio, and the machine's own 2-core scaling from
// two independent one-thread trainings at once (one on a worker thread, so
// the worker must start from the compiled package). Timing is the bench's
// business: the figures are only checked to be rates and ratios.

import test from 'ava';
import { jpvae } from './util.ts';

test('jpvae bench --only threads --json: 1- and 2-thread rates, their ratio and the machine scaling', (t) => {
  const r = jpvae('bench', '--only', 'threads', '--quick', '--json');
  t.is(r.code, 0, r.err);
  const b = JSON.parse(r.out);
  const rates = b.train_samples_per_s_threads as Record<string, number>;
  t.truthy(rates['1'] > 0 && rates['2'] > 0, JSON.stringify(rates));
  const [lo, hi] = b.train_threads_speedup_range as number[];
  t.true(lo > 0 && lo <= b.train_threads_speedup && b.train_threads_speedup <= hi);
  // A ratio of rates with two cores at work: positive, and far below three.
  t.true(
    b.train_threads_machine_scaling > 0.5 && b.train_threads_machine_scaling < 3,
    String(b.train_threads_machine_scaling),
  );
});
