// Hostile model directories: a small trained model (a real-valued Gaussian
// view far from 0 and 1, a Bernoulli view, rows missing a view) mutated a
// few hundred ways from fixed seeds (JSON fields deleted, nulled, retyped,
// resized; safetensors header lengths, dtypes, shapes and offsets moved;
// NaN/Inf values; bytes flipped; files truncated, deleted or replaced by a
// directory) and run through eval, impute, export and train --resume. Each
// must exit 0 with well-formed output, or 2 with one line and nothing
// written; none may take 10 s or push the process past 1 GB. The cases run
// in-process through the CLI's main(); every 12th also as a real process,
// to hold the exit-code contract end to end. A failure names its seed.

import test from 'ava';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { Rng } from '../src/data/rng.ts';
import { validateModelJson } from '../src/store/model-json.ts';
import { GRAPH_NAMES } from '../src/onnx/manifest.ts';
import { crc32Hex } from '../src/io/crc32.ts';
import { jpvae, snapshot, tempDir } from './util.ts';
import { camelCaseKeys, jsonText } from '../src/io/json-keys.ts';

const CASES = 300,
  SPAWN_EVERY = 12,
  INPUT_ROWS = 7;
const COMMANDS = ['eval', 'impute', 'export', 'resume'] as const;
type Command = (typeof COMMANDS)[number];

/** Paired CSV views: view 1 real-valued around 200 (5 columns), view 2 binary (4 columns); every 9th row lacks one view. */
function writeData(dir: string): void {
  const rng = new Rng(11),
    v1: string[] = [],
    v2: string[] = [],
    input: string[] = [];
  for (let r = 0; r < 80 + INPUT_ROWS; r++) {
    const s = [rng.normal(), rng.normal()];
    const a = Array.from({ length: 5 }, (_, j) => (200 + 30 * s[j % 2] + 3 * rng.normal()).toFixed(3));
    const b = Array.from({ length: 4 }, (_, j) => (s[j % 2] + 0.5 * rng.normal() > 0 ? '1' : '0'));
    if (r >= 80) {
      input.push(a.join(','));
      continue;
    }
    v1.push(r % 9 === 4 ? '' : a.join(','));
    v2.push(r % 9 === 7 ? '' : b.join(','));
  }
  writeFileSync(join(dir, 'v1.csv'), v1.join('\n') + '\n');
  writeFileSync(join(dir, 'v2.csv'), v2.join('\n') + '\n');
  writeFileSync(join(dir, 'input.csv'), input.join('\n') + '\n');
}

/**
 * Run the CLI in this process: exit code, stdout, stderr, milliseconds of
 * CPU time (user + system, all threads): a slowness bound that other
 * processes on a loaded machine cannot trip, as wall time would.
 */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  const out: string[] = [],
    err: string[] = [];
  const [ow, ew] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  const t0 = process.cpuUsage();
  try {
    const code = await main(args);
    const cpu = process.cpuUsage(t0);
    return { code, out: out.join(''), err: err.join(''), ms: (cpu.user + cpu.system) / 1000 };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

// ---- mutations -------------------------------------------------------------

type Path = (string | number)[];

/** Every node's path (arrays longer than 6: their first two, last and one random element). */
function paths(v: unknown, rng: Rng, at: Path = []): Path[] {
  const out: Path[] = at.length ? [at] : [];
  if (Array.isArray(v)) {
    const idx = v.length <= 6 ? [...v.keys()] : [0, 1, v.length - 1, rng.below(v.length)];
    for (const i of idx) out.push(...paths(v[i], rng, [...at, i]));
  } else if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) out.push(...paths((v as Record<string, unknown>)[k], rng, [...at, k]));
  }
  return out;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.below(xs.length)];
const ODD_VALUES: unknown[] = [
  null,
  'x',
  '392x32',
  '',
  true,
  -1,
  0,
  0.5,
  1.5,
  1e308,
  -1e308,
  2 ** 53,
  1e9,
  [],
  {},
  [1, 2],
  { kind: 'x' },
];

/** One random change to a JSON value; returns a description. */
function mutateJson(root: Record<string, unknown>, rng: Rng): string {
  const all = paths(root, rng),
    path = pick(rng, all);
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root),
    key = path[path.length - 1];
  const value = parent[key],
    op = rng.below(6);
  const where = path.join('.');
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return `delete ${where}`;
  }
  if (op === 1 && typeof value === 'number') {
    const x = pick(rng, [
      value + 1,
      value - 1,
      -value,
      value * 2,
      value / 3,
      value * 1e6,
      Math.round(value) + 0.5,
      0,
      -1e-300,
    ]);
    parent[key] = x;
    return `${where}: ${value} → ${x}`;
  }
  if (op === 2 && Array.isArray(value)) {
    const how = rng.below(3);
    if (how === 0) value.pop();
    else if (how === 1) value.push(value[0] ?? 1);
    else value.length = 0;
    return `resize ${where} (${['pop', 'push', 'empty'][how]})`;
  }
  if (op === 3 && typeof value === 'string') {
    parent[key] = pick(rng, ['', 'bogus', value + 'x', value.toUpperCase(), '99']);
    return `${where}: '${value}' → '${parent[key]}'`;
  }
  const odd = pick(rng, ODD_VALUES);
  parent[key] = structuredClone(odd);
  return `${where} → ${JSON.stringify(odd)}`;
}

/** The header of a safetensors file and its payload. */
function splitSafetensors(buf: Buffer): { header: Record<string, any>; payload: Buffer } {
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString()), payload: buf.subarray(8 + n) };
}

function joinSafetensors(header: unknown, payload: Buffer, lengthDelta = 0): Buffer {
  const head = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Math.max(0, head.length + lengthDelta)));
  return Buffer.concat([len, head, payload]);
}

/** One random change to a safetensors file; `payloadFlips` allows flipping weight bytes (arbitrary finite values). */
function mutateSafetensors(buf: Buffer, rng: Rng, payloadFlips: boolean): { bytes: Buffer; what: string } {
  const { header, payload } = splitSafetensors(buf);
  const names = Object.keys(header).filter((k) => k !== '__metadata__'),
    name = pick(rng, names),
    t = header[name];
  const op = rng.below(payloadFlips ? 12 : 11);
  switch (op) {
    case 0: {
      const d = pick(rng, [-8, -1, 1, 7, 1000, 1e12]);
      return { bytes: joinSafetensors(header, payload, d), what: `header length ${d > 0 ? '+' : ''}${d}` };
    }
    case 1: {
      const b = Buffer.from(buf);
      const i = 8 + rng.below(Number(buf.readBigUInt64LE(0)));
      b[i] ^= 1 << rng.below(8);
      return { bytes: b, what: `flip a header bit at ${i}` };
    }
    case 2:
      t.dtype = pick(rng, ['F16', 'F64', 'I32', 'f32', null]);
      return { bytes: joinSafetensors(header, payload), what: `${name}.dtype → ${t.dtype}` };
    case 3:
      t.shape = pick(rng, [
        [...t.shape].reverse().concat(1),
        [t.shape[0] + 1, ...t.shape.slice(1)],
        '392x32',
        [-1],
        [],
        null,
        [2 ** 40],
      ]);
      return { bytes: joinSafetensors(header, payload), what: `${name}.shape → ${JSON.stringify(t.shape)}` };
    case 4: {
      const d = pick(rng, [-4, 4, -400, 1e9]);
      t.data_offsets = t.data_offsets.map((x: number) => x + d);
      return { bytes: joinSafetensors(header, payload), what: `${name}.data_offsets ${d}` };
    }
    case 5:
      t.data_offsets = pick(rng, [
        null,
        [0],
        [t.data_offsets[1], t.data_offsets[0]],
        [0, t.data_offsets[1] - t.data_offsets[0]],
        ['0', '4'],
      ]);
      return {
        bytes: joinSafetensors(header, payload),
        what: `${name}.data_offsets → ${JSON.stringify(t.data_offsets)}`,
      };
    case 6:
      delete header[name];
      return { bytes: joinSafetensors(header, payload), what: `delete tensor ${name}` };
    case 7:
      header.__metadata__ = pick(rng, [{ ...header.__metadata__, step: '999' }, {}, null, { step: 5 }]);
      return { bytes: joinSafetensors(header, payload), what: `__metadata__ → ${JSON.stringify(header.__metadata__)}` };
    case 8: {
      const p = Buffer.from(payload),
        i = t.data_offsets[0] + 4 * rng.below(Math.max(1, (t.data_offsets[1] - t.data_offsets[0]) / 4));
      const x = pick(rng, [NaN, Infinity, -Infinity]);
      p.writeFloatLE(x, i);
      return { bytes: joinSafetensors(header, p), what: `${name} element at byte ${i} → ${x}` };
    }
    case 9: {
      const cut = 1 + rng.below(buf.length - 1);
      return { bytes: buf.subarray(0, cut), what: `truncate to ${cut} bytes` };
    }
    case 10:
      return { bytes: Buffer.concat([buf, Buffer.alloc(1 + rng.below(64))]), what: 'append bytes' };
    default: {
      const b = Buffer.from(buf),
        start = buf.length - payload.length;
      const i = start + rng.below(payload.length);
      b[i] ^= 1 << rng.below(8);
      return { bytes: b, what: `flip a weight bit at ${i}` };
    }
  }
}

interface Case {
  command: Command;
  what: string;
  touches: 'json' | 'weights' | 'train-state' | 'dir';
}

type Kind = 'weights' | 'trainState';
const readJson = (m: string) => camelCaseKeys(JSON.parse(readFileSync(join(m, 'model.json'), 'utf8'))) as any;
const fileOf = (m: string, kind: Kind): string => join(m, readJson(m).files[kind].name);

/** Replace a checkpoint file by `bytes` under the name and checksum model.json then gives it: a hostile file that is consistently named. */
function resign(m: string, kind: Kind, bytes: Buffer): void {
  const j = readJson(m),
    old = j.files[kind].name as string,
    crc = crc32Hex(bytes);
  const name = old.replace(/-[0-9a-f]{8}\.safetensors$/, `-${crc}.safetensors`);
  rmSync(join(m, old));
  writeFileSync(join(m, name), bytes);
  j.files[kind] = { name, bytes: bytes.length, crc32: crc };
  writeFileSync(join(m, 'model.json'), jsonText(j, { indent: 1 }));
}

/** Apply case `seed`'s mutation to the model directory `m`. */
function mutate(m: string, seed: number): Case {
  const rng = new Rng(1000 + seed),
    command = COMMANDS[seed % COMMANDS.length],
    r = rng.below(100);
  const file = (name: string) => join(m, name);
  if (r < 50) {
    const text = readFileSync(file('model.json'), 'utf8');
    if (r < 6) {
      const whole = pick(rng, [
        'null',
        '[]',
        '{}',
        '"x"',
        text.slice(0, rng.below(text.length)),
        text.replace(/[0-9]/, 'x'),
      ]);
      writeFileSync(file('model.json'), whole);
      return { command, what: `model.json ← ${JSON.stringify(whole.slice(0, 30))}…`, touches: 'json' };
    }
    const json = JSON.parse(text);
    const what = mutateJson(json, rng);
    writeFileSync(file('model.json'), JSON.stringify(json, null, 1));
    return { command, what: `model.json: ${what}`, touches: 'json' };
  }
  if (r < 95) {
    const kind: Kind = r < 80 ? 'weights' : 'trainState',
      path = fileOf(m, kind);
    const { bytes, what } = mutateSafetensors(readFileSync(path), rng, command !== 'resume');
    // Mostly re-signed, so that the checks of the file's structure are reached, not only the checksum.
    const signed = rng.below(5) > 0;
    if (signed) resign(m, kind, bytes);
    else writeFileSync(path, bytes);
    return {
      command,
      what: `${kind}: ${what}${signed ? ' (re-signed)' : ''}`,
      touches: kind === 'weights' ? 'weights' : 'train-state',
    };
  }
  const j = readJson(m),
    name = pick(rng, ['model.json', j.files.weights.name, j.files.trainState.name]);
  rmSync(file(name));
  if (rng.below(2)) {
    mkdirSync(file(name));
    return { command, what: `${name} is a directory`, touches: 'dir' };
  }
  return { command, what: `${name} deleted`, touches: 'dir' };
}

function args(command: Command, m: string, out: string, base: string): string[] {
  switch (command) {
    case 'eval':
      return ['eval', '--model', m, '--json'];
    case 'impute':
      return ['impute', '--model', m, '--given', '1', '--input', join(base, 'input.csv'), '--out', out];
    case 'export':
      return ['export', '--model', m, '--out', out];
    case 'resume':
      return ['train', '--resume', m, '--epochs', '3'];
  }
}

/** Is an exit-0 result well-formed output for its command? Returns what is wrong, or ''. */
function checkOutput(command: Command, r: { out: string }, m: string, out: string): string {
  if (command === 'eval') {
    const j = JSON.parse(r.out);
    const nums = [
      j.recon.x1,
      j.recon.x2,
      j.recon_mean.x1,
      j.recon_mean.x2,
      j.impute.x1_given_x2,
      j.impute.x2_given_x1,
      j.elbo,
      j.cross_corr_frobenius.x1_x2,
    ];
    return nums.every(Number.isFinite) ? '' : `eval printed non-finite metrics: ${r.out}`;
  }
  if (command === 'impute') {
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    const ok =
      rows.length === INPUT_ROWS && rows.every((row) => row.length === 4 && row.every((x) => x >= 0 && x <= 1));
    return ok ? '' : 'impute wrote rows that are not 7×4 probabilities';
  }
  if (command === 'export') {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const files = Object.values(manifest.graphs as Record<string, { file: string }>).map((g) => g.file);
    return files.length === GRAPH_NAMES.length && files.every((f) => statSync(join(out, f)).size > 0)
      ? ''
      : 'export wrote an incomplete directory';
  }
  const json = readJson(m);
  return json.training.state.epoch === 3 && json.latentFit ? '' : 'resume did not end at epoch 3 with a latent fit';
}

/** The trained base model, made once for the tests of this file (they run one at a time: main() shares stdout). */
let made: Promise<string> | undefined;
function baseModel(t: {
  teardown(fn: () => void): void;
  is: (a: unknown, b: unknown, m?: string) => void;
}): Promise<string> {
  made ??= (async () => {
    const base = join(mkdtempSync(join(tmpdir(), 'jpvae-fuzz-')), 'base');
    mkdirSync(base);
    writeData(base);
    const trained = jpvae(
      'train',
      '--view1',
      join(base, 'v1.csv'),
      '--view2',
      join(base, 'v2.csv'),
      '--likelihood1',
      'gaussian',
      '--holdout',
      '0.25',
      '--hidden',
      '8',
      '--latent',
      '2,3',
      '--epochs',
      '2',
      '--seed',
      '5',
      '--out',
      join(base, 'model'),
    );
    if (trained.code !== 0) throw new Error(trained.err);
    return base;
  })();
  return made;
}
test.after.always(async () => {
  if (made) rmSync(join(await made, '..'), { recursive: true, force: true });
});

test.serial(
  `${CASES} mutated model directories through eval, impute, export and --resume: exit 0 with good output or 2 with one line, nothing written`,
  async (t) => {
    const dir = tempDir(t),
      base = await baseModel(t);

    // The unmutated model passes every command (the validation refuses no good file).
    for (const command of COMMANDS) {
      const m = join(dir, `clean-${command}`),
        out = join(dir, `clean-${command}-out${command === 'impute' ? '.csv' : ''}`);
      cpSync(join(base, 'model'), m, { recursive: true });
      const r = await inProcess(args(command, m, out, base));
      t.is(r.code, 0, `${command}: ${r.err}`);
      t.is(checkOutput(command, r, m, out), '');
    }

    const counts = { 0: 0, 2: 0 } as Record<number, number>,
      failures: string[] = [];
    let slowest = 0;
    for (let seed = 0; seed < CASES; seed++) {
      const m = join(dir, `case-${seed}`),
        out = join(dir, `out-${seed}${seed % 4 === 1 ? '.csv' : ''}`);
      cpSync(join(base, 'model'), m, { recursive: true });
      const c = mutate(m, seed),
        before = snapshot(m);
      const r = await inProcess(args(c.command, m, out, base));
      slowest = Math.max(slowest, r.ms);
      const label = `seed ${seed}, ${c.command}, ${c.what}`;
      const lines = r.err.trim().split('\n');
      counts[r.code] = (counts[r.code] ?? 0) + 1;
      if (c.touches === 'train-state' && c.command !== 'resume' && r.code !== 0)
        failures.push(`${label}: a file it does not read made it fail: ${r.err}`);
      if (r.code === 2) {
        if (lines.length !== 1 || /\n\s+at /.test(r.err))
          failures.push(`${label}: exit 2 with ${lines.length} lines: ${r.err}`);
        if (snapshot(m) !== before || existsSync(out)) failures.push(`${label}: exit 2 but something was written`);
      } else if (r.code === 0) {
        const bad = checkOutput(c.command, r, m, out);
        if (bad) failures.push(`${label}: ${bad}`);
        if (c.command !== 'resume' && snapshot(m) !== before)
          failures.push(`${label}: ${c.command} changed the model directory`);
      } else failures.push(`${label}: exit ${r.code}: ${r.err.slice(0, 300)}`);
      if (r.ms > 10_000) failures.push(`${label}: took ${(r.ms / 1000).toFixed(1)} s of CPU`);

      if (seed % SPAWN_EVERY === 0) {
        // The same case as a real process (on a fresh copy: a resume that succeeded has moved on).
        const m2 = `${m}-spawned`,
          out2 = `${out}-spawned${c.command === 'impute' ? '.csv' : ''}`;
        cpSync(join(base, 'model'), m2, { recursive: true });
        mutate(m2, seed);
        const s = jpvae(...args(c.command, m2, out2, base));
        if (s.code !== r.code) failures.push(`${label}: exit ${s.code} as a process, ${r.code} in-process: ${s.err}`);
        if (s.code === 2 && s.err.trim().split('\n').length !== 1)
          failures.push(`${label}: the process printed ${s.err}`);
      }
      rmSync(m, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
    const peak = process.resourceUsage().maxRSS / 1024; // MB, the whole test process's peak
    t.log(
      `${CASES} cases: ${counts[0]} exit 0, ${counts[2]} exit 2; slowest ${slowest.toFixed(0)} ms of CPU; peak RSS ${peak.toFixed(0)} MB`,
    );
    t.deepEqual(failures, []);
    t.true(counts[2] > CASES / 2, 'most mutations break the model'); // the generator really mutates
    t.true(
      counts[0] > 10,
      'some mutations keep a loadable model (files a command does not read, a flipped weight bit)',
    );
    t.true(peak < 1024, `peak RSS ${peak} MB`);
  },
);

/** Edit a copy of the base model: `json` changes model.json, `weights` the weights file's header and payload. */
type Edit = {
  json?: (j: any) => void;
  weights?: (h: Record<string, any>, payload: Buffer) => Buffer | void;
  raw?: (m: string) => void;
};

/** Every weight times 1e30 (finite in float32): outputs overflow on any rows. */
function hugeWeights(_h: Record<string, any>, payload: Buffer): void {
  for (let o = 0; o + 4 <= payload.length; o += 4) payload.writeFloatLE(payload.readFloatLE(o) * 1e30, o);
}
const UNUSABLE = /the weights are out of range: view 1's posterior mean is not finite on typical rows/;

const NAMED: [string, Edit, RegExp][] = [
  [
    'model.json is null',
    { raw: (m) => writeFileSync(join(m, 'model.json'), 'null') },
    /model\.json: \(top level\): expected an object, got null/,
  ],
  [
    'config missing',
    {
      json: (j) => {
        delete j.config;
      },
    },
    /model\.json: config: expected an object, got nothing \(missing\)/,
  ],
  [
    'hidden [10000, 10000]',
    {
      json: (j) => {
        j.config.hidden = [10000, 10000];
      },
    },
    /config\.hidden: .* makes 4\.00e\+8 parameters, more than the 6\.71e\+7 allowed/,
  ],
  [
    'hidden [3000, 3000]: more than the weights hold',
    {
      json: (j) => {
        j.config.hidden = [3000, 3000];
      },
    },
    /weights-4-[0-9a-f]{8}\.safetensors: \d+ bytes, but model\.json's config has \d+ parameters/,
  ],
  [
    'formatVersion 99',
    {
      json: (j) => {
        j.formatVersion = 99;
      },
    },
    /model\.json was written by a newer jpvae \(format 99; this jpvae reads up to 4\): upgrade jpvae\n/,
  ],
  [
    'an unknown likelihood',
    {
      json: (j) => {
        j.config.likelihood[1].kind = 'zip';
      },
    },
    /config\.likelihood\[1\]\.kind: expected one of bernoulli, gaussian, poisson, nb, got 'zip'/,
  ],
  [
    'a count likelihood without its median total',
    {
      json: (j) => {
        j.config.likelihood[1] = { kind: 'nb' };
      },
    },
    /config\.likelihood\[1\]\.median_total: expected a total count ≥ 1/,
  ],
  [
    'a negative variance',
    {
      json: (j) => {
        j.config.likelihood[0].variance = -1;
      },
    },
    /config\.likelihood\[0\]\.variance: expected 'learnt' or a variance > 0, got -1/,
  ],
  [
    'an all-zero latent covariance',
    {
      json: (j) => {
        j.latentFit.cov = j.latentFit.cov.map(() => 0);
      },
    },
    /latent_fit\.cov\[0\]: the variance of latent 1 is 0/,
  ],
  [
    'a covariance that is not positive definite',
    {
      json: (j) => {
        const d = 5;
        j.latentFit.cov = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0.9));
        j.latentFit.cov[1] = j.latentFit.cov[d] = -0.9;
      },
    },
    /latent_fit\.cov: is not positive definite/,
  ],
  [
    'a truncated latent covariance',
    {
      json: (j) => {
        j.latentFit.cov.pop();
      },
    },
    /latent_fit\.cov: expected an array of 25, got an array of 24/,
  ],
  [
    'a non-numeric epoch',
    {
      json: (j) => {
        j.training.state.epoch = '2';
      },
    },
    /training\.state\.epoch: expected an integer from 0/,
  ],
  [
    'a step that does not follow from the epochs',
    {
      json: (j) => {
        j.training.state.step += 1;
      },
    },
    /training\.state\.step: is 5, but 2 epochs of 2 batches make 4/,
  ],
  [
    'sd 0 in the standardisation',
    {
      json: (j) => {
        j.data.standardize[0].sd[2] = 0;
      },
    },
    /data\.standardize\[0\]\.sd\[2\]: expected a finite sd > 0, got 0/,
  ],
  [
    'a tensor shape "392x32"',
    {
      weights: (h) => {
        h['view1.encoder.0.weight'].shape = '392x32';
      },
    },
    /tensor 'view1\.encoder\.0\.weight'\.shape: expected an array, got '392x32'/,
  ],
  [
    'data_offsets missing',
    {
      weights: (h) => {
        delete h['view1.encoder.0.bias'].data_offsets;
      },
    },
    /tensor 'view1\.encoder\.0\.bias'\.data_offsets: expected an array of 2, got nothing/,
  ],
  [
    'negative offsets',
    {
      weights: (h) => {
        h['view1.encoder.0.bias'].data_offsets = [-32, 0];
      },
    },
    /data_offsets\[0\]: expected an integer from 0/,
  ],
  [
    'overlapping offsets',
    {
      weights: (h) => {
        const b = h['view1.encoder.0.bias'];
        b.data_offsets = [b.data_offsets[0] - 4, b.data_offsets[1] - 4];
      },
    },
    /overlaps the tensor before it/,
  ],
  [
    'a NaN weight',
    {
      weights: (h, p) => {
        p.writeFloatLE(NaN, h['view2.decoder.0.weight'].data_offsets[0] + 8);
      },
    },
    /tensor 'view2\.decoder\.0\.weight': element 2 is NaN/,
  ],
  [
    'an infinite weight',
    {
      weights: (h, p) => {
        p.writeFloatLE(-Infinity, h['prior.cayley'].data_offsets[0]);
      },
    },
    /tensor 'prior\.cayley': element 0 is -Infinity/,
  ],
  [
    'a header length one byte short',
    {
      raw: (m) => {
        const b = readFileSync(fileOf(m, 'weights'));
        b.writeBigUInt64LE(b.readBigUInt64LE(0) - 1n);
        resign(m, 'weights', b);
      },
    },
    /weights-4-[0-9a-f]{8}\.safetensors: (header: is not JSON|data_offsets: the tensors cover)/,
  ],
  [
    'the same, not re-signed: the checksum',
    {
      raw: (m) => {
        const b = readFileSync(fileOf(m, 'weights'));
        b.writeBigUInt64LE(b.readBigUInt64LE(0) - 1n);
        writeFileSync(fileOf(m, 'weights'), b);
      },
    },
    /weights-4-[0-9a-f]{8}\.safetensors: checksum [0-9a-f]{8}, but model\.json says [0-9a-f]{8} \(the file is corrupt\)/,
  ],
  [
    'the weights file is a directory',
    {
      raw: (m) => {
        rmSync(fileOf(m, 'weights'));
        mkdirSync(fileOf(m, 'weights'));
      },
    },
    /weights-4-[0-9a-f]{8}\.safetensors: cannot read: is a directory \(EISDIR\)/,
  ],
  [
    'a weights name that is a path',
    {
      json: (j) => {
        j.files.weights.name = '../../etc/passwd';
      },
    },
    /files\.weights\.name: expected weights-4-<crc32>\.safetensors, got '\.\.\/\.\.\/etc\/passwd'/,
  ],
  [
    'a weights file of another step',
    {
      json: (j) => {
        j.files.weights.name = j.files.weights.name.replace('-4-', '-2-');
      },
    },
    /files\.weights\.name: expected weights-4-<crc32>/,
  ],
  [
    'weights whose own step is another, re-signed (checkpoints are atomic sets: not an interrupted save)',
    {
      weights: (h) => {
        h.__metadata__.step = '3';
      },
    },
    /weights-4-[0-9a-f]{8}\.safetensors: from step 3 but model\.json from step 4: the two were not saved together/,
  ],
  [
    'no training section (named, not blamed on the weights file)',
    {
      json: (j) => {
        delete j.training;
      },
    },
    /model\.json: training: is missing, but files\.weights\.name is of step 4/,
  ],
  [
    'model.json of 100,000 nested arrays (no stack overflow in the key renaming)',
    { raw: (m) => writeFileSync(join(m, 'model.json'), `{"config": ${'['.repeat(1e5)}${']'.repeat(1e5)}}`) },
    /model\.json: format: expected 'jpvae-model'/,
  ],
  ['huge finite weights, re-signed', { weights: hugeWeights }, UNUSABLE],
];

test.serial(
  "the issue's corrupted model files: each exits 2 with its one line, before anything of the claimed size is allocated",
  async (t) => {
    const dir = tempDir(t),
      base = await baseModel(t);
    for (const [i, [what, edit, message]] of NAMED.entries()) {
      const m = join(dir, `m${i}`);
      cpSync(join(base, 'model'), m, { recursive: true });
      if (edit.json) {
        const j = readJson(m);
        edit.json(j);
        writeFileSync(join(m, 'model.json'), jsonText(j));
      }
      if (edit.weights) {
        const { header, payload } = splitSafetensors(readFileSync(fileOf(m, 'weights')));
        const p = Buffer.from(payload);
        resign(m, 'weights', joinSafetensors(header, edit.weights(header, p) ?? p));
      }
      edit.raw?.(m);
      const rss = process.memoryUsage().rss;
      const r = await inProcess(['eval', '--model', m, '--json']);
      t.is(r.code, 2, `${what}: ${r.err}`);
      t.regex(r.err, message, what);
      t.is(r.err.trim().split('\n').length, 1, what);
      t.true(
        process.memoryUsage().rss - rss < 100e6,
        `${what}: RSS grew by ${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB`,
      );
    }
  },
);

test.serial(
  'huge finite weights with a matching checksum: eval, impute, export and --resume refuse them alike, in one line, writing nothing',
  async (t) => {
    const dir = tempDir(t),
      base = await baseModel(t);
    for (const command of COMMANDS) {
      const m = join(dir, command),
        out = join(dir, `${command}-out${command === 'impute' ? '.csv' : ''}`);
      cpSync(join(base, 'model'), m, { recursive: true });
      const { header, payload } = splitSafetensors(readFileSync(fileOf(m, 'weights')));
      const p = Buffer.from(payload);
      hugeWeights(header, p);
      resign(m, 'weights', joinSafetensors(header, p));
      const before = snapshot(m);
      const r = jpvae(...args(command, m, out, base));
      t.is(r.code, 2, `${command}: ${r.err}`);
      t.regex(r.err, UNUSABLE, command);
      t.is(r.err.trim().split('\n').length, 1, command);
      t.is(snapshot(m), before, command);
      t.false(existsSync(out), command);
    }
  },
);

test.serial('the committed 30-epoch models (results/runs) pass the validation', (t) => {
  const runs = new URL('../results/runs/', import.meta.url).pathname;
  const dirs = readdirSync(runs).filter((d) => existsSync(join(runs, d, 'model.json')));
  t.true(dirs.length >= 15);
  for (const d of dirs)
    t.notThrows(() => validateModelJson(JSON.parse(readFileSync(join(runs, d, 'model.json'), 'utf8')), d), d);
});
