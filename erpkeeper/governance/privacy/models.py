"""Models of governance.privacy (imported by erpkeeper.governance.models)."""
