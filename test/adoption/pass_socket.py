#!/usr/bin/env python3
"""Creates a socket of KIND, passes it to CMD as fd 3 and plays the peer: sends b"hello" and
expects b"echo:hello" back. Exits 0 and prints "peer ok" when the reply is right.

usage: pass_socket.py KIND -- CMD ARGS...
KIND: tcp_conn tcp_listen tcp6_listen unix_conn unix_listen udp_unconn udp6_unconn udp_conn
      unix_dgram unix_dgram_conn
"""
import os
import socket
import subprocess
import sys
import tempfile

TIMEOUT = 10
workdir = tempfile.mkdtemp(prefix="portio-pass-")


def make(kind):
    """Returns (socket for the child, peer function returning the reply)."""
    if kind == "tcp_conn":
        listener = socket.create_server(("127.0.0.1", 0))
        child = socket.create_connection(listener.getsockname())
        peer, _ = listener.accept()
        listener.close()
        return child, lambda: (peer.sendall(b"hello"), peer.recv(100))[1]
    if kind in ("tcp_listen", "tcp6_listen"):
        family, host = (socket.AF_INET6, "::1") if kind == "tcp6_listen" else (socket.AF_INET, "127.0.0.1")
        listener = socket.socket(family)
        listener.bind((host, 0))
        listener.listen(5)
        address = listener.getsockname()[:2]

        def peer():
            client = socket.create_connection(address, timeout=TIMEOUT)
            client.sendall(b"hello")
            return client.recv(100)
        return listener, peer
    if kind == "unix_conn":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        return b, lambda: (a.sendall(b"hello"), a.recv(100))[1]
    if kind == "unix_listen":
        path = os.path.join(workdir, "listen.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(5)

        def peer():
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.settimeout(TIMEOUT)
            client.connect(path)
            client.sendall(b"hello")
            return client.recv(100)
        return listener, peer
    if kind in ("udp_unconn", "udp6_unconn", "udp_conn"):
        family, host = (socket.AF_INET6, "::1") if kind == "udp6_unconn" else (socket.AF_INET, "127.0.0.1")
        child = socket.socket(family, socket.SOCK_DGRAM)
        child.bind((host, 0))
        peer_socket = socket.socket(family, socket.SOCK_DGRAM)
        peer_socket.bind((host, 0))
        peer_socket.settimeout(TIMEOUT)
        if kind == "udp_conn":
            child.connect(peer_socket.getsockname())
        address = child.getsockname()
        return child, lambda: (peer_socket.sendto(b"hello", address), peer_socket.recv(100))[1]
    if kind == "unix_dgram":
        path, peer_path = os.path.join(workdir, "child.dgram"), os.path.join(workdir, "peer.dgram")
        child = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        child.bind(path)
        peer_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        peer_socket.bind(peer_path)
        peer_socket.settimeout(TIMEOUT)
        return child, lambda: (peer_socket.sendto(b"hello", path), peer_socket.recv(100))[1]
    if kind == "unix_dgram_conn":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        a.settimeout(TIMEOUT)
        return b, lambda: (a.send(b"hello"), a.recv(100))[1]
    raise SystemExit(f"unknown kind {kind}")


def main():
    kind = sys.argv[1]
    assert sys.argv[2] == "--"
    child_socket, peer = make(kind)
    # fd 3 in the child: dup onto 3 (moving whatever was there out of the way) and pass it.
    saved = os.dup(3) if _is_open(3) else None
    os.dup2(child_socket.fileno(), 3, inheritable=True)
    process = subprocess.Popen(sys.argv[3:], pass_fds=[3])
    if saved is not None:
        os.dup2(saved, 3)
        os.close(saved)
    else:
        os.close(3)
    child_socket.close()  # the child owns it now
    try:
        reply = peer()
    except Exception as error:  # noqa: BLE001 - reported, not handled
        reply = f"{type(error).__name__}: {error}".encode()
    code = process.wait(timeout=TIMEOUT)
    print(f"peer {'ok' if reply == b'echo:hello' else 'got ' + repr(reply)} child={code}", flush=True)
    sys.exit(0 if reply == b"echo:hello" and code == 0 else 1)


def _is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
