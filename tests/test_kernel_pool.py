"""The preheated pool of ``toolkit app`` (``toolkit.kernel_pool``): a visitor handed a refill
that still sleeps out its delay wakes it, so the wait is a kernel's start, not the delay.
Checked on the mechanism itself and on a real server whose refill delay (60 s) is far
longer than a kernel's start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from servers import free_port, stop_group

from toolkit import kernel_pool

ROOT = Path(__file__).resolve().parent.parent


def test_a_sleeping_refill_is_woken_and_a_ready_one_left_alone():
    async def scenario():
        started: list[float] = []

        async def start_kernel():
            started.append(time.monotonic())
            return "kernel"

        t0 = time.monotonic()
        sleeping = asyncio.ensure_future(kernel_pool.wait_before(30, start_kernel()))
        other = asyncio.ensure_future(kernel_pool.wait_before(30, start_kernel()))
        await asyncio.sleep(0.05)  # both refills are asleep now
        assert not sleeping.done() and started == []
        assert kernel_pool.hurry([sleeping, other]) is True  # the head of the pool
        assert await asyncio.wait_for(sleeping, 5) == "kernel"
        assert started[0] - t0 < 5  # started at once, not after 30 s
        assert not other.done()  # the next refill keeps its delay
        assert kernel_pool.hurry([sleeping, other]) is False  # the head is no refill asleep
        assert kernel_pool.hurry([]) is False
        assert kernel_pool.hurry([other]) is True  # its turn: woken in its turn
        assert await asyncio.wait_for(other, 5) == "kernel"

    asyncio.run(scenario())


def test_an_undelayed_refill_starts_at_once():
    async def scenario():
        async def start_kernel():
            return "kernel"

        return await asyncio.wait_for(kernel_pool.wait_before(0, start_kernel()), 5)

    assert asyncio.run(scenario()) == "kernel"


def test_the_app_command_runs_voila_with_the_pool():
    from toolkit.app import voila_command

    command = voila_command(9999, pool_size=1)
    assert command[1:3] == ["-m", "toolkit.kernel_pool"]
    # the installed Voilà has the names the module hooks (checked in a process of its own)
    check = "from toolkit import kernel_pool; raise SystemExit(0 if kernel_pool.install() else 1)"
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT).returncode == 0


def _page(url: str) -> tuple[float, str]:
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read().decode("utf-8", "replace")
    return time.monotonic() - start, body


@pytest.mark.slow
def test_a_second_visitor_does_not_wait_out_the_refill_delay(tmp_path):
    port = free_port()
    log = tmp_path / "voila.log"
    command = [sys.executable, "-m", "toolkit.cli", "app", "--port", str(port),
               "--pool-size", "0", "--pool", "overview=1", "--refill-delay", "60"]  # fmt: skip
    env = dict(os.environ, EOCIC_GEO_DOWNLOAD="0")
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "Kernel pool of overview.ipynb is filled" not in log.read_text(errors="replace"):
            assert server.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the pool was not filled in 180 s"
            time.sleep(0.5)
        url = f"http://127.0.0.1:{port}/voila/render/overview.ipynb"
        first, body = _page(url)  # the preheated kernel
        assert "kernelId" in body
        second, body = _page(url)  # its refill, asleep for 60 s
        assert "kernelId" in body
        assert second < 40, f"the second visitor waited {second:.1f} s (refill delay 60 s)"
        text = log.read_text(errors="replace")
        assert text.count("Using pre-heated kernel") == 2
        assert "A visitor took the refill of overview.ipynb: started now" in text
    finally:
        stop_group(server)
