// Small C helpers for what Swift cannot reach directly: functions that
// glibc only declares under _GNU_SOURCE, and socket options libuv 1.44 has
// no flag for. Every symbol is prefixed mq_.
#ifndef MQ_SHIMS_H
#define MQ_SHIMS_H

#include <stddef.h>

/// Sets SO_REUSEPORT on a socket so every shard can bind the same port and
/// the kernel spreads accepted connections over them. 0 or -errno.
int mq_set_reuseport(int fd);

/// Sets TCP_NODELAY: responses are written whole, Nagle only adds latency.
int mq_set_nodelay(int fd);

/// The process's CPU time (user + system) in microseconds: benchmarks and
/// /metrics report CPU per request from it.
long long mq_process_cpu_micros(void);

/// Names the calling thread (shown by top -H, perf, gdb); Linux keeps 15 bytes.
void mq_set_thread_name(const char *name);

/// Gives the calling thread a nice value (Linux schedules threads
/// separately): background CPU work yields to the event loops. 0 or -errno.
int mq_set_thread_nice(int nice);

#endif
