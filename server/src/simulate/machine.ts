// The abstract machine the simulator explores: N CPUs, each with a stack of
// contexts (the thread that owns the CPU at the bottom, the handlers that
// interrupted it above), one lock table, and the rules for which step each CPU
// may take next. States are plain data and every transition copies, so the
// search may keep any state it has seen.
//
// Modelling choices (see also README "simulate"):
// - A failed trylock skips its own critical section: the trace resumes just
//   past the matching release of that lock (or ends when there is none), so
//   the release of a lock never taken is never executed.
// - Readers share with readers regardless of waiting writers (no fairness).
// - A task asleep on a mutex / rwsem / semaphore / wait takes no interrupts:
//   the CPU would run another task, and nothing an interrupt does there wakes
//   the sleeper. A spinning CPU with interrupts on does take them.
// - Interrupt and softirq handlers start at most once per CPU, process-context
//   handlers (work, kthread, threaded irq) at most once, on the lowest free CPU.
import type { Context, IrqEffect, LockMode, WaitKind } from '../kernel-api/types';
import type { SimOp, SimProgram, WitnessAction, WitnessStep } from './types';

const SHARED_MODES: ReadonlySet<LockMode> = new Set<LockMode>(['read', 'rwsem-read']);
const SLEEPING_MODES: ReadonlySet<LockMode> = new Set<LockMode>(['mutex', 'rwsem-read', 'rwsem-write', 'sem']);

/** Waits after which the handler cannot start again: the irq is disabled or freed, the timer shut down. */
const DISABLING_WAITS: ReadonlySet<string> = new Set([
  'disable_irq',
  'free_irq',
  'devm_free_irq',
  'unbind_from_irqhandler',
  'timer_shutdown_sync',
  'tasklet_disable',
]);

/** A thread or handler, compiled for the machine. */
export interface Body {
  kind: 'thread' | 'handler';
  /** Index into program.threads or program.handlers. */
  index: number;
  entry: string;
  ctx: Context;
  handlerId?: string;
  what?: WaitKind;
  initOnly: boolean;
  startIrqOff: boolean;
  startBhDepth: number;
  ops: SimOp[];
  /** Interned lock id per op (-1 for ops without a lock). */
  lockIds: number[];
  /** Per trylock op: where the trace resumes when it fails. */
  resumeAfterFailure: number[];
}

export interface Frame {
  /** Index into Machine.bodies. */
  body: number;
  pc: number;
  irqOff: boolean;
  bhDepth: number;
  /** Interrupt states pushed by local_irq_save and spin_lock_irqsave. */
  savedIrq: boolean[];
}

export interface Cpu {
  /** frames[0] is what owns the CPU; the last frame is running. */
  frames: Frame[];
  /** Per handler: it already ran on this CPU. */
  ran: boolean[];
}

export interface Hold {
  mode: LockMode;
  /** Per CPU: how many times it holds the lock. */
  counts: number[];
}

export interface State {
  cpus: Cpu[];
  /** Per interned lock id: who holds it, or undefined when free. */
  locks: Array<Hold | undefined>;
  threadDone: boolean[];
  /** Per handler: a process-context handler has started. */
  started: boolean[];
  /** Per handler: disabled by disable_irq / free_irq / kthread_stop ... */
  disabled: boolean[];
}

export interface Transition {
  state: State;
  steps: WitnessStep[];
}

/** A CPU whose running context cannot make progress. */
export interface Blocked {
  cpu: number;
  action: 'spins on' | 'sleeps on' | 'waits for handler';
  /** The CPUs it waits on: lock holders, or CPUs running the awaited handler. */
  on: number[];
  body: Body;
  op: SimOp;
}

export class Machine {
  readonly bodies: Body[];
  readonly lockNames: string[] = [];
  private readonly threadCount: number;
  private readonly handlerCount: number;

  constructor(program: SimProgram, readonly cpuCount: number) {
    if (program.threads.length > cpuCount) {
      throw new Error(`${program.threads.length} threads do not fit on ${cpuCount} CPUs`);
    }
    const lockIndex = new Map<string, number>();
    const intern = (lock: string): number => {
      let id = lockIndex.get(lock);
      if (id === undefined) {
        id = this.lockNames.length;
        lockIndex.set(lock, id);
        this.lockNames.push(lock);
      }
      return id;
    };
    const compile = (body: Omit<Body, 'lockIds' | 'resumeAfterFailure'>): Body => ({
      ...body,
      lockIds: body.ops.map((op) => (op.op === 'acquire' || op.op === 'release' ? intern(op.lock) : -1)),
      resumeAfterFailure: body.ops.map((op, pc) => (op.op === 'acquire' && op.try ? pastMatchingRelease(body.ops, pc) : -1)),
    });
    this.threadCount = program.threads.length;
    this.handlerCount = program.handlers.length;
    this.bodies = [
      ...program.threads.map((t, index) =>
        compile({
          kind: 'thread', index, entry: t.entry, ctx: t.ctx, initOnly: t.initOnly === true,
          startIrqOff: t.irqOff === true || t.ctx === 'hardirq', startBhDepth: t.bhOff ? 1 : 0, ops: t.ops,
        }),
      ),
      ...program.handlers.map((h, index) =>
        compile({
          kind: 'handler', index, entry: h.fn, ctx: h.ctx, handlerId: h.id, what: h.what, initOnly: false,
          startIrqOff: h.ctx === 'hardirq', startBhDepth: h.ctx === 'softirq' ? 1 : 0, ops: h.ops,
        }),
      ),
    ];
  }

  initial(): State {
    const state: State = {
      cpus: Array.from({ length: this.cpuCount }, (_, cpu) => ({
        frames: cpu < this.threadCount ? [this.newFrame(cpu)] : [],
        ran: new Array<boolean>(this.handlerCount).fill(false),
      })),
      locks: new Array<Hold | undefined>(this.lockNames.length).fill(undefined),
      threadDone: new Array<boolean>(this.threadCount).fill(false),
      started: new Array<boolean>(this.handlerCount).fill(false),
      disabled: new Array<boolean>(this.handlerCount).fill(false),
    };
    for (let cpu = 0; cpu < this.threadCount; cpu++) this.retireFinished(state, cpu);
    return state;
  }

  /** A canonical string: equal for states that behave the same. */
  key(s: State): string {
    let k = '';
    for (const cpu of s.cpus) {
      for (const f of cpu.frames) k += `${f.body}.${f.pc}.${bit(f.irqOff)}${f.bhDepth}${bits(f.savedIrq)},`;
      k += `${bits(cpu.ran)};`;
    }
    s.locks.forEach((hold, id) => {
      if (hold) k += `${id}${hold.mode}${hold.counts.join('.')},`;
    });
    return `${k}|${bits(s.threadDone)}|${bits(s.started)}|${bits(s.disabled)}`;
  }

  /** Every possible next step, in a fixed order: CPUs in order, then interrupts, then process handlers. */
  successors(s: State): Transition[] {
    const out: Transition[] = [];
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      const t = this.stepCpu(s, cpu);
      if (t) out.push(t);
    }
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      for (let h = 0; h < this.handlerCount; h++) {
        if (this.mayInterrupt(s, cpu, h)) out.push(this.startHandler(s, cpu, h, 'interrupted by'));
      }
    }
    for (let h = 0; h < this.handlerCount; h++) {
      if (!this.mayStartProcessHandler(s, h)) continue;
      const free = s.cpus.findIndex((c) => c.frames.length === 0);
      if (free >= 0) out.push(this.startHandler(s, free, h, 'starts'));
    }
    return out;
  }

  /**
   * The CPUs stuck for good: each waits on a CPU that is itself stuck (or on
   * itself). Undefined when there are none. The greatest such set: start from
   * every blocked CPU and drop those waiting only on CPUs that can still move.
   */
  deadlock(s: State): Blocked[] | undefined {
    const stuck = new Map<number, Blocked>();
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      const b = this.blockedAt(s, cpu);
      if (b) stuck.set(cpu, b);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const [cpu, b] of stuck) {
        if (!b.on.some((other) => stuck.has(other))) {
          stuck.delete(cpu);
          changed = true;
        }
      }
    }
    return stuck.size ? [...stuck.values()].sort((a, b) => a.cpu - b.cpu) : undefined;
  }

  /** Why the running context of `cpu` cannot take its next step, if it cannot. */
  blockedAt(s: State, cpu: number): Blocked | undefined {
    const frame = s.cpus[cpu].frames.at(-1);
    if (!frame) return undefined;
    const body = this.bodies[frame.body];
    const op = body.ops[frame.pc];
    if (op.op === 'acquire' && !op.try) {
      const holders = this.blockingHolders(s, cpu, body.lockIds[frame.pc], op.mode);
      if (holders.length) return { cpu, action: SLEEPING_MODES.has(op.mode) ? 'sleeps on' : 'spins on', on: holders, body, op };
    } else if (op.op === 'wait') {
      const running = this.cpusRunning(s, op.target);
      if (running.length) return { cpu, action: 'waits for handler', on: running, body, op };
    }
    return undefined;
  }

  /** The witness line for a blocked CPU. */
  blockedStep(b: Blocked): WitnessStep {
    const { op } = b;
    const what = op.op === 'wait' ? { handler: op.target, api: op.api } : op.op === 'acquire' ? lockAndIrq(op) : {};
    return { ...this.stepOf(b.cpu, b.body, op, b.action, what), blocked: true, waitsOn: b.on };
  }

  private stepCpu(s: State, cpu: number): Transition | undefined {
    const frame = s.cpus[cpu].frames.at(-1);
    if (!frame || !this.mayRun(s, frame) || this.blockedAt(s, cpu)) return undefined;
    const body = this.bodies[frame.body];
    const op = body.ops[frame.pc];
    const lock = body.lockIds[frame.pc];
    const next = cloneState(s);
    const running = next.cpus[cpu].frames.at(-1)!;
    let step: WitnessStep;
    switch (op.op) {
      case 'acquire':
        if (this.blockingHolders(s, cpu, lock, op.mode).length) {
          // Only a trylock gets here: it fails and skips its critical section.
          running.pc = body.resumeAfterFailure[frame.pc];
          this.retireFinished(next, cpu);
          return { state: next, steps: [this.stepOf(cpu, body, op, 'tries and fails', { lock: op.lock })] };
        }
        if (op.irq) applyIrq(running, op.irq);
        grant(next, cpu, lock, op.mode);
        step = this.stepOf(cpu, body, op, 'acquires', lockAndIrq(op));
        break;
      case 'release':
        release(next, cpu, lock);
        if (op.irq) applyIrq(running, op.irq);
        step = this.stepOf(cpu, body, op, 'releases', lockAndIrq(op));
        break;
      case 'irq':
        applyIrq(running, op.effect);
        step = this.stepOf(cpu, body, op, IRQ_ACTIONS[op.effect], { irq: op.effect });
        break;
      case 'wait':
        if (op.what === 'kthread' || DISABLING_WAITS.has(op.api)) this.disableHandlers(next, op.target);
        step = this.stepOf(cpu, body, op, 'waits for handler', { handler: op.target, api: op.api });
        break;
    }
    running.pc++;
    this.retireFinished(next, cpu);
    return { state: next, steps: [step] };
  }

  /** Init-only threads never run beside another thread: neither may start while the other is under way. */
  private mayRun(s: State, frame: Frame): boolean {
    const body = this.bodies[frame.body];
    if (body.kind !== 'thread') return true;
    for (let other = 0; other < this.threadCount; other++) {
      if (other === body.index || !(body.initOnly || this.bodies[other].initOnly)) continue;
      if (this.threadUnderWay(s, other)) return false;
    }
    return true;
  }

  private threadUnderWay(s: State, thread: number): boolean {
    // A thread always runs on the CPU of its own index, at the bottom of the stack.
    return !s.threadDone[thread] && s.cpus[thread].frames[0].pc > 0;
  }

  private mayInterrupt(s: State, cpu: number, h: number): boolean {
    const body = this.handlerBody(h);
    if (body.ctx === 'process' || !body.ops.length || s.disabled[h] || s.cpus[cpu].ran[h]) return false;
    const frames = s.cpus[cpu].frames;
    const top = frames.at(-1);
    if (top?.irqOff) return false;
    const inContext = (ctx: Context) => frames.some((f) => this.bodies[f.body].ctx === ctx);
    if (inContext('hardirq')) return false;
    if (body.ctx === 'softirq' && ((top?.bhDepth ?? 0) > 0 || inContext('softirq'))) return false;
    const blocked = this.blockedAt(s, cpu);
    return !blocked || blocked.action === 'spins on';
  }

  private mayStartProcessHandler(s: State, h: number): boolean {
    const body = this.handlerBody(h);
    return body.ctx === 'process' && body.ops.length > 0 && !s.started[h] && !s.disabled[h];
  }

  private startHandler(s: State, cpu: number, h: number, action: 'interrupted by' | 'starts'): Transition {
    const next = cloneState(s);
    const bodyIndex = this.threadCount + h;
    const body = this.bodies[bodyIndex];
    next.cpus[cpu].frames.push(this.newFrame(bodyIndex));
    if (action === 'starts') next.started[h] = true;
    else next.cpus[cpu].ran[h] = true;
    const step = this.stepOf(cpu, body, body.ops[0], action, { handler: body.handlerId, what: body.what });
    step.fn = body.entry;
    return { state: next, steps: [step] };
  }

  private newFrame(bodyIndex: number): Frame {
    const body = this.bodies[bodyIndex];
    return { body: bodyIndex, pc: 0, irqOff: body.startIrqOff, bhDepth: body.startBhDepth, savedIrq: [] };
  }

  /** Pops a context that ran its last op: a handler returns, a thread ends. */
  private retireFinished(s: State, cpu: number): void {
    const frames = s.cpus[cpu].frames;
    for (let top = frames.at(-1); top && top.pc >= this.bodies[top.body].ops.length; top = frames.at(-1)) {
      frames.pop();
      const body = this.bodies[top.body];
      if (body.kind === 'thread') s.threadDone[body.index] = true;
    }
  }

  /** CPUs whose holding of `lock` keeps `cpu` from taking it in `mode`; empty when it may. */
  private blockingHolders(s: State, cpu: number, lock: number, mode: LockMode): number[] {
    const hold = s.locks[lock];
    if (!hold) return [];
    if (SHARED_MODES.has(mode) && SHARED_MODES.has(hold.mode)) return [];
    const holders = holdersOf(hold);
    if (mode === 'recursive' && hold.mode === 'recursive' && holders.every((c) => c === cpu)) return [];
    return holders;
  }

  private cpusRunning(s: State, handlerId: string): number[] {
    const running: number[] = [];
    s.cpus.forEach((c, cpu) => {
      if (c.frames.some((f) => this.bodies[f.body].handlerId === handlerId)) running.push(cpu);
    });
    return running;
  }

  private disableHandlers(s: State, handlerId: string): void {
    for (let h = 0; h < this.handlerCount; h++) {
      if (this.handlerBody(h).handlerId === handlerId) s.disabled[h] = true;
    }
  }

  private handlerBody(h: number): Body {
    return this.bodies[this.threadCount + h];
  }

  private stepOf(cpu: number, body: Body, op: SimOp, action: WitnessAction, extra: Partial<WitnessStep>): WitnessStep {
    return { cpu, ctx: body.ctx, action, fn: op.fn, site: op.site, entry: body.entry, ...extra };
  }
}

const IRQ_ACTIONS: Record<IrqEffect, WitnessAction> = {
  off: 'disables interrupts',
  save: 'disables interrupts',
  on: 'enables interrupts',
  restore: 'enables interrupts',
  'bh-off': 'disables bottom halves',
  'bh-on': 'enables bottom halves',
};

/** Index just past the release that matches the acquire at `pc`, or the end of the trace. */
function pastMatchingRelease(ops: readonly SimOp[], pc: number): number {
  const acquired = ops[pc];
  if (acquired.op !== 'acquire') return pc + 1;
  let depth = 1;
  for (let i = pc + 1; i < ops.length; i++) {
    const op = ops[i];
    if (op.op === 'acquire' && op.lock === acquired.lock) depth++;
    if (op.op === 'release' && op.lock === acquired.lock && --depth === 0) return i + 1;
  }
  return ops.length;
}

function applyIrq(frame: Frame, effect: IrqEffect): void {
  switch (effect) {
    case 'off':
      frame.irqOff = true;
      break;
    case 'on':
      frame.irqOff = false;
      break;
    case 'save':
      frame.savedIrq.push(frame.irqOff);
      frame.irqOff = true;
      break;
    case 'restore':
      // An unmatched restore (the save happened in a caller we do not see) keeps the state.
      frame.irqOff = frame.savedIrq.pop() ?? frame.irqOff;
      break;
    case 'bh-off':
      frame.bhDepth++;
      break;
    case 'bh-on':
      frame.bhDepth = Math.max(0, frame.bhDepth - 1);
      break;
  }
}

function grant(s: State, cpu: number, lock: number, mode: LockMode): void {
  const hold = (s.locks[lock] ??= { mode, counts: new Array<number>(s.cpus.length).fill(0) });
  hold.counts[cpu]++;
}

function release(s: State, cpu: number, lock: number): void {
  const hold = s.locks[lock];
  if (!hold) return; // released but never taken here: the acquire is outside the trace
  // A semaphore may be released by a CPU other than the one that took it (up() as a completion).
  const releaser = hold.counts[cpu] > 0 ? cpu : hold.mode === 'sem' ? hold.counts.findIndex((n) => n > 0) : -1;
  if (releaser < 0) return;
  hold.counts[releaser]--;
  if (hold.counts.every((n) => n === 0)) s.locks[lock] = undefined;
}

function holdersOf(hold: Hold): number[] {
  const holders: number[] = [];
  hold.counts.forEach((n, cpu) => {
    if (n > 0) holders.push(cpu);
  });
  return holders;
}

function lockAndIrq(op: Extract<SimOp, { op: 'acquire' | 'release' }>): Partial<WitnessStep> {
  return op.irq ? { lock: op.lock, irq: op.irq } : { lock: op.lock };
}

function cloneState(s: State): State {
  return {
    cpus: s.cpus.map((c) => ({ frames: c.frames.map((f) => ({ ...f, savedIrq: f.savedIrq.slice() })), ran: c.ran.slice() })),
    locks: s.locks.map((h) => h && { mode: h.mode, counts: h.counts.slice() }),
    threadDone: s.threadDone.slice(),
    started: s.started.slice(),
    disabled: s.disabled.slice(),
  };
}

function bit(b: boolean): string {
  return b ? '1' : '0';
}

function bits(bs: readonly boolean[]): string {
  let out = '';
  for (const b of bs) out += bit(b);
  return out;
}
