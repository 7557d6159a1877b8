"""A loopback TCP proxy that can stop passing bytes on, either way, while keeping every
connection open and accepting new ones: a server that accepts and then never answers."""

import contextlib
import socket
import threading


class StallingProxy:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.passing = threading.Event()
        self.passing.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []

    def start(self) -> "StallingProxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stall(self) -> None:
        self.passing.clear()

    def resume(self) -> None:
        self.passing.set()

    def stop(self) -> None:
        self.passing.set()
        self.listener.close()
        for connection in self.sockets:
            connection.close()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target_port))
                self.sockets += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                # Stalled: what arrived is held, and nothing more is read.
                self.passing.wait()
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
