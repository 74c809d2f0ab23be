/* Routing a physical interrupt to a guest (shape of xen/arch/arm/irq.c). */
#include "vgic.h"

int gic_route_irq_to_guest(struct domain *d, unsigned int virq,
                           struct irq_desc *desc, unsigned int priority);

int route_irq_to_guest(struct domain *d, unsigned int virq,
                       unsigned int irq, const char *devname)
{
    struct irq_desc *desc = irq_to_desc(irq);
    unsigned long flags;
    int retval = 0;

    spin_lock_irqsave(&desc->lock, flags);

    if ( desc->status & IRQ_GUEST )
    {
        retval = -EBUSY;
        goto out;
    }

    retval = gic_route_irq_to_guest(d, virq, desc, GIC_PRI_IRQ);

out:
    spin_unlock_irqrestore(&desc->lock, flags);
    return retval;
}
