"""A free loopback TCP port, for every test that starts a server or a multi-process launch."""

import socket


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; released before it is returned)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
