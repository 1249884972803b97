"""``python -m sysmon.cli``: the same as the ``sysmon`` command."""

from __future__ import annotations

import sys

from sysmon.cli import main

sys.exit(main())
