/* The GIC side of routing (shape of xen/arch/arm/gic.c). */
#include "vgic.h"

int gic_route_irq_to_guest(struct domain *d, unsigned int virq,
                           struct irq_desc *desc, unsigned int priority)
{
    unsigned long flags;
    struct vcpu *v_target = vgic_get_target_vcpu(d->vcpu[0], virq);
    struct vgic_irq_rank *rank = vgic_rank_irq(v_target, virq);
    struct pending_irq *p = irq_to_pending(v_target, virq);
    int res = -EBUSY;

    /* Protect p->desc against a concurrent routing of the same virq. */
    vgic_lock_rank(v_target, rank, flags);

    if ( p->desc )
        goto out;

    desc->handler = gic_hw_ops->gic_guest_irq_type;
    p->desc = desc;
    res = 0;

out:
    vgic_unlock_rank(v_target, rank, flags);
    return res;
}
