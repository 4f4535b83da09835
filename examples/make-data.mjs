// Writes the examples' data: two views of the same 400 samples (a shared
// 2-D cause s; view 1 = 5 readings, view 2 = 4 readings, around 100 with
// spread 20), every 9th row missing one of its views (an empty line), and
// 50 new samples of view 1 alone with their true view 2.
//   node examples/make-data.mjs [dir]   (default examples/data)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? new URL('./data/', import.meta.url).pathname;
let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const A = [5, 4].map((d) => Array.from({ length: d }, () => [normal(), normal()]));
const sample = () => {
  const s = [normal(), normal()];
  return A.map((a) => a.map(([p, q]) => 100 + 20 * (p * s[0] + q * s[1] + 0.3 * normal())));
};
const line = (x) => x.map((v) => v.toFixed(3)).join(',');
const train = Array.from({ length: 400 }, sample),
  fresh = Array.from({ length: 50 }, sample);
const view = (i) => train.map((x, r) => (r % 9 === 4 && r % 2 === i ? '' : line(x[i]))).join('\n') + '\n';
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'view1.csv'), view(0));
writeFileSync(join(dir, 'view2.csv'), view(1));
writeFileSync(join(dir, 'new-view1.csv'), fresh.map((x) => line(x[0])).join('\n') + '\n');
writeFileSync(join(dir, 'new-view2-truth.csv'), fresh.map((x) => line(x[1])).join('\n') + '\n');
