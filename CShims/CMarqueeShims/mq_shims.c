#define _GNU_SOURCE
#include "mq_shims.h"

#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert(sizeof(size_t) == 8, "Marquee assumes a 64-bit platform");

int mq_set_reuseport(int fd) {
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) return -errno;
    return 0;
}

int mq_set_nodelay(int fd) {
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0) return -errno;
    return 0;
}

long long mq_process_cpu_micros(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
    return (long long)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

void mq_set_thread_name(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof(shortened) - 1);
    shortened[sizeof(shortened) - 1] = '\0';
    pthread_setname_np(pthread_self(), shortened);
}

int mq_set_thread_nice(int nice) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (setpriority(PRIO_PROCESS, (id_t)tid, nice) != 0) return -errno;
    return 0;
}
