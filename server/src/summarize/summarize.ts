// summarize: per-function lock summaries over the call graph, callees first,
// recursion (strongly connected components) iterated to a fixpoint. Walking a
// function's CFG with the set of held locks and the interrupt state, it
// records what the function acquires and waits for (for its callers) and the
// facts the rules need: held-while-acquiring pairs, waits under a lock,
// re-acquisitions. Summaries are context-free; contexts are applied at roots.
import type { AccessPath, FileFacts, FunctionIR, LockEvent, Site } from '../extract/ir';
import { LINUX_PER_OBJECT_LOCK_FIELDS } from '../kernel-api/linux';
import { OWNERLESS_MODES, type LockMode, type WaitKind } from '../kernel-api/types';
import { mapInstance, perObject, type LockRef, type Program } from '../graph/link';
import { stronglyConnected } from '../graph/scc';
import { CancelledError, type CancellationToken } from '../engine/api';

/** One step of a path through the code: what happened where, in which function. */
export interface Step {
  fn: string;
  site: Site;
  note: string;
  /** A call through a function pointer whose target was matched by field name only (the object's type is unknown). */
  guessed?: true;
}

/**
 * A path as a persistent list sharing its tail with the callee's: prefixing a
 * call step is O(1), so summaries of deep call chains cost no copies.
 */
export interface Chain {
  readonly step: Step;
  readonly next?: Chain;
  readonly len: number;
}

/** The chain as steps, at most MAX_CHAIN of them: the first ones and the last (where the lock is taken). */
/**
 * A held lock left by one backend's target (ks8851's par spinlock) and a fact
 * reached through another backend's target of the same family: never together
 * on one device. The fact's backend is that of this very call (`callBackend`),
 * or one it carries from deeper down (`ks8851_rdreg16()` -> `->rdreg16`).
 */
function otherConfiguration(h: HeldLock, callBackend: string | undefined, fact: Backend | undefined): boolean {
  if (h.backend === undefined) return false;
  if (callBackend !== undefined && h.backend !== callBackend) return true;
  return fact !== undefined && fact.file !== h.backend && fact.among.includes(h.backend);
}

export function steps(c: Chain): Step[] {
  const out: Step[] = [];
  let last: Step = c.step;
  for (let x: Chain | undefined = c; x; x = x.next) {
    if (out.length < MAX_CHAIN - 1) out.push(x.step);
    last = x.step;
  }
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

export function lastStep(c: Chain): Step {
  let x = c;
  while (x.next) x = x.next;
  return x.step;
}

export interface HeldLock {
  lock: LockRef;
  mode: LockMode;
  irq?: 'off' | 'save' | 'bh-off';
  subclass?: string;
  try?: boolean;
  /** How it came to be held, starting in the function that holds it. */
  chain: Chain;
  /** The lock's path text where this function took it directly (`new_nodes[i]->write_lock`): a loop releasing the same elements matches it. */
  path?: string;
  /**
   * Left held by one target of a pointer call whose targets live in different
   * files (ks8851's par and spi backends): the file of that target. A later
   * pointer call's target from another file is another configuration, not the same run.
   */
  backend?: string;
}

/**
 * The target a fact came through, of a pointer call whose targets live in
 * different files (rtw88's pci, usb and sdio `->write32`): that target's file
 * and all of them. Code in one of those files runs with its own backend only.
 */
export interface Backend {
  file: string;
  among: readonly string[];
}

export interface AcqFact {
  lock: LockRef;
  backend?: Backend;
  /** Taken through a lock a core chose for the object at init (LINUX_PER_OBJECT_LOCK_FIELDS): not known to sleep. */
  chosenPerObject?: true;
  mode: LockMode;
  try?: boolean;
  subclass?: string;
  /** Interrupts / bottom halves definitely off here, given they were on at the function's entry. */
  irqOff: boolean;
  bhOff: boolean;
  irq?: 'off' | 'save' | 'bh-off';
  api: string;
  chain: Chain;
  /** Locks held by the caller that this function released before the acquisition (unlock in callee). */
  dropped?: LockRef[];
  /** Parameter tests on the path to it. A caller passing an argument that contradicts one never reaches it. */
  when?: ParamTest[];
  /** Locks of known instance held by the function on every path to it (Gate): a caller holding one never reaches it. */
  under?: Gate[];
  /**
   * Handlers turned off on every path to it, and not on again (`napi:ring.napi`, HandlerSwitch): none of them
   * runs while it is held, so none interrupts its holder.
   */
  quiet?: string[];
}

/**
 * A lock of known instance (`$0.conf_mutex`) that the path to a fact took and
 * still holds, in the function's own terms. A caller already holding that
 * same lock blocks at the re-acquisition (a recursive-lock of its own): nothing
 * past it happens under the caller's locks.
 */
export interface Gate {
  lock: LockRef;
  mode: LockMode;
  subclass?: string;
}

/**
 * [parameter index, truthy, flag mask when the test was `param & MASK`]. A flag bit of a bitmap
 * reached through the parameter, as the function found it at entry (`test_bit(B, &p->flags)`), has
 * mask `%flags%B` (bitMask). Mask `&f1.f2`: the reference count at `p->f1.f2` is zero there, or its
 * last reference was dropped there (the release a `kref_put` runs): a caller holding a reference of
 * its own on that object never gets there (refMask).
 */
export type ParamTest = [number, boolean, string?];

export interface WaitFact {
  what: WaitKind;
  backend?: Backend;
  /** The waited-for object's class (`per_user_data.irq`) or undefined when not resolvable. */
  key?: string;
  keyText: string;
  api: string;
  file: string;
  chain: Chain;
  dropped?: LockRef[];
  when?: ParamTest[];
  under?: Gate[];
}

export interface FunctionSummary {
  acquires: AcqFact[];
  waits: WaitFact[];
  /** Locks still held at every exit (lock wrappers). */
  exitHeld: HeldLock[];
  /** Locks released that the function did not take (unlock wrappers). */
  exitReleased: LockRef[];
  /** Interrupts (bottom halves) off at every exit, given they were on at entry (`local_irq_save` / `rcu_read_lock_bh()` left on). */
  exitIrqOff?: true;
  exitBhOff?: true;
  /** Functions this one calls (resolved), for roots and contexts. */
  callees: string[];
  /**
   * Flag bits it may write, itself or through its callees (by bit name, of any object), `~f` for
   * every bit of a bitmap field `f` written whole; `*`: any. A caller's knowledge of a bit survives the call otherwise.
   */
  writes?: string[];
  /** Some fact's path tests a flag bit of a parameter's bitmap (bitMask): callers track their bits. */
  bitTests?: true;
  /**
   * Reference counts of its parameters' objects (`$0.kref`) it takes for its caller, held at every exit where
   * the parameter is not NULL (`lpfc_nlp_get()`), and those it drops that it did not take (a put wrapper).
   */
  refGets?: string[];
  refPuts?: string[];
  /** Handlers it turns off on every path to its exit, and leaves off (a helper looping napi_disable() over its rings). */
  exitQuiet?: string[];
  /** Handlers it turns on again on some path (napi_enable()): off no longer for its caller. */
  turnsOn?: string[];
  /**
   * Locks of known instance it takes itself on every path to its exit (gates, as State.passed): a caller
   * holding one spins at that re-acquisition (a recursive lock, reported) and never gets past the call.
   */
  exitUnder?: Gate[];
  /** Every path of it ends at such a recursion (none reaches the exit): it never returns, and its callers' paths end at the call. */
  hangs?: true;
}

/** `from` was held while `to` was acquired, in function `fn`. */
export interface OrderFact {
  from: string;
  to: string;
  fn: FunctionIR;
  fromMode: LockMode;
  toMode: LockMode;
  fromChain: Chain;
  toChain: Chain;
  fromIrq: boolean;
  /** The irq effect of the call that took `from`. */
  fromIrqEffect?: 'off' | 'save' | 'bh-off';
  toIrq?: 'off' | 'save' | 'bh-off';
  fromApi: string;
  /** The API that took `to` (mutex_lock, guard(mutex) ...). */
  toApi: string;
  /** `to` was taken through a lock chosen per object (regmap's ->lock): not known to sleep. */
  toChosenPerObject?: true;
}

export interface WaitUnderLockFact {
  fn: FunctionIR;
  held: HeldLock & { cls: string };
  wait: WaitFact;
  irqOff: boolean;
}

export interface RecursionFact {
  fn: FunctionIR;
  cls: string;
  mode: LockMode;
  first: Chain;
  second: Chain;
}

export interface Summaries {
  byFn: Map<FunctionIR, FunctionSummary>;
  orders: OrderFact[];
  waitsUnderLock: WaitUnderLockFact[];
  recursions: RecursionFact[];
  /** Call edges, caller -> callees (resolved functions). */
  calls: Map<FunctionIR, ReadonlySet<FunctionIR>>;
  /** How many function-pointer call sites resolved to at least one target, of how many. */
  pointerCalls: { resolved: number; total: number };
  /** Every direct lock call with its class and the classes held there (for hover). */
  lockSites: Map<string, { fn: FunctionIR; site: Site; cls: string; api: string; held: Set<string> }>;
  /** What the bounds cut: path states dropped at a block, facts past a summary's cap, recursions cut before a fixpoint. */
  cuts: { statesDropped: number; factsDropped: number; recursionUnconverged: number; factsTooDeep: number };
}

const MAX_STATES_PER_BLOCK = 8;
const MAX_FACTS = 256;
const MAX_CHAIN = 12;

interface IrqState {
  irqOff: boolean;
  saved: boolean[];
  bhDepth: number;
}

interface State extends IrqState {
  held: HeldLock[];
  /** Caller's locks this function has released (and not re-taken) on this path. */
  dropped: LockRef[];
  /** Parameter tests taken on this path. */
  assumed: ParamTest[];
  /** Local flags set to literals on this path. */
  vals: Array<[string, boolean]>;
  /** Guarding conditions decided on this path: [condition text, truth, identifiers it reads]. */
  tests: Array<[string, boolean, string[]]>;
  /**
   * Locks of known instance this function took directly on this path, held or released
   * since (gateOf): a caller holding one blocks there, before anything that follows.
   */
  passed: Gate[];
  /**
   * Flag bits known on this path: [`base.field#BIT`, value] (a test's branch, a set_bit/clear_bit).
   */
  bits: Array<[string, boolean]>;
  /** Bits the path may have written since the entry (BIT, `~name` for a variable or bitmap assigned, `*`). */
  dirty: string[];
  /** Bit tests on this path of parameters' bitmaps as at entry (bitMask): carried with the facts like `assumed`. */
  bitWhen: ParamTest[];
  /**
   * What the path knows of reference counts, by object (`device.kref`): `key`, a reference of its own, once per
   * reference not yet returned (a put of it is not the last; the count is not zero); `?:key`, one reference or a
   * count at zero (a get wrapper that may have failed: one put releases nothing, the count may be zero); `0:key`,
   * the count found at zero or dropped to zero on the path (no later put of the path's releases it again; another
   * CPU may set it anew, so a later test may still find it at zero or not).
   */
  refs: string[];
  /** Handlers turned off on this path and not on again (`${what}:${key class}`, HandlerSwitch): carried with acquisitions as `quiet`. */
  off: string[];
  // passed, bits, dirty, bitWhen, refs and off are no part of the state's key: states that meet keep what they share (meet).
}

/** What separates a copied local from its access path in a `tests` entry (`function:=hdr->Function`); no C has it. */
const COPY = ':=';

/**
 * A guarding condition read through the copies the path made (`function = hdr->Function;`): each
 * copied local it reads is the path it was given, so that `function == X` and `hdr->Function == X`
 * are one condition. The identifiers are the copy's too (assigning any ends both).
 */
function throughCopies(tests: State['tests'], key: string, idents: string[]): { key: string; idents: string[] } {
  for (const [k, , ids] of tests) {
    const at = k.indexOf(COPY);
    if (at < 0 || !idents.includes(k.slice(0, at))) continue;
    // The local as a variable, not a field of the same name (`->name`, `.name`).
    const name = new RegExp(`(?<!->)(?<![\\w.])${k.slice(0, at)}(?!\\w)`, 'g');
    const read = key.replace(name, k.slice(at + COPY.length));
    if (read === key) continue;
    key = read;
    idents = [...new Set([...idents, ...ids])];
  }
  return { key, idents };
}

function stateKey(s: State): string {
  return `${s.irqOff ? 1 : 0}${s.bhDepth}${s.saved.map((b) => (b ? 1 : 0)).join('')}|${s.held.map((h) => refKey(h.lock) + h.mode).join(',')}|${s.dropped.map(refKey).join(',')}|${s.assumed.map(([p, t, m]) => `${p}${t ? '+' : '-'}${m ?? ''}`).join('')}|${s.vals.map(([n, v]) => `${n}${v ? '+' : '-'}`).join('')}|${s.tests.map(([k, t]) => `${k}${t ? '+' : '-'}`).join(';')}`;
}

export function refKey(r: LockRef): string {
  return 'cls' in r ? r.cls : `$${r.param}`;
}

function clsOf(r: LockRef): string | undefined {
  return 'cls' in r ? r.cls : undefined;
}

function sameLock(a: LockRef, b: LockRef): boolean {
  return refKey(a) === refKey(b);
}

/** Readers of an rwlock never wait for each other; anything else conflicts. */
export function conflicts(a: LockMode, b: LockMode): boolean {
  if (a === 'read' && b === 'read') return false;
  if (a === 'rwsem-read' && b === 'rwsem-read') return false;
  return true;
}

function applyIrq(s: IrqState, effect: string): void {
  switch (effect) {
    case 'off': s.irqOff = true; break;
    case 'on': s.irqOff = false; break;
    case 'save': s.saved.push(s.irqOff); s.irqOff = true; break;
    case 'restore': s.irqOff = s.saved.length > 0 ? s.saved.pop()! : false; break;
    case 'bh-off': s.bhDepth++; break;
    case 'bh-on': s.bhDepth = Math.max(0, s.bhDepth - 1); break;
  }
}

function cloneState(s: State): State {
  return {
    held: [...s.held], dropped: [...s.dropped], assumed: [...s.assumed], vals: [...s.vals], tests: [...s.tests], irqOff: s.irqOff, saved: [...s.saved], bhDepth: s.bhDepth,
    passed: s.passed, bits: [...s.bits], dirty: [...s.dirty], bitWhen: [...s.bitWhen], refs: s.refs, off: s.off,
  };
}

/** What a state knows of flag bits, for telling a weaker meet of it from what was already walked. */
function bitsKey(s: State): string {
  if (s.bits.length === 0 && s.dirty.length === 0 && s.bitWhen.length === 0) return '';
  return `${s.bits.map(([k, v]) => `${k}${v ? '+' : '-'}`).join(';')}|${s.dirty.join(';')}|${s.bitWhen.map(([p, t, m]) => `${p}${t ? '+' : '-'}${m}`).join(';')}`;
}

/** What a state holds outside its key (gates passed, flag bits): a weaker meet of it must be walked again. */
function meetKey(s: State): string {
  const bits = bitsKey(s);
  const refs = s.refs.length === 0 ? '' : `|${s.refs.join(';')}`;
  const off = s.off.length === 0 ? '' : `|off:${s.off.join(';')}`;
  return s.passed.length === 0 && bits === '' ? refs + off : `${bits}|${gatesKey(s.passed)}${refs}${off}`;
}

/**
 * `into` met by `s` (same key, another path): only the gates both passed; only the bits both know,
 * the same way; the entry tests both took; what either may have written. Whether `into` changed
 * (then it is walked again).
 */
function meet(into: State, s: State): boolean {
  const before = meetKey(into);
  // Only a lock taken on both paths stops a caller; `into.passed` itself when that is all of it.
  const both = commonGates(into.passed, s.passed) ?? [];
  if (both.length < into.passed.length) into.passed = both;
  // A handler off on both paths only.
  if (into.off.some((k) => !s.off.includes(k))) into.off = into.off.filter((k) => s.off.includes(k));
  into.bits = into.bits.filter(([k, v]) => s.bits.some(([k2, v2]) => k === k2 && v === v2));
  into.bitWhen = into.bitWhen.filter(([p, t, m]) => s.bitWhen.some(([q, u, n]) => p === q && t === u && m === n));
  for (const d of s.dirty) addDirty(into, d);
  // A reference held on both paths (as many times as on the one holding fewer).
  if (into.refs.length > 0) {
    const other = [...s.refs];
    into.refs = into.refs.filter((k) => {
      const i = other.indexOf(k);
      if (i < 0) return false;
      other.splice(i, 1);
      return true;
    });
  }
  return meetKey(into) !== before;
}

/** Flag-bit tests of a parameter's bitmap: mask `%f1.f2%BIT` for `test_bit(BIT, &p->f1.f2)`. */
function bitMask(fields: readonly string[], bit: string): string {
  return `%${fields.join('.')}%${bit}`;
}

function parseBitMask(mask: string | undefined): { fields: string[]; bit: string } | undefined {
  if (!mask?.startsWith('%')) return undefined;
  const at = mask.lastIndexOf('%');
  const path = mask.slice(1, at);
  return { fields: path ? path.split('.') : [], bit: mask.slice(at + 1) };
}

const MAX_DIRTY = 16;
const MAX_REFS = 8;

/** The key of a counted object (`device.kref` for `&device->kref`), or undefined when the path names none. */
function refObjKey(p: AccessPath | undefined, more: readonly string[] = []): string | undefined {
  const segs = pathSegs(p);
  return segs ? [...segs, ...more].join('.') : undefined;
}

/** ParamTest mask of a reference count reached through a parameter: `&kref` (its last put) or `@kref` (found at zero) for `&p->kref`. */
function refMask(fields: readonly string[], op: 'last' | 'zero'): string {
  return `${op === 'last' ? '&' : '@'}${fields.join('.')}`;
}

/** A summary's name of a parameter's counted object: `$0.kref` for parameter 0's `kref` (`$0` for the parameter itself). */
function paramObject(param: number, fields: readonly string[]): string {
  return `$${param}${fields.length > 0 ? '.' + fields.join('.') : ''}`;
}

/** A summary's counted object (`$0.kref`) as the path a call's argument names (`&ndlp->kref` for `ndlp`). */
function refArgPath(k: string, args: readonly AccessPath[]): AccessPath | undefined {
  const [param, ...fields] = k.slice(1).split('.');
  const arg = args[Number(param)];
  return arg && !arg.fuzzy ? { ...arg, fields: [...arg.fields, ...fields] } : undefined;
}

function parseRefMask(mask: string | undefined): { fields: string[]; op: 'last' | 'zero' } | undefined {
  if (!mask?.startsWith('&') && !mask?.startsWith('@')) return undefined;
  return { fields: mask.length > 1 ? mask.slice(1).split('.') : [], op: mask.startsWith('&') ? 'last' : 'zero' };
}

/** A reference the path holds on `key` (sure or maybe), returned: whether it held one. */
function dropRef(s: State, key: string): boolean {
  let i = s.refs.indexOf(key);
  if (i < 0) i = s.refs.indexOf(`?:${key}`);
  if (i < 0) return false;
  s.refs = [...s.refs.slice(0, i), ...s.refs.slice(i + 1)];
  return true;
}

/** No put of `key` by this path releases the object: it holds a reference, or saw the count at zero. */
function noRelease(s: State, key: string): boolean {
  return s.refs.includes(key) || s.refs.includes(`?:${key}`) || s.refs.includes(`0:${key}`);
}

/** The count of `key` found at (or dropped to) zero: the path's own puts release nothing more. */
function zeroRef(s: State, key: string): void {
  if (!s.refs.includes(`0:${key}`)) addRef(s, `0:${key}`);
}

/** The object a State.refs entry is about (`device.kref` of `?:device.kref` and `0:device.kref`). */
function refObject(entry: string): string {
  return entry.replace(/^[?0]:/, '');
}

/** The path's parameter tests with `t` among them, once. */
function assuming(assumed: ParamTest[], t: ParamTest): ParamTest[] {
  return assumed.some(([p, , m]) => p === t[0] && m === t[2]) ? assumed : [...assumed, t];
}

function addRef(s: State, key: string): void {
  if (s.refs.length < MAX_REFS) s.refs = [...s.refs, key];
}

function addDirty(s: State, d: string): void {
  if (s.dirty.includes(d) || s.dirty.includes('*')) return;
  s.dirty = d === '*' || s.dirty.length >= MAX_DIRTY ? ['*'] : [...s.dirty, d];
}

/** Whether bit `bit` of the bitmap at `segs` (base, fields) may have been written since the entry. */
function dirtyFor(s: State, segs: readonly string[], bit: string): boolean {
  if (s.dirty.length === 0) return false;
  return s.dirty.includes('*') || s.dirty.includes(bit) || segs.some((x) => s.dirty.includes(`~${x}`));
}

/** A plain path's segments (base, fields), or undefined when it names no one object. */
function pathSegs(p: AccessPath | undefined): string[] | undefined {
  if (!p || p.fuzzy || !p.base || p.baseKind === 'unknown') return undefined;
  return [p.base, ...p.fields];
}

function bitOfKey(k: string): string {
  return k.slice(k.lastIndexOf('#') + 1);
}

function segsOfKey(k: string): string[] {
  return k.slice(0, k.lastIndexOf('#')).split('.');
}

/** A write of flag bit `bit` (`*`: every bit of the bitmap at segs, or `~x`: of any path through x): what was known of it is gone. */
function writeBit(s: State, bit: string, segs?: readonly string[], value?: boolean): void {
  if (bit === '*' || bit.startsWith('~')) {
    const name = bit === '*' ? segs?.[segs.length - 1] : bit.slice(1);
    if (name === undefined) {
      s.bits = [];
      addDirty(s, '*');
      return;
    }
    if (s.bits.length > 0) s.bits = s.bits.filter(([k]) => !segsOfKey(k).includes(name));
    addDirty(s, `~${name}`);
    return;
  }
  // Another path may name the same object: the bit is unknown on every object, known on this one.
  if (s.bits.length > 0) s.bits = s.bits.filter(([k]) => bitOfKey(k) !== bit);
  if (segs && value !== undefined && s.bits.length < 8) s.bits.push([`${segs.join('.')}#${bit}`, value]);
  addDirty(s, bit);
}

function chainOf(fn: string, site: Site, note: string, rest?: Chain, guessed?: boolean): Chain {
  return { step: guessed ? { fn, site, note, guessed: true } : { fn, site, note }, next: rest, len: 1 + (rest?.len ?? 0) };
}

/** The first call of the chain whose pointer target was a guess by field name, if any. */
export function guessedStep(c: Chain): Step | undefined {
  for (let x: Chain | undefined = c; x; x = x.next) if (x.step.guessed) return x.step;
  return undefined;
}

/** Who calls whom, resolved once: the summaries walk it callees first, entries flow contexts along it. */
/** Each call event's targets: looked up, and replaced where a pointer cycle is cut. */
export type TargetsOf = Pick<Map<LockEvent, FunctionIR[]>, 'get' | 'set'>;

export interface CallGraph {
  /** Call edges, caller -> callees (resolved functions). */
  calls: Map<FunctionIR, ReadonlySet<FunctionIR>>;
  /** Each call event's targets (one for a direct call; any number through a function pointer). */
  targetsOf: TargetsOf;
  /** Pointer calls whose targets were matched by field name only. */
  guessed: Set<LockEvent>;
  /** Functions a call passes to a callee that calls them: they run at the call too, after the callee's own facts. */
  callbacks: Map<LockEvent, FunctionIR[]>;
  pointerCalls: { resolved: number; total: number };
  /** The call graph's strongly connected components, callees first (resolving finds them to cut pointer cycles). */
  components?: FunctionIR[][];
  /** Pointer calls that lost targets closing a cycle, and the functions whose calls were rebuilt for it. */
  cut?: { targets: ReadonlyMap<LockEvent, FunctionIR[]>; callers: ReadonlySet<FunctionIR> };
}

/** One function's resolved calls, kept across analyses (SummaryMemo.calls). */
interface FunctionCalls {
  /** Program.linkKey() it was resolved under. */
  link: string;
  callees: ReadonlySet<FunctionIR>;
  /** Pointer calls with targets (cycle cutting looks at these), and those matched by field name only. */
  pointer: LockEvent[];
  guessed: LockEvent[];
  /** Functions a call passes to a callee that calls them (CallGraph.callbacks). */
  callbacks: Array<[LockEvent, FunctionIR[]]>;
  total: number;
  resolved: number;
}

/**
 * Calls resolved in an earlier analysis, per function IR: still right while
 * the program links the same way (same names, types, bindings: linkKey) and
 * every target is still in the program. An edit re-resolves the functions it
 * replaced, not the program.
 */
export interface CallMemo {
  byFn: WeakMap<FunctionIR, FunctionCalls>;
  targets: WeakMap<LockEvent, FunctionIR[]>;
  /**
   * Functions whose IR changed in place since the last resolution (forgetFunctions): a caller's
   * resolution read their bodies (what they call through their parameters), so it is made again too.
   */
  changed: Set<FunctionIR>;
}

/**
 * Every call's targets. `previous`: the graph resolved before an edit that
 * left the program as it was (engine/reuse.ts): when the functions resolved
 * again reach the same functions, the components and cycle cuts are the ones
 * found then.
 */
export function resolveCalls(program: Program, memo?: CallMemo, previous?: { graph: CallGraph }): CallGraph {
  const link = memo ? program.linkKey() : '';
  // A memoized function's callees may be functions an edit replaced; over the program before, none was.
  const live = memo && !previous ? new Set(program.functions) : undefined;
  const targets = memo?.targets ?? new Map<LockEvent, FunctionIR[]>();
  const cut = new Map<LockEvent, FunctionIR[]>();
  const graph: CallGraph = {
    calls: new Map(),
    targetsOf: { get: (ev) => cut.get(ev) ?? targets.get(ev), set: (ev, t) => cut.set(ev, t) },
    guessed: new Set(),
    callbacks: new Map(),
    pointerCalls: { resolved: 0, total: 0 },
  };
  const pointerEvents: Array<[FunctionIR, LockEvent]> = [];
  const only = new Map<FunctionIR, readonly FunctionIR[]>();
  const changed = memo?.changed.size ? memo.changed : undefined;
  /** Functions resolved again here (not memoized, or calling a function whose IR changed). */
  const redone: FunctionIR[] = [];
  for (const fn of program.functions) {
    let r = memo?.byFn.get(fn);
    if (!r || r.link !== link || (live && !allLive(r.callees, live)) || (changed && callsAny(r.callees, changed))) {
      r = resolveFunction(program, fn, targets, only);
      r.link = link;
      memo?.byFn.set(fn, r);
      redone.push(fn);
    }
    graph.calls.set(fn, r.callees);
    for (const ev of r.pointer) pointerEvents.push([fn, ev]);
    for (const ev of r.guessed) graph.guessed.add(ev);
    for (const [ev, passed] of r.callbacks) graph.callbacks.set(ev, passed);
    graph.pointerCalls.total += r.total;
    graph.pointerCalls.resolved += r.resolved;
  }
  memo?.changed.clear();
  if (previous && sameCallGraph(previous.graph, graph, redone, memo)) {
    for (const [ev, t] of previous.graph.cut?.targets ?? []) cut.set(ev, t);
    for (const fn of previous.graph.cut?.callers ?? []) graph.calls.set(fn, previous.graph.calls.get(fn)!);
    graph.cut = previous.graph.cut;
    graph.components = previous.graph.components;
    return graph;
  }
  const cuts = cutPointerCycles(program, graph.calls, graph.targetsOf, graph.callbacks, pointerEvents);
  graph.cut = cuts && { targets: cut, callers: cuts.callers };
  graph.components = cuts?.components ?? stronglyConnected(program.functions, (fn) => graph.calls.get(fn) ?? []);
  return graph;
}

/**
 * The functions resolved again call what they called (no pointer call among
 * them to cut, none rebuilt by a cut before): over the same program, the same graph.
 */
function sameCallGraph(before: CallGraph, now: CallGraph, redone: readonly FunctionIR[], memo: CallMemo | undefined): boolean {
  if (!before.components || !memo) return false;
  for (const fn of redone) {
    const r = memo.byFn.get(fn);
    const was = before.calls.get(fn);
    if (!r || r.pointer.length > 0 || before.cut?.callers.has(fn) || !was || was.size !== r.callees.size) return false;
    for (const c of r.callees) if (!was.has(c)) return false;
  }
  return true;
}

function callsAny(callees: ReadonlySet<FunctionIR>, fns: ReadonlySet<FunctionIR>): boolean {
  for (const t of callees) if (fns.has(t)) return true;
  return false;
}

function allLive(callees: ReadonlySet<FunctionIR>, live: ReadonlySet<FunctionIR>): boolean {
  for (const t of callees) if (!live.has(t)) return false;
  return true;
}

/** The callees of a function that calls nothing of the program (most leaves): one set for all, never added to. */
const NO_CALLEES: ReadonlySet<FunctionIR> = new Set();

/**
 * `only`: the one-element target list of each function called directly, shared by its calls
 * (hundreds of thousands of calls on a whole tree; nothing changes a target list, cycle cutting replaces it).
 */
function resolveFunction(
  program: Program, fn: FunctionIR, targetsOf: { set(ev: LockEvent, t: FunctionIR[]): unknown },
  only: Map<FunctionIR, readonly FunctionIR[]>,
): FunctionCalls {
  const callees = new Set<FunctionIR>();
  const r: FunctionCalls = { link: '', callees, pointer: [], guessed: [], callbacks: [], total: 0, resolved: 0 };
  for (const b of fn.blocks) {
    for (const ev of b.events) {
      if (ev.kind !== 'call') continue;
      let targets: FunctionIR[];
      if (ev.viaField && program.isCore(fn)) {
        // The core dispatching to drivers (dev_close -> ->ndo_stop) is what ops rows describe;
        // resolving it here would join every driver that fills the field.
        targets = [];
      } else if (ev.viaField) {
        r.total++;
        const type = program.typeOfPath(ev.viaField.object, fn);
        targets = type ? program.boundTargets(type, ev.viaField.field, fn.file) : program.boundByField(ev.viaField.field, fn.file);
        if (targets.length > 0) r.resolved++;
        if (!type && targets.length > 0) r.guessed.push(ev);
        // A function reaching itself through an ops field is a stacked layer (misc_open ->
        // new_fops->open, an mdio mux -> its parent bus): another object, never a recursion.
        targets = targets.filter((t) => t !== fn);
        if (targets.length > 0) r.pointer.push(ev);
      } else if (ev.callee.endsWith('[]')) {
        // Through a file-scope table of functions: what the table lists.
        targets = program.handlerTargets(ev.callee, fn.file, fn).filter((t) => t !== fn);
      } else if (fn.params.some((p) => p.name === ev.callee)) {
        // Through a parameter: the callers' call runs what they pass (callbacksPassed).
        targets = [];
      } else {
        const t = program.callee(ev.callee, fn.file);
        targets = t ? onlyTarget(only, t) : [];
        const passed = t && !program.isCore(fn) ? program.callbacksPassed(ev, t, fn) : [];
        if (passed.length > 0) {
          r.callbacks.push([ev, passed]);
          for (const c of passed) callees.add(c);
        }
      }
      // Most calls go outside the program (kfree, memcpy): no entry, not an empty array each.
      if (targets.length > 0) targetsOf.set(ev, targets);
      for (const t of targets) callees.add(t);
    }
  }
  if (callees.size === 0) r.callees = NO_CALLEES;
  return r;
}

function onlyTarget(only: Map<FunctionIR, readonly FunctionIR[]>, t: FunctionIR): FunctionIR[] {
  let list = only.get(t);
  if (!list) only.set(t, list = Object.freeze([t]));
  return list as FunctionIR[];
}

export interface SummarizeOptions {
  token?: CancellationToken;
  memo?: SummaryMemo;
  /** The resolved calls (resolveCalls), when the caller needed them first. */
  graph?: CallGraph;
  /**
   * Acquisitions and waits more calls deep than this are not carried to
   * callers: every proof through them would need more nested calls than are
   * reported by default (MAX_REPORTED_DEPTH), and on a whole tree the
   * transitive closure beyond it is most of the memory.
   */
  maxDepth?: number;
  /**
   * Functions whose summaries the rules read afterwards (the entries). Others
   * are let go once every caller is summarized: on a whole tree, the summaries
   * of callees no one reads again are most of the heap.
   */
  retain?: ReadonlySet<FunctionIR>;
}

export function summarize(program: Program, opts: SummarizeOptions = {}): Summaries {
  const { token, memo, retain } = opts;
  const graph = opts.graph ?? resolveCalls(program);
  const { targetsOf, guessed } = graph;
  const out: Summaries = {
    byFn: new Map(), orders: [], waitsUnderLock: [], recursions: [], calls: graph.calls,
    pointerCalls: graph.pointerCalls, lockSites: new Map(),
    cuts: { statesDropped: 0, factsDropped: 0, recursionUnconverged: 0, factsTooDeep: 0 },
  };
  const maxDepth = opts.maxDepth ?? Infinity;
  if (memo && memo.maxDepth !== maxDepth) {
    // Summaries cut at another depth are not these.
    memo.byKey.clear();
    memo.byFn = new WeakMap();
    memo.cycles.clear();
    memo.maxDepth = maxDepth;
  }
  // Callers not yet summarized, per function: at zero, a summary outside `retain` is read no more.
  const pending = new Map<FunctionIR, number>();
  if (retain) for (const set of out.calls.values()) for (const t of set) pending.set(t, (pending.get(t) ?? 0) + 1);
  const release = (scc: readonly FunctionIR[]): void => {
    if (!retain) return;
    for (const fn of scc) {
      if (!pending.has(fn) && !retain.has(fn)) out.byFn.delete(fn);
      for (const c of out.calls.get(fn) ?? []) {
        const left = pending.get(c)! - 1;
        pending.set(c, left);
        if (left === 0 && !retain.has(c)) out.byFn.delete(c);
      }
    }
  };

  const versions = new Map<FunctionIR, number>();
  // Keys are for recording only: a memoized summary is found by its function.
  let keys: Map<FunctionIR, string> | undefined;
  const keyOf = (fn: FunctionIR): string => (keys ??= functionKeys(program.files)).get(fn)!;
  /** The callees and their summary versions now: a memoized summary made from the same ones still holds. */
  const calleeVersionsOf = (callees: Iterable<FunctionIR>): CalleeVersions => {
    const used: CalleeVersions = { callees: [], versions: [] };
    for (const c of callees) {
      used.callees.push(c);
      used.versions.push(versions.get(c) ?? 0);
    }
    return used;
  };
  const sameVersions = (callees: Iterable<FunctionIR>, used: CalleeVersions): boolean => {
    let i = 0;
    for (const c of callees) {
      if (used.callees[i] !== c || used.versions[i] !== (versions.get(c) ?? 0)) return false;
      i++;
    }
    return i === used.callees.length;
  };
  const calleeVersions = (fn: FunctionIR): CalleeVersions => calleeVersionsOf(out.calls.get(fn) ?? []);
  const sameCallees = (fn: FunctionIR, used: CalleeVersions): boolean => sameVersions(out.calls.get(fn) ?? [], used);
  const record = (fn: FunctionIR, summary: FunctionSummary, outputs: FunctionOutputs, used: CalleeVersions | undefined): void => {
    out.byFn.set(fn, summary);
    emit(out, outputs);
    if (!memo) return;
    const key = keyOf(fn);
    const prev = memo.byKey.get(key);
    const signature = signatureOf(summary);
    const version = prev && prev.signature === signature ? prev.version : ++memo.nextVersion;
    versions.set(fn, version);
    const entry: SummaryMemoEntry = { fn, summary, outputs, version, signature, calleeVersions: used };
    memo.byKey.set(key, entry);
    memo.byFn.set(fn, entry);
  };

  for (const scc of graph.components ?? stronglyConnected(program.functions, (fn) => out.calls.get(fn) ?? [])) {
    if (token?.isCancellationRequested) throw new CancelledError();
    const recursive = scc.length > 1 || out.calls.get(scc[0])?.has(scc[0]);
    // The flag bits the component may write: read only where it is summarized (a memoized summary keeps its own).
    const writesOf = (): ReadonlyMap<FunctionIR, string[] | undefined> => {
      const writes = componentWrites(scc, out, graph, program);
      return new Map<FunctionIR, string[] | undefined>(scc.map((fn) => [fn, writes]));
    };
    if (recursive && memo) {
      // A recursion cycle whose members and outside callees are unchanged: its last rounds still hold.
      const cycleKey = scc.map(keyOf).join('\n');
      const prev = memo.cycles.get(cycleKey);
      if (prev && scc.every((fn, i) => prev.members[i].fn === fn) && sameVersions(outsideCallees(scc, out), prev.outside)) {
        for (const m of prev.members) {
          out.byFn.set(m.fn, m.summary);
          emit(out, m.outputs);
          versions.set(m.fn, m.version);
        }
        if (prev.unconverged) out.cuts.recursionUnconverged++;
        release(scc);
        continue;
      }
    }
    if (!recursive && memo) {
      // Unchanged IR and unchanged callee summaries: the summary and its facts still hold.
      const fn = scc[0];
      const prev = memo.byFn.get(fn);
      if (prev && prev.calleeVersions && sameCallees(fn, prev.calleeVersions)) {
        out.byFn.set(fn, prev.summary);
        emit(out, prev.outputs);
        versions.set(fn, prev.version);
        release(scc);
        continue;
      }
      const { summary, outputs } = summarizeFunction(fn, program, out, graph, maxDepth, writesOf());
      record(fn, summary, outputs, calleeVersions(fn));
      release(scc);
      continue;
    }
    // Inside a recursion cycle, iterate until no summary grows (bounded); the last round's facts count.
    const last = new Map<FunctionIR, FunctionOutputs>();
    const sccWrites = writesOf();
    let changed = false;
    for (let round = 0; round < (recursive ? 4 : 1); round++) {
      changed = false;
      for (const fn of scc) {
        const before = out.byFn.get(fn);
        const { summary, outputs } = summarizeFunction(fn, program, out, graph, maxDepth, sccWrites);
        out.byFn.set(fn, summary);
        last.set(fn, outputs);
        if (!before || before.acquires.length !== summary.acquires.length || before.waits.length !== summary.waits.length
          || before.exitHeld.length !== summary.exitHeld.length
          || gatesKey(before.exitUnder) !== gatesKey(summary.exitUnder) || before.hangs !== summary.hangs) changed = true;
      }
      if (!changed) break;
    }
    if (recursive && changed) out.cuts.recursionUnconverged++;
    for (const fn of scc) record(fn, out.byFn.get(fn)!, last.get(fn)!, recursive || !memo ? undefined : calleeVersions(fn));
    if (recursive && memo) {
      const members = scc.map((fn) => ({ fn, summary: out.byFn.get(fn)!, outputs: last.get(fn)!, version: versions.get(fn)! }));
      memo.cycles.set(scc.map(keyOf).join('\n'), { members, outside: calleeVersionsOf(outsideCallees(scc, out)), unconverged: changed });
    }
    release(scc);
  }
  return out;
}

/**
 * A call through a function pointer that closes a call cycle (mt76's register
 * remap wrapper calling the saved original ->rmw, which the analysis cannot
 * tell from the wrapper itself) goes to another layer's object, not back
 * into this one: such targets are dropped, direct recursion is kept.
 */
function cutPointerCycles(
  program: Program, calls: Map<FunctionIR, ReadonlySet<FunctionIR>>, targetsOf: TargetsOf, callbacks: ReadonlyMap<LockEvent, FunctionIR[]>,
  pointerEvents: ReadonlyArray<[FunctionIR, LockEvent]>,
): { components: FunctionIR[][]; callers: Set<FunctionIR> } | undefined {
  if (pointerEvents.length === 0) return undefined;
  const component = new Map<FunctionIR, number>();
  const components = stronglyConnected(program.functions, (fn) => calls.get(fn) ?? []);
  components.forEach((members, i) => {
    if (members.length > 1) for (const m of members) component.set(m, i);
  });
  const touched = new Set<FunctionIR>();
  for (const [fn, ev] of pointerEvents) {
    const c = component.get(fn);
    if (c === undefined) continue;
    const targets = targetsOf.get(ev) ?? [];
    const kept = targets.filter((t) => component.get(t) !== c);
    if (kept.length === targets.length) continue;
    targetsOf.set(ev, kept);
    touched.add(fn);
  }
  // Rebuild the callee sets of the functions whose pointer calls lost targets.
  for (const fn of touched) {
    const set = new Set<FunctionIR>();
    for (const b of fn.blocks) {
      for (const ev of b.events) if (ev.kind === 'call') for (const t of [...targetsOf.get(ev) ?? [], ...callbacks.get(ev) ?? []]) set.add(t);
    }
    calls.set(fn, set);
  }
  // Cut edges lie inside one component each: only those components can split, in place
  // (callees first within; every edge leaving them still goes to an earlier component).
  const split = new Set<number>();
  for (const fn of touched) split.add(component.get(fn)!);
  if (split.size === 0) return { components, callers: touched };
  return {
    components: components.flatMap((members, i) => {
      if (!split.has(i)) return [members];
      const inside = new Set(members);
      return stronglyConnected(members, (fn) => [...calls.get(fn) ?? []].filter((c) => inside.has(c)));
    }),
    callers: touched,
  };
}

/** A subclass argument that is not a constant (a number or an ALL-CAPS name such as SINGLE_DEPTH_NESTING). */
function variableSubclass(subclass: string | undefined): boolean {
  return subclass !== undefined && !/^(?:\d+|[A-Z][A-Z0-9_]*)$/.test(subclass.trim());
}

/** What summarizing one function found besides its summary (kept with it in the memo). */
interface FunctionOutputs {
  orders: OrderFact[];
  waitsUnderLock: WaitUnderLockFact[];
  recursions: RecursionFact[];
  lockSites: Array<{ key: string; fn: FunctionIR; site: Site; cls: string; api: string; held: string[] }>;
  statesDropped: number;
  factsDropped: number;
  factsTooDeep: number;
}

function emit(out: Summaries, o: FunctionOutputs): void {
  out.cuts.statesDropped += o.statesDropped;
  out.cuts.factsDropped += o.factsDropped;
  out.cuts.factsTooDeep += o.factsTooDeep;
  out.orders.push(...o.orders);
  out.waitsUnderLock.push(...o.waitsUnderLock);
  out.recursions.push(...o.recursions);
  for (const l of o.lockSites) {
    let info = out.lockSites.get(l.key);
    if (!info) out.lockSites.set(l.key, (info = { fn: l.fn, site: l.site, cls: l.cls, api: l.api, held: new Set() }));
    for (const h of l.held) info.held.add(h);
  }
}

/**
 * Summaries kept across analyses (the language server's): by function, with
 * a version that changes only when the summary does, so an edit re-summarizes
 * the edited functions and only those callers whose callees really changed.
 */
export interface SummaryMemoEntry {
  fn: FunctionIR;
  summary: FunctionSummary;
  outputs: FunctionOutputs;
  version: number;
  signature: string;
  /** Unset for a recursion cycle's member, or once the function's IR changed (forgetFunctions): not taken as is. */
  calleeVersions?: CalleeVersions;
}

export interface SummaryMemo {
  /** By function key (file, name, which of that name): a function made again finds its old summary's version. */
  byKey: Map<string, SummaryMemoEntry>;
  /** The same entries by function object, for the lookup on every analysis. */
  byFn: WeakMap<FunctionIR, SummaryMemoEntry>;
  nextVersion: number;
  /** The depth bound the summaries were made with (SummarizeOptions.maxDepth). */
  maxDepth?: number;
  /** Resolved calls (resolveCalls). */
  calls: CallMemo;
  /** Recursion cycles by their members' keys: what their outside callees were, and whether the rounds converged. */
  cycles: Map<string, {
    members: Array<{ fn: FunctionIR; summary: FunctionSummary; outputs: FunctionOutputs; version: number }>;
    outside: CalleeVersions;
    unconverged: boolean;
  }>;
}

export function newSummaryMemo(): SummaryMemo {
  return { byKey: new Map(), byFn: new WeakMap(), nextVersion: 0, calls: { byFn: new WeakMap(), targets: new WeakMap(), changed: new Set() }, cycles: new Map() };
}

/**
 * Functions whose IR changed in place (extract.adoptPrevious): what
 * the memo holds for them is of their old IR. Recursion cycles they are in are
 * made again; their callers see a new version if their summaries differ.
 */
export function forgetFunctions(memo: SummaryMemo, fns: readonly FunctionIR[]): void {
  if (fns.length === 0) return;
  const gone = new Set(fns);
  for (const fn of fns) {
    memo.calls.byFn.delete(fn);
    memo.calls.changed.add(fn);
    // Kept without its callees, so it is not taken as is, yet a summary made again the same keeps its version.
    const entry = memo.byFn.get(fn);
    if (entry) entry.calleeVersions = undefined;
  }
  for (const [key, cycle] of memo.cycles) if (cycle.members.some((m) => gone.has(m.fn))) memo.cycles.delete(key);
}

/** The callees a summary was made from and the versions of their summaries then. */
interface CalleeVersions {
  callees: FunctionIR[];
  versions: number[];
}

/** The functions a recursion cycle calls outside itself, in call order. */
function outsideCallees(scc: readonly FunctionIR[], out: Summaries): FunctionIR[] {
  const inside = new Set(scc);
  const outside: FunctionIR[] = [];
  for (const fn of scc) for (const c of out.calls.get(fn) ?? []) if (!inside.has(c)) outside.push(c);
  return outside;
}

/** Per facts object: which of that name in the file each function is. */
const fileKeys = perObject((f: FileFacts) => {
  const own = new Map<FunctionIR, string>();
  const seen = new Map<string, number>();
  for (const fn of f.functions) {
    const base = `${fn.file}\0${fn.name}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    own.set(fn, `${base}\0${n}`);
  }
  return own;
});

/**
 * A key per function stable across edits that move lines: file, name, and
 * which of that name in the file. Per facts object, so an edit keys one file.
 */
function functionKeys(files: readonly FileFacts[]): Map<FunctionIR, string> {
  const keys = new Map<FunctionIR, string>();
  for (const f of files) for (const [fn, k] of fileKeys(f)) keys.set(fn, k);
  return keys;
}

function chainKey(c: Chain): string {
  let k = '';
  for (let x: Chain | undefined = c; x; x = x.next) k += `${x.step.fn}:${x.step.site.file}:${x.step.site.line}:${x.step.site.column};`;
  return k;
}

/** Everything a caller can observe of a summary, sites included (a caller's paths embed them). */
function signatureOf(s: FunctionSummary): string {
  const parts: string[] = [];
  for (const a of s.acquires) {
    parts.push(`A${refKey(a.lock)}|${a.mode}|${a.try ?? ''}|${a.irqOff}|${a.bhOff}|${a.subclass ?? ''}|${a.irq ?? ''}|${JSON.stringify(a.when ?? [])}|${(a.dropped ?? []).map(refKey).join(',')}|${(a.lock as { inst?: string }).inst ?? ''}|${gatesKey(a.under)}|${(a.quiet ?? []).join(',')}|${chainKey(a.chain)}`);
  }
  for (const w of s.waits) parts.push(`W${w.what}|${w.key ?? ''}|${w.keyText}|${w.api}|${JSON.stringify(w.when ?? [])}|${(w.dropped ?? []).map(refKey).join(',')}|${gatesKey(w.under)}|${chainKey(w.chain)}`);
  for (const h of s.exitHeld) parts.push(`H${refKey(h.lock)}|${h.mode}|${chainKey(h.chain)}`);
  for (const r of s.exitReleased) parts.push(`R${refKey(r)}`);
  if (s.exitIrqOff || s.exitBhOff) parts.push(`X${s.exitIrqOff ? 1 : 0}${s.exitBhOff ? 1 : 0}`);
  if (s.writes) parts.push(`B${s.writes.join(',')}`);
  if (s.bitTests) parts.push('T');
  if (s.refGets || s.refPuts) parts.push(`C${(s.refGets ?? []).join(',')}|${(s.refPuts ?? []).join(',')}`);
  if (s.exitUnder || s.hangs) parts.push(`G${gatesKey(s.exitUnder)}|${s.hangs ?? ''}`);
  if (s.exitQuiet || s.turnsOn) parts.push(`Q${(s.exitQuiet ?? []).join(',')}|${(s.turnsOn ?? []).join(',')}`);
  return parts.join('\n');
}

function summarizeFunction(
  fn: FunctionIR, program: Program, out: Summaries, graph: CallGraph, maxDepth: number, sccWrites: ReadonlyMap<FunctionIR, string[] | undefined>,
): { summary: FunctionSummary; outputs: FunctionOutputs } {
  const { targetsOf, guessed, callbacks } = graph;
  // Facts are deduplicated within the function; each function's facts are its own (and memoized with it).
  const outputs: FunctionOutputs = { orders: [], waitsUnderLock: [], recursions: [], lockSites: [], statesDropped: 0, factsDropped: 0, factsTooDeep: 0 };
  const seen = { seenOrders: new Set<string>(), seenWaits: new Set<string>(), seenRec: new Set<string>() };
  const applied = new Set<string>();
  const acquires = new Map<string, AcqFact>();
  const waits = new Map<string, WaitFact>();
  const released = new Map<string, LockRef>();
  const callees = new Set<string>();
  const exitStates: State[] = [];
  /** Handlers this function turns on again on some path (FunctionSummary.turnsOn). */
  const turnsOn = new Set<string>();
  // Parameters' objects whose references this function drops without having taken them (FunctionSummary.refPuts).
  const refPuts = new Set<string>();
  /** The `&fields` test of a counted object reached through a parameter (`[0, true, '&kref']`), if it is one. */
  const paramRefMask = (obj: AccessPath | undefined, op: 'last' | 'zero'): ParamTest | undefined =>
    (obj && obj.baseKind === 'param' && obj.paramIndex !== undefined && !obj.fuzzy ? [obj.paramIndex, true, refMask(obj.fields, op)] : undefined);
  /** A reference of a counted object dropped that this path did not take: the caller's, when it is a parameter's. */
  const putHere = (obj: AccessPath | undefined): void => {
    const mask = paramRefMask(obj, 'last');
    if (mask) refPuts.add(paramObject(mask[0], obj!.fields));
  };
  // Flag bits are tracked where they can decide something: a bit tested here, or by a callee's fact.
  const returnsOf = returnsFrom(program, fn.file);
  const tracksBits = fn.blocks.some((b) => b.events.some((ev) => (ev.kind === 'bit' && ev.op === 'test')
    || (ev.kind === 'call' && (targetsOf.get(ev) ?? []).some((t) => out.byFn.get(t)?.bitTests))));

  const addAcq = (a: AcqFact): void => {
    if ('local' in a.lock && a.lock.local) return; // meaningless to callers
    // The caller's locks dropped before it belong to the fact: whichever variant came first must not hide the other.
    const key = `${refKey(a.lock)}|${a.mode}|${a.irqOff}|${a.bhOff}|${a.try ?? false}|${a.subclass ?? ''}|${droppedKey(a.dropped)}|${a.backend?.file ?? ''}|${a.chosenPerObject ?? ''}`;
    if (!keepFact(acquires, key, a, MAX_FACTS)) outputs.factsDropped++;
  };

  /** Some path ended at a recursion (a lock of the same object taken again): it spins there for ever. */
  let hung = false;

  /**
   * A lock acquisition (direct or through a callee) in state s. True when this path takes, itself, a lock
   * its own earlier acquisition already holds, the same object (a recursion reported below): the CPU
   * spins there, and nothing after it on this path happens. A callee's acquisition is of some of its
   * paths only: its every-path locks end the caller's path at the call instead (FunctionSummary.exitUnder).
   */
  const acquire = (s: State, a: AcqFact, inst: string | undefined, backend?: string): boolean => {
    addAcq(withQuiet(s, withPathFacts(s, a)));
    let hangs = false;
    const to = clsOf(a.lock);
    for (const h of s.held) {
      if (otherConfiguration(h, backend, a.backend)) continue;
      const from = clsOf(h.lock);
      if (sameLock(h.lock, a.lock)) {
        // Re-taking a held lock: a self-deadlock unless recursive, read-read, a trylock, or a distinct subclass.
        // A subclass computed at run time (`spin_lock_nested(&s->lock, depth)` in a loop over a group) differs per
        // acquisition, as lockdep sees it; only two equal constant subclasses are the same nesting level.
        // A semaphore may count (sema_init(&s, n)): taking it twice is not by itself a self-deadlock.
        const recursiveOk = a.mode === 'recursive' || a.mode === 'sem' || !conflicts(h.mode, a.mode) || a.try
          || (a.subclass ?? '') !== (h.subclass ?? '') || variableSubclass(a.subclass);
        // Same class is not enough (two devices' locks share a class): require the same instance.
        const sameInstance = inst !== undefined && inst === (h.lock as { inst?: string }).inst;
        // A class whose objects carry their own lockdep keys (ath11k's srngs, soundwire's buses): taking it
        // again through a callee or on the next turn of a loop is another object, unless shown the same.
        const sameSite = a.chain.step.site.line === h.chain.step.site.line && a.chain.step.site.file === h.chain.step.site.file;
        const keyedApart = to !== undefined && (a.chain.len > 1 || sameSite) && program.hasInstanceKeys(to);
        if (!recursiveOk && to && sameInstance && !keyedApart) {
          const key = `${fn.name}|${to}|${a.chain.step.site.line}`;
          if (!seen.seenRec.has(key)) {
            seen.seenRec.add(key);
            outputs.recursions.push({ fn, cls: to, mode: a.mode, first: h.chain, second: a.chain });
          }
          if (a.chain.len === 1 && h.chain.len === 1) hangs = true;
        }
        continue;
      }
      if (!from || !to || a.try) continue;
      const key = `${from}>${to}|${fn.name}`;
      if (seen.seenOrders.has(key)) continue;
      seen.seenOrders.add(key);
      outputs.orders.push({
        from, to, fn, fromMode: h.mode, toMode: a.mode, fromChain: h.chain, toChain: a.chain,
        fromIrq: s.irqOff, fromIrqEffect: h.irq, toIrq: a.irq, fromApi: lastStep(h.chain).note, toApi: a.api, ...(a.chosenPerObject ? { toChosenPerObject: true as const } : {}),
      });
    }
    return hangs;
  };

  const wait = (s: State, w: WaitFact, backend?: string): void => {
    const key = `${w.what}|${w.key ?? w.keyText}|${w.api}`;
    const fact = withPathFacts(s, w);
    keepFact(waits, `${key}|${droppedKey(fact.dropped)}|${w.backend?.file ?? ''}`, fact, 64);
    for (const h of s.held) {
      if (otherConfiguration(h, backend, w.backend)) continue;
      const cls = clsOf(h.lock);
      if (!cls) continue;
      const k = `${fn.name}|${cls}|${key}`;
      if (seen.seenWaits.has(k)) continue;
      seen.seenWaits.add(k);
      outputs.waitsUnderLock.push({ fn, held: { ...h, cls }, wait: w, irqOff: s.irqOff });
    }
  };

  const resolve = (ev: { lock: AccessPath; cls?: string }): LockRef | undefined =>
    ev.cls ? program.rowLockRef(ev.cls, ev.lock, fn) : program.lockRef(ev.lock, fn);

  /** A caller's lock this path had dropped, taken again: no longer dropped. Whether it was one. */
  const restore = (s: State, lock: LockRef): boolean => {
    const before = s.dropped.length;
    s.dropped = s.dropped.filter((d) => !sameLock(d, lock));
    return s.dropped.length < before;
  };

  /** Whether the function itself releases the lock somewhere (up() for a semaphore). */
  let releasedHere: Set<string> | undefined;
  const upsHere = (lock: LockRef): boolean => {
    if (!releasedHere) {
      releasedHere = new Set();
      for (const b of fn.blocks) {
        for (const ev of b.events) {
          const r = ev.kind === 'release' ? resolve(ev) : undefined;
          if (r) releasedHere.add(refKey(r));
        }
      }
    }
    return releasedHere.has(refKey(lock));
  };

  /** Apply one event; false when the path is infeasible (contradicts a parameter test). */
  const step = (s: State, ev: LockEvent): boolean => {
    switch (ev.kind) {
      case 'assume': {
        const prior = s.assumed.find(([p, , m]) => p === ev.param && m === ev.mask);
        if (prior) return prior[1] === ev.truthy;
        if (s.assumed.length < 8) s.assumed.push([ev.param, ev.truthy, ev.mask]);
        return true;
      }
      case 'test': {
        const { key, idents } = throughCopies(s.tests, ev.key, ev.idents);
        const prior = s.tests.find(([k]) => k === key);
        if (prior) return prior[1] === ev.truthy;
        if (s.tests.length < 8) s.tests.push([key, ev.truthy, idents]);
        return true;
      }
      case 'copy':
        // Remembered with the tests (and forgotten as they are): `name:=value` reads the local and the path.
        if (s.tests.length < 8) s.tests.push([`${ev.name}${COPY}${ev.value}`, true, ev.idents]);
        return true;
      case 'forget':
        if (s.tests.length > 0) s.tests = s.tests.filter(([, , ids]) => !ids.includes(ev.ident));
        // A variable a counted object is reached through, assigned: another object now.
        if (s.refs.length > 0) s.refs = s.refs.filter((k) => !refObject(k).split('.').includes(ev.ident));
        // A variable a known bit's bitmap is reached through, assigned: another object now (a parameter: not the entry's).
        if (tracksBits && (s.bits.some(([k]) => segsOfKey(k).includes(ev.ident)) || fn.params.some((p) => p.name === ev.ident))) writeBit(s, `~${ev.ident}`);
        return true;
      case 'bit': {
        if (!tracksBits) return true;
        const segs = pathSegs(ev.obj);
        if (ev.op !== 'test') {
          if (ev.bit === '*') {
            const w = bitmapToken(ev.obj, returnsOf);
            writeBit(s, w.startsWith('$') ? `~${ev.obj.base}` : w);
          } else {
            writeBit(s, ev.bit, segs, ev.op === 'set' ? true : ev.op === 'clear' ? false : undefined);
          }
          return true;
        }
        if (!segs) return true;
        // A bit tested again is read again, never a contradiction of the path: another CPU may have
        // changed it meanwhile (`while (!test_bit(DONE, &p->flags)) wait..;` exits when it does).
        const key = `${segs.join('.')}#${ev.bit}`;
        s.bits = s.bits.filter(([k]) => k !== key);
        if (s.bits.length < 8) s.bits.push([key, ev.truthy === true]);
        // Of a parameter's bitmap, not written since the entry (nor tested before): the bit as the caller left it.
        if (ev.obj.baseKind === 'param' && ev.obj.paramIndex !== undefined && !dirtyFor(s, segs, ev.bit)) {
          const mask = bitMask(ev.obj.fields, ev.bit);
          if (s.bitWhen.length < 8 && !s.bitWhen.some(([p, , m]) => p === ev.obj.paramIndex && m === mask)) s.bitWhen.push([ev.obj.paramIndex, ev.truthy === true, mask]);
        }
        return true;
      }
      case 'set': {
        s.vals = s.vals.filter(([n]) => n !== ev.name);
        if (s.vals.length < 8) s.vals.push([ev.name, ev.value]);
        return true;
      }
      case 'acquire': {
        const lock = resolve(ev);
        if (!lock) return true;
        const chain = chainOf(fn.name, ev.site, `${ev.api}(${ev.lock.text || (ev.cls ?? '')})`);
        const cls = clsOf(lock);
        if (cls) {
          const siteKey = `${ev.site.file}:${ev.site.line}:${ev.site.column}`;
          const held: string[] = [];
          for (const h of s.held) { const hc = clsOf(h.lock); if (hc) held.push(hc); }
          outputs.lockSites.push({ key: siteKey, fn, site: ev.site, cls, api: ev.api, held });
        }
        const hangs = acquire(s, {
          lock, mode: ev.mode, try: ev.try, subclass: ev.subclass, irqOff: s.irqOff || ev.irq === 'off' || ev.irq === 'save',
          bhOff: s.bhDepth > 0 || ev.irq === 'bh-off', irq: ev.irq, api: ev.api, chain,
        }, lock.inst);
        if (hangs) {
          hung = true;
          return false;
        }
        if (ev.irq) applyIrq(s, ev.irq);
        // A semaphore this function never ups is handed over at the down (a completion or another thread ups it).
        if (OWNERLESS_MODES.has(ev.mode) && !upsHere(lock)) return true;
        // Re-taking a caller's lock that this function had dropped: the caller's hold again, as at entry
        // (not this function's: neither held for its callers at exit nor released by it).
        if (restore(s, lock)) return true;
        const taken: HeldLock = { lock, mode: ev.mode, irq: ev.irq, subclass: ev.subclass, try: ev.try, chain, path: ev.lock.text };
        s.held.push(taken);
        const gate = gateOf(taken);
        if (gate && !s.passed.some((g) => gatesKey([g]) === gatesKey([gate]))) s.passed = [...s.passed, gate];
        return true;
      }
      case 'release': {
        const lock = resolve(ev);
        if (ev.all) {
          // A loop's release of each element, at its exit: what a loop over the same elements took is released.
          if (lock) s.held = s.held.filter((h) => h.path !== ev.lock.text || !sameLock(h.lock, lock));
          return true;
        }
        if (lock) {
          let idx = -1;
          for (let i = s.held.length - 1; i >= 0; i--) if (sameLock(s.held[i].lock, lock)) { idx = i; break; }
          if (idx >= 0) s.held.splice(idx, 1);
          else {
            released.set(refKey(lock), lock);
            if (!s.dropped.some((d) => sameLock(d, lock))) s.dropped.push(lock);
          }
        }
        if (ev.irq) applyIrq(s, ev.irq);
        return true;
      }
      case 'irq':
        applyIrq(s, ev.effect);
        return true;
      case 'wait': {
        const keyRef = ev.key.base || ev.key.fields.length ? program.lockRef(ev.key, fn) : undefined;
        const key = keyRef && 'cls' in keyRef && !keyRef.cls.startsWith(`${fn.name}:`) ? keyRef.cls : undefined;
        wait(s, {
          what: ev.what, key, keyText: ev.key.text, api: ev.api, file: fn.file,
          chain: chainOf(fn.name, ev.site, `${ev.api}(${ev.key.text})`),
        });
        return true;
      }
      case 'switch': {
        const keyRef = ev.key.base || ev.key.fields.length ? program.lockRef(ev.key, fn) : undefined;
        const cls = keyRef && 'cls' in keyRef && !keyRef.local && !keyRef.cls.startsWith(`${fn.name}:`) ? keyRef.cls : undefined;
        if (ev.off) {
          if (cls && !s.off.includes(`${ev.what}:${cls}`)) s.off = [...s.off, `${ev.what}:${cls}`];
          return true;
        }
        // Turned on again: of an unknown key, any of that kind may be the one.
        const on = (k: string): boolean => (cls ? k === `${ev.what}:${cls}` : k.startsWith(`${ev.what}:`));
        turnsOn.add(cls ? `${ev.what}:${cls}` : `${ev.what}:*`);
        if (s.off.some(on)) s.off = s.off.filter((k) => !on(k));
        return true;
      }
      case 'register':
      case 'workqueue':
        return true;
      case 'ref': {
        const key = refObjKey(ev.obj);
        if (!key) return true;
        switch (ev.op) {
          case 'get':
            addRef(s, key);
            return true;
          case 'init':
            s.refs = s.refs.filter((k) => k !== key && k !== `?:${key}` && k !== `0:${key}`);
            addRef(s, key);
            return true;
          case 'put':
            if (!dropRef(s, key) && !s.refs.includes(`0:${key}`)) putHere(ev.obj);
            return true;
          case 'last':
          case 'zero': {
            // A path holding a reference never finds the count at zero; nor drops it to zero, nor drops it to
            // zero again once it saw it there.
            if (ev.op === 'last' ? noRelease(s, key) : s.refs.includes(key)) return false;
            if (ev.op === 'last') putHere(ev.obj);
            const mask = paramRefMask(ev.obj, ev.op);
            if (mask && s.assumed.length < 8) s.assumed = assuming(s.assumed, mask);
            zeroRef(s, key);
            return true;
          }
        }
        return true;
      }
      case 'call': {
        const putKey = ev.put !== undefined ? refObjKey(ev.args[ev.put]) : undefined;
        if (putKey !== undefined) {
          // A put of a reference this path holds is not the last, nor one of a count already at zero: nothing
          // the last put does happens here.
          if (dropRef(s, putKey) || s.refs.includes(`0:${putKey}`)) return true;
          putHere(ev.args[ev.put!]);
        }
        // What the last put runs is reached only when the count drops to zero: of a parameter's object, the
        // callers say whether it can (each fact carries the test, as a parameter test).
        const mask = putKey !== undefined ? paramRefMask(ev.args[ev.put!], 'last') : undefined;
        const assumed = s.assumed;
        if (mask) s.assumed = assuming(s.assumed, mask);
        // The callee (or a pointer call's targets), then each function the call hands to a callee that calls it.
        const targets = targetsOf.get(ev) ?? [];
        if (callTargets(s, ev, targets, false)) {
          // Whichever target runs spins at a lock this path holds (or never returns): the path ends at the call.
          hung = true;
          return false;
        }
        for (const c of callbacks.get(ev) ?? []) callTargets(s, ev, [c], true);
        s.assumed = assumed;
        // A get or put wrapper (`lpfc_nlp_get(ndlp)`): the references it takes or drops, as the caller names them.
        const cs = putKey === undefined && targets.length === 1 ? out.byFn.get(targets[0]) : undefined;
        for (const k of cs?.refPuts ?? []) {
          const obj = refArgPath(k, ev.args);
          const key = refObjKey(obj);
          if (key && !dropRef(s, key)) putHere(obj);
        }
        for (const k of cs?.refGets ?? []) {
          // `?$0.kref`: a reference, or the count found at zero (a get wrapper whose tryget may fail).
          const maybe = k.startsWith('?');
          const key = refObjKey(refArgPath(maybe ? k.slice(1) : k, ev.args));
          if (key) addRef(s, maybe ? `?:${key}` : key);
        }
        return true;
      }
    }
  };

  /**
   * Apply a call to these targets: one of them runs (a pointer call's), or a callback passed along (`passed`).
   * True when each target that can run there never returns to this path: it hangs on every path of its own, or
   * takes on every path a lock of the same object this path holds (a recursion, reported as such).
   */
  const callTargets = (s: State, ev: Extract<LockEvent, { kind: 'call' }>, targets: FunctionIR[], passed: boolean): boolean => {
    let ran = 0;
    let ends = 0;
    const guess = guessed.has(ev);
    // A callback runs with arguments of its own, not the call's: nothing of its parameters maps.
    const call = passed ? { ...ev, args: [], literals: undefined, flags: undefined } : ev;
    // A pointer call runs one of its targets, not each after the other (regmap's ->lock is its
    // spinlock or its mutex): every target starts from the held set before the call, and what
    // each leaves held or released is merged after the last.
    const before = targets.length > 1 ? s.held.slice() : undefined;
    const files = targets.length > 1 ? [...new Set(targets.map((t) => t.file))] : [];
    const backends = files.length > 1;
    // The struct the field belongs to, for a call through a field with a choice of targets.
    const fieldType = call.viaField && targets.length > 1 ? program.typeOfPath(call.viaField.object, fn) : undefined;
    // Targets in files that are each one backend (install only their own functions into the field).
    const own = backends && call.viaField ? program.backendFiles(fieldType, call.viaField.field) : undefined;
    const among = own ? files.filter((f) => own.has(f)) : [];
    // A lock the core chose for the object (regmap's ->lock: a mutex, or a spinlock for fast_io maps).
    const chosen = fieldType !== undefined && LINUX_PER_OBJECT_LOCK_FIELDS.has(`${fieldType}.${call.viaField!.field}`);
    // Another backend's facts, reached in code of one backend, never run together.
    const otherBackend = (b?: Backend): boolean => b !== undefined && b.file !== fn.file && b.among.includes(fn.file);
    const after = before?.slice();
    // The flag bits the targets may write: each target's facts see the bits as before the call, what follows does not.
    const writes = new Set<string>();
    for (const t of targets) {
      const backend: Backend | undefined = among.length > 1 && among.includes(t.file) ? { file: t.file, among } : undefined;
      if (otherBackend(backend)) continue;
      callees.add(t.name);
      const cs = out.byFn.get(t);
      // A function of this one's recursion writes what the whole recursion does.
      // (A callback passed along has no arguments of the call: its parameter writes are `*`.)
      if (tracksBits) for (const w of (cs ? cs.writes : sccWrites.has(t) ? sccWrites.get(t) : ['*']) ?? []) writes.add(mapWrite(w, call.args, returnsOf));
      ran++;
      if (!cs) continue; // not yet summarized: a recursion edge, picked up in the next round
      if (before) s.held = before.slice();
      // A callback passed along may run later, elsewhere: only a call's own target ends this path.
      const exitGates = passed ? undefined : mapGates(cs.exitUnder, call.args, program, fn, s);
      if (!passed && (cs.hangs || exitGates!.blocked)) ends++;
      const via = passed ? `calls ${t.name}() (passed to ${call.callee}())`
        : call.viaField ? `calls ${t.name}() through ->${call.viaField.field}${guess ? ' (matched by field name)' : ''}` : `calls ${t.name}()`;
      // The callee's parameter tests in the caller's terms: decided by the call's
      // arguments, or carried over when the argument is the caller's own parameter.
      const translate = (when?: ParamTest[]): ParamTest[] | undefined | false => {
        if (!when) return undefined;
        const out: ParamTest[] = [];
        for (const [p, t, mask] of when) {
          const ref = parseRefMask(mask);
          if (ref) {
            // Reached only when the count of the object the caller passes drops to (or is) zero: never on a path
            // holding a reference of its own on it (nor dropped to zero by a path that saw it there already);
            // the caller's own entry test when the object is its parameter's.
            const arg = call.args[p];
            const key = refObjKey(arg, ref.fields);
            if (!arg || !key) continue;
            if (ref.op === 'last' ? noRelease(s, key) : s.refs.includes(key)) return false;
            if (arg.baseKind === 'param' && arg.paramIndex !== undefined && !arg.fuzzy) out.push([arg.paramIndex, t, refMask([...arg.fields, ...ref.fields], ref.op)]);
            continue;
          }
          const bitTest = parseBitMask(mask);
          if (bitTest) {
            // A flag bit of the object the caller passes: decided on the caller's path (never reached when
            // it says otherwise), or carried as the caller's own entry test when the object is its parameter's.
            const arg = call.args[p];
            const base = pathSegs(arg);
            if (!arg || !base) continue;
            const segs = [...base, ...bitTest.fields];
            const known = s.bits.find(([k]) => k === `${segs.join('.')}#${bitTest.bit}`);
            if (known) {
              if (known[1] !== t) return false;
              continue;
            }
            if (arg.baseKind === 'param' && arg.paramIndex !== undefined && !dirtyFor(s, segs, bitTest.bit)) {
              out.push([arg.paramIndex, t, bitMask([...arg.fields, ...bitTest.fields], bitTest.bit)]);
            }
            continue;
          }
          const actual = argumentTruth(call, p, mask, s, program);
          if (actual !== undefined) {
            if (actual !== t) return false;
            continue;
          }
          const arg = call.args[p];
          if (arg?.baseKind === 'param' && arg.paramIndex !== undefined && arg.fields.length === 0) out.push([arg.paramIndex, t, mask]);
        }
        return out.length > 0 ? out : undefined;
      };
      // The same callee, with the same arguments, in the same state, adds nothing new: skip repeats.
      const applyKey = `${t.file}\0${t.name}|${call.args.map((a) => a.text).join(',')}|${JSON.stringify(call.literals ?? '')}${JSON.stringify(call.flags ?? '')}|${stateKey(s)}|${meetKey(s)}`;
      const repeat = applied.has(applyKey);
      applied.add(applyKey);
      for (const a of repeat ? [] : cs.acquires) {
        if (a.chain.len >= maxDepth) { outputs.factsTooDeep++; continue; }
        if (otherBackend(a.backend)) continue;
        const when = translate(a.when);
        if (when === false) continue;
        const lock = mapRef(a.lock, call.args, program, fn);
        if (!lock) continue;
        const inst = mapInstance(a.lock.inst, call.args);
        const view = withoutDropped(s, a.dropped, call.args, program, fn);
        const gates = mapGates(a.under, call.args, program, fn, view);
        if (gates.blocked) continue;
        const fact: AcqFact = {
          ...a, dropped: undefined, when, under: gates.under, lock: { ...lock, inst }, irqOff: s.irqOff || a.irqOff, bhOff: s.bhDepth > 0 || a.bhOff,
          chain: chainOf(fn.name, call.site, via, a.chain, guess),
        };
        // Set only when they say something: a whole tree has millions of facts.
        if (!a.backend && backend) fact.backend = backend;
        if (chosen) fact.chosenPerObject = true;
        acquire(view, fact, inst, backends ? t.file : undefined);
      }
      for (const w of repeat ? [] : cs.waits) {
        if (w.chain.len >= maxDepth) { outputs.factsTooDeep++; continue; }
        if (otherBackend(w.backend)) continue;
        const when = translate(w.when);
        if (when === false) continue;
        const view = withoutDropped(s, w.dropped, call.args, program, fn);
        const gates = mapGates(w.under, call.args, program, fn, view);
        if (gates.blocked) continue;
        const fact: WaitFact = { ...w, dropped: undefined, when, under: gates.under, chain: chainOf(fn.name, call.site, via, w.chain, guess) };
        if (!w.backend && backend) fact.backend = backend;
        wait(view, fact, backends ? t.file : undefined);
      }
      for (const r of cs.exitReleased) {
        const lock = mapRef(r, call.args, program, fn);
        if (!lock) continue;
        const idx = s.held.findIndex((h) => sameLock(h.lock, lock));
        if (idx >= 0) {
          // An unlock helper of a lock taken with interrupts saved (intel_gt_mcr_unlock()) restores them, as the direct unlock would.
          const irq = s.held[idx].irq;
          s.held.splice(idx, 1);
          if (!before && irq) applyIrq(s, irq === 'save' ? 'restore' : irq === 'off' ? 'on' : 'bh-on');
        } else {
          // Released through a helper, held by our caller: dropped for what follows, as a direct unlock is.
          released.set(refKey(lock), lock);
          if (!s.dropped.some((d) => sameLock(d, lock))) s.dropped.push(lock);
        }
      }
      for (const h of cs.exitHeld) {
        const lock = mapRef(h.lock, call.args, program, fn);
        if (!lock || restore(s, lock)) continue;
        s.held.push({ ...h, lock, path: undefined, chain: chainOf(fn.name, call.site, via, h.chain, guess), backend: backends ? t.file : h.backend });
        // A lock helper that returns holding a lock taken with interrupts (bottom halves) off leaves them off for
        // what follows (intel_gt_mcr_lock(): spin_lock_irqsave). Of one target only: alternatives would disagree.
        if (!before && h.irq) applyIrq(s, h.irq);
      }
      // Handlers the callee turns on are on for what follows; of the one target, those it leaves off are off.
      for (const k of cs.turnsOn ?? []) {
        const on = (x: string): boolean => (k.endsWith(':*') ? x.startsWith(k.slice(0, -1)) : x === k);
        turnsOn.add(k);
        if (s.off.some(on)) s.off = s.off.filter((x) => !on(x));
      }
      if (targets.length === 1 && !passed && cs.exitQuiet) s.off = [...new Set([...s.off, ...cs.exitQuiet])];
      // Of the one target: the locks it takes on every path are gates of what follows the call (a caller of
      // this function holding one never gets past it either); not of the callee's own facts, reported above.
      if (targets.length === 1 && exitGates?.under) {
        for (const g of exitGates.under) if (!s.passed.some((p) => gatesKey([p]) === gatesKey([g]))) s.passed = [...s.passed, g];
      }
      if (before && after) {
        for (const h of before) if (!s.held.includes(h) && after.includes(h)) after.splice(after.indexOf(h), 1);
        for (const h of s.held) if (!before.includes(h)) after.push(h);
      }
    }
    if (after) s.held = after;
    for (const w of writes) writeBit(s, w.startsWith('$') ? `~${fn.params[Number(w.slice(1))]?.name ?? '*'}` : w);
    return ran > 0 && ends === ran;
  };

  // Path-sensitive walk: a bounded set of states per block, so that a lock taken on
  // one branch and released on the same branch is not "maybe held" afterwards.
  const statesAt: Array<Map<string, State>> = fn.blocks.map(() => new Map());
  const work: number[] = [0];
  const init: State = { held: [], dropped: [], assumed: [], vals: [], tests: [], passed: [], irqOff: false, saved: [], bhDepth: 0, bits: [], dirty: [], bitWhen: [], refs: [], off: [] };
  statesAt[0].set(stateKey(init), init);
  const processed: Array<Set<string>> = fn.blocks.map(() => new Set());
  // The states of each block added or met since it was last walked: only they can be new to it.
  const pending: Array<Set<string>> = fn.blocks.map(() => new Set());
  pending[0].add(stateKey(init));
  // Enough for every block under every state bound; a pathological function is cut, and says so.
  let budget = Math.max(20_000, fn.blocks.length * 4);
  while (work.length > 0 && budget-- > 0) {
    const b = work.pop()!;
    const todo = pending[b];
    if (todo.size === 0) continue;
    pending[b] = new Set();
    const block = fn.blocks[b];
    // In the order the states came (what a self-loop adds now waits for the next visit).
    for (const [stKey, st] of statesAt[b]) {
      if (!todo.has(stKey)) continue;
      // A state met by a path that passed or knew less (meet) is walked again, with what both had.
      const key = `${stKey}|${meetKey(st)}`;
      if (processed[b].has(key)) continue;
      processed[b].add(key);
      const s = cloneState(st);
      let feasible = true;
      for (const ev of block.events) {
        if (!step(s, ev)) {
          feasible = false;
          break;
        }
      }
      if (!feasible) continue;
      if (b === fn.exit) exitStates.push(s);
      const k = block.succ.length > 0 ? stateKey(s) : '';
      for (const succ of block.succ) {
        const at = statesAt[succ];
        const met = at.get(k);
        if (met) {
          // The same state by another path: only what both passed or knew still holds; walk on again if that is less.
          if (meet(met, s)) {
            pending[succ].add(k);
            work.push(succ);
          }
          continue;
        }
        if (at.size >= MAX_STATES_PER_BLOCK) {
          outputs.statesDropped++;
          continue;
        }
        at.set(k, cloneState(s));
        pending[succ].add(k);
        work.push(succ);
      }
    }
  }

  if (work.length > 0 && !fn.gaps.some((g) => g.what.startsWith('summary cut'))) {
    // A new array: facts may share one frozen empty array (engine/pool.ts compactFacts).
    fn.gaps = [...fn.gaps, { site: fn.site, what: `summary cut after ${Math.max(20_000, fn.blocks.length * 4)} block visits: later paths of ${fn.name}() are not analysed` }];
  }

  // Held on every exit, as many times as on every exit: the function is a lock wrapper for its callers.
  // mthca_lock_cqs() takes one CQ lock when both CQs are one, two otherwise: one is what its callers hold
  // for sure, and what the mirror unlock helper releases.
  const exitHeld: HeldLock[] = [];
  if (exitStates.length > 0) {
    const times = (s: State, lock: LockRef): number => s.held.filter((x) => sameLock(x.lock, lock)).length;
    for (const h of exitStates[0].held) {
      if ('local' in h.lock && h.lock.local) continue;
      const kept = exitHeld.filter((x) => sameLock(x.lock, h.lock)).length;
      if (exitStates.every((s) => times(s, h.lock) > kept)) exitHeld.push(h);
    }
  }
  const exitIrqOff = exitStates.length > 0 && exitStates.every((x) => x.irqOff);
  // The gates every path to the exit passed; none reaching it, some of them ending at a recursion: it hangs.
  const exitUnder = exitStates.length > 0 ? exitStates.map((x) => x.passed).reduce<Gate[] | undefined>((a, b) => commonGates(a, b), exitStates[0].passed) : undefined;
  // (Only when every path was walked: a path the bounds dropped might have returned.)
  const hangs = exitStates.length === 0 && hung && work.length === 0 && outputs.statesDropped === 0;
  const exitQuiet = exitStates.length > 0 ? exitStates[0].off.filter((k) => exitStates.every((x) => x.off.includes(k))) : [];
  const exitBhOff = exitStates.length > 0 && exitStates.every((x) => x.bhDepth > 0);
  const writes = sccWrites.get(fn);
  const bitTests = [...acquires.values(), ...waits.values()].some((f) => f.when?.some(([, , m]) => m?.startsWith('%')));
  // A get wrapper: a reference on a parameter's object held at every exit where that parameter is not NULL.
  const refGets: string[] = [];
  // `?$0.kref` when some exits found the count at zero instead (a tryget that failed): no put of the caller's releases.
  for (const key of new Set(exitStates.flatMap((x) => x.refs).map(refObject))) {
    const [base, ...fields] = key.split('.');
    const i = fn.params.findIndex((p) => p.name === base);
    if (i < 0) continue;
    const live = exitStates.filter((x) => !x.assumed.some(([p, t, m]) => p === i && !t && m === undefined));
    const name = paramObject(i, fields);
    if (live.length === 0 || !live.every((x) => noRelease(x, key))) continue;
    refGets.push(live.every((x) => x.refs.includes(key)) ? name : `?${name}`);
  }
  const kept = { acquires: [...acquires.values()], waits: [...waits.values()] };
  for (const f of kept.acquires) exactLists(f);
  for (const f of kept.waits) exactLists(f);
  return {
    summary: {
      ...(refGets.length > 0 ? { refGets } : {}),
      ...(refPuts.size > 0 ? { refPuts: [...refPuts] } : {}),
      ...(writes ? { writes } : {}),
      ...(bitTests ? { bitTests: true as const } : {}),
      acquires: kept.acquires, waits: kept.waits, exitHeld: exitHeld.slice(),
      ...(exitIrqOff ? { exitIrqOff: true as const } : {}), ...(exitBhOff ? { exitBhOff: true as const } : {}),
      ...(exitUnder && exitUnder.length > 0 ? { exitUnder: exitUnder.slice() } : {}), ...(hangs ? { hangs: true as const } : {}),
      ...(exitQuiet.length > 0 ? { exitQuiet: exitQuiet.slice() } : {}), ...(turnsOn.size > 0 ? { turnsOn: [...turnsOn] } : {}),
      // A caller's lock released and taken again on every path (`unlock; callback(); lock`) is not released for it.
      exitReleased: [...released.values()].filter((r) => exitStates.length === 0 || exitStates.some((x) => x.dropped.some((d) => sameLock(d, r)))).slice(),
      callees: [...callees],
    },
    outputs,
  };
}

/**
 * A write of a whole bitmap, or of a bit not named by a constant, as a token of FunctionSummary.writes:
 * `~field` for a bitmap reached through a field (`&p->flags`, `q->maps[i].bits`), `$i` for the bitmap
 * parameter i points to (a helper's `set_bit(nr, addr)`: the caller's argument names it), `~name` for a
 * local or global bitmap; `*` when the path names none.
 */
function bitmapToken(obj: AccessPath, returns?: ReturnsOf): string {
  if (obj.fields.length > 0) return `~${obj.fields[obj.fields.length - 1]}`;
  if (obj.baseKind === 'param' && obj.paramIndex !== undefined) return `$${obj.paramIndex}`;
  if ((obj.baseKind === 'local' || obj.baseKind === 'global') && obj.base && !obj.fuzzy) return `~${obj.base}`;
  if (/^\w+\(\)$/.test(obj.base)) {
    // A function's (or macro's) result: `node_marks(node, mark)`, `cpumask_bits(dstp)`. A getter's field
    // (`return rd->state;`) is that field's bitmap; else the bitmaps that function returns (`~node_marks()`),
    // which a path the caller knows bits of never names.
    const ret = returns?.(obj.base.slice(0, -2));
    return ret && ret.fields.length > 0 ? `~${ret.fields[ret.fields.length - 1]}` : `~${obj.base}`;
  }
  return '*';
}

/** What the function of that name, seen from the current function's file, returns (FunctionIR.returnsPath). */
type ReturnsOf = (name: string) => AccessPath | undefined;

/** ReturnsOf as seen from a file: the callee a call of that name there resolves to. */
function returnsFrom(program: Program, file: string): ReturnsOf {
  return (name) => program.callee(name, file)?.returnsPath;
}

/** A callee's write token in the caller's terms: a write through its parameter i is one through the argument (`*` with none). */
function mapWrite(w: string, args: readonly AccessPath[], returns?: ReturnsOf): string {
  if (!w.startsWith('$')) return w;
  const arg = args[Number(w.slice(1))];
  return arg ? bitmapToken(arg, returns) : '*';
}

/**
 * The flag bits the functions of one call-graph component may write (FunctionSummary.writes): their
 * own bit operations and those of the callees outside it, in each member's terms. Members of a
 * recursion reach each other: they share the union (their parameter tokens, not comparable, are `*`).
 */
function componentWrites(scc: readonly FunctionIR[], out: Summaries, graph: CallGraph, program: Program): string[] | undefined {
  const inside = new Set(scc);
  const recursive = scc.length > 1 || (out.calls.get(scc[0])?.has(scc[0]) ?? false);
  const writes = new Set<string>();
  const add = (w: string): void => {
    writes.add(recursive && w.startsWith('$') ? '*' : w);
  };
  for (const fn of scc) {
    const returns = returnsFrom(program, fn.file);
    for (const b of fn.blocks) {
      for (const ev of b.events) {
        if (ev.kind === 'bit' && ev.op !== 'test') {
          add(ev.bit !== '*' ? ev.bit : bitmapToken(ev.obj, returns));
        } else if (ev.kind === 'call') {
          for (const t of graph.targetsOf.get(ev) ?? []) {
            if (inside.has(t)) continue;
            const cs = out.byFn.get(t);
            if (!cs) add('*');
            else for (const w of cs.writes ?? []) add(mapWrite(w, ev.args, returns));
          }
          // A function handed to a callee runs with arguments of its own.
          for (const t of graph.callbacks.get(ev) ?? []) {
            if (inside.has(t)) continue;
            const cs = out.byFn.get(t);
            for (const w of cs ? cs.writes ?? [] : ['*']) add(mapWrite(w, []));
          }
        }
        if (writes.has('*')) return ['*'];
      }
    }
  }
  if (writes.size === 0) return undefined;
  return writes.size > 32 ? ['*'] : [...writes].sort();
}

/** What the caller passes for parameter p, as far as the call shows: a literal, a flag set, or a local flag. */
function argumentTruth(ev: Extract<LockEvent, { kind: 'call' }>, p: number, mask: string | undefined, s: State, program: Program): boolean | undefined {
  if (mask?.startsWith('.')) {
    // A field of the struct the caller passes by address (`&dreq`), set on this path to a literal.
    const arg = ev.args[p];
    if (!arg || arg.baseKind !== 'local' || arg.fields.length > 0) return undefined;
    return s.vals.find(([n]) => n === `${arg.base}${mask}`)?.[1];
  }
  if (mask?.startsWith('=')) {
    // Membership: the argument is one constant name, in the tested set or not (distinct names, distinct values).
    const names = ev.flags?.[p];
    return names && names.length === 1 ? mask.slice(1).split('|').includes(names[0]) : undefined;
  }
  if (mask !== undefined) {
    const names = ev.flags?.[p];
    return names ? names.includes(mask) : undefined;
  }
  if (ev.literals?.[p] !== undefined) return ev.literals[p];
  // A named constant: an enum member of known value (`MLX4_CMD_NATIVE`).
  const named = ev.flags?.[p];
  if (named && named.length === 1) {
    const truth = program.constantTruth(named[0]);
    if (truth !== undefined) return truth;
  }
  const arg = ev.args[p];
  if (arg && arg.baseKind === 'local' && arg.fields.length === 0) return s.vals.find(([n]) => n === arg.base)?.[1];
  return undefined;
}

/** The caller's locks a fact's path dropped, as part of its key. */
function droppedKey(dropped: readonly LockRef[] | undefined): string {
  return dropped && dropped.length > 0 ? dropped.map(refKey).sort().join(',') : '';
}

/**
 * Record a fact under `key` unless one reached on a path with fewer parameter
 * tests is there. The same lock (or wait) reached on paths that test the
 * parameters differently is kept once per set of tests, each with its own
 * path, so that a caller ruling out one of them still sees the others
 * (`while (tail != head || start)` called with start = 0). An untested path
 * supersedes the tested ones; past MAX_VARIANTS sets, the last keeps only the
 * tests it shares with the next. False when the map is full.
 */
function keepFact<F extends { when?: ParamTest[]; under?: Gate[]; quiet?: string[] }>(facts: Map<string, F>, key: string, f: F, cap: number): boolean {
  // A fact kept for another path keeps only the gates both paths share (a gate must hold on every path it stands for),
  // and the handlers off on both.
  const merged = (prior: F, g: F): F => {
    let m = prior.under && gatesKey(prior.under) !== gatesKey(g.under) ? { ...prior, under: commonGates(prior.under, g.under) } : prior;
    if (m.quiet && m.quiet.some((k) => !g.quiet?.includes(k))) {
      const quiet = m.quiet.filter((k) => g.quiet?.includes(k));
      m = { ...m, quiet: quiet.length > 0 ? quiet : undefined };
    }
    return m;
  };
  const first = facts.get(key);
  if (first && !first.when) {
    facts.set(key, merged(first, f));
    return true;
  }
  const untested = (g: F): true => {
    let kept = g;
    for (let i = 0; i < MAX_VARIANTS; i++) {
      const k = i === 0 ? key : `${key}#${i}`;
      const prior = facts.get(k);
      if (prior) kept = merged(kept, prior);
      if (i > 0) facts.delete(k);
    }
    facts.set(key, kept);
    return true;
  };
  if (!f.when) return first || facts.size < cap ? untested(f) : false;
  const tests = testsKey(f.when);
  for (let i = 0; i < MAX_VARIANTS; i++) {
    const k = i === 0 ? key : `${key}#${i}`;
    const prior = facts.get(k);
    if (!prior?.when) {
      if (facts.size >= cap) return false;
      facts.set(k, f);
      return true;
    }
    if (testsKey(prior.when) === tests) {
      facts.set(k, merged(prior, f));
      return true;
    }
    if (i === MAX_VARIANTS - 1) {
      const both = prior.when.filter(([p, t, m]) => f.when!.some(([q, u, n]) => p === q && t === u && m === n));
      if (both.length === 0) return untested({ ...merged(prior, f), when: undefined });
      facts.set(k, { ...merged(prior, f), when: both });
    }
  }
  return true;
}

/**
 * A finished summary's facts keep their lists at their length. Lists built by
 * push, filter or a spread of two (withPathFacts, translate, mapGates,
 * commonGates) have room for 16 more elements: about 130 bytes per list, and a
 * whole tree keeps millions of them until the callers are summarized.
 */
function exactLists(f: { dropped?: LockRef[]; when?: ParamTest[]; under?: Gate[]; quiet?: string[] }): void {
  if (f.dropped && f.dropped.length > 0) f.dropped = f.dropped.slice();
  if (f.when && f.when.length > 0) f.when = f.when.slice();
  if (f.under && f.under.length > 0) f.under = f.under.slice();
  if (f.quiet && f.quiet.length > 0) f.quiet = f.quiet.slice();
}

/** Parameter-test sets kept apart for one fact, at most. */
const MAX_VARIANTS = 4;

function testsKey(when: ParamTest[] | undefined): string {
  return (when ?? []).map(([p, t, m]) => `${p}${t ? '+' : '-'}${m ?? ''}`).sort().join(',');
}

/** An acquisition as recorded on this path: with the handlers off there (its own, from a callee, and this path's). */
function withQuiet(s: State, a: AcqFact): AcqFact {
  if (s.off.length === 0) return a;
  return { ...a, quiet: [...new Set([...(a.quiet ?? []), ...s.off])] };
}

/**
 * A fact as recorded on this path: with the caller's locks dropped so far, the
 * parameter tests taken, and the locks of known instance this function took (gates).
 */
function withPathFacts<T extends { dropped?: LockRef[]; when?: ParamTest[]; under?: Gate[] }>(s: State, f: T): T {
  const gates = s.passed;
  if (s.dropped.length === 0 && s.assumed.length === 0 && s.bitWhen.length === 0 && gates.length === 0) return f;
  return {
    ...f,
    dropped: s.dropped.length > 0 ? [...(f.dropped ?? []), ...s.dropped] : f.dropped,
    when: s.assumed.length > 0 || s.bitWhen.length > 0 ? [...(f.when ?? []), ...s.assumed, ...s.bitWhen] : f.when,
    under: gates.length > 0 ? [...(f.under ?? []), ...gates] : f.under,
  };
}

/**
 * A lock this function takes directly as a gate (State.passed), or undefined: a lock a caller
 * holding the same object would block on, held or since released (exynos' __sysmmu_disable()
 * takes and drops data->lock, then disables clocks: a caller already holding it spins at the
 * acquisition and never gets further). An instance the caller can name (through a parameter,
 * `$0.conf_mutex`, or a global, `@list_lock`; a local's `priv.lock` names another frame's priv
 * there), taken directly here (a lock left held by a callee keeps the callee's instance key),
 * not a trylock, not a mode that may be taken again (a recursive lock, a counting semaphore).
 */
function gateOf(h: HeldLock): Gate | undefined {
  if (h.chain.len !== 1 || h.try || h.mode === 'recursive' || OWNERLESS_MODES.has(h.mode)) return undefined;
  if (('local' in h.lock && h.lock.local) || !callerNamed(h.lock.inst) || variableSubclass(h.subclass)) return undefined;
  return h.subclass === undefined ? { lock: h.lock, mode: h.mode } : { lock: h.lock, mode: h.mode, subclass: h.subclass };
}

/** An instance key a caller can translate into its own terms: through a parameter, or a global. */
function callerNamed(inst: string | undefined): boolean {
  return inst !== undefined && (inst.startsWith('$') || inst.startsWith('@'));
}

function gatesKey(under: readonly Gate[] | undefined): string {
  return under && under.length > 0 ? under.map((g) => `${refKey(g.lock)}@${g.lock.inst}${g.mode}${g.subclass ?? ''}`).sort().join(',') : '';
}

/** The gates common to two paths to one fact: only a lock held on both stops a caller. */
function commonGates(a: readonly Gate[] | undefined, b: readonly Gate[] | undefined): Gate[] | undefined {
  if (!a || !b) return undefined;
  const keyOf = (g: Gate): string => gatesKey([g]);
  const inB = new Set(b.map(keyOf));
  const both = a.filter((g) => inB.has(keyOf(g)));
  return both.length > 0 ? both : undefined;
}

/**
 * A callee's gates in the caller's terms (a gate whose object the call does not
 * show is dropped: it stops nobody), and whether the caller, in state s, already
 * holds one of them: then the callee blocks there and the fact never happens.
 */
function mapGates(
  under: readonly Gate[] | undefined, args: AccessPath[], program: Program, caller: FunctionIR, s: State,
): { under?: Gate[]; blocked: boolean } {
  if (!under || under.length === 0) return { blocked: false };
  const out: Gate[] = [];
  for (const g of under) {
    if (!callerNamed(g.lock.inst)) continue; // a gate the callee knew by one of its caller's locals: no further
    const lock = mapRef(g.lock, args, program, caller);
    const inst = mapInstance(g.lock.inst, args);
    if (!lock || inst === undefined) continue;
    const mapped: Gate = { ...g, lock: { ...lock, inst } };
    const cls = clsOf(mapped.lock);
    if (cls && program.hasInstanceKeys(cls)) continue; // objects with their own lockdep keys: never shown the same
    for (const h of s.held) {
      if (h.chain.len !== 1 || h.lock.inst !== inst || !sameLock(h.lock, mapped.lock)) continue;
      if (conflicts(h.mode, g.mode) && (h.subclass ?? '') === (g.subclass ?? '')) return { blocked: true };
    }
    out.push(mapped);
  }
  return { under: out.length > 0 ? out : undefined, blocked: false };
}

/** The caller's state as the callee sees it after releasing some of the caller's locks. */
function withoutDropped(s: State, dropped: LockRef[] | undefined, args: AccessPath[], program: Program, caller: FunctionIR): State {
  if (!dropped || dropped.length === 0) return s;
  const mapped = dropped.map((d) => mapRef(d, args, program, caller)).filter((d): d is LockRef => d !== undefined);
  const view = cloneState(s);
  const releases = (d: LockRef, h: HeldLock): boolean => sameLock(d, h.lock) || untypedRelease(d, h, s.held);
  view.held = s.held.filter((h) => !mapped.some((d) => releases(d, h)));
  // Locks the caller did not hold stay dropped for the caller's own callers.
  view.dropped = [...s.dropped, ...mapped.filter((d) => !s.held.some((h) => releases(d, h)))];
  return view;
}

/** The field a lock class ends with (`back_lock` of `iscsi_session.back_lock` and of `f:conn->session->back_lock`). */
function lockField(cls: string): string {
  const bare = cls.replace(/@.*$/, '');
  return bare.slice(Math.max(bare.lastIndexOf('.'), bare.lastIndexOf('->') + 1) + 1);
}

/**
 * A callee dropped its caller's lock through an expression whose type it does not know
 * (`spin_unlock(&conn->session->back_lock)` with `struct iscsi_conn` in an unread header: a local
 * class): the one lock of that field name the caller holds is the one dropped. Two held locks of
 * that field name: which one is not known, and neither is released.
 */
function untypedRelease(d: LockRef, h: HeldLock, held: readonly HeldLock[]): boolean {
  if (!('cls' in d) || !d.local || !('cls' in h.lock) || h.lock.local) return false;
  const field = lockField(d.cls);
  if (lockField(h.lock.cls) !== field) return false;
  return held.filter((x) => 'cls' in x.lock && !x.lock.local && lockField(x.lock.cls) === field).length === 1;
}

/** A callee's lock in the caller's terms: parameter references go through the call's arguments. */
function mapRef(r: LockRef, args: AccessPath[], program: Program, caller: FunctionIR): LockRef | undefined {
  if ('cls' in r) return r;
  const arg = args[r.param];
  if (!arg) return undefined;
  return program.lockRef(arg, caller);
}

