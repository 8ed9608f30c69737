"""Child processes that end with the process that started them, however it ends.

A process killed with SIGKILL (an OOM kill, a cancelled container, ``kill -9``)
runs no cleanup, so whatever it started must notice on its own: a page worker,
the simulator and its PDF worker watch the process they belong to with
:func:`exit_with`; a process started by a library we do not control (Prefect's
temporary API server) is watched from outside by a small guard process
(:func:`guard`, ``python -m portalwatch.lifeline``).

On Linux a process's end is awaited on a pidfd, so nothing polls; elsewhere the
watch checks once a second.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time

# How long a process told to stop (SIGTERM) may take to shut down cleanly before it is killed.
GRACE_SECONDS = 10.0
POLL_SECONDS = 1.0


def exit_with(pid: int) -> None:
    """End this process, cleanly if it can (SIGTERM), when process `pid` ends."""
    threading.Thread(target=_exit_when_gone, args=(pid,), name=f"lifeline-{pid}", daemon=True).start()


def _exit_when_gone(pid: int) -> None:
    wait_for_end([pid])
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(1)


def wait_for_end(pids: list[int], timeout: float | None = None) -> int | None:
    """Block until one of `pids` has ended and return it, or None after `timeout` seconds."""
    if not hasattr(os, "pidfd_open"):
        return _poll_for_end(pids, timeout)
    watched: dict[int, int] = {}
    try:
        for pid in pids:
            try:
                watched[os.pidfd_open(pid)] = pid
            except ProcessLookupError:
                return pid
        ready, _, _ = select.select(list(watched), [], [], timeout)
        return watched[ready[0]] if ready else None
    finally:
        for fd in watched:
            os.close(fd)


def _poll_for_end(pids: list[int], timeout: float | None) -> int | None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while deadline is None or time.monotonic() < deadline:
        for pid in pids:
            if not process_alive(pid):
                return pid
        time.sleep(POLL_SECONDS)
    return None


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def guard(child_pid: int, owner_pid: int | None = None, remove: str | None = None) -> subprocess.Popen:
    """Start a guard that stops process `child_pid` (its process group when it leads one)
    if `owner_pid` (default: this process) ends first; the guard ends with either, after
    removing the folder `remove` (the child's own, such as a throwaway server's home) if given."""
    owner = owner_pid or os.getpid()
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portalwatch.lifeline",
            str(owner),
            str(child_pid),
            *([remove] if remove else []),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(pid: int) -> None:
    """SIGTERM, then SIGKILL after the grace period, to `pid` (its group when it leads one)."""
    group = os.getpgid(pid) == pid

    def send(sig: int) -> None:
        try:
            os.killpg(pid, sig) if group else os.kill(pid, sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    if wait_for_end([pid], GRACE_SECONDS) is None or group:
        send(signal.SIGKILL)  # the group: whatever the leader started and left behind


def main(argv: list[str]) -> int:
    owner, child = int(argv[0]), int(argv[1])
    if wait_for_end([owner, child]) == owner:
        try:
            _stop(child)
        except ProcessLookupError:
            pass
    if len(argv) > 2:
        shutil.rmtree(argv[2], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
