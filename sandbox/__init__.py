"""Everything that runs untrusted code: `Sandbox` runs and judges Python programs on fork-server workers.

    from sandbox import Job, Limits, Sandbox
    with Sandbox("local", workers=2) as box:
        result = box.run("print(input()[::-1])", b"abc\\n", Limits(time_ms=2000, memory_kb=262144))
        for index, judgement in box.judge_many(jobs): ...

One harness (sandbox/harness.py), two backends. `local` runs it as processes on this machine; `docker` runs
it as the only process of long-lived hardened containers of image coderl-sandbox:latest (sandbox/image/).
Verdict rules: sandbox/judge.py (comparison) and harness.py (how a run ended). Not a security product:
what follows is what it is built and tested (tests/sandbox/) to withstand, and what it is not.

Covered (both backends unless marked):
- no network: an empty network namespace (local, when root or where user namespaces are allowed; one per
  worker, entered once: its runs are sequential and nothing of a run survives it) or network_mode none
  (docker); DNS lookups and connections to the host's 127.0.0.1 fail.
- limits per run: CPU time (sampled every 50 ms and killed, RLIMIT_CPU as backstop), wall clock (2 x time
  limit + 1 s), peak RSS (sampled and from wait4's ru_maxrss; RLIMIT_AS = limit + 2 GiB as a backstop),
  stdout/stderr size (RLIMIT_FSIZE -> SIGXFSZ), open files, no core dumps, a large stack for deep recursion.
- processes: own session and process group; RLIMIT_NPROC per sandbox uid (local, root) or pids_limit
  (docker) bounds fork and thread bombs; after every run all processes the program started, daemons and
  setsid'd grandchildren included, are killed (by uid from a setuid helper, or kill(-1) inside the container).
- identity: a distinct unprivileged uid per worker (local, when root) or the image's non-root user (docker);
  no_new_privs, so setuid binaries give nothing back; programs cannot ptrace or signal the server (another
  uid, or pid 1 of the container and not dumpable).
- files: a fresh work dir per run, removed afterwards; /tmp, /var/tmp, /dev/shm are private tmpfs mounts wiped
  after every run and the host's file systems are read-only (local, root: own mount namespace; docker:
  read-only root, tmpfs); the sandbox uid cannot read root's files (e.g. /root, where pyenv is re-exposed).
- environment: the program sees only PATH, HOME, LANG and the one-thread BLAS variables, never the host's.
- the host: it talks to workers in length-prefixed JSON (never pickle), checks every field and size, and
  replaces a worker that dies, hangs or sends garbage, re-running the job (a sandbox failure is reported as
  "Sandbox Error", never blamed on the program).

Not covered:
- kernel exploits, side channels, and CPU/memory-bandwidth contention between workers (timings are noisy).
- local backend without root: programs run as the calling user, with that user's files, processes (a
  program may kill(-1) them), process limit (no RLIMIT_NPROC of its own: a fork bomb is stopped only by the
  time limit) and, where user namespaces are not allowed, its network. Use docker there.
- local backend: memory is bounded per process (RSS sampled, RLIMIT_AS), not per worker: a program forking
  many large children can use up to NPROC x (limit + 2 GiB) until killed; docker's cgroup bounds the container.
- programs can see the host's process list and read world-readable host files (local) or the image (docker).
- docker: programs share the server's uid, so a deliberate one can disrupt the server (e.g. lower its rlimits
  with prlimit); its job then ends as "Sandbox Error" after retries on fresh containers. The host, other
  containers and later jobs are unaffected.
- fidelity: programs run under the host's (local) or the image's (docker) Python 3.11, numpy and scipy, forked
  from a server that pre-imported common stdlib modules (sys.modules shows them; the str hash seed is shared
  by the runs of one worker); stdin/stdout are files, as under a judge.
"""
from sandbox.harness import HARNESS_VERSION
from sandbox.judge import ExecutionResult, Job, Judgement, Limits, compare_output
from sandbox.pool import Sandbox

__all__ = ["HARNESS_VERSION", "ExecutionResult", "Job", "Judgement", "Limits", "Sandbox", "compare_output"]
