// Checkpoints as a set: SIGKILL in every window of a checkpoint write
// (JPVAE_CRASH_AT kills the process at a named point) leaves a directory
// that loads, and --resume then ends byte-identical to an uninterrupted
// run; readers during training never see a half-switched set; the lock
// refuses a second trainer of the same directory and outlives no process.

import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/store/load-model.ts';
import { BIN, jpvae, tempDir, weightsPath } from './util.ts';
import { camelCaseKeys } from '../src/io/json-keys.ts';

const SMALL = ['--train-limit', '200', '--hidden', '16', '--latent', '2', '--seed', '2'];
const POINTS = [
  'train-state:write',
  'train-state:rename',
  'weights:write',
  'weights:rename',
  'model.json:write',
  'model.json:rename',
  'cleanup',
];

function trainKilledAt(point: string, out: string) {
  return spawnSync(process.execPath, [BIN, 'train', ...SMALL, '--epochs', '3', '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, JPVAE_CRASH_AT: point },
  });
}

/** What a finished run must reproduce bit for bit: weights, Adam state, the latent fit. */
function result(dir: string) {
  const json = camelCaseKeys(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))) as any;
  return {
    weights: readFileSync(weightsPath(dir)),
    state: readFileSync(join(dir, json.files.trainState.name)),
    fit: json.latentFit,
    epoch: json.training.state.epoch,
  };
}

test('SIGKILL in every window of the first and of a later checkpoint: the directory loads, and --resume ends byte-identical to an uninterrupted run', (t) => {
  const dir = tempDir(t),
    ref = join(dir, 'ref');
  t.is(jpvae('train', ...SMALL, '--epochs', '3', '--out', ref).code, 0);
  const want = result(ref);
  for (const save of [1, 2]) {
    for (const point of POINTS) {
      const label = `${point}@${save}`,
        out = join(dir, label.replace(/[:@.]/g, '-'));
      const killed = trainKilledAt(label, out);
      t.is(killed.signal, 'SIGKILL', `${label}: ${killed.stderr}`);
      // model.json is the switch: before its rename the previous checkpoint is in place, after it the new one.
      const epoch = point === 'cleanup' ? save : save - 1;
      if (epoch === 0) {
        t.false(existsSync(join(out, 'model.json')), label);
        const again = jpvae('train', ...SMALL, '--epochs', '3', '--out', out); // the leftovers are ours: no --force needed
        t.is(again.code, 0, `${label}: ${again.err}`);
      } else {
        const { json } = loadModel(out);
        t.is(json.training!.state.epoch, epoch, label);
        const resumed = jpvae('train', '--resume', out, '--epochs', '3');
        t.is(resumed.code, 0, `${label}: ${resumed.err}`);
      }
      const got = result(out);
      t.true(got.weights.equals(want.weights) && got.state.equals(want.state), `${label}: not byte-identical`);
      t.deepEqual(got.fit, want.fit, label);
      // Nothing stale stays: no temporary, no lock, no file of an older checkpoint.
      t.is(readdirSync(out).length, 3, `${label}: ${readdirSync(out).join(' ')}`);
    }
  }
});

test('readers during training always load a complete checkpoint', async (t) => {
  const dir = tempDir(t),
    out = join(dir, 'm');
  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', out).code, 0);
  // Far more epochs than the readers need: they read until they have seen six checkpoints, then Ctrl-C stops the
  // trainer (one more complete checkpoint), so nothing depends on how fast this machine trains.
  const child = spawn(process.execPath, [BIN, 'train', '--resume', out, '--epochs', '1000000'], { stdio: 'ignore' });
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  let loads = 0,
    steps = new Set<number>(),
    running = true;
  void done.then(() => {
    running = false;
  });
  while (running) {
    const { json } = loadModel(out); // throws on a half-switched set
    loads++;
    steps.add(json.training!.state.step);
    if (steps.size > 5 && child.exitCode === null && !child.killed) child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 5));
  }
  t.is(await done, 130);
  loadModel(out); // the checkpoint Ctrl-C wrote is complete too
  t.log(`${loads} loads saw ${steps.size} checkpoints`);
  t.true(steps.size > 5, `${steps.size} checkpoints seen`);
});

test("two trainers of one directory: the second refuses in one line; a stale lock (a dead pid, empty, damaged) is taken over, another host's is not", async (t) => {
  const dir = tempDir(t),
    out = join(dir, 'm');
  // Far more epochs than the checks need: Ctrl-C ends it after them, so none depends on how fast it trains.
  const first = spawn(process.execPath, [BIN, 'train', ...SMALL, '--epochs', '1000000', '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  first.stderr.on('data', (d) => {
    err += d;
  });
  const done = new Promise((resolve) => first.on('close', resolve));
  while (!existsSync(join(out, 'train.lock'))) await new Promise((r) => setTimeout(r, 10));
  const second = jpvae('train', ...SMALL, '--epochs', '1', '--out', out, '--force');
  t.is(second.code, 2);
  t.regex(
    second.err,
    new RegExp(
      `^jpvae train: --out ${out}: in use by process ${first.pid} \\(.*train\\.lock\\); wait for it to finish\\n$`,
    ),
  );
  const resumer = jpvae('train', '--resume', out, '--epochs', '400');
  t.is(resumer.code, 2);
  t.regex(resumer.err, /--resume .*: in use by process/);
  first.kill('SIGINT');
  t.is(await done, 130, err);
  t.false(existsSync(join(out, 'train.lock')));
  const trained = loadModel(out).json.training!.state.epoch;

  // A lock left by a process that is gone (here: a pid that has exited) does not stop the next run.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  }).stdout;
  // Nor one that names no owner at all: empty (as a full disk once left it) or damaged.
  for (const [i, text] of [`${gone} ${hostname()}\n`, '', 'not a pid\n'].entries()) {
    writeFileSync(join(out, 'train.lock'), text);
    const r = jpvae('train', '--resume', out, '--epochs', String(trained + i + 1));
    t.is(r.code, 0, `${JSON.stringify(text)}: ${r.err}`);
    t.false(existsSync(join(out, 'train.lock')));
  }
  // One from another machine cannot be checked: refused, with what to do.
  writeFileSync(join(out, 'train.lock'), '12345 some-other-host\n');
  const other = jpvae('train', '--resume', out, '--epochs', String(trained + 4));
  t.is(other.code, 2);
  t.regex(other.err, /in use by process 12345 on some-other-host .*remove the lock if that process is gone/);
});

/** A version 4 model.json of an hvdMNIST model (camelCase) as version 1 wrote it: fields per view 1 and 2, no files. */
function asVersion1(json: any): object {
  const { files: _, data, latentFit: fit, training, ...rest } = json;
  const perView = (s: any) => s && { ...s, recon1: s.recon[0], recon2: s.recon[1], recon: undefined };
  return {
    ...rest,
    formatVersion: 1,
    data: {
      dataset: 'hvdmnist',
      views: data.views,
      binarize: data.binarize,
      trainRows: data.trainRows,
      testRows: data.heldOutRows,
    },
    latentFit: { n1: fit.latent[0], n2: fit.latent[1], rows: fit.rows, split: 'train', mean: fit.mean, cov: fit.cov },
    training: {
      ...training,
      state: {
        ...training.state,
        history: training.state.history.map((h: any) => ({ ...h, train: perView(h.train), test: perView(h.test) })),
      },
    },
  };
}

test('a formatVersion 1 directory (fixed file names, camelCase field names) still loads and resumes; the resumed one is version 4', (t) => {
  const dir = tempDir(t),
    out = join(dir, 'm'),
    ref = join(dir, 'ref');
  t.is(jpvae('train', ...SMALL, '--epochs', '2', '--out', ref).code, 0);
  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', out).code, 0);
  const json = camelCaseKeys(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))) as any;
  renameSync(join(out, json.files.weights.name), join(out, 'weights.safetensors'));
  renameSync(join(out, json.files.trainState.name), join(out, 'train-state.safetensors'));
  writeFileSync(join(out, 'model.json'), JSON.stringify(asVersion1(json))); // as version 1 spelt it: camelCase
  t.is(jpvae('eval', '--model', out, '--json').code, 0);
  const r = jpvae('train', '--resume', out, '--epochs', '2');
  t.is(r.code, 0, r.err);
  t.is(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).format_version, 4);
  t.true(result(out).weights.equals(result(ref).weights));
  t.is(readdirSync(out).length, 3, readdirSync(out).join(' '));
});
