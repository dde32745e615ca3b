#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pty_dialog.py TRANSCRIPT PROMPT=ANSWER... -- CMD [ARG...]

Run CMD on a terminal of its own (a pty, its controlling terminal) and
play the person at it: each time the output shows the next PROMPT, type
ANSWER and Enter.  A PROMPT ending in "*" (the "*" not part of it) is a
secret one: the answer is typed only once the program has turned echo
off (as a person would see no echo), so nothing typed is lost to its
TCSAFLUSH.  Everything the terminal shows goes to TRANSCRIPT.  Exits
with CMD's status; 124 when the dialogue does not finish within 150 s.
"""
import fcntl
import os
import select
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    transcript, steps, cmd = args[0], args[1:sep], args[sep + 1:]
    master, slave = os.openpty()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(master)
        os.execvp(cmd[0], cmd)
    shown = b""
    at = 0                      # output up to here answered already
    deadline = time.monotonic() + 150
    status = None
    with open(transcript, "wb") as out:
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                data = os.read(master, 4096)
                out.write(data)
                out.flush()
                shown += data
                continue
            if status is not None:
                break           # ended, and all it wrote is read
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                continue
            if not steps:
                continue
            prompt, answer = steps[0].split("=", 1)
            secret = prompt.endswith("*")
            prompt = prompt.rstrip("*").encode()
            i = shown.find(prompt, at)
            if i < 0:
                continue
            if secret and termios.tcgetattr(slave)[3] & termios.ECHO:
                continue        # not yet: echo still on
            at = i + len(prompt)
            steps.pop(0)
            os.write(master, answer.encode() + b"\r")
        else:
            if status is None:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            sys.exit(124)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
