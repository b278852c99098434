"""A worker process that solves parts of a program sent to it (see `symbiosis.decompose`).

Started as `python -m symbiosis.part_worker`: it reads pickled (function, arguments) pairs
from stdin and writes each function's answer back (ok, value), or (False, the exception it raised),
until stdin closes; the functions are
the package's own, pickled by name (`decompose.solve_part` for a part of a program, a
coalition chunk of `analysis.cooperative`), and the pipe is this process's parent's only. HiGHS's log, when asked for, goes to stderr with anything else
printed. A plain subprocess, not multiprocessing: spawn and forkserver would re-import the
caller's main script (a user's script without a `__main__` guard would start again), and
fork is unsafe once HiGHS has started its threads.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
from typing import BinaryIO

PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def send(stream: BinaryIO, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def receive(stream: BinaryIO):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "little")
    return pickle.loads(stream.read(size))


def _die_with_parent() -> None:
    """Ask Linux to end this process when its parent dies: a worker deep in a long HiGHS
    run reads no pipe, and would otherwise run on, orphaned, until its part is solved."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):  # another libc: the pipe still ends it, later
            pass


def main() -> None:
    _die_with_parent()
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the replies
    requests = sys.stdin.buffer
    while True:
        try:
            function, arguments = receive(requests)
        except EOFError:
            return
        try:
            reply = (True, function(*arguments))
        except Exception as error:  # the caller raises it: one failing call is not a crash
            reply = (False, error)
        send(replies, reply)


if __name__ == "__main__":
    main()
