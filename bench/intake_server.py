"""Pre-forked WSGI server for bench/intake.py: N processes of Django's threaded WSGI server on one socket.

Only for the benchmark (stdlib only; the project installs no production WSGI server). Each child
inherits the listening socket and accepts on it, as gunicorn's workers do.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

import django


def main() -> None:
    port = int(os.environ["JIANCHA_BENCH_PORT"])
    workers = int(os.environ["JIANCHA_BENCH_WORKERS"])
    os.setpgrp()  # the bench ends the whole group with one signal
    listener = socket.create_server(("127.0.0.1", port), backlog=256)
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return None

    for _ in range(workers):
        if os.fork() == 0:
            httpd = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler, bind_and_activate=False)
            httpd.socket = listener
            httpd.server_name, httpd.server_port = "127.0.0.1", port
            httpd.setup_environ()
            httpd.set_app(WSGIHandler())
            httpd.serve_forever()
            sys.exit(0)
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
    while True:
        os.wait()


if __name__ == "__main__":
    main()
