"""Backups, restores and disaster-recovery drills of targets (issue 3)."""
