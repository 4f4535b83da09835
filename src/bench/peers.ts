// jpvae's training beside the tools a user would pick instead: PyTorch CPU
// at its best (torch-peer.ts: every split of threads between OpenMP and
// OpenBLAS, on the CPU's own OpenBLAS kernels where they check out) at 1..N
// threads, jpvae at 1..N (as far as its pool goes), all on the same model,
// batch, prior, loss and Adam, in interleaved rounds of wall time in this
// process tree: each Python process idles on its stdin while the others
// run, and which contender goes first rotates round by round, so whatever
// else the machine does weighs on every figure alike. Every side warms up
// first. Skipped, with a note, when Python or its torch is missing.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableThreads } from '../threads/plan.ts';
import { MAX_TRAINING_THREADS } from '../threads/pool.ts';
import { createKernels } from '../core/index.ts';
import type { JsPeer } from './js-peer.ts';
import { versionOf } from './machine.ts';
import { benchBackends, median, round, wallRate } from './rate.ts';
import { jaxjsPeers } from './jaxjs-peer.ts';
import { tfjsPeers } from './tfjs-peer.ts';
import { referenceOnThreads } from './threads.ts';
import { startTorchPeers, TORCH_SCRIPT, type TorchConfig, type TorchPeer } from './torch-peer.ts';
import { BATCH, referenceTraining } from './train.ts';

export const DEFAULT_PYTHON = '/usr/bin/python3';
const JS_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@jax-js/jax'];

export interface PeersFigures {
  threads: number[];
  /** Best-of-rounds samples/s per thread count. */
  jpvae_samples_per_s: Record<string, number>;
  /** Per thread count, PyTorch's best configuration of that many threads at most (best of rounds). */
  torch_samples_per_s: Record<string, number>;
  /** Every configuration PyTorch ran: its OpenMP and OpenBLAS threads, OpenBLAS's core type, best-of-rounds samples/s. */
  torch_configs: (TorchConfig & { samples_per_s: number })[];
  /** Which core types PyTorch ran on, and why. */
  torch_coretype_note: string;
  /** Per thread count, the median over rounds of jpvae ÷ torch's best configuration at that count, within each round. */
  ratio_same_threads: Record<string, number>;
  /** jpvae at its best thread count ÷ torch in its best configuration (best of rounds each). */
  ratio_best: number;
  /** The same two within each round: lowest, median and highest over rounds. */
  ratio_best_rounds: [number, number, number];
  best_threads: { jpvae: number; torch: number };
  best_torch_config: TorchConfig;
  rounds: number;
  round_seconds: number;
  /** torch and Python versions, the BLAS library torch loaded, the Debian packages when dpkg knows them. */
  torch: Record<string, string>;
  /** In JS: the JS peers' forms and jpvae's own one-thread backends (its plain-TS twin, each wasm build), best of rounds; cpu_per_wall, the median over rounds of this process's CPU time per wall time (how many threads it kept busy). */
  js_peers: { name: string; samples_per_s: number; note: string; cpu_per_wall: number }[];
  /** The JS peers not run, and why (a package not installed). */
  js_peers_skipped: string[];
  /** The JS peers' package versions ('unknown' where not installed). */
  js_versions: Record<string, string>;
}
export interface PeersResult {
  peers: PeersFigures | { skipped: string };
}

/** The Debian packages behind the peer, when this is Debian. */
function debianPackages(): Record<string, string> {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'python3-torch', 'libopenblas0-pthread'], {
    encoding: 'utf8',
  });
  return Object.fromEntries(
    (r.stdout ?? '')
      .trim()
      .split('\n')
      .filter((l) => l.includes(' '))
      .map((l) => l.split(' ')),
  );
}

export async function benchPeers(quick: boolean, python = DEFAULT_PYTHON): Promise<PeersResult> {
  if (!existsSync(TORCH_SCRIPT))
    return { peers: { skipped: 'bench/peers/ is not in this install (it is in the source repository)' } };
  const [seconds, rounds] = quick ? [0.3, 2] : [3, 5];
  const threads = Array.from({ length: availableThreads() }, (_, i) => i + 1);
  let torch: TorchPeer[], torchNote: string;
  try {
    ({ peers: torch, note: torchNote } = await startTorchPeers(python, threads.length));
  } catch (e) {
    return {
      peers: {
        skipped: `PyTorch peer not run: ${(e as Error).message} (on Debian: apt-get install python3-torch libopenblas0-pthread)`,
      },
    };
  }
  const ours = threads.filter((t) => t <= MAX_TRAINING_THREADS);
  const jpvae: Awaited<ReturnType<typeof referenceOnThreads>>[] = [];
  const js: JsPeer[] = [],
    jsSkipped: string[] = [];
  try {
    for (const load of [tfjsPeers, jaxjsPeers]) {
      const got = await load();
      if (typeof got === 'string') jsSkipped.push(got);
      else js.push(...got);
    }
    // jpvae's own one-thread backends beside them: the plain-TS twin and each wasm build.
    for (const [name, backend] of benchBackends()) {
      const step = referenceTraining(createKernels(backend)).step;
      js.push({
        name: `jpvae ${name}`,
        note: `jpvae's ${name === 'js' ? 'plain-TypeScript twin' : `${name} build`}, one thread`,
        enter: async () => {},
        step,
        close: () => {},
      });
    }
    for (const p of js) {
      await p.enter();
      await jsRate(p, quick ? seconds : 1); // warm-up (jit, caches)
    }
    for (const t of ours) {
      jpvae.push(await referenceOnThreads(t));
      wallRate(jpvae[jpvae.length - 1].step, BATCH, 1); // warm-up, as long as the peer's
    }
    // Every contender, jpvae's thread counts then torch's configurations, measured once a round.
    const measures: (() => Promise<number>)[] = [
      ...jpvae.map((j) => async () => wallRate(j.step, BATCH, seconds)),
      ...torch.map((p) => () => p.round(seconds)),
      ...js.map((p, i) => async () => {
        await p.enter();
        const cpu0 = process.cpuUsage(),
          t0 = performance.now();
        const rate = await jsRate(p, seconds);
        const cpu = process.cpuUsage(cpu0);
        jsCpu[i].push((cpu.user + cpu.system) / 1000 / (performance.now() - t0));
        return rate;
      }),
    ];
    const rates: number[][] = measures.map(() => []);
    const jsCpu: number[][] = js.map(() => []); // this process's CPU seconds per wall second in each JS peer's rounds: the threads it kept busy
    for (let r = 0; r < rounds; r++)
      for (let j = 0; j < measures.length; j++) {
        const i = (j + r) % measures.length; // rotate which goes first
        rates[i].push(await measures[i]());
      }
    const ourRates = rates.slice(0, jpvae.length),
      torchRates = rates.slice(jpvae.length, jpvae.length + torch.length),
      jsRates = rates.slice(jpvae.length + torch.length);
    const best = (xs: number[]) => Math.max(...xs);
    const threadsOf = (c: TorchConfig) => Math.max(c.omp, c.blas);
    // Torch's best configuration (its index) with at most t threads.
    const torchBestAt = (t: number) =>
      torch
        .map((p, i) => i)
        .filter((i) => threadsOf(torch[i].config) <= t)
        .reduce((a, b) => (best(torchRates[b]) > best(torchRates[a]) ? b : a));
    const jpvaeBest = ours.reduce((a, b) => (best(ourRates[b - 1]) > best(ourRates[a - 1]) ? b : a));
    const torchBest = torchBestAt(threads.length);
    const perRound = (ourIndex: number, torchIndex: number) =>
      ourRates[ourIndex].map((x, r) => x / torchRates[torchIndex][r]);
    const bestRounds = perRound(jpvaeBest - 1, torchBest).sort((a, b) => a - b);
    return {
      peers: {
        threads,
        jpvae_samples_per_s: Object.fromEntries(ours.map((t, i) => [t, round(best(ourRates[i]))])),
        torch_samples_per_s: Object.fromEntries(threads.map((t) => [t, round(best(torchRates[torchBestAt(t)]))])),
        torch_configs: torch.map((p, i) => ({ ...p.config, samples_per_s: round(best(torchRates[i])) })),
        torch_coretype_note: torchNote,
        ratio_same_threads: Object.fromEntries(ours.map((t, i) => [t, round(median(perRound(i, torchBestAt(t))))])),
        ratio_best: round(best(ourRates[jpvaeBest - 1]) / best(torchRates[torchBest])),
        ratio_best_rounds: [bestRounds[0], median(bestRounds), bestRounds[bestRounds.length - 1]].map((x) =>
          round(x),
        ) as [number, number, number],
        best_threads: { jpvae: jpvaeBest, torch: threadsOf(torch[torchBest].config) },
        best_torch_config: torch[torchBest].config,
        rounds,
        round_seconds: seconds,
        torch: {
          torch: String(torch[0].info.torch),
          python: String(torch[0].info.python),
          blas: String(torch[0].info.blas_library),
          ...debianPackages(),
        },
        js_peers: js.map((p, i) => ({
          name: p.name,
          samples_per_s: round(best(jsRates[i])),
          note: p.note,
          cpu_per_wall: round(median(jsCpu[i]), 2),
        })),
        js_peers_skipped: jsSkipped,
        js_versions: Object.fromEntries(JS_PACKAGES.map((p) => [p, versionOf(p)])),
      },
    };
  } finally {
    for (const p of js) p.close();
    for (const p of torch) p.close();
    for (const j of jpvae) await j.close();
  }
}

/** Samples/s of a JS peer's step over about `seconds` of wall time (its step may be async). */
async function jsRate(p: JsPeer, seconds: number): Promise<number> {
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    await p.step();
    steps++;
    t = performance.now();
  }
  return (steps * BATCH * 1000) / (t - t0);
}

export function formatPeers(r: PeersResult): string {
  const p = r.peers;
  if ('skipped' in p) return `training beside PyTorch: skipped: ${p.skipped}`;
  const versions = Object.entries(p.torch)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `training beside PyTorch CPU (${versions}), reference model, batch ${BATCH}, wall time, ${p.rounds} interleaved rounds of ${p.round_seconds} s`,
    `  ${p.torch_coretype_note}`,
    '  PyTorch   OpenMP  OpenBLAS  core type           samples/s',
  ];
  for (const c of p.torch_configs)
    lines.push(
      `            ${String(c.omp).padEnd(7)} ${String(c.blas).padEnd(9)} ${(c.coretype + (c.forced ? ' (forced)' : '')).padEnd(19)} ${c.samples_per_s.toFixed(0).padStart(9)}`,
    );
  lines.push('  threads    jpvae    torch  jpvae/torch (median over rounds)');
  for (const t of p.threads) {
    const ours = p.jpvae_samples_per_s[t],
      theirs = p.torch_samples_per_s[t];
    const ratio = ours === undefined ? '' : `${(ours / theirs).toFixed(2)}× (${p.ratio_same_threads[t].toFixed(2)}×)`;
    lines.push(
      `  ${String(t).padEnd(7)} ${ours === undefined ? '       –' : ours.toFixed(0).padStart(8)} ${theirs.toFixed(0).padStart(8)}  ${ratio}`,
    );
  }
  const { jpvae } = p.best_threads,
    c = p.best_torch_config,
    [lo, mid, hi] = p.ratio_best_rounds;
  lines.push(
    `  best: jpvae on ${jpvae} thread(s) ${p.jpvae_samples_per_s[jpvae].toFixed(0)} ÷ torch on OpenMP ${c.omp}, OpenBLAS ${c.blas}, ${c.coretype} ${p.torch_samples_per_s[p.threads.length].toFixed(0)} = ${p.ratio_best.toFixed(2)}× (within rounds ${lo.toFixed(2)}–${hi.toFixed(2)}×, median ${mid.toFixed(2)}×)`,
  );
  lines.push('  in JS                           samples/s  CPU/wall');
  for (const j of p.js_peers)
    lines.push(
      `  ${j.name.padEnd(30)} ${j.samples_per_s.toFixed(0).padStart(9)}  ${j.cpu_per_wall.toFixed(2).padStart(8)}  ${j.note}`,
    );
  for (const note of p.js_peers_skipped) lines.push(`  ${note}`);
  return lines.join('\n');
}
