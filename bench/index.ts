// `npm run bench [-- --json] [-- --quick]`: kernel throughput, wasm against
// the js twin, measured in one run on one core, with the machine and
// versions. Each section is a function that measures and one that prints
// its part; --json prints every part merged into one object on stdout.

import { benchGemm, formatGemm } from './gemm.ts';
import { machineAndVersions } from './machine.ts';

interface Section<R extends object> { name: string; run(quick: boolean): R; format(result: R): string }
const section = <R extends object>(s: Section<R>): Section<object> => s as unknown as Section<object>;

const SECTIONS: Section<object>[] = [
  section({ name: 'gemm', run: benchGemm, format: formatGemm }),
];

const USAGE = 'usage: npm run bench [-- --json] [--quick]';
const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--json' && a !== '--quick') { console.error(`bench: unknown option '${a}'; ${USAGE}`); process.exit(2); }
}
const json = args.includes('--json'), quick = args.includes('--quick');

const info = machineAndVersions();
if (!json) console.log(`${info.machine.cpu} (${info.machine.cores} cores), ${info.machine.os}, node ${info.machine.node}, v8 ${info.machine.v8}, jpvae ${info.versions.jpvae}, assemblyscript ${info.versions.assemblyscript}\n`);
const result: object[] = [];
for (const s of SECTIONS) {
  if (!json) process.stderr.write(`measuring ${s.name}…\n`);
  const r = s.run(quick);
  result.push(r);
  if (!json) console.log(`${s.format(r)}\n`);
}
if (json) console.log(JSON.stringify(Object.assign({}, ...result, info)));
