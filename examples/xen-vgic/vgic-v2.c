/* MMIO emulation of the distributor (shape of xen/arch/arm/vgic-v2.c). */
#include "vgic.h"

static int vgic_v2_distr_mmio_write(struct vcpu *v, mmio_info_t *info,
                                    register_t r, void *priv)
{
    struct vgic_irq_rank *rank;
    int gicd_reg = (int)(info->gpa - v->domain->arch.vgic.dbase);
    unsigned long flags;

    switch ( gicd_reg )
    {
    case VRANGE32(GICD_ISENABLER, GICD_ISENABLERN):
        rank = vgic_rank_offset(v, 1, gicd_reg - GICD_ISENABLER, DABT_WORD);
        if ( rank == NULL )
            goto write_ignore;
        vgic_lock_rank(v, rank, flags);
        rank->ienable |= r;
        vgic_enable_irqs(v, r, rank->index);
        vgic_unlock_rank(v, rank, flags);
        return 1;

    default:
        return 0;
    }

write_ignore:
    return 1;
}

static const struct mmio_handler_ops vgic_v2_distr_mmio_handler = {
    .read  = vgic_v2_distr_mmio_read,
    .write = vgic_v2_distr_mmio_write,
};
