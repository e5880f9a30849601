"""Serving a stand-in HTTP server on 127.0.0.1 for the integration tests."""

import os
import signal
from http.server import ThreadingHTTPServer


def serve(handler, port):
    """Listen on 127.0.0.1:port (0: a free port), print "PORT <n>" (flushed)
    once listening, and serve until SIGTERM or SIGINT."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True

    def stop(*_):
        # Nothing to flush: close the listening socket and leave at once,
        # whatever the handler threads are doing.
        server.socket.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()
