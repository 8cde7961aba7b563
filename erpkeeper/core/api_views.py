from erpkeeper.core import audit_api, jobs_api


def register(router) -> None:
    jobs_api.register(router)
    audit_api.register(router)
