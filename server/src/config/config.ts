// `.lockscope.json`: the user's additions to the kernel API table, init-only
// functions, rule severities, suppressions and simulator bounds. It is data
// only: validated field by field, never executed; any mistake is a one-line
// ConfigError naming the file and the offending key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApiRow, OpsRow } from '../kernel-api/types';
import { RULE_IDS, type RuleId, type Severity } from '../report/finding';

export const CONFIG_FILE = '.lockscope.json';

export type RuleSetting = Severity | 'off';

export interface Suppression {
  rule: RuleId | '*';
  /** Any of the finding's functions equals this. */
  function?: string;
  /** Any of the finding's locks equals this. */
  lock?: string;
  reason: string;
}

export interface Config {
  source: string;
  apiAdd: ApiRow[];
  apiRemove: string[];
  ops: OpsRow[];
  initOnly: string[];
  rules: Partial<Record<RuleId, RuleSetting>>;
  suppress: Suppression[];
  simulator: { maxStates?: number; maxMillis?: number; cpus?: number };
  maxFileBytes?: number;
  exclude: string[];
  /** 'primitives': only the locking primitives' rows (CLI --primitives-only). */
  knowledge?: 'full' | 'primitives';
}

/** A one-line message naming the file and key; quoted input has its control characters escaped. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t'
      : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)));
  }
}

export function defaultConfig(): Config {
  return {
    source: '(defaults)', apiAdd: [], apiRemove: [], ops: [], initOnly: [], rules: {},
    suppress: [], simulator: {}, exclude: [],
  };
}

type Json = unknown;

/** Field-by-field reader that names the path of the first thing that is wrong. */
class Reader {
  constructor(private readonly source: string) {}

  fail(where: string, what: string): never {
    throw new ConfigError(`${this.source}: ${where}: ${what}`);
  }

  object(v: Json, where: string, keys: readonly string[]): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'expected an object');
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) this.fail(where, `unknown key ${clip(k)} (known: ${keys.join(', ')})`);
    }
    return v as Record<string, Json>;
  }

  array(v: Json, where: string, max = 10_000): Json[] {
    if (!Array.isArray(v)) this.fail(where, 'expected an array');
    if (v.length > max) this.fail(where, `more than ${max} entries`);
    return v;
  }

  string(v: Json, where: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(where, 'expected a non-empty string');
    if (v.length > 512) this.fail(where, 'string longer than 512 characters');
    return v;
  }

  identifier(v: Json, where: string): string {
    const s = this.string(v, where);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) this.fail(where, `${clip(s)} is not a C identifier`);
    return s;
  }

  bool(v: Json, where: string): boolean {
    if (typeof v !== 'boolean') this.fail(where, 'expected true or false');
    return v;
  }

  int(v: Json, where: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(where, `expected a whole number from ${min} to ${max}`);
    }
    return v;
  }

  oneOf<T extends string>(v: Json, where: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(where, `expected one of ${allowed.join(', ')}`);
    }
    return v as T;
  }

  argRef(v: Json, where: string): number | 'ret' | 'none' {
    if (v === 'ret' || v === 'none') return v;
    return this.int(v, where, 0, 32);
  }
}

/** A user's string quoted for a one-line message: cut at 40 characters, control characters escaped. */
function clip(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

const MODES = ['spin', 'read', 'write', 'mutex', 'rwsem-read', 'rwsem-write', 'sem', 'recursive'] as const;
const WAIT_KINDS = ['irq', 'timer', 'hrtimer', 'work', 'workqueue', 'tasklet', 'kthread', 'napi', 'urb', 'crypto', 'rx', 'chained'] as const;
const CONTEXTS = ['process', 'softirq', 'hardirq'] as const;

function readApiRow(r: Reader, v: Json, where: string): ApiRow {
  const base = r.object(v, where, [
    'fn', 'op', 'lock', 'mode', 'irq', 'try', 'ok', 'subclassArg', 'cls', 'effect', 'what', 'key',
    'ctx', 'handlerArg', 'threadArg', 'threadCtx', 'acquire', 'inside', 'doc', 'sleeps', 'moreHandlerArgs',
  ]);
  const fn = r.identifier(base.fn, `${where}.fn`);
  const op = r.oneOf(base.op, `${where}.op`, ['acquire', 'release', 'irq', 'wait', 'register', 'guard'] as const);
  const project = 'user' as const;
  const cls = base.cls === undefined ? undefined : r.string(base.cls, `${where}.cls`);
  switch (op) {
    case 'acquire':
      return {
        fn, op, project, cls,
        lock: base.lock === undefined ? (cls ? 'none' : 0) : r.argRef(base.lock, `${where}.lock`),
        mode: r.oneOf(base.mode ?? 'spin', `${where}.mode`, MODES),
        irq: base.irq === undefined ? undefined : r.oneOf(base.irq, `${where}.irq`, ['off', 'save', 'bh-off'] as const),
        try: base.try === undefined ? undefined : base.try === true,
        ok: base.ok === undefined ? undefined : r.oneOf(base.ok, `${where}.ok`, ['always', 'nonzero', 'zero'] as const),
        subclassArg: base.subclassArg === undefined ? undefined : r.int(base.subclassArg, `${where}.subclassArg`, 0, 32),
      };
    case 'release':
      return {
        fn, op, project, cls,
        lock: base.lock === undefined ? (cls ? 'none' : 0) : r.argRef(base.lock, `${where}.lock`),
        irq: base.irq === undefined ? undefined : r.oneOf(base.irq, `${where}.irq`, ['on', 'restore', 'bh-on'] as const),
      };
    case 'irq':
      return {
        fn, op, project,
        effect: r.oneOf(base.effect, `${where}.effect`, ['off', 'on', 'save', 'restore', 'bh-off', 'bh-on'] as const),
      };
    case 'wait':
      return {
        fn, op, project, what: r.oneOf(base.what, `${where}.what`, WAIT_KINDS), key: r.argRef(base.key ?? 0, `${where}.key`),
        sleeps: base.sleeps === undefined ? undefined : r.bool(base.sleeps, `${where}.sleeps`),
      };
    case 'register':
      return {
        fn, op, project,
        what: r.oneOf(base.what, `${where}.what`, WAIT_KINDS),
        ctx: r.oneOf(base.ctx, `${where}.ctx`, CONTEXTS),
        handlerArg: r.int(base.handlerArg, `${where}.handlerArg`, 0, 32),
        moreHandlerArgs: base.moreHandlerArgs === undefined ? undefined
          : r.array(base.moreHandlerArgs, `${where}.moreHandlerArgs`, 8).map((a, i) => r.int(a, `${where}.moreHandlerArgs[${i}]`, 0, 32)),
        key: r.argRef(base.key ?? 0, `${where}.key`),
      };
    case 'guard':
      return { fn, op, project, acquire: r.identifier(base.acquire, `${where}.acquire`) };
  }
}

function readOpsRow(r: Reader, v: Json, where: string): OpsRow {
  const o = r.object(v, where, ['structType', 'field', 'ctx', 'irqOff', 'bhOff', 'held', 'after', 'systemSleep', 'caller']);
  return {
    structType: r.identifier(o.structType, `${where}.structType`),
    field: r.identifier(o.field, `${where}.field`),
    ctx: r.oneOf(o.ctx, `${where}.ctx`, CONTEXTS),
    irqOff: o.irqOff !== undefined && r.bool(o.irqOff, `${where}.irqOff`),
    bhOff: o.bhOff !== undefined && r.bool(o.bhOff, `${where}.bhOff`),
    held: o.held === undefined ? undefined : r.array(o.held, `${where}.held`, 16).map((h, i) => r.string(h, `${where}.held[${i}]`)),
    after: o.after === undefined ? undefined : r.identifier(o.after, `${where}.after`),
    systemSleep: o.systemSleep !== undefined && r.bool(o.systemSleep, `${where}.systemSleep`) ? true : undefined,
    caller: o.caller === undefined ? undefined : r.identifier(o.caller, `${where}.caller`),
    project: 'user',
  };
}

/** Validate parsed JSON as a configuration; `source` names it in messages. */
export function parseConfig(json: Json, source: string): Config {
  const r = new Reader(source);
  const top = r.object(json, 'top level', [
    '$schema', 'api', 'ops', 'initOnly', 'rules', 'suppress', 'simulator', 'maxFileBytes', 'exclude',
  ]);
  const cfg = defaultConfig();
  cfg.source = source;
  if (top.api !== undefined) {
    const api = r.object(top.api, 'api', ['add', 'remove']);
    if (api.add !== undefined) cfg.apiAdd = r.array(api.add, 'api.add').map((v, i) => readApiRow(r, v, `api.add[${i}]`));
    if (api.remove !== undefined) cfg.apiRemove = r.array(api.remove, 'api.remove').map((v, i) => r.string(v, `api.remove[${i}]`));
  }
  if (top.ops !== undefined) cfg.ops = r.array(top.ops, 'ops').map((v, i) => readOpsRow(r, v, `ops[${i}]`));
  if (top.initOnly !== undefined) {
    cfg.initOnly = r.array(top.initOnly, 'initOnly').map((v, i) => r.identifier(v, `initOnly[${i}]`));
  }
  if (top.rules !== undefined) {
    const rules = r.object(top.rules, 'rules', RULE_IDS);
    for (const id of RULE_IDS) {
      if (rules[id] !== undefined) cfg.rules[id] = r.oneOf(rules[id], `rules.${id}`, ['error', 'warning', 'info', 'off'] as const);
    }
  }
  if (top.suppress !== undefined) {
    cfg.suppress = r.array(top.suppress, 'suppress').map((v, i) => {
      const s = r.object(v, `suppress[${i}]`, ['rule', 'function', 'lock', 'reason']);
      return {
        rule: r.oneOf(s.rule, `suppress[${i}].rule`, [...RULE_IDS, '*'] as const),
        function: s.function === undefined ? undefined : r.identifier(s.function, `suppress[${i}].function`),
        lock: s.lock === undefined ? undefined : r.string(s.lock, `suppress[${i}].lock`),
        reason: r.string(s.reason, `suppress[${i}].reason (a suppression must say why)`),
      };
    });
  }
  if (top.simulator !== undefined) {
    const s = r.object(top.simulator, 'simulator', ['maxStates', 'maxMillis', 'cpus']);
    if (s.maxStates !== undefined) cfg.simulator.maxStates = r.int(s.maxStates, 'simulator.maxStates', 1, 50_000_000);
    if (s.maxMillis !== undefined) cfg.simulator.maxMillis = r.int(s.maxMillis, 'simulator.maxMillis', 1, 600_000);
    if (s.cpus !== undefined) cfg.simulator.cpus = r.int(s.cpus, 'simulator.cpus', 1, 4);
  }
  if (top.maxFileBytes !== undefined) cfg.maxFileBytes = r.int(top.maxFileBytes, 'maxFileBytes', 1, 1 << 30);
  if (top.exclude !== undefined) cfg.exclude = r.array(top.exclude, 'exclude').map((v, i) => r.string(v, `exclude[${i}]`));
  return cfg;
}

/** Read `--config FILE`, or `.lockscope.json` at the root when present, else defaults. */
export function loadConfig(root: string, explicitFile?: string): Config {
  const file = explicitFile ?? path.join(root, CONFIG_FILE);
  if (!explicitFile && !fs.existsSync(file)) return defaultConfig();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read configuration (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (text.length > 4 * 1024 * 1024) throw new ConfigError(`${file}: configuration larger than 4 MB`);
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: invalid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  return parseConfig(json, file);
}
