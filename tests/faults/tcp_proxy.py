"""A small threaded TCP forwarder that a test can switch off and on, to play "the database restarted".

    proxy = TcpProxy("127.0.0.1", 5432)      # listens on 127.0.0.1:<free port>
    proxy.start()
    ... DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/name"
    proxy.stop()     # every forwarded connection is closed, new ones are refused (nothing listens)
    proxy.start()    # listens again on the same port; new connections reach the server again
    proxy.close()    # stop for good

Only the connections through the proxy die: the real server, which other test runs share, is never
touched. Traffic stays on 127.0.0.1.
"""
import contextlib
import selectors
import socket
import threading

CHUNK = 65536
POLL_SECONDS = 0.05


class TcpProxy:
    def __init__(self, target_host, target_port, host="127.0.0.1", port=0):
        self.target = (target_host, target_port)
        self.host, self.port = host, port
        self._listener = None
        self._accepting = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections = set()  # (client socket, server socket) pairs
        self._threads = []
        self.accepted = 0  # connections forwarded since the proxy was made

    # --- switching ---------------------------------------------------------------------------------

    @property
    def running(self):
        return self._listener is not None

    def start(self):
        """Listen (on the same port as before, after a ``stop``) and forward every new connection."""
        if self.running:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping = threading.Event()
        self._accepting = threading.Thread(target=self._accept_loop, args=(listener, self._stopping),
                                           name=f"tcp-proxy-{self.port}", daemon=True)
        self._accepting.start()
        return self

    def stop(self):
        """Refuse new connections and cut every open one, as a server that goes down does."""
        if not self.running:
            return
        self._stopping.set()  # the pumps see it within POLL_SECONDS and close both of their sockets
        self._accepting.join(timeout=5)
        self._listener.close()
        self._listener = None
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)
        with self._lock:
            leftovers, self._connections = list(self._connections), set()
        for pair in leftovers:  # a pump stuck in a send: cut it off
            for sock in pair:
                _close(sock)

    close = stop

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def open_connections(self):
        with self._lock:
            return len(self._connections)

    # --- forwarding --------------------------------------------------------------------------------

    def _accept_loop(self, listener, stopping):
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            while not stopping.is_set():
                if not selector.select(POLL_SECONDS):
                    continue
                try:
                    client, _ = listener.accept()
                except OSError:
                    continue
                if stopping.is_set():
                    _close(client)
                    break
                self._forward(client, stopping)

    def _forward(self, client, stopping):
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        for sock in (client, server):
            sock.setblocking(True)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = (client, server)
        thread = threading.Thread(target=self._pump, args=(pair, stopping), daemon=True,
                                  name=f"tcp-proxy-{self.port}-pump")
        with self._lock:
            self._connections.add(pair)
            self._threads = [*(t for t in self._threads if t.is_alive()), thread]
            self.accepted += 1
        thread.start()

    def _pump(self, pair, stopping):
        """Copy bytes both ways until one side closes or the proxy stops."""
        client, server = pair
        peer = {client: server, server: client}
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(client, selectors.EVENT_READ)
                selector.register(server, selectors.EVENT_READ)
                while not stopping.is_set():
                    for key, _ in selector.select(POLL_SECONDS):
                        data = key.fileobj.recv(CHUNK)
                        if not data:
                            return
                        peer[key.fileobj].sendall(data)
        except (OSError, ValueError):  # a socket closed by ``stop`` under our feet
            return
        finally:
            with self._lock:
                self._connections.discard(pair)
            _close(client)
            _close(server)


def _close(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
