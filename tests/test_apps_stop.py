"""``toolkit app`` stops cleanly: SIGTERM or SIGINT to the wrapper stops Voilà and every
kernel it started (preheated ones included) and removes the server's temporary folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from servers import free_port

from toolkit.app import _descendants

ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def _kernels(pid: int) -> list[int]:
    return [
        p
        for p in _descendants(pid)
        if "ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_voila_every_kernel_and_removes_the_folder(tmp_path, sig):
    port = free_port()
    env = dict(os.environ, TMPDIR=str(tmp_path), EOCIC_GEO_DOWNLOAD="0")
    command = [sys.executable, "-m", "toolkit.cli", "app", "--port", str(port), "--pool-size", "1"]
    wrapper = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 180
        kernels: list[int] = []
        while time.monotonic() < deadline:  # the server answers and its pools have kernels
            assert wrapper.poll() is None, "toolkit app exited early"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                kernels = _kernels(wrapper.pid)
                if len(kernels) >= 3:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert len(kernels) >= 3, "no preheated kernels started"
        folders = list(tmp_path.glob("eocic-app-*"))
        assert len(folders) == 1 and (folders[0] / "workspace.pkl").is_file()
        processes = [*_descendants(wrapper.pid)]
        wrapper.send_signal(sig)  # the wrapper only, as systemd or Ctrl-C in a shell does
        assert wrapper.wait(60) == 0
        time.sleep(0.5)
        left = [p for p in processes if _alive(p)]
        assert left == [], f"still running after {sig.name}: {left}"
        assert not folders[0].exists()
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
        for pid in _descendants(wrapper.pid):
            os.kill(pid, signal.SIGKILL)
