"""moto with a movable clock: python3 moto_at.py OFFSET_FILE [moto.server arguments]. The clock reads the real
time plus the seconds written in OFFSET_FILE, read on every call, so the drill can backdate what it sets up (an
authoriser deployed days ago) and then let time run as usual. moto's own code is untouched; only
moto.core.utils.utcnow, which its services read the time through, is wrapped, before any service is loaded."""
import datetime
import sys

import moto.core.utils as utils

_real = utils.utcnow
_offset_file = sys.argv.pop(1)


def _shifted():
    try:
        with open(_offset_file) as f:
            return _real() + datetime.timedelta(seconds=float(f.read().strip() or 0))
    except (OSError, ValueError):
        return _real()


utils.utcnow = _shifted

from moto.server import main  # noqa: E402  (after the clock is wrapped, so every service binds the shifted one)

main(sys.argv[1:])
