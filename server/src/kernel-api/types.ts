// The kernel API knowledge, as data. Every function the engine understands is
// one ApiRow; extraction looks rows up by name and never special-cases a name
// in code. Rows come from linux.ts, xen.ts and the user's configuration.

/** Where a lock, wait key or handler comes from in a call's arguments. */
export type ArgRef = number | 'ret' | 'none';

/**
 * How a lock is held. spin/rwlock holders spin while waiting; mutex, rwsem and
 * semaphore holders sleep. `*-read` modes share with each other.
 */
export type LockMode =
  | 'spin'
  | 'read'         // rwlock_t reader (recursive: a reader never waits for a reader)
  | 'write'        // rwlock_t writer
  | 'mutex'
  | 'rwsem-read'
  | 'rwsem-write'
  | 'sem'
  | 'recursive';   // Xen's spin_lock_recursive: same CPU may re-take it

/** The modes whose holders and waiters may sleep; every other mode spins. */
export const SLEEPING_MODES: ReadonlySet<LockMode> = new Set<LockMode>(['mutex', 'rwsem-read', 'rwsem-write', 'sem']);

/** Reader modes: a reader's hold shares the lock with other readers. */
export const SHARED_MODES: ReadonlySet<LockMode> = new Set<LockMode>(['read', 'rwsem-read']);

/**
 * Modes with no owner: a semaphore is up()ed by whoever finishes with it (an
 * I/O completion, another thread). One a function downs but never ups is
 * handed over at the down, held neither there nor by its callers. (Lockdep
 * does not track semaphores at all.)
 */
export const OWNERLESS_MODES: ReadonlySet<LockMode> = new Set<LockMode>(['sem']);

/** What a call does to the CPU's interrupt / bottom-half state. */
export type IrqEffect = 'off' | 'on' | 'save' | 'restore' | 'bh-off' | 'bh-on';

/** The execution context a handler runs in. */
export type Context = 'process' | 'softirq' | 'hardirq';

/**
 * What a wait waits for; registrations of the same kind bind to it by key.
 * `crypto`: an asynchronous crypto request's completion callback; `rx`: a
 * network receive hook (a device's rx_handler, an LLC SAP's receive function),
 * run from the NET_RX softirq (no wait names either yet); `chained`: a chained interrupt flow handler
 * (irq_set_chained_handler), run in hardirq for its parent interrupt, which synchronize_irq() does not wait for.
 */
export type WaitKind = 'irq' | 'timer' | 'hrtimer' | 'work' | 'workqueue' | 'tasklet' | 'kthread' | 'napi' | 'urb' | 'crypto' | 'rx' | 'chained';

/** When a conditional acquire succeeded (trylocks, _interruptible). */
export type Success = 'always' | 'nonzero' | 'zero';

interface RowBase {
  fn: string;
  project: 'linux' | 'xen' | 'user';
  doc?: string;
  /** What the call also does to the handlers registered with a key (besides its row's own effect). */
  switches?: HandlerSwitch;
}

/**
 * A call that turns the handlers registered with the key in argument `key` off or back on. Off
 * (napi_disable(), tasklet_disable(), disable_irq()): none of them runs again, on any CPU, until the
 * matching call turns them on (napi_enable(), tasklet_enable(), enable_irq()). The `_nosync` variants
 * return before a run already started elsewhere ends, but no run starts after them: none can interrupt
 * the caller's CPU, which is what an irq-inversion needs.
 */
export interface HandlerSwitch {
  what: WaitKind;
  key: ArgRef;
  off: boolean;
}

export interface AcquireRow extends RowBase {
  op: 'acquire';
  lock: ArgRef;
  mode: LockMode;
  irq?: 'off' | 'save' | 'bh-off';
  /** A trylock: it never waits and adds no lock-order edge. */
  try?: boolean;
  /** When the call's return value means "acquired"; 'always' when omitted. */
  ok?: Success;
  /** Argument holding a lockdep subclass (spin_lock_nested and kin). */
  subclassArg?: number;
  /** A fixed lock class, for subsystem helpers that lock inside the core. */
  cls?: string;
  inside?: true; // taken and released inside the call (skb_queue_tail, wake_up, xa_store): an edge and irq usage, no hold after return
  /** false: a sleeping mode that is a spinlock in some configurations (regmap with fast_io), so not known to sleep. */
  sleeps?: false;
  /** A seqcount/seqlock reader: it spins while a writer is inside and holds nothing itself, so it never blocks a writer. */
  waitsOnly?: true;
}

export interface ReleaseRow extends RowBase {
  op: 'release';
  lock: ArgRef;
  mode?: LockMode;
  irq?: 'on' | 'restore' | 'bh-on';
  cls?: string;
}

export interface IrqRow extends RowBase {
  op: 'irq';
  effect: IrqEffect;
}

export interface WaitRow extends RowBase {
  op: 'wait';
  what: WaitKind;
  key: ArgRef;
  /** It may sleep (might_sleep(), a mutex, wait_event): never while a spinning lock is held. del_timer_sync() spins instead. */
  sleeps?: boolean;
}

export interface RegisterRow extends RowBase {
  op: 'register';
  what: WaitKind;
  ctx: Context;
  /** Argument that names the handler function. */
  handlerArg: number;
  /** Where the key that waits bind to comes from ('ret': the call's result). */
  key: ArgRef;
  /** Further handlers of the same kind and context (inet_csk_init_xmit_timers' three timer callbacks). */
  moreHandlerArgs?: number[];
  /** A second handler in another context (request_threaded_irq's thread_fn). */
  threadArg?: number;
  threadCtx?: Context;
}

/** `guard(name)(&l)` / `scoped_guard(name, &l)`: the lock class name -> acquire row used. */
export interface GuardRow extends RowBase {
  op: 'guard';
  /** The acquire function the guard stands for, e.g. spin_lock_irqsave. */
  acquire: string;
}

/** A call whose one effect is its HandlerSwitch (napi_enable(), tasklet_enable()). */
export interface SwitchRow extends RowBase {
  op: 'switch';
  switches: HandlerSwitch;
}

export type ApiRow = AcquireRow | ReleaseRow | IrqRow | WaitRow | RegisterRow | GuardRow | SwitchRow;

/**
 * Binding of a callback field in an ops structure to the context the core
 * calls it in and the locks the core holds around the call (issue 9).
 */
export interface OpsRow {
  structType: string;
  field: string;
  ctx: Context;
  /** Interrupts or bottom halves already off when the core calls it. */
  irqOff?: boolean;
  bhOff?: boolean;
  /** Lock classes the core holds around the call. */
  held?: string[];
  /**
   * The core calls it only after the callback in field `after` of the same ops
   * object returned, and before the matching end callback: it runs with what
   * that callback left held, interrupt and bottom-half state included
   * (seq_operations: ->show and ->next run between ->start and ->stop).
   */
  after?: string;
  /**
   * The core calls it only in a system-sleep transition (dev_pm_ops .suspend, .resume, .freeze ...),
   * after the freezer stopped the freezable workqueues and before it restarts them.
   */
  systemSleep?: true;
  caller?: string;
  project: 'linux' | 'xen' | 'user';
}

/**
 * A callback field whose function a wait waits for, when the function is
 * bound by assigning the field (`t->function = fn`, `.func = fn`) instead of
 * through a registration call: `timer_list.function` is what del_timer_sync
 * waits for.
 */
export interface WaitableFieldRow {
  structType: string;
  field: string;
  what: WaitKind;
  ctx: Context;
  project: 'linux' | 'xen' | 'user';
}

/** The merged table extraction consults. */
export interface ApiTable {
  byName: ReadonlyMap<string, ApiRow>;
  ops: ReadonlyMap<string, OpsRow>; // key: `${structType}.${field}`
  rows: readonly ApiRow[];
  opsRows: readonly OpsRow[];
}
