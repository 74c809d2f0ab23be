// Engine data → LSP and protocol data. The only place that knows both: the
// engine speaks Sites (1-based line and column, UTF-16 columns), the protocol
// speaks 0-based positions and URIs.
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Range,
} from 'vscode-languageserver';
import type { Site } from '../extract/ir';
import type { AnalysisResult, OrderEdge } from '../engine/api';
import type { Finding } from '../report/finding';
import type { WitnessStep } from '../simulate/types';
import { sleptWhileAtomic } from '../report/scenario';
import type { CycleEdge, DiagnosticData, ExplainResult, LockGraphResult, Loc, WitnessRow } from '../protocol/messages';
import type { RuleSeverity } from '../protocol/settings';

export interface FileMap {
  uriOf(file: string): string;
  /** Text of a 0-based line when the file is known (open or indexed), for ranges. */
  lineText(file: string, line: number): string | undefined;
}

/** A Site as an LSP range; without an end, up to the end of the call at that column. */
export function siteRange(site: Site, files: FileMap): Range {
  const line = Math.max(0, site.line - 1);
  const character = Math.max(0, site.column - 1);
  if (site.endLine !== undefined && site.endColumn !== undefined) {
    return { start: { line, character }, end: { line: Math.max(0, site.endLine - 1), character: Math.max(0, site.endColumn - 1) } };
  }
  const text = files.lineText(site.file, line);
  return { start: { line, character }, end: { line, character: text === undefined ? character + 1 : callEnd(text, character) } };
}

/** End of `name(args)` starting at `from`, or of the word there, or the line. */
export function callEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && /[\w]/.test(text[i])) i++;
  if (text[i] !== '(') return Math.max(i, Math.min(text.length, from + 1));
  let depth = 0;
  for (; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return text.trimEnd().length;
}

export function toLoc(site: Site, files: FileMap): Loc {
  const r = siteRange(site, files);
  return {
    uri: files.uriOf(site.file),
    file: site.file,
    line: r.start.line,
    character: r.start.character,
    endLine: r.end.line,
    endCharacter: r.end.character,
  };
}

function shortFile(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? file : file.slice(i + 1);
}

export function severityOf(f: Finding, rules: Record<string, RuleSeverity>): DiagnosticSeverity | undefined {
  const s = rules[f.rule] ?? (f.confirmed ? f.severity : 'info');
  switch (s) {
    case 'off':
      return undefined;
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    default:
      return DiagnosticSeverity.Information;
  }
}

export interface DiagnosticOptions {
  relatedInformation: boolean;
  /** Write the steps into the message as well. */
  relatedInMessage?: boolean;
  rules: Record<string, RuleSeverity>;
}

/** One finding as the diagnostic at its primary location, or undefined when its rule is off. */
export function toDiagnostic(f: Finding, files: FileMap, opts: DiagnosticOptions): Diagnostic | undefined {
  const severity = severityOf(f, opts.rules);
  if (severity === undefined) return undefined;
  const data: DiagnosticData = { findingId: f.id, rule: f.rule };
  let message = f.confirmed ? f.message : `${f.message} [unconfirmed${f.reason ? `: ${f.reason}` : ''}]`;
  const diag: Diagnostic = { range: siteRange(f.location, files), severity, source: 'lockscope', code: f.rule, message, data };
  if (opts.relatedInformation) {
    diag.relatedInformation = f.related.map(
      (r): DiagnosticRelatedInformation => ({
        location: { uri: files.uriOf(r.file), range: siteRange(r, files) },
        message: r.message,
      }),
    );
  }
  if ((!opts.relatedInformation || opts.relatedInMessage) && f.related.length > 0) {
    message += '\n' + f.related.map((r, i) => `  #${i} ${r.message}  ${shortFile(r.file)}:${r.line}`).join('\n');
    diag.message = message;
  }
  return diag;
}

// ---------------------------------------------------------------------------
// Explain

const VERB: Record<string, string> = {
  acquires: 'takes',
  'tries and fails': 'tries, fails:',
  releases: 'releases',
  'disables interrupts': 'disables interrupts',
  'enables interrupts': 'enables interrupts',
  'disables bottom halves': 'disables bottom halves',
  'enables bottom halves': 'enables bottom halves',
  'interrupted by': 'interrupted by',
  starts: 'starts',
  'spins on': 'spins on',
  'sleeps on': 'sleeps on',
  'waits for handler': 'waits for handler',
  'may sleep in': 'may sleep in',
  'sleeps while atomic': 'sleeps while atomic in',
};

export function witnessText(w: WitnessStep): string {
  const what = w.lock ?? w.handler ?? (w.api ? `${w.api}()` : '');
  const verb = VERB[w.action] ?? w.action;
  return `${verb}${what ? ' ' + what : ''}${w.action === 'interrupted by' || w.action === 'starts' ? '' : ` in ${w.fn}()`}`;
}

function cpuLabels(witness: readonly WitnessStep[]): ExplainResult['cpus'] {
  const seen = new Map<number, string>();
  for (const w of witness) {
    if (!seen.has(w.cpu)) seen.set(w.cpu, `CPU${w.cpu} ${w.fn} (${w.ctx})`);
  }
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([cpu, label]) => ({ cpu, label }));
}

/**
 * The cycle to draw. With a witness: each blocked CPU waits on a lock or
 * handler held or run by another, so nodes are the blocked-on resources and
 * edges go "held by CPU i, wanted by CPU j". Without one: the locks in order.
 */
export function cycleOf(f: Finding, files: FileMap): ExplainResult['cycle'] {
  const witness = f.witness ?? [];
  const blocked = witness.filter((w) => w.blocked);
  if (blocked.length >= 2) {
    // resource each blocked CPU holds (last acquire/interrupt before blocking), and wants
    const nodes: string[] = [];
    const edges: CycleEdge[] = [];
    const holds = new Map<number, string>();
    for (const b of blocked) {
      const wanted = b.lock ?? b.handler ?? '?';
      if (!nodes.includes(wanted)) nodes.push(wanted);
    }
    for (const b of blocked) {
      const wanted = b.lock ?? b.handler ?? '?';
      // what this CPU has that another CPU wants
      const mine = nodes.find((n) => n !== wanted && witness.some((w) => w.cpu === b.cpu && (w.lock === n || w.handler === n) && !w.blocked));
      if (mine) holds.set(b.cpu, mine);
    }
    for (const b of blocked) {
      const wanted = b.lock ?? b.handler ?? '?';
      const held = holds.get(b.cpu);
      if (held) edges.push({ from: held, to: wanted, label: `CPU${b.cpu} ${VERB[b.action] ?? b.action}`, loc: toLoc(b.site, files) });
    }
    if (edges.length >= 2) return { nodes, edges };
  }
  const nodes = [...f.locks];
  const edges: CycleEdge[] = [];
  if (nodes.length === 1) {
    const step = f.related[f.related.length - 1];
    edges.push({ from: nodes[0], to: nodes[0], label: f.rule, loc: step ? toLoc(step, files) : undefined });
  } else {
    for (let i = 0; i < nodes.length; i++) {
      const step = f.related[i];
      edges.push({ from: nodes[i], to: nodes[(i + 1) % nodes.length], label: 'held while taking', loc: step ? toLoc(step, files) : undefined });
    }
  }
  return { nodes, edges };
}

export type MarkdownRenderer = (f: Finding, link: (site: Site) => string) => string;

export function defaultMarkdown(f: Finding, link: (site: Site) => string): string {
  const out: string[] = [];
  out.push(`**lockscope: ${f.rule}** ${f.confirmed ? '[confirmed]' : '[unconfirmed]'} — ${mdEscape(f.message)}`, '');
  if (!f.confirmed && f.reason) out.push(`_Not confirmed by the simulator: ${mdEscape(f.reason)}_`, '');
  if (f.related.length) {
    out.push('**Path**', '');
    f.related.forEach((r, i) => out.push(`${i}. ${mdEscape(r.message)} — [${shortFile(r.file)}:${r.line}](${link(r)})`));
    out.push('');
  }
  const witness = f.witness ?? [];
  if (witness.length) {
    out.push(`**Witness (${new Set(witness.map((w) => w.cpu)).size} CPUs)**`, '');
    witness.forEach((w, i) =>
      out.push(`${i + 1}. CPU${w.cpu} [${w.ctx}] ${mdEscape(witnessText(w))}${w.blocked ? ' — **blocked**' : ''} — [${shortFile(w.site.file)}:${w.site.line}](${link(w.site)})`),
    );
    out.push('', sleptWhileAtomic(witness)
      ? '**SLEEPING IN ATOMIC CONTEXT**: the CPU above sleeps holding a spinning lock.'
      : '**DEADLOCK**: every CPU above waits on another.');
  }
  out.push('', `Silence: \`/* lockscope: ignore ${f.rule} -- <reason> */\` on the line above.`);
  return out.join('\n');
}

export function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]<>()#+!|~]/g, '\\$&');
}

export function toExplain(f: Finding, files: FileMap, markdown: MarkdownRenderer = defaultMarkdown): ExplainResult {
  const witness = f.witness ?? [];
  const link = (site: Site): string => {
    const loc = toLoc(site, files);
    return `${loc.uri}#L${loc.line + 1}`;
  };
  const rows: WitnessRow[] = witness.map((w, i) => ({
    step: i + 1,
    cpu: w.cpu,
    ctx: w.ctx,
    action: w.action,
    lock: w.lock,
    handler: w.handler,
    fn: w.fn,
    loc: toLoc(w.site, files),
    blocked: w.blocked,
    text: witnessText(w),
  }));
  return {
    findingId: f.id,
    rule: f.rule,
    severity: f.severity,
    confirmed: f.confirmed,
    reason: f.reason,
    message: f.message,
    locks: f.locks,
    functions: f.functions,
    location: toLoc(f.location, files),
    steps: f.related.map((r) => ({ loc: toLoc(r, files), message: r.message })),
    cpus: cpuLabels(witness),
    witness: rows,
    cycle: cycleOf(f, files),
    markdown: markdown(f, link),
  };
}

// ---------------------------------------------------------------------------
// Lock graph

export function toLockGraph(result: Pick<AnalysisResult, 'edges' | 'lockSites' | 'findings'>, files: FileMap, maxSitesPerEdge = 8): LockGraphResult {
  const key = (e: OrderEdge): string => `${e.from}\u0000${e.to}`;
  const byPair = new Map<string, OrderEdge[]>();
  for (const e of result.edges) {
    const k = key(e);
    const list = byPair.get(k);
    if (list) list.push(e);
    else byPair.set(k, [e]);
  }
  const nodeIds = new Set<string>();
  for (const e of result.edges) {
    nodeIds.add(e.from);
    nodeIds.add(e.to);
  }
  const contexts = new Map<string, Set<string>>();
  for (const s of result.lockSites) {
    const set = contexts.get(s.cls) ?? new Set<string>();
    for (const c of s.contexts) set.add(c.ctx);
    contexts.set(s.cls, set);
  }
  const cycles = findCycles([...byPair.keys()].map((k) => k.split('\u0000') as [string, string]));
  const inCycleEdge = new Set<string>();
  const inCycleNode = new Set<string>();
  for (const c of cycles) {
    for (let i = 0; i < c.length; i++) {
      inCycleNode.add(c[i]);
      inCycleEdge.add(`${c[i]}\u0000${c[(i + 1) % c.length]}`);
    }
  }
  return {
    nodes: [...nodeIds].sort().map((id) => ({ id, inCycle: inCycleNode.has(id), contexts: [...(contexts.get(id) ?? [])].sort() })),
    edges: [...byPair.entries()].map(([k, list]) => ({
      from: list[0].from,
      to: list[0].to,
      inCycle: inCycleEdge.has(k) || list.some((e) => e.inCycle === true),
      sites: list.slice(0, maxSitesPerEdge).map((e) => ({ fn: e.fn, loc: toLoc(e.site, files) })),
    })),
    cycles,
  };
}

/** Elementary cycles via strongly connected components; one shortest cycle per SCC edge set. */
export function findCycles(edges: Array<[string, string]>): string[][] {
  const adj = new Map<string, string[]>();
  for (const [a, b] of edges) {
    if (!adj.has(a)) adj.set(a, []);
    if (!adj.has(b)) adj.set(b, []);
    adj.get(a)!.push(b);
  }
  // Tarjan
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const comps: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v)!) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      comps.push(comp);
    }
  };
  for (const v of [...adj.keys()].sort()) if (!idx.has(v)) strong(v);
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const comp of comps) {
    const inComp = new Set(comp);
    if (comp.length === 1 && !adj.get(comp[0])!.includes(comp[0])) continue;
    // for every edge inside the component, the shortest cycle through it (BFS back to its tail)
    for (const a of comp.sort()) {
      for (const b of adj.get(a)!) {
        if (!inComp.has(b)) continue;
        const path = bfs(b, a, adj, inComp);
        if (!path) continue;
        const cyc = [a, ...path.slice(0, -1)];
        const canon = canonical(cyc);
        if (!seen.has(canon)) {
          seen.add(canon);
          cycles.push(cyc);
        }
      }
    }
  }
  return cycles;
}

function bfs(from: string, to: string, adj: Map<string, string[]>, within: Set<string>): string[] | undefined {
  const prev = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const v = queue.shift()!;
    if (v === to) {
      const path: string[] = [];
      for (let c: string | null = v; c !== null; c = prev.get(c)!) path.unshift(c);
      return path;
    }
    for (const w of adj.get(v)!) {
      if (within.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return undefined;
}

function canonical(cycle: string[]): string {
  let best = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i] < cycle[best]) best = i;
  return [...cycle.slice(best), ...cycle.slice(0, best)].join('\u0000');
}
