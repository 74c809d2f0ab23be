// check: the deadlock rules over the summaries and the lock order graph. Each
// rule proposes candidates; a candidate carries the straight-line program of
// every entry involved, which the simulator runs to confirm or drop it.
import type { FunctionIR, Site } from '../extract/ir';
import type { Context, LockMode } from '../kernel-api/types';
import type { RelatedStep, RuleId } from '../report/finding';
import type { SimHandler, SimOp, SimProgram, SimThread } from '../simulate/types';
import type { EntryModel, EntryPoint } from '../graph/entries';
import { nearest, perObject } from '../graph/link';
import { stronglyConnected } from '../graph/scc';
import * as path from 'node:path';
import { conflicts, guessedStep, lastStep, refKey, steps, type AcqFact, type Chain, type OrderFact, type Step, type Summaries } from '../summarize/summarize';

export interface Candidate {
  rule: RuleId;
  /** Identity across edits and versions: rule + classes + functions, never lines. */
  key: string;
  locks: string[];
  functions: string[];
  message: string;
  primary: Site;
  related: RelatedStep[];
  program: SimProgram;
  /** The longest call chain the proof needs (1: everything in one function). */
  depth: number;
  /** Why the proof is too weak to report by default (a guessed pointer target), if it is. */
  doubt?: string;
}

export interface CheckLimits {
  maxCycleLength: number;
  maxCandidatesPerRule: number;
}

export const DEFAULT_LIMITS: CheckLimits = { maxCycleLength: 4, maxCandidatesPerRule: 5_000 };

/** Where a class is taken in a context, with the entry that brings the context. */
interface Usage {
  entry: EntryPoint;
  acq: AcqFact;
}

/** Per class, the usages found: one per entry file (the shortest path there), at most MAX_USAGES. */
interface UsageMarks {
  usedInHardirq: Map<string, Usage[]>;
  usedInSoftirq: Map<string, Usage[]>;
  enabledHardirq: Map<string, Usage[]>;
  enabledSoftirq: Map<string, Usage[]>;
}

const MAX_USAGES = 64;

const SPINNING: ReadonlySet<LockMode> = new Set<LockMode>(['spin', 'read', 'write', 'recursive']);

export function usageMarks(model: EntryModel, summaries: Summaries, knowledge: CheckKnowledge = NO_KNOWLEDGE): UsageMarks {
  const marks: UsageMarks = {
    usedInHardirq: new Map(), usedInSoftirq: new Map(), enabledHardirq: new Map(), enabledSoftirq: new Map(),
  };
  const mark = (m: Map<string, Usage[]>, cls: string, u: Usage): void => {
    const list = m.get(cls) ?? [];
    // One per file, and per set of handlers off around it: a shorter path with some handler off does not stand for one without.
    const quiet = (x: Usage): string => (x.acq.quiet ?? []).join(',');
    const i = list.findIndex((x) => x.entry.fn.file === u.entry.fn.file && quiet(x) === quiet(u));
    // Prefer the shortest path: it is the one a reader checks first.
    if (i >= 0) {
      if (list[i].acq.chain.len > u.acq.chain.len) list[i] = u;
    } else if (list.length < MAX_USAGES) {
      list.push(u);
    }
    m.set(cls, list);
  };
  for (const entry of model.entries) {
    const s = summaries.byFn.get(entry.fn);
    if (!s) continue;
    for (const acq of s.acquires) {
      if (!('cls' in acq.lock)) continue;
      const cls = acq.lock.cls;
      // A callback run after another one (seq ->show after ->start) that releases a lock it did not take, then
      // takes this one, may have turned back on what it inherited: only the row's own state counts.
      const base = entry.after && acq.dropped && acq.dropped.length > 0 ? entry.after : entry;
      const irqOff = base.irqOff || acq.irqOff;
      const bhOff = base.bhOff || acq.bhOff;
      const u = { entry, acq };
      // Interrupt-safety is about spinning locks: a sleeping lock is never legitimately taken in irq context.
      if (!SPINNING.has(acq.mode)) continue;
      if (entry.ctx === 'hardirq') {
        if (!acq.try) mark(marks.usedInHardirq, cls, u);
        continue;
      }
      if (entry.ctx === 'softirq' && !acq.try) mark(marks.usedInSoftirq, cls, u);
      if (entry.irqStateKnown === false) continue;
      // A seqcount reader holds nothing an interrupt could wait for (the writer interrupting it finishes).
      if (knowledge.holdsNothing(acq.api)) continue;
      if (!irqOff) mark(marks.enabledHardirq, cls, u);
      if (entry.ctx === 'process' && !irqOff && !bhOff) mark(marks.enabledSoftirq, cls, u);
    }
  }
  return marks;
}

/**
 * A proof that calls through a function pointer matched by field name only
 * (the object's type is unknown: `->open` could be any ops table's) stands on a
 * guess; it is kept for --all, not reported by default.
 */
function doubtOf(...chains: Chain[]): string | undefined {
  for (const c of chains) {
    const g = guessedStep(c);
    if (g) return `the path calls through a function pointer matched by field name only (${g.fn}() at line ${g.site.line}: ${g.note.replace(/ \(matched by field name\)$/, '')}): the object's type is unknown`;
  }
  return undefined;
}

/** What the report needs to know of a proof's chains: the deepest one, and any doubt about them. */
function proofStrength(...chains: Chain[]): Pick<Candidate, 'depth' | 'doubt'> {
  return { depth: Math.max(1, ...chains.map((c) => c.len)), doubt: doubtOf(...chains) };
}

function stepsToRelated(steps: Step[], prefix: string): RelatedStep[] {
  return steps.map((s, i) => ({ ...s.site, message: `${i === 0 ? prefix : '  '}${s.fn}(): ${s.note}` }));
}

function acquireOp(cls: string, mode: LockMode, chain: Step[], opts: { try?: boolean; irq?: 'off' | 'save' | 'bh-off' } = {}): SimOp {
  const last = chain[chain.length - 1];
  return { op: 'acquire', lock: cls, mode, try: opts.try, irq: opts.irq, site: last.site, fn: last.fn };
}

function releaseOp(cls: string, chain: Step[], irq?: 'on' | 'restore' | 'bh-on'): SimOp {
  const last = chain[chain.length - 1];
  return { op: 'release', lock: cls, irq, site: last.site, fn: last.fn };
}

/** The context a thread running `fn` starts in: process when anything process-context reaches it. */
function threadFor(fn: FunctionIR, model: EntryModel, ops: SimOp[]): SimThread {
  const ctxs = model.contexts.get(fn) ?? [];
  const reachedFromProcess = model.processEntries.has(fn) || model.hasCaller(fn) || ctxs.length === 0;
  const ctx: Context = reachedFromProcess ? 'process' : ctxs[0].ctx;
  return {
    entry: fn.name, ctx, initOnly: model.initPhase.has(fn) || fn.initOnly,
    irqOff: ctx === 'hardirq', bhOff: ctx === 'softirq', ops,
  };
}

function handlerFor(entry: EntryPoint, ops: SimOp[]): SimHandler {
  return {
    id: entry.handlerId ?? `${entry.ctx}:${entry.fn.name}`, fn: entry.fn.name, what: entry.what ?? 'irq', ctx: entry.ctx, ops,
  };
}

/** Handlers and waiters bind within one driver: the same directory, or one inside the other. */
function sameModule(a: string, b: string): boolean {
  const da = path.dirname(a);
  const db = path.dirname(b);
  return da === db || da.startsWith(`${db}${path.sep}`) || db.startsWith(`${da}${path.sep}`);
}

/**
 * Whether two usages of a class can be the same object: a global lock always;
 * a field lock when both are in one file, or in one driver directory and the
 * struct is the driver's own. Two drivers' `uart_port.lock`s are one lockdep
 * class but never one lock.
 */
function sameObjectPossible(model: EntryModel, cls: string, a: string, b: string): boolean {
  if (a === b) return true;
  if (!cls.includes('.') || cls.includes(':')) return true;
  const type = cls.slice(0, cls.lastIndexOf('.')).replace(/@.*$/, '');
  return sameModule(a, b) && model.isLocalType(type, a);
}

function fnLabel(name: string): string {
  return `${name}()`;
}

/** What the rules' bounds cut: cycle searches stopped by their work budget, candidates past a rule's cap. */
export interface CheckCuts {
  cycleSearchesCut: number;
  candidatesCut: number;
}

/** What the rules ask the API table about a call (kernel-api/load.ts). */
export interface CheckKnowledge {
  maySleep(api: string): boolean;
  holdsNothing(api: string): boolean;
}

const NO_KNOWLEDGE: CheckKnowledge = { maySleep: () => false, holdsNothing: () => false };

export function check(
  summaries: Summaries, model: EntryModel, limits: CheckLimits = DEFAULT_LIMITS,
  cuts: CheckCuts = { cycleSearchesCut: 0, candidatesCut: 0 }, knowledge: CheckKnowledge = NO_KNOWLEDGE,
): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const push = (c: Candidate): void => {
    if (seen.has(c.key)) return;
    seen.add(c.key);
    out.push(c);
  };

  const marks = usageMarks(model, summaries, knowledge);
  waitUnderLock(summaries, model, push, limits, cuts);
  lockOrderInversion(summaries, model, push, limits, cuts);
  irqInversion(summaries, model, marks, push, limits, cuts);
  recursiveLock(summaries, model, push);
  sleepInAtomic(summaries, model, knowledge.maySleep, push, limits, cuts);
  return out;
}

/** Waits whose key is the handler's own object (a work_struct, a timer): its field name identifies it. */
const OBJECT_KEYED: ReadonlySet<string> = new Set(['work', 'timer', 'hrtimer', 'tasklet']);

function fieldsOf(text: string): string[] {
  return [...text.matchAll(/(?:\.|->)\s*([A-Za-z_]\w*)/g)].map((m) => m[1]);
}

/**
 * With the key's class unknown, `flush_work(&hba->gate.ungate_work)` still
 * cannot be waiting for the work registered as `&hba->eh_work`: one key's last
 * field must appear in the other (`&x->dwork.work` is `&x->dwork`'s).
 */
function sameObjectField(what: string, handlerKey: string | undefined, waitKey: string): boolean {
  if (!OBJECT_KEYED.has(what) || !handlerKey) return true;
  const hf = fieldsOf(handlerKey);
  const wf = fieldsOf(waitKey);
  if (hf.length === 0 || wf.length === 0) return true;
  return hf.includes(wf[wf.length - 1]) || wf.includes(hf[hf.length - 1]);
}

function waitUnderLock(summaries: Summaries, model: EntryModel, push: (c: Candidate) => void, limits: CheckLimits, cuts: CheckCuts): void {
  let n = 0;
  for (const w of summaries.waitsUnderLock) {
    if (model.coreFiles.has(w.fn.file)) continue;
    // In the wait's own file by key (or by file where a key is unknown); in another file of the
    // driver only by a key naming the driver's own object (a core struct's field names every driver's).
    const sameKey = (h: EntryPoint): boolean => h.key !== undefined && h.key === w.wait.key;
    const bound = nearest((model.handlersByKind.get(w.wait.what) ?? []).filter((h) =>
      (h.keyFile === w.wait.file && (sameKey(h) || ((!h.key || !w.wait.key) && sameObjectField(w.wait.what, h.keyText, w.wait.keyText))))
      || (h.keyLocal && sameKey(h) && sameModule(h.keyFile ?? h.fn.file, w.wait.file))), w.wait.file, (h) => h.fn.file);
    for (const h of bound) {
      const hs = summaries.byFn.get(h.fn);
      const acq = hs?.acquires.find((a) => 'cls' in a.lock && a.lock.cls === w.held.cls && !a.try && conflicts(a.mode, w.held.mode));
      if (!acq || serialisedWith(w.fn, h, model) || frozenDuring(w.fn, h, model)) continue;
      if (++n > limits.maxCandidatesPerRule) { cuts.candidatesCut++; return; }
      const waitStep = lastStep(w.wait.chain);
      const handlerName = h.fn.name;
      const kind = h.what === 'irq' ? `${h.ctx === 'process' ? 'threaded irq' : 'irq'} handler` : `${h.what} callback`;
      const thread = threadFor(w.fn, model, [
        acquireOp(w.held.cls, w.held.mode, steps(w.held.chain), { irq: w.held.irq ?? (w.irqOff ? 'save' : undefined) }),
        { op: 'wait', what: w.wait.what, target: h.handlerId ?? `${h.what}:${handlerName}`, api: w.wait.api, site: waitStep.site, fn: waitStep.fn },
      ]);
      push({
        rule: 'wait-under-lock',
        key: `wait-under-lock|${w.held.cls}|${w.fn.name}|${handlerName}`,
        locks: [w.held.cls],
        functions: [w.fn.name, handlerName],
        message: `${fnLabel(w.fn.name)} waits for the ${kind} ${fnLabel(handlerName)} (${w.wait.api}) while holding ${w.held.cls}, which ${fnLabel(handlerName)} takes`,
        primary: w.wait.chain.step.site,
        related: [
          ...stepsToRelated(steps(w.held.chain), `${w.held.cls} taken: `),
          ...stepsToRelated(steps(w.wait.chain), `waits for ${handlerName}: `),
          ...stepsToRelated(steps(acq.chain), `${handlerName} [${h.ctx}] takes ${w.held.cls}: `),
          { ...h.fn.site, message: `${handlerName} runs in ${h.ctx} context: ${h.why}` },
        ],
        program: { threads: [thread], handlers: [handlerFor(h, [acquireOp(w.held.cls, acq.mode, steps(acq.chain)), releaseOp(w.held.cls, steps(acq.chain))])] },
        ...proofStrength(w.held.chain, w.wait.chain, acq.chain),
      });
    }
  }
}

/**
 * Whether `fn` runs only inside other works of the ordered workqueue that work
 * handler `h` is queued on (cw1200's join-complete work cancelling the
 * BSS-parameters work): the two never run at once, so waiting for `h` finds it
 * queued at most, never running. Every entry reaching `fn` must be such a work.
 */
function serialisedWith(fn: FunctionIR, h: EntryPoint, model: EntryModel): boolean {
  const queue = h.what === 'work' && h.key !== undefined ? model.orderedQueue.get(h.key) : undefined;
  // A work waiting for itself waits for ever.
  return queue !== undefined && onlyEntered(fn, model, (e) => e.what === 'work' && e.key !== undefined && e.key !== h.key
    && model.orderedQueue.get(e.key) === queue);
}

/**
 * Whether `fn` runs only inside system-sleep PM callbacks (dev_pm_ops .resume ..., at
 * any depth below them) and work handler `h` is queued only on freezable workqueues:
 * the freezer stopped that queue before the callbacks run (and waited for the
 * work to finish) and restarts it after them, so the work is not running and
 * waiting for it waits for nothing that takes the lock.
 */
function frozenDuring(fn: FunctionIR, h: EntryPoint, model: EntryModel): boolean {
  return h.what === 'work' && h.key !== undefined && model.freezableWorks.has(h.key) && onlyEntered(fn, model, (e) => e.systemSleep === true);
}

/** Whether every entry reaching `fn` (walking up its callers, within MAX_SERIAL_WALK functions) is one `ok` accepts, and there is one. */
function onlyEntered(fn: FunctionIR, model: EntryModel, ok: (e: EntryPoint) => boolean): boolean {
  const entriesOf = entriesByFn(model);
  const seen = new Set<FunctionIR>([fn]);
  const todo = [fn];
  let found = false;
  while (todo.length > 0) {
    const f = todo.pop()!;
    for (const e of entriesOf.get(f) ?? []) {
      if (!ok(e)) return false;
      found = true;
    }
    for (const c of model.callers.get(f) ?? []) {
      if (seen.has(c)) continue;
      if (seen.size >= MAX_SERIAL_WALK) return false;
      seen.add(c);
      todo.push(c);
    }
  }
  return found;
}

/** Functions walked up from a waiter at most, looking for its entries. */
const MAX_SERIAL_WALK = 500;

/** The entries of each function, per entry model. */
const entriesByFn = perObject((model: EntryModel) => {
  const map = new Map<FunctionIR, EntryPoint[]>();
  for (const e of model.entries) {
    const list = map.get(e.fn) ?? [];
    list.push(e);
    map.set(e.fn, list);
  }
  return map;
});

function lockOrderInversion(summaries: Summaries, model: EntryModel, push: (c: Candidate) => void, limits: CheckLimits, cuts: CheckCuts): void {
  // The class graph; the proof of each edge prefers runtime code over init-only code.
  const proofs = new Map<string, OrderFact>();
  const adj = new Map<string, Set<string>>();
  for (const o of summaries.orders) {
    if (model.coreFiles.has(o.fn.file)) continue; // the core's own orders are its business, and modelled coarsely
    const k = `${o.from}\0${o.to}`;
    const prev = proofs.get(k);
    if (!prev || (model.initPhase.has(prev.fn) && !model.initPhase.has(o.fn))) proofs.set(k, o);
    const s = adj.get(o.from) ?? new Set();
    s.add(o.to);
    adj.set(o.from, s);
  }
  let n = 0;
  const seenCycles = new Set<string>();
  const component = classComponents(adj);
  for (const [from, tos] of adj) {
    for (const to of tos) {
      // Only an edge inside one strongly connected component can close a cycle.
      if (component.get(from) !== component.get(to)) continue;
      // Shortest path back from `to` to `from` closes the shortest cycle through this edge.
      const back = shortestPath(adj, to, from, limits.maxCycleLength - 1, component);
      if (back === 'cut') cuts.cycleSearchesCut++;
      if (!back || back === 'cut') continue;
      const cycle = rotateToSmallest([from, ...back.slice(0, -1)]);
      const canon = cycle.join(' -> ');
      if (seenCycles.has(canon)) continue;
      seenCycles.add(canon);
      if (++n > limits.maxCandidatesPerRule) { cuts.candidatesCut++; return; }
      const edges = cycle.map((c, i) => proofs.get(`${c}\0${cycle[(i + 1) % cycle.length]}`)!);
      // At each class the two edges meeting there must be able to hold one object (two drivers' uart_port.lock are two).
      if (!cycle.every((cls, i) => sameObjectPossible(model, cls, edges[(i + edges.length - 1) % edges.length].fn.file, edges[i].fn.file))) continue;
      // A class whose objects get their own lockdep keys (ath12k's hal_srng rings) is one class per object: the
      // two edges meeting there join one object only when they are the same acquisition.
      if (!cycle.every((cls, i) => !model.hasInstanceKeys(cls) || sameAcquisition(edges[(i + edges.length - 1) % edges.length], edges[i]))) continue;
      const threads = edges.map((e) => threadFor(e.fn, model, [
        acquireOp(e.from, e.fromMode, steps(e.fromChain), { irq: e.fromIrqEffect ?? (e.fromIrq ? 'save' : undefined) }),
        acquireOp(e.to, e.toMode, steps(e.toChain)),
        releaseOp(e.to, steps(e.toChain)),
        releaseOp(e.from, steps(e.fromChain), e.fromIrq ? 'restore' : undefined),
      ]));
      const order = edges.map((e) => `${e.from} -> ${e.to} in ${fnLabel(e.fn.name)}`).join(', ');
      const fns = [...new Set(edges.map((e) => e.fn.name))];
      push({
        rule: 'lock-order-inversion',
        key: `lock-order-inversion|${canon}|${[...fns].sort().join(',')}`,
        locks: cycle,
        functions: fns,
        message: `lock order inversion: ${order}`,
        primary: edges[0].toChain.step.site,
        related: edges.flatMap((e) => [
          ...stepsToRelated(steps(e.fromChain), `${e.from} taken: `),
          ...stepsToRelated(steps(e.toChain), `then ${e.to} taken: `),
        ]),
        program: { threads, handlers: [] },
        ...proofStrength(...edges.flatMap((e) => [e.fromChain, e.toChain])),
      });
    }
  }
}

/** Whether the class edge `into` takes last is, in the same function, the very acquisition `out` holds first. */
function sameAcquisition(into: OrderFact, out: OrderFact): boolean {
  if (into.fn !== out.fn) return false;
  const a = into.toChain.step.site;
  const b = out.fromChain.step.site;
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

/** Work allowed to one shortest-cycle search; hub classes (device.mutex, rtnl_mutex) would make it quadratic. */
const CYCLE_SEARCH_BUDGET = 20_000;

function shortestPath(
  adj: Map<string, Set<string>>, start: string, goal: string, maxEdges: number, component: Map<string, number>,
): string[] | 'cut' | undefined {
  if (start === goal) return [start];
  const scc = component.get(start);
  const prev = new Map<string, string>([[start, '']]);
  let frontier = [start];
  let work = 0;
  for (let depth = 0; depth < maxEdges && frontier.length > 0; depth++) {
    const nextFrontier: string[] = [];
    for (const v of frontier) {
      for (const w of adj.get(v) ?? []) {
        if (++work > CYCLE_SEARCH_BUDGET) return 'cut';
        if (prev.has(w) || component.get(w) !== scc) continue;
        prev.set(w, v);
        if (w === goal) {
          const pathOut = [w];
          for (let x = v; x !== ''; x = prev.get(x)!) pathOut.unshift(x);
          return pathOut;
        }
        nextFrontier.push(w);
      }
    }
    frontier = nextFrontier;
  }
  return undefined;
}

/** Class -> the number of its strongly connected component in the class graph. */
function classComponents(adj: Map<string, Set<string>>): Map<string, number> {
  const comp = new Map<string, number>();
  stronglyConnected(adj.keys(), (v) => adj.get(v) ?? []).forEach((members, i) => {
    for (const m of members) comp.set(m, i);
  });
  return comp;
}

/** One spelling per cycle, starting at its smallest class: the same finding whichever edge found it. */
function rotateToSmallest(cycle: string[]): string[] {
  let best = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i] < cycle[best]) best = i;
  return [...cycle.slice(best), ...cycle.slice(0, best)];
}

function pushIrqInversion(
  push: (c: Candidate) => void, model: EntryModel, cls: string, ctx: 'hardirq' | 'softirq', used: Usage, en: Usage,
): void {
  const enabledWord = ctx === 'hardirq' ? 'interrupts' : 'bottom halves';
  const where = lastStep(en.acq.chain);
  push({
    rule: 'irq-inversion',
    key: `irq-inversion|${ctx}|${cls}|${en.entry.fn.name}|${used.entry.fn.name}`,
    locks: [cls],
    functions: [en.entry.fn.name, used.entry.fn.name],
    message: `${cls} is taken in ${ctx} context by ${fnLabel(used.entry.fn.name)} and with ${enabledWord} enabled by ${fnLabel(where.fn)}; ${ctx === 'hardirq' ? 'an interrupt' : 'a softirq'} on that CPU deadlocks`,
    primary: where.site,
    related: [
      ...stepsToRelated(steps(en.acq.chain), `${cls} taken with ${enabledWord} enabled: `),
      ...stepsToRelated(steps(used.acq.chain), `${cls} taken in ${ctx} context: `),
      { ...used.entry.fn.site, message: `${used.entry.fn.name} runs in ${ctx} context: ${used.entry.why}` },
    ],
    program: {
      threads: [{ ...threadFor(en.entry.fn, model, [acquireOp(cls, en.acq.mode, steps(en.acq.chain), { try: en.acq.try }), releaseOp(cls, steps(en.acq.chain))]), ctx: 'process', irqOff: false, bhOff: false }],
      handlers: [handlerFor(used.entry, [acquireOp(cls, used.acq.mode, steps(used.acq.chain)), releaseOp(cls, steps(used.acq.chain))])],
    },
    ...proofStrength(en.acq.chain, used.acq.chain),
  });
}

/**
 * Whether the handler entry `h` is turned off around acquisition `a` (napi_disable() of the NAPI instances it
 * polls, before the lock): it cannot run then, on any CPU, so it never interrupts the holder. By the handler's
 * key class (its instances are not told apart).
 */
function heldOff(h: EntryPoint, a: AcqFact): boolean {
  return h.what !== undefined && h.key !== undefined && (a.quiet?.includes(`${h.what}:${h.key}`) ?? false);
}

function irqInversion(
  summaries: Summaries, model: EntryModel, marks: UsageMarks, push: (c: Candidate) => void, limits: CheckLimits, cuts: CheckCuts,
): void {
  let n = 0;
  const pairs: Array<[Map<string, Usage[]>, Map<string, Usage[]>, 'hardirq' | 'softirq']> = [
    [marks.usedInHardirq, marks.enabledHardirq, 'hardirq'],
    [marks.usedInSoftirq, marks.enabledSoftirq, 'softirq'],
  ];
  // Inconsistent lock state: taken in irq context and elsewhere with that context enabled, on one object.
  for (const [usedIn, enabled, ctx] of pairs) {
    for (const [cls, usedList] of usedIn) {
      const enabledList = enabled.get(cls);
      if (!enabledList) continue;
      let pairsForClass = 0;
      for (const used of usedList) {
        const en = enabledList.find((e) => conflicts(used.acq.mode, e.acq.mode)
          && sameObjectPossible(model, cls, used.entry.fn.file, e.entry.fn.file) && !heldOff(used.entry, e.acq));
        if (!en || ++pairsForClass > 4) continue;
        if (++n > limits.maxCandidatesPerRule) { cuts.candidatesCut++; return; }
        pushIrqInversion(push, model, cls, ctx, used, en);
      }
    }
  }
  // irq-safe -> irq-unsafe: A is taken in hardirq context, B with interrupts on, and B is taken under A.
  // One finding per pair of classes, as lockdep reports it, from the function with the shortest proof:
  // one irq-unsafe usage makes every irq-safe lock held around B a report, and those are one bug.
  const shortest = (o: OrderFact): number => o.fromChain.len + o.toChain.len;
  for (const o of [...summaries.orders].sort((a, b) => shortest(a) - shortest(b))) {
    if (o.from === o.to || marks.usedInHardirq.has(o.to) || model.coreFiles.has(o.fn.file)) continue;
    const safe = marks.usedInHardirq.get(o.from)?.find((u) => sameObjectPossible(model, o.from, u.entry.fn.file, o.fn.file));
    const unsafe = marks.enabledHardirq.get(o.to)?.find((u) => sameObjectPossible(model, o.to, u.entry.fn.file, o.fn.file));
    if (!safe || !unsafe) continue;
    if (++n > limits.maxCandidatesPerRule) { cuts.candidatesCut++; return; }
    const where = lastStep(unsafe.acq.chain);
    push({
      rule: 'irq-inversion',
      key: `irq-inversion|safe-unsafe|${o.from}|${o.to}`,
      locks: [o.from, o.to],
      functions: [o.fn.name, unsafe.entry.fn.name, safe.entry.fn.name],
      message: `irq-safe ${o.from} is held while taking irq-unsafe ${o.to} in ${fnLabel(o.fn.name)}; ${o.to} is taken with interrupts enabled by ${fnLabel(where.fn)} and ${o.from} in hardirq context by ${fnLabel(safe.entry.fn.name)}`,
      primary: o.toChain.step.site,
      related: [
        ...stepsToRelated(steps(o.fromChain), `${o.from} taken: `),
        ...stepsToRelated(steps(o.toChain), `then ${o.to} taken: `),
        ...stepsToRelated(steps(unsafe.acq.chain), `${o.to} taken with interrupts enabled: `),
        ...stepsToRelated(steps(safe.acq.chain), `${o.from} taken in hardirq context: `),
      ],
      program: {
        threads: [
          { ...threadFor(unsafe.entry.fn, model, [acquireOp(o.to, unsafe.acq.mode, steps(unsafe.acq.chain)), releaseOp(o.to, steps(unsafe.acq.chain))]), ctx: 'process', irqOff: false, bhOff: false },
          threadFor(o.fn, model, [
            acquireOp(o.from, o.fromMode, steps(o.fromChain), { irq: 'save' }),
            acquireOp(o.to, o.toMode, steps(o.toChain)),
            releaseOp(o.to, steps(o.toChain)),
            releaseOp(o.from, steps(o.fromChain), 'restore'),
          ]),
        ],
        handlers: [handlerFor(safe.entry, [acquireOp(o.from, safe.acq.mode, steps(safe.acq.chain)), releaseOp(o.from, steps(safe.acq.chain))])],
      },
      ...proofStrength(o.fromChain, o.toChain, unsafe.acq.chain, safe.acq.chain),
    });
  }
}

function recursiveLock(summaries: Summaries, model: EntryModel, push: (c: Candidate) => void): void {
  for (const r of summaries.recursions) {
    push({
      rule: 'recursive-lock',
      key: `recursive-lock|${r.cls}|${r.fn.name}`,
      locks: [r.cls],
      functions: [...new Set([r.fn.name, ...steps(r.second).map((s) => s.fn)])],
      message: `${fnLabel(r.fn.name)} takes ${r.cls} while already holding it${steps(r.second).length > 1 ? ` (through ${steps(r.second).slice(1).map((s) => fnLabel(s.fn)).join(' -> ')})` : ''}`,
      primary: steps(r.second)[0].site,
      related: [...stepsToRelated(steps(r.first), `${r.cls} taken: `), ...stepsToRelated(steps(r.second), `${r.cls} taken again: `)],
      program: {
        threads: [threadFor(r.fn, model, [acquireOp(r.cls, r.mode, steps(r.first)), acquireOp(r.cls, r.mode, steps(r.second))])],
        handlers: [],
      },
      ...proofStrength(r.first, r.second),
    });
  }
}

/**
 * A call that may sleep while a spinning lock is held: a sleeping wait under
 * the lock (the wait-under-lock facts, whatever the handler takes) or a
 * sleeping lock taken under it (the order facts). One path suffices; the
 * simulator confirms the path holds the spinning lock at the sleep.
 */
function sleepInAtomic(
  summaries: Summaries, model: EntryModel, maySleep: (api: string) => boolean, push: (c: Candidate) => void,
  limits: CheckLimits, cuts: CheckCuts,
): void {
  let n = 0;
  const propose = (
    fn: FunctionIR, held: { cls: string; mode: LockMode; chain: Chain; irq?: 'off' | 'save' | 'bh-off' }, api: string, sleepChain: Chain,
  ): boolean => {
    if (++n > limits.maxCandidatesPerRule) { cuts.candidatesCut++; return false; }
    const sleepSteps = steps(sleepChain);
    const last = sleepSteps[sleepSteps.length - 1];
    const through = sleepSteps.length > 1 ? ` (through ${sleepSteps.slice(1).map((x) => fnLabel(x.fn)).join(' -> ')})` : '';
    push({
      rule: 'sleep-in-atomic',
      key: `sleep-in-atomic|${held.cls}|${fn.name}|${api}`,
      locks: [held.cls],
      functions: [...new Set([fn.name, ...sleepSteps.map((x) => x.fn)])],
      message: `${fnLabel(fn.name)} calls ${api}(), which may sleep, while holding the spinning lock ${held.cls}${through}`,
      primary: sleepChain.step.site,
      related: [...stepsToRelated(steps(held.chain), `${held.cls} taken: `), ...stepsToRelated(sleepSteps, `may sleep: `)],
      program: {
        threads: [threadFor(fn, model, [
          acquireOp(held.cls, held.mode, steps(held.chain), { irq: held.irq }),
          { op: 'sleep', api, site: last.site, fn: last.fn },
        ])],
        handlers: [],
      },
      ...proofStrength(held.chain, sleepChain),
    });
    return true;
  };
  for (const w of summaries.waitsUnderLock) {
    if (model.coreFiles.has(w.fn.file) || !SPINNING.has(w.held.mode) || !maySleep(w.wait.api)) continue;
    if (!propose(w.fn, w.held, w.wait.api, w.wait.chain)) return;
  }
  for (const o of summaries.orders) {
    if (model.coreFiles.has(o.fn.file) || !SPINNING.has(o.fromMode) || !maySleep(o.toApi) || o.toChosenPerObject) continue;
    if (!propose(o.fn, { cls: o.from, mode: o.fromMode, chain: o.fromChain, irq: o.fromIrqEffect }, o.toApi, o.toChain)) return;
  }
}

export { refKey };
