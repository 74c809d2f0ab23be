// The simulator's entry point: confirm a candidate by finding an interleaving
// of its threads and handlers that deadlocks, or say why none was found.
//
// Machines are tried from the fewest CPUs up: first one CPU per thread and
// process-context handler, then (when interrupt handlers exist) one more idle
// CPU at a time up to bounds.cpus, so the witness uses as few CPUs as it can.
// Each smaller machine's behaviours are a subset of the next one's, so "safe"
// is the verdict of the largest; the state budget and deadline are shared.
import { Machine } from './machine';
import { search } from './search';
import { DEFAULT_BOUNDS, type SimBounds, type SimProgram, type SimResult } from './types';

export type * from './types';
export { DEFAULT_BOUNDS } from './types';

export function simulate(
  program: SimProgram,
  bounds?: Partial<SimBounds>,
  token?: { isCancellationRequested: boolean },
): SimResult {
  const limits: SimBounds = { ...DEFAULT_BOUNDS, ...bounds };
  const threads = program.threads.length;
  if (threads > limits.cpus) {
    return { kind: 'bound', states: 0, reason: `${plural(threads, 'thread')} need as many CPUs, but bounds.cpus is ${limits.cpus}` };
  }
  const active = program.handlers.filter((h) => h.ops.length > 0);
  const processHandlers = active.filter((h) => h.ctx === 'process').length;
  const fewest = Math.max(1, Math.min(limits.cpus, threads + processHandlers));
  const most = active.some((h) => h.ctx !== 'process') ? Math.max(fewest, limits.cpus) : fewest;
  const deadline = Date.now() + limits.maxMillis;

  let states = 0;
  for (let cpus = fewest; cpus <= most; cpus++) {
    const outcome = search(new Machine(program, cpus), { maxStates: limits.maxStates - states, deadline, token });
    states += outcome.states;
    switch (outcome.kind) {
      case 'deadlock': {
        const used = new Set(outcome.witness.map((s) => s.cpu)).size;
        return { kind: 'deadlock', witness: outcome.witness, states, cpus: used };
      }
      case 'stopped':
        return { kind: 'bound', states, reason: stopReason(outcome.why, states, limits, cpus) };
      case 'exhausted':
        break;
    }
  }
  return {
    kind: 'safe',
    states,
    reason: `explored all ${states} states of ${describe(program)} on up to ${plural(most, 'CPU')}; ` +
      'no reachable state in which blocked CPUs wait on each other',
  };
}

function stopReason(why: 'maxStates' | 'maxMillis' | 'cancelled', states: number, limits: SimBounds, cpus: number): string {
  const unfinished = `before finishing the ${cpus}-CPU search; no deadlock found so far`;
  switch (why) {
    case 'maxStates':
      return `state bound reached: explored ${states} states (maxStates ${limits.maxStates}) ${unfinished}`;
    case 'maxMillis':
      return `time bound reached: ${limits.maxMillis} ms (maxMillis) after ${states} states ${unfinished}`;
    case 'cancelled':
      return 'cancelled';
  }
}

function describe(program: SimProgram): string {
  const handlers = program.handlers.filter((h) => h.ops.length > 0).length;
  return `${plural(program.threads.length, 'thread')} and ${plural(handlers, 'handler')}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
