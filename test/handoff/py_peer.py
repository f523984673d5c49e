#!/usr/bin/env python3
"""Python 3's side of the fd-passing dialogue with a portio process (test/handoff/child.ts,
mode `python`), using the standard library's socket.send_fds / recv_fds. Listens on the Unix
socket PATH, prints "listening", serves one connection, prints "python ok" when every step
checked out, else exits non-zero.

usage: py_peer.py PATH
"""
import os
import socket
import stat
import sys

path = sys.argv[1]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
print("listening", flush=True)
server.settimeout(15)
conn, _ = server.accept()
conn.settimeout(15)


def expect(sock, data):
    got = b""
    while len(got) < len(data):
        chunk = sock.recv(len(data) - len(got))
        if not chunk:
            break
        got += chunk
    assert got == data, (got, data)


# 1. A socket passed to portio: it sends through it, and it arrives at the end kept here.
mine, theirs = socket.socketpair()
socket.send_fds(conn, [b"one"], [theirs.fileno()])
theirs.close()
mine.settimeout(15)
expect(mine, b"via-fd")

# 2. Bytes before and after a message with an fd.
extra_a, extra_b = socket.socketpair()
conn.sendall(b"before")
socket.send_fds(conn, [b"M"], [extra_a.fileno()])
conn.sendall(b"after")
extra_a.close()

# 3. More fds than portio asks for: it must close those that came and carry on.
triple = [socket.socket() for _ in range(3)]
socket.send_fds(conn, [b"three"], [s.fileno() for s in triple])
for s in triple:
    s.close()

# 4. portio passes a socket to Python.
message, fds, flags, _ = socket.recv_fds(conn, 4, 1)
assert message == b"back" and len(fds) == 1 and flags & socket.MSG_CTRUNC == 0, (message, fds, flags)
assert stat.S_ISSOCK(os.fstat(fds[0]).st_mode)
received = socket.socket(fileno=fds[0])
received.sendall(b"from-python")
received.close()
conn.sendall(b"ok")
expect(conn, b"done")
conn.close()
extra_b.close()
mine.close()
server.close()
print("python ok", flush=True)
