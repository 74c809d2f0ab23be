// "Explain lock path": the finding in lockdep's order — banner, the chain of
// links, the CPU-by-CPU scenario from the simulator's witness, why nobody can
// proceed, and the usual ways out for the rule. One text feeds the CLI
// (`lockscope explain`) and, as markdown, the editor.
import * as path from 'node:path';
import type { Site } from '../extract/ir';
import type { WitnessStep } from '../simulate/types';
import type { Finding, RuleId } from './finding';
import { renderScenario, renderScenarioMarkdown, sleptWhileAtomic } from './scenario';

const WAYS_OUT: Record<RuleId, string[]> = {
  'wait-under-lock': [
    'move the wait (disable_irq, synchronize_irq, del_timer_sync, cancel_work_sync, flush_work ...) out of the critical section: release the lock first, or wait before taking it;',
    'use the non-waiting twin (disable_irq_nosync, del_timer, cancel_work) when the caller does not need the handler finished;',
    'make the handler not take the lock (protect its data by the wait itself, as the evtchn fix did).',
  ],
  'lock-order-inversion': [
    'take the locks in one order everywhere, and document it next to their declarations;',
    'drop the first lock before taking the second where the critical sections need not overlap;',
    'if one path provably runs alone (init, teardown), mark it `/* lockscope: init-only */` so that it is not run beside the rest.',
  ],
  'irq-inversion': [
    'take the lock with interrupts (or bottom halves) disabled outside the handler: spin_lock_irqsave / spin_lock_bh;',
    'or keep the handler from taking it (defer the work to a threaded handler, a workqueue or a tasklet);',
    'for irq-safe -> irq-unsafe orders: make the inner lock irq-safe too, or stop nesting it under the irq-safe one.',
  ],
  'sleep-in-atomic': [
    'move the sleeping call (mutex_lock, cancel_work_sync, flush_work, free_irq, kthread_stop ...) after the unlock, or before the lock;',
    'use the non-sleeping twin where one exists (cancel_work, disable_irq_nosync, mutex_trylock) when the caller need not wait;',
    'or protect the data with a sleeping lock (a mutex) instead of the spinlock, if no interrupt or softirq path takes it.',
  ],
  'recursive-lock': [
    'do not take the lock again: split the callee into a locked and an unlocked (__foo) variant;',
    'if two different objects of the same class are nested, annotate the inner one with spin_lock_nested / mutex_lock_nested.',
  ],
};

const CAUSE: Record<RuleId, string> = {
  'wait-under-lock': 'waiting for a context that needs a lock you hold',
  'lock-order-inversion': 'two paths take the same locks in opposite orders',
  'irq-inversion': 'a lock taken in interrupt context is also held where that interrupt can arrive',
  'recursive-lock': 'a CPU takes a non-recursive lock it already holds',
  'sleep-in-atomic': 'a task may sleep where it must not (a spinning lock held, or interrupts off): the kernel says "BUG: sleeping function called from invalid context", and a task that sleeps holding a spinlock can leave another CPU spinning on it for good',
};

function short(site: Site, relativeTo?: string): string {
  return `${relativeTo ? path.relative(relativeTo, site.file) || site.file : site.file}:${site.line}`;
}

/** Why nobody can proceed, from the blocked steps of the witness. */
export function account(f: Finding): string {
  const w = f.witness;
  if (!w || w.length === 0) {
    return `The simulator did not confirm this: ${f.reason ?? 'no witness'}.`;
  }
  const blocked = w.filter((s) => s.blocked);
  const parts = blocked.map((s) => {
    const who = `CPU${s.cpu} (${s.fn}, ${s.ctx})`;
    switch (s.action) {
      case 'spins on': return `${who} spins on ${s.lock}`;
      case 'sleeps on': return `${who} sleeps on ${s.lock}`;
      case 'waits for handler': return `${who} waits for handler ${s.handler} to finish`;
      case 'sleeps while atomic': return `${who} sleeps in ${s.api}()`;
      default: return `${who} ${s.action} ${s.lock ?? s.handler ?? ''}`.trim();
    }
  });
  const holders = new Map<string, WitnessStep>();
  for (const s of w) if (s.action === 'acquires' && s.lock) holders.set(s.lock, s);
  const held = blocked
    .filter((s) => s.lock && holders.has(s.lock))
    .map((s) => {
      const h = holders.get(s.lock!)!;
      return `${s.lock} is held by CPU${h.cpu} (${h.fn})`;
    });
  const cpuCount = new Set(w.map((s) => s.cpu)).size;
  if (sleptWhileAtomic(w)) {
    // One path is enough: what the sleeping CPU holds at that point.
    const holding = new Set<string>();
    for (const s of w) {
      if (s.cpu !== blocked[0].cpu || !s.lock) continue;
      if (s.action === 'acquires') holding.add(s.lock);
      else if (s.action === 'releases') holding.delete(s.lock);
    }
    const what = holding.size > 0 ? `while holding ${[...holding].join(' and ')}` : 'with interrupts or preemption off';
    return `${parts.join('; ')}, ${what}. No other CPU is needed: ${CAUSE[f.rule]}.`;
  }
  const stuck = cpuCount === 1
    ? 'The CPU waits on itself, so it can never proceed'
    : `Every CPU involved waits on another, so none of the ${cpuCount} can proceed`;
  return `${parts.join('; ')}. ${held.length > 0 ? `${[...new Set(held)].join(', and ')}. ` : ''}${stuck}: ${CAUSE[f.rule]}.`;
}

export function explainText(f: Finding, relativeTo?: string): string {
  const lines: string[] = [];
  lines.push(`lockscope: ${f.rule} [${f.confirmed ? 'confirmed' : 'unconfirmed'}] ${short(f.location, relativeTo)}`);
  lines.push(`  ${f.message}`);
  lines.push('');
  f.related.forEach((r, i) => {
    lines.push(`  #${i} ${short(r, relativeTo).padEnd(28)} ${r.message.trim()}`);
  });
  lines.push('');
  if (f.witness) {
    lines.push(`Witness (${new Set(f.witness.map((s) => s.cpu)).size} CPU(s)):`);
    lines.push(renderScenario(f.witness, { relativeTo }).replace(/^/gm, '  '));
    lines.push('');
  }
  lines.push(account(f));
  lines.push('');
  lines.push(`Cause: ${CAUSE[f.rule]}.`);
  lines.push('Ways out:');
  for (const w of WAYS_OUT[f.rule]) lines.push(`  - ${w}`);
  lines.push(`Silence (if you judge it safe): /* lockscope: ignore ${f.rule} -- <why it cannot happen> */ on the line above ${short(f.location, relativeTo)}`);
  return `${lines.join('\n')}\n`;
}

export function explainMarkdown(f: Finding, linkFor: (site: Site) => string): string {
  const link = (s: Site): string => `[${path.basename(s.file)}:${s.line}](${linkFor(s)})`;
  const out: string[] = [];
  out.push(`### ${f.rule} ${f.confirmed ? '(confirmed)' : '(unconfirmed)'}`);
  out.push('');
  out.push(escapeMd(f.message));
  out.push('');
  f.related.forEach((r, i) => out.push(`${i + 1}. ${link(r)} ${escapeMd(r.message.trim())}`));
  out.push('');
  if (f.witness) {
    out.push(renderScenarioMarkdown(f.witness, linkFor));
    out.push('');
  }
  out.push(escapeMd(account(f)));
  out.push('');
  out.push('**Ways out**');
  out.push('');
  for (const w of WAYS_OUT[f.rule]) out.push(`- ${w}`);
  return `${out.join('\n')}\n`;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}
