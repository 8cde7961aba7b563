"""Teams, the RACI matrix, on-call rotas and announcements (seed area 18, docs/teams.md).

They live in accounts, the low layer every domain may import: the alerts app asks
``teams.services.on_call(team, at)`` whom to page, the portal shows the announcements.
"""
