"""Helpers of the PostgreSQL backup engine (../postgresql.py): connection parameters, the
worker threads around pg_dump and psql, the reading of pg_dump's plain SQL scripts.
"""
