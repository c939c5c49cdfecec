"""Several processes serving one app: gunicorn with the app preloaded (POSIX).

The app, the vocabularies and the search's word bridge are built once, in the
master, before the workers are forked, so they share that memory; each worker opens
the index generation itself on its first request (files are never shared across a
fork) and, like any Searcher, reopens when `labb index` switches generations. Each
worker runs `threads` threads (gunicorn's gthread worker). The master prints where
it listens, restarts a worker that dies, and stops all of them on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Application(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]):
        self.app = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app


def _ready(server: Any) -> None:
    """Say where the site is, as the single-process server does (port 0: the one chosen)."""
    for listener in server.LISTENERS:
        host, port = listener.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"labb serving on http://{shown}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)


def _exit(server: Any) -> None:
    print("labb stopped", file=sys.stderr, flush=True)


def run(app: Flask, host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve `app` on `host:port` in `workers` processes of `threads` threads each; returns when stopped."""
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "accesslog": None,  # the app logs every request itself
        "errorlog": "-",
        "loglevel": "warning",
        "graceful_timeout": 10,
        "timeout": 60,
        "keepalive": 5,
        "proc_name": "labb",
        "when_ready": _ready,
        "on_exit": _exit,
    }
    _Application(app, options).run()
