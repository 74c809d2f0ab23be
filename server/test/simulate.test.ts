import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../src/simulate/index';
import type { SimHandler, SimOp, SimProgram, SimResult, SimThread, WitnessStep } from '../src/simulate/types';
import type { LockMode } from '../src/kernel-api/types';

// Small builders: every op gets a distinct line in file `t.c` so tests can name sites.
let line = 0;
const site = () => ({ file: 't.c', line: ++line, column: 1 });
const lock = (l: string, mode: LockMode = 'spin', more: Partial<Extract<SimOp, { op: 'acquire' }>> = {}): SimOp =>
  ({ op: 'acquire', lock: l, mode, site: site(), fn: 'f', ...more });
const unlock = (l: string, more: Partial<Extract<SimOp, { op: 'release' }>> = {}): SimOp =>
  ({ op: 'release', lock: l, site: site(), fn: 'f', ...more });
const wait = (what: Extract<SimOp, { op: 'wait' }>['what'], target: string, api: string): SimOp =>
  ({ op: 'wait', what, target, api, site: site(), fn: 'f' });
const thread = (entry: string, ops: SimOp[], more: Partial<SimThread> = {}): SimThread =>
  ({ entry, ctx: 'process', ops: ops.map((op) => ({ ...op, fn: entry })), ...more });
const handler = (id: string, fn: string, ctx: SimHandler['ctx'], what: SimHandler['what'], ops: SimOp[]): SimHandler =>
  ({ id, fn, ctx, what, ops: ops.map((op) => ({ ...op, fn })) });

function deadlockOf(result: SimResult): Extract<SimResult, { kind: 'deadlock' }> {
  assert.equal(result.kind, 'deadlock', `expected a deadlock, got ${result.kind}: ${'reason' in result ? result.reason : ''}`);
  return result as Extract<SimResult, { kind: 'deadlock' }>;
}

const blockedSteps = (w: WitnessStep[]) => w.filter((s) => s.blocked).map((s) => `CPU${s.cpu} ${s.action} ${s.lock ?? s.handler} -> ${s.waitsOn}`);
const lines = (w: WitnessStep[]) => w.map((s) => `CPU${s.cpu} ${s.action} ${s.lock ?? s.handler}${s.blocked ? ' (blocked)' : ''}`);

function evtchnProgram(): { program: SimProgram; waitLine: number } {
  const unbind = thread('evtchn_unbind', [
    lock('port_user_lock', 'spin', { irq: 'off' }),
    wait('irq', 'irq:evtchn_interrupt', 'disable_irq'),
    unlock('port_user_lock', { irq: 'on' }),
  ]);
  const isr = handler('irq:evtchn_interrupt', 'evtchn_interrupt', 'hardirq', 'irq', [lock('port_user_lock'), unlock('port_user_lock')]);
  return { program: { threads: [unbind], handlers: [isr] }, waitLine: unbind.ops[1].site.line };
}

test('evtchn: disable_irq under a lock the hardirq handler takes deadlocks on 2 CPUs', () => {
  const { program, waitLine } = evtchnProgram();
  const result = deadlockOf(simulate(program));
  assert.equal(result.cpus, 2);
  assert.deepEqual(lines(result.witness), [
    'CPU0 acquires port_user_lock',
    'CPU1 interrupted by irq:evtchn_interrupt',
    'CPU0 waits for handler irq:evtchn_interrupt (blocked)',
    'CPU1 spins on port_user_lock (blocked)',
  ]);
  const waitStep = result.witness.find((s) => s.action === 'waits for handler')!;
  assert.equal(waitStep.site.line, waitLine);
  assert.equal(waitStep.api, 'disable_irq');
  assert.equal(result.witness[1].fn, 'evtchn_interrupt');
  assert.deepEqual(blockedSteps(result.witness), [
    'CPU0 waits for handler irq:evtchn_interrupt -> 1',
    'CPU1 spins on port_user_lock -> 0',
  ]);
});

test('evtchn without the wait is safe: the handler just spins until the lock is released', () => {
  const { program } = evtchnProgram();
  program.threads[0].ops.splice(1, 1);
  const result = simulate(program);
  assert.equal(result.kind, 'safe');
  assert.match((result as { reason: string }).reason, /^explored all \d+ states of 1 thread and 1 handler on up to 4 CPUs/);
});

test('same-CPU hardirq inversion: spin_lock with irqs on, handler takes the lock -> one-CPU deadlock', () => {
  const isr = () => handler('irq:dev', 'dev_isr', 'hardirq', 'irq', [lock('dev.lock'), unlock('dev.lock')]);
  const plain = simulate({ threads: [thread('dev_ioctl', [lock('dev.lock'), unlock('dev.lock')])], handlers: [isr()] });
  const result = deadlockOf(plain);
  assert.equal(result.cpus, 1);
  assert.deepEqual(lines(result.witness), [
    'CPU0 acquires dev.lock',
    'CPU0 interrupted by irq:dev',
    'CPU0 spins on dev.lock (blocked)',
  ]);
  assert.deepEqual(result.witness.at(-1)!.waitsOn, [0]);

  const saved = simulate({
    threads: [thread('dev_ioctl', [lock('dev.lock', 'spin', { irq: 'save' }), unlock('dev.lock', { irq: 'restore' })])],
    handlers: [isr()],
  });
  assert.equal(saved.kind, 'safe');
});

test('softirq inversion: spin_lock with bottom halves on deadlocks, spin_lock_bh is safe', () => {
  const timer = () => handler('timer:t', 't_fn', 'softirq', 'timer', [lock('L'), unlock('L')]);
  assert.equal(simulate({ threads: [thread('a', [lock('L'), unlock('L')])], handlers: [timer()] }).kind, 'deadlock');
  const bh = simulate({ threads: [thread('a', [lock('L', 'spin', { irq: 'bh-off' }), unlock('L', { irq: 'bh-on' })])], handlers: [timer()] });
  assert.equal(bh.kind, 'safe');
});

function abba(second: Partial<Extract<SimOp, { op: 'acquire' }>> = {}, mode: LockMode = 'spin'): SimProgram {
  return {
    threads: [
      thread('t1', [lock('A', mode), lock('B', mode), unlock('B'), unlock('A')]),
      thread('t2', [lock('B', mode), lock('A', mode, second), unlock('A'), unlock('B')]),
    ],
    handlers: [],
  };
}

test('AB-BA deadlocks on 2 CPUs; a trylock on one side makes it safe', () => {
  const result = deadlockOf(simulate(abba()));
  assert.equal(result.cpus, 2);
  assert.deepEqual(lines(result.witness), [
    'CPU0 acquires A',
    'CPU1 acquires B',
    'CPU0 spins on B (blocked)',
    'CPU1 spins on A (blocked)',
  ]);
  assert.equal(simulate(abba({ try: true })).kind, 'safe');
});

test('a failed trylock skips its critical section, including the release', () => {
  // t2 fails to take A while t1 holds it; if t2 ran its "unlock A" it would free t1's lock.
  const program: SimProgram = {
    threads: [
      thread('t1', [lock('A'), lock('B'), unlock('B'), unlock('A')]),
      thread('t2', [lock('B'), lock('A', 'spin', { try: true }), unlock('A'), unlock('B'), lock('A'), unlock('A')]),
    ],
    handlers: [],
  };
  const result = simulate(program);
  assert.equal(result.kind, 'safe');
});

test('rwlock: readers in AB/BA order never block each other; a writer closes the cycle', () => {
  assert.equal(simulate(abba({}, 'read')).kind, 'safe');
  const mixed: SimProgram = {
    threads: [
      thread('reader', [lock('A', 'read'), lock('B', 'read'), unlock('B'), unlock('A')]),
      thread('writer', [lock('B', 'write'), lock('A', 'write'), unlock('A'), unlock('B')]),
    ],
    handlers: [],
  };
  const result = deadlockOf(simulate(mixed));
  assert.deepEqual(blockedSteps(result.witness), ['CPU0 spins on B -> 1', 'CPU1 spins on A -> 0']);
});

test('mutex AB-BA deadlocks and the witness says the CPUs sleep', () => {
  const result = deadlockOf(simulate(abba({}, 'mutex')));
  assert.deepEqual(blockedSteps(result.witness), ['CPU0 sleeps on B -> 1', 'CPU1 sleeps on A -> 0']);
});

test('recursive lock: the same CPU may re-take it, a plain spinlock deadlocks on itself', () => {
  const twice = (mode: LockMode) => simulate({ threads: [thread('a', [lock('R', mode), lock('R', mode), unlock('R'), unlock('R')])], handlers: [] });
  assert.equal(twice('recursive').kind, 'safe');
  const result = deadlockOf(twice('spin'));
  assert.equal(result.cpus, 1);
  assert.deepEqual(blockedSteps(result.witness), ['CPU0 spins on R -> 0']);
});

test('cancel_work_sync under a mutex the work function takes deadlocks', () => {
  const program: SimProgram = {
    threads: [thread('dev_remove', [lock('dev.mutex', 'mutex'), wait('work', 'work:dev.work', 'cancel_work_sync'), unlock('dev.mutex')])],
    handlers: [handler('work:dev.work', 'dev_work_fn', 'process', 'work', [lock('dev.mutex', 'mutex'), unlock('dev.mutex')])],
  };
  const result = deadlockOf(simulate(program));
  assert.equal(result.cpus, 2);
  assert.deepEqual(lines(result.witness), [
    'CPU0 acquires dev.mutex',
    'CPU1 starts work:dev.work',
    'CPU0 waits for handler work:dev.work (blocked)',
    'CPU1 sleeps on dev.mutex (blocked)',
  ]);
});

test('disable_irq keeps the handler from starting afterwards; synchronize_irq does not', () => {
  // The lock is taken with interrupts on after the wait: only a handler that can still start hits it.
  const program = (api: string): SimProgram => ({
    threads: [thread('shutdown', [wait('irq', 'irq:x', api), lock('L'), unlock('L')])],
    handlers: [handler('irq:x', 'x_isr', 'hardirq', 'irq', [lock('L'), unlock('L')])],
  });
  assert.equal(simulate(program('disable_irq')).kind, 'safe');
  const result = deadlockOf(simulate(program('synchronize_irq')));
  assert.deepEqual(lines(result.witness), [
    'CPU0 waits for handler irq:x',
    'CPU0 acquires L',
    'CPU0 interrupted by irq:x',
    'CPU0 spins on L (blocked)',
  ]);
});

test('init-only thread: the AB-BA pair cannot overlap in time, so it is safe', () => {
  const program = abba();
  program.threads[0].initOnly = true;
  assert.equal(simulate(program).kind, 'safe');
});

test('a thread that starts with interrupts off cannot be interrupted', () => {
  const isr = handler('irq:dev', 'dev_isr', 'hardirq', 'irq', [lock('L'), unlock('L')]);
  const atomic = thread('cb', [lock('L'), unlock('L')], { irqOff: true });
  // With 1 CPU of its own and other CPUs free, the handler only spins until the release.
  assert.equal(simulate({ threads: [atomic], handlers: [isr] }).kind, 'safe');
});

test('a large program hits the state bound and says so', () => {
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  // One lock at a time with interrupts saved: deadlock-free, but far too many interleavings.
  const trace = (irq?: 'save'): SimOp[] => {
    const ops: SimOp[] = [];
    for (let i = 0; i < 100; i++) {
      const l = `L${random(30)}`;
      ops.push(lock(l, 'spin', irq ? { irq } : {}), unlock(l, irq ? { irq: 'restore' } : {}));
    }
    return ops;
  };
  const program: SimProgram = {
    threads: Array.from({ length: 4 }, (_, i) => thread(`t${i}`, trace('save'))),
    handlers: [handler('irq:h', 'h', 'hardirq', 'irq', trace().slice(0, 20)), handler('work:w', 'w', 'process', 'work', trace('save'))],
  };
  const result = simulate(program, { maxStates: 5000, cpus: 4 });
  assert.equal(result.kind, 'bound');
  assert.equal(result.states, 5000);
  assert.match((result as { reason: string }).reason, /maxStates 5000/);
});

test('cancellation stops the search', () => {
  const result = simulate(abba(), {}, { isCancellationRequested: true });
  assert.deepEqual(result, { kind: 'bound', states: 0, reason: 'cancelled' });
});

test('too many threads for the CPUs is a bound, not a verdict', () => {
  const program: SimProgram = { threads: [1, 2, 3].map((i) => thread(`t${i}`, [lock('A'), unlock('A')])), handlers: [] };
  const result = simulate(program, { cpus: 2 });
  assert.equal(result.kind, 'bound');
  assert.match((result as { reason: string }).reason, /3 threads .* bounds.cpus is 2/);
});

test('the search is deterministic: same program, same witness', () => {
  const first = simulate(evtchnProgram().program);
  const second = simulate(evtchnProgram().program);
  assert.equal(first.kind, 'deadlock');
  // Sites differ between the two builds (fresh line numbers); compare everything else.
  const strip = (r: SimResult) => (r.kind === 'deadlock' ? r.witness.map(({ site: _site, ...rest }) => rest) : r);
  assert.deepEqual(strip(first), strip(second));
  const program = abba();
  assert.deepEqual(simulate(program), simulate(program));
});
