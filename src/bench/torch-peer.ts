// The PyTorch peer of `jpvae bench --peers` at its best: one Python process
// (bench/peers/torch_jpvae.py) per configuration, each idle on its stdin
// while the others run. A configuration is a split of threads between
// torch's OpenMP loops and OpenBLAS's GEMMs (both at N on 2 cores is four busy
// threads on two cores, slower than one), and a core type: where the
// environment forces OpenBLAS to an older core's kernels (OPENBLAS_CORETYPE,
// set on some machines for old OpenBLAS builds), the CPU's own kernels are
// measured too, once a process on them has given the forced one's GEMM
// products (checked in that process, before it trains).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const TORCH_SCRIPT = new URL('../../bench/peers/torch_jpvae.py', import.meta.url);
/** The largest relative difference from the forced kernels' products that the native ones may show (f32 sums in another order: ~1e-6). */
const PRODUCTS_TOLERANCE = 1e-4;

export interface TorchConfig {
  omp: number;
  blas: number;
  /** The core type whose kernels OpenBLAS ran, as OpenBLAS names it. */
  coretype: string;
  /** Whether that core type was forced by OPENBLAS_CORETYPE. */
  forced: boolean;
}

/** One Python process training in one configuration, answering a line per request. */
export class TorchPeer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly next: () => Promise<Record<string, unknown>>,
    readonly info: Record<string, unknown>,
    readonly config: TorchConfig,
  ) {}

  static async start(
    python: string,
    split: { omp: number; blas: number },
    env: NodeJS.ProcessEnv,
    products?: { save?: string; compare?: string },
  ): Promise<TorchPeer> {
    const args = [fileURLToPath(TORCH_SCRIPT), '--omp', `${split.omp}`];
    if (products?.save) args.push('--save-products', products.save);
    if (products?.compare) args.push('--compare-products', products.compare);
    const child = spawn(python, args, {
      env: { ...env, OMP_NUM_THREADS: `${split.omp}`, OPENBLAS_NUM_THREADS: `${split.blas}` },
    });
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
      const info = await next();
      const config = {
        omp: Number(info.omp),
        blas: Number(info.blas),
        coretype: String(info.coretype),
        forced: env.OPENBLAS_CORETYPE !== undefined,
      };
      return new TorchPeer(child, next, info, config);
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

/** The splits of 1..n threads between OpenMP and OpenBLAS: for each count t, (t, 1), (1, t) and (t, t). */
export function torchSplits(n: number): { omp: number; blas: number }[] {
  const out: { omp: number; blas: number }[] = [];
  for (let t = 1; t <= n; t++)
    for (const [omp, blas] of [
      [t, 1],
      [1, t],
      [t, t],
    ])
      if (!out.some((s) => s.omp === omp && s.blas === blas)) out.push({ omp, blas });
  return out;
}

/**
 * Every split on the environment's core type, and, where that is forced,
 * every split on the CPU's own kernels too if a process on them gives the
 * forced products. `note` says which core types ran and why.
 */
export async function startTorchPeers(python: string, n: number): Promise<{ peers: TorchPeer[]; note: string }> {
  const splits = torchSplits(n),
    forced = process.env.OPENBLAS_CORETYPE;
  const peers: TorchPeer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'jpvae-torch-')),
    products = join(dir, 'products.pt');
  try {
    for (const [i, s] of splits.entries())
      peers.push(await TorchPeer.start(python, s, process.env, i === 0 && forced ? { save: products } : undefined)); // one at a time: each warms up alone
    if (!forced)
      return {
        peers,
        note: `OPENBLAS_CORETYPE is not set: OpenBLAS runs its kernels for this CPU (${peers[0].config.coretype})`,
      };
    const native = { ...process.env };
    delete native.OPENBLAS_CORETYPE;
    delete native.OPENBLAS_L2_SIZE;
    const first = await TorchPeer.start(python, splits[0], native, { compare: products });
    const diff = Number(first.info.products_rel_diff);
    const what = `OPENBLAS_CORETYPE=${forced} is set; OpenBLAS's kernels for this CPU (${first.config.coretype}) give the forced ones' GEMM products to ${diff.toExponential(1)} (relative)`;
    if (!(diff <= PRODUCTS_TOLERANCE)) {
      first.close();
      return { peers, note: `${what}: not ${PRODUCTS_TOLERANCE}, so PyTorch ran on the forced kernels only` };
    }
    peers.push(first);
    for (const s of splits.slice(1)) peers.push(await TorchPeer.start(python, s, native));
    return { peers, note: `${what}: both measured` };
  } catch (e) {
    for (const p of peers) p.close();
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
