"""Console (model admins) of governance.compliance (imported by erpkeeper.governance.admin)."""
