/* One configuration's ioremap (an emulated-MMIO architecture): it looks up regions under a mutex. */
static DEFINE_MUTEX(regions_mtx);

void __iomem *ioremap(phys_addr_t offset, size_t size)
{
	void __iomem *ret;

	mutex_lock(&regions_mtx);
	ret = find_region(offset, size);
	mutex_unlock(&regions_mtx);
	return ret;
}
