"""System checks with stable ids for ERPKeeper's configuration (see docs/configuration.md)."""

from django.core.checks import Error, Tags, register

from erpkeeper.lib.env import CONFIG_ERRORS


@register(Tags.compatibility, deploy=False)
def check_environment(app_configs=None, **kwargs):
    return [
        Error(
            f"{error.variable}: {error.message}", id=error.check_id, hint=_HINTS.get(error.check_id)
        )
        for error in CONFIG_ERRORS
    ]


_HINTS = {
    "erpkeeper.E001": "Fix the value of the environment variable or unset it to use the default.",
    "erpkeeper.E002": "Use an IANA time zone name such as Asia/Shanghai or UTC.",
    "erpkeeper.E003": "Point ERPKEEPER_HOME at a writable directory.",
    "erpkeeper.E004": "Unset ERPKEEPER_SECRET_KEY to have one generated, or give 32+ characters.",
    "erpkeeper.E005": "Examples: sqlite:////srv/erpkeeper/db.sqlite3, postgresql://user@host/db",
}


def configuration_errors() -> list[str]:
    return [f"{e.check_id} {e.variable}: {e.message}" for e in CONFIG_ERRORS]
