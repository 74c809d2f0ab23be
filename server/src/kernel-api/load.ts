// Merge the built-in tables with the user's additions and removals into the
// one ApiTable extraction consults. Later rows win, so configuration can
// redefine a built-in row by naming the same function.
import { LINUX_API, LINUX_OPS } from './linux';
import { XEN_API, XEN_OPS } from './xen';
import { LINUX_OPS_ROWS, LINUX_SUBSYSTEM_API } from './linux-subsystems';
import { SLEEPING_MODES, type ApiRow, type ApiTable, type OpsRow } from './types';

export const BUILTIN_ROWS: readonly ApiRow[] = [...LINUX_API, ...LINUX_SUBSYSTEM_API, ...XEN_API];
export const BUILTIN_OPS: readonly OpsRow[] = [...LINUX_OPS, ...LINUX_OPS_ROWS, ...XEN_OPS];
/** The locking primitives alone, without the measured subsystem helpers and ops contexts (for before/after figures). */
export const PRIMITIVE_ROWS: readonly ApiRow[] = [...LINUX_API, ...XEN_API];
export const PRIMITIVE_OPS: readonly OpsRow[] = [...LINUX_OPS, ...XEN_OPS];

/** Guard classes live in their own namespace: `guard(read_lock)` is not the function read_lock(). */
export function tableKey(row: ApiRow): string {
  return row.op === 'guard' ? guardKey(row.fn) : row.fn;
}

export function guardKey(kind: string): string {
  return `guard:${kind}`;
}

export function opsKey(structType: string, field: string): string {
  return `${structType}.${field}`;
}

export function buildApiTable(
  rows: readonly ApiRow[],
  opsRows: readonly OpsRow[],
  remove: readonly string[] = [],
): ApiTable {
  const removed = new Set(remove);
  const byName = new Map<string, ApiRow>();
  for (const row of rows) if (!removed.has(row.fn)) byName.set(tableKey(row), row);
  const ops = new Map<string, OpsRow>();
  for (const row of opsRows) {
    const key = opsKey(row.structType, row.field);
    if (!removed.has(key)) ops.set(key, row);
  }
  return { byName, ops, rows: [...byName.values()], opsRows: [...ops.values()] };
}

/** A short fingerprint of a table, part of every cache key built from it. */
export function tableFingerprint(table: ApiTable): string {
  let h = 2166136261;
  const text = JSON.stringify([table.rows, table.opsRows]);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16);
}

/**
 * Whether a call the table knows may sleep: a wait marked `sleeps`, or a
 * blocking acquisition of a sleeping lock (a guard through its acquire row).
 * A trylock never sleeps; rows marked `sleeps: false` are spinlocks in some
 * configurations.
 */
export function maySleep(api: ApiTable, name: string): boolean {
  const guard = /^guard\((.*)\)$/.exec(name);
  if (guard) {
    const row = api.byName.get(guardKey(guard[1]));
    return row?.op === 'guard' && maySleep(api, row.acquire);
  }
  const row = api.byName.get(name);
  if (row?.op === 'wait') return row.sleeps === true;
  if (row?.op === 'acquire') return SLEEPING_MODES.has(row.mode) && !row.try && row.sleeps !== false;
  return false;
}

/** Whether a call the table knows takes a lock without ever holding it (a seqcount reader). */
export function holdsNothing(api: ApiTable, name: string): boolean {
  const row = api.byName.get(name);
  return row?.op === 'acquire' && row.waitsOnly === true;
}
