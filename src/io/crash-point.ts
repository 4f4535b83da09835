// A test hook for the crash tests: with JPVAE_CRASH_AT=<point>[@<n>] the
// process kills itself with SIGKILL the n-th time (default: the first) it
// reaches the named point of a checkpoint write, so a test can put a crash
// into every window of it. Unset, it does nothing.

const spec = /^([\w.:-]+?)(?:@(\d+))?$/.exec(process.env.JPVAE_CRASH_AT ?? '');
let reached = 0;

export function crashPoint(point: string): void {
  if (!spec || spec[1] !== point) return;
  if (++reached === Number(spec[2] ?? 1)) process.kill(process.pid, 'SIGKILL');
}
