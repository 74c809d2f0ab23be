// The simulator's input and output. The check stage turns each candidate into
// a SimProgram: straight-line traces of lock operations, one per entry point,
// plus the handlers (irq, softirq, work ...) that may run meanwhile. The
// simulator never sees syntax or source text; sites are only carried along.
import type { Context, IrqEffect, LockMode, WaitKind } from '../kernel-api/types';
import type { Site } from '../extract/ir';

export type SimOp =
  | { op: 'acquire'; lock: string; mode: LockMode; try?: boolean; irq?: 'off' | 'save' | 'bh-off'; site: Site; fn: string }
  | { op: 'release'; lock: string; irq?: 'on' | 'restore' | 'bh-on'; site: Site; fn: string }
  | { op: 'irq'; effect: IrqEffect; site: Site; fn: string }
  /** Wait until no CPU runs handler `target` (and, for disable_irq, none starts after). */
  | { op: 'wait'; what: WaitKind; target: string; api: string; site: Site; fn: string }
  /** A call that may sleep (cancel_work_sync, mutex_lock ...): stuck for good where the CPU is atomic. */
  | { op: 'sleep'; api: string; site: Site; fn: string };

/** One entry point's path: runs on its own CPU from the start. */
export interface SimThread {
  entry: string;
  ctx: Context;
  /** Init-only code: never runs beside any other thread. */
  initOnly?: boolean;
  /** Interrupts / bottom halves already off at the start (an ops callback called atomic). */
  irqOff?: boolean;
  bhOff?: boolean;
  ops: SimOp[];
}

/**
 * A handler that may start while the program runs. hardirq handlers start on a
 * CPU whose interrupts are enabled, at any step; softirq handlers where both
 * bottom halves and interrupts are enabled; process-context handlers (work
 * items, kthreads, threaded irqs) start on a CPU of their own.
 */
export interface SimHandler {
  /** Stable id that wait ops name as `target`, e.g. `irq:evtchn_interrupt`. */
  id: string;
  fn: string;
  what: WaitKind;
  ctx: Context;
  ops: SimOp[];
}

export interface SimProgram {
  threads: SimThread[];
  handlers: SimHandler[];
}

export interface SimBounds {
  /** At most this many distinct states are explored. */
  maxStates: number;
  /** Wall-clock budget in milliseconds (checked every few hundred states). */
  maxMillis: number;
  /** CPUs available (2 to 4); threads plus process-context handlers must fit. */
  cpus: number;
}

export const DEFAULT_BOUNDS: SimBounds = { maxStates: 200_000, maxMillis: 2_000, cpus: 4 };

export type WitnessAction =
  | 'acquires'
  | 'tries and fails'
  | 'releases'
  | 'disables interrupts'
  | 'enables interrupts'
  | 'disables bottom halves'
  | 'enables bottom halves'
  | 'interrupted by'
  | 'starts'
  | 'spins on'
  | 'sleeps on'
  | 'waits for handler'
  | 'sleeps while atomic'
  | 'may sleep in';

export interface WitnessStep {
  cpu: number;
  ctx: Context;
  action: WitnessAction;
  /** The lock class, or the handler id for waits and interruptions. */
  lock?: string;
  handler?: string;
  fn: string;
  site: Site;
  /** For the final blocked steps: true. */
  blocked?: boolean;
  /** The thread entry or handler function whose context ran this step. */
  entry?: string;
  /** For 'interrupted by' / 'starts': what kind of handler started (irq, timer, work ...). */
  what?: WaitKind;
  /** The interrupt effect the step had (spin_lock_irq: 'off', spin_unlock_irqrestore: 'restore' ...). */
  irq?: IrqEffect;
  /** For waits: the kernel function that waits (disable_irq, cancel_work_sync ...). */
  api?: string;
  /** For blocked steps: the CPUs this one waits on (lock holders, CPUs running the handler). */
  waitsOn?: number[];
}

export type SimResult =
  | { kind: 'deadlock'; witness: WitnessStep[]; states: number; cpus: number }
  | { kind: 'safe'; states: number; reason: string }
  | { kind: 'bound'; states: number; reason: string };
