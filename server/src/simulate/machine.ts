// The abstract machine the simulator explores: N CPUs, each with a stack of
// contexts (the thread that owns the CPU at the bottom, the handlers that
// interrupted it above), one lock table, and the rules for which step each CPU
// may take next. States are immutable plain data, so the search may keep any
// state it has seen.
//
// Modelling choices:
// - A failed trylock skips its own critical section: the trace resumes just
//   past the matching release of that lock (or ends when there is none), so
//   the release of a lock never taken is never executed. A trylock fails only
//   when the lock is unavailable.
// - Readers share with readers regardless of waiting writers (no fairness).
// - A task asleep on a mutex / rwsem / semaphore / wait takes no interrupts:
//   the CPU would run another task, and nothing an interrupt does there wakes
//   the sleeper. A spinning CPU with interrupts on does take them.
// - Interrupt and softirq handlers start at most once per CPU, process-context
//   handlers (work, kthread, threaded irq) at most once, on the lowest free CPU.
// - After disable_irq / free_irq (and kin, see DISABLING_WAITS) or any kthread
//   wait returns, the awaited handler never starts again.
// - Lock holders are CPUs, not contexts: a handler that takes a lock its own
//   CPU holds below it waits on itself (the same-CPU irq inversion).
import { SHARED_MODES, SLEEPING_MODES, type Context, type IrqEffect, type LockMode, type WaitKind } from '../kernel-api/types';
import type { SimOp, SimProgram, WitnessAction, WitnessStep } from './types';

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

// States share structure: a transition builds new objects only for what it
// changes (one frame, one CPU, the lock table) and never mutates old ones, so
// the per-CPU keys and the blocked analysis can be cached on the objects.

export interface Frame {
  /** Index into Machine.bodies. */
  readonly body: number;
  readonly pc: number;
  readonly irqOff: boolean;
  readonly bhDepth: number;
  /** Interrupt states pushed by local_irq_save and spin_lock_irqsave. */
  readonly savedIrq: readonly boolean[];
}

export interface Cpu {
  /** frames[0] is what owns the CPU; the last frame is running. */
  readonly frames: readonly Frame[];
  /** Per handler: it already ran on this CPU. */
  readonly ran: readonly boolean[];
  key?: string;
}

export interface Hold {
  readonly mode: LockMode;
  /** Per CPU: how many times it holds the lock. */
  readonly counts: readonly number[];
}

export interface State {
  readonly cpus: readonly Cpu[];
  /** Per interned lock id: who holds it, or undefined when free. */
  readonly locks: ReadonlyArray<Hold | undefined>;
  readonly threadDone: readonly boolean[];
  /** Per handler: a process-context handler has started. */
  readonly started: readonly boolean[];
  /** Per handler: disabled by disable_irq / free_irq / kthread_stop ... */
  readonly disabled: readonly boolean[];
  /** Per CPU, computed once: why its running context cannot move. */
  blocked?: Array<Blocked | undefined>;
}

/** What a transition did, enough to write its witness step later. */
export interface Cause {
  cpu: number;
  /** Index into Machine.bodies of the context that moved or started. */
  body: number;
  pc: number;
  action: WitnessAction;
}

export interface Transition {
  state: State;
  cause: Cause;
}

/** A CPU whose running context cannot make progress. */
export interface Blocked {
  cpu: number;
  action: 'spins on' | 'sleeps on' | 'waits for handler' | 'sleeps while atomic';
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
    const noneRan = new Array<boolean>(this.handlerCount).fill(false);
    const threadDone = this.bodies.slice(0, this.threadCount).map((b) => b.ops.length === 0);
    return {
      cpus: Array.from({ length: this.cpuCount }, (_, cpu) => ({
        frames: cpu < this.threadCount && !threadDone[cpu] ? [this.newFrame(cpu)] : [],
        ran: noneRan,
      })),
      locks: new Array<Hold | undefined>(this.lockNames.length).fill(undefined),
      threadDone,
      started: noneRan,
      disabled: noneRan,
    };
  }

  /**
   * A canonical string for everything in a state except its restrictions:
   * states with equal keys and equal restrictions behave the same.
   */
  key(s: State): string {
    let k = '';
    for (const cpu of s.cpus) k += (cpu.key ??= cpuKey(cpu));
    for (let id = 0; id < s.locks.length; id++) {
      const hold = s.locks[id];
      if (hold) k += `${id}${hold.mode}${hold.counts.join('.')},`;
    }
    return `${k}|${bits(s.threadDone)}`;
  }

  /**
   * What the state forbids, one bit each: a handler already ran on a CPU, a
   * process handler already started, a handler disabled. A bit only ever
   * removes behaviours, so a state whose restrictions include those of a
   * visited state with the same key can reach nothing that one cannot.
   */
  restrictions(s: State): bigint {
    let mask = bits(s.started) + bits(s.disabled);
    for (const cpu of s.cpus) mask += bits(cpu.ran);
    return mask ? BigInt(`0b${mask}`) : 0n;
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
    for (const b of this.blockedCpus(s)) if (b) stuck.set(b.cpu, b);
    for (let changed = stuck.size > 0; changed; ) {
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

  /** The witness line for a transition. */
  stepFor(cause: Cause): WitnessStep {
    const body = this.bodies[cause.body];
    const op = body.ops[cause.pc];
    switch (cause.action) {
      case 'interrupted by':
      case 'starts':
        return { ...this.stepOf(cause.cpu, body, op, cause.action), handler: body.handlerId, what: body.what, fn: body.entry };
      case 'tries and fails':
        return { ...this.stepOf(cause.cpu, body, op, cause.action), lock: (op as { lock: string }).lock };
      default:
        return { ...this.stepOf(cause.cpu, body, op, cause.action), ...opDetails(op) };
    }
  }

  /** The witness line for a blocked CPU. */
  blockedStep(b: Blocked): WitnessStep {
    return { ...this.stepOf(b.cpu, b.body, b.op, b.action), ...opDetails(b.op), blocked: true, waitsOn: b.on };
  }

  private blockedCpus(s: State): Array<Blocked | undefined> {
    return (s.blocked ??= s.cpus.map((_, cpu) => this.blockedAt(s, cpu)));
  }

  /** Why the running context of `cpu` cannot take its next step, if it cannot. */
  private blockedAt(s: State, cpu: number): Blocked | undefined {
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
    } else if (op.op === 'sleep' && this.atomic(s, cpu)) {
      // Scheduling away with preemption off: no other task may take this CPU, and the sleeper is
      // woken onto a CPU that may be spinning on the lock it holds. It waits on itself.
      return { cpu, action: 'sleeps while atomic', on: [cpu], body, op };
    }
    return undefined;
  }

  /** Whether the running context of `cpu` may not sleep: a spinning lock held, interrupts or BHs off, or not process context. */
  private atomic(s: State, cpu: number): boolean {
    const frames = s.cpus[cpu].frames;
    const frame = frames.at(-1)!;
    if (frame.irqOff || frame.bhDepth > 0 || frames.length > 1 || this.bodies[frame.body].ctx !== 'process') return true;
    return s.locks.some((h) => h !== undefined && h.counts[cpu] > 0 && !SLEEPING_MODES.has(h.mode));
  }

  private stepCpu(s: State, cpu: number): Transition | undefined {
    const frame = s.cpus[cpu].frames.at(-1);
    if (!frame || this.blockedCpus(s)[cpu] || !this.mayRun(s, frame)) return undefined;
    const body = this.bodies[frame.body];
    const op = body.ops[frame.pc];
    const cause: Cause = { cpu, body: frame.body, pc: frame.pc, action: 'acquires' };
    let moved: Frame = { ...frame, pc: frame.pc + 1 };
    let locks = s.locks;
    let disabled = s.disabled;
    switch (op.op) {
      case 'acquire': {
        const lock = body.lockIds[frame.pc];
        if (this.blockingHolders(s, cpu, lock, op.mode).length) {
          // Only a trylock gets here: it fails and skips its critical section.
          moved = { ...frame, pc: body.resumeAfterFailure[frame.pc] };
          cause.action = 'tries and fails';
        } else {
          if (op.irq) moved = applyIrq(moved, op.irq);
          locks = grant(s, cpu, lock, op.mode);
        }
        break;
      }
      case 'release':
        locks = release(s, cpu, body.lockIds[frame.pc]);
        if (op.irq) moved = applyIrq(moved, op.irq);
        cause.action = 'releases';
        break;
      case 'irq':
        moved = applyIrq(moved, op.effect);
        cause.action = IRQ_ACTIONS[op.effect];
        break;
      case 'wait':
        if (op.what === 'kthread' || DISABLING_WAITS.has(op.api)) disabled = this.disableHandlers(s, op.target);
        cause.action = 'waits for handler';
        break;
      case 'sleep':
        cause.action = 'may sleep in';
        break;
    }
    const frames = s.cpus[cpu].frames.slice();
    frames[frames.length - 1] = moved;
    const next = { ...s, locks, disabled, blocked: undefined };
    return { state: this.withFrames(next, cpu, frames), cause };
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
    const blocked = this.blockedCpus(s)[cpu];
    return !blocked || blocked.action === 'spins on';
  }

  private mayStartProcessHandler(s: State, h: number): boolean {
    const body = this.handlerBody(h);
    return body.ctx === 'process' && body.ops.length > 0 && !s.started[h] && !s.disabled[h];
  }

  private startHandler(s: State, cpu: number, h: number, action: 'interrupted by' | 'starts'): Transition {
    const bodyIndex = this.threadCount + h;
    const here = s.cpus[cpu];
    const frames = [...here.frames, this.newFrame(bodyIndex)];
    const ran = action === 'interrupted by' ? withFlag(here.ran, h) : here.ran;
    const started = action === 'starts' ? withFlag(s.started, h) : s.started;
    return { state: this.withCpu({ ...s, started, blocked: undefined }, cpu, { frames, ran }), cause: { cpu, body: bodyIndex, pc: 0, action } };
  }

  /** `s` with new frames on `cpu`, popping a context that ran its last op (a handler returns, a thread ends). */
  private withFrames(s: State, cpu: number, frames: Frame[]): State {
    const top = frames.at(-1);
    let threadDone = s.threadDone;
    if (top && top.pc >= this.bodies[top.body].ops.length) {
      frames.pop();
      const body = this.bodies[top.body];
      if (body.kind === 'thread') threadDone = withFlag(threadDone, body.index);
    }
    return this.withCpu({ ...s, threadDone }, cpu, { frames, ran: s.cpus[cpu].ran });
  }

  private withCpu(s: State, cpu: number, replacement: Cpu): State {
    const cpus = s.cpus.slice();
    cpus[cpu] = replacement;
    return { ...s, cpus };
  }

  private newFrame(bodyIndex: number): Frame {
    const body = this.bodies[bodyIndex];
    return { body: bodyIndex, pc: 0, irqOff: body.startIrqOff, bhDepth: body.startBhDepth, savedIrq: [] };
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

  private disableHandlers(s: State, handlerId: string): boolean[] {
    return s.disabled.map((was, h) => was || this.handlerBody(h).handlerId === handlerId);
  }

  private handlerBody(h: number): Body {
    return this.bodies[this.threadCount + h];
  }

  private stepOf(cpu: number, body: Body, op: SimOp, action: WitnessAction): WitnessStep {
    return { cpu, ctx: body.ctx, action, fn: op.fn, site: op.site, entry: body.entry };
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

function applyIrq(frame: Frame, effect: IrqEffect): Frame {
  switch (effect) {
    case 'off':
      return { ...frame, irqOff: true };
    case 'on':
      return { ...frame, irqOff: false };
    case 'save':
      return { ...frame, irqOff: true, savedIrq: [...frame.savedIrq, frame.irqOff] };
    case 'restore':
      // An unmatched restore (the save happened in a caller we do not see) keeps the state.
      return frame.savedIrq.length
        ? { ...frame, irqOff: frame.savedIrq[frame.savedIrq.length - 1], savedIrq: frame.savedIrq.slice(0, -1) }
        : frame;
    case 'bh-off':
      return { ...frame, bhDepth: frame.bhDepth + 1 };
    case 'bh-on':
      return { ...frame, bhDepth: Math.max(0, frame.bhDepth - 1) };
  }
}

function grant(s: State, cpu: number, lock: number, mode: LockMode): State['locks'] {
  const hold = s.locks[lock];
  const counts = hold ? hold.counts.slice() : new Array<number>(s.cpus.length).fill(0);
  counts[cpu]++;
  return withLock(s.locks, lock, { mode: hold?.mode ?? mode, counts });
}

function release(s: State, cpu: number, lock: number): State['locks'] {
  const hold = s.locks[lock];
  if (!hold) return s.locks; // released but never taken here: the acquire is outside the trace
  // A semaphore may be released by a CPU other than the one that took it (up() as a completion).
  const releaser = hold.counts[cpu] > 0 ? cpu : hold.mode === 'sem' ? hold.counts.findIndex((n) => n > 0) : -1;
  if (releaser < 0) return s.locks;
  const counts = hold.counts.slice();
  counts[releaser]--;
  return withLock(s.locks, lock, counts.some((n) => n > 0) ? { mode: hold.mode, counts } : undefined);
}

function withLock(locks: State['locks'], lock: number, hold: Hold | undefined): State['locks'] {
  const next = locks.slice();
  next[lock] = hold;
  return next;
}

function withFlag(flags: readonly boolean[], index: number): boolean[] {
  const next = flags.slice();
  next[index] = true;
  return next;
}

function holdersOf(hold: Hold): number[] {
  const holders: number[] = [];
  hold.counts.forEach((n, cpu) => {
    if (n > 0) holders.push(cpu);
  });
  return holders;
}

/** What a witness step names for an op: the lock and interrupt effect, or the awaited handler. */
function opDetails(op: SimOp): Partial<WitnessStep> {
  switch (op.op) {
    case 'acquire':
    case 'release':
      return op.irq ? { lock: op.lock, irq: op.irq } : { lock: op.lock };
    case 'irq':
      return { irq: op.effect };
    case 'wait':
      return { handler: op.target, api: op.api };
    case 'sleep':
      return { api: op.api };
  }
}

function cpuKey(cpu: Cpu): string {
  let k = '';
  for (const f of cpu.frames) k += `${f.body}.${f.pc}.${bit(f.irqOff)}${f.bhDepth}${bits(f.savedIrq)},`;
  return `${k};`;
}

function bit(b: boolean): string {
  return b ? '1' : '0';
}

function bits(bs: readonly boolean[]): string {
  let out = '';
  for (const b of bs) out += bit(b);
  return out;
}
