// The intermediate form extraction produces, one FileFacts per source file.
// It is plain, serializable data (no syntax nodes): it crosses worker
// threads, is cached by content hash, and is all that later stages see.
import type { Context, IrqEffect, LockMode, WaitKind } from '../kernel-api/types';

/** A source location: 1-based line and column (column in UTF-16 units, as LSP counts). */
export interface Site {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/**
 * A lock or wait-key expression as an access path: `&p->desc->lock` is base
 * `p` with fields [desc, lock]. Lock classes are resolved from it at link time
 * through the declared types of every file (see graph/link.ts).
 */
export interface AccessPath {
  text: string;
  base: string;
  baseKind: 'param' | 'local' | 'global' | 'unknown';
  /** Declared type name of the base with `struct`/pointers stripped: `pending_irq`. */
  baseType?: string;
  /** Index of the parameter the base is, when baseKind is 'param'. */
  paramIndex?: number;
  fields: string[];
  /** Not a plain path (array element, call result, cast): class resolution is best effort. */
  fuzzy?: boolean;
  /**
   * The object's identity in its function when the path alone gives none: a pointer local
   * set once, outside any loop, to an array element or a call's result (`struct mutex *l = &locks[i];`).
   */
  inst?: string;
}

export type LockEvent =
  | {
      kind: 'acquire'; lock: AccessPath; mode: LockMode; irq?: 'off' | 'save' | 'bh-off';
      try?: boolean; subclass?: string; api: string; site: Site; cls?: string;
    }
  | {
      kind: 'release'; lock: AccessPath; mode?: LockMode; irq?: 'on' | 'restore' | 'bh-on';
      api: string; site: Site; cls?: string;
      /**
       * At the exit of a loop that releases an array element each turn (`for (i..) mutex_unlock(&n[i]->lock);`):
       * every lock held that was taken through the same path text (a loop over the same elements took them) is released.
       */
      all?: true;
    }
  | { kind: 'irq'; effect: IrqEffect; api: string; site: Site }
  | { kind: 'wait'; what: WaitKind; key: AccessPath; api: string; site: Site }
  /** The handlers registered with `key` turned off (none runs anywhere until turned on) or on again (HandlerSwitch). */
  | { kind: 'switch'; what: WaitKind; key: AccessPath; off: boolean; api: string; site: Site }
  | {
      /** handler: a function's name, `tbl[]` (each function of a file-scope table), or `$i` (what callers pass for parameter i). */
      kind: 'register'; what: WaitKind; ctx: Context; handler: string; key: AccessPath;
      api: string; site: Site;
    }
  /**
   * A work queued (`queue_work(wq, &w)`; no wq for a shared system queue), or
   * an ordered workqueue created (`wq = alloc_ordered_workqueue(..)`: wq is where it is stored).
   * `ordered` on a queue: the core's ordered queue of the object `wq` names (LINUX_QUEUE_WORK_CALLS).
   * `freezable`: a workqueue created frozen during system sleep (WQ_FREEZABLE, LINUX_WQ_ALLOCATORS), stored in `wq`.
   */
  | { kind: 'workqueue'; op: 'queue' | 'ordered' | 'freezable'; wq?: AccessPath; work?: AccessPath; ordered?: true; api: string; site: Site }
  /** On this branch, parameter `param` tested truthy (or falsy): `if (!locked)`, `if (flags & MASK)` (with mask). */
  | { kind: 'assume'; param: number; truthy: boolean; mask?: string; site: Site }
  /** A local flag set to a literal: `locked = true;` (feeds conditional locking in callees). */
  | { kind: 'set'; name: string; value: boolean; site: Site }
  /**
   * On this branch, a side-effect-free condition that guards a lock or unlock
   * held (or not): `if (hba->sli_rev == REV4)`. The same test later on the
   * path must agree, until one of `idents` is assigned.
   */
  | { kind: 'test'; key: string; truthy: boolean; idents: string[]; site: Site }
  /**
   * A flag bit of a bitmap (`test_bit(RTW_FLAG_WOWLAN, rtwdev->flags)`, obj `rtwdev->flags`): tested on this
   * branch (`test`, with its truth), or written (`set`, `clear`; `write`: to a value not known). Bit `*`: the
   * whole bitmap written (`bitmap_zero(p->flags, N)`, `p->status = 0`).
   */
  | { kind: 'bit'; op: 'test' | 'set' | 'clear' | 'write'; bit: string; obj: AccessPath; truthy?: boolean; site: Site }
  /**
   * A local that some guarding condition reads, given the value of a side-effect-free access path
   * (`function = hdr->Function;`): until one of `idents` (the local's and the path's) is assigned, a
   * condition on the local is that condition on the path (`function == X` is `hdr->Function == X`).
   */
  | { kind: 'copy'; name: string; value: string; idents: string[]; site: Site }
  /**
   * A reference count of an object (LINUX_REF_OPS; obj `&d->kref`): a reference taken (`get`), one dropped that was
   * not the last (`put`: the false branch of `refcount_dec_and_test`), the last one dropped on this branch (`last`:
   * its true branch), the count found at zero (`zero`: a failed `kref_get_unless_zero`), or set to one owned by
   * the path (`init`). A put whose release is a callee is a call with `put` instead.
   */
  | { kind: 'ref'; op: 'get' | 'put' | 'last' | 'zero' | 'init'; obj: AccessPath; site: Site }
  /** An assignment to a variable that some guarding condition reads: what was known of those conditions is gone. */
  | { kind: 'forget'; ident: string; site: Site }
  | {
      /** callee: a function's name, a parameter's name (a call through it), or `tbl[]` (through a file-scope table). */
      kind: 'call'; callee: string; args: AccessPath[]; site: Site;
      /** Arguments that are literal constants (`true`, `0`, `NULL`), by index, for conditional locking. */
      literals?: Record<number, boolean>;
      /** Arguments that are OR-combinations of flag names (`A | B`, `0`), by index. */
      flags?: Record<number, string[]>;
      /** A call through a function pointer field: `dev->ops->start(...)` is object `dev->ops`, field `start`. */
      viaField?: { object: AccessPath; field: string };
      /**
       * A put of the object argument `put` names (`kref_put(&d->kref, release)`, `put_device(dev)`): what the call
       * runs (its callees, the release handed to it) runs only when it drops the last reference.
       */
      put?: number;
    };

/** A basic block: events in order, then a jump to any of succ. */
export interface Block {
  events: LockEvent[];
  succ: number[];
}

/** Something extraction could not understand; carried with the facts, never fatal. */
export interface Gap {
  site: Site;
  what: string;
}

export interface FunctionIR {
  name: string;
  file: string;
  site: Site;
  isStatic: boolean;
  /** Static, and its name appears nowhere else in its file: dead code (a leftover, or under a disabled #ifdef). */
  unreferenced?: true;
  /** __init / __exit, or listed as init-only: runs alone, before or after the rest. */
  initOnly: boolean;
  /** Annotation comments (`lockscope: init-only`, `lockscope: context hardirq` ...). */
  annotations: string[];
  params: Array<{ name: string; type?: string }>;
  /** Declared return type, stripped (`foo_dev` for `struct foo_dev *to_foo(...)`). */
  returnType?: string;
  /** A getter's one statement `return &p->locks[i];` (rooted at a parameter): what its result points to. */
  returnsPath?: AccessPath;
  /** Block 0 is the entry; `exit` is the single block every return reaches. */
  blocks: Block[];
  exit: number;
  gaps: Gap[];
  /** Lock classes the function expects held on entry (__must_hold, lockdep_assert_held). */
  mustHold?: AccessPath[];
}

export interface StructField {
  name: string;
  /** Type name with `struct`/`union`/pointers stripped (`irq_desc`, `spinlock_t`). */
  type: string;
  pointer: boolean;
  /** For function-pointer fields. */
  isFnPtr?: boolean;
}

export interface StructDef {
  name: string;
  fields: StructField[];
  site: Site;
}

export interface GlobalDef {
  name: string;
  type: string;
  isStatic: boolean;
  site: Site;
  /** An array of function pointers (`fn_t *tbl[] = { [A] = f, g }`): the names its initializer lists, in order. */
  fns?: string[];
}

/** A function-like #define whose body calls something the API table knows. */
export interface MacroDef {
  name: string;
  params: string[];
  body: string;
  site: Site;
  /** An object-like macro naming a truth value (`#define CAN_NOT_SLEEP false`): an argument that decides a callee's branch. */
  constant?: boolean;
  /**
   * A macro that calls nothing the API table knows but hands some of its parameters (these,
   * `__VA_ARGS__` for `...`) on to a call (`#define mt76_init_queues(dev, ...)
   * (dev)->mt76.queue_ops->init(&((dev)->mt76), __VA_ARGS__)`): expanded only where a
   * function's name is given for one of them, so that the function reaches where it is registered.
   */
  passes?: string[];
  /**
   * A macro whose body is one call of a function that is neither a parameter nor an API row
   * (`#define foo_reply(ep, ...) __foo_reply((ep), sizeof((u8[]){ __VA_ARGS__ }), __VA_ARGS__)`):
   * that function, and which macro argument each of its arguments is (an index, `...` for the
   * variadic ones, null for an expression), or the body's own text where that means the same at
   * every call (`adev`, a name of the caller's scope; `AMDGPU_REGS_NO_KIQ`, `0`). A call of the
   * macro is a call of the function where the macro's header is seen (extract.ts).
   */
  forward?: { callee: string; args: Array<number | '...' | null | { text: string }> };
  /**
   * A side-effect-free predicate (`#define uart_console(port) ((port)->cons && ..)`, or a static
   * inline whose body is one `return` of such an expression, then `body` is that expression): a
   * condition calling it is remembered like any side-effect-free one. `reads`: the names its body
   * reads (an assignment to one forgets the condition); `calls`: predicates it calls in turn (each
   * must be one too). Never expanded at a call.
   */
  predicate?: { reads: string[]; calls: string[] };
}

/** `.field = fn` in an initializer of `struct structType`, or `x->field = fn;`. */
export interface OpsBinding {
  /** Known from the initializer's declared type; empty when it must come from `object` at link time. */
  structType: string;
  /** For `x->field = fn;`: the object whose type names the struct. */
  object?: AccessPath;
  /** For an initializer: the variable it initializes (`static struct timer_list t = { .function = fn }`). */
  variable?: string;
  /** The field, or `#n` for position n of a positional initializer (`{ START, END, handler }`). */
  field: string;
  /** The function, or `$i` for `x->field = param` (what the callers pass for parameter i). */
  fn: string;
  site: Site;
}

export interface FileFacts {
  file: string;
  /** Content hash: the cache key of these facts. */
  hash: string;
  functions: FunctionIR[];
  structs: StructDef[];
  typedefs: Array<{ name: string; target: string }>;
  globals: GlobalDef[];
  macros: MacroDef[];
  /**
   * Names of every function-like `#define name(` of the file (but ALL-CAPS ones): a call to such a name
   * where the file is seen is the macro, not another driver's function of that name.
   */
  fnMacros?: string[];
  bindings: OpsBinding[];
  /** File-scope registrations: DEFINE_TIMER(t, fn), DECLARE_WORK(w, fn). */
  registrations: Array<Extract<LockEvent, { kind: 'register' }>>;
  /** Enum members of known value, by truth (`MLX4_CMD_NATIVE`: true): an argument that decides a callee's branch. */
  constants?: Record<string, boolean>;
  /** Count of lock / unlock API call sites attributed to a function. */
  lockSites: number;
  /** Count of tree-sitter ERROR nodes (recovered around, never fatal). */
  errorNodes: number;
  gaps: Gap[];
}
