// npm run lint: prettier's check over the tree, and, for the AssemblyScript
// files prettier cannot parse (function decorators such as @inline), the same
// 120-column limit. Exit 1 with the offending files listed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const prettier = spawnSync('npx', ['prettier', '--check', '**/*.{ts,mjs,js,html,css,json}'], { stdio: 'inherit' });
let failed = prettier.status !== 0;
const ignored = readFileSync('.prettierignore', 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('assembly/'));
for (const file of ignored) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > 120) {
        console.log(`${file}:${i + 1}: ${line.length} columns (at most 120)`);
        failed = true;
      }
    });
}
process.exit(failed ? 1 : 0);
