// Shared timing for the benches: rates in wall time, best-of-rounds rates
// in this process's CPU time, and the backends every section races.

import { availableBackends, type BackendChoice } from '../core/index.ts';

export type Table = Record<string, Record<string, number>>;
export const round = (x: number, digits = 3): number => Number(x.toPrecision(digits));

/** The middle value of xs (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b),
    h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Result keys and backends: the plain-simd wasm build, the relaxed-simd one (when the engine takes it), the js twin. */
export function benchBackends(): [string, BackendChoice][] {
  const key = { 'wasm-simd': 'wasm', 'wasm-relaxed': 'wasm_relaxed', js: 'js', 'js-f64': 'js_f64' } as const;
  return availableBackends().map((b) => [key[b], b]);
}

/** Calls per second of `call` over about `seconds` of wall time, times `work` (the work of one call). */
export function wallRate(call: () => void, work: number, seconds: number): number {
  return rateOn(() => performance.now() / 1000, call, work, seconds);
}

/** The rate of `call` (times its `work`) over about `seconds` by `clock` (seconds). */
function rateOn(clock: () => number, call: () => void, work: number, seconds: number): number {
  let calls = 0;
  const t0 = clock();
  let t = t0;
  while (t - t0 < seconds) {
    call();
    calls++;
    t = clock();
  }
  return (calls * work) / (t - t0);
}

/**
 * The best rate over `rounds` rounds of about `seconds` each, after a
 * warm-up call; `work` is the work of one call. Timed in this process's
 * CPU time: the same as wall time on an idle machine, and immune to other
 * processes sharing the cores.
 */
export function bestRate(call: () => void, work: number, seconds: number, rounds: number): number {
  const cpuSeconds = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  call();
  let best = 0;
  for (let r = 0; r < rounds; r++) best = Math.max(best, rateOn(cpuSeconds, call, work, seconds));
  return best;
}
