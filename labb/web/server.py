"""Several processes serving one app: gunicorn with the app preloaded (POSIX).

The app, the vocabularies and the search's word bridge are built once, in the
master, before the workers are forked, so they share that memory. Each worker opens
the index generation itself (files are never shared across a fork) and warms it
before it takes requests (connections meanwhile wait in the listen queue), and, like
any Searcher, reopens when `labb index` switches generations. Each worker runs
`threads` threads (gunicorn's gthread worker). The master prints where it listens,
restarts a worker that dies, and stops all of them on Ctrl-C or SIGTERM. It says
where it serves once every worker is ready.
"""

from __future__ import annotations

import multiprocessing
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


class _Readiness:
    """Says where the site is once every worker has warmed its index (the master binds
    first, then forks; the last worker to be ready prints the address, as the
    single-process server does; port 0: the one chosen)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.ready = multiprocessing.Value("i", 0)  # shared with the forked workers
        self.addresses: list[str] = []

    def bound(self, server: Any) -> None:  # gunicorn's when_ready, in the master, before the fork
        for listener in server.LISTENERS:
            host, port = listener.sock.getsockname()[:2]
            self.addresses.append(f"http://{f'[{host}]' if ':' in host else host}:{port}/")

    def warm(self, worker: Any) -> None:  # gunicorn's post_worker_init, in each worker
        from . import warm

        warm(worker.wsgi)
        with self.ready.get_lock():
            self.ready.value += 1
            last = self.ready.value == self.workers  # a restarted worker counts past it
        if last:
            for address in self.addresses:
                print(f"labb serving on {address} (Ctrl-C to stop)", file=sys.stderr, flush=True)


def _exit(server: Any) -> None:
    print("labb stopped", file=sys.stderr, flush=True)


def run(app: Flask, host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve `app` on `host:port` in `workers` processes of `threads` threads each; returns when stopped."""
    readiness = _Readiness(workers)
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
        "when_ready": readiness.bound,
        "post_worker_init": readiness.warm,
        "on_exit": _exit,
    }
    _Application(app, options).run()
