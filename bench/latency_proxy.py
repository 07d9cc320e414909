"""A TCP forwarder on 127.0.0.1 that delays every byte by a fixed time each way: a local server
that answers like a remote one (round trip = 2 x delay), with the bandwidth left as it is.

Each chunk read is stamped with the time it is due and written by another thread when that time
comes, so a large upload is delayed once, not once per chunk.
"""

from __future__ import annotations

import queue
import socket
import threading
import time


class LatencyProxy:
    def __init__(self, target_port: int, one_way_seconds: float) -> None:
        self.target_port = target_port
        self.delay = one_way_seconds
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, server), (server, client)):
                due: queue.Queue = queue.Queue()
                threading.Thread(target=self._read, args=(source, due), daemon=True).start()
                threading.Thread(target=self._write, args=(sink, due), daemon=True).start()

    def _read(self, source: socket.socket, due: queue.Queue) -> None:
        while True:
            try:
                chunk = source.recv(1 << 16)
            except OSError:
                chunk = b""
            due.put((time.monotonic() + self.delay, chunk))
            if not chunk:
                return

    @staticmethod
    def _write(sink: socket.socket, due: queue.Queue) -> None:
        while True:
            when, chunk = due.get()
            time.sleep(max(0.0, when - time.monotonic()))
            try:
                if not chunk:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(chunk)
            except OSError:
                return
