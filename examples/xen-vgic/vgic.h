/* Types of a virtual GIC, in the shape of Xen's ARM vGIC (written for this example). */
#ifndef __ASM_ARM_VGIC_H__
#define __ASM_ARM_VGIC_H__

struct irq_desc {
	spinlock_t lock;
	unsigned int irq;
	const struct hw_interrupt_type *handler;
	unsigned int status;
};

struct pending_irq {
	unsigned long status;
	struct irq_desc *desc;
	unsigned int irq;
	uint8_t lr;
	uint8_t priority;
};

struct vgic_irq_rank {
	spinlock_t lock;
	uint8_t index;
	uint32_t ienable;
	uint8_t vcpu[32];
};

/* The rank lock is always taken with interrupts off. */
#define vgic_lock_rank(v, r, flags)   spin_lock_irqsave(&(r)->lock, flags)
#define vgic_unlock_rank(v, r, flags) spin_unlock_irqrestore(&(r)->lock, flags)

struct vgic_irq_rank *vgic_rank_irq(struct vcpu *v, unsigned int irq);
struct pending_irq *irq_to_pending(struct vcpu *v, unsigned int irq);
void vgic_enable_irqs(struct vcpu *v, uint32_t r, int n);

#endif
