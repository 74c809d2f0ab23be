/* The hypervisor's tasklet_kill() spins until the tasklet is idle; nothing here sleeps. */
void tasklet_kill(struct tasklet *t)
{
	while (t->is_running)
		cpu_relax();
}
