"""Several processes serving one app: gunicorn with the app preloaded (POSIX).

The app, the vocabularies and the search's word bridge are built once, in the
master, before the workers are forked, so they share that memory. Each worker opens
the index generation itself (files are never shared across a fork) and warms it
before it takes requests (connections meanwhile wait in the listen queue), and, like
any Searcher, reopens when `labb index` switches generations. Each worker runs
`threads` threads (gunicorn's gthread worker), and takes a new connection only while
it holds no more connections than any other worker (`_Shares`): a kept-alive
connection stays with the worker that accepted it, and without that, a few clients
that keep theirs could all queue at one worker while another waits. The master
prints where it listens, restarts a worker that dies, and stops all of them on Ctrl-C
or SIGTERM. It says where it serves once every worker is ready.
"""

from __future__ import annotations

import multiprocessing
import os
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


class _Shares:
    """How many connections each worker holds, in memory the master shares with the
    workers it forks. A worker takes new connections only while no other living worker
    holds fewer (so there is always one that takes them): the connections stay shared
    out within one of each other, however long their clients keep them."""

    def __init__(self, workers: int) -> None:
        # A slot per worker, and as many for workers started while ended ones are not yet
        # freed: each worker reads them all whenever it may take a connection.
        self.slots = 2 * workers
        self.table = multiprocessing.RawArray("q", 2 * self.slots)  # (pid, connections) per worker
        self.lock = multiprocessing.Lock()

    def claim(self, pid: int) -> int:
        """A slot for the worker `pid`: a free one, or a dead worker's; -1 when none is left."""
        with self.lock:
            for slot in range(self.slots):
                holder = self.table[2 * slot]
                if holder == 0 or not _alive(holder):
                    self.table[2 * slot], self.table[2 * slot + 1] = pid, 0
                    return slot
        return -1

    def release(self, pid: int) -> None:
        """Frees the slot of the worker `pid`, which has ended (before another process
        could be given its pid and look alive)."""
        with self.lock:
            for slot in range(self.slots):
                if self.table[2 * slot] == pid:
                    self.table[2 * slot], self.table[2 * slot + 1] = 0, 0

    def fair(self, slot: int, connections: int) -> bool:
        """Records the worker's connections; whether no other living worker holds fewer."""
        table = self.table
        table[2 * slot + 1] = connections
        for other in range(self.slots):
            pid = table[2 * other]
            if pid and other != slot and table[2 * other + 1] < connections and _alive(pid):
                return False
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_class(shares: _Shares) -> Any:
    """gunicorn's threaded worker, taking connections as `shares` allow (through its
    switch for accepting and its wait for events; a gunicorn without them gets its own
    worker as it is)."""
    from gunicorn.workers.gthread import ThreadWorker

    if not all(hasattr(ThreadWorker, name) for name in ("set_accept_enabled", "wait_for_and_dispatch_events")):
        return "gthread"

    class SharingWorker(ThreadWorker):
        def init_process(self) -> None:
            self.slot = shares.claim(os.getpid())
            super().init_process()  # runs the worker until it stops

        def fair(self) -> bool:
            return self.slot < 0 or shares.fair(self.slot, self.nr_conns)

        def set_accept_enabled(self, enabled: bool) -> None:  # asked whenever it may take more
            super().set_accept_enabled(enabled and self.fair())

        def wait_for_and_dispatch_events(self, timeout: float) -> None:
            if self._accepting and not self.fair():
                super().set_accept_enabled(False)
            super().wait_for_and_dispatch_events(min(timeout, 0.1))  # and looks again within 0.1 s

    return SharingWorker


def _exit(server: Any) -> None:
    print("labb stopped", file=sys.stderr, flush=True)


def run(app: Flask, host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve `app` on `host:port` in `workers` processes of `threads` threads each; returns when stopped."""
    readiness = _Readiness(workers)
    shares = _Shares(workers)
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": _worker_class(shares),
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
        "child_exit": lambda server, worker: shares.release(worker.pid),  # in the master
    }
    _Application(app, options).run()
