"""A loopback TCP proxy that cuts the connection after a number of bytes upstream.

Stands between an SFTP client and sshd so a test can cut a live upload half-way through
a file, as a flaky office link does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class CuttingProxy:
    target_port: int
    cut_after: int  # client -> server bytes, handshake included
    listener: socket.socket = field(init=False)
    forwarded: int = 0
    cut: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while data := src.recv(16384):
                if upstream:
                    room = self.cut_after - self.forwarded
                    if room <= 0:
                        break
                    data = data[:room]
                    self.forwarded += len(data)
                dst.sendall(data)
                if upstream and self.forwarded >= self.cut_after:
                    break
        except OSError:
            pass
        if upstream and self.forwarded >= self.cut_after:
            self.cut.set()
        for sock in (src, dst):  # cut both ways, like a dropped link
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()
