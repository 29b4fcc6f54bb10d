"""What the tests that start a real server share: a free loopback port, and stopping the
server's process group (SIGTERM, as a user's ``kill``; SIGKILL for what is left)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(process: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM to ``process``'s group (started with ``start_new_session=True``), SIGKILL to
    the group when it has not exited within ``grace`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    except ProcessLookupError:
        pass
