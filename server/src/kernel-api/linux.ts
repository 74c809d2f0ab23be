// Linux's locking, waiting and registration primitives. Families are spelled
// out by small builders so that each variant (irq, irqsave, bh, nested, try)
// is one row with its own effect, as lockdep distinguishes them.
import type { ApiRow, LockMode, OpsRow, WaitableFieldRow } from './types';

const P = 'linux' as const;

/** The spin_lock-shaped family for one prefix: spin_, raw_spin_, read_, write_. */
function spinFamily(prefix: string, mode: LockMode): ApiRow[] {
  const lock = `${prefix}lock`;
  const unlock = `${prefix}unlock`;
  return [
    { fn: lock, op: 'acquire', lock: 0, mode, project: P },
    { fn: `${lock}_nested`, op: 'acquire', lock: 0, mode, subclassArg: 1, project: P },
    { fn: `${lock}_nest_lock`, op: 'acquire', lock: 0, mode, project: P },
    { fn: `${lock}_irq`, op: 'acquire', lock: 0, mode, irq: 'off', project: P },
    { fn: `${lock}_irqsave`, op: 'acquire', lock: 0, mode, irq: 'save', project: P },
    { fn: `${lock}_irqsave_nested`, op: 'acquire', lock: 0, mode, irq: 'save', subclassArg: 2, project: P },
    { fn: `${lock}_bh`, op: 'acquire', lock: 0, mode, irq: 'bh-off', project: P },
    { fn: `${prefix}trylock`, op: 'acquire', lock: 0, mode, try: true, ok: 'nonzero', project: P },
    { fn: `${prefix}trylock_irq`, op: 'acquire', lock: 0, mode, irq: 'off', try: true, ok: 'nonzero', project: P },
    { fn: `${prefix}trylock_irqsave`, op: 'acquire', lock: 0, mode, irq: 'save', try: true, ok: 'nonzero', project: P },
    { fn: `${prefix}trylock_bh`, op: 'acquire', lock: 0, mode, irq: 'bh-off', try: true, ok: 'nonzero', project: P },
    { fn: unlock, op: 'release', lock: 0, mode, project: P },
    { fn: `${unlock}_irq`, op: 'release', lock: 0, mode, irq: 'on', project: P },
    { fn: `${unlock}_irqrestore`, op: 'release', lock: 0, mode, irq: 'restore', project: P },
    { fn: `${unlock}_bh`, op: 'release', lock: 0, mode, irq: 'bh-on', project: P },
  ];
}

/** A sleeping lock: its lock calls (with optional success semantics) and unlock calls. */
function sleepingFamily(
  mode: LockMode,
  locks: Array<[fn: string, extra?: { ok?: 'zero' | 'nonzero'; try?: boolean; subclassArg?: number }]>,
  unlocks: string[],
): ApiRow[] {
  return [
    ...locks.map(([fn, extra]): ApiRow => ({ fn, op: 'acquire', lock: 0, mode, project: P, ...extra })),
    ...unlocks.map((fn): ApiRow => ({ fn, op: 'release', lock: 0, mode, project: P })),
  ];
}

const locks: ApiRow[] = [
  ...spinFamily('spin_', 'spin'),
  ...spinFamily('raw_spin_', 'spin'),
  ...spinFamily('read_', 'read'),
  ...spinFamily('write_', 'write'),
  { fn: '_raw_spin_lock', op: 'acquire', lock: 0, mode: 'spin', project: P },
  { fn: '_raw_spin_unlock', op: 'release', lock: 0, mode: 'spin', project: P },
  ...sleepingFamily('mutex', [
    ['mutex_lock'], ['mutex_lock_io'],
    ['mutex_lock_nested', { subclassArg: 1 }],
    ['mutex_lock_interruptible', { ok: 'zero' }], ['mutex_lock_killable', { ok: 'zero' }],
    ['mutex_lock_interruptible_nested', { ok: 'zero', subclassArg: 1 }],
    ['mutex_lock_killable_nested', { ok: 'zero', subclassArg: 1 }],
    ['mutex_trylock', { try: true, ok: 'nonzero' }],
  ], ['mutex_unlock']),
  ...sleepingFamily('rwsem-read', [
    ['down_read'], ['down_read_nested', { subclassArg: 1 }],
    ['down_read_interruptible', { ok: 'zero' }], ['down_read_killable', { ok: 'zero' }],
    ['down_read_trylock', { try: true, ok: 'nonzero' }],
  ], ['up_read']),
  ...sleepingFamily('rwsem-write', [
    ['down_write'], ['down_write_nested', { subclassArg: 1 }], ['down_write_killable', { ok: 'zero' }],
    ['down_write_trylock', { try: true, ok: 'nonzero' }],
  ], ['up_write']),
  ...sleepingFamily('sem', [
    ['down'], ['down_interruptible', { ok: 'zero' }], ['down_killable', { ok: 'zero' }],
    ['down_timeout', { ok: 'zero' }], ['down_trylock', { try: true, ok: 'zero' }],
  ], ['up']),
  // A downgrade keeps the rwsem held, now shared; modelled as release + read acquire by extract.
  { fn: 'downgrade_write', op: 'release', lock: 0, mode: 'rwsem-write', project: P,
    doc: 'keeps a read hold; extract adds the read acquire' },
];

const irqs: ApiRow[] = [
  { fn: 'local_irq_disable', op: 'irq', effect: 'off', project: P },
  { fn: 'local_irq_enable', op: 'irq', effect: 'on', project: P },
  { fn: 'local_irq_save', op: 'irq', effect: 'save', project: P },
  { fn: 'local_irq_restore', op: 'irq', effect: 'restore', project: P },
  { fn: 'local_bh_disable', op: 'irq', effect: 'bh-off', project: P },
  { fn: 'local_bh_enable', op: 'irq', effect: 'bh-on', project: P },
  { fn: 'rcu_read_lock_bh', op: 'irq', effect: 'bh-off', project: P },
  { fn: 'rcu_read_unlock_bh', op: 'irq', effect: 'bh-on', project: P },
];

const waits: ApiRow[] = [
  { fn: 'disable_irq', op: 'wait', what: 'irq', key: 0, sleeps: true, switches: { what: 'irq', key: 0, off: true }, project: P },
  { fn: 'synchronize_irq', op: 'wait', what: 'irq', key: 0, sleeps: true, project: P },
  { fn: 'free_irq', op: 'wait', what: 'irq', key: 0, sleeps: true, project: P },
  { fn: 'pci_free_irq', op: 'wait', what: 'irq', key: 1, sleeps: true, project: P },
  { fn: 'devm_free_irq', op: 'wait', what: 'irq', key: 1, sleeps: true, project: P },
  { fn: 'unbind_from_irqhandler', op: 'wait', what: 'irq', key: 0, sleeps: true, project: P },
  { fn: 'del_timer_sync', op: 'wait', what: 'timer', key: 0, project: P },
  { fn: 'timer_delete_sync', op: 'wait', what: 'timer', key: 0, project: P },
  { fn: 'timer_shutdown_sync', op: 'wait', what: 'timer', key: 0, project: P },
  { fn: 'del_singleshot_timer_sync', op: 'wait', what: 'timer', key: 0, project: P },
  { fn: 'hrtimer_cancel', op: 'wait', what: 'hrtimer', key: 0, project: P },
  { fn: 'cancel_work_sync', op: 'wait', what: 'work', key: 0, sleeps: true, project: P },
  { fn: 'cancel_delayed_work_sync', op: 'wait', what: 'work', key: 0, sleeps: true, project: P },
  { fn: 'flush_work', op: 'wait', what: 'work', key: 0, sleeps: true, project: P },
  { fn: 'flush_delayed_work', op: 'wait', what: 'work', key: 0, sleeps: true, project: P },
  { fn: 'flush_workqueue', op: 'wait', what: 'workqueue', key: 0, sleeps: true, project: P },
  { fn: 'drain_workqueue', op: 'wait', what: 'workqueue', key: 0, sleeps: true, project: P },
  { fn: 'destroy_workqueue', op: 'wait', what: 'workqueue', key: 0, sleeps: true, project: P },
  { fn: 'tasklet_kill', op: 'wait', what: 'tasklet', key: 0, sleeps: true, project: P },
  { fn: 'tasklet_disable', op: 'wait', what: 'tasklet', key: 0, sleeps: true, switches: { what: 'tasklet', key: 0, off: true }, project: P },
  { fn: 'kthread_stop', op: 'wait', what: 'kthread', key: 0, sleeps: true, project: P },
  { fn: 'kthread_stop_put', op: 'wait', what: 'kthread', key: 0, sleeps: true, project: P },
  // napi_disable() waits until the poll function is not running; usb_kill_urb() until the completion returned.
  { fn: 'napi_disable', op: 'wait', what: 'napi', key: 0, sleeps: true, switches: { what: 'napi', key: 0, off: true }, project: P },
  { fn: 'napi_synchronize', op: 'wait', what: 'napi', key: 0, sleeps: true, project: P },
  { fn: 'usb_kill_urb', op: 'wait', what: 'urb', key: 0, sleeps: true, project: P },
  { fn: 'usb_poison_urb', op: 'wait', what: 'urb', key: 0, sleeps: true, project: P },
];

// The matching calls of the disables above (HandlerSwitch): the handlers of that key may run again.
// (enable_irq() and disable_irq_nosync() are rows of linux-subsystems.ts, for the irq_desc lock they take.)
const switches: ApiRow[] = [
  { fn: 'napi_enable', op: 'switch', switches: { what: 'napi', key: 0, off: false }, project: P },
  { fn: 'tasklet_enable', op: 'switch', switches: { what: 'tasklet', key: 0, off: false }, project: P },
  { fn: 'tasklet_disable_nosync', op: 'switch', switches: { what: 'tasklet', key: 0, off: true }, project: P },
];

const registrations: ApiRow[] = [
  { fn: 'request_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  { fn: 'request_threaded_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 0,
    threadArg: 2, threadCtx: 'process', project: P },
  { fn: 'request_any_context_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  { fn: 'request_percpu_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  { fn: 'devm_request_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 1, project: P },
  { fn: 'devm_request_threaded_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 1,
    threadArg: 3, threadCtx: 'process', project: P },
  { fn: 'devm_request_any_context_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 1, project: P },
  // A PCI device's vector nr: request_threaded_irq(pci_irq_vector(dev, nr), handler, thread_fn, ...).
  { fn: 'pci_request_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 1,
    threadArg: 3, threadCtx: 'process', project: P },
  // A chained flow handler demultiplexes a parent interrupt (GPIO and pin controllers, interrupt combiners): the
  // parent's flow runs it in hardirq, with interrupts off. Not an irqaction: no synchronize_irq() waits for it.
  { fn: 'irq_set_chained_handler', op: 'register', what: 'chained', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  { fn: 'irq_set_chained_handler_and_data', op: 'register', what: 'chained', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  // s390 external interrupts (service signal, clock comparator, IUCV ...): do_ext_irq() runs the handler registered
  // for the interruption code in hardirq context (irq_enter_rcu, then the ext_int handler list).
  { fn: 'register_external_irq', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  // Xen event channels: the handler runs in hardirq context; the irq is the result.
  { fn: 'bind_evtchn_to_irqhandler', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 'ret', project: P },
  { fn: 'bind_evtchn_to_irqhandler_lateeoi', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 1, key: 'ret', project: P },
  { fn: 'bind_interdomain_evtchn_to_irqhandler', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 'ret', project: P },
  { fn: 'bind_interdomain_evtchn_to_irqhandler_lateeoi', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 'ret', project: P },
  { fn: 'bind_virq_to_irqhandler', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 'ret', project: P },
  { fn: 'bind_ipi_to_irqhandler', op: 'register', what: 'irq', ctx: 'hardirq', handlerArg: 2, key: 'ret', project: P },
  { fn: 'timer_setup', op: 'register', what: 'timer', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  { fn: 'setup_timer', op: 'register', what: 'timer', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  { fn: 'DEFINE_TIMER', op: 'register', what: 'timer', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  // The retransmit, delayed-ack and keepalive timers of a connection socket (TCP, DCCP): timer callbacks, in softirq.
  { fn: 'inet_csk_init_xmit_timers', op: 'register', what: 'timer', ctx: 'softirq', handlerArg: 1, moreHandlerArgs: [2, 3], key: 0, project: P },
  { fn: 'hrtimer_setup', op: 'register', what: 'hrtimer', ctx: 'hardirq', handlerArg: 1, key: 0, project: P },
  { fn: 'tasklet_init', op: 'register', what: 'tasklet', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  { fn: 'tasklet_setup', op: 'register', what: 'tasklet', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  { fn: 'DECLARE_TASKLET', op: 'register', what: 'tasklet', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  { fn: 'INIT_WORK', op: 'register', what: 'work', ctx: 'process', handlerArg: 1, key: 0, project: P },
  { fn: 'INIT_DELAYED_WORK', op: 'register', what: 'work', ctx: 'process', handlerArg: 1, key: 0, project: P },
  { fn: 'DECLARE_WORK', op: 'register', what: 'work', ctx: 'process', handlerArg: 1, key: 0, project: P },
  { fn: 'DECLARE_DELAYED_WORK', op: 'register', what: 'work', ctx: 'process', handlerArg: 1, key: 0, project: P },
  { fn: 'kthread_run', op: 'register', what: 'kthread', ctx: 'process', handlerArg: 0, key: 'ret', project: P },
  // NAPI poll runs from the NET_RX softirq; URB completions from the HCD's interrupt (or BH) path.
  { fn: 'netif_napi_add', op: 'register', what: 'napi', ctx: 'softirq', handlerArg: 2, key: 1, project: P },
  { fn: 'netif_napi_add_weight', op: 'register', what: 'napi', ctx: 'softirq', handlerArg: 2, key: 1, project: P },
  { fn: 'netif_napi_add_tx', op: 'register', what: 'napi', ctx: 'softirq', handlerArg: 2, key: 1, project: P },
  { fn: 'netif_napi_add_tx_weight', op: 'register', what: 'napi', ctx: 'softirq', handlerArg: 2, key: 1, project: P },
  { fn: 'usb_fill_bulk_urb', op: 'register', what: 'urb', ctx: 'hardirq', handlerArg: 5, key: 0, project: P },
  { fn: 'usb_fill_int_urb', op: 'register', what: 'urb', ctx: 'hardirq', handlerArg: 5, key: 0, project: P },
  { fn: 'usb_fill_control_urb', op: 'register', what: 'urb', ctx: 'hardirq', handlerArg: 6, key: 0, project: P },
  { fn: 'kthread_create', op: 'register', what: 'kthread', ctx: 'process', handlerArg: 0, key: 'ret', project: P },
  // Network receive hooks: a device's rx_handler runs from __netif_receive_skb_core() ("called with rcu_read_lock and
  // bottom-halves disabled"), an LLC SAP's receive function from llc_rcv(), a packet_type handler: the NET_RX softirq,
  // or process context with bottom halves off (netif_receive_skb from a BH-disabled section). Never BH-enabled.
  { fn: 'netdev_rx_handler_register', op: 'register', what: 'rx', ctx: 'softirq', handlerArg: 1, key: 0, project: P },
  { fn: 'llc_sap_open', op: 'register', what: 'rx', ctx: 'softirq', handlerArg: 1, key: 'ret', project: P },
  // An asynchronous crypto request's completion callback (`*_request_set_callback(req, flags, compl, data)`):
  // the provider completes the request from its tasklet or interrupt path, cryptd with bottom halves off;
  // the API documents it as called in softirq context. Never a process-context root with BHs on.
  { fn: 'aead_request_set_callback', op: 'register', what: 'crypto', ctx: 'softirq', handlerArg: 2, key: 0, project: P },
  { fn: 'skcipher_request_set_callback', op: 'register', what: 'crypto', ctx: 'softirq', handlerArg: 2, key: 0, project: P },
  { fn: 'ahash_request_set_callback', op: 'register', what: 'crypto', ctx: 'softirq', handlerArg: 2, key: 0, project: P },
  { fn: 'akcipher_request_set_callback', op: 'register', what: 'crypto', ctx: 'softirq', handlerArg: 2, key: 0, project: P },
  { fn: 'kpp_request_set_callback', op: 'register', what: 'crypto', ctx: 'softirq', handlerArg: 2, key: 0, project: P },
  { fn: 'acomp_request_set_callback', op: 'register', what: 'crypto', ctx: 'softirq', handlerArg: 2, key: 0, project: P },
];

/** `guard(name)` / `scoped_guard(name, ...)` class names -> the acquire they stand for. */
const guards: ApiRow[] = [
  ['spinlock', 'spin_lock'], ['spinlock_irq', 'spin_lock_irq'], ['spinlock_irqsave', 'spin_lock_irqsave'],
  ['spinlock_bh', 'spin_lock_bh'], ['raw_spinlock', 'raw_spin_lock'], ['raw_spinlock_irq', 'raw_spin_lock_irq'],
  ['raw_spinlock_irqsave', 'raw_spin_lock_irqsave'], ['read_lock', 'read_lock'], ['read_lock_irq', 'read_lock_irq'],
  ['read_lock_irqsave', 'read_lock_irqsave'], ['write_lock', 'write_lock'], ['write_lock_irq', 'write_lock_irq'],
  ['write_lock_irqsave', 'write_lock_irqsave'], ['mutex', 'mutex_lock'], ['rwsem_read', 'down_read'],
  ['rwsem_write', 'down_write'], ['irq', 'local_irq_disable'], ['irqsave', 'local_irq_save'],
  ['read_lock_bh', 'read_lock_bh'],
  ['write_lock_bh', 'write_lock_bh'], ['mutex_intr', 'mutex_lock_interruptible'],
  // Guard classes the core headers define over subsystem lock functions (the most used in drivers/, sound/, net/).
  ['wiphy', 'wiphy_lock'], ['device', 'device_lock'], ['srcu', 'srcu_read_lock'],
  ['pcm_stream_lock', 'snd_pcm_stream_lock'], ['pcm_stream_lock_irq', 'snd_pcm_stream_lock_irq'],
  ['pcm_stream_lock_irqsave', 'snd_pcm_stream_lock_irqsave'], ['cpus_read_lock', 'cpus_read_lock'], ['console_lock', 'console_lock'],
].map(([fn, acquire]): ApiRow => ({ fn, op: 'guard', acquire, project: P }));

export const LINUX_API: readonly ApiRow[] = [...locks, ...irqs, ...waits, ...switches, ...registrations, ...guards];

/** Ops callbacks whose calling context is a property of the primitive, not of a subsystem (the measured rows are in linux-subsystems.ts). */
export const LINUX_OPS: readonly OpsRow[] = [
  // netpoll_poll_dev() calls it with interrupts disabled (netconsole, kgdboe).
  { structType: 'net_device_ops', field: 'ndo_poll_controller', ctx: 'process', irqOff: true, caller: 'netpoll_poll_dev', project: P },
];

/** Callback fields that waits wait for, when bound by assignment rather than by a registration call. */
/**
 * Calls that set an hrtimer's mode, by the mode's argument index: a mode
 * ending in _SOFT (HRTIMER_MODE_REL_SOFT) runs the callback in softirq, not hardirq.
 */
export const LINUX_HRTIMER_MODE_CALLS: ReadonlyMap<string, number> = new Map([
  ['hrtimer_init', 2], ['hrtimer_start', 2], ['hrtimer_start_range_ns', 3], ['hrtimer_setup', 3],
]);

/**
 * Calls that queue a work: the workqueue's argument index ('system' for the
 * shared system queues) and the work's. With the ordered workqueue
 * allocators below, they tell which works run one at a time. `ordered`: the
 * queue is an ordered one the core keeps per object, and `wq` names that
 * object (mac80211's `ieee80211_queue_work(hw, w)` queues on the hw's
 * `local->workqueue`, an `alloc_ordered_workqueue` of net/mac80211/main.c).
 */
export const LINUX_QUEUE_WORK_CALLS: ReadonlyMap<string, { wq: number | 'system'; work: number; ordered?: true }> = new Map([
  ['queue_work', { wq: 0, work: 1 }], ['queue_work_on', { wq: 1, work: 2 }], ['queue_work_node', { wq: 1, work: 2 }],
  ['queue_delayed_work', { wq: 0, work: 1 }], ['queue_delayed_work_on', { wq: 1, work: 2 }],
  ['mod_delayed_work', { wq: 0, work: 1 }], ['mod_delayed_work_on', { wq: 1, work: 2 }], ['queue_rcu_work', { wq: 0, work: 1 }],
  ['schedule_work', { wq: 'system', work: 0 }], ['schedule_work_on', { wq: 'system', work: 1 }],
  ['schedule_delayed_work', { wq: 'system', work: 0 }], ['schedule_delayed_work_on', { wq: 'system', work: 1 }],
  ['ieee80211_queue_work', { wq: 0, work: 1, ordered: true }], ['ieee80211_queue_delayed_work', { wq: 0, work: 1, ordered: true }],
]);

/**
 * Function-pointer fields through which a core takes a lock it chose for each
 * object at init. regmap's `map->lock` is regmap_lock_mutex by default, a
 * spinlock with fast_io (every MMIO map) or use_raw_spinlock, nothing with
 * disable_locking: what is taken through it is not known to sleep, as the
 * regmap API rows say (`sleeps: false`) when regmap's core is not analysed.
 */
export const LINUX_PER_OBJECT_LOCK_FIELDS: ReadonlySet<string> = new Set(['regmap.lock']);

/** Calls returning an ordered workqueue: one work at a time, in queueing order (__WQ_ORDERED). */
export const LINUX_ORDERED_WQ_ALLOCATORS: ReadonlySet<string> = new Set([
  'alloc_ordered_workqueue', 'create_singlethread_workqueue',
]);

/**
 * Workqueues the freezer stops for a system-sleep transition (suspend,
 * hibernation): a work queued only on them never runs between the PM core's
 * freeze and thaw, so a system-sleep PM callback (OpsRow.systemSleep) that waits
 * for it waits for nothing running. The system's freezable queues by name; a
 * driver's own queue when an allocator's flags argument names WQ_FREEZABLE
 * (`alloc_workqueue("x", WQ_FREEZABLE | WQ_UNBOUND, 0)`), or the allocator always
 * makes one (`create_freezable_workqueue`).
 */
export const LINUX_FREEZABLE_WQS: ReadonlySet<string> = new Set(['system_freezable_wq', 'system_freezable_power_efficient_wq']);
export const LINUX_WQ_FREEZABLE_FLAG = 'WQ_FREEZABLE';
export const LINUX_WQ_ALLOCATORS: ReadonlyMap<string, { flags: number } | { freezable: true }> = new Map<string, { flags: number } | { freezable: true }>([
  ['alloc_workqueue', { flags: 1 }], ['alloc_ordered_workqueue', { flags: 1 }], ['create_freezable_workqueue', { freezable: true }],
]);

/**
 * pm.h's macros that fill a `struct dev_pm_ops` with system-sleep callbacks:
 * `define`, the first argument names the ops variable (`static
 * SIMPLE_DEV_PM_OPS(foo_pm, foo_suspend, foo_resume);`); otherwise the macro
 * stands inside an initializer (`{ SET_SYSTEM_SLEEP_PM_OPS(foo_suspend, foo_resume) }`).
 * `fields[i]`: the dev_pm_ops fields the i-th function argument fills. The
 * runtime-PM macros are left out: their callbacks run outside system sleep.
 */
const PM_SLEEP = [['suspend', 'freeze', 'poweroff'], ['resume', 'thaw', 'restore']];
const PM_LATE = [['suspend_late', 'freeze_late', 'poweroff_late'], ['resume_early', 'thaw_early', 'restore_early']];
const PM_NOIRQ = [['suspend_noirq', 'freeze_noirq', 'poweroff_noirq'], ['resume_noirq', 'thaw_noirq', 'restore_noirq']];
export const LINUX_PM_OPS_MACROS: ReadonlyMap<string, { define: boolean; fields: string[][] }> = new Map([
  ['SIMPLE_DEV_PM_OPS', { define: true, fields: PM_SLEEP }], ['DEFINE_SIMPLE_DEV_PM_OPS', { define: true, fields: PM_SLEEP }],
  ['SET_SYSTEM_SLEEP_PM_OPS', { define: false, fields: PM_SLEEP }], ['SYSTEM_SLEEP_PM_OPS', { define: false, fields: PM_SLEEP }],
  ['SET_LATE_SYSTEM_SLEEP_PM_OPS', { define: false, fields: PM_LATE }], ['LATE_SYSTEM_SLEEP_PM_OPS', { define: false, fields: PM_LATE }],
  ['SET_NOIRQ_SYSTEM_SLEEP_PM_OPS', { define: false, fields: PM_NOIRQ }], ['NOIRQ_SYSTEM_SLEEP_PM_OPS', { define: false, fields: PM_NOIRQ }],
]);

/**
 * pm.h's pointer guards: `pm_sleep_ptr(fn)` is `fn` when CONFIG_PM_SLEEP is set (NULL otherwise, and the
 * callback then is never called): `.resume = pm_sleep_ptr(foo_resume)` binds foo_resume.
 */
export const LINUX_PM_PTR_MACROS: ReadonlySet<string> = new Set(['pm_ptr', 'pm_sleep_ptr']);

export const LINUX_WAITABLE_FIELDS: readonly WaitableFieldRow[] = [
  { structType: 'timer_list', field: 'function', what: 'timer', ctx: 'softirq', project: P },
  { structType: 'hrtimer', field: 'function', what: 'hrtimer', ctx: 'hardirq', project: P },
  { structType: 'work_struct', field: 'func', what: 'work', ctx: 'process', project: P },
  { structType: 'tasklet_struct', field: 'func', what: 'tasklet', ctx: 'softirq', project: P },
  { structType: 'tasklet_struct', field: 'callback', what: 'tasklet', ctx: 'softirq', project: P },
  { structType: 'urb', field: 'complete', what: 'urb', ctx: 'hardirq', project: P },
  { structType: 'napi_struct', field: 'poll', what: 'napi', ctx: 'softirq', project: P },
];

/**
 * Core macros that define a function at file scope, with the body the core's
 * header gives them (`$1` is the macro's argument). Expanded where a driver
 * invokes them, so the defined function and what it holds around its callee
 * are seen: `DEF_SCSI_QCMD(foo)` is `foo()` calling `foo_lck()` under the
 * host lock with interrupts off.
 */
export const LINUX_FUNCTION_DEFINERS: Readonly<Record<string, string>> = {
  DEF_SCSI_QCMD: `int $1(struct Scsi_Host *shost, struct scsi_cmnd *cmd)
{
	unsigned long irq_flags;
	int rc;

	spin_lock_irqsave(shost->host_lock, irq_flags);
	rc = $1_lck(cmd);
	spin_unlock_irqrestore(shost->host_lock, irq_flags);
	return rc;
}`,
};

/**
 * Leaf helpers: functions and macros that take no lock that matters for lock
 * order and wait for no other context (printing, bit and endian helpers, MMIO
 * accessors, string and memory helpers, error-pointer helpers, list
 * manipulation, delays). Extraction records no call event for them: they were
 * most of all call events in drivers/ (measured over the Intel, Mellanox and
 * Broadcom drivers) and never contribute to a summary. A driver's own
 * definition of one of these names still counts (the file defines it).
 */
/**
 * Calls that give a lock its own lockdep key, by the key's argument index:
 * with a key inside the object (`lockdep_set_class(&srng->lock, &srng->lock_key)`,
 * `__mutex_init(&bus->bus_lock, name, &bus->bus_lock_key)`) every object is a
 * class of its own, as lockdep sees it.
 */
export const LINUX_LOCK_KEY_CALLS: ReadonlyMap<string, number> = new Map([
  ['lockdep_set_class', 1], ['lockdep_set_class_and_name', 1], ['lockdep_set_class_and_subclass', 1],
  ['__mutex_init', 2], ['__spin_lock_init', 2], ['__raw_spin_lock_init', 2], ['__rwlock_init', 2], ['__init_rwsem', 2],
]);

/**
 * Calls that take a lock out of lockdep's validation (lockdep_set_novalidate_class(&dev->mutex) in the driver
 * core's device_initialize(): device locks nest parent before child and across buses in ways one class cannot
 * order), by the lock's argument index. Like a class with a key per object, such a class is one class per
 * object: an order or a recursion through it needs the same object shown on both sides.
 */
export const LINUX_NOVALIDATE_CALLS: ReadonlyMap<string, number> = new Map([['lockdep_set_novalidate_class', 0]]);

/**
 * The classes the core itself takes out of validation, for analyses that do not read the core's file
 * (the language server, `--no-tree-summaries`): drivers/base/core.c device_initialize().
 */
export const LINUX_NOVALIDATE_CLASSES: readonly string[] = ['device.mutex'];

export const LINUX_LEAF_CALLS: readonly string[] = [
  // printing
  'printk', 'pr_err', 'pr_warn', 'pr_info', 'pr_debug', 'pr_notice', 'pr_crit', 'pr_alert', 'pr_emerg', 'pr_cont',
  'pr_err_ratelimited', 'pr_warn_ratelimited', 'pr_info_ratelimited', 'pr_warn_once', 'pr_err_once', 'pr_info_once',
  'dev_err', 'dev_warn', 'dev_info', 'dev_dbg', 'dev_notice', 'dev_crit', 'dev_alert', 'dev_emerg', 'dev_vdbg',
  'dev_err_ratelimited', 'dev_warn_ratelimited', 'dev_info_ratelimited', 'dev_dbg_ratelimited', 'dev_err_once',
  'dev_warn_once', 'dev_info_once', 'dev_err_probe', 'dev_printk',
  'netdev_err', 'netdev_warn', 'netdev_info', 'netdev_dbg', 'netdev_notice', 'netdev_crit', 'netif_err', 'netif_warn',
  'netif_info', 'netif_dbg', 'netif_notice', 'netdev_err_once', 'netdev_warn_once', 'net_ratelimit',
  'seq_printf', 'seq_puts', 'seq_putc', 'snprintf', 'scnprintf', 'sprintf', 'vsnprintf', 'sysfs_emit', 'sysfs_emit_at',
  'WARN', 'WARN_ON', 'WARN_ON_ONCE', 'WARN_ONCE', 'BUG', 'BUG_ON', 'BUILD_BUG_ON', 'NL_SET_ERR_MSG', 'NL_SET_ERR_MSG_MOD',
  'NL_SET_ERR_MSG_FMT_MOD', 'trace_printk', 'print_hex_dump', 'print_hex_dump_debug',
  // no way back: what panic() locks on the way down is no deadlock of the caller's
  'panic', 'nmi_panic', 'dump_stack', 'dump_stack_lvl',
  // compiler and arithmetic helpers
  'likely', 'unlikely', 'min', 'max', 'min_t', 'max_t', 'clamp', 'clamp_t', 'clamp_val', 'abs', 'DIV_ROUND_UP',
  'ALIGN', 'ARRAY_SIZE', 'BIT', 'BIT_ULL', 'GENMASK', 'GENMASK_ULL', 'FIELD_GET', 'FIELD_PREP', 'FIELD_FIT',
  'upper_32_bits', 'lower_32_bits', 'READ_ONCE', 'WRITE_ONCE', 'sizeof_field', 'offsetof', 'container_of',
  'roundup', 'rounddown', 'roundup_pow_of_two', 'is_power_of_2', 'ilog2', 'fls', 'ffs', '__ffs', 'hweight32', 'hweight64',
  // bit operations
  'test_bit', 'set_bit', 'clear_bit', '__set_bit', '__clear_bit', 'test_and_set_bit', 'test_and_clear_bit',
  'change_bit', 'bitmap_zero', 'bitmap_fill', 'bitmap_copy', 'find_first_bit', 'find_next_bit', 'find_first_zero_bit',
  // endianness
  'cpu_to_le16', 'cpu_to_le32', 'cpu_to_le64', 'le16_to_cpu', 'le32_to_cpu', 'le64_to_cpu', 'cpu_to_be16', 'cpu_to_be32',
  'cpu_to_be64', 'be16_to_cpu', 'be32_to_cpu', 'be64_to_cpu', 'htons', 'htonl', 'ntohs', 'ntohl', 'le16_add_cpu',
  'le32_add_cpu', 'get_unaligned_le16', 'get_unaligned_le32', 'get_unaligned_be16', 'get_unaligned_be32',
  'put_unaligned_le16', 'put_unaligned_le32',
  // memory and strings
  'memcpy', 'memset', 'memcmp', 'memmove', 'memcpy_toio', 'memcpy_fromio', 'memset_io', 'strcpy', 'strncpy',
  'strscpy', 'strlcpy', 'strlen', 'strnlen', 'strcmp', 'strncmp', 'strcat', 'strchr', 'strrchr', 'strstr', 'kstrtoint',
  'kstrtouint', 'kstrtoul', 'kstrtol', 'kstrtou8', 'kstrtobool', 'sscanf', 'ether_addr_copy', 'eth_zero_addr',
  'is_zero_ether_addr', 'is_valid_ether_addr', 'ether_addr_equal', 'is_multicast_ether_addr', 'eth_random_addr',
  // MMIO and port I/O
  'readb', 'readw', 'readl', 'readq', 'writeb', 'writew', 'writel', 'writeq', 'readl_relaxed', 'writel_relaxed',
  'ioread8', 'ioread16', 'ioread32', 'iowrite8', 'iowrite16', 'iowrite32', 'ioread32be', 'iowrite32be', 'inb', 'outb',
  'inw', 'outw', 'inl', 'outl', 'readl_poll_timeout', 'readl_poll_timeout_atomic',
  // error pointers and lists
  'ERR_PTR', 'PTR_ERR', 'IS_ERR', 'IS_ERR_OR_NULL', 'ERR_CAST', 'PTR_ERR_OR_ZERO', 'INIT_LIST_HEAD', 'list_add',
  'list_add_tail', 'list_del', 'list_del_init', 'list_empty', 'list_move', 'list_move_tail', 'list_splice_init',
  'list_first_entry', 'list_last_entry', 'list_entry', 'list_for_each_entry', 'list_for_each_entry_safe',
  'list_for_each', 'list_for_each_safe', 'hlist_add_head', 'hlist_del', 'list_is_last',
  // delays and accessors
  'udelay', 'ndelay', 'mdelay', 'usleep_range', 'fsleep', 'cpu_relax', 'barrier', 'wmb', 'rmb', 'mb', 'smp_wmb',
  'smp_rmb', 'smp_mb', 'dma_wmb', 'dma_rmb', 'netdev_priv', 'pci_get_drvdata', 'dev_get_drvdata', 'platform_get_drvdata',
  'i2c_get_clientdata', 'spi_get_drvdata', 'dev_name', 'netdev_name', 'pci_name', 'jiffies_to_msecs', 'msecs_to_jiffies',
  'usecs_to_jiffies', 'time_after', 'time_before', 'time_after_eq', 'time_before_eq', 'ktime_get', 'ktime_get_ns',
  'skb_shinfo', 'skb_headlen', 'skb_tail_pointer', 'skb_put', 'skb_reserve', 'skb_pull', 'skb_push', 'atomic_read',
  'atomic_set', 'atomic_inc', 'atomic_dec', 'atomic_add', 'atomic_sub', 'atomic_inc_return', 'atomic_dec_and_test',
  'spin_lock_init', 'mutex_init', 'init_rwsem', 'rwlock_init', 'raw_spin_lock_init', 'init_completion',
  'init_waitqueue_head', 'sema_init',
];

/**
 * Bit operations on a bitmap (`test_bit(nr, addr)`): which argument is the bit and which the bitmap,
 * whether the call reads the bit (its value before, for test_and_*), and what it leaves there
 * (`set`, `clear`, `write`: some value; `all`: any bit of the bitmap, `bitmap_zero(map, n)`).
 * A flag bit a path tested stays known until one of these writes it (summarize: bit knowledge).
 */
export interface BitOpRow {
  bit: number;
  addr: number;
  test?: true;
  effect?: 'set' | 'clear' | 'write' | 'all';
}

export const LINUX_BIT_OPS: Readonly<Record<string, BitOpRow>> = {
  test_bit: { bit: 0, addr: 1, test: true },
  test_bit_acquire: { bit: 0, addr: 1, test: true },
  set_bit: { bit: 0, addr: 1, effect: 'set' },
  __set_bit: { bit: 0, addr: 1, effect: 'set' },
  clear_bit: { bit: 0, addr: 1, effect: 'clear' },
  __clear_bit: { bit: 0, addr: 1, effect: 'clear' },
  clear_bit_unlock: { bit: 0, addr: 1, effect: 'clear' },
  __clear_bit_unlock: { bit: 0, addr: 1, effect: 'clear' },
  change_bit: { bit: 0, addr: 1, effect: 'write' },
  __change_bit: { bit: 0, addr: 1, effect: 'write' },
  assign_bit: { bit: 0, addr: 1, effect: 'write' },
  __assign_bit: { bit: 0, addr: 1, effect: 'write' },
  test_and_set_bit: { bit: 0, addr: 1, test: true, effect: 'set' },
  __test_and_set_bit: { bit: 0, addr: 1, test: true, effect: 'set' },
  test_and_set_bit_lock: { bit: 0, addr: 1, test: true, effect: 'set' },
  test_and_clear_bit: { bit: 0, addr: 1, test: true, effect: 'clear' },
  __test_and_clear_bit: { bit: 0, addr: 1, test: true, effect: 'clear' },
  test_and_change_bit: { bit: 0, addr: 1, test: true, effect: 'write' },
  __test_and_change_bit: { bit: 0, addr: 1, test: true, effect: 'write' },
  bitmap_zero: { bit: -1, addr: 0, effect: 'all' },
  bitmap_fill: { bit: -1, addr: 0, effect: 'all' },
  bitmap_copy: { bit: -1, addr: 0, effect: 'all' },
  bitmap_set: { bit: -1, addr: 0, effect: 'all' },
  bitmap_clear: { bit: -1, addr: 0, effect: 'all' },
  bitmap_and: { bit: -1, addr: 0, effect: 'all' },
  bitmap_or: { bit: -1, addr: 0, effect: 'all' },
  bitmap_andnot: { bit: -1, addr: 0, effect: 'all' },
};

/**
 * Reference counts (`kref_get` / `kref_put`, `refcount_inc` / `refcount_dec_and_test`, `get_device` /
 * `put_device` ...): which argument is the counted object and what the call does to its count.
 * A kernel developer reads `kref_get(&d->kref); ... kref_put(&d->kref, release)` as a put that
 * cannot be the last one: the path took a reference on the same object and has not returned it,
 * so the release (and whatever the last put does) is not reached there (summarize: State.refs).
 *
 * - `get`: takes a reference.
 * - `tryget`: takes one unless the count is zero; returns true when it did. Used as a branch
 *   condition, its failure branch is where the count was zero (infeasible while the path holds one).
 * - `put`: drops one; what the call runs (its callees, the release callback handed to it, the lock
 *   `kref_put_mutex` takes) runs only when it was the last reference.
 * - `dectest`: drops one and returns true when it was the last (the caller releases on that branch).
 * - `init`: sets the count to one, owned by the path (`kref_init`, `refcount_set(r, 1)`).
 */
export interface RefOpRow {
  obj: number;
  op: 'get' | 'tryget' | 'put' | 'dectest' | 'init';
}

export const LINUX_REF_OPS: Readonly<Record<string, RefOpRow>> = {
  kref_get: { obj: 0, op: 'get' },
  kref_get_unless_zero: { obj: 0, op: 'tryget' },
  kref_put: { obj: 0, op: 'put' },
  kref_put_lock: { obj: 0, op: 'put' },
  kref_put_mutex: { obj: 0, op: 'put' },
  kref_init: { obj: 0, op: 'init' },
  refcount_inc: { obj: 0, op: 'get' },
  refcount_inc_not_zero: { obj: 0, op: 'tryget' },
  refcount_dec_and_test: { obj: 0, op: 'dectest' },
  refcount_dec_and_lock: { obj: 0, op: 'dectest' },
  refcount_dec_and_lock_irqsave: { obj: 0, op: 'dectest' },
  refcount_dec_and_mutex_lock: { obj: 0, op: 'dectest' },
  refcount_set: { obj: 0, op: 'init' },
  kobject_get: { obj: 0, op: 'get' },
  kobject_get_unless_zero: { obj: 0, op: 'tryget' },
  kobject_put: { obj: 0, op: 'put' },
  get_device: { obj: 0, op: 'get' },
  put_device: { obj: 0, op: 'put' },
  of_node_get: { obj: 0, op: 'get' },
  of_node_put: { obj: 0, op: 'put' },
};

/** A row of a table keyed by function name (a plain object: its own keys only, never `toString`). */
function ownRow<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/** The reference-count row of a name. */
export function refOpRow(name: string): RefOpRow | undefined {
  return ownRow(LINUX_REF_OPS, name);
}

/** The bit-operation row of a name. */
export function bitOpRow(name: string): BitOpRow | undefined {
  return ownRow(LINUX_BIT_OPS, name);
}

/**
 * Preprocessor switches a kernel build leaves undefined unless the file itself defines them: dev_dbg() and
 * pr_debug()'s `DEBUG` and `VERBOSE_DEBUG` (a Makefile's `-DDEBUG` makes a debug build, not the one analysed).
 * Code under `#ifdef DEBUG` in a file that never defines it is not compiled, so it is not extracted.
 * Names a header may define (`AHD_DEBUG` from a Kconfig option) are not here: their value is not known.
 */
export const LINUX_FILE_SWITCHES: ReadonlySet<string> = new Set(['DEBUG', 'VERBOSE_DEBUG']);

/**
 * A function's own list head (a local `LIST_HEAD(to_reset);`, `struct list_head l = LIST_HEAD_INIT(l);`, or
 * `struct list_head l; INIT_LIST_HEAD(&l);`) starts empty: a loop over it (`list_for_each_entry(n, &l, member)`,
 * `while (!list_empty(&l))`) runs its body only on a path where something may have been put on it. What may
 * put something there: any call given `&l` (list_add(), list_splice(), a helper that collects into it), except
 * the calls of `reads` and the loop macros. A local whose address goes anywhere else is not followed.
 */
export interface LocalListApi {
  /** Macros declaring the head empty, given its name: `LIST_HEAD(l)`, the initializer `LIST_HEAD_INIT(l)`. */
  readonly declare: readonly string[];
  /** Calls that make the list at their first argument (`&l`) empty. */
  readonly init: readonly string[];
  /** Calls given `&l` that never put anything on it. */
  readonly reads: readonly string[];
  /** Predicates true of an empty list: `list_empty(&l)`. */
  readonly empty: readonly string[];
  /** Loop macros over a list, by the argument index of the head: the body runs only on a non-empty list. */
  readonly loops: ReadonlyMap<string, number>;
}

export const LINUX_LOCAL_LISTS: LocalListApi = {
  declare: ['LIST_HEAD', 'LIST_HEAD_INIT'],
  init: ['INIT_LIST_HEAD'],
  reads: [
    'list_empty', 'list_empty_careful', 'list_is_singular', 'list_is_head', 'list_is_first', 'list_is_last',
    'list_first_entry', 'list_first_entry_or_null', 'list_last_entry', 'list_count_nodes',
  ],
  empty: ['list_empty', 'list_empty_careful'],
  loops: new Map([
    ['list_for_each', 1], ['list_for_each_safe', 2], ['list_for_each_prev', 1], ['list_for_each_prev_safe', 2],
    ['list_for_each_entry', 1], ['list_for_each_entry_safe', 2], ['list_for_each_entry_reverse', 1],
    ['list_for_each_entry_safe_reverse', 2], ['list_for_each_rcu', 1], ['list_for_each_entry_rcu', 1],
  ]),
};
