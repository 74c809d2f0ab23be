/* Declarations the example driver needs; a stand-in for the kernel headers. */
#define NR_EVENT_CHANNELS 1024
#define EVTCHN_RING_SIZE 512
#define EVTCHN_RING_MASK(p) ((p) & (EVTCHN_RING_SIZE - 1))
typedef unsigned int evtchn_port_t;
