"""The module the ``dramatiq`` command line loads: ``dramatiq workers.app --processes 2 --threads 8``.

Unlike the rest of coord, this module builds its settings at import time, because that is how the
``dramatiq`` command line finds a broker and its actors; nothing else imports it.
"""

from __future__ import annotations

import dramatiq

from coord.settings import load_settings
from workers.actors import declare_actors
from workers.broker import make_broker
from workers.runtime import build_runtime

settings = load_settings()
broker = make_broker(settings, embedded=False)
dramatiq.set_broker(broker)
actors = declare_actors(broker, build_runtime(settings))
