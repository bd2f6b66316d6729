/* Waits for SIGTERM like a server: prints "waiting", sleeps in pause() and, when the handler has run,
   prints "stopped" and exits 0. With the argument "--default" it keeps SIGTERM's default action (dies of it). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--default") != 0)
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigaction(SIGTERM, &sa, NULL);
    }
    puts("waiting");
    fflush(stdout);
    while (!stop) pause();
    puts("stopped");
    return 0;
}
