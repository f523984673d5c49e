#!/usr/bin/env python3
"""The Python peer of the handoff tests, with the standard library's socket.send_fds / recv_fds.

usage: py_handoff.py give CHANNEL   makes a TCP listener on 127.0.0.1, sends it over the Unix
                                    socket CHANNEL with the message b"portio-socket", closes its
                                    copy, prints "sent PORT", waits for CHANNEL to close
       py_handoff.py serve CHANNEL  receives a listener over CHANNEL, prints "received", answers one
                                    client (b"hello" -> b"echo:hello"), prints "served"
"""
import socket
import sys

MESSAGE = b"portio-socket"
mode, path = sys.argv[1], sys.argv[2]
channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
channel.settimeout(15)
channel.connect(path)
if mode == "give":
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    socket.send_fds(channel, [MESSAGE], [listener.fileno()])
    listener.close()
    print(f"sent {port}", flush=True)
    channel.recv(1)
elif mode == "serve":
    message, fds, flags, _ = socket.recv_fds(channel, len(MESSAGE), 1)
    assert message == MESSAGE and len(fds) == 1, (message, fds, flags)
    listener = socket.socket(fileno=fds[0])
    listener.settimeout(15)
    print(f"received {listener.type.name}", flush=True)
    connection, _ = listener.accept()
    with connection:
        connection.settimeout(15)
        connection.sendall(b"echo:" + connection.recv(100))
    listener.close()
    print("served", flush=True)
else:
    sys.exit(f"unknown mode {mode}")
