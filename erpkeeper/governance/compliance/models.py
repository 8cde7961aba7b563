"""Models of governance.compliance (imported by erpkeeper.governance.models)."""
