/* Issues known syscalls three ways: inline asm, libc syscall(), libc wrappers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef STATIC_BUILD
extern int uniml_a(void);
#endif

static inline __attribute__((always_inline)) long raw0(long n)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
    return r;
}

int main(int argc, char **argv)
{
    (void)argv;
    for (int i = 0; i < 3; i++)
        raw0(SYS_getppid);             /* inline asm, 3 times */
    raw0(SYS_sched_yield);             /* inline asm */
    syscall(SYS_gettid);               /* libc syscall() */
    syscall(SYS_getuid);               /* libc syscall() */
    close(-1);                         /* wrapper, fails with EBADF */
    struct utsname u;
    uname(&u);                         /* wrapper */
    umask(022);                        /* wrapper */
#ifndef STATIC_BUILD
    if (argc > 5 && dlopen("libuniml_plugin.so.1", RTLD_NOW) == 0)  /* never taken: only a dlopen candidate */
        return 2;
    return uniml_a() == 42 ? 0 : 1;
#else
    return argc > 5;
#endif
}
