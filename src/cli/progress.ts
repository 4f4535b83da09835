// Progress on stderr: a live bar (ETA, samples/s, loss) on a terminal,
// plain periodic lines otherwise (CI logs, pipes).

import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` units so far; `info` is shown after the bar (rate, loss, …). */
  update(done: number, info: string): void;
  stop(): void;
}

export function createProgress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} |{bar}| {percentage}% | ETA {eta_formatted} | {info}`,
        hideCursor: true,
        etaBuffer: 200,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      update: (done, info) => bar.update(done, { info }),
      stop: () => bar.stop(),
    };
  }
  let last = performance.now();
  return {
    update(done, info) {
      const now = performance.now();
      if (now - last < 10_000 && done < total) return;
      last = now;
      process.stderr.write(`${label} ${done}/${total} (${((100 * done) / total).toFixed(0)}%) ${info}\n`);
    },
    stop() {},
  };
}
