"""App factory for ``uvicorn --factory``: each worker process configures logging like ``childsafe serve``.

With ``--workers N`` uvicorn binds the listening socket itself with ``proto=0``; accepted sockets inherit
it and asyncio then skips ``TCP_NODELAY`` (it checks ``proto == IPPROTO_TCP``), so every keep-alive
response waits ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149, open). ``BENCH_NODELAY=1``
(the default in bench/intake.py; ``--no-nodelay-fix`` turns it off) sets the option for any TCP socket.

``BENCH_SWITCH_INTERVAL`` (seconds) sets ``sys.setswitchinterval`` in the worker, an experiment knob.
"""

import asyncio.base_events
import os
import socket
import sys
from typing import Any

from fastapi import FastAPI

from childsafe import logs
from childsafe.api import create_app
from childsafe.config import get_settings


def _set_nodelay(sock: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def create() -> FastAPI:
    if os.environ.get("BENCH_NODELAY") == "1":
        asyncio.base_events._set_nodelay = _set_nodelay  # type: ignore[attr-defined]
    if os.environ.get("BENCH_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    logs.configure(get_settings().log_level)
    return create_app()
