// Progress on stderr: a live bar (ETA, samples/s, loss) on a terminal,
// plain periodic lines otherwise (CI logs, pipes).

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, values: { rate: number; loss: number }): void;
  stop(): void;
}

export function createProgress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: `${label} |{bar}| {percentage}% | ETA {eta_formatted} | {rate} samples/s | loss {loss}`,
      hideCursor: true,
      etaBuffer: 200,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { rate: '-', loss: '-' });
    return {
      update: (done, v) => bar.update(done, { rate: v.rate.toFixed(0), loss: v.loss.toFixed(2) }),
      stop: () => bar.stop(),
    };
  }
  let last = performance.now();
  return {
    update(done, v) {
      const now = performance.now();
      if (now - last < 10_000 && done < total) return;
      last = now;
      process.stderr.write(`${label} ${done}/${total} (${((100 * done) / total).toFixed(0)}%) ${v.rate.toFixed(0)} samples/s loss ${v.loss.toFixed(2)}\n`);
    },
    stop() {},
  };
}
