// A worker_threads pool for per-file work: each worker loads the parser once
// and runs one task over the files it is handed, one file at a time.
//
// Guarantees:
// - results come back in input order, whatever order they complete in;
// - a task that throws reports that file as an error, and the worker goes on;
// - a worker that dies (uncaught exception, abort, exit) reports its file as
//   "worker crashed" and is replaced; the run goes on;
// - a file whose task runs past the time budget is reported as "time budget":
//   its worker is terminated and replaced, so one file never stalls the run.
//
// Tasks are named by module path + export, so a worker can load them by
// itself: the export is a factory `(init) => (item) => result` run once per
// worker. This file is also the worker's entry point (see the bottom).
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Worker, isMainThread, parentPort, workerData, type ResourceLimits } from 'node:worker_threads';
import type { SkippedFile } from './api';
import type { AccessPath, Block, FileFacts, MacroDef } from '../extract/ir';
import type { ApiRow, OpsRow } from '../kernel-api/types';
import { engineVersion, FactsCache, fingerprintOf, pruneCache, type CacheStats, type LookupStatus } from './cache';
import { readSource, walkSources, type InputError, type SourceEntry, type WalkOptions } from './files';

export const DEFAULT_BUDGET_MS = 10_000;

export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** A task a worker can load by itself: `require(module)[name](init)` gives the per-item function. */
export interface TaskSpec {
  module: string;
  name: string;
  init?: unknown;
}

export type TaskFactory<I, R> = (init: unknown) => ((item: I) => R | Promise<R>) | Promise<(item: I) => R | Promise<R>>;

export type PoolOutcome<R> =
  | { ok: true; value: R; ms: number }
  | { ok: false; reason: 'time budget' | 'worker crashed' | 'error'; message: string; ms: number };

export interface PoolOptions {
  task: TaskSpec;
  /** Worker count; default os.availableParallelism(). */
  size?: number;
  /** Per-item wall-clock budget in ms (default 10 s); 0 disables. */
  budgetMs?: number;
  /** Each worker's semi-space (young generation) size in MB, whatever the process's own is (workerSemiSpace). */
  semiSpaceMb?: number;
}

export interface PoolCounters {
  budgetKills: number;
  crashes: number;
  errors: number;
  workersStarted: number;
}

type ToWorker = { id: number; item: unknown };
type FromWorker =
  | { type: 'ready' }
  | { type: 'initError'; message: string }
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; message: string };

interface Slot {
  worker: Worker;
  ready: boolean;
  busy?: { id: number; started: number; timer?: NodeJS.Timeout };
  dead: boolean;
}

export class WorkerPool<I, R> {
  readonly size: number;
  readonly budgetMs: number;
  readonly counters: PoolCounters = { budgetKills: 0, crashes: 0, errors: 0, workersStarted: 0 };
  private readonly task: TaskSpec;
  private slots: Slot[] = [];
  private queue: number[] = [];
  private items: I[] = [];
  private outcomes: Array<PoolOutcome<R> | undefined> = [];
  private remaining = 0;
  private finish?: (v: PoolOutcome<R>[]) => void;
  private fail?: (e: Error) => void;
  private onResult?: (index: number, outcome: PoolOutcome<R>) => void;
  private closed = false;
  private running = false;

  constructor(opts: PoolOptions) {
    this.task = { ...opts.task, module: path.resolve(opts.task.module) };
    this.size = Math.max(1, Math.floor(opts.size ?? defaultJobs()));
    this.budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
    this.semiSpaceMb = opts.semiSpaceMb;
  }

  private readonly semiSpaceMb?: number;

  /** Run the task over items; outcomes in input order. One run at a time per pool. */
  run(items: readonly I[], onResult?: (index: number, outcome: PoolOutcome<R>) => void): Promise<PoolOutcome<R>[]> {
    if (this.closed) return Promise.reject(new Error('pool closed'));
    if (this.running) return Promise.reject(new Error('pool is already running'));
    this.running = true;
    this.items = items.slice();
    this.outcomes = new Array(items.length);
    this.remaining = items.length;
    this.queue = items.map((_, i) => i).reverse(); // pop() takes the lowest index first
    this.onResult = onResult;
    return new Promise<PoolOutcome<R>[]>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
      if (this.remaining === 0) {
        this.complete();
        return;
      }
      while (this.slots.filter((s) => !s.dead).length < Math.min(this.size, items.length)) this.spawn();
      for (const s of this.slots) this.dispatch(s);
    });
  }

  /** Terminate every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.slots;
    this.slots = [];
    await Promise.all(all.map((s) => { s.dead = true; return s.worker.terminate().catch(() => 0); }));
  }

  private spawn(): Slot {
    const resourceLimits = this.semiSpaceMb ? workerSemiSpace(this.semiSpaceMb) : undefined;
    const worker = new Worker(__filename, { workerData: { lockscopePool: true, task: this.task }, resourceLimits });
    const slot: Slot = { worker, ready: false, dead: false };
    this.counters.workersStarted++;
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.onDeath(slot, `worker crashed: ${err?.message ?? String(err)}`));
    worker.on('exit', (code) => this.onDeath(slot, `worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (slot.dead) return;
    if (m.type === 'ready') {
      slot.ready = true;
      this.dispatch(slot);
      return;
    }
    if (m.type === 'initError') {
      slot.dead = true;
      void slot.worker.terminate();
      this.abort(new Error(`pool task ${this.task.name} failed to start: ${m.message}`));
      return;
    }
    const busy = slot.busy;
    if (!busy || busy.id !== m.id) return;
    if (busy.timer) clearTimeout(busy.timer);
    slot.busy = undefined;
    const ms = performance.now() - busy.started;
    if (m.ok) this.settle(m.id, { ok: true, value: m.value as R, ms });
    else {
      this.counters.errors++;
      this.settle(m.id, { ok: false, reason: 'error', message: m.message, ms });
    }
    this.dispatch(slot);
  }

  private onDeath(slot: Slot, message: string): void {
    if (slot.dead) return;
    slot.dead = true;
    this.slots = this.slots.filter((s) => s !== slot);
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy) {
      if (busy.timer) clearTimeout(busy.timer);
      this.counters.crashes++;
      this.settle(busy.id, { ok: false, reason: 'worker crashed', message, ms: performance.now() - busy.started });
    } else if (!slot.ready && !this.closed && this.running) {
      // Died before it could start: the task cannot load; do not respawn forever.
      this.abort(new Error(`pool worker failed to start: ${message}`));
      return;
    }
    this.replace();
  }

  private onBudget(slot: Slot): void {
    const busy = slot.busy;
    if (!busy || slot.dead) return;
    slot.dead = true;
    slot.busy = undefined;
    this.slots = this.slots.filter((s) => s !== slot);
    this.counters.budgetKills++;
    void slot.worker.terminate().catch(() => 0);
    this.settle(busy.id, {
      ok: false,
      reason: 'time budget',
      message: `exceeded the ${this.budgetMs} ms budget`,
      ms: performance.now() - busy.started,
    });
    this.replace();
  }

  private replace(): void {
    if (this.closed || !this.running || this.queue.length === 0) return;
    if (this.slots.filter((s) => !s.dead).length < this.size) this.spawn();
  }

  private dispatch(slot: Slot): void {
    if (slot.dead || !slot.ready || slot.busy || !this.running) return;
    const id = this.queue.pop();
    if (id === undefined) return;
    slot.busy = { id, started: performance.now() };
    if (this.budgetMs > 0) {
      slot.busy.timer = setTimeout(() => this.onBudget(slot), this.budgetMs);
    }
    const msg: ToWorker = { id, item: this.items[id] };
    slot.worker.postMessage(msg);
  }

  private settle(id: number, outcome: PoolOutcome<R>): void {
    if (this.outcomes[id] !== undefined) return;
    this.outcomes[id] = outcome;
    this.remaining--;
    try { this.onResult?.(id, outcome); } catch { /* a progress callback never stops the run */ }
    if (this.remaining === 0) this.complete();
  }

  private complete(): void {
    this.running = false;
    const done = this.finish;
    this.finish = this.fail = undefined;
    this.items = [];
    done?.(this.outcomes as PoolOutcome<R>[]);
  }

  private abort(err: Error): void {
    if (!this.running) return;
    this.running = false;
    const fail = this.fail;
    this.finish = this.fail = undefined;
    void this.close();
    fail?.(err);
  }
}

// ---------------------------------------------------------------------------
/**
 * Resource limits giving a new worker a semi-space of `mb`. A `--max-semi-space-size` the process
 * runs with (node-flags.js: 128 MB for a CLI run's summarizing) is V8's for every isolate and
 * overrides a worker's own limits, so it is unset first: isolates made afterwards (workers) size
 * their young generation from their limits; the main thread's, already made, keeps its own.
 */
function workerSemiSpace(mb: number): ResourceLimits | undefined {
  // Only ever smaller than the process's own (a language server runs with less).
  const own = process.execArgv.map((a) => /^--max-semi-space-size=(\d+)$/.exec(a)?.[1]).find((x) => x !== undefined);
  if (own === undefined || Number(own) <= mb) return undefined;
  if (!semiSpaceFlagCleared) {
    v8.setFlagsFromString('--max-semi-space-size=0');
    semiSpaceFlagCleared = true;
  }
  // V8's young generation is three semi-spaces (two, and one for large objects).
  return { maxYoungGenerationSizeMb: 3 * mb };
}

let semiSpaceFlagCleared = false;

/**
 * The extraction workers' semi-space. A worker extracts one file at a time: 64 MB holds what a
 * file's extraction makes and drops. Measured on drivers/scsi (one extractor, 776 files):
 * 13.5-15.6 s and 270-320 MB of memory at 64 MB, 13.8-13.9 s and 490 MB at 128 MB, 24.5 s at 32 MB.
 */
export const EXTRACT_SEMI_SPACE_MB = 64;

// Built-in tasks.

/** An input file for the tasks below. */
export interface FileItem {
  file: string;
  abs: string;
}

export type FloorResult =
  | { kind: 'parsed'; bytes: number; nodes: number; hasError: boolean }
  | { kind: 'skipped'; reason: string };

/**
 * The floor: read the file, the same content checks as analysis, bare
 * tree-sitter parse, count nodes and whether any ERROR exists, delete the tree.
 */
export const floorTask: TaskFactory<FileItem, FloorResult> = async () => {
  // Loaded lazily so that the main thread never initialises web-tree-sitter.
  const { getParser, ParseBudgetError } = require('../syntax/parser') as typeof import('../syntax/parser');
  const parser = await getParser();
  return (item) => {
    const source = readSource(item.abs);
    if ('skipped' in source) return { kind: 'skipped', reason: source.skipped };
    const tree = parser.parse(source.text);
    if (!tree) throw new Error('tree-sitter returned no tree');
    try {
      const root = tree.rootNode;
      return { kind: 'parsed', bytes: source.bytes, nodes: root.descendantCount, hasError: root.hasError };
    } finally {
      tree.delete();
    }
  };
};

/** What workers need to rebuild the extraction environment (plain arrays cross threads). */
export interface EnvData {
  rows: readonly ApiRow[];
  opsRows: readonly OpsRow[];
  macros: readonly MacroDef[];
}

export interface FactsInit {
  env: EnvData;
  /** Cache settings, or null for no cache. */
  cache: { dir: string; engine: string; fingerprint: string } | null;
  /**
   * How facts come back: their JSON text (default), parsed on the main thread,
   * or a structured clone of the object. Measured on 354 cached intel facts
   * (62 MB of JSON): main-thread JSON.parse 2.9 s vs v8 deserialize 4.1 s, and
   * the worker already holds the text (cache hit, or written to the cache).
   */
  transfer?: 'clone' | 'json';
}

export type FactsResult =
  | { kind: 'facts'; facts?: FileFacts; json?: string; cache: LookupStatus | 'off'; stored?: boolean }
  | { kind: 'skipped'; reason: string };

/**
 * Per-file facts: read, content checks, content hash, cache lookup, and on a
 * miss the lead's extractSource (extract/extract.ts) with the environment
 * rebuilt once per worker, then a cache store.
 */
export const factsTask: TaskFactory<FileItem, FactsResult> = async (rawInit) => {
  const init = rawInit as FactsInit;
  // Loaded here, in the worker, so that the main thread never loads the parser.
  const extractMod = require('../extract/extract') as typeof import('../extract/extract');
  const { buildApiTable } = require('../kernel-api/load') as typeof import('../kernel-api/load');
  const { getParser, ParseBudgetError } = require('../syntax/parser') as typeof import('../syntax/parser');
  await getParser();
  const env: import('../extract/extract').ExtractEnv = {
    api: buildApiTable(init.env.rows, init.env.opsRows),
    macros: new Map(init.env.macros.map((m) => [m.name, m])),
  };
  const cache = init.cache ? new FactsCache(init.cache) : undefined;
  const asJson = init.transfer !== 'clone';
  return async (item): Promise<FactsResult> => {
    try {
      return await factsOf(item);
    } catch (e) {
      if (e instanceof ParseBudgetError) return { kind: 'skipped', reason: e.message };
      throw e;
    }
  };
  async function factsOf(item: FileItem): Promise<FactsResult> {
    const source = readSource(item.abs);
    if ('skipped' in source) return { kind: 'skipped', reason: source.skipped };
    const { text } = source;
    // FileFacts.hash is what extraction writes there: the cache is keyed by the same hash.
    const hash = extractMod.contentHash(text);
    if (cache) {
      const hit = cache.lookupText(item.file, hash);
      if (hit.text !== undefined) {
        if (asJson) return { kind: 'facts', json: hit.text, cache: 'hit' };
        const facts = JSON.parse(hit.text) as FileFacts;
        if (facts.file === item.file && facts.hash === hash) return { kind: 'facts', facts, cache: 'hit' };
      }
      const facts = await extractMod.extractSource(item.file, text, env);
      const json = JSON.stringify(facts);
      const stored = cache.putText(item.file, hash, json);
      return asJson
        ? { kind: 'facts', json, cache: hit.status, stored }
        : { kind: 'facts', facts, cache: hit.status, stored };
    }
    const facts = await extractMod.extractSource(item.file, text, env);
    return asJson ? { kind: 'facts', json: JSON.stringify(facts), cache: 'off' } : { kind: 'facts', facts, cache: 'off' };
  }
};

/** One run's shared values (compactFacts): strings, access paths by their content, and the CFG's small parts. */
export interface SharedValues {
  strings: Map<string, string>;
  paths: Map<string, AccessPath>;
  /** A number for each shared access path: a list of them (a call's arguments) as a key. */
  pathIds: Map<AccessPath, number>;
  /** Call argument lists whose every element is a shared path, by their paths' numbers. */
  args: Map<string, readonly AccessPath[]>;
  /** Successor lists by content (`[7]`, `[3, 9]`: the same few thousand in every file). */
  succ: Map<string, readonly number[]>;
  /** Blocks without events, by their successors: most blocks of a CFG are one of them. */
  emptyBlocks: Map<string, Block>;
  /** Small plain values by their JSON: parameter lists, a call's literal and flag arguments. */
  small: Map<string, unknown>;
}

export function newSharedValues(): SharedValues {
  return { strings: new Map(), paths: new Map(), pathIds: new Map(), args: new Map(), succ: new Map(), emptyBlocks: new Map(), small: new Map() };
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Fields holding small plain data (strings, numbers, booleans) that compactFacts shares by content. */
const SMALL_KEYS = new Set(['params', 'literals', 'flags']);

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

const PATH_KEYS = new Set(['text', 'base', 'baseKind', 'baseType', 'paramIndex', 'fields', 'fuzzy']);
const SEP = '\u0001';

/** An access path's fields (ir.ts) as a key; undefined for anything else, which stays its own object. */
function pathKey(p: AccessPath): string | undefined {
  let n = 0;
  for (const k in p) {
    n++;
    if (!PATH_KEYS.has(k)) return undefined;
  }
  if (typeof p.text !== 'string' || p.text.includes(SEP)) return undefined;
  for (const f of p.fields) if (typeof f !== 'string' || f.includes(SEP)) return undefined;
  return `${p.text}${SEP}${p.base}${SEP}${p.baseKind}${SEP}${tagged(p.baseType)}${SEP}${tagged(p.paramIndex)}${SEP}${tagged(p.fuzzy)}${SEP}${p.fields.length}${SEP}${p.fields.join(SEP)}${SEP}${n}`;
}

/** An optional field in a key: absent, or its type and value. */
function tagged(v: string | number | boolean | undefined): string {
  return v === undefined ? '' : `${typeof v}:${v}`;
}

/**
 * Make a file's parsed facts small: one copy of every string, one empty
 * array, one object per distinct access path (`&adapter->hw_lock` is
 * written thousands of times) and per list of them (a call's arguments),
 * one array per distinct successor list, and one object per distinct block
 * without events (seven blocks in ten), across the run. JSON.parse gives
 * each of them its own copy; on drivers/ the copies were a third of the
 * facts' heap. Facts are never changed after extraction, so what is shared
 * is frozen. Events stay their own objects: they are keys (call targets).
 */
export function compactFacts(facts: FileFacts, shared: SharedValues): void {
  const intern = (s: string): string => {
    const one = shared.strings.get(s);
    if (one !== undefined) return one;
    shared.strings.set(s, s);
    return s;
  };
  const compact = (x: unknown): unknown => {
    if (typeof x === 'string') return intern(x);
    if (x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) {
      if (x.length === 0) return EMPTY;
      for (let i = 0; i < x.length; i++) x[i] = compact(x[i]);
      return x;
    }
    const o = x as Record<string, unknown>;
    if ('baseKind' in o && Array.isArray(o.fields)) return sharedPath(o as unknown as AccessPath);
    walk(o);
    return o.events === EMPTY ? sharedBlock(o) : o;
  };
  const walk = (o: Record<string, unknown>): void => {
    for (const k in o) {
      const v = compact(o[k]);
      o[k] = k === 'succ' ? sharedSucc(v) : k === 'args' ? sharedArgs(v) : SMALL_KEYS.has(k) ? sharedSmall(v) : v;
    }
  };
  /** The run's one object for this access path; a first one has its strings shared first. */
  const sharedPath = (p: AccessPath): AccessPath => {
    const key = pathKey(p);
    const one = key === undefined ? undefined : shared.paths.get(key);
    if (one !== undefined) return one;
    walk(p as unknown as Record<string, unknown>);
    if (key === undefined) return p;
    shared.paths.set(key, Object.freeze(p));
    shared.pathIds.set(p, shared.pathIds.size);
    return p;
  };
  /** A list of numbers (a block's successors) as the run's one copy of it. */
  const sharedSucc = (v: unknown): unknown => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((n) => typeof n === 'number')) return v;
    const key = v.join(',');
    const one = shared.succ.get(key);
    if (one !== undefined) return one;
    shared.succ.set(key, Object.freeze(v));
    return v;
  };
  /** A parameter list (`(struct pci_dev *pdev)` begins thousands of functions), a call's literals or flags: the run's one copy. */
  const sharedSmall = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || v === EMPTY) return v;
    const key = JSON.stringify(v);
    const one = shared.small.get(key);
    if (one !== undefined) return one;
    shared.small.set(key, deepFreeze(v));
    return v;
  };
  /** A list of shared access paths (a call's arguments) as the run's one copy of it. */
  const sharedArgs = (v: unknown): unknown => {
    if (!Array.isArray(v) || v.length === 0) return v;
    let key = '';
    for (const p of v) {
      const id = shared.pathIds.get(p as AccessPath);
      if (id === undefined) return v;
      key += `${id},`;
    }
    const one = shared.args.get(key);
    if (one !== undefined) return one;
    shared.args.set(key, Object.freeze(v));
    return v;
  };
  /** A block without events (exactly `{ events, succ }`, its successors shared) as the run's one copy of it. */
  const sharedBlock = (o: Record<string, unknown>): unknown => {
    let n = 0;
    for (const k in o) if (++n > 2 || (k !== 'events' && k !== 'succ')) return o;
    const succ = o.succ;
    if (n !== 2 || !Array.isArray(succ) || (succ.length > 0 && !Object.isFrozen(succ))) return o;
    const key = succ.join(',');
    const one = shared.emptyBlocks.get(key);
    if (one !== undefined) return one;
    shared.emptyBlocks.set(key, Object.freeze(o) as unknown as Block);
    return o;
  };
  compact(facts);
}

// ---------------------------------------------------------------------------
// One call for the CLI, language server index and bench: walk + pool + cache.

export interface CollectOptions extends WalkOptions {
  /** Workers (--jobs N); default os.availableParallelism(). */
  jobs?: number;
  /** Per-file budget in ms (default 10 s). */
  budgetMs?: number;
  /** Extraction environment, sent to every worker as plain arrays. */
  env: EnvData;
  /** false: no cache (--no-cache). Otherwise the cache dir (default: the documented one). */
  cache?: false | { dir?: string; fingerprint?: string };
  transfer?: 'clone' | 'json';
  onProgress?: (done: number, total: number) => void;
}

export interface CollectStats {
  files: number;
  analysed: number;
  skipped: number;
  cache: Pick<CacheStats, 'hits' | 'misses' | 'corrupt' | 'writes' | 'writeErrors'>;
  pool: PoolCounters;
  walkMs: number;
  poolMs: number;
}

export interface CollectResult {
  facts: FileFacts[];
  skipped: SkippedFile[];
  /** Inputs named explicitly that cannot be analysed (not C, not found): the CLI reports them. */
  errors: InputError[];
  stats: CollectStats;
}

/**
 * Facts for every C source under the inputs, in walk order. Every file found
 * is either in `facts` or in `skipped` with a reason; nothing here throws for
 * one file's trouble.
 */
export async function collectFacts(inputs: readonly string[], opts: CollectOptions): Promise<CollectResult> {
  const t0 = performance.now();
  const walk = walkSources(inputs, opts);
  const walkMs = performance.now() - t0;
  const cacheInit = opts.cache === false
    ? null
    : {
        dir: opts.cache?.dir ?? (new FactsCache({ fingerprint: '' }).dir),
        engine: engineVersion(),
        fingerprint: opts.cache?.fingerprint ?? fingerprintOf(opts.env),
      };
  if (cacheInit) {
    new FactsCache(cacheInit).touch();
    pruneCache(cacheInit.dir);
  }
  const init: FactsInit = { env: opts.env, cache: cacheInit, transfer: opts.transfer };
  const pool = new WorkerPool<FileItem, FactsResult>({
    task: { module: __filename, name: 'factsTask', init },
    size: Math.min(opts.jobs ?? defaultJobs(), Math.max(1, walk.files.length)),
    budgetMs: opts.budgetMs,
    semiSpaceMb: EXTRACT_SEMI_SPACE_MB,
  });
  const items: FileItem[] = walk.files.map((f: SourceEntry) => ({ file: f.file, abs: f.abs }));
  const t1 = performance.now();
  let done = 0;
  let outcomes: PoolOutcome<FactsResult>[] = [];
  const unreadable = new Map<number, string>();
  const shared = newSharedValues();
  try {
    // Parse JSON-transferred facts as they arrive, overlapping the workers, and drop the text.
    outcomes = items.length === 0 ? [] : await pool.run(items, (i, o) => {
      if (o.ok && o.value.kind === 'facts' && o.value.json !== undefined && o.value.facts === undefined) {
        try {
          const parsed = JSON.parse(o.value.json) as FileFacts;
          if (!parsed || parsed.file !== items[i].file) throw new Error(`facts name ${parsed?.file}`);
          o.value = { ...o.value, facts: parsed, json: undefined };
        } catch (err) {
          // Never trusted, never fatal: the file is reported and the run goes on.
          unreadable.set(i, `facts unreadable: ${(err as Error).message}`);
          o.value = { kind: 'skipped', reason: '' };
          opts.onProgress?.(++done, items.length);
          return;
        }
      }
      if (o.ok && o.value.kind === 'facts' && o.value.facts) compactFacts(o.value.facts, shared);
      opts.onProgress?.(++done, items.length);
    });
  } finally {
    await pool.close();
  }
  const poolMs = performance.now() - t1;
  const facts: FileFacts[] = [];
  const skipped: SkippedFile[] = [...walk.skipped];
  const cache = { hits: 0, misses: 0, corrupt: 0, writes: 0, writeErrors: 0 };
  outcomes.forEach((o, i) => {
    const file = items[i].file;
    const broken = unreadable.get(i);
    if (broken !== undefined) {
      skipped.push({ file, reason: `internal error: ${broken}` });
      return;
    }
    if (!o.ok) {
      skipped.push({ file, reason: o.reason === 'error' ? `internal error: ${o.message}` : `${o.reason}: ${o.message}` });
      return;
    }
    const r = o.value;
    if (r.kind === 'skipped') {
      skipped.push({ file, reason: r.reason });
      return;
    }
    if (r.cache === 'hit') cache.hits++;
    else if (r.cache === 'miss') cache.misses++;
    else if (r.cache === 'corrupt') { cache.corrupt++; cache.misses++; }
    if (r.stored === true) cache.writes++;
    else if (r.stored === false) cache.writeErrors++;
    if (r.facts) facts.push(r.facts);
    else skipped.push({ file, reason: 'internal error: no facts returned' });
  });
  return {
    facts,
    skipped,
    errors: walk.errors,
    stats: {
      files: walk.files.length + walk.skipped.length,
      analysed: facts.length,
      skipped: skipped.length,
      cache,
      pool: pool.counters,
      walkMs,
      poolMs,
    },
  };
}

// ---------------------------------------------------------------------------
// Worker side.

function runWorker(): void {
  const port = parentPort!;
  const spec = (workerData as { task: TaskSpec }).task;
  void (async () => {
    let fn: (item: unknown) => unknown;
    try {
      const mod = require(spec.module) as Record<string, TaskFactory<unknown, unknown>>;
      const factory = mod[spec.name];
      if (typeof factory !== 'function') throw new Error(`${spec.module} has no export ${spec.name}`);
      fn = await factory(spec.init);
    } catch (err) {
      port.postMessage({ type: 'initError', message: (err as Error)?.stack ?? String(err) } satisfies FromWorker);
      return;
    }
    port.on('message', async (m: ToWorker) => {
      let reply: FromWorker;
      try {
        reply = { type: 'done', id: m.id, ok: true, value: await fn(m.item) };
      } catch (err) {
        reply = { type: 'done', id: m.id, ok: false, message: (err as Error)?.message ?? String(err) };
      }
      try {
        port.postMessage(reply);
      } catch (err) {
        // The value could not be cloned: report that instead of dying silently.
        port.postMessage({ type: 'done', id: m.id, ok: false, message: `result not transferable: ${(err as Error).message}` } satisfies FromWorker);
      }
    });
    port.postMessage({ type: 'ready' } satisfies FromWorker);
  })();
}

if (!isMainThread && (workerData as { lockscopePool?: boolean } | null)?.lockscopePool) runWorker();
