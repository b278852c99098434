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

import os
import pickle
import sys
from typing import BinaryIO


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


def main() -> None:
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
