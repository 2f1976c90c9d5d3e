"""moto for the tests and the drill: python3 moto_server.py HOST PORT [CLOCK_OFFSET_FILE].

One request at a time, and 10 s for a connection to send its request. moto's own server is threaded, and
under load two conditional writes to the same DynamoDB item can then both succeed; in DynamoDB they are
atomic. Serving requests one by one gives the ledger's cooldown and idempotency tests the behaviour of the
real service.

With CLOCK_OFFSET_FILE the clock reads the real time plus the seconds written in that file, read on every
call, so the drill can backdate what it sets up (an authoriser deployed days ago). moto's own code is
untouched; only moto.core.utils.utcnow, through which its services read the time, is wrapped, before any
service is loaded."""
import datetime
import sys

import moto.core.utils as utils

host, port = sys.argv[1], int(sys.argv[2])
offset_file = sys.argv[3] if len(sys.argv) > 3 else None

if offset_file:
    _real = utils.utcnow

    def _shifted():
        try:
            with open(offset_file) as f:
                return _real() + datetime.timedelta(seconds=float(f.read().strip() or 0))
        except (OSError, ValueError):
            return _real()

    utils.utcnow = _shifted

from moto.server import DomainDispatcherApplication, create_backend_app  # noqa: E402  (after the clock)
from werkzeug.serving import WSGIRequestHandler, run_simple  # noqa: E402


class OneAtATime(WSGIRequestHandler):
    # A connection that sends no request (a client's idle or abandoned socket) would hold the only worker, and
    # every request queued behind it, for good: each connection gets 10 s to send its request.
    timeout = 10


run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False, request_handler=OneAtATime)
