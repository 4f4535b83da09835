// `jpvae bench`: GEMM, training and imputation throughput, wasm against the
// js twin (and onnxruntime-web), measured in one run, on one thread but for
// the threads section, with the machine and versions. --json merges every section into one object.

import { benchGemm, formatGemm } from '../bench/gemm.ts';
import { machineInfo } from '../bench/machine.ts';
import { benchTrain, formatTrain } from '../bench/train.ts';
import { benchThreads, formatThreads } from '../bench/threads.ts';
import { benchPeers, DEFAULT_PYTHON, formatPeers } from '../bench/peers.ts';
import { sharedMemoryAvailable } from '../core/wasm.ts';
import { choiceFlag, commandFlags, flags } from './args.ts';
import { requirePackage } from './optional-package.ts';
import { jsonText } from '../io/json-keys.ts';

const SECTIONS = ['gemm', 'train', 'threads', 'impute', 'peers'] as const;

const HELP = `usage: jpvae bench [--only SECTION] [--peers] [--python PATH] [--quick] [--json]

  --only S                one section: gemm | train | threads | impute | peers (default: all but peers; train
                          needs gemm's rates for its GEMM-bound limit, so it runs gemm too; threads: training on
                          1, 2 and every count up to the cores, interleaved rounds of wall time, beside two
                          independent one-thread trainings at once: the machine's own 2-core scaling)
  --peers                 also train beside PyTorch CPU (bench/peers/torch_jpvae.py, same model, batch, prior
                          and Adam) at its best: every split of 1..N threads between OpenMP and OpenBLAS, on the
                          CPU's own OpenBLAS kernels where OPENBLAS_CORETYPE forces older ones and the products
                          check; and beside TensorFlow.js (wasm, cpu) and jax-js (wasm), stock and expert forms,
                          when installed; interleaved rounds of wall time; skipped with a note when Python or
                          torch is missing
  --python PATH           the Python whose torch --peers runs (default: ${DEFAULT_PYTHON}, Debian's python3-torch)
  --quick                 shorter rounds (noisier numbers)
  --json                  one JSON object on stdout: gemm_gflops, train_samples_per_s, train_samples_per_s_threads,
                          train_threads_speedup, train_threads_machine_scaling, impute_rows_per_s, peers (torch_configs, ratio_best, js_peers, …), machine
`;

export async function benchCommand(argv: string[]): Promise<void> {
  const f = commandFlags(argv, 'bench', HELP, flags({ string: 'only python', boolean: 'quick json peers' }));
  if (!f) return;
  const only = f.only === undefined ? undefined : choiceFlag(f.only, '--only', SECTIONS, 'gemm');
  const runs = (s: (typeof SECTIONS)[number]) =>
    s === 'peers'
      ? only === s || (!only && f.peers === true)
      : !only || only === s || (only === 'train' && s === 'gemm');
  if (runs('impute')) requirePackage('onnxruntime-web', 'the imputation bench (onnxruntime-web against wasm)'); // before minutes of the other sections
  const quick = f.quick ?? false,
    machine = machineInfo();
  const show = (s: string) => {
    if (!f.json) process.stdout.write(s + '\n\n');
  };
  const step = (s: string) => process.stderr.write(`measuring ${s}…\n`);
  show(
    `${machine.cpu} (${machine.cores} cores, load average ${machine.load_average.join(' ')}), ${machine.os}, node ${machine.node}, v8 ${machine.v8}, jpvae ${machine.jpvae}, assemblyscript ${machine.assemblyscript}, onnxruntime-web ${machine.onnxruntime_web}, onnxruntime-node ${machine.onnxruntime_node}`,
  );
  const results: object[] = [];
  if (runs('gemm')) {
    step('GEMM');
    const gemm = benchGemm(quick);
    show(formatGemm(gemm));
    results.push(gemm);
    if (runs('train')) {
      step('training');
      const train = benchTrain(quick, gemm);
      show(formatTrain(train));
      results.push(train);
    }
  }
  if (runs('threads') && !sharedMemoryAvailable())
    process.stderr.write('training on threads not measured: shared memory (SharedArrayBuffer) is unavailable here\n');
  else if (runs('threads')) {
    step('training on threads');
    const threads = await benchThreads(quick);
    show(formatThreads(threads));
    results.push(threads);
  }
  if (runs('impute')) {
    step('imputation');
    const { benchImpute, formatImpute } = await import('../bench/impute.ts');
    const impute = await benchImpute(quick);
    show(formatImpute(impute));
    results.push(impute);
  }
  if (runs('peers')) {
    step('training beside PyTorch');
    const peers = await benchPeers(quick, f.python);
    show(formatPeers(peers));
    results.push(peers);
  }
  if (f.json) process.stdout.write(jsonText(Object.assign({}, ...results, { machine })));
}
