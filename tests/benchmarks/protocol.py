"""Visitors that speak Voilà's protocol instead of running a browser.

A visitor's own browser runs on the visitor's machine. When the benchmark runs 20 Chromium
pages on the server's 2 cores, the pages' JavaScript (about 5 s of CPU each) decides the
result, not the server. A protocol visitor does exactly what the server sees of a page and
nothing more:

1. ``GET /voila/render/<page>`` (the rendered page, with its kernel id);
2. open the kernel's websocket (``/api/kernels/<id>/channels``);
3. open the ``jupyter.widget.control`` comm and ask for every widget's state
   (``request_states``), as ipywidgets' manager in the page does;
4. it has its first chart when the ``update_states`` reply holds the chart
   (``img.eocic-chart`` in a widget's value).

It then keeps its websocket open (as an open tab does) until told to leave.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid

CONTROL_VERSION = "1.0.0"  # ipywidgets' widget control protocol
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]+)"')


def _message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> str:
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "username": "visitor",
                "session": session,
                "date": "",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


async def visit(
    base: str, page: str, marker: str, leave: asyncio.Event, timeout: float, result: dict
) -> None:
    """One visitor; fills ``result`` with ``chart`` and ``page`` (seconds from its start) or
    ``error``, and sets ``done`` once it has one or the other."""
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    start = time.perf_counter()
    ws = None
    try:
        response = await AsyncHTTPClient(force_instance=True).fetch(
            f"{base}/voila/render/{page}", request_timeout=timeout
        )
        html = response.body.decode()
        result["page"] = time.perf_counter() - start
        found = KERNEL_ID.search(html)
        if found is None:
            raise RuntimeError("the page names no kernel")
        session = uuid.uuid4().hex
        ws_base = base.replace("http", "ws", 1)
        url = f"{ws_base}/api/kernels/{found[1]}/channels?session_id={session}"
        ws = await websocket_connect(url, max_message_size=512 * 2**20)
        comm = uuid.uuid4().hex
        opened = {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}
        await ws.write_message(_message("comm_open", opened, session, {"version": CONTROL_VERSION}))
        asked = {"comm_id": comm, "data": {"method": "request_states"}}
        await ws.write_message(_message("comm_msg", asked, session))
        deadline = start + timeout
        while "chart" not in result:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no widget state within {timeout:.0f} s")
            raw = await asyncio.wait_for(ws.read_message(), left)
            if raw is None:
                raise RuntimeError("the kernel closed the websocket")
            if isinstance(raw, bytes) or '"update_states"' not in raw:
                continue
            reply = json.loads(raw)
            if reply["content"].get("comm_id") != comm:
                continue
            if marker not in raw:
                raise RuntimeError("the widget state holds no chart")
            result["chart"] = time.perf_counter() - start
            result["models"] = len(reply["content"]["data"].get("states", {}))
            result["done"] = True
        await leave.wait()
    except Exception as exc:  # a failed visitor is what the benchmark counts
        result["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        result["done"] = True
        if ws is not None:
            ws.close()


class Crowd:
    """``count`` protocol visitors started together in a thread of their own (the caller's
    thread stays free for Playwright); ``leave()`` closes their websockets."""

    def __init__(self, base: str, page: str, count: int, marker="eocic-chart", timeout=300.0):
        self.results: list[dict] = [{} for _ in range(count)]
        self._args = (base, page, marker, timeout)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leave: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._leave = asyncio.Event()
        base, page, marker, timeout = self._args
        visits = [visit(base, page, marker, self._leave, timeout, r) for r in self.results]
        tasks = [asyncio.ensure_future(v) for v in visits]
        self._ready.set()
        await asyncio.gather(*tasks)

    def wait_charts(self, timeout: float) -> None:
        """Block until every visitor has its chart or failed (bounded by ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(r.get("done") for r in self.results):
            time.sleep(0.1)

    def leave(self) -> list[dict]:
        """Close every visitor's websocket (the tabs are closed) and return the results."""
        if self._loop is not None and self._leave is not None and self._thread.is_alive():
            try:
                self._loop.call_soon_threadsafe(self._leave.set)
            except RuntimeError:  # every visitor already left (they all failed)
                pass
        self._thread.join(timeout=60)
        return self.results
