"""The server's processes share the connections: a unit test of the shared table, and
`labb serve` on 127.0.0.1 with kept-alive clients."""

from __future__ import annotations

import http.client
import multiprocessing
import sys
from pathlib import Path

import pytest

from labb import index

from .conftest import Server, write_web_corpus

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn serves on POSIX only")


def _dead_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    child = multiprocessing.get_context("fork").Process(target=int)
    child.start()
    child.join()
    assert child.pid is not None
    return child.pid


def test_a_worker_takes_connections_while_no_living_worker_holds_fewer():
    import os

    from labb.web.server import _Shares

    shares = _Shares(2)
    dead = _dead_pid()
    first, second = shares.claim(os.getpid()), shares.claim(os.getppid())
    assert (first, second) == (0, 1)
    assert shares.fair(first, 0) and shares.fair(second, 0)  # equal: both take
    assert shares.fair(first, 1) is False  # the other holds fewer
    assert shares.fair(second, 1) and shares.fair(first, 1)  # equal again
    shares.table[2 * 2], shares.table[2 * 2 + 1] = dead, 0  # a worker that died holding none
    assert shares.fair(first, 1)  # is not waited for
    assert shares.claim(os.getpid()) == 2  # its slot is taken by the next worker
    shares.release(os.getppid())  # the master frees an ended worker's slot
    assert list(shares.table[2:4]) == [0, 0] and shares.claim(12345) == 1


def test_kept_alive_connections_are_shared_out_between_the_workers(tmp_path, vocabs):
    """Sixteen clients connect at once and keep their connections: each of the two
    server processes holds eight (Linux: counted in /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        pytest.skip("needs /proc to count each process's connections")
    practices = write_web_corpus(tmp_path / "practices")
    index.build(practices, tmp_path / "index", vocabs)
    server = Server(practices, tmp_path / "index", options=("--workers", "2"))
    try:
        host, port = server.url.split("//")[1].rstrip("/").split(":")
        clients = [http.client.HTTPConnection(host, int(port), timeout=30) for _ in range(16)]
        for client in clients:
            client.connect()
        for client in clients:
            client.request("GET", "/api/practices/xx-good-practice")
        for client in clients:
            response = client.getresponse()
            response.read()
            assert response.status == 200 and response.getheader("Connection", "").lower() != "close"
        pid = server.process.pid
        workers = [int(w) for w in (proc / str(pid) / "task" / str(pid) / "children").read_text().split()]
        held = []
        for worker in workers:
            sockets = [f for f in (proc / str(worker) / "fd").iterdir() if f.readlink().name.startswith("socket:")]
            held.append(len(sockets) - 1)  # less the listening socket
        assert sorted(held) == [8, 8], held
        for client in clients:
            client.close()
    finally:
        assert server.stop() == 0
