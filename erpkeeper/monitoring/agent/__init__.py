"""``erpkeeper agent``: collect on a remote machine, push to the ERPKeeper server, buffer on disk.

Runs without Django (``python -m erpkeeper.monitoring.agent``), so it needs no ERPKeeper
configuration on the machine and stays small; its messages are in English. Every ``--interval``
seconds it runs the host's collectors (and those of each ``--target``), numbers the batch, and
posts it to ``{server}/api/v1/metrics/ingest/``. When the server cannot take it (unreachable,
5xx, 408, 429, or a token it refuses), the batch goes to the on-disk buffer; buffered batches are
replayed oldest first once the server answers again, before any newer batch, so the server sees
every batch once and in order.
"""
