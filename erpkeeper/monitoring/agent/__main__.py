"""``python -m erpkeeper.monitoring.agent`` is ``erpkeeper agent`` without loading Django."""

import sys

from erpkeeper.monitoring.agent.main import main

sys.exit(main())
