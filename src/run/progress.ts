/**
 * Progress of a suite run: a cli-progress bar (runs done, runs in flight, ETA) on a TTY, plain log
 * lines otherwise (CI logs, pipes), nothing when silent.
 */
import cliProgress from 'cli-progress';
import type { RunRecord, RunSpec } from '../core/types.ts';
import { runLabel } from '../suite/plan.ts';

export type ProgressMode = 'bar' | 'lines' | 'silent';

export interface Progress {
  start(total: number, skipped: number): void;
  begin(spec: RunSpec): void;
  end(rec: RunRecord): void;
  stop(): void;
}

function outcome(rec: RunRecord): string {
  switch (rec.status) {
    case 'ok':
      return rec.train !== null && rec.train.finalAccuracy !== null ? `ok acc ${rec.train.finalAccuracy.toFixed(3)}` : 'ok';
    case 'stalled':
      return `stalled (${rec.reason.replace(/^stalled:\s*/, '')})`;
    case 'diverged':
      return `diverged at step ${rec.atStep} (${rec.reason.replace(/^diverged:\s*/, '')})`;
    case 'failed':
      return `FAILED ${rec.error.kind}: ${rec.error.message.split('\n')[0]}`;
  }
}

export function makeProgress(mode: ProgressMode, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Progress {
  const inFlight = new Map<string, string>();
  let done = 0;
  let total = 0;
  if (mode === 'silent') {
    return { start() {}, begin() {}, end() {}, stop() {} };
  }
  if (mode === 'lines') {
    const t0 = Date.now();
    return {
      start(t, skipped) {
        total = t;
        write(`${t} runs to do${skipped > 0 ? ` (${skipped} already recorded, skipped)` : ''}`);
      },
      begin() {},
      end(rec) {
        done++;
        const eta = done > 0 ? ((Date.now() - t0) / done) * (total - done) : 0;
        write(
          `[${done}/${total}] ${runLabel(rec.spec)}: ${outcome(rec)} in ${(rec.wallMs / 1000).toFixed(1)}s` +
            (done < total ? `, ETA ${Math.round(eta / 1000)}s` : ''),
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {value}/{total} runs | ETA {eta_formatted} | {failed} failed | now: {current}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      stream: process.stdout,
    },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  const current = () => {
    const labels = [...inFlight.values()];
    const s = labels.join(', ');
    return s.length > 70 ? `${s.slice(0, 67)}...` : s;
  };
  // Ctrl-C: give the terminal its cursor back; finished runs are already on disk
  const onSigint = () => {
    bar.stop();
    process.stdout.write(`interrupted: ${done} of ${total} runs done this time; rerun the same command to resume\n`);
    process.exit(130);
  };
  return {
    start(t, skipped) {
      total = t;
      if (skipped > 0) write(`${skipped} runs already recorded, skipped`);
      process.once('SIGINT', onSigint);
      bar.start(t, 0, { current: '', failed: 0 });
    },
    begin(spec) {
      inFlight.set(spec.id, runLabel(spec));
      bar.update({ current: current() });
    },
    end(rec) {
      inFlight.delete(rec.id);
      done++;
      if (rec.status === 'failed') failed++;
      bar.increment(1, { current: current(), failed });
    },
    stop() {
      process.removeListener('SIGINT', onSigint);
      bar.stop();
    },
  };
}
