// The witness as a lockdep-style scenario: one column per CPU, one numbered
// row per step, `<irq handler>` rows where a handler starts, and a last line
// saying who waits on whom. Plain text for the CLI and hover, a markdown table
// (each step a link to its source) for "Explain lock path".
import * as path from 'node:path';
import type { Site } from '../extract/ir';
import type { WitnessStep } from '../simulate/types';

export interface ScenarioOptions {
  /** Print file names relative to this directory. */
  relativeTo?: string;
}

const COLUMN_GAP = '    ';

export function renderScenario(witness: readonly WitnessStep[], opts: ScenarioOptions = {}): string {
  const cpus = cpuCount(witness);
  const number = (i: number) => String(i + 1);
  const rows: string[][] = [
    ['', ...headers(witness, cpus)],
    ['', ...Array<string>(cpus).fill('----')],
    ...witness.map((step, i) => {
      const row = [number(i), ...Array<string>(cpus).fill('')];
      const where = startsHandler(step) ? '' : `  ${location(step.site, opts)}`;
      row[step.cpu + 1] = describe(step) + where;
      return row;
    }),
  ];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const lines = rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col])).join(COLUMN_GAP).trimEnd());
  return [...lines, `*** ${banner(witness)} ***`, whoWaitsOnWhom(witness)].join('\n');
}

/** A markdown table, one column per CPU; each step's location links through `linkFor`. */
export function renderScenarioMarkdown(
  witness: readonly WitnessStep[],
  linkFor: (site: Site) => string,
  opts: ScenarioOptions = {},
): string {
  const cpus = cpuCount(witness);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    row(['#', ...headers(witness, cpus).map(escapeCell)]),
    row(['---:', ...Array<string>(cpus).fill('---')]),
    ...witness.map((step, i) => {
      const cells = Array<string>(cpus + 1).fill('');
      cells[0] = String(i + 1);
      const link = startsHandler(step) ? '' : ` [${location(step.site, opts)}](${linkFor(step.site)})`;
      cells[step.cpu + 1] = escapeCell(describe(step)) + link;
      return row(cells);
    }),
  ];
  return [...lines, '', `**${banner(witness)}**: ${escapeCell(whoWaitsOnWhom(witness))}`].join('\n');
}

function cpuCount(witness: readonly WitnessStep[]): number {
  return Math.max(0, ...witness.map((s) => s.cpu + 1), ...witness.flatMap((s) => (s.waitsOn ?? []).map((c) => c + 1)));
}

/**
 * `CPU0 evtchn_unbind (process)`: the CPU and the context that owns it, when
 * the witness shows that context (a CPU that only takes interrupts is `CPU1`).
 * Handler contexts are recognised by the step that started them; a step of
 * any other entry is the CPU's own thread.
 */
function headers(witness: readonly WitnessStep[], cpus: number): string[] {
  const owner: Array<string | undefined> = Array(cpus).fill(undefined);
  const handlers: string[][] = Array.from({ length: cpus }, () => []);
  for (const step of witness) {
    const running = handlers[step.cpu];
    if (startsHandler(step)) {
      running.push(step.entry ?? step.fn);
      continue;
    }
    const entry = step.entry ?? step.fn;
    const depth = running.lastIndexOf(entry);
    running.length = Math.max(depth + 1, 0); // handlers above it have returned
    if (depth < 0) owner[step.cpu] ??= `${entry} (${step.ctx})`;
  }
  return owner.map((o, cpu) => (o ? `CPU${cpu} ${o}` : `CPU${cpu}`));
}

/** The witness ends with CPUs stuck only because they slept while atomic (no other CPU involved). */
export function sleptWhileAtomic(witness: readonly WitnessStep[]): boolean {
  const blocked = witness.filter((s) => s.blocked);
  return blocked.length > 0 && blocked.every((s) => s.action === 'sleeps while atomic');
}

/** lockdep's banner for the end state: a deadlock, or (one CPU sleeping while atomic) the might_sleep() splat. */
function banner(witness: readonly WitnessStep[]): string {
  return sleptWhileAtomic(witness) ? 'SLEEPING IN ATOMIC CONTEXT' : 'DEADLOCK';
}

function startsHandler(step: WitnessStep): boolean {
  return step.action === 'interrupted by' || step.action === 'starts';
}

const IRQ_NOTES: Record<string, string> = {
  off: 'irqs off',
  on: 'irqs on',
  save: 'irqsave',
  restore: 'irqrestore',
  'bh-off': 'bh off',
  'bh-on': 'bh on',
};

/** One step in words: `acquires port_user_lock (irqs off)`, `<irq evtchn_interrupt>`, ... */
function describe(step: WitnessStep): string {
  if (startsHandler(step)) return `<${handlerKind(step)} ${step.entry ?? step.fn}>`;
  const where = step.entry && step.fn !== step.entry ? ` in ${step.fn}()` : '';
  switch (step.action) {
    case 'waits for handler':
      return `waits for handler ${step.handler}${step.api ? ` (${step.api})` : ''}${where}`;
    case 'may sleep in':
    case 'sleeps while atomic':
      return `sleeps in ${step.api}()${where}`;
    case 'disables interrupts':
    case 'enables interrupts':
      return `${step.irq === 'save' ? 'saves and disables interrupts' : step.irq === 'restore' ? 'restores interrupts' : step.action}${where}`;
    case 'disables bottom halves':
    case 'enables bottom halves':
      return `${step.action}${where}`;
    default: {
      const note = step.irq ? ` (${IRQ_NOTES[step.irq]})` : '';
      return `${step.action} ${step.lock}${note}${where}`;
    }
  }
}

function handlerKind(step: WitnessStep): string {
  if (step.what) return step.what;
  return step.ctx === 'hardirq' ? 'irq' : step.ctx === 'softirq' ? 'softirq' : 'work';
}

/** `CPU0 waits for irq:x to finish on CPU1; CPU1 spins on L held by CPU0`. */
function whoWaitsOnWhom(witness: readonly WitnessStep[]): string {
  return witness
    .filter((s) => s.blocked)
    .map((s) => {
      const others = (s.waitsOn ?? []).map((c) => (c === s.cpu ? `CPU${c} itself` : `CPU${c}`)).join(' and ');
      if (s.action === 'waits for handler') return `CPU${s.cpu} waits for ${s.handler} to finish${others ? ` on ${others}` : ''}`;
      if (s.action === 'sleeps while atomic') return `CPU${s.cpu} sleeps in ${s.api}() while atomic`;
      return `CPU${s.cpu} ${s.action} ${s.lock}${others ? ` held by ${others}` : ''}`;
    })
    .join('; ');
}

function location(site: Site, opts: ScenarioOptions): string {
  const file = opts.relativeTo ? path.relative(opts.relativeTo, path.resolve(opts.relativeTo, site.file)) : site.file;
  return `${file.split(path.sep).join('/')}:${site.line}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
