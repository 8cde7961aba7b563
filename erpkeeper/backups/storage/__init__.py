"""Backup destinations: where artifacts are stored. One module per kind behind ``Storage``.

Pure Python, no Django imports. See base.py for the contract.
"""
