/* Enabling virtual interrupts (shape of xen/arch/arm/vgic.c). */
#include "vgic.h"

void vgic_enable_irqs(struct vcpu *v, uint32_t r, int n)
{
    unsigned long flags;
    unsigned int irq, i = 0;
    struct pending_irq *p;
    struct vcpu *v_target;

    while ( (i = find_next_bit(&r, 32, i)) < 32 )
    {
        irq = i + (32 * n);
        v_target = vgic_get_target_vcpu(v, irq);
        p = irq_to_pending(v_target, irq);
        set_bit(GIC_IRQ_GUEST_ENABLED, &p->status);
        if ( p->desc != NULL )
        {
            spin_lock_irqsave(&p->desc->lock, flags);
            p->desc->handler->enable(p->desc);
            spin_unlock_irqrestore(&p->desc->lock, flags);
        }
        i++;
    }
}
