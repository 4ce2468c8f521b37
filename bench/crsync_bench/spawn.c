/* Launcher for measured runs: forks, execs argv[2..], reaps the child with
 * wait4 and writes "wall_seconds user_seconds system_seconds maxrss_kib
 * wait_status" to the file argv[1]. The measuring Python process cannot
 * fork the command itself: Linux carries the forking process's peak RSS
 * into the child's ru_maxrss across exec, so a child forked from Python
 * reports at least Python's RSS. This launcher is small, so its child's
 * figure is the command's own. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: spawn RESULT_FILE COMMAND [ARGS...]\n");
    return 127;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 127;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("wait4");
    return 127;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  FILE* f = fopen(argv[1], "w");
  if (!f) {
    perror(argv[1]);
    return 127;
  }
  fprintf(f, "%.6f %ld.%06ld %ld.%06ld %ld %d\n",
          (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
          (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec,
          (long)ru.ru_stime.tv_usec, ru.ru_maxrss, status);
  fclose(f);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
