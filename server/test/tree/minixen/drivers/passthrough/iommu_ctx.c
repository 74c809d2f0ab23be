/* A driver ported from Linux: its "mutex" is a spinlock and tasklet_kill() spins. */
struct iommu_ctx {
	spinlock_t lock;
	struct tasklet fault_tasklet;
};

void iommu_ctx_teardown(struct iommu_ctx *ctx)
{
	spin_lock(&ctx->lock);
	tasklet_kill(&ctx->fault_tasklet);
	spin_unlock(&ctx->lock);
}
