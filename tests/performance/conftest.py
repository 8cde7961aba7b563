"""The private MariaDB with performance_schema on, and its workload (tests/fixtures/mariadb.py)."""

from tests.fixtures.mariadb import mariadb_ps_database, mariadb_ps_server  # noqa: F401
