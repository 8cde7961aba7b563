"""The demo ERP: a real Tryton 8.2 database with a year of realistic history.

``build_demo(db_url, size, seed, progress)`` builds it in a child process (trytond keeps
global state); see docs/demo-erp.md.
"""

from erpkeeper.demo.catalog import SIZES
from erpkeeper.demo.runner import DemoBuildError, DemoInputError, build_demo

__all__ = ["SIZES", "DemoBuildError", "DemoInputError", "build_demo"]
