"""The code review of custom ERP modules: module discovery, the tools, the Tryton checks."""
