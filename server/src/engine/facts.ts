// `lockscope facts`: what extraction and linking saw, for debugging and tests —
// every function with the contexts it was given and why, and every lock site
// with the class it names and the API row (or summary) that named it.
import type { FileFacts } from '../extract/ir';
import type { Config } from '../config/config';
import { Program } from '../graph/link';
import { findEntries, inheritExitState } from '../graph/entries';
import { summarize } from '../summarize/summarize';
import { apiTableFor } from './analyze';

/** `only`: describe that file's functions (the other facts give callers, registrations and contexts). */
export function describeFacts(facts: FileFacts[], config: Config, only?: string): unknown {
  const api = apiTableFor(config);
  const program = new Program(facts);
  const summaries = summarize(program);
  const model = findEntries(program, summaries.calls, api);
  inheritExitState(model, summaries);
  const sites = [...summaries.lockSites.values()].filter((l) => !only || l.site.file === only);
  return {
    version: 1,
    files: facts.filter((f) => !only || f.file === only).map((f) => ({ file: f.file, hash: f.hash, lockSites: f.lockSites, errorNodes: f.errorNodes, gaps: f.gaps.length })),
    functions: program.functions.filter((fn) => !only || fn.file === only).map((fn) => ({
      name: fn.name,
      file: fn.file,
      line: fn.site.line,
      initOnly: fn.initOnly || model.initPhase.has(fn) || undefined,
      annotations: fn.annotations.length > 0 ? fn.annotations : undefined,
      contexts: [
        ...model.entries.filter((e) => e.fn === fn).map((e) => ({ context: e.ctx, why: e.why, entry: true })),
        ...(model.contexts.get(fn) ?? []).filter((c) => c.via.fn !== fn).map((c) => ({ context: c.ctx, why: `called from ${c.via.fn.name}() (${c.via.why})`, entry: false })),
      ],
      events: fn.blocks.flatMap((b) => b.events).map((ev) => {
        const where = `${ev.site.line}:${ev.site.column}`;
        switch (ev.kind) {
          case 'acquire':
          case 'release': {
            const ref = ev.cls ? program.rowLockRef(ev.cls, ev.lock, fn) : program.lockRef(ev.lock, fn);
            const cls = ref && 'cls' in ref ? ref.cls : ref ? `(parameter ${ref.param} of ${fn.name})` : undefined;
            return { kind: ev.kind, at: where, api: ev.api, lock: ev.lock.text, cls, namedBy: api.byName.get(ev.api)?.project ?? ev.api, mode: 'mode' in ev ? ev.mode : undefined, irq: ev.irq, try: ev.kind === 'acquire' ? ev.try : undefined, loopExit: ev.kind === 'release' && ev.all ? true : undefined };
          }
          case 'irq': return { kind: ev.kind, at: where, api: ev.api, effect: ev.effect };
          case 'wait': return { kind: ev.kind, at: where, api: ev.api, what: ev.what, key: ev.key.text };
          case 'switch': return { kind: ev.kind, at: where, api: ev.api, what: ev.what, key: ev.key.text, off: ev.off };
          case 'register': return { kind: ev.kind, at: where, api: ev.api, handler: ev.handler, context: ev.ctx, key: ev.key.text };
          case 'workqueue': return { kind: ev.kind, at: where, api: ev.api, op: ev.op, wq: ev.wq?.text, work: ev.work?.text };
          case 'call': return { kind: ev.kind, at: where, callee: ev.callee, via: ev.viaField ? `->${ev.viaField.field}` : undefined };
          case 'assume': return { kind: ev.kind, at: where, param: ev.param, truthy: ev.truthy, mask: ev.mask };
          case 'set': return { kind: ev.kind, at: where, name: ev.name, value: ev.value };
          case 'test': return { kind: ev.kind, at: where, condition: ev.key, truthy: ev.truthy };
          case 'forget': return { kind: ev.kind, at: where, name: ev.ident };
          case 'copy': return { kind: ev.kind, at: where, name: ev.name, value: ev.value };
          case 'bit': return { kind: ev.kind, at: where, op: ev.op, bit: ev.bit, obj: ev.obj.text, base: ev.obj.base, fields: ev.obj.fields.join('.'), fuzzy: ev.obj.fuzzy, truthy: ev.truthy };
          case 'ref': return { kind: ev.kind, at: where, op: ev.op, object: ev.obj.text };
        }
      }),
    })),
    classes: [...new Set(sites.map((s) => s.cls))].sort(),
    bindings: [...program.bindings.entries()]
      .map(([key, list]) => ({ field: key, functions: list.filter((b) => !only || b.binding.site.file === only).map((b) => b.fn), row: api.ops.has(key) }))
      .filter((b) => b.functions.length > 0),
    pointerCalls: summaries.pointerCalls,
  };
}
