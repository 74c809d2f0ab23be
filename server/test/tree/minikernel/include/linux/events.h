/* The event core's interface. */
void event_publish(int id);
void event_lock(void);
void event_unlock(void);

static inline int event_count_locked(int *counter)
{
	return *counter;
}
