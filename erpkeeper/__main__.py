"""``python -m erpkeeper`` is the ``erpkeeper`` command."""

import sys

from erpkeeper.cli import main

sys.exit(main())
