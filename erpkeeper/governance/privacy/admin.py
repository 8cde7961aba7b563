"""Console (model admins) of governance.privacy (imported by erpkeeper.governance.admin)."""
