"""Free TCP ports for the servers the tests start (nginx, gunicorn, Redis, SeaweedFS, an
LRS): the kernel picks them, all at once so that they differ."""

from __future__ import annotations

import socket


def free_ports(count: int, address: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports free on ``address`` a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind((address, 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def free_port(address: str = "127.0.0.1") -> int:
    return free_ports(1, address)[0]
