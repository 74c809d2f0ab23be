/* A driver that calls the event core with its own lock held, and the other way round. */
#include <linux/events.h>

struct foo {
	struct mutex lock;
	int events;
};

void foo_update(struct foo *f)
{
	mutex_lock(&f->lock);
	f->events++;
	event_publish(f->events);
	mutex_unlock(&f->lock);
}

void foo_dump(struct foo *f)
{
	event_lock();
	mutex_lock(&f->lock);
	f->events = 0;
	mutex_unlock(&f->lock);
	event_unlock();
}

/* Maps a window under its spinlock: the architecture's ioremap, not one configuration's in lib/. */
struct foo_win {
	spinlock_t win_lock;
	void __iomem *base;
};

void foo_map_window(struct foo_win *w, phys_addr_t addr)
{
	spin_lock(&w->win_lock);
	w->base = ioremap(addr, 4096);
	spin_unlock(&w->win_lock);
}
