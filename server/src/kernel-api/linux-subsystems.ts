// Linux subsystem knowledge beyond the primitives (issue 9 items 1 and 3),
// chosen by measured use in drivers/, sound/ and net/ of Linux 6.12 (see
// docs/knowledge.md and server/scripts/measure-knowledge.ts, which re-runs the
// counts). Two kinds of rows:
//  - LINUX_SUBSYSTEM_API: helpers that take a lock inside the core. Pairs
//    (rtnl_lock/rtnl_unlock) acquire and release a named class; helpers that
//    lock and unlock inside (skb_queue_tail, wake_up, xa_store) are acquire
//    rows with `inside: true`: the class is taken with the given irq mode and
//    released before the call returns, so it adds an edge and an irq usage but
//    no hold.
//  - LINUX_OPS_ROWS: callback fields the core calls, with the context and the
//    lock classes the core holds around the call, each checked against the
//    named caller in the 6.12 tree. When callers disagree, the row keeps only
//    what every checked caller holds (a comment says so).
// `lock: 0` with `cls`: the lock's identity comes from argument 0, its class is
// fixed; `lock: 'none'`: a global lock named by `cls` alone.
import type { AcquireRow, ApiRow, ArgRef, LockMode, OpsRow, ReleaseRow } from './types';

const P = 'linux' as const;

type AcqExtra = Partial<Pick<AcquireRow, 'irq' | 'try' | 'ok' | 'subclassArg' | 'doc'>>;
type RelExtra = Partial<Pick<ReleaseRow, 'irq' | 'doc'>>;

function acq(fn: string, cls: string | undefined, mode: LockMode, lock: ArgRef, extra: AcqExtra = {}): AcquireRow {
  return { fn, op: 'acquire', lock, mode, ...(cls ? { cls } : {}), project: P, ...extra };
}

function rel(fn: string, cls: string | undefined, mode: LockMode, lock: ArgRef, extra: RelExtra = {}): ReleaseRow {
  return { fn, op: 'release', lock, mode, ...(cls ? { cls } : {}), project: P, ...extra };
}

/** A helper that takes `cls` and releases it before returning. */
function inside(fn: string, cls: string, mode: LockMode, lock: ArgRef, irq?: AcquireRow['irq'], doc?: string): AcquireRow {
  return { fn, op: 'acquire', lock, mode, cls, inside: true, project: P, ...(irq ? { irq } : {}), ...(doc ? { doc } : {}) };
}

/** Several helpers sharing one inside-taken class. */
function insideAll(fns: string[], cls: string, mode: LockMode, lock: ArgRef, irq?: AcquireRow['irq'], doc?: string): AcquireRow[] {
  return fns.map((fn) => inside(fn, cls, mode, lock, irq, doc));
}

// ---------------------------------------------------------------- networking
const networking: ApiRow[] = [
  acq('rtnl_lock', 'rtnl_mutex', 'mutex', 'none'),
  acq('rtnl_lock_killable', 'rtnl_mutex', 'mutex', 'none', { ok: 'zero' }),
  acq('rtnl_trylock', 'rtnl_mutex', 'mutex', 'none', { try: true, ok: 'nonzero' }),
  rel('rtnl_unlock', 'rtnl_mutex', 'mutex', 'none'),
  ...insideAll(['register_netdev', 'unregister_netdev', 'register_netdevice_notifier', 'unregister_netdevice_notifier',
    'ieee80211_register_hw', 'ieee80211_unregister_hw'], 'rtnl_mutex', 'mutex', 'none', undefined,
  'takes rtnl_lock inside (notifier registration also takes pernet_ops_rwsem first)'),
  ...insideAll(['register_pernet_subsys', 'unregister_pernet_subsys', 'register_pernet_device', 'unregister_pernet_device'],
    'pernet_ops_rwsem', 'rwsem-write', 'none', undefined, 'runs the pernet init/exit ops with it held'),
  acq('netif_tx_lock', 'net_device.tx_global_lock', 'spin', 0, { doc: 'then every queue _xmit_lock' }),
  rel('netif_tx_unlock', 'net_device.tx_global_lock', 'spin', 0),
  acq('netif_tx_lock_bh', 'net_device.tx_global_lock', 'spin', 0, { irq: 'bh-off', doc: 'then every queue _xmit_lock' }),
  rel('netif_tx_unlock_bh', 'net_device.tx_global_lock', 'spin', 0, { irq: 'bh-on' }),
  acq('__netif_tx_lock', 'netdev_queue._xmit_lock', 'spin', 0),
  rel('__netif_tx_unlock', 'netdev_queue._xmit_lock', 'spin', 0),
  acq('__netif_tx_lock_bh', 'netdev_queue._xmit_lock', 'spin', 0, { irq: 'bh-off' }),
  rel('__netif_tx_unlock_bh', 'netdev_queue._xmit_lock', 'spin', 0, { irq: 'bh-on' }),
  inside('netif_tx_disable', 'netdev_queue._xmit_lock', 'spin', 0, 'bh-off', 'each tx queue lock in turn, bh disabled'),
  inside('dev_queue_xmit', 'netdev_queue._xmit_lock', 'spin', 0, 'bh-off',
    'HARD_TX_LOCK of the chosen queue (not for LLTX devices); also the qdisc root lock when queued'),
  acq('netif_addr_lock', 'net_device.addr_list_lock', 'spin', 0),
  rel('netif_addr_unlock', 'net_device.addr_list_lock', 'spin', 0),
  acq('netif_addr_lock_bh', 'net_device.addr_list_lock', 'spin', 0, { irq: 'bh-off' }),
  rel('netif_addr_unlock_bh', 'net_device.addr_list_lock', 'spin', 0, { irq: 'bh-on' }),
  ...insideAll(['netif_carrier_on', 'netif_carrier_off'], 'lweventlist_lock', 'spin', 'none', 'save',
    'linkwatch_fire_event queues the device on the link-watch list'),
  acq('lock_sock', 'sock.sk_lock', 'mutex', 0, { doc: 'the socket owner lock (sleeps); slock is taken with bh off inside' }),
  acq('lock_sock_nested', 'sock.sk_lock', 'mutex', 0, { subclassArg: 1 }),
  acq('lock_sock_fast', 'sock.sk_lock', 'mutex', 0, { doc: 'fast path returns holding slock with bh off; modelled as the owner lock' }),
  rel('release_sock', 'sock.sk_lock', 'mutex', 0),
  rel('unlock_sock_fast', 'sock.sk_lock', 'mutex', 0),
  acq('bh_lock_sock', 'sock.sk_lock.slock', 'spin', 0, { doc: 'caller already has bh off (softirq receive path)' }),
  acq('bh_lock_sock_nested', 'sock.sk_lock.slock', 'spin', 0),
  rel('bh_unlock_sock', 'sock.sk_lock.slock', 'spin', 0),
  ...insideAll(['skb_queue_tail', 'skb_queue_head', 'skb_dequeue', 'skb_dequeue_tail', 'skb_unlink', 'skb_queue_purge',
    'skb_append'], 'sk_buff_head.lock', 'spin', 0, 'save'),
  inside('sock_queue_rcv_skb', 'sk_buff_head.lock', 'spin', 0, 'save', 'the socket receive queue lock'),
  inside('skb_recv_datagram', 'sk_buff_head.lock', 'spin', 0, 'save', 'the socket receive queue lock'),
  inside('ieee80211_rx_irqsafe', 'sk_buff_head.lock', 'spin', 0, 'save', 'queues on ieee80211_local.skb_queue'),
  ...insideAll(['sock_orphan', 'sock_graft'], 'sock.sk_callback_lock', 'write', 0, 'bh-off'),
  acq('sch_tree_lock', 'Qdisc.q.lock', 'spin', 0, { irq: 'bh-off', doc: 'the qdisc root lock' }),
  rel('sch_tree_unlock', 'Qdisc.q.lock', 'spin', 0, { irq: 'bh-on' }),
  ...insideAll(['dev_add_pack', 'dev_remove_pack'], 'ptype_lock', 'spin', 'none', undefined,
    'dev_remove_pack also waits in synchronize_net'),
  // phylib / MDIO
  ...insideAll(['phy_read', 'phy_write', 'phy_modify', 'mdiobus_read', 'mdiobus_write', 'phy_read_mmd', 'phy_write_mmd'],
    'mii_bus.mdio_lock', 'mutex', 0),
  ...insideAll(['mdiobus_read_nested', 'mdiobus_write_nested'], 'mii_bus.mdio_lock', 'mutex', 0, undefined,
    'nested subclass for stacked buses'),
  acq('phy_lock_mdio_bus', 'mii_bus.mdio_lock', 'mutex', 0),
  rel('phy_unlock_mdio_bus', 'mii_bus.mdio_lock', 'mutex', 0),
  ...insideAll(['phy_start', 'phy_stop'], 'phy_device.lock', 'mutex', 0),
  // wireless
  acq('wiphy_lock', 'wiphy.mtx', 'mutex', 0),
  rel('wiphy_unlock', 'wiphy.mtx', 'mutex', 0),
  ...insideAll(['wiphy_work_queue', 'wiphy_work_cancel'], 'cfg80211_registered_device.wiphy_work_lock', 'spin', 0, 'save'),
  ...insideAll(['ieee80211_stop_queues', 'ieee80211_wake_queues', 'ieee80211_stop_queue', 'ieee80211_wake_queue'],
    'ieee80211_local.queue_stop_reason_lock', 'spin', 0, 'save'),
  inside('cfg80211_put_bss', 'cfg80211_registered_device.bss_lock', 'spin', 0, 'bh-off'),
  acq('hci_dev_lock', 'hci_dev.lock', 'mutex', 0),
  rel('hci_dev_unlock', 'hci_dev.lock', 'mutex', 0),
  acq('genl_lock', 'genl_mutex', 'mutex', 'none'),
  rel('genl_unlock', 'genl_mutex', 'mutex', 'none'),
  acq('nfnl_lock', 'nfnl_subsys.mutex', 'mutex', 'none', { doc: 'one mutex per nfnetlink subsystem id (argument 0)' }),
  rel('nfnl_unlock', 'nfnl_subsys.mutex', 'mutex', 'none'),
];

// ------------------------------------------------------ device model, buses
const devices: ApiRow[] = [
  acq('device_lock', 'device.mutex', 'mutex', 0),
  acq('device_lock_interruptible', 'device.mutex', 'mutex', 0, { ok: 'zero' }),
  acq('device_trylock', 'device.mutex', 'mutex', 0, { try: true, ok: 'nonzero' }),
  rel('device_unlock', 'device.mutex', 'mutex', 0),
  ...insideAll(['device_add', 'device_register'], 'device.mutex', 'mutex', 0, undefined,
    'probes the new device: its driver probe runs with the new device\'s lock held'),
  ...insideAll(['device_del', 'device_unregister'], 'device.mutex', 'mutex', 0, undefined,
    'unbinds the driver under the device lock; also drains its sysfs attributes (kernfs_node.active)'),
  ...insideAll(['device_remove_file', 'sysfs_remove_group', 'sysfs_remove_groups'], 'kernfs_node.active', 'rwsem-write', 0,
    undefined, 'waits for running show/store of the attribute (lockdep models it as a write acquire)'),
  ...insideAll(['devres_add', 'devm_kzalloc', 'devm_kmalloc', 'devm_kcalloc'], 'device.devres_lock', 'spin', 0, 'save',
    'devm allocations register the resource under devres_lock; GFP_KERNEL also sleeps'),
  ...insideAll(['pm_runtime_get_sync', 'pm_runtime_resume_and_get', 'pm_runtime_put_sync', 'pm_runtime_put',
    'pm_runtime_put_autosuspend', 'pm_runtime_get', 'pm_runtime_enable', 'pm_runtime_set_active', 'pm_runtime_disable',
    'usb_autopm_get_interface', 'usb_autopm_put_interface'], 'dev_pm_info.lock', 'spin', 0, 'save',
  'the _sync forms run the runtime PM callback in the caller\'s context; pm_runtime_disable waits for a running one'),
  acq('pci_lock_rescan_remove', 'pci_rescan_remove_lock', 'mutex', 'none'),
  rel('pci_unlock_rescan_remove', 'pci_rescan_remove_lock', 'mutex', 'none'),
  ...insideAll(['pci_read_config_byte', 'pci_read_config_word', 'pci_read_config_dword', 'pci_write_config_byte',
    'pci_write_config_word', 'pci_write_config_dword', 'pcie_capability_read_word', 'pcie_capability_write_word',
    'pcie_capability_set_word', 'pcie_capability_clear_word'], 'pci_lock', 'spin', 'none', 'save',
  'raw spinlock unless CONFIG_PCI_LOCKLESS_CONFIG'),
  acq('usb_lock_device', 'device.mutex', 'mutex', 0),
  acq('usb_trylock_device', 'device.mutex', 'mutex', 0, { try: true, ok: 'nonzero' }),
  acq('usb_lock_device_for_reset', 'device.mutex', 'mutex', 0, { ok: 'zero', doc: 'also locks the interface device (argument 1)' }),
  rel('usb_unlock_device', 'device.mutex', 'mutex', 0),
  inside('usb_submit_urb', 'hcd_urb_list_lock', 'spin', 'none', 'save',
    'usb_hcd_link_urb_to_ep; the host controller driver takes its own lock too'),
  ...insideAll(['usb_anchor_urb', 'usb_unanchor_urb'], 'usb_anchor.lock', 'spin', 1, 'save'),
  inside('usb_set_interface', 'usb_hcd.bandwidth_mutex', 'mutex', 0),
  acq('tty_lock', 'tty_struct.legacy_mutex', 'mutex', 0),
  rel('tty_unlock', 'tty_struct.legacy_mutex', 'mutex', 0),
  ...insideAll(['tty_port_tty_get', 'tty_port_tty_wakeup', 'uart_write_wakeup'], 'tty_port.lock', 'spin', 0, 'save'),
  acq('uart_port_lock', 'uart_port.lock', 'spin', 0),
  acq('uart_port_lock_irq', 'uart_port.lock', 'spin', 0, { irq: 'off' }),
  acq('uart_port_lock_irqsave', 'uart_port.lock', 'spin', 0, { irq: 'save' }),
  rel('uart_port_unlock', 'uart_port.lock', 'spin', 0),
  rel('uart_port_unlock_irq', 'uart_port.lock', 'spin', 0, { irq: 'on' }),
  rel('uart_port_unlock_irqrestore', 'uart_port.lock', 'spin', 0, { irq: 'restore' }),
  acq('blk_mq_freeze_queue', 'request_queue.q_usage_counter', 'rwsem-write', 0,
    { doc: 'waits for all in-flight I/O; 6.12 lockdep models the freeze as this write acquire' }),
  rel('blk_mq_unfreeze_queue', 'request_queue.q_usage_counter', 'rwsem-write', 0),
  inside('blk_mq_requeue_request', 'request_queue.requeue_lock', 'spin', 0, 'save'),
  acq('mmc_claim_host', 'mmc_host.claimed', 'mutex', 0, { doc: 'a sleeping claim of the host (owner may re-claim)' }),
  rel('mmc_release_host', 'mmc_host.claimed', 'mutex', 0),
  acq('sdio_claim_host', 'mmc_host.claimed', 'mutex', 0, { doc: 'claims the function\'s host' }),
  rel('sdio_release_host', 'mmc_host.claimed', 'mutex', 0),
  ...insideAll(['input_event', 'input_report_key', 'input_report_abs', 'input_report_rel', 'input_sync',
    'input_mt_report_slot_state'], 'input_dev.event_lock', 'spin', 0, 'save', 'runs the input handlers under it'),
  ...insideAll(['input_register_device', 'input_unregister_device'], 'input_mutex', 'mutex', 'none'),
  inside('power_supply_changed', 'power_supply.changed_lock', 'spin', 0, 'save'),
  inside('request_firmware', 'fw_lock', 'mutex', 'none', undefined, 'may also wait for the user-space fallback loader'),
];

// -------------------------------------------------- buses behind regmap/i2c/spi/clk
const busesAndClocks: ApiRow[] = [
  ...insideAll(['regmap_read', 'regmap_write', 'regmap_update_bits', 'regmap_bulk_read', 'regmap_bulk_write',
    'regmap_set_bits', 'regmap_clear_bits', 'regmap_write_bits', 'regmap_raw_read', 'regmap_raw_write',
    'regmap_multi_reg_write', 'regmap_field_read', 'regmap_field_write', 'regmap_read_poll_timeout'], 'regmap.lock', 'mutex', 0,
  undefined, 'a mutex by default; a spinlock (irqsave) with fast_io or use_raw_spinlock; none with disable_locking')
    .map((row) => ({ ...row, sleeps: false as const })),
  ...insideAll(['i2c_transfer', 'i2c_master_send', 'i2c_master_recv', 'i2c_smbus_xfer', 'i2c_smbus_read_byte',
    'i2c_smbus_write_byte', 'i2c_smbus_read_byte_data', 'i2c_smbus_write_byte_data', 'i2c_smbus_read_word_data',
    'i2c_smbus_write_word_data', 'i2c_smbus_read_i2c_block_data', 'i2c_smbus_write_i2c_block_data'],
  'i2c_adapter.bus_lock', 'mutex', 0, undefined, 'an rt_mutex on the (root) adapter; trylock in atomic transfers')
    .map((row) => ({ ...row, sleeps: false as const })),
  acq('i2c_lock_bus', 'i2c_adapter.bus_lock', 'mutex', 0),
  rel('i2c_unlock_bus', 'i2c_adapter.bus_lock', 'mutex', 0),
  ...insideAll(['spi_sync', 'spi_write', 'spi_read', 'spi_write_then_read', 'spi_sync_transfer', 'spi_w8r8'],
    'spi_controller.bus_lock_mutex', 'mutex', 0, undefined, 'then the controller io_mutex'),
  inside('spi_async', 'spi_controller.bus_lock_spinlock', 'spin', 0, 'save'),
  acq('spi_bus_lock', 'spi_controller.bus_lock_mutex', 'mutex', 0),
  rel('spi_bus_unlock', 'spi_controller.bus_lock_mutex', 'mutex', 0),
  ...insideAll(['clk_prepare_enable', 'clk_disable_unprepare', 'clk_prepare', 'clk_unprepare', 'clk_set_rate', 'clk_get_rate',
    'clk_round_rate', 'clk_set_parent', 'clk_bulk_prepare_enable', 'clk_bulk_disable_unprepare'], 'prepare_lock', 'mutex', 'none',
  undefined, 'the global clk prepare_lock (owner may re-enter); _enable/_disable parts also take enable_lock'),
  ...insideAll(['clk_enable', 'clk_disable'], 'enable_lock', 'spin', 'none', 'save', 'the global clk enable_lock'),
  ...insideAll(['regulator_enable', 'regulator_disable', 'regulator_set_voltage', 'regulator_bulk_enable',
    'regulator_bulk_disable'], 'regulator_dev.mutex', 'mutex', 0, undefined, 'ww_mutex over the supply chain'),
  ...insideAll(['snd_soc_component_read', 'snd_soc_component_write', 'snd_soc_component_update_bits'],
    'snd_soc_component.io_mutex', 'mutex', 0),
  acq('snd_soc_dapm_mutex_lock', 'snd_soc_card.dapm_mutex', 'mutex', 0),
  rel('snd_soc_dapm_mutex_unlock', 'snd_soc_card.dapm_mutex', 'mutex', 0),
  inside('snd_soc_dapm_sync', 'snd_soc_card.dapm_mutex', 'mutex', 0),
  acq('snd_pcm_stream_lock', 'snd_pcm_substream.self_group.lock', 'spin', 0,
    { doc: 'self_group.mutex instead for nonatomic streams' }),
  acq('snd_pcm_stream_lock_irq', 'snd_pcm_substream.self_group.lock', 'spin', 0, { irq: 'off' }),
  acq('snd_pcm_stream_lock_irqsave', 'snd_pcm_substream.self_group.lock', 'spin', 0, { irq: 'save' }),
  rel('snd_pcm_stream_unlock', 'snd_pcm_substream.self_group.lock', 'spin', 0),
  rel('snd_pcm_stream_unlock_irq', 'snd_pcm_substream.self_group.lock', 'spin', 0, { irq: 'on' }),
  rel('snd_pcm_stream_unlock_irqrestore', 'snd_pcm_substream.self_group.lock', 'spin', 0, { irq: 'restore' }),
  inside('snd_pcm_period_elapsed', 'snd_pcm_substream.self_group.lock', 'spin', 0, 'save',
    'calls the pcm pointer (and, on xrun, trigger) ops under it'),
  inside('snd_ctl_notify', 'snd_card.ctl_files_rwlock', 'read', 0, 'save'),
  acq('v4l2_ctrl_lock', 'v4l2_ctrl_handler.lock', 'mutex', 0),
  rel('v4l2_ctrl_unlock', 'v4l2_ctrl_handler.lock', 'mutex', 0),
  ...insideAll(['v4l2_ctrl_s_ctrl', 'v4l2_ctrl_g_ctrl'], 'v4l2_ctrl_handler.lock', 'mutex', 0, undefined,
    's_ctrl calls the driver\'s v4l2_ctrl_ops.s_ctrl under it'),
  inside('vb2_buffer_done', 'vb2_queue.done_lock', 'spin', 0, 'save'),
  inside('v4l2_m2m_job_finish', 'v4l2_m2m_dev.job_spinlock', 'spin', 0, 'save'),
  acq('lock_fb_info', 'fb_info.lock', 'mutex', 0),
  rel('unlock_fb_info', 'fb_info.lock', 'mutex', 0),
  acq('drm_modeset_lock_all', 'drm_mode_config.mutex', 'mutex', 0, { doc: 'then every modeset ww_mutex' }),
  rel('drm_modeset_unlock_all', 'drm_mode_config.mutex', 'mutex', 0),
  ...insideAll(['drm_crtc_handle_vblank', 'drm_handle_vblank'], 'drm_device.event_lock', 'spin', 0, 'save'),
  ...insideAll(['drm_crtc_vblank_get', 'drm_crtc_vblank_put'], 'drm_device.vbl_lock', 'spin', 0, 'save',
    'get may call drm_crtc_funcs.enable_vblank under it'),
  acq('iio_device_claim_direct_mode', 'iio_dev_opaque.mlock', 'mutex', 0, { ok: 'zero' }),
  rel('iio_device_release_direct_mode', 'iio_dev_opaque.mlock', 'mutex', 0),
];

// ---------------------------------------------------------------- mm, xarray
const memory: ApiRow[] = [
  acq('mmap_read_lock', 'mm_struct.mmap_lock', 'rwsem-read', 0),
  acq('mmap_read_trylock', 'mm_struct.mmap_lock', 'rwsem-read', 0, { try: true, ok: 'nonzero' }),
  rel('mmap_read_unlock', 'mm_struct.mmap_lock', 'rwsem-read', 0),
  acq('mmap_write_lock', 'mm_struct.mmap_lock', 'rwsem-write', 0),
  acq('mmap_write_lock_killable', 'mm_struct.mmap_lock', 'rwsem-write', 0, { ok: 'zero' }),
  rel('mmap_write_unlock', 'mm_struct.mmap_lock', 'rwsem-write', 0),
  ...insideAll(['copy_to_user', 'copy_from_user', 'get_user', 'put_user'], 'mm_struct.mmap_lock', 'rwsem-read', 'none',
    undefined, 'might_fault: a page fault takes the current mm\'s mmap_lock for read'),
  ...insideAll(['pin_user_pages_fast', 'get_user_pages_fast'], 'mm_struct.mmap_lock', 'rwsem-read', 'none', undefined,
    'slow path takes the current mm\'s mmap_lock for read'),
  // 'xarray' names the type: each xarray is a lock of its own, named by its expression (an SRQ table's and a
  // QP table's xa_lock are two locks; lockdep keys each at its xa_init site).
  acq('xa_lock', 'xarray', 'spin', 0),
  rel('xa_unlock', 'xarray', 'spin', 0),
  acq('xa_lock_bh', 'xarray', 'spin', 0, { irq: 'bh-off' }),
  rel('xa_unlock_bh', 'xarray', 'spin', 0, { irq: 'bh-on' }),
  acq('xa_lock_irq', 'xarray', 'spin', 0, { irq: 'off' }),
  rel('xa_unlock_irq', 'xarray', 'spin', 0, { irq: 'on' }),
  acq('xa_lock_irqsave', 'xarray', 'spin', 0, { irq: 'save' }),
  rel('xa_unlock_irqrestore', 'xarray', 'spin', 0, { irq: 'restore' }),
  ...insideAll(['xa_store', 'xa_erase', 'xa_insert', 'xa_alloc', 'xa_alloc_cyclic', 'xa_cmpxchg'],
    'xarray', 'spin', 0),
  ...insideAll(['xa_store_irq', 'xa_erase_irq'], 'xarray', 'spin', 0, 'off'),
  // lib/xarray.c: xa_destroy() takes the lock with xas_lock_irqsave() whatever the array's flags.
  inside('xa_destroy', 'xarray', 'spin', 0, 'save'),
  ...insideAll(['ida_alloc', 'ida_alloc_range', 'ida_alloc_min', 'ida_alloc_max', 'ida_free'], 'xarray', 'spin', 0,
    'save', 'the ida\'s xarray lock'),
  acq('idr_preload', 'radix_tree_preloads.lock', 'spin', 'none', { doc: 'a per-CPU local_lock; also preemption off' }),
  rel('idr_preload_end', 'radix_tree_preloads.lock', 'spin', 'none'),
  ...insideAll(['dma_pool_alloc', 'dma_pool_zalloc', 'dma_pool_free'], 'dma_pool.lock', 'spin', 0, 'save'),
];

// --------------------------------------------- cpu hotplug, console, notifiers
const core: ApiRow[] = [
  acq('cpus_read_lock', 'cpu_hotplug_lock', 'rwsem-read', 'none'),
  rel('cpus_read_unlock', 'cpu_hotplug_lock', 'rwsem-read', 'none'),
  ...insideAll(['cpuhp_setup_state', 'cpuhp_setup_state_nocalls', 'cpuhp_remove_state'], 'cpu_hotplug_lock', 'rwsem-read',
    'none', undefined, 'then cpuhp_state_mutex; runs the state callbacks on each online CPU and waits'),
  acq('console_lock', 'console_sem', 'sem', 'none'),
  acq('console_trylock', 'console_sem', 'sem', 'none', { try: true, ok: 'nonzero' }),
  rel('console_unlock', 'console_sem', 'sem', 'none', { doc: 'flushes pending printk records to the consoles first' }),
  inside('blocking_notifier_call_chain', 'blocking_notifier_head.rwsem', 'rwsem-read', 0, undefined,
    'calls every notifier_call with it held'),
  ...insideAll(['blocking_notifier_chain_register', 'blocking_notifier_chain_unregister'], 'blocking_notifier_head.rwsem',
    'rwsem-write', 0),
  ...insideAll(['atomic_notifier_chain_register', 'atomic_notifier_chain_unregister'], 'atomic_notifier_head.lock', 'spin', 0,
    'save', 'unregister also waits in synchronize_rcu'),
  acq('refcount_dec_and_mutex_lock', undefined, 'mutex', 1, { ok: 'nonzero', doc: 'holds the mutex only when it returns true' }),
  // SRCU as lockdep models it: readers are recursive read acquires of the
  // srcu_struct, synchronize_srcu a write acquire that is released at once.
  { ...acq('srcu_read_lock', 'srcu_struct', 'rwsem-read', 0, { doc: 'readers never block each other; the read side may sleep, the lock itself never does' }), sleeps: false },
  rel('srcu_read_unlock', 'srcu_struct', 'rwsem-read', 0),
  inside('synchronize_srcu', 'srcu_struct', 'rwsem-write', 0, undefined, 'waits for every reader of this srcu_struct'),
  // seqlocks: writers exclusive, readers retry but spin while a writer is in.
  acq('write_seqlock', 'seqlock_t', 'write', 0),
  rel('write_sequnlock', 'seqlock_t', 'write', 0),
  acq('write_seqlock_bh', 'seqlock_t', 'write', 0, { irq: 'bh-off' }),
  rel('write_sequnlock_bh', 'seqlock_t', 'write', 0, { irq: 'bh-on' }),
  acq('write_seqlock_irq', 'seqlock_t', 'write', 0, { irq: 'off' }),
  rel('write_sequnlock_irq', 'seqlock_t', 'write', 0, { irq: 'on' }),
  acq('write_seqlock_irqsave', 'seqlock_t', 'write', 0, { irq: 'save' }),
  rel('write_sequnlock_irqrestore', 'seqlock_t', 'write', 0, { irq: 'restore' }),
  { ...inside('read_seqbegin', 'seqlock_t', 'read', 0, undefined,
    'spins while a writer holds it: a reader interrupting its own CPU\'s writer never finishes'), waitsOnly: true },
  acq('write_seqcount_begin', 'seqcount_t', 'write', 0, { doc: 'the caller serialises writers and keeps readers out of irq' }),
  rel('write_seqcount_end', 'seqcount_t', 'write', 0),
  { ...inside('read_seqcount_begin', 'seqcount_t', 'read', 0), waitsOnly: true },
  // local_lock: a per-CPU lock; on !PREEMPT_RT preemption (or irqs) off plus a lockdep map.
  acq('local_lock', undefined, 'spin', 0),
  rel('local_unlock', undefined, 'spin', 0),
  acq('local_lock_irq', undefined, 'spin', 0, { irq: 'off' }),
  rel('local_unlock_irq', undefined, 'spin', 0, { irq: 'on' }),
  acq('local_lock_irqsave', undefined, 'spin', 0, { irq: 'save' }),
  rel('local_unlock_irqrestore', undefined, 'spin', 0, { irq: 'restore' }),
  acq('local_lock_nested_bh', undefined, 'spin', 0, { doc: 'caller has bh off' }),
  rel('local_unlock_nested_bh', undefined, 'spin', 0),
];

// ------------------------------------------- work, timers, wakeups, irq core
const deferral: ApiRow[] = [
  ...insideAll(['queue_work', 'queue_work_on', 'schedule_work', 'ieee80211_queue_work', 'tty_flip_buffer_push'],
    'worker_pool.lock', 'spin', 'none', 'save', 'raw spinlock of the target pool'),
  ...insideAll(['queue_delayed_work', 'schedule_delayed_work', 'mod_delayed_work', 'cancel_delayed_work'], 'timer_base.lock',
    'spin', 'none', 'save', 'arms/disarms the work\'s timer; worker_pool.lock too (zero delay, grabbing a pending item)'),
  inside('cancel_work', 'worker_pool.lock', 'spin', 'none', 'save'),
  inside('kthread_queue_work', 'kthread_worker.lock', 'spin', 0, 'save'),
  ...insideAll(['mod_timer', 'add_timer', 'del_timer', 'timer_delete'], 'timer_base.lock', 'spin', 'none', 'save'),
  ...insideAll(['hrtimer_start', 'hrtimer_start_range_ns', 'hrtimer_try_to_cancel'], 'hrtimer_cpu_base.lock', 'spin', 'none',
    'save'),
  ...insideAll(['wake_up', 'wake_up_interruptible', 'wake_up_all', 'wake_up_interruptible_all'], 'wait_queue_head.lock', 'spin',
    0, 'save', 'then the woken task\'s pi_lock and runqueue lock'),
  ...insideAll(['wait_event', 'wait_event_interruptible', 'wait_event_timeout', 'wait_event_interruptible_timeout',
    'wait_event_killable'], 'wait_queue_head.lock', 'spin', 0, 'save', 'and sleeps until woken by a wake_up on it'),
  inside('wake_up_process', 'task_struct.pi_lock', 'spin', 0, 'save', 'raw; then the runqueue lock'),
  ...insideAll(['complete', 'complete_all'], 'completion.wait.lock', 'spin', 0, 'save', 'raw swait lock of the completion'),
  ...insideAll(['wait_for_completion', 'wait_for_completion_timeout', 'wait_for_completion_interruptible',
    'wait_for_completion_interruptible_timeout', 'wait_for_completion_killable'], 'completion.wait.lock', 'spin', 0, 'off',
  'and sleeps until complete(): a wait the table cannot key yet (see docs/knowledge.md)'),
  inside('try_wait_for_completion', 'completion.wait.lock', 'spin', 0, 'save'),
  ...insideAll(['enable_irq', 'disable_irq_nosync', 'irq_set_irq_wake', 'enable_irq_wake', 'disable_irq_wake'], 'irq_desc.lock',
    'spin', 0, 'save', 'raw; the chip\'s irq_bus_lock (a mutex for i2c/spi expanders) first')
    // enable_irq() lets the line's handlers run again; disable_irq_nosync() holds them off (HandlerSwitch).
    .map((r) => (r.fn === 'enable_irq' || r.fn === 'disable_irq_nosync' ? { ...r, switches: { what: 'irq' as const, key: 0, off: r.fn !== 'enable_irq' } } : r)),
  ...insideAll(['generic_handle_irq', 'generic_handle_domain_irq'], 'irq_desc.lock', 'spin', 0, undefined,
    'the flow handler takes it with irqs already off (hardirq), then runs the action'),
  inside('handle_nested_irq', 'irq_desc.lock', 'spin', 0, 'off', 'then runs the threaded handler in the caller\'s thread'),
];

export const LINUX_SUBSYSTEM_API: readonly ApiRow[] = [
  ...networking, ...devices, ...busesAndClocks, ...memory, ...core, ...deferral,
];

// ------------------------------------------------------------- ops callbacks
function ops(structType: string, fields: string[], ctx: OpsRow['ctx'], caller: string,
  held?: string[], extra: Partial<Pick<OpsRow, 'irqOff' | 'bhOff' | 'after' | 'systemSleep'>> = {}): OpsRow[] {
  return fields.map((field) => ({
    structType, field, ctx, caller, project: P, ...(held && held.length > 0 ? { held } : {}), ...extra,
  }));
}

const DEV = ['device.mutex'];
const RTNL = ['rtnl_mutex'];
const PCM_STREAM = ['snd_pcm_substream.self_group.lock'];

export const LINUX_OPS_ROWS: readonly OpsRow[] = [
  // bus drivers: really_probe / device_release_driver_internal / device_shutdown hold the device lock
  ...ops('platform_driver', ['probe'], 'process', 'platform_probe (really_probe)', DEV),
  ...ops('platform_driver', ['remove', 'remove_new'], 'process', 'platform_remove (device_release_driver_internal)', DEV),
  ...ops('platform_driver', ['shutdown'], 'process', 'platform_shutdown (device_shutdown)', DEV),
  ...ops('i2c_driver', ['probe'], 'process', 'i2c_device_probe', DEV),
  ...ops('i2c_driver', ['remove'], 'process', 'i2c_device_remove', DEV),
  ...ops('i2c_driver', ['shutdown'], 'process', 'i2c_device_shutdown', DEV),
  ...ops('spi_driver', ['probe'], 'process', 'spi_probe', DEV),
  ...ops('spi_driver', ['remove'], 'process', 'spi_remove', DEV),
  // local_pci_probe may run in a work item on the device's NUMA node while the binder holds the lock
  ...ops('pci_driver', ['probe'], 'process', 'local_pci_probe (pci_device_probe)', DEV),
  ...ops('pci_driver', ['remove'], 'process', 'pci_device_remove', DEV),
  ...ops('pci_driver', ['shutdown'], 'process', 'pci_device_shutdown', DEV),
  ...ops('usb_driver', ['probe'], 'process', 'usb_probe_interface', DEV),
  ...ops('usb_driver', ['disconnect'], 'process', 'usb_unbind_interface', DEV),
  // runtime PM calls these without the device lock; system sleep holds it
  ...ops('usb_driver', ['suspend', 'resume'], 'process', 'usb_suspend_interface / usb_resume_interface'),
  ...ops('hid_driver', ['probe'], 'process', 'hid_device_probe', ['device.mutex', 'hid_device.driver_input_lock']),
  // system sleep (suspend, hibernation): between freeze_processes() and thaw_processes(), freezable workqueues stopped;
  // the main phase holds the device lock, the late/early and noirq phases do not
  ...ops('dev_pm_ops', ['suspend', 'resume', 'freeze', 'thaw', 'poweroff', 'restore'], 'process',
    'dpm_run_callback (device_suspend / device_resume)', DEV, { systemSleep: true }),
  ...ops('dev_pm_ops', ['suspend_late', 'resume_early', 'freeze_late', 'thaw_early', 'poweroff_late', 'restore_early',
    'suspend_noirq', 'resume_noirq', 'freeze_noirq', 'thaw_noirq', 'poweroff_noirq', 'restore_noirq'], 'process',
  'dpm_run_callback (device_suspend_late / device_resume_early, device_suspend_noirq / device_resume_noirq)', undefined,
  { systemSleep: true }),
  // VFS
  ...ops('file_operations', ['open'], 'process', 'do_dentry_open (chrdev_open)'),
  ...ops('file_operations', ['read'], 'process', 'vfs_read'),
  ...ops('file_operations', ['write'], 'process', 'vfs_write'),
  ...ops('file_operations', ['llseek'], 'process', 'vfs_llseek'),
  ...ops('file_operations', ['release'], 'process', '__fput'),
  ...ops('file_operations', ['unlocked_ioctl'], 'process', 'vfs_ioctl'),
  ...ops('file_operations', ['compat_ioctl'], 'process', 'compat_sys_ioctl'),
  ...ops('file_operations', ['poll'], 'process', 'vfs_poll'),
  ...ops('file_operations', ['mmap'], 'process', 'mmap_region (call_mmap)', ['mm_struct.mmap_lock']),
  // seq_read_iter calls start, then show and next over and over, then stop, in one read(): show and next run with
  // whatever start returned holding (a lock taken with spin_lock_bh, rcu_read_lock_bh, a mutex ..., released in stop).
  ...ops('seq_operations', ['start', 'stop'], 'process', 'seq_read_iter', ['seq_file.lock']),
  ...ops('seq_operations', ['next', 'show'], 'process', 'seq_read_iter (between ->start and ->stop)', ['seq_file.lock'], { after: 'start' }),
  ...ops('device_attribute', ['show'], 'process', 'dev_attr_show (kernfs_seq_show)', ['kernfs_open_file.mutex', 'kernfs_node.active']),
  ...ops('ctl_table', ['proc_handler'], 'process', 'proc_sys_call_handler'),
  // ALSA
  ...ops('snd_kcontrol_new', ['info'], 'process', 'snd_ctl_elem_info', ['snd_card.controls_rwsem']),
  ...ops('snd_kcontrol_new', ['get'], 'process', 'snd_ctl_elem_read', ['snd_card.controls_rwsem']),
  ...ops('snd_kcontrol_new', ['put'], 'process', 'snd_ctl_elem_write', ['snd_card.controls_rwsem']),
  ...ops('snd_pcm_ops', ['open'], 'process', 'snd_pcm_open_substream (snd_pcm_open)', ['snd_pcm.open_mutex']),
  ...ops('snd_pcm_ops', ['close'], 'process', 'snd_pcm_release_substream (snd_pcm_release)', ['snd_pcm.open_mutex']),
  ...ops('snd_pcm_ops', ['hw_params'], 'process', 'snd_pcm_hw_params', ['snd_pcm_runtime.buffer_mutex']),
  ...ops('snd_pcm_ops', ['prepare'], 'process', 'snd_pcm_do_prepare (snd_pcm_action_nonatomic)', ['snd_pcm_runtime.buffer_mutex']),
  // hw_free is also called from the release path without buffer_mutex
  ...ops('snd_pcm_ops', ['hw_free'], 'process', 'do_hw_free'),
  // atomic streams: stream lock with irqs off; nonatomic ones hold self_group.mutex instead.
  // snd_pcm_period_elapsed from a driver's irq handler also reaches trigger/pointer (seen through that call).
  ...ops('snd_pcm_ops', ['trigger'], 'process', 'snd_pcm_do_start / snd_pcm_do_stop (snd_pcm_action)', PCM_STREAM, { irqOff: true }),
  ...ops('snd_pcm_ops', ['pointer'], 'process', 'snd_pcm_update_hw_ptr0', PCM_STREAM, { irqOff: true }),
  ...ops('snd_soc_dai_ops', ['hw_params'], 'process', 'snd_soc_dai_hw_params (soc_pcm_hw_params)',
    ['snd_soc_card.pcm_mutex', 'snd_pcm_runtime.buffer_mutex']),
  ...ops('snd_soc_dai_ops', ['startup'], 'process', 'snd_soc_dai_startup (soc_pcm_open)', ['snd_pcm.open_mutex', 'snd_soc_card.pcm_mutex']),
  ...ops('snd_soc_dai_ops', ['shutdown'], 'process', 'snd_soc_dai_shutdown (soc_pcm_clean)', ['snd_soc_card.pcm_mutex']),
  ...ops('snd_soc_dai_ops', ['trigger'], 'process', 'snd_soc_pcm_dai_trigger (soc_pcm_trigger)', PCM_STREAM, { irqOff: true }),
  // set_fmt/set_sysclk come from card binding or the machine driver's own ops: no common lock
  ...ops('snd_soc_dai_ops', ['set_fmt', 'set_sysclk'], 'process', 'snd_soc_dai_set_fmt / snd_soc_dai_set_sysclk'),
  // snd_soc_bind_card also holds the card mutex
  ...ops('snd_soc_component_driver', ['probe'], 'process', 'soc_probe_component (snd_soc_bind_card)', ['client_mutex']),
  // networking
  ...ops('net_device_ops', ['ndo_open', 'ndo_validate_addr'], 'process', '__dev_open', RTNL),
  ...ops('net_device_ops', ['ndo_stop'], 'process', '__dev_close_many', RTNL),
  ...ops('net_device_ops', ['ndo_set_mac_address'], 'process', 'dev_set_mac_address', RTNL),
  ...ops('net_device_ops', ['ndo_change_mtu'], 'process', '__dev_set_mtu (dev_set_mtu_ext)', RTNL),
  ...ops('net_device_ops', ['ndo_eth_ioctl'], 'process', 'dev_eth_ioctl (dev_ifsioc)', RTNL),
  ...ops('net_device_ops', ['ndo_set_features'], 'process', '__netdev_update_features', RTNL),
  ...ops('net_device_ops', ['ndo_init'], 'process', 'register_netdevice', RTNL),
  ...ops('net_device_ops', ['ndo_uninit'], 'process', 'unregister_netdevice_many_notify', RTNL),
  ...ops('net_device_ops', ['ndo_vlan_rx_add_vid', 'ndo_vlan_rx_kill_vid'], 'process', 'vlan_add_rx_filter_info / vlan_kill_rx_filter_info', RTNL),
  // LLTX devices are called without _xmit_lock; netpoll calls it with irqs off too
  ...ops('net_device_ops', ['ndo_start_xmit'], 'softirq', 'dev_hard_start_xmit (__dev_queue_xmit, sch_direct_xmit)',
    ['netdev_queue._xmit_lock'], { bhOff: true }),
  // also reached from softirq (multicast joins from timers), always under the address lock with bh off
  // __dev_set_rx_mode() runs under netif_addr_lock_bh(): process context with bottom halves off, not softirq
  // (lockdep counts softirq usage only in softirq context).
  ...ops('net_device_ops', ['ndo_set_rx_mode'], 'process', '__dev_set_rx_mode (dev_set_rx_mode)', ['net_device.addr_list_lock'], { bhOff: true }),
  ...ops('net_device_ops', ['ndo_tx_timeout'], 'softirq', 'dev_watchdog (timer)', ['net_device.tx_global_lock'], { bhOff: true }),
  // called under rcu_read_lock from /proc/net/dev and by stacked devices: must not sleep (not expressible yet)
  ...ops('net_device_ops', ['ndo_get_stats64'], 'process', 'dev_get_stats'),
  ...ops('ethtool_ops', ['get_drvinfo', 'get_link', 'get_link_ksettings', 'set_link_ksettings', 'get_strings',
    'get_sset_count', 'get_ethtool_stats', 'get_msglevel', 'set_msglevel', 'get_ringparam', 'set_ringparam', 'nway_reset'],
  'process', 'dev_ethtool / ethnl_default_doit', RTNL),
  ...ops('phy_driver', ['config_aneg'], 'process', '_phy_start_aneg', ['phy_device.lock']),
  ...ops('phy_driver', ['read_status'], 'process', 'phy_read_status (phy_check_link_status)', ['phy_device.lock']),
  ...ops('phy_driver', ['handle_interrupt'], 'process', 'phy_interrupt (threaded irq)', ['phy_device.lock']),
  ...ops('phy_driver', ['config_init'], 'process', 'phy_init_hw'),
  ...ops('pernet_operations', ['init'], 'process', 'ops_init', ['pernet_ops_rwsem']),
  ...ops('pernet_operations', ['exit'], 'process', 'ops_exit_list', ['pernet_ops_rwsem']),
  // genl_mutex too unless the family sets parallel_ops
  ...ops('genl_small_ops', ['doit'], 'process', 'genl_family_rcv_msg_doit', ['cb_lock']),
  ...ops('genl_ops', ['doit'], 'process', 'genl_family_rcv_msg_doit', ['cb_lock']),
  ...ops('napi_struct', ['poll'], 'softirq', '__napi_poll (net_rx_action)', undefined, { bhOff: true }),
  // the receive path: packet taps and protocol handlers run from __netif_receive_skb (NET_RX softirq, or
  // dev_queue_xmit_nit under rcu_read_lock_bh), STP/LLC handlers from llc_rcv: bottom halves off either way
  ...ops('packet_type', ['func'], 'softirq', '__netif_receive_skb_core / dev_queue_xmit_nit', undefined, { bhOff: true }),
  ...ops('net_protocol', ['handler', 'err_handler'], 'softirq', 'ip_protocol_deliver_rcu (ip_local_deliver_finish)', undefined, { bhOff: true }),
  ...ops('inet6_protocol', ['handler', 'err_handler'], 'softirq', 'ip6_protocol_deliver_rcu', undefined, { bhOff: true }),
  ...ops('stp_proto', ['rcv'], 'softirq', 'stp_pdu_rcv (llc_rcv)', undefined, { bhOff: true }),
  // s390 adapter interrupts: do_airq_interrupt(), the I/O interrupt's irqaction, calls each registered
  // (register_adapter_interrupt) airq_struct's handler in hardirq context
  ...ops('airq_struct', ['handler'], 'hardirq', 'do_airq_interrupt'),
  // completions run in BH for HCD_BH host controllers, in hardirq otherwise: assume the worst
  ...ops('urb', ['complete'], 'hardirq', '__usb_hcd_giveback_urb'),
  ...ops('timer_list', ['function'], 'softirq', 'call_timer_fn (expire_timers)', undefined, { bhOff: true }),
  // clocks: the global prepare_lock (mutex) and enable_lock (spin, irqs off)
  ...ops('clk_ops', ['recalc_rate'], 'process', 'clk_recalc', ['prepare_lock']),
  ...ops('clk_ops', ['set_rate'], 'process', 'clk_change_rate', ['prepare_lock']),
  ...ops('clk_ops', ['round_rate', 'determine_rate'], 'process', 'clk_core_determine_round_nolock', ['prepare_lock']),
  ...ops('clk_ops', ['prepare'], 'process', 'clk_core_prepare', ['prepare_lock']),
  ...ops('clk_ops', ['unprepare'], 'process', 'clk_core_unprepare', ['prepare_lock']),
  ...ops('clk_ops', ['get_parent'], 'process', '__clk_init_parent', ['prepare_lock']),
  ...ops('clk_ops', ['set_parent'], 'process', '__clk_set_parent', ['prepare_lock']),
  ...ops('clk_ops', ['enable'], 'process', 'clk_core_enable', ['enable_lock'], { irqOff: true }),
  ...ops('clk_ops', ['disable'], 'process', 'clk_core_disable', ['enable_lock'], { irqOff: true }),
  // clk_core_is_enabled: sometimes under enable_lock, sometimes under nothing
  ...ops('clk_ops', ['is_enabled'], 'process', 'clk_core_is_enabled'),
  ...ops('regulator_ops', ['enable'], 'process', '_regulator_do_enable', ['regulator_dev.mutex']),
  ...ops('regulator_ops', ['disable'], 'process', '_regulator_do_disable', ['regulator_dev.mutex']),
  ...ops('regulator_ops', ['set_voltage_sel'], 'process', '_regulator_call_set_voltage_sel', ['regulator_dev.mutex']),
  ...ops('regulator_ops', ['is_enabled', 'list_voltage', 'get_voltage_sel', 'map_voltage'], 'process',
    '_regulator_is_enabled / regulator_list_voltage / regulator_get_voltage_rdev'),
  // regcache init and debugfs also call them without the lock; the lock is a spinlock with fast_io
  ...ops('regmap_config', ['volatile_reg', 'readable_reg', 'writeable_reg'], 'process', 'regmap_volatile / regmap_readable / regmap_writeable (_regmap_read)', ['regmap.lock']),
  ...ops('i2c_algorithm', ['master_xfer'], 'process', '__i2c_transfer (i2c_transfer)', ['i2c_adapter.bus_lock']),
  // irq core: flow handlers call mask/ack/unmask in hardirq under the raw desc lock
  ...ops('irq_chip', ['irq_mask', 'irq_unmask', 'irq_ack'], 'hardirq', 'mask_irq / unmask_irq / handle_level_irq', ['irq_desc.lock']),
  ...ops('irq_chip', ['irq_set_type'], 'process', '__irq_set_trigger', ['irq_desc.lock'], { irqOff: true }),
  ...ops('irq_domain_ops', ['map'], 'process', 'irq_domain_associate_locked', ['irq_domain.mutex']),
  ...ops('iio_info', ['read_raw', 'write_raw'], 'process', 'iio_read_channel_info / iio_write_channel_info'),
  ...ops('v4l2_ctrl_ops', ['s_ctrl'], 'process', 'try_or_set_cluster', ['v4l2_ctrl_handler.lock']),
  ...ops('rtc_class_ops', ['read_time'], 'process', '__rtc_read_time', ['rtc_device.ops_lock']),
  ...ops('rtc_class_ops', ['set_time'], 'process', 'rtc_set_time', ['rtc_device.ops_lock']),
  ...ops('rtc_class_ops', ['set_alarm'], 'process', '__rtc_set_alarm', ['rtc_device.ops_lock']),
  // watchdog_open and the reboot notifier call these without wd_data->lock; ioctl/ping hold it
  ...ops('watchdog_ops', ['start', 'stop'], 'process', 'watchdog_start / watchdog_stop'),
  ...ops('backlight_ops', ['update_status'], 'process', 'backlight_update_status', ['backlight_device.update_lock']),
  ...ops('drm_crtc_funcs', ['enable_vblank'], 'process', '__enable_vblank (drm_vblank_enable)', ['drm_device.vbl_lock'], { irqOff: true }),
  // serial core
  ...ops('uart_ops', ['start_tx'], 'process', '__uart_start (uart_start)', ['uart_port.lock'], { irqOff: true }),
  ...ops('uart_ops', ['stop_tx'], 'process', 'uart_stop', ['uart_port.lock'], { irqOff: true }),
  ...ops('uart_ops', ['set_mctrl'], 'process', 'uart_update_mctrl', ['uart_port.lock'], { irqOff: true }),
  ...ops('uart_ops', ['startup'], 'process', 'uart_port_startup', ['tty_port.mutex']),
  ...ops('uart_ops', ['shutdown'], 'process', 'uart_port_shutdown (uart_shutdown)', ['tty_port.mutex']),
  ...ops('uart_ops', ['set_termios'], 'process', 'uart_change_line_settings', ['tty_port.mutex']),
  // printk flushes legacy consoles from whatever context printed, hardirq included, irqs off
  ...ops('console', ['write'], 'hardirq', 'console_emit_next_record (console_unlock)', ['console_sem']),
];
