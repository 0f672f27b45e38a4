// Small C helpers for what Swift cannot reach directly or does slowly:
// scans glibc vectorises, and socket options libuv 1.44 has no flag for.
// Every symbol is prefixed mq_.
#ifndef MQ_SHIMS_H
#define MQ_SHIMS_H

#include <stddef.h>

/// Offset of the first "\r\n\r\n" in bytes[0..<length], or -1: memchr (vectorised
/// in glibc) for each LF, then a look around it. glibc's memmem took about
/// 1,300 instructions for a 350-byte request head; this takes a few hundred.
long mq_find_blank_line(const unsigned char *bytes, size_t length);

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
