/* The event core: takes event_mutex inside its helpers. */
#include <linux/events.h>

DEFINE_MUTEX(event_mutex);
static int event_total;

void event_lock(void)
{
	mutex_lock(&event_mutex);
}

void event_unlock(void)
{
	mutex_unlock(&event_mutex);
}

void event_publish(int id)
{
	mutex_lock(&event_mutex);
	event_total += id;
	mutex_unlock(&event_mutex);
}
