"""``python -m erpkeeper.cli`` is the ``erpkeeper`` command."""

import sys

from erpkeeper.cli import main

sys.exit(main())
