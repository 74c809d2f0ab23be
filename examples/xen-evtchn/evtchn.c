// SPDX-License-Identifier: GPL-2.0
/*
 * A user-space event-channel device, in the shape of the Linux driver before
 * commit "xen/evtchn: avoid a deadlock when unbinding an event channel":
 * the unbind path calls disable_irq() while holding port_user_lock, and the
 * interrupt handler takes port_user_lock.
 */
#include "evtchn.h"

static DEFINE_SPINLOCK(port_user_lock);

struct per_user_data {
	struct mutex bind_mutex;
	unsigned int ring_cons, ring_prod, ring_overflow;
	evtchn_port_t *ring;
	wait_queue_head_t evtchn_wait;
	struct fasync_struct *evtchn_async_queue;
	const char *name;
};

static struct per_user_data *port_user[NR_EVENT_CHANNELS];

static irqreturn_t evtchn_interrupt(int irq, void *data)
{
	unsigned int port = (unsigned long)data;
	struct per_user_data *u;

	spin_lock(&port_user_lock);

	u = port_user[port];
	disable_irq_nosync(irq);

	if ((u->ring_prod - u->ring_cons) < EVTCHN_RING_SIZE) {
		u->ring[EVTCHN_RING_MASK(u->ring_prod)] = port;
		wmb();
		if (u->ring_cons == u->ring_prod++) {
			wake_up_interruptible(&u->evtchn_wait);
			kill_fasync(&u->evtchn_async_queue, SIGIO, POLL_IN);
		}
	} else {
		u->ring_overflow = 1;
	}

	spin_unlock(&port_user_lock);
	return IRQ_HANDLED;
}

static int evtchn_bind_to_user(struct per_user_data *u, int port)
{
	int rc;

	port_user[port] = u;
	rc = bind_evtchn_to_irqhandler(port, evtchn_interrupt, IRQF_DISABLED,
				       u->name, (void *)(unsigned long)port);
	if (rc >= 0)
		rc = 0;
	return rc;
}

static void evtchn_unbind_from_user(struct per_user_data *u, int port)
{
	int irq = irq_from_evtchn(port);

	unbind_from_irqhandler(irq, (void *)(unsigned long)port);
	port_user[port] = NULL;
}

static long evtchn_ioctl_unbind(struct per_user_data *u, unsigned int port)
{
	int rc = -ENOTCONN;

	mutex_lock(&u->bind_mutex);
	spin_lock_irq(&port_user_lock);
	if (port_user[port] != u) {
		spin_unlock_irq(&port_user_lock);
		goto out;
	}
	/* Stop further interrupts before the port goes away. */
	disable_irq(irq_from_evtchn(port));
	spin_unlock_irq(&port_user_lock);

	evtchn_unbind_from_user(u, port);
	rc = 0;
out:
	mutex_unlock(&u->bind_mutex);
	return rc;
}

static long evtchn_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct per_user_data *u = file->private_data;

	switch (cmd) {
	case IOCTL_EVTCHN_BIND_VIRQ:
		return evtchn_bind_to_user(u, (int)arg);
	case IOCTL_EVTCHN_UNBIND:
		return evtchn_ioctl_unbind(u, (unsigned int)arg);
	default:
		return -ENOSYS;
	}
}

static const struct file_operations evtchn_fops = {
	.owner          = THIS_MODULE,
	.unlocked_ioctl = evtchn_ioctl,
};
