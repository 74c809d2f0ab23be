// link: all files' facts -> one Program. Indexes the declared types of every
// file so that an access path names a lock class as lockdep does
// (`p->desc->lock` -> `irq_desc.lock`), resolves callees (static functions to
// their own file first), and binds function-pointer fields to their targets.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { LINUX_HRTIMER_MODE_CALLS, LINUX_LOCK_KEY_CALLS, LINUX_NOVALIDATE_CALLS, LINUX_NOVALIDATE_CLASSES } from '../kernel-api/linux';
import type { AccessPath, FileFacts, FunctionIR, GlobalDef, LockEvent, OpsBinding, StructDef, StructField } from '../extract/ir';

/**
 * A lock named relative to the function: a class, or "whatever parameter i
 * points to". `local` marks a class that only means something inside its
 * function (a stack lock, or an expression whose type is unknown): it takes
 * part in the function's own orders but never leaves it in a summary.
 */
export type LockRef = { cls: string; inst?: string; local?: true } | { param: number; inst?: string };

/** The parameters a function calls through, and those it keeps for later (Program.paramsCalled). */
interface ParamUse {
  called: ReadonlySet<number>;
  kept: ReadonlySet<number>;
}

const NO_PARAM_USE: ParamUse = { called: new Set(), kept: new Set() };

export class Program {
  readonly functions: FunctionIR[] = [];
  /** Struct layouts by name; one name may be defined by several drivers (e1000_hw in e1000e and igb). */
  private readonly structs = new Map<string, Array<{ dir: string; fields: Map<string, StructField> }>>();
  private readonly typedefs = new Map<string, string>();
  private readonly globals = new Map<string, GlobalDef>();
  private readonly staticGlobals = new Map<string, GlobalDef>(); // key file\0name
  private readonly fnByName = new Map<string, FunctionIR[]>();
  /** (struct type.field) -> functions bound to it. */
  readonly bindings = new Map<string, BoundFn[]>();
  /** Fields each function stores one of its parameters in (`cmd->job_step = job_step`). */
  private readonly paramStores = new Map<FunctionIR, Array<{ param: number; structType: string; field: string }>>();
  readonly registrations: Array<{ ev: Extract<LockEvent, { kind: 'register' }>; fn?: FunctionIR }> = [];
  /**
   * `x->hook.rcv = fn` where the struct holding the field is not known (its
   * header was not read): the field and the function only. The function's own
   * parameters may still say which core struct it is a callback of (see findEntries).
   */
  readonly untypedBindings: OpsBinding[] = [];

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
        if (!same) list.push({ dir, fields: fieldMap(s) });
        else if (same.fields.size < s.fields.length) same.fields = fieldMap(s);
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
        const owner = b.object || b.fn.startsWith('$') ? this.ownerOf(b) : undefined;
        const structType = b.structType || (b.object ? this.typeOfPath(b.object, owner) ?? this.initializedAs(b.object, owner) : undefined);
        if (!structType) {
          if (!b.fn.startsWith('$') && !b.field.startsWith('#')) this.untypedBindings.push(b);
          continue;
        }
        const field = b.field.startsWith('#') ? this.positionalField(structType, Number(b.field.slice(1)), f.file) : b.field;
        if (!field) continue;
        const key = `${this.resolveTypedef(structType)}.${field}`;
        const list = this.bindings.get(key) ?? [];
        if (b.fn.startsWith('$')) {
          // `x->f = param`: every function the callers pass for it. The core's own plumbing is what ops rows describe.
          if (!owner) continue;
          const param = Number(b.fn.slice(1));
          const stores = this.paramStores.get(owner) ?? [];
          stores.push({ param, structType: this.resolveTypedef(structType), field });
          this.paramStores.set(owner, stores);
          if (this.isCore(owner)) continue;
          for (const target of this.functionsPassed(owner, param)) {
            if (!list.some((x) => x.target === target)) list.push({ fn: target.name, binding: b, target, passed: true });
          }
        } else {
          addBound(list, b);
        }
        if (list.length > 0) this.bindings.set(key, list);
      }
    }
    this.linked = true;
  }

  /** The program defines a function of this name. */
  defines(name: string): boolean {
    return this.fnByName.has(name);
  }

  /** Every binding is known (functionsPassed may follow calls through fields). */
  private linked = false;

  private link?: string;

  /**
   * A key for everything call resolution reads: function names and places,
   * types, globals and bindings of every file (those bodies add too), and the core files. Equal keys
   * resolve every call the same way (resolveCalls memoizes by it).
   */
  linkKey(): string {
    if (this.link === undefined) {
      const h = createHash('sha1');
      for (const c of [...this.coreFiles].sort()) h.update(`${c}\0`);
      for (const f of this.files) h.update(linkDigest(f));
      // Bindings also come from function bodies (a function handed through a parameter): their targets, as linked.
      for (const [key, list] of this.bindings) {
        h.update(`${key}\0`);
        for (const b of list) h.update(`${b.fn}@${b.binding.site.file}:${b.passed ? 'p' : ''}:${b.target ? `${b.target.file}/${b.target.name}` : ''};`);
      }
      this.link = h.digest('hex');
    }
    return this.link;
  }

  /**
   * The type an object of unknown type has because its function set it up with
   * a typed init call: `hrtimer_init(&tcp_sk(sk)->pacing_timer, ..)` beside
   * `tcp_sk(sk)->pacing_timer.function = ..` (tcp_sk() is a macro) is an hrtimer.
   */
  private initializedAs(object: AccessPath, owner: FunctionIR | undefined): string | undefined {
    if (!owner) return undefined;
    const text = object.text.replace(/^&\s*/, '');
    this.factsByFile ??= new Map(this.files.map((f) => [f.file, f]));
    const f = this.factsByFile.get(owner.file);
    for (const { fn, ev } of f ? callsIn(f, LINUX_HRTIMER_MODE_CALLS) : []) {
      if (fn === owner && ev.args[0]?.text.replace(/^&\s*/, '') === text) return 'hrtimer';
    }
    return undefined;
  }

  private factsByFile?: Map<string, FileFacts>;

  private backendsByKey?: Map<string, Set<string>>;

  /**
   * The files that install only functions of their own into `structType.field`
   * (or, with the type unknown, into any struct's `field`): one backend each
   * (rtw88's pci.c and sdio.c into `rtw_hci_ops.write32`). A file that also
   * installs another file's function is a core choosing among them (irdma's
   * ctrl.c installs ws.c's irdma_ws_add or its own null one), not a backend.
   */
  backendFiles(structType: string | undefined, field: string): ReadonlySet<string> {
    if (!this.backendsByKey) {
      const own = new Map<string, Set<string>>();
      const mixed = new Map<string, Set<string>>();
      const add = (into: Map<string, Set<string>>, key: string, file: string): void => {
        const set = into.get(key) ?? new Set<string>();
        set.add(file);
        into.set(key, set);
      };
      for (const [key, list] of this.bindings) {
        const fieldOnly = `.${key.slice(key.lastIndexOf('.') + 1)}`;
        for (const b of list) {
          const t = this.bindingTarget(b);
          if (!t) continue;
          const at = b.binding.site.file;
          const into = t.file === at ? own : mixed;
          add(into, key, at);
          add(into, fieldOnly, at);
        }
      }
      for (const [key, files] of own) for (const m of mixed.get(key) ?? []) files.delete(m);
      this.backendsByKey = own;
    }
    return this.backendsByKey.get(structType ? `${this.resolveTypedef(structType)}.${field}` : `.${field}`) ?? NO_FILES;
  }

  /** The function a binding names. */
  bindingTarget(b: BoundFn): FunctionIR | undefined {
    return b.target ?? this.callee(b.fn, b.binding.site.file);
  }

  /** The function-pointer field at a position of a struct's initializer (`{ START, END, handler }`). */
  private positionalField(structType: string, position: number, file: string): string | undefined {
    const fields = this.struct(structType, file)?.fields;
    if (!fields || position >= fields.size) return undefined;
    const field = [...fields.values()][position];
    return field.isFnPtr ? field.name : undefined;
  }

  private passedArgs?: Map<string, ReadonlyArray<{ fn: FunctionIR; ev: CallEvent }>>;

  /**
   * The functions callers pass for parameter `index` of `fn`
   * (`_ipr_initiate_ioa_reset(ioa_cfg, ipr_reset_freeze, ..)`), also through
   * callers that pass on a parameter of their own: what a call, a registration
   * or a field assignment through that parameter reaches.
   */
  functionsPassed(fn: FunctionIR, index: number, seen: Set<string> = new Set()): FunctionIR[] {
    if (!this.passedArgs) {
      // Direct calls with a plain name or a parameter among their arguments, by callee name.
      this.passedArgs = this.allEvents('passing');
    }
    const key = `${fn.file}\0${fn.name}\0${index}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const out: FunctionIR[] = [];
    for (const { fn: caller, ev } of [...this.passedArgs.get(fn.name) ?? [], ...this.dispatchesTo(fn)]) {
      const arg = ev.args[index];
      if (!arg || arg.fuzzy || arg.fields.length > 0) continue;
      if (!ev.viaField && this.callee(ev.callee, caller.file) !== fn) continue;
      let passed: FunctionIR[] = [];
      if (arg.baseKind === 'param' && arg.paramIndex !== undefined) passed = this.functionsPassed(caller, arg.paramIndex, seen);
      else {
        const t = this.functionNamed(arg, caller);
        if (t) passed = [t];
      }
      for (const t of passed) if (!out.includes(t) && out.length < MAX_PASSED) out.push(t);
    }
    return out;
  }

  /**
   * Every file's indexed calls of one kind, by key (callee name or field). A key of one file
   * only (most: static functions) shares that file's list; a list is copied when a second file
   * adds to it, and is never changed afterwards.
   */
  private allEvents(kind: 'passing' | 'passingField'): Map<string, ReadonlyArray<{ fn: FunctionIR; ev: CallEvent }>> {
    const all = new Map<string, ReadonlyArray<{ fn: FunctionIR; ev: CallEvent }>>();
    const joined = new Set<ReadonlyArray<unknown>>();
    for (const f of this.files) {
      for (const [key, calls] of eventsIn(f, kind)) {
        const list = all.get(key);
        if (!list) all.set(key, calls);
        else if (joined.has(list)) (list as Array<{ fn: FunctionIR; ev: CallEvent }>).push(...calls);
        else {
          const both = list.concat(calls);
          joined.add(both);
          all.set(key, both);
        }
      }
    }
    return all;
  }

  private fieldsOf?: Map<FunctionIR, string[]>;
  private passedByField?: Map<string, ReadonlyArray<{ fn: FunctionIR; ev: CallEvent }>>;

  /**
   * The calls through a function-pointer field that reach `fn`, bound to it
   * (`dev->queue_ops->init(dev, poll)` for `.init = mt76_dma_init`), among the
   * ones with a plain name or a parameter among their arguments. Known once
   * every binding is (not while the constructor still collects them).
   */
  private dispatchesTo(fn: FunctionIR): Array<{ fn: FunctionIR; ev: CallEvent }> {
    if (!this.linked) return [];
    if (!this.fieldsOf || !this.passedByField) {
      this.fieldsOf = new Map();
      for (const [key, list] of this.bindings) {
        for (const b of list) {
          const t = b.passed ? undefined : this.bindingTarget(b);
          if (!t) continue;
          const keys = this.fieldsOf.get(t) ?? [];
          if (!keys.includes(key)) keys.push(key);
          this.fieldsOf.set(t, keys);
        }
      }
      this.passedByField = this.allEvents('passingField');
    }
    const out: Array<{ fn: FunctionIR; ev: CallEvent }> = [];
    for (const key of this.fieldsOf.get(fn) ?? []) {
      const dot = key.lastIndexOf('.');
      const [structType, field] = [key.slice(0, dot), key.slice(dot + 1)];
      for (const call of this.passedByField.get(field) ?? []) {
        // The object's type must be known and the call resolve to fn as any call through the field does.
        const type = this.typeOfPath(call.ev.viaField!.object, call.fn);
        if (type === structType && this.boundTargets(type, field, call.fn.file).includes(fn)) out.push(call);
      }
    }
    return out;
  }

  private byFile?: Map<string, FunctionIR[]>;

  /** The function a binding statement sits in: the last one in its file that starts at or before it. */
  ownerOf(b: OpsBinding): FunctionIR | undefined {
    if (!this.byFile) {
      this.byFile = new Map();
      for (const f of this.files) {
        const own = functionsByLine(f);
        const list = this.byFile.get(f.file);
        // One file's facts twice (never from the CLI or the editor): both, in line order.
        this.byFile.set(f.file, list ? [...list, ...own].sort((x, y) => x.site.line - y.site.line) : own);
      }
    }
    const fns = this.byFile.get(b.site.file) ?? [];
    return fns[ownerIndex(fns, b.site.line)];
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
    let visible = list.filter((f) => !f.isStatic || (f.file.endsWith('.h') && headerVisible(f.file, fromFile)));
    // A function-like macro of that name in the caller's file or in a driver's own header the caller
    // sees is what the call expands: mt76.h's `#define mt76_poll(dev, ...) __mt76_poll(..)` makes
    // mt76's mt76_poll() calls no calls of mt7601u's mt76_poll(), a function of another module
    // that mt76 cannot link against. Only a function of the macro's own line of directories
    // (an `#ifdef` alternative to the macro) can still be the one called.
    const shadows = this.macroShadows(name, fromFile);
    if (shadows.length > 0) visible = visible.filter((f) => shadows.some((dir) => sameLine(f.file, dir)));
    const defined = visible.filter((f) => !f.file.endsWith('.h'));
    // Likewise a driver header's static inline is the driver's own function when the .c files
    // defining the name all lie in other drivers' directories (mt76.h's mt76_insert_hdr_pad() and
    // mt7601u/util.c's); with one in its own line (kernel/sched/smp.h's and kernel/smp.c's) it is
    // the `#else` stub of a config option.
    const own = visible.filter((f) => f.file.endsWith('.h') && !INCLUDE_DIR.test(path.dirname(f.file))
      && !defined.some((d) => sameLine(d.file, path.dirname(f.file))));
    if (own.length > 0) return nearest(own, fromFile, (f) => f.file)[0];
    // Otherwise a header's static inline beside an extern definition is the `#else` stub of a
    // config option (`static inline irqreturn_t musb_g_ep0_irq(..) { return 0; }`): the .c one is the code.
    return nearest(defined.length > 0 && defined.length < visible.length ? defined : visible, fromFile, (f) => f.file)[0];
  }

  private macroFiles?: Map<string, string[]>;

  /**
   * The directories of the function-like macros named `name` that a call in
   * `fromFile` sees: the file's own, and those of headers of a driver's own
   * tree it can include. Not an include/ directory's: such a macro is often
   * only the `#else` of a config option whose function is anywhere.
   */
  private macroShadows(name: string, fromFile: string): string[] {
    if (!this.macroFiles) {
      this.macroFiles = new Map();
      for (const f of this.files) {
        for (const m of f.fnMacros ?? []) {
          if (!this.fnByName.has(m)) continue;
          const list = this.macroFiles.get(m);
          if (list) list.push(f.file);
          else this.macroFiles.set(m, [f.file]);
        }
      }
    }
    const out: string[] = [];
    for (const file of this.macroFiles.get(name) ?? []) {
      const dir = path.dirname(file);
      if (INCLUDE_DIR.test(dir) || !(file === fromFile || (file.endsWith('.h') && headerVisible(file, fromFile)))) continue;
      if (!out.includes(dir)) out.push(dir);
    }
    return out;
  }

  private readonly paramUseMemo = new Map<FunctionIR, ParamUse>();

  /**
   * The parameters `fn` calls through (`fn(sdev, data)` for a parameter fn),
   * itself or by passing them on to a callee that does, and the ones it
   * stores in a field that it or its callees then call through
   * (`cmd->job_step = job_step; ipr_reset_ioa_job(cmd)`). Not the ones it
   * also keeps for later (stored, registered, or passed on to be): a
   * queue-or-run-now helper (async_schedule, hci_cmd_sync_run) runs the
   * function elsewhere, at its call only on a fallback path.
   */
  paramsCalled(fn: FunctionIR): ReadonlySet<number> {
    const { called, kept } = this.paramUse(fn, 0);
    return kept.size === 0 ? called : new Set([...called].filter((i) => !kept.has(i)));
  }

  private paramUse(fn: FunctionIR, depth: number): ParamUse {
    const memo = this.paramUseMemo.get(fn);
    if (memo) return memo;
    if (fn.params.length === 0) return NO_PARAM_USE;
    const use = { called: new Set<number>(), kept: new Set<number>() };
    if (depth > 8) return use;
    this.paramUseMemo.set(fn, use); // a recursion sees what is known so far
    for (const st of this.paramStores.get(fn) ?? []) {
      (this.dispatches(fn, st.structType, st.field, 0, new Set()) ? use.called : use.kept).add(st.param);
    }
    for (const b of fn.blocks) {
      for (const ev of b.events) {
        if (ev.kind === 'register' && ev.handler.startsWith('$')) use.kept.add(Number(ev.handler.slice(1)));
        if (ev.kind !== 'call' || ev.viaField) continue;
        const called = fn.params.findIndex((p) => p.name === ev.callee);
        if (called >= 0) {
          use.called.add(called);
          continue;
        }
        if (!ev.args.some((a) => a.baseKind === 'param' && a.fields.length === 0)) continue;
        const callee = this.callee(ev.callee, fn.file);
        const passedOn = callee ? this.paramUse(callee, depth + 1) : undefined;
        ev.args.forEach((a, i) => {
          if (!passedOn || a.baseKind !== 'param' || a.paramIndex === undefined || a.fields.length > 0) return;
          if (passedOn.called.has(i)) use.called.add(a.paramIndex);
          if (passedOn.kept.has(i)) use.kept.add(a.paramIndex);
        });
      }
    }
    // Known now (a recursion read it as it was); most functions call and keep none of their parameters.
    if (use.called.size === 0 && use.kept.size === 0) this.paramUseMemo.set(fn, NO_PARAM_USE);
    return use;
  }

  /** Whether `fn`, or a direct callee a few calls down, calls through `structType.field`. */
  private dispatches(fn: FunctionIR, structType: string, field: string, depth: number, seen: Set<FunctionIR>): boolean {
    if (seen.has(fn) || depth > 4) return false;
    seen.add(fn);
    for (const b of fn.blocks) {
      for (const ev of b.events) {
        if (ev.kind !== 'call') continue;
        if (ev.viaField) {
          if (ev.viaField.field === field && (this.typeOfPath(ev.viaField.object, fn) ?? structType) === structType) return true;
          continue;
        }
        const callee = this.callee(ev.callee, fn.file);
        if (callee && !this.isCore(callee) && this.dispatches(callee, structType, field, depth + 1, seen)) return true;
      }
    }
    return false;
  }

  /**
   * The functions a direct call passes to parameters its callee calls through
   * (`starget_for_each_device(starget, data, mpi3mr_update_sdev_qd)`): they run
   * at that call, with the caller's locks and interrupt state.
   */
  callbacksPassed(ev: Extract<LockEvent, { kind: 'call' }>, callee: FunctionIR, caller: FunctionIR): FunctionIR[] {
    const out: FunctionIR[] = [];
    for (const i of this.paramsCalled(callee)) {
      const t = this.functionNamed(ev.args[i], caller);
      if (t && t !== caller && !out.includes(t)) out.push(t);
    }
    return out;
  }

  /** The function an argument names (`fn`, `&fn`), not a variable. */
  private functionNamed(arg: AccessPath | undefined, caller: FunctionIR): FunctionIR | undefined {
    if (!arg || arg.fuzzy || arg.fields.length > 0 || arg.baseKind !== 'global' || this.global(arg.base, caller.file)) return undefined;
    return this.callee(arg.base, caller.file);
  }

  /**
   * The functions a registration's (or a table call's) handler names: one function,
   * for `tbl[]` (written `tbl[i]`) every function of that table, for `$i`
   * (parameter i of `fn`) every function its callers pass.
   */
  handlerTargets(handler: string, fromFile: string, fn?: FunctionIR): FunctionIR[] {
    if (handler.startsWith('$')) return fn && !this.isCore(fn) ? this.functionsPassed(fn, Number(handler.slice(1))) : [];
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

  private byField?: Map<string, BoundFn[]>;

  /**
   * Functions bound to a field whose name matches, whatever the struct (fallback for untyped objects).
   * Stores into an object of unknown type count too: hfi1's `dd->verbs_dev.rdi.driver_f.flush_qp_waiters
   * = flush_qp_waiters` and rdmavt's `rdi->driver_f.flush_qp_waiters(qp)` both go through a struct whose
   * header (include/rdma) is not read; the function is that call's target, not an entry of its own.
   */
  boundByField(field: string, fromFile: string): FunctionIR[] {
    if (!this.byField) {
      this.byField = new Map();
      for (const [key, list] of this.bindings) {
        const f = key.slice(key.lastIndexOf('.') + 1);
        const all = this.byField.get(f) ?? [];
        all.push(...list);
        this.byField.set(f, all);
      }
      for (const b of this.untypedBindings) {
        const all = this.byField.get(b.field) ?? [];
        addBound(all, b);
        this.byField.set(b.field, all);
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
  private targetsOf(list: readonly BoundFn[], fromFile: string): FunctionIR[] {
    const fns: FunctionIR[] = [];
    for (const b of list) {
      // A function handed to a setter (`ibmvfc_init_event(evt, done, ..)`) is the callback of the object it was
      // given with: any dispatch of the field joining every one of them is no path. See paramsCalled for the rest.
      if (b.passed) continue;
      const fn = this.bindingTarget(b);
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

  private constants?: Map<string, boolean | undefined>;

  /**
   * The truth of an enum member the program's files define (FileFacts.constants; the
   * tree's headers read for summaries included): undefined when unknown or when two files disagree.
   */
  constantTruth(name: string): boolean | undefined {
    if (!this.constants) {
      this.constants = new Map();
      for (const f of this.files) {
        for (const [n, v] of Object.entries(f.constants ?? {})) {
          this.constants.set(n, this.constants.has(n) && this.constants.get(n) !== v ? undefined : v);
        }
      }
    }
    return this.constants.get(name);
  }

  /**
   * Whether the objects of a class get their own lockdep key at init (LINUX_LOCK_KEY_CALLS with a key inside
   * the object), or are not validated by lockdep at all (LINUX_NOVALIDATE_CALLS: `device.mutex`).
   */
  hasInstanceKeys(cls: string): boolean {
    if (!this.instanceKeyed) {
      this.instanceKeyed = new Set(LINUX_NOVALIDATE_CLASSES);
      for (const { fn, ev, index } of this.callsTo(LINUX_LOCK_KEY_CALLS)) {
        const key = ev.args[index];
        if (!key || key.fields.length === 0 || key.baseKind === 'global' || !ev.args[0]) continue;
        const ref = this.lockRef(ev.args[0], fn);
        if (ref && 'cls' in ref) this.instanceKeyed.add(ref.cls);
      }
      for (const { fn, ev, index } of this.callsTo(LINUX_NOVALIDATE_CALLS)) {
        const ref = ev.args[index] && this.lockRef(ev.args[index], fn);
        if (ref && 'cls' in ref) this.instanceKeyed.add(ref.cls);
      }
    }
    return this.instanceKeyed.has(cls);
  }

  /** Every call to a function the table names, with the table's argument index (lockdep_set_class's key, hrtimer_init's mode). */
  *callsTo(table: ReadonlyMap<string, number>): Generator<{ fn: FunctionIR; ev: Extract<LockEvent, { kind: 'call' }>; index: number }> {
    if (!LINK_CALL_TABLES.includes(table)) throw new Error('Program.callsTo: a table linking reads must be in LINK_CALL_TABLES (linkView)');
    for (const f of this.files) for (const { fn, ev } of callsIn(f, table)) yield { fn, ev, index: table.get(ev.callee)! };
  }

  /**
   * The lock class an access path names inside `fn`: `type.field` for a lock
   * inside a struct, the variable's name for a global (file-qualified when
   * static), or a parameter reference resolved later at each call site.
   */
  lockRef(p: AccessPath, fn: FunctionIR): LockRef | undefined {
    if (!p.base && p.fields.length === 0) return undefined;
    if (p.baseKind === 'unknown' && p.base.endsWith('()')) {
      // A getter's result (`get_queue_lock(ctx, i)`, `return &ctx->queue_locks[idx];`): the class of what it returns.
      const getter = this.callee(p.base.slice(0, -2), fn.file);
      const ret = getter?.returnsPath;
      if (getter && ret) {
        const ref = this.lockRef({ ...ret, fields: [...ret.fields, ...p.fields], fuzzy: true }, getter);
        if (ref && 'cls' in ref && !ref.local) return { cls: ref.cls, inst: instanceOf(p) };
      }
    }
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

type CallEvent = Extract<LockEvent, { kind: 'call' }>;

/**
 * `derive` computed once per object and kept with it. Facts are immutable once
 * extracted, so what the Program derives from a file's facts is derived once:
 * an edit in the editor rebuilds one file's share, not the program's.
 */
export function perObject<K extends object, V>(derive: (k: K) => V): (k: K) => V {
  const memo = new WeakMap<K, V>();
  return (k) => {
    let v = memo.get(k);
    if (v === undefined) memo.set(k, (v = derive(k)));
    return v;
  };
}

/** Every event of a file's functions, with its function. */
function* fileEvents(f: FileFacts): Generator<{ fn: FunctionIR; ev: LockEvent }> {
  for (const fn of f.functions) for (const b of fn.blocks) for (const ev of b.events) yield { fn, ev };
}

const tableCalls = perObject((_: FileFacts) => new Map<ReadonlyMap<string, number>, Array<{ fn: FunctionIR; ev: CallEvent }>>());

/** A file's calls to a table's functions. */
function callsIn(f: FileFacts, table: ReadonlyMap<string, number>): Array<{ fn: FunctionIR; ev: CallEvent }> {
  const byTable = tableCalls(f);
  let list = byTable.get(table);
  if (!list) {
    list = [];
    for (const { fn, ev } of fileEvents(f)) if (ev.kind === 'call' && table.has(ev.callee)) list.push({ fn, ev });
    byTable.set(table, list);
  }
  return list;
}

const fieldMap = perObject((s: StructDef) => new Map<string, StructField>(s.fields.map((x) => [x.name, x])));

const functionsByLine = perObject((f: FileFacts) => [...f.functions].sort((a, b) => a.site.line - b.site.line));

/** Of functions in line order, the index of the last one starting at or before `line` (-1: none): the one a statement there sits in. */
function ownerIndex(byLine: readonly FunctionIR[], line: number): number {
  let i = -1;
  while (i + 1 < byLine.length && byLine[i + 1].site.line <= line) i++;
  return i;
}

/**
 * A file's events of one kind with their functions: `workqueue` events, and
 * `passing`, the direct calls with a plain name or a parameter among their
 * arguments by callee (functionsPassed), `passingField` the calls through a field.
 */
type IndexedEvents = {
  workqueue: Array<{ fn: FunctionIR; ev: Extract<LockEvent, { kind: 'workqueue' }> }>;
  passing: Map<string, Array<{ fn: FunctionIR; ev: CallEvent }>>;
  /** The same for calls through a function-pointer field, by field. */
  passingField: Map<string, Array<{ fn: FunctionIR; ev: CallEvent }>>;
};

const eventIndex = perObject((f: FileFacts): IndexedEvents => {
  const index: IndexedEvents = { workqueue: [], passing: new Map(), passingField: new Map() };
  for (const { fn, ev } of fileEvents(f)) {
    if (ev.kind === 'workqueue') index.workqueue.push({ fn, ev });
    else if (ev.kind === 'call'
      && ev.args.some((a) => !a.fuzzy && a.fields.length === 0 && (a.baseKind === 'global' || a.baseKind === 'param'))) {
      const [byName, key] = ev.viaField ? [index.passingField, ev.viaField.field] : [index.passing, ev.callee];
      const list = byName.get(key);
      if (list) list.push({ fn, ev });
      else byName.set(key, [{ fn, ev }]);
    }
  }
  return index;
});

export function eventsIn<K extends keyof IndexedEvents>(f: FileFacts, kind: K): IndexedEvents[K] {
  return eventIndex(f)[kind];
}

/**
 * What of a file's facts call resolution reads. Places count only as which
 * function a binding sits in (Program.ownerOf), not as lines: an edit that
 * moves the code below it (a line added) resolves every call as before.
 */
const linkDigest = perObject((f: FileFacts): string => {
  const byLine = functionsByLine(f);
  const functions = byLine.map((fn) => [fn.name, fn.isStatic, fn.returnType ?? '']);
  const bindings = f.bindings.map((b) => ({ ...b, owner: ownerIndex(byLine, b.site.line) }));
  const placeless = (_key: string, v: unknown): unknown => (_key === 'site' ? undefined : v);
  return createHash('sha1')
    .update(JSON.stringify([f.file, functions, f.structs, f.typedefs, f.globals, bindings, f.fnMacros ?? []], placeless))
    .digest('hex');
});

/** The tables whose calls linking reads from function bodies (callsTo, initializedAs). */
const LINK_CALL_TABLES: ReadonlyArray<ReadonlyMap<string, number>> = [LINUX_HRTIMER_MODE_CALLS, LINUX_LOCK_KEY_CALLS, LINUX_NOVALIDATE_CALLS];

/**
 * What linking, call resolution and entry finding read of one function: all
 * but its body, and of the body its registrations, queueings and the calls
 * they may follow. A plain call to a name the program does not define, with no
 * parameter or global among its arguments (`pr_debug(..)`, `udelay(10)`), is
 * not read. `known`: the program's function names. For the language server:
 * an edit that leaves this as it was leaves those stages' results as they were.
 */
export function linkView(fn: FunctionIR, known: { has(name: string): boolean }): string {
  const read: unknown[] = [];
  for (const b of fn.blocks) {
    for (const ev of b.events) {
      if (ev.kind === 'register' || ev.kind === 'workqueue') read.push(ev);
      else if (ev.kind === 'call' && readByLink(ev, fn, known)) read.push({ ...ev, site: undefined });
    }
  }
  const { blocks: _blocks, exit: _exit, gaps: _gaps, ...head } = fn;
  return JSON.stringify([head, read]);
}

function readByLink(ev: CallEvent, fn: FunctionIR, known: { has(name: string): boolean }): boolean {
  return ev.viaField !== undefined || known.has(ev.callee) || !/^\w+$/.test(ev.callee)
    || LINK_CALL_TABLES.some((t) => t.has(ev.callee)) || fn.params.some((p) => p.name === ev.callee)
    || ev.args.some((a) => a.baseKind === 'param' || a.baseKind === 'global');
}

/** What linking reads of a file's facts besides its functions (linkView reads those). */
export function fileLinkView(f: FileFacts): string {
  const { functions: _functions, hash: _hash, lockSites: _lockSites, errorNodes: _errorNodes, gaps: _gaps, ...rest } = f;
  return JSON.stringify(rest);
}

/** A function bound to a field; `passed` when it reached the field through a parameter of the function storing it. */
export interface BoundFn {
  fn: string;
  binding: OpsBinding;
  target?: FunctionIR;
  passed?: true;
}

/** A function stored into a field, once: two drivers' static functions of one name are two targets, so by name within a file only. */
function addBound(list: BoundFn[], b: OpsBinding): void {
  if (!list.some((x) => x.fn === b.fn && x.binding.site.file === b.site.file)) list.push({ fn: b.fn, binding: b });
}

/** Registrations made inside a file's functions. */
const registrationsIn = perObject((f: FileFacts) => {
  const regs: Array<{ ev: Extract<LockEvent, { kind: 'register' }>; fn: FunctionIR }> = [];
  for (const { fn, ev } of fileEvents(f)) if (ev.kind === 'register') regs.push({ ev, fn });
  return regs;
});

/** Functions passed for one parameter, at most (a dispatcher's whole command table is no more use than this many). */
const MAX_PASSED = 64;

/** More targets than this for one call through a field: a core dispatching to drivers, left unresolved. */
const MAX_DISPATCH = 4;

const TYPE_CLASS = /(?:_t|_struct)$/;

const NO_FILES: ReadonlySet<string> = new Set();

/** A directory of an include/ tree (include/linux, arch/x86/include/asm): headers anyone may include. */
const INCLUDE_DIR = /(^|[\\/])include([\\/]|$)/;

function headerVisible(header: string, fromFile: string): boolean {
  const dir = path.dirname(header);
  return INCLUDE_DIR.test(dir) || within(fromFile, dir);
}

/** Whether `file` lies in `dir` or below it. */
function within(file: string, dir: string): boolean {
  return file.startsWith(`${dir}${path.sep}`);
}

/**
 * Whether `file` lies in `dir`, below it or in one of its ancestors: one line of
 * directories (a driver and its core), not a sibling's tree (another driver).
 * Paths are compared absolute: the tree's core files are named so.
 */
function sameLine(file: string, dir: string): boolean {
  const d = path.resolve(path.dirname(file));
  const h = path.resolve(dir);
  return d === h || within(d, h) || within(h, d);
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
  if (p.inst) return p.inst;
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
