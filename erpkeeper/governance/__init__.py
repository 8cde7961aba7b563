"""Governance: compliance (frameworks, controls, evidence) and privacy (personal-data discovery)
now; risks, quality, improvement and the technology radar later. One Django app (label
``governance``) whose areas are sub-packages, each with its own models, services, admin, API,
CLI and pages; the modules at this level only gather them."""
