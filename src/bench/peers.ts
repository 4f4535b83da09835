// jpvae's training beside the tool a CPU user would pick instead: PyTorch
// (bench/peers/torch_jpvae.py: the same model, batch, prior, loss and Adam
// on the same shape of data) at 1..N threads, jpvae at 1..N (as far as its
// pool goes), in interleaved rounds of wall time, all in this process tree:
// one Python process per thread count, each idle on its stdin while the
// others run, so whatever else the machine does weighs on every figure
// alike. Both sides warm up for a second first. Skipped, with a note, when
// Python or its torch is missing.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { availableThreads } from '../threads/plan.ts';
import { MAX_TRAINING_THREADS } from '../threads/pool.ts';
import { median, round, wallRate } from './rate.ts';
import { referenceOnThreads } from './threads.ts';
import { BATCH } from './train.ts';

export const DEFAULT_PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('../../bench/peers/torch_jpvae.py', import.meta.url);

export interface PeersFigures {
  threads: number[];
  /** Best-of-rounds samples/s per thread count. */
  jpvae_samples_per_s: Record<string, number>;
  torch_samples_per_s: Record<string, number>;
  /** Per thread count, the median over rounds of jpvae ÷ torch within each round. */
  ratio_same_threads: Record<string, number>;
  /** jpvae at its best thread count ÷ torch at its best. */
  ratio_best: number;
  best_threads: { jpvae: number; torch: number };
  rounds: number;
  round_seconds: number;
  /** torch and Python versions, the BLAS library torch loaded, the Debian packages when dpkg knows them. */
  torch: Record<string, string>;
}
export interface PeersResult {
  peers: PeersFigures | { skipped: string };
}

/** One Python process training at one thread count, answering a line per request. */
class TorchPeer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly next: () => Promise<Record<string, unknown>>,
    readonly info: Record<string, unknown>,
  ) {}

  static async start(python: string, threads: number): Promise<TorchPeer> {
    const env = { ...process.env, OMP_NUM_THREADS: `${threads}`, OPENBLAS_NUM_THREADS: `${threads}` };
    const child = spawn(python, [fileURLToPath(SCRIPT), '--threads', `${threads}`], { env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const gone = new Promise<never>((_, reject) => {
      const why = (what: string) => {
        const last = stderr.trim().split('\n').pop();
        reject(new Error(`${python} ${what}${last ? `: ${last}` : ''}`));
      };
      child.once('error', (e) => why(`did not start (${(e as NodeJS.ErrnoException).code ?? e.message})`));
      child.once('exit', (code) => why(`exited with code ${code}`));
    });
    gone.catch(() => {});
    const next = async () => {
      const line = await Promise.race([lines.next(), gone]);
      if (line.done) return gone;
      return JSON.parse(line.value) as Record<string, unknown>;
    };
    try {
      return new TorchPeer(child, next, await next());
    } catch (e) {
      child.kill();
      throw e;
    }
  }

  async round(seconds: number): Promise<number> {
    this.child.stdin.write(`round ${seconds}\n`);
    return (await this.next()).samples_per_s as number;
  }

  close(): void {
    this.child.stdin.end('quit\n');
  }
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
  if (!existsSync(SCRIPT))
    return { peers: { skipped: 'bench/peers/ is not in this install (it is in the source repository)' } };
  const [seconds, rounds] = quick ? [0.3, 2] : [3, 5];
  const threads = Array.from({ length: availableThreads() }, (_, i) => i + 1);
  const torch: TorchPeer[] = [];
  try {
    for (const t of threads) torch.push(await TorchPeer.start(python, t)); // one at a time: each warms up alone
  } catch (e) {
    for (const p of torch) p.close();
    return {
      peers: {
        skipped: `PyTorch peer not run: ${(e as Error).message} (on Debian: apt-get install python3-torch libopenblas0-pthread)`,
      },
    };
  }
  const ours = threads.filter((t) => t <= MAX_TRAINING_THREADS);
  const jpvae: Awaited<ReturnType<typeof referenceOnThreads>>[] = [];
  try {
    for (const t of ours) {
      jpvae.push(await referenceOnThreads(t));
      wallRate(jpvae[jpvae.length - 1].step, BATCH, 1); // warm-up, as long as the peer's
    }
    const rates = { jpvae: ours.map((): number[] => []), torch: threads.map((): number[] => []) };
    for (let r = 0; r < rounds; r++)
      for (const [i, t] of threads.entries()) {
        const measure = async (side: 'jpvae' | 'torch') => {
          if (side === 'torch') rates.torch[i].push(await torch[i].round(seconds));
          else if (t <= MAX_TRAINING_THREADS) rates.jpvae[i].push(wallRate(jpvae[i].step, BATCH, seconds));
        };
        for (const side of r % 2 ? (['torch', 'jpvae'] as const) : (['jpvae', 'torch'] as const)) await measure(side); // alternate which goes first
      }
    const best = (xs: number[][], ts: number[]) => Object.fromEntries(ts.map((t, i) => [t, round(Math.max(...xs[i]))]));
    const jpvaeBest = best(rates.jpvae, ours),
      torchBest = best(rates.torch, threads);
    const argmax = (table: Record<string, number>) =>
      Number(Object.entries(table).reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
    const best_threads = { jpvae: argmax(jpvaeBest), torch: argmax(torchBest) };
    return {
      peers: {
        threads,
        jpvae_samples_per_s: jpvaeBest,
        torch_samples_per_s: torchBest,
        ratio_same_threads: Object.fromEntries(
          ours.map((t, i) => [t, round(median(rates.jpvae[i].map((x, r) => x / rates.torch[i][r])))]),
        ),
        ratio_best: round(jpvaeBest[best_threads.jpvae] / torchBest[best_threads.torch]),
        best_threads,
        rounds,
        round_seconds: seconds,
        torch: {
          torch: String(torch[0].info.torch),
          python: String(torch[0].info.python),
          blas: String(torch[0].info.blas),
          ...debianPackages(),
        },
      },
    };
  } finally {
    for (const p of torch) p.close();
    for (const j of jpvae) await j.close();
  }
}

export function formatPeers(r: PeersResult): string {
  const p = r.peers;
  if ('skipped' in p) return `training beside PyTorch: skipped: ${p.skipped}`;
  const versions = Object.entries(p.torch)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `training beside PyTorch CPU (${versions}), reference model, batch ${BATCH}, wall time, ${p.rounds} interleaved rounds of ${p.round_seconds} s`,
    '  threads    jpvae    torch  jpvae/torch (median over rounds)',
  ];
  for (const t of p.threads) {
    const ours = p.jpvae_samples_per_s[t],
      theirs = p.torch_samples_per_s[t];
    const ratio = ours === undefined ? '' : `${(ours / theirs).toFixed(2)}× (${p.ratio_same_threads[t].toFixed(2)}×)`;
    lines.push(
      `  ${String(t).padEnd(7)} ${ours === undefined ? '       –' : ours.toFixed(0).padStart(8)} ${theirs.toFixed(0).padStart(8)}  ${ratio}`,
    );
  }
  const { jpvae, torch } = p.best_threads;
  lines.push(
    `  best: jpvae on ${jpvae} thread(s) ${p.jpvae_samples_per_s[jpvae].toFixed(0)} ÷ torch on ${torch} ${p.torch_samples_per_s[torch].toFixed(0)} = ${p.ratio_best.toFixed(2)}×`,
  );
  return lines.join('\n');
}
