"""Starts `manage.py rqworker` processes by forking, for the worker tests (tests/submissions/workers.py).

Python, Django and the portal are imported once here; each worker is a fork that runs the same
`rqworker` command in a session of its own, as a worker started by `make run` does. The kill trials
start a hundred workers: forked, each is at work in milliseconds instead of a second of CPU spent on
imports, and it dies of a SIGKILL the same way.

Protocol: one log file path a line on stdin; the new worker's pid a line on stdout.
"""

import os
import signal
import sys

import django

WORKER_ARGS = ["rqworker", "--with-scheduler", "incost", "default"]


def _worker(log_path: str) -> None:
    os.setsid()
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    # RQ waits for its work horses: children must be reported again in the worker.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    from django.core.management import call_command

    status = 0
    try:
        call_command(*WORKER_ARGS)
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
    django.setup()
    # What a worker imports on its first job, imported once here for every fork.
    import django_rq  # noqa: F401
    import rq  # noqa: F401
    from django.db import connections

    import incost_portal.incost.jobs
    import incost_portal.submissions.jobs  # noqa: F401

    connections.close_all()  # no connection may be shared with the forks
    # Workers that exit are reaped by the kernel: the tests watch them through /proc.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        pid = os.fork()
        if pid == 0:
            _worker(path)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
