/* The generic versions of what each architecture provides. */
#ifndef ioremap
static inline void __iomem *ioremap(phys_addr_t addr, size_t size)
{
	return (void __iomem *)addr;
}
#endif
