// Runs the ava suite and ends with the plain line CI reads:
// "N passed, N failed". ava's TAP reporter gives the counts. First the
// gates: the wasm builds and dist/ are rebuilt (the CLI tests run the
// compiled bin, so a stale build cannot pass) and every file type-checks.
import { spawn, spawnSync } from 'node:child_process';

for (const script of ['build', 'typecheck']) {
  if (spawnSync('npm', ['run', '--silent', script], { stdio: ['ignore', 2, 'inherit'] }).status !== 0) {
    console.log(`npm run ${script} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const args = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] });
let pass = 0,
  fail = 0,
  tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail += chunk.toString();
  const lines = tail.split('\n');
  tail = lines.pop();
  for (const line of lines) {
    const m = /^# (pass|fail) (\d+)\s*$/.exec(line);
    if (m) m[1] === 'pass' ? (pass = +m[2]) : (fail = +m[2]);
  }
});
child.on('close', (code) => {
  if (code !== 0 && fail === 0) fail = 1; // ava failed outside a test (crash, no tests): never report green
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(code === 0 && fail === 0 && pass > 0 ? 0 : 1);
});
