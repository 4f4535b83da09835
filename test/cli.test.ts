// The jpvae command end to end on a small slice of hvdMNIST: training,
// resume, eval, and the one-line exit-2 contract for bad input.

import test from 'ava';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fitLatent } from '../src/impute/latent-fit.ts';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { loadModel } from '../src/store/load-model.ts';
import { jpvae, tempDir, weightsPath } from './util.ts';
import { camelCaseKeys } from '../src/io/json-keys.ts';

const SMALL = ['--train-limit', '300', '--hidden', '32', '--latent', '4', '--seed', '3'];

test('train, resume and eval on hvdMNIST; the latent fit comes from the training rows', (t) => {
  const dir = tempDir(t);
  const straight = jpvae('train', ...SMALL, '--epochs', '2', '--out', join(dir, 'a'), '--json');
  t.is(straight.code, 0, straight.err);
  const result = JSON.parse(straight.out);
  t.is(result.history.length, 2);
  t.true(result.history[1].train.loss < result.history[0].train.loss);

  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', join(dir, 'b')).code, 0);
  const resumed = jpvae('train', '--resume', join(dir, 'b'), '--epochs', '2');
  t.is(resumed.code, 0, resumed.err);
  t.deepEqual(readFileSync(weightsPath(join(dir, 'b'))), readFileSync(weightsPath(join(dir, 'a'))));

  const json = camelCaseKeys(JSON.parse(readFileSync(join(dir, 'a', 'model.json'), 'utf8'))) as any;
  t.deepEqual(json.latentFit.latent, [4, 4]);
  t.is(json.latentFit.rows, 300);
  t.is(json.latentFit.complete, 300);
  const { model } = loadModel(join(dir, 'a'));
  t.deepEqual(fitLatent(model, loadHvdMnist('train', 300)).cov, json.latentFit.cov);
  t.notDeepEqual(fitLatent(model, loadHvdMnist('test')).cov, json.latentFit.cov);

  const ev = jpvae('eval', '--model', join(dir, 'a'), '--json');
  t.is(ev.code, 0, ev.err);
  const m = JSON.parse(ev.out);
  t.is(m.n, 10000);
  t.is(m.active_units.total, 8);
  for (const x of [m.recon.x1, m.recon.x2, m.recon_mean.x1, m.impute.x1_given_x2, m.impute.x2_given_x1])
    t.true(x > 0 && x < 392 * Math.LN2 * 2);
});

const badInputs: [string, string[], RegExp][] = [
  ['unknown flag', ['train', '--bogus'], /Unknown option '--bogus'/],
  ['non-integer epochs', ['train', '--epochs', '2.5'], /--epochs: expected an integer/],
  ['alpha out of range', ['train', '--alpha', '1'], /--alpha: expected a number with −1 < α < 1/],
  ['alpha below range', ['train', '--alpha', '-1.5'], /--alpha/],
  [
    'more latent sizes than views',
    ['train', '--latent', '8,4,2'],
    /^jpvae train: --latent: give one size for every view or one per view \(2\), got 3$/,
  ],
  [
    'factors with a two-view prior',
    ['train', '--factors', '4'],
    /^jpvae train: --factors: for the factor prior only, got 4 with the orthogonal prior$/,
  ],
  ['unknown prior', ['train', '--prior', 'full'], /--prior: expected one of zero, svd, orthogonal/],
  ['bad beta', ['train', '--beta', 'linear'], /--beta: expected/],
  ['unknown command', ['fly'], /unknown command 'fly'/],
  ['eval without model', ['eval'], /--model: required/],
  ['eval of a non-model directory', ['eval', '--model', '/'], /not a jpvae model directory/],
];
test("n1 > n2 trains (--swap-views is accepted and ignored, with a note) and eval reports in the user's view order", (t) => {
  const dir = tempDir(t),
    model = join(dir, 'm');
  const tr = jpvae('train', ...SMALL, '--latent', '4,2', '--swap-views', '--epochs', '1', '--out', model);
  t.is(tr.code, 0, tr.err);
  t.regex(tr.err, /^jpvae train: --swap-views is no longer needed \(the prior orders the views by latent size\)$/m);
  const json = camelCaseKeys(JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'))) as any;
  t.false('swapViews' in json.config);
  t.deepEqual(json.config.latent, [4, 2]);
  t.deepEqual(json.latentFit.latent, [4, 2]);
  const ev = jpvae('eval', '--model', model, '--json', '--conditional', 'prior');
  t.is(ev.code, 0, ev.err);
  const m = JSON.parse(ev.out);
  t.is(m.active_units.total, 6);
  for (const x of [m.impute.x1_given_x2, m.impute.x2_given_x1]) t.true(x > 0 && x < 392 * Math.LN2 * 2);
});

for (const [what, args, message] of badInputs) {
  test(`bad input gets one line and exit code 2: ${what}`, (t) => {
    const r = jpvae(...args);
    t.is(r.code, 2);
    const lines = r.err.trim().split('\n');
    t.regex(lines[0], message);
    if (what !== 'unknown command') t.is(lines.length, 1, r.err); // (that one lists the commands after its line)
    t.notRegex(r.err, /at .*\.ts:\d+/); // no stack trace
  });
}

test('--out refuses a directory that is not a model, and a model without --force', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs', 'notes.txt'), 'mine');
  const r = jpvae('train', ...SMALL, '--epochs', '1', '--out', join(dir, 'docs'));
  t.is(r.code, 2);
  t.regex(r.err, /is not a jpvae model directory; refusing/);
  t.is(readFileSync(join(dir, 'docs', 'notes.txt'), 'utf8'), 'mine');

  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', join(dir, 'm')).code, 0);
  const again = jpvae('train', ...SMALL, '--epochs', '1', '--out', join(dir, 'm'));
  t.is(again.code, 2);
  t.regex(again.err, /already holds a model; pass --force/);
});

test('--resume refuses settings it would ignore; divergence stops training with the epoch and step named, and the last good checkpoint kept', (t) => {
  const dir = tempDir(t);
  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', dir).code, 0);
  const before = readFileSync(weightsPath(dir)),
    json = readFileSync(join(dir, 'model.json'));
  const refused = jpvae('train', '--resume', dir, '--epochs', '3', '--hidden', '64');
  t.is(refused.code, 2);
  t.regex(refused.err, /^jpvae train: --hidden: not with --resume; a resumed model keeps its settings/);
  const r = jpvae('train', '--resume', dir, '--epochs', '3', '--lr', '1e12');
  t.is(r.code, 1);
  t.regex(r.err, /training diverged: .* at epoch 2, step \d+/);
  t.deepEqual(readFileSync(weightsPath(dir)), before);
  t.deepEqual(readFileSync(join(dir, 'model.json')), json);
});

test('a corrupt weights file is reported in one line', (t) => {
  const dir = tempDir(t);
  t.is(jpvae('train', ...SMALL, '--epochs', '1', '--out', dir).code, 0);
  const w = readFileSync(weightsPath(dir));
  writeFileSync(weightsPath(dir), w.subarray(0, w.length - 100));
  const r = jpvae('eval', '--model', dir);
  t.is(r.code, 2);
  t.regex(r.err, /weights-\d+-[0-9a-f]{8}\.safetensors: \d+ bytes, but model\.json says \d+ \(truncated/);
});
