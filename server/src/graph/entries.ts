// Entry points and contexts. A function runs in some context because
// something registered it (request_irq, timer_setup, INIT_WORK ...), an ops
// table binds it to a field the core calls in a known context, an annotation
// says so, or nothing in the analysed code calls it (a syscall, probe, MMIO
// handler ...: process context). Contexts flow from entries to callees.
import * as path from 'node:path';
import type { AccessPath, FunctionIR } from '../extract/ir';
import type { ApiTable, Context, WaitKind } from '../kernel-api/types';
import { LINUX_FREEZABLE_WQS, LINUX_HRTIMER_MODE_CALLS, LINUX_WAITABLE_FIELDS } from '../kernel-api/linux';
import type { Summaries } from '../summarize/summarize';
import { eventsIn, type BoundFn, type Program } from './link';

export interface EntryPoint {
  fn: FunctionIR;
  ctx: Context;
  /** Why it is an entry in this context, for `facts` and explanations. */
  why: string;
  irqOff: boolean;
  bhOff: boolean;
  /** Lock classes the core holds around the call (ops rows). */
  held: string[];
  /** For handlers: what waits bind to them, by key class or, failing that, by file. */
  what?: WaitKind;
  key?: string;
  keyFile?: string;
  /** The key as written at the registration (`&hba->eh_work`): its field names tell works apart when the class is unknown. */
  keyText?: string;
  /** Stable id used by simulator wait ops: `irq:evtchn_interrupt`. */
  handlerId?: string;
  /**
   * The key names the driver's own object (a global, or a field of a struct the
   * driver defines): waits in other files of the driver may bind by it. A key in
   * a core struct (`uart_port.irq`) binds only within the registering file.
   */
  keyLocal?: boolean;
  /**
   * False when the context is a guess: a function bound to an ops field with no
   * context row may run with interrupts or bottom halves off. Such entries add
   * lock orders but are no evidence of "taken with interrupts enabled".
   */
  irqStateKnown?: boolean;
  /**
   * Called by the core only after another callback of the same ops object returned (ops row `after`:
   * seq_operations.show after .start): the entry runs with what that one left held. Its exit state is
   * known only after summarizing (inheritExitState); `irqOff`/`bhOff` here are the row's own.
   */
  after?: { fn: FunctionIR; irqOff: boolean; bhOff: boolean };
  /** Called by the PM core only in a system-sleep transition (ops row `systemSleep`): freezable workqueues are stopped. */
  systemSleep?: true;
}

export interface EntryModel {
  entries: EntryPoint[];
  handlers: EntryPoint[];
  /** Functions reachable only from init-only code (never beside the rest). */
  initPhase: Set<FunctionIR>;
  /** Non-process contexts each function can run in, with the entry that gives it. */
  contexts: Map<FunctionIR, Array<{ ctx: Context; via: EntryPoint }>>;
  /** Process-context entries that reach each function (a few, for building threads). */
  readonly callers: ReadonlyMap<FunctionIR, readonly FunctionIR[]>;
  /** Some analysed function calls it. */
  hasCaller(fn: FunctionIR): boolean;
  /** Functions that are entry points in process context. */
  processEntries: Set<FunctionIR>;
  /** Handlers by what waits for them. */
  handlersByKind: Map<WaitKind, EntryPoint[]>;
  /** Files read from the kernel tree's core for summaries only. */
  coreFiles: ReadonlySet<string>;
  /** Whether a struct type is the driver's own, as seen from a file (see Program.isLocalType). */
  isLocalType: (type: string, fromFile: string) => boolean;
  /** Whether the objects of a class get their own lockdep key at init (see Program.hasInstanceKeys): each object is a class of its own. */
  hasInstanceKeys: (cls: string) => boolean;
  /** Works (by key class) queued only on one ordered workqueue: that queue's class. They never run beside each other. */
  orderedQueue: ReadonlyMap<string, string>;
  /** Works (by key class) queued only on freezable workqueues: they never run during a system-sleep transition. */
  freezableWorks: ReadonlySet<string>;
}

/**
 * Classes of hrtimers started or set up in a _SOFT mode anywhere in the
 * analysed code: their callbacks run in softirq. A timer whose type the
 * expression does not tell (`&tcp_sk(sk)->pacing_timer`, a macro) is named
 * by its function and text: the `.function =` beside it in that function matches.
 */
function softHrtimers(program: Program): Set<string> {
  const out = new Set<string>();
  for (const { fn, ev, index } of program.callsTo(LINUX_HRTIMER_MODE_CALLS)) {
    if (!ev.flags?.[index]?.some((m) => m.endsWith('_SOFT')) || !ev.args[0]) continue;
    const ref = program.lockRef(ev.args[0], fn);
    if (ref && 'cls' in ref) out.add(ref.cls);
  }
  return out;
}

/**
 * Works queued only on one ordered workqueue (`wq = alloc_ordered_workqueue(..)`,
 * then only `queue_work(wq, &w)`), with that queue's class; and works queued
 * only on freezable workqueues (`system_freezable_wq`, a WQ_FREEZABLE queue).
 * A work also queued elsewhere (a system queue, another or an unknown queue) is
 * none of them, nor is any work of a directory where some queueing names no work class.
 */
function workQueues(program: Program, coreFiles: ReadonlySet<string>): { ordered: Map<string, string>; freezable: Set<string> } {
  const ordered = new Set<string>();
  // Queues the freezer stops: the system's freezable ones, and those allocated with WQ_FREEZABLE.
  const freezableQueues = new Set<string>(LINUX_FREEZABLE_WQS);
  const queuedOn = new Map<string, { queues: Set<string>; dirs: Set<string>; types: Set<string> }>();
  // Directories where works not known are queued, with the type those works may have ('*': any work).
  const unknownDirs = new Map<string, Set<string>>();
  const unknown = (dir: string, type = '*'): void => {
    unknownDirs.set(dir, (unknownDirs.get(dir) ?? new Set<string>()).add(type));
  };
  const cls = (p: AccessPath | undefined, fn: FunctionIR): string | undefined => {
    const ref = p ? program.lockRef(p, fn) : undefined;
    return ref && 'cls' in ref && !ref.local ? ref.cls : undefined;
  };
  const queued = (work: string | undefined, queue: string, file: string, type = '?'): void => {
    // A work named by a core type (`delayed_work.work` through a helper's pointer) could be any work.
    if (!work || !keyIsLocal(program, work, file)) {
      unknown(path.dirname(file));
      return;
    }
    const q = queuedOn.get(work) ?? { queues: new Set<string>(), dirs: new Set<string>(), types: new Set<string>() };
    q.queues.add(queue);
    q.dirs.add(path.dirname(file));
    q.types.add(type);
    queuedOn.set(work, q);
  };
  // A helper queueing the work it is given (`cw1200_resume_work(priv, &priv->bss_loss_work, ..)`): the callers' works.
  const byParam = new Map<string, Array<{ fn: FunctionIR; param: number; queue: string }>>();
  const events = program.files.filter((f) => !coreFiles.has(f.file)).flatMap((f) => [...eventsIn(f, 'workqueue')]);
  const queuesItsParam = (ev: (typeof events)[number]['ev']): boolean =>
    ev.op === 'queue' && ev.work?.baseKind === 'param' && ev.work.paramIndex !== undefined && ev.work.fields.length === 0;
  const workType = (p: AccessPath | undefined, fn: FunctionIR): string => workTypeOf(program, p, fn);
  const paramWorkType = (fn: FunctionIR, param: number): string => paramWorkTypeOf(program, fn, param);
  const queueOf = (ev: (typeof events)[number]['ev'], fn: FunctionIR): { wq?: string; queue: string } => {
    const system = ev.wq && ev.wq.fields.length === 0 && LINUX_FREEZABLE_WQS.has(ev.wq.base) ? ev.wq.base : undefined;
    const wq = system ?? (ev.wq ? cls(ev.wq, fn) : undefined);
    // The core's ordered queue of an object (mac80211's per-hw queue): ordered as allocated.
    if (ev.ordered && wq) ordered.add(wq);
    return { wq, queue: ev.wq ? wq ?? '?' : 'system' };
  };
  for (const { fn, ev } of events) {
    if (!queuesItsParam(ev)) continue;
    const list = byParam.get(fn.name) ?? [];
    list.push({ fn, param: ev.work!.paramIndex!, queue: queueOf(ev, fn).queue });
    byParam.set(fn.name, list);
  }
  // A table row's call of such a helper that the program defines and reads (net/mac80211's ieee80211_queue_work()
  // when net/ is analysed): its own body says where it queues, not the row (which would name a second queue);
  // its caller is seen, the work it passes known.
  const rowCalled = new Set<FunctionIR>();
  for (const { fn, ev } of events) {
    if (queuesItsParam(ev)) continue;
    const callee = ev.op === 'queue' ? program.callee(ev.api, fn.file) : undefined;
    const helper = callee && callee !== fn ? (byParam.get(callee.name) ?? []).filter((h) => h.fn === callee) : [];
    for (const h of helper) queued(cls(ev.work, fn), h.queue, fn.file, workType(ev.work, fn));
    if (helper.length > 0) {
      rowCalled.add(callee!);
      continue;
    }
    const { wq, queue } = queueOf(ev, fn);
    if (ev.op === 'ordered') {
      if (wq) ordered.add(wq);
      continue;
    }
    if (ev.op === 'freezable') {
      if (wq) freezableQueues.add(wq);
      continue;
    }
    queued(cls(ev.work, fn), queue, fn.file, workType(ev.work, fn));
  }
  if (byParam.size > 0) {
    const helpers = new Set<FunctionIR>(rowCalled);
    for (const fn of program.functions) {
      for (const b of fn.blocks) {
        for (const ev of b.events) {
          if (ev.kind !== 'call' || ev.viaField) continue;
          for (const h of byParam.get(ev.callee) ?? []) {
            if (program.callee(ev.callee, fn.file) !== h.fn) continue;
            helpers.add(h.fn);
            const arg = ev.args[h.param];
            // The caller's own parameter handed on (a helper of a helper): which work is not known here.
            // A field of it (`&rtwdev->watch_dog_work`) is a work of that struct.
            const handedOn = arg?.baseKind === 'param' && arg.fields.length === 0;
            queued(handedOn ? undefined : arg && cls(arg, fn), h.queue, fn.file, workType(arg, fn));
          }
        }
      }
    }
    // A helper whose callers are not all seen (called through a pointer, or by none) queues unknown works.
    // Such a caller can only hand it what the parameter's type allows: a `struct delayed_work *` helper
    // (mac80211's exported ieee80211_queue_delayed_work(), called by drivers only) queues no plain work.
    for (const list of byParam.values()) {
      for (const h of list) if (!helpers.has(h.fn)) unknown(path.dirname(h.fn.file), paramWorkType(h.fn, h.param));
    }
  }
  const out = new Map<string, string>();
  const freezable = new Set<string>();
  for (const [work, { queues, dirs, types }] of queuedOn) {
    const mayBeUnknown = (d: string): boolean => {
      const t = unknownDirs.get(d);
      return t !== undefined && (t.has('*') || [...types].some((x) => x === '?' || t.has(x)));
    };
    if ([...dirs].some(mayBeUnknown)) continue;
    const [only] = queues;
    if (queues.size === 1 && ordered.has(only)) out.set(work, only);
    if ([...queues].every((q) => freezableQueues.has(q))) freezable.add(work);
  }
  return { ordered: out, freezable };
}

/** The declared type of a queued work (`work_struct`, `delayed_work`), '?' when not known. */
function workTypeOf(program: Program, p: AccessPath | undefined, fn: FunctionIR): string {
  return (p && program.typeOfPath(p, fn)) ?? '?';
}

/**
 * The works a helper's unseen caller may hand it in parameter `param`: only delayed works when
 * the parameter is a `struct delayed_work *`; any work otherwise (`&dw->work` is a work_struct too).
 */
function paramWorkTypeOf(program: Program, fn: FunctionIR, param: number): string {
  const t = fn.params[param]?.type;
  return t && program.resolveTypedef(t) === 'delayed_work' ? 'delayed_work' : '*';
}

const CTX_ANNOTATION = /^context (hardirq|softirq|process)$/;

/** A global, or a field of a struct defined beside `file`: the driver's own object. */
function keyIsLocal(program: Program, key: string, file: string): boolean {
  const dot = key.lastIndexOf('.');
  if (dot < 0 || key.includes(':')) return true;
  return program.isLocalType(key.slice(0, dot).replace(/@.*$/, ''), file);
}

/**
 * The function bound to another field of the same ops object as `b`: the same
 * initialized variable (`static const struct seq_operations x = { .start = .., .show = .. }`),
 * or the same object assigned in the same function (`ops->start = ..; ops->show = ..`).
 * Not for a field stored from a parameter: which call passes which pair is not tracked.
 */
function sameObjectBinding(program: Program, b: BoundFn, siblings: readonly BoundFn[] | undefined): FunctionIR | undefined {
  if (!siblings || b.passed) return undefined;
  const mine = b.binding;
  for (const o of siblings) {
    const other = o.binding;
    if (o.passed || other.site.file !== mine.site.file) continue;
    const same = mine.variable !== undefined ? other.variable === mine.variable
      : mine.object !== undefined && other.object?.text === mine.object.text && program.ownerOf(other) === program.ownerOf(mine);
    if (!same) continue;
    const target = program.bindingTarget(o);
    if (target) return target;
  }
  return undefined;
}

/**
 * Entries run after another callback of their ops object (EntryPoint.after) inherit what it
 * left held at every exit: its lock classes, and interrupts or bottom halves off when it
 * returned with them off (`spin_lock_bh(&list_lock)` in ->start: ->show runs with BHs off).
 * Summaries assume interrupts on at a function's entry and never read an entry's state, so
 * refining the entries after summarizing changes no summary.
 */
export function inheritExitState(model: EntryModel, summaries: Pick<Summaries, 'byFn'>): void {
  for (const e of model.entries) {
    if (!e.after) continue;
    const s = summaries.byFn.get(e.after.fn);
    if (!s) continue;
    const held = s.exitHeld.flatMap((h) => ('cls' in h.lock && !e.held.includes(h.lock.cls) ? [h.lock.cls] : []));
    const irqOff = s.exitIrqOff === true || s.exitHeld.some((h) => h.irq === 'off' || h.irq === 'save');
    const bhOff = irqOff || s.exitBhOff === true || s.exitHeld.some((h) => h.irq === 'bh-off');
    if (held.length === 0 && !irqOff && !bhOff) continue;
    e.held = [...e.held, ...held];
    e.irqOff ||= irqOff;
    e.bhOff ||= bhOff;
    const state = irqOff ? ', interrupts off' : bhOff ? ', bottom halves off' : '';
    e.why += `; after ${e.after.fn.name}()${held.length > 0 ? `, holding ${held.join(', ')}` : ''}${state}`;
  }
}

export function findEntries(
  program: Program, calls: ReadonlyMap<FunctionIR, ReadonlySet<FunctionIR>>, api: ApiTable, coreFiles: ReadonlySet<string> = new Set(),
): EntryModel {
  const entries: EntryPoint[] = [];
  const handlers: EntryPoint[] = [];
  const handlerFns = new Set<FunctionIR>();
  // What each function is already a handler of (`ctx what` and `what`): a tree registers thousands, looked up per registration.
  const handlerKinds = new Map<FunctionIR, Set<string>>();
  const isHandler = (fn: FunctionIR, kind: string): boolean => handlerKinds.get(fn)?.has(kind) === true;
  const addHandler = (e: EntryPoint): void => {
    handlers.push(e);
    entries.push(e);
    handlerFns.add(e.fn);
    const kinds = handlerKinds.get(e.fn) ?? new Set<string>();
    kinds.add(`${e.ctx} ${e.what}`).add(`${e.what}`);
    handlerKinds.set(e.fn, kinds);
  };

  for (const { ev, fn } of program.registrations) {
    const file = fn?.file ?? ev.site.file;
    if (coreFiles.has(file)) continue;
    const keyRef = fn && (ev.key.base || ev.key.fields.length) ? program.lockRef(ev.key, fn) : ev.key.base ? { cls: ev.key.base } : undefined;
    const key = keyRef && 'cls' in keyRef && !(fn && keyRef.cls.startsWith(`${fn.name}:`)) ? keyRef.cls : undefined;
    for (const target of program.handlerTargets(ev.handler, file, fn)) {
      const e: EntryPoint = {
        fn: target, ctx: ev.ctx, why: `${ev.api}() at ${ev.site.file}:${ev.site.line}`,
        irqOff: ev.ctx === 'hardirq', bhOff: ev.ctx === 'softirq', held: [], what: ev.what, key, keyFile: file, keyText: ev.key.text,
        handlerId: `${ev.what}:${target.name}`, keyLocal: key !== undefined && keyIsLocal(program, key, file),
      };
      if (isHandler(target, `${e.ctx} ${e.what}`)) continue;
      addHandler(e);
    }
  }

  // Callbacks bound by assigning a waitable field: handlers that waits bind to, keyed by the object.
  const softTimers = softHrtimers(program);
  for (const w of LINUX_WAITABLE_FIELDS) {
    for (const b of program.bindings.get(`${w.structType}.${w.field}`) ?? []) {
      const target = program.bindingTarget(b);
      if (!target || coreFiles.has(target.file) || isHandler(target, `${w.what}`)) continue;
      const owner = program.ownerOf(b.binding);
      const ref = b.binding.object && owner ? program.lockRef(b.binding.object, owner) : undefined;
      const key = ref && 'cls' in ref && !ref.local ? ref.cls : b.binding.variable;
      const soft = w.what === 'hrtimer' && ref !== undefined && 'cls' in ref && softTimers.has(ref.cls);
      const ctx: Context = soft ? 'softirq' : w.ctx;
      const e: EntryPoint = {
        fn: target, ctx, why: `${w.structType}.${w.field} = ${target.name} at ${b.binding.site.file}:${b.binding.site.line}`,
        irqOff: ctx === 'hardirq', bhOff: ctx === 'softirq', held: [], what: w.what, key, keyFile: b.binding.site.file,
        keyText: b.binding.object?.text,
        handlerId: `${w.what}:${target.name}`, keyLocal: key !== undefined && keyIsLocal(program, key, b.binding.site.file),
      };
      addHandler(e);
    }
  }

  for (const [key, list] of program.bindings) {
    const row = api.ops.get(key);
    if (!row) continue;
    for (const b of list) {
      const target = program.bindingTarget(b);
      if (!target || coreFiles.has(target.file)) continue;
      const irqOff = row.irqOff === true || row.ctx === 'hardirq';
      const bhOff = row.bhOff === true || row.ctx === 'softirq';
      const first = row.after ? sameObjectBinding(program, b, program.bindings.get(`${row.structType}.${row.after}`)) : undefined;
      entries.push({
        fn: target, ctx: row.ctx, why: `${key} (called by ${row.caller ?? 'the core'})`,
        irqOff, bhOff, held: row.held ?? [],
        ...(first ? { after: { fn: first, irqOff, bhOff } } : {}),
        ...(row.systemSleep ? { systemSleep: true as const } : {}),
      });
      handlerFns.add(target);
    }
  }

  // A field filled in a struct whose layout is unknown (`appl->proto.rcv = garp_pdu_rcv`, the application's
  // header not read): a callback names the core struct it belongs to among its parameters
  // (`garp_pdu_rcv(const struct stp_proto *proto, ..)`), so an ops row for that struct's field of that name applies.
  for (const b of program.untypedBindings) {
    const target = program.callee(b.fn, b.site.file);
    if (!target || coreFiles.has(target.file)) continue;
    const types = new Set(target.params.flatMap((p) => (p.type ? [program.resolveTypedef(p.type)] : [])));
    for (const row of api.opsRows) {
      if (row.field !== b.field || !types.has(row.structType)) continue;
      const key = `${row.structType}.${row.field}`;
      entries.push({
        fn: target, ctx: row.ctx, why: `${key} (called by ${row.caller ?? 'the core'}; ${target.name} takes a ${row.structType})`,
        irqOff: row.irqOff === true || row.ctx === 'hardirq', bhOff: row.bhOff === true || row.ctx === 'softirq',
        held: row.held ?? [],
      });
      handlerFns.add(target);
    }
  }

  // Functions bound to ops fields the table has no row for: called by some core, in a context we do not know.
  const boundWithoutRow = new Map<string, string>();
  for (const [key, list] of program.bindings) {
    if (api.ops.has(key)) continue;
    for (const b of list) if (!boundWithoutRow.has(b.fn)) boundWithoutRow.set(b.fn, key);
  }

  const called = new Set<FunctionIR>();
  for (const set of calls.values()) for (const t of set) called.add(t);
  for (const fn of program.functions) {
    if (coreFiles.has(fn.file)) continue; // core code runs when analysed code calls it
    const annotated = fn.annotations.map((a) => CTX_ANNOTATION.exec(a)).find((m) => m);
    if (annotated) {
      const ctx = annotated[1] as Context;
      entries.push({ fn, ctx, why: 'lockscope: context annotation', irqOff: ctx === 'hardirq', bhOff: ctx === 'softirq', held: [] });
      continue;
    }
    // A static function nothing names is dead code (compiled out, or a leftover): not an entry point.
    if (!called.has(fn) && !handlerFns.has(fn) && !fn.unreferenced) {
      const field = boundWithoutRow.get(fn.name);
      if (field) {
        entries.push({ fn, ctx: 'process', why: `bound to ${field} (no context row: interrupt state unknown)`, irqOff: false, bhOff: false, held: [], irqStateKnown: false });
      } else {
        // Also static ones: sysfs show/store functions are reached only through token pasting (DEVICE_ATTR_RW).
        entries.push({ fn, ctx: 'process', why: 'no caller in the analysed code', irqOff: false, bhOff: false, held: [] });
      }
    }
  }

  // Init phase: everything not reachable from an entry that is not init-only.
  const runtime = new Set<FunctionIR>();
  const stack = entries.filter((e) => !e.fn.initOnly).map((e) => e.fn);
  while (stack.length > 0) {
    const fn = stack.pop()!;
    if (runtime.has(fn) || fn.initOnly) continue;
    runtime.add(fn);
    for (const c of calls.get(fn) ?? []) stack.push(c);
  }
  const initPhase = new Set(program.functions.filter((f) => !runtime.has(f)));

  // Non-process contexts, from handler and ops entries down the call graph.
  const contexts = new Map<FunctionIR, Array<{ ctx: Context; via: EntryPoint }>>();
  // Functions whose callees all have a context already: an earlier entry of that context walked
  // everything below them to the end (not cut at the bound), so a later one need not walk it again.
  const complete = new Map<Context, Set<FunctionIR>>();
  for (const e of entries) {
    if (e.ctx === 'process') continue;
    const done = complete.get(e.ctx) ?? new Set<FunctionIR>();
    complete.set(e.ctx, done);
    const seen = new Set<FunctionIR>();
    const todo = [e.fn];
    while (todo.length > 0 && seen.size < 5_000) {
      const fn = todo.pop()!;
      if (seen.has(fn)) continue;
      seen.add(fn);
      const list = contexts.get(fn) ?? [];
      if (!list.some((x) => x.ctx === e.ctx)) list.push({ ctx: e.ctx, via: e });
      contexts.set(fn, list);
      if (done.has(fn)) continue;
      for (const c of calls.get(fn) ?? []) todo.push(c);
    }
    if (todo.length === 0) for (const fn of seen) done.add(fn);
  }

  // Callers are read for a few candidates only: built on first use. Lists, not sets: each caller comes
  // once (from its own callee set), and most functions have one caller, which a one-element array holds
  // in a third of a set's memory.
  let callers: Map<FunctionIR, FunctionIR[]> | undefined;
  const callersOf = (): Map<FunctionIR, FunctionIR[]> => {
    if (callers) return callers;
    callers = new Map();
    for (const [caller, set] of calls) {
      for (const t of set) {
        const list = callers.get(t);
        if (list) list.push(caller);
        else callers.set(t, [caller]);
      }
    }
    return callers;
  };
  const processEntries = new Set(entries.filter((e) => e.ctx === 'process').map((e) => e.fn));
  const handlersByKind = new Map<WaitKind, EntryPoint[]>();
  for (const h of handlers) {
    if (!h.what) continue;
    const list = handlersByKind.get(h.what) ?? [];
    list.push(h);
    handlersByKind.set(h.what, list);
  }
  const queues = workQueues(program, coreFiles);
  return {
    entries, handlers, initPhase, contexts, get callers() { return callersOf(); }, hasCaller: (fn) => called.has(fn), processEntries, handlersByKind, coreFiles,
    isLocalType: (type, fromFile) => program.isLocalType(type, fromFile),
    hasInstanceKeys: (cls) => program.hasInstanceKeys(cls),
    orderedQueue: queues.ordered,
    freezableWorks: queues.freezable,
  };
}
