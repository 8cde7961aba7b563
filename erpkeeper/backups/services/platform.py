"""ERPKeeper's own database and settings, for policies whose scope includes the platform."""

from __future__ import annotations

from django.conf import settings

from erpkeeper.lib import dburl

ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
    "django.db.backends.mysql": "mysql",
}


def platform_database() -> tuple[str, str]:
    """(engine, URL) of the platform database, built from Django's settings."""
    config = settings.DATABASES["default"]
    engine = ENGINES.get(config["ENGINE"])
    if engine is None:
        raise ValueError(f"unsupported platform database engine {config['ENGINE']}")
    if engine == "sqlite":
        return engine, dburl.DatabaseUrl(engine="sqlite", path=str(config["NAME"])).unparse()
    url = dburl.DatabaseUrl(
        engine=engine,
        host=config.get("HOST") or "",
        port=int(config["PORT"]) if config.get("PORT") else None,
        user=config.get("USER") or "",
        password=config.get("PASSWORD") or "",
        database=config["NAME"],
    )
    return engine, url.unparse()


def platform_settings() -> dict:
    """Settings worth restoring with the platform; keys and passwords are never included (the
    secrets key and the backup key are escrowed separately, see docs/backups.md)."""
    return {
        "time_zone": settings.TIME_ZONE,
        "language_code": settings.LANGUAGE_CODE,
        "home": str(settings.HOME),
        "jobs_backend": settings.HUEY.get("huey_class", ""),
        "allowed_hosts": list(settings.ALLOWED_HOSTS),
    }
