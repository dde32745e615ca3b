#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Attack traffic for selftests/sec_flood.sh (test addresses only).

  sec_flood.py flood DST BASE N COUNT RATE STOPFILE REPORT
      COUNT first messages (round robin over the N source addresses
      BASE.. BASE+N-1, which must be local) at DST:500 as fast as they go:
      bare 28-byte main mode headers, offers no policy matches, acceptable
      offers and garbage; then RATE a second until STOPFILE exists (at
      most 240 s).  REPORT gets "sent=COUNT secs=S rate=R" after the
      first COUNT, and the totals at the end.
  sec_flood.py sniff IFACE SRC OUT SECS
      The UDP payload of the first encrypted informational message from
      SRC:500 seen on IFACE (AF_PACKET), written to OUT.
  sec_flood.py replay SRCADDR DST FILE
      Send FILE's bytes from SRCADDR:500 to DST:500.
"""
import ipaddress
import os
import socket
import struct
import sys
import time


def hdr(icky, exch, length, np=1):
    return icky + b"\0" * 8 + struct.pack("!BBBBII", np, 0x10, exch, 0, 0, length)


def tv(t, v):
    return struct.pack("!HH", 0x8000 | t, v)


def mm1(icky, group):
    attrs = tv(1, 7) + tv(14, 256) + tv(2, 2) + tv(3, 1) + tv(4, group) + \
        tv(11, 1) + tv(12, 28800)
    xf = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xf), 1, 1, 0, 1) + xf
    sa = struct.pack("!BBHII", 0, 0, 12 + len(prop), 1, 1) + prop
    return hdr(icky, 2, 28 + len(sa)) + sa


def message(i):
    icky = os.urandom(8)
    kind = i % 4
    if kind == 0:
        return hdr(icky, 2, 28, np=0)              # bare header
    if kind == 1:
        return mm1(icky, 16)                        # no policy matches
    if kind == 2:
        return mm1(icky, 14)                        # acceptable offer
    return hdr(icky, 2, 60) + os.urandom(32)        # garbage payloads


def flood(dst, base, n, count, rate, stopfile, report):
    socks = []
    first = ipaddress.ip_address(base)
    for k in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((str(first + k), 500))
        s.setblocking(False)
        socks.append(s)
    t0 = time.time()
    i = 0
    t1 = None
    while True:
        if t1 is not None:
            # Paced: the (i - count)th message is due at t1 + k / rate.
            delay = t1 + (i - count) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        try:
            socks[i % n].sendto(message(i), (dst, 500))
        except (BlockingIOError, ConnectionRefusedError):
            pass
        i += 1
        if i == count:
            t1 = time.time()
            secs = t1 - t0
            with open(report, "w") as f:
                f.write("sent=%d secs=%.2f rate=%d\n" % (count, secs, count / secs))
        if i >= count and (i % 32 == 0) and (os.path.exists(stopfile) or
                                             time.time() - t0 > 240):
            break
    t2 = time.time()
    with open(report, "a") as f:
        f.write("total=%d secs=%.2f paced=%d in %.2f s (%d/s)\n" %
                (i, t2 - t0, i - count, t2 - t1, (i - count) / max(t2 - t1, 0.01)))


def sniff(iface, src, out, secs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    s.settimeout(1)
    want = socket.inet_aton(src)
    end = time.time() + secs
    while time.time() < end:
        try:
            f = s.recv(65535)
        except socket.timeout:
            continue
        ip = f[14:]
        if len(ip) < 20 or ip[9] != 17 or ip[12:16] != want:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        sport, dport = struct.unpack("!HH", udp[:4])
        ike = udp[8:]
        if sport != 500 or dport != 500 or len(ike) < 28:
            continue
        if ike[18] == 5 and ike[19] & 1 and ike[20:24] != b"\0\0\0\0":
            with open(out, "wb") as g:
                g.write(ike)
            return 0
    return 1


def replay(srcaddr, dst, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((srcaddr, 500))
    with open(path, "rb") as f:
        s.sendto(f.read(), (dst, 500))
    return 0


def main(a):
    if a[0] == "flood":
        flood(a[1], a[2], int(a[3]), int(a[4]), float(a[5]), a[6], a[7])
        return 0
    if a[0] == "sniff":
        return sniff(a[1], a[2], a[3], float(a[4]))
    if a[0] == "replay":
        return replay(a[1], a[2], a[3])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
