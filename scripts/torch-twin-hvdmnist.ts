// The PyTorch twin's data-parallel continuation on hvdMNIST with the
// paper's orthogonal prior (C = αO, α = 0.95), against jpvae continuing the
// same model for the same epochs: jpvae trains a model for --start epochs;
// a copy continues in jpvae (`jpvae train --resume`) and the twin continues
// it on --nproc processes (torch.distributed, gloo); `jpvae eval` scores
// both on hvdMNIST's 10,000 test images (imputation BCE of each half from
// the other, through the latent fit). What it writes goes to
// docs/pytorch.md's generated block (scripts/readme-results.ts).
//
//   node --import tsx scripts/torch-twin-hvdmnist.ts [--train 10000] [--start 3] [--more 3] [--nproc 2] [--out results/torch-twin-hvdmnist.json]

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/bench/machine.ts';
import { DEFAULT_PYTHON } from '../src/bench/peers.ts';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { encodeNpy } from '../src/data/npy.ts';
import { jsonText } from '../src/io/json-keys.ts';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '10000' },
    start: { type: 'string', default: '3' },
    more: { type: 'string', default: '3' },
    nproc: { type: 'string', default: '2' },
    out: { type: 'string', default: 'results/torch-twin-hvdmnist.json' },
  },
});
const [train, start, more] = [values.train, values.start, values.more].map(Number);
const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const pythonDir = fileURLToPath(new URL('../python', import.meta.url));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { out: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return { out: r.stdout, seconds: (performance.now() - t0) / 1000 };
}
const jpvae = (...args: string[]) => run(process.execPath, [bin, ...args]);

const dir = mkdtempSync(join(tmpdir(), 'torch-twin-hvdmnist-'));
try {
  const [base, js, py] = ['base', 'jpvae', 'torch'].map((m) => join(dir, m));
  const common = ['--prior', 'orthogonal', '--threads', '1'];
  jpvae('train', '--train-limit', String(train), ...common, '--epochs', String(start), '--out', base);
  // The twin reads the same training rows from files: hvdMNIST's first `train` rows, one NPY per half.
  const data = loadHvdMnist('train', train);
  const views = data.xs.map((x, i) => {
    const f = join(dir, `view${i + 1}.npy`);
    writeFileSync(f, encodeNpy({ rows: data.n, cols: data.dims[i], data: x }));
    return f;
  });
  cpSync(base, js, { recursive: true });
  const jsRun = jpvae('train', '--resume', js, '--epochs', String(start + more), '--threads', '1');
  const env = { ...process.env, PYTHONPATH: pythonDir, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const twinArgs = ['-m', 'jpvae_torch', 'train', '--init', base, '--view1', views[0], '--view2', views[1]];
  const pyRun = run(
    DEFAULT_PYTHON,
    [...twinArgs, '--epochs', String(more), '--nproc', values.nproc!, '--out', py],
    env,
  );
  const score = (m: string) => {
    const e = JSON.parse(jpvae('eval', '--model', m, '--json').out);
    return { impute: e.impute, recon: e.recon, kl: e.kl, elbo: e.elbo };
  };
  const torch = spawnSync(DEFAULT_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  const [jsScore, pyScore] = [score(js), score(py)];
  const ratio = Object.fromEntries(
    Object.keys(jsScore.impute).map((k) => [k, Number((pyScore.impute[k] / jsScore.impute[k]).toFixed(4))]),
  );
  const result = {
    protocol: `hvdMNIST, the first ${train} training rows; jpvae trains ${start} epochs (orthogonal prior, α = 0.95, batch 32, Adam 1e-3, 1 thread); then ${more} more epochs in jpvae (train --resume, 1 thread) and in the twin (${values.nproc} processes, gloo, 1 thread each); jpvae eval scores both on the 10,000 test images (imputation: BCE summed over a half's pixels, per row)`,
    command: `node --import tsx scripts/torch-twin-hvdmnist.ts --train ${train} --start ${start} --more ${more} --nproc ${values.nproc}`,
    machine: { ...machineInfo(), torch: torch.stdout.trim() },
    base: score(base),
    jpvae: { ...jsScore, seconds: Number(jsRun.seconds.toFixed(1)) },
    torch: { ...pyScore, seconds: Number(pyRun.seconds.toFixed(1)), processes: Number(values.nproc) },
    impute_ratio: ratio,
  };
  writeFileSync(values.out!, jsonText(result, { indent: 1 }));
  console.log(readFileSync(values.out!, 'utf8'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
