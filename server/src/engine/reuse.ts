// The language server's edits change a few function bodies at a time. Linking,
// call resolution and entry finding read little of a body (graph/link.ts
// linkView); when an edit leaves that as it was, the program, the call graph's
// components and the entry model of the analysis before still stand. That
// holds because every function keeps its object across re-extraction
// (extract.adoptPrevious): whatever those stages keep per function stays keyed
// right. Summaries are memoized apart (SummaryMemo); this file carries the rest.
import type { FileFacts, FunctionIR } from '../extract/ir';
import { adoptPrevious } from '../extract/extract';
import { fileLinkView, linkView, type Program } from '../graph/link';
import type { EntryModel, EntryPoint } from '../graph/entries';
import type { CallGraph } from '../summarize/summarize';

/** The stages of the analysis before. */
export interface CarriedStages {
  program: Program;
  graph: CallGraph;
  model: EntryModel;
}

/** An entry as findEntries made it, before inheritExitState added what the function before it leaves held. */
type Pristine = Pick<EntryPoint, 'held' | 'irqOff' | 'bhOff' | 'why'> & { entry: EntryPoint };

export class StageCarry {
  private last?: { facts: readonly FileFacts[]; program: Program; graph: CallGraph; model: EntryModel; pristine: Pristine[] };
  /** Facts re-extracted since, each with the facts of the last analysis it stands for. */
  private replaced = new Map<FileFacts, FileFacts>();
  private broken = false;

  /**
   * A file re-extracted after an edit; `previous`, its facts before. Its
   * functions take over their previous objects. Returns those changed in place
   * (the caller forgets what is memoized for them).
   */
  edited(facts: FileFacts, previous: FileFacts | undefined): FunctionIR[] {
    const adopted = previous && adoptPrevious(facts, previous);
    if (!previous || !adopted) {
      this.broken = true;
      return [];
    }
    const program = this.last?.program;
    const known = { has: (name: string) => program?.defines(name) === true };
    if (!program || fileLinkView(facts) !== fileLinkView(previous) || adopted.some((a) => linkView(a.fn, known) !== linkView(a.was, known))) {
      this.broken = true;
    }
    this.replaced.set(facts, this.replaced.get(previous) ?? previous);
    this.replaced.delete(previous);
    return adopted.map((a) => a.fn);
  }

  /** Anything else changed (a file added, removed or read again, the configuration, a header's macros): all is redone. */
  invalidate(): void {
    this.broken = true;
  }

  /** The stages before, when they still hold for these facts. Takes the edits noted since. */
  take(facts: readonly FileFacts[]): CarriedStages | undefined {
    const last = this.last;
    const holds = last !== undefined && !this.broken && facts.length === last.facts.length
      && facts.every((f, i) => f === last.facts[i] || this.replaced.get(f) === last.facts[i]);
    this.replaced = new Map();
    this.broken = false;
    if (!holds) {
      this.last = undefined;
      return undefined;
    }
    for (const p of last.pristine) Object.assign(p.entry, { held: p.held, irqOff: p.irqOff, bhOff: p.bhOff, why: p.why });
    return { program: last.program, graph: last.graph, model: last.model };
  }

  /** What this analysis made, for the next one (before inheritExitState changes the entries). */
  keep(facts: readonly FileFacts[], program: Program, graph: CallGraph, model: EntryModel): void {
    const pristine = model.entries.filter((e) => e.after).map((e) => ({ entry: e, held: e.held, irqOff: e.irqOff, bhOff: e.bhOff, why: e.why }));
    this.last = { facts, program, graph, model, pristine };
  }
}
