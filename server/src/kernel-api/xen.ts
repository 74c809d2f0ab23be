// The Xen hypervisor's spellings. Xen's spin_lock_irqsave is a macro that
// assigns flags; its recursive spinlocks may be re-taken by the owning CPU.
import type { ApiRow, OpsRow } from './types';

const X = 'xen' as const;

export const XEN_API: readonly ApiRow[] = [
  { fn: '_spin_lock', op: 'acquire', lock: 0, mode: 'spin', project: X },
  { fn: '_spin_lock_irq', op: 'acquire', lock: 0, mode: 'spin', irq: 'off', project: X },
  { fn: '_spin_lock_irqsave', op: 'acquire', lock: 0, mode: 'spin', irq: 'save', project: X },
  { fn: '_spin_unlock', op: 'release', lock: 0, mode: 'spin', project: X },
  { fn: '_spin_unlock_irq', op: 'release', lock: 0, mode: 'spin', irq: 'on', project: X },
  { fn: '_spin_unlock_irqrestore', op: 'release', lock: 0, mode: 'spin', irq: 'restore', project: X },
  { fn: 'spin_lock_recursive', op: 'acquire', lock: 0, mode: 'recursive', project: X },
  { fn: 'spin_unlock_recursive', op: 'release', lock: 0, mode: 'recursive', project: X },
  { fn: 'rspin_lock', op: 'acquire', lock: 0, mode: 'recursive', project: X },
  { fn: 'rspin_unlock', op: 'release', lock: 0, mode: 'recursive', project: X },
  { fn: 'spin_trylock_recursive', op: 'acquire', lock: 0, mode: 'recursive', try: true, ok: 'nonzero', project: X },
  { fn: 'percpu_read_lock', op: 'acquire', lock: 1, mode: 'read', project: X },
  { fn: 'percpu_read_unlock', op: 'release', lock: 1, mode: 'read', project: X },
  { fn: 'percpu_write_lock', op: 'acquire', lock: 1, mode: 'write', project: X },
  { fn: 'percpu_write_unlock', op: 'release', lock: 1, mode: 'write', project: X },
  // Xen timers run from the timer softirq; kill_timer waits for a running handler.
  { fn: 'init_timer', op: 'register', what: 'timer', ctx: 'softirq', handlerArg: 1, key: 0, project: X },
  { fn: 'kill_timer', op: 'wait', what: 'timer', key: 0, project: X },
  { fn: 'softirq_tasklet_init', op: 'register', what: 'tasklet', ctx: 'softirq', handlerArg: 1, key: 0, project: X },
];

export const XEN_OPS: readonly OpsRow[] = [];
