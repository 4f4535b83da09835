// `npm run bench [-- --json] [-- --quick]`: the same as `jpvae bench`.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['bench', ...process.argv.slice(2)]);
