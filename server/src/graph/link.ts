// link: all files' facts -> one Program. Indexes the declared types of every
// file so that an access path names a lock class as lockdep does
// (`p->desc->lock` -> `irq_desc.lock`), resolves callees (static functions to
// their own file first), and binds function-pointer fields to their targets.
import * as path from 'node:path';
import { LINUX_LOCK_KEY_CALLS } from '../kernel-api/linux';
import type { AccessPath, FileFacts, FunctionIR, GlobalDef, LockEvent, OpsBinding, StructField } from '../extract/ir';

/**
 * A lock named relative to the function: a class, or "whatever parameter i
 * points to". `local` marks a class that only means something inside its
 * function (a stack lock, or an expression whose type is unknown): it takes
 * part in the function's own orders but never leaves it in a summary.
 */
export type LockRef = { cls: string; inst?: string; local?: true } | { param: number; inst?: string };

export class Program {
  readonly functions: FunctionIR[] = [];
  /** Struct layouts by name; one name may be defined by several drivers (e1000_hw in e1000e and igb). */
  private readonly structs = new Map<string, Array<{ dir: string; fields: Map<string, StructField> }>>();
  private readonly typedefs = new Map<string, string>();
  private readonly globals = new Map<string, GlobalDef>();
  private readonly staticGlobals = new Map<string, GlobalDef>(); // key file\0name
  private readonly fnByName = new Map<string, FunctionIR[]>();
  /** (struct type.field) -> functions bound to it. */
  readonly bindings = new Map<string, Array<{ fn: string; binding: OpsBinding }>>();
  readonly registrations: Array<{ ev: Extract<LockEvent, { kind: 'register' }>; fn?: FunctionIR }> = [];

  /** Files read from the kernel tree's core for summaries only. */
  readonly coreFiles: ReadonlySet<string>;

  constructor(readonly files: readonly FileFacts[], coreFiles: ReadonlySet<string> = new Set()) {
    this.coreFiles = coreFiles;
    for (const f of files) {
      for (const t of f.typedefs) if (!this.typedefs.has(t.name)) this.typedefs.set(t.name, t.target);
      for (const s of f.structs) {
        const dir = path.dirname(f.file);
        const list = this.structs.get(s.name) ?? [];
        const same = list.find((d) => d.dir === dir);
        // Per directory keep the definition with the most fields (#ifdef variants).
        if (!same) list.push({ dir, fields: new Map(s.fields.map((x) => [x.name, x])) });
        else if (same.fields.size < s.fields.length) same.fields = new Map(s.fields.map((x) => [x.name, x]));
        this.structs.set(s.name, list);
      }
      for (const g of f.globals) {
        if (g.isStatic) this.staticGlobals.set(`${f.file}\0${g.name}`, g);
        else if (!this.globals.has(g.name) || this.globals.get(g.name)!.type === '?' || (g.fns && !this.globals.get(g.name)!.fns)) {
          // The definition, not an `extern` declaration, for a table of functions.
          this.globals.set(g.name, g);
        }
      }
      for (const fn of f.functions) {
        this.functions.push(fn);
        const list = this.fnByName.get(fn.name);
        if (list) list.push(fn);
        else this.fnByName.set(fn.name, [fn]);
      }
      for (const r of f.registrations) this.registrations.push({ ev: r });
    }
    for (const f of files) for (const r of registrationsIn(f)) this.registrations.push(r);
    for (const f of files) {
      for (const b of f.bindings) {
        const structType = b.structType || (b.object ? this.typeOfPath(b.object, this.ownerOf(b)) : undefined);
        if (!structType) continue;
        const key = `${this.resolveTypedef(structType)}.${b.field}`;
        const list = this.bindings.get(key) ?? [];
        // Two drivers' static functions of one name are two targets: deduplicate by name within a file only.
        if (!list.some((x) => x.fn === b.fn && x.binding.site.file === b.site.file)) list.push({ fn: b.fn, binding: b });
        this.bindings.set(key, list);
      }
    }
  }

  private byFile?: Map<string, FunctionIR[]>;

  /** The function a binding statement sits in: the last one in its file that starts at or before it. */
  ownerOf(b: OpsBinding): FunctionIR | undefined {
    if (!this.byFile) {
      this.byFile = new Map();
      for (const fn of this.functions) {
        const list = this.byFile.get(fn.file) ?? [];
        list.push(fn);
        this.byFile.set(fn.file, list);
      }
      for (const list of this.byFile.values()) list.sort((a, b) => a.site.line - b.site.line);
    }
    let owner: FunctionIR | undefined;
    for (const fn of this.byFile.get(b.site.file) ?? []) {
      if (fn.site.line > b.site.line) break;
      owner = fn;
    }
    return owner;
  }

  resolveTypedef(type: string): string {
    let t = type;
    for (let i = 0; i < 8; i++) {
      const next = this.typedefs.get(t);
      if (!next || next === t) break;
      t = next;
    }
    return t;
  }

  /**
   * The function a call names: a definition in the caller's file first, else
   * the nearest (by directory) one the caller can see — non-static, or static
   * inline in a header. Drivers reuse names; a caller links with its own.
   */
  callee(name: string, fromFile: string): FunctionIR | undefined {
    const list = this.fnByName.get(name);
    if (!list) return undefined;
    const local = list.find((f) => f.file === fromFile);
    if (local) return local;
    // A header's static inline is visible where the header can be included: from its own
    // directory and below, or anywhere for an include/ directory (mt7601u.h's mt76_wr() is not mt76's).
    const visible = list.filter((f) => !f.isStatic || (f.file.endsWith('.h') && headerVisible(f.file, fromFile)));
    // A header's static inline beside an extern definition is the `#else` stub of a
    // config option (`static inline irqreturn_t musb_g_ep0_irq(..) { return 0; }`): the .c one is the code.
    const defined = visible.filter((f) => !f.file.endsWith('.h'));
    return nearest(defined.length > 0 && defined.length < visible.length ? defined : visible, fromFile, (f) => f.file)[0];
  }

  /**
   * The functions a registration's handler names: one function, or for
   * `tbl[]` (a handler written `tbl[i]`) every function of that table.
   */
  handlerTargets(handler: string, fromFile: string): FunctionIR[] {
    if (!handler.endsWith('[]')) {
      const t = this.callee(handler, fromFile);
      return t ? [t] : [];
    }
    const table = this.global(handler.slice(0, -2), fromFile);
    const out: FunctionIR[] = [];
    for (const name of table?.fns ?? []) {
      const t = this.callee(name, table!.site.file);
      if (t && !out.includes(t)) out.push(t);
    }
    return out;
  }

  isCore(fn: FunctionIR): boolean {
    return this.coreFiles.has(fn.file);
  }

  /** Every function bound to `structType.field` (calls through function pointers), nearest driver first. */
  boundTargets(structType: string, field: string, fromFile: string): FunctionIR[] {
    return this.targetsOf(this.bindings.get(`${this.resolveTypedef(structType)}.${field}`) ?? [], fromFile);
  }

  private byField?: Map<string, Array<{ fn: string; binding: OpsBinding }>>;

  /** Functions bound to a field whose name matches, whatever the struct (fallback for untyped objects). */
  boundByField(field: string, fromFile: string): FunctionIR[] {
    if (!this.byField) {
      this.byField = new Map();
      for (const [key, list] of this.bindings) {
        const f = key.slice(key.lastIndexOf('.') + 1);
        const all = this.byField.get(f) ?? [];
        all.push(...list);
        this.byField.set(f, all);
      }
    }
    return this.targetsOf(this.byField.get(field) ?? [], fromFile);
  }

  /**
   * Targets of a call through a field: the caller's own file's first (a driver
   * calling through its own ops), else the nearest directory's. When that still
   * leaves more than MAX_DISPATCH drivers' functions, the call is a core's
   * dispatch to whichever driver owns the object: not resolved, rather than
   * joining every driver that fills the field.
   */
  private targetsOf(list: Array<{ fn: string; binding: OpsBinding }>, fromFile: string): FunctionIR[] {
    const fns: FunctionIR[] = [];
    for (const b of list) {
      const fn = this.callee(b.fn, b.binding.site.file);
      if (fn && !fns.includes(fn)) fns.push(fn);
    }
    const own = fns.filter((f) => f.file === fromFile);
    if (own.length > 0) return own;
    const near = nearest(fns, fromFile, (f) => f.file);
    return near.length > MAX_DISPATCH ? [] : near;
  }

  /**
   * `ioc->tm_cmds.mutex` and `ioc->config_cmds.mutex`: one struct type embedded
   * twice in a parent is two locks (lockdep sees two init sites), so the class
   * names the parent's member: `MPT3SAS_ADAPTER.tm_cmds.mutex`.
   */
  private siblingMember(p: AccessPath, fn: FunctionIR, container: string): string | undefined {
    if (p.fields.length < 2) return undefined;
    const parent = this.typeOfPath({ ...p, fields: p.fields.slice(0, -2) }, fn);
    const fields = parent ? this.struct(parent, fn.file)?.fields : undefined;
    const member = fields?.get(p.fields[p.fields.length - 2]);
    if (!parent || !fields || !member || member.pointer) return undefined;
    let same = 0;
    for (const f of fields.values()) if (!f.pointer && this.resolveTypedef(f.type) === container) same++;
    return same > 1 ? `${parent}.${member.name}.${p.fields[p.fields.length - 1]}` : undefined;
  }

  /**
   * The class a table row's call takes. A row naming a bare type (`srcu_struct`,
   * `seqcount_t`) means "the argument is the lock": each object its own class
   * (every SRCU domain in one class made false cycles). Otherwise the row's class.
   */
  rowLockRef(cls: string, p: AccessPath, fn: FunctionIR): LockRef {
    if (!cls.includes('.') && (p.base || p.fields.length > 0)) {
      const ref = this.lockRef(p, fn);
      if (ref && 'cls' in ref && !ref.local) return ref;
      // A row class naming a type (seqcount_t, seqlock_t, srcu_struct) stands for objects of that type:
      // unresolved, each expression is its own object, not one class for every seqcount in the tree.
      if (TYPE_CLASS.test(cls) && p.text) return { cls: `${cls}:${p.text}` };
    }
    return { cls };
  }

  /** Whether `type` is a struct the code near `fromFile` defines itself (a driver's own type, not a core one). */
  isLocalType(type: string, fromFile: string): boolean {
    const dir = path.dirname(fromFile);
    const inside = (a: string, b: string): boolean => a === b || a.startsWith(`${b}${path.sep}`);
    // Defined in the driver's directory (or below, or in a driver-level parent that is not an include/ tree).
    return (this.structs.get(this.resolveTypedef(type)) ?? [])
      .some((d) => inside(d.dir, dir) || (inside(dir, d.dir) && !d.dir.split(path.sep).includes('include')));
  }

  /** The layout of `name` as seen from `fromFile`, and whether the name is ambiguous across directories. */
  private struct(name: string, fromFile: string): { fields: Map<string, StructField>; qualifier?: string } | undefined {
    const list = this.structs.get(this.resolveTypedef(name));
    if (!list || list.length === 0) return undefined;
    if (list.length === 1) return { fields: list[0].fields };
    const best = nearest(list, fromFile, (d) => path.join(d.dir, 'x'))[0];
    return { fields: best.fields, qualifier: best.dir };
  }

  private global(name: string, file: string): GlobalDef | undefined {
    return this.staticGlobals.get(`${file}\0${name}`) ?? this.globals.get(name);
  }

  /** Declared type of the object a path denotes (for `dev->ops` the type of field ops). */
  typeOfPath(p: AccessPath, fn: FunctionIR | undefined): string | undefined {
    let type = this.baseType(p, fn);
    for (const f of p.fields) {
      if (!type) return undefined;
      type = this.struct(type, fn?.file ?? '')?.fields.get(f)?.type;
    }
    return type && type !== '?' ? this.resolveTypedef(type) : undefined;
  }

  private baseType(p: AccessPath, fn: FunctionIR | undefined): string | undefined {
    if (p.baseType && p.baseType !== '?' && p.baseType !== 'void') return p.baseType;
    if (p.baseKind === 'global' && fn) return this.global(p.base, fn.file)?.type;
    if (p.base.endsWith('()')) return this.callee(p.base.slice(0, -2), fn?.file ?? '')?.returnType;
    return undefined;
  }

  private instanceKeyed?: Set<string>;

  /** Whether the objects of a class get their own lockdep key at init (LINUX_LOCK_KEY_CALLS with a key inside the object). */
  hasInstanceKeys(cls: string): boolean {
    if (!this.instanceKeyed) {
      this.instanceKeyed = new Set();
      for (const { fn, ev, index } of this.callsTo(LINUX_LOCK_KEY_CALLS)) {
        const key = ev.args[index];
        if (!key || key.fields.length === 0 || key.baseKind === 'global' || !ev.args[0]) continue;
        const ref = this.lockRef(ev.args[0], fn);
        if (ref && 'cls' in ref) this.instanceKeyed.add(ref.cls);
      }
    }
    return this.instanceKeyed.has(cls);
  }

  /** Every call to a function the table names, with the table's argument index (lockdep_set_class's key, hrtimer_init's mode). */
  *callsTo(table: ReadonlyMap<string, number>): Generator<{ fn: FunctionIR; ev: Extract<LockEvent, { kind: 'call' }>; index: number }> {
    for (const fn of this.functions) {
      for (const b of fn.blocks) {
        for (const ev of b.events) {
          if (ev.kind !== 'call') continue;
          const index = table.get(ev.callee);
          if (index !== undefined) yield { fn, ev, index };
        }
      }
    }
  }

  /**
   * The lock class an access path names inside `fn`: `type.field` for a lock
   * inside a struct, the variable's name for a global (file-qualified when
   * static), or a parameter reference resolved later at each call site.
   */
  lockRef(p: AccessPath, fn: FunctionIR): LockRef | undefined {
    if (!p.base && p.fields.length === 0) return undefined;
    const inst = instanceOf(p);
    if (p.fields.length === 0) {
      if (p.baseKind === 'param' && p.paramIndex !== undefined) return { param: p.paramIndex, inst };
      if (p.baseKind === 'global') {
        const g = this.global(p.base, fn.file);
        if (g?.isStatic) return { cls: `${path.basename(g.site.file)}:${p.base}`, inst };
        return { cls: p.base, inst };
      }
      if (p.baseKind === 'local') return { cls: `${fn.name}:${p.base}`, inst, local: true };
      return { cls: `${fn.name}:${p.text}`, inst, local: true };
    }
    const container = this.typeOfPath({ ...p, fields: p.fields.slice(0, -1) }, fn);
    const field = p.fields[p.fields.length - 1];
    if (container) {
      // Two drivers' `struct foo` are two classes, as lockdep keys them by definition.
      const qualifier = this.struct(container, fn.file)?.qualifier;
      const base = qualifier ? `${container}.${field}@${qualifier}` : `${container}.${field}`;
      return { cls: this.siblingMember(p, fn, container) ?? base, inst };
    }
    // Unknown container type: name it by the path so that it matches only itself.
    return { cls: `${fn.name}:${p.text.replace(/^&\s*/, '')}`, inst, local: true };
  }
}

/** Registrations made inside a file's functions; facts are immutable once extracted, so computed once per facts object. */
const registrationCache = new WeakMap<FileFacts, Array<{ ev: Extract<LockEvent, { kind: 'register' }>; fn: FunctionIR }>>();

function registrationsIn(f: FileFacts): Array<{ ev: Extract<LockEvent, { kind: 'register' }>; fn: FunctionIR }> {
  let regs = registrationCache.get(f);
  if (!regs) {
    regs = [];
    for (const fn of f.functions) {
      for (const b of fn.blocks) for (const ev of b.events) if (ev.kind === 'register') regs.push({ ev, fn });
    }
    registrationCache.set(f, regs);
  }
  return regs;
}

/** More targets than this for one call through a field: a core dispatching to drivers, left unresolved. */
const MAX_DISPATCH = 4;

const TYPE_CLASS = /(?:_t|_struct)$/;

function headerVisible(header: string, fromFile: string): boolean {
  const dir = path.dirname(header);
  return /(^|[\\/])include([\\/]|$)/.test(dir) || path.dirname(fromFile) === dir || fromFile.startsWith(`${dir}${path.sep}`);
}

/** The items whose file shares the longest directory prefix with `fromFile` (all of them on a tie). */
export function nearest<T>(items: readonly T[], fromFile: string, fileOf: (t: T) => string): T[] {
  if (items.length <= 1) return [...items];
  const from = path.dirname(fromFile).split(path.sep);
  const score = (t: T): number => {
    const dir = path.dirname(fileOf(t)).split(path.sep);
    let n = 0;
    while (n < dir.length && n < from.length && dir[n] === from[n]) n++;
    return n;
  };
  const scores = items.map(score);
  const best = Math.max(...scores);
  return items.filter((_, i) => scores[i] === best);
}

/** An instance key for a path inside its function: `$0.lock` (parameter 0), `@port_user_lock`, `u.bind_mutex`. */
export function instanceOf(p: AccessPath): string | undefined {
  if (p.fuzzy || !p.base) return undefined;
  const base = p.baseKind === 'param' && p.paramIndex !== undefined ? `$${p.paramIndex}` : p.baseKind === 'global' ? `@${p.base}` : p.base;
  return [base, ...p.fields].join('.');
}

/** Rewrite a callee's instance key in the caller's terms, through the call's arguments. */
export function mapInstance(inst: string | undefined, args: AccessPath[]): string | undefined {
  if (!inst || !inst.startsWith('$')) return inst;
  const dot = inst.indexOf('.');
  const idx = Number(inst.slice(1, dot < 0 ? undefined : dot));
  const arg = args[idx];
  const base = arg ? instanceOf(arg) : undefined;
  if (!base) return undefined;
  return dot < 0 ? base : `${base}${inst.slice(dot)}`;
}
