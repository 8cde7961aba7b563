"""Segregation of duties: rule sets (rules.py) and their analysis on a snapshot (analysis.py).

Both are plain Python without Django, so the benchmark and the simulation run them directly.
"""
