// The control block of a training thread pool: one SharedArrayBuffer the
// threads synchronise on with Atomics (wait/notify), written once per task.
// Nothing else passes between them: the work's data is in the shared wasm
// memory, where every thread's kernels already look.
//
// Int32 words: the owner's block (lane 0) holds SEQ, the count of tasks the
// owner has dispatched, ABORT (0, or the first lane that failed), each
// team's barrier (an arrival count and a generation), and the shared Adam
// update's words (adam-share.ts): per team the chunks claimed so far and
// READY (the SEQ of the task whose backward the team has done), and
// NOT_FINITE (a chunk's gradient was NaN or infinite). Each lane l ≥ 1 has
// LANE_WORDS words from l·LANE_WORDS holding its task and, when done, DONE =
// the SEQ it finished (FAILED when it failed, with the error's text in its
// ERROR_BYTES at the end of the buffer).

import { orUndefined } from '../errors.ts';
import { MAX_TEAMS } from './team.ts';

export const SEQ = 0,
  ABORT = 1;
/** A team's barrier words in the owner's block (teams 0 to MAX_TEAMS − 1). */
const ARRIVED = (team: number) => 2 + 2 * team,
  GENERATION = (team: number) => 3 + 2 * team,
  CLAIMED = (team: number) => 2 + 2 * MAX_TEAMS + team,
  READY = (team: number) => 2 + 3 * MAX_TEAMS + team,
  NOT_FINITE = 2 + 4 * MAX_TEAMS;
export const LANE_WORDS = 64;

/** Offsets in a lane's words. */
export const DONE = 0,
  TASK = 1,
  ROWS = 2,
  FLAG = 3,
  STEP = 4, // the Adam step a task updates at (a backward's: 0 when it updates nothing)
  MASK = 5; // the views present in the task's rows (bit i: views[i])
/**
 * Float64 slots, as word offsets (even, so 8-byte aligned): the task's
 * scale, when the lane started and finished it (ms since the epoch:
 * bench/profile-threads.ts lines them up with the owner's clock), and its
 * results (one per view, RESULT + 2·i for views[i], up to 8 views).
 */
export const SCALE = 8,
  STARTED = 10,
  FINISHED = 12,
  RESULT = 14;

export const FAILED = -1;

/** Tasks. */
export const NONE = 0,
  FORWARD = 1,
  BACKWARD = 2,
  ADAM = 3,
  STOP = 4;

export const ERROR_BYTES = 1024;

/**
 * Atomics.load polls before a thread sleeps in Atomics.wait (about 90 µs on
 * a free core: a poll costs ~5 ns). A step's barriers come every 0.05–3 ms
 * and a futex wake costs ~40 µs on a VM before the woken thread runs, per
 * barrier and side; a short spin catches the hand-offs that come quickly. A
 * longer one does not pay: at 200,000 polls (~1 ms) the training thread no
 * longer slept through its waits (bench/profile-threads.ts), but a step on
 * two cores got ~3% faster at best, within the noise of the bench, while two
 * threads sharing one core (a loaded machine) stepped 60% slower, each
 * hand-off costing a whole spin.
 */
export const SPIN = 20000;

/** Until i32[at] ≠ old: a bounded spin, then Atomics.wait where this thread may block; returns the new value. */
export function waitChange(i32: Int32Array, at: number, old: number): number {
  for (let s = 0; ; s++) {
    const x = Atomics.load(i32, at);
    if (x !== old) return x;
    if (s >= SPIN && canBlock(i32)) Atomics.wait(i32, at, old);
  }
}

export function controlBytes(lanes: number): number {
  return (lanes + 1) * (LANE_WORDS * 4 + ERROR_BYTES);
}

/** Views of a control block for `lanes` lanes besides the owner. */
export class Control {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  private readonly text: Uint8Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly lanes: number,
  ) {
    const words = (lanes + 1) * LANE_WORDS;
    this.i32 = new Int32Array(buffer, 0, words);
    this.f64 = new Float64Array(buffer, 0, words / 2);
    this.text = new Uint8Array(buffer, words * 4, (lanes + 1) * ERROR_BYTES);
  }

  word(lane: number, offset: number): number {
    return lane * LANE_WORDS + offset;
  }
  getF64(lane: number, offset: number): number {
    return this.f64[(lane * LANE_WORDS + offset) / 2];
  }
  setF64(lane: number, offset: number, x: number): void {
    this.f64[(lane * LANE_WORDS + offset) / 2] = x;
  }

  /**
   * Mark a lane failed with an error or its message (lane 0: the owner
   * failed inside a team's work); wakes whoever waits on it, and every
   * thread waiting at a team barrier, which then throws instead of waiting
   * for a thread that will not come.
   */
  fail(lane: number, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    this.text.fill(0, lane * ERROR_BYTES, (lane + 1) * ERROR_BYTES);
    this.text.set(bytes, lane * ERROR_BYTES);
    const i32 = this.i32;
    Atomics.compareExchange(i32, ABORT, 0, lane === 0 ? -1 : lane);
    if (lane > 0) {
      Atomics.store(i32, this.word(lane, DONE), FAILED);
      Atomics.notify(i32, this.word(lane, DONE));
    }
    for (let team = 0; team < MAX_TEAMS; team++) {
      Atomics.add(i32, GENERATION(team), 1);
      Atomics.notify(i32, GENERATION(team));
      Atomics.store(i32, READY(team), FAILED);
      Atomics.notify(i32, READY(team));
    }
  }

  error(lane: number): string {
    const bytes = this.text.slice(lane * ERROR_BYTES, (lane + 1) * ERROR_BYTES);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  }

  /** The first failure's error, when a thread has failed. */
  failure(): Error | undefined {
    const lane = Atomics.load(this.i32, ABORT);
    return lane === 0 ? undefined : new Error(`training thread failed: ${this.error(lane < 0 ? 0 : lane)}`);
  }

  /** Throws the first failure's error, when a thread has failed. */
  throwIfFailed(): void {
    const failed = this.failure();
    if (failed) throw failed;
  }

  /** Until all `size` threads of `team` have arrived; throws when a thread has failed meanwhile. */
  barrier(team: number, size: number): void {
    const i32 = this.i32,
      gen = Atomics.load(i32, GENERATION(team));
    this.throwIfFailed();
    if (Atomics.add(i32, ARRIVED(team), 1) === size - 1) {
      Atomics.store(i32, ARRIVED(team), 0);
      Atomics.add(i32, GENERATION(team), 1);
      Atomics.notify(i32, GENERATION(team));
      return;
    }
    waitChange(i32, GENERATION(team), gen);
    this.throwIfFailed();
  }

  /** Before task `seq`, which updates: no chunk claimed, no gradient seen that is not finite; with `ready`, every team READY from the start. */
  startUpdate(seq: number, ready: boolean): void {
    const i32 = this.i32;
    for (let team = 0; team < MAX_TEAMS; team++) {
      i32[CLAIMED(team)] = 0;
      i32[READY(team)] = ready ? seq : 0;
    }
    i32[NOT_FINITE] = 0;
  }

  /** The next chunk index of `team`'s list for this thread (past the list's end: none is left). */
  claim(team: number): number {
    return Atomics.add(this.i32, CLAIMED(team), 1);
  }
  claimed(team: number): number {
    return Atomics.load(this.i32, CLAIMED(team));
  }

  /** `team` has done its backward of task `seq`: its chunks' gradients are complete. */
  setReady(team: number, seq: number): void {
    Atomics.store(this.i32, READY(team), seq);
    Atomics.notify(this.i32, READY(team));
  }

  /** Until `team` is READY for task `seq`; throws when a thread failed meanwhile. */
  waitReady(team: number, seq: number): void {
    const i32 = this.i32;
    for (let r = Atomics.load(i32, READY(team)); r !== seq; r = waitChange(i32, READY(team), r)) this.throwIfFailed();
  }

  markNotFinite(): void {
    Atomics.store(this.i32, NOT_FINITE, 1);
  }
  /** Whether every chunk's gradients of the last update were finite. */
  allFinite(): boolean {
    return Atomics.load(this.i32, NOT_FINITE) === 0;
  }
}

let blocking: boolean | undefined;
/** May this thread block in Atomics.wait? A browser's main thread may not (it throws there): waitChange spins instead. */
function canBlock(i32: Int32Array): boolean {
  // The probe cannot block: the value differs, or the timeout is 0.
  return (blocking ??= orUndefined(() => Atomics.wait(i32, 0, Atomics.load(i32, 0) + 1, 0)) !== undefined);
}
