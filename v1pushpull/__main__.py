"""``python -m v1pushpull``: the ``v1pushpull`` command (see :mod:`v1pushpull.cli`)."""

import sys

from .cli import main

sys.exit(main())
