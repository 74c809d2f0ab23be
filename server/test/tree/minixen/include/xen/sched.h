/* Marks a Xen hypervisor tree (include/xen/sched.h beside common/). */
struct domain {
	spinlock_t page_alloc_lock;
};
