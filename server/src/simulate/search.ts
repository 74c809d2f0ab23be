// Breadth-first search over a Machine's states. Breadth-first because the
// first deadlock it meets is one with the fewest steps, and the witness is
// meant to be read by a person. A state is expanded only when no visited state
// with the same key had a subset of its restrictions (Machine.restrictions):
// that one already reaches everything it could. The search stops at a state
// budget, a deadline, or when the caller cancels.
import type { Blocked, Cause, Machine, State } from './machine';
import type { WitnessStep } from './types';

export interface SearchLimits {
  /** Distinct states this search may visit. */
  maxStates: number;
  /** Date.now() value after which the search stops. */
  deadline: number;
  token?: { isCancellationRequested: boolean };
}

export type SearchOutcome =
  | { kind: 'deadlock'; witness: WitnessStep[]; states: number }
  | { kind: 'exhausted'; states: number }
  | { kind: 'stopped'; why: 'maxStates' | 'maxMillis' | 'cancelled'; states: number };

/** How often (in new states) the clock and the cancellation token are looked at. */
const POLL_EVERY = 256;

export function search(machine: Machine, limits: SearchLimits): SearchOutcome {
  if (limits.token?.isCancellationRequested) return { kind: 'stopped', why: 'cancelled', states: 0 };
  // Per visited state: the state it was reached from and the steps taken to get there.
  const parent: number[] = [-1];
  const via: Array<Cause | undefined> = [undefined];
  const initial = machine.initial();
  const seen = new Map<string, bigint[]>([[machine.key(initial), [machine.restrictions(initial)]]]);
  let states = 1;
  const stuckAtStart = machine.deadlock(initial);
  if (stuckAtStart) return { kind: 'deadlock', witness: witnessOf(machine, parent, via, 0, stuckAtStart), states: 1 };

  const queue: Array<{ state: State; id: number } | undefined> = [{ state: initial, id: 0 }];
  for (let head = 0; head < queue.length; head++) {
    const { state, id } = queue[head]!;
    queue[head] = undefined; // expanded: only its parent link is still needed
    for (const t of machine.successors(state)) {
      if (!firstVisit(seen, machine.key(t.state), machine.restrictions(t.state))) continue;
      const nid = parent.length;
      parent.push(id);
      via.push(t.cause);
      states++;
      const stuck = machine.deadlock(t.state);
      if (stuck) return { kind: 'deadlock', witness: witnessOf(machine, parent, via, nid, stuck), states };
      if (states >= limits.maxStates) return { kind: 'stopped', why: 'maxStates', states };
      if (states % POLL_EVERY === 0) {
        if (limits.token?.isCancellationRequested) return { kind: 'stopped', why: 'cancelled', states };
        if (Date.now() > limits.deadline) return { kind: 'stopped', why: 'maxMillis', states };
      }
      queue.push({ state: t.state, id: nid });
    }
  }
  return { kind: 'exhausted', states };
}

/** Records a state unless a visited one with the same key subsumes it; false when one does. */
function firstVisit(seen: Map<string, bigint[]>, key: string, restrictions: bigint): boolean {
  const visited = seen.get(key);
  if (!visited) {
    seen.set(key, [restrictions]);
    return true;
  }
  if (visited.some((r) => (r & ~restrictions) === 0n)) return false;
  // Keep only the least restricted states: the new one subsumes any stricter one.
  const kept = visited.filter((r) => (restrictions & ~r) !== 0n);
  kept.push(restrictions);
  seen.set(key, kept);
  return true;
}

/** The steps from the initial state to state `id`, then one blocked step per stuck CPU. */
function witnessOf(
  machine: Machine,
  parent: readonly number[],
  via: ReadonlyArray<Cause | undefined>,
  id: number,
  stuck: Blocked[],
): WitnessStep[] {
  const path: WitnessStep[] = [];
  for (let at = id; at > 0; at = parent[at]) path.push(machine.stepFor(via[at]!));
  return renumberCpus([...path.reverse(), ...stuck.map((b) => machine.blockedStep(b))]);
}

/** Numbers the CPUs the witness uses 0, 1, ... in their original order, so no column is empty. */
function renumberCpus(steps: WitnessStep[]): WitnessStep[] {
  const used = new Set<number>();
  for (const s of steps) {
    used.add(s.cpu);
    for (const other of s.waitsOn ?? []) used.add(other);
  }
  const index = new Map([...used].sort((a, b) => a - b).map((cpu, i) => [cpu, i]));
  return steps.map((s) => ({
    ...s,
    cpu: index.get(s.cpu)!,
    ...(s.waitsOn ? { waitsOn: s.waitsOn.map((c) => index.get(c)!) } : {}),
  }));
}
