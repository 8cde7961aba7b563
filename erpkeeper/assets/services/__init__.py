"""Asset operations for every interface (console, API, CLI, jobs, the agent's endpoint)."""

from erpkeeper.assets.services.assets import (
    ASSET_FIELDS,
    KEY_PERMISSION,
    create_asset,
    delete_asset,
    log_maintenance,
    record_install,
    save_asset,
    save_licence,
    save_rack,
    save_site,
    set_licence_key,
    site_named,
    update_asset,
)
from erpkeeper.assets.services.files import (
    ASSET_COLUMNS,
    ImportReport,
    export_assets,
    export_filename,
    import_assets,
)
from erpkeeper.assets.services.health import (
    REPLACEMENT_THRESHOLD,
    budget_by_quarter,
    health_of,
    propose_replacement,
    reason_text,
    refresh_all,
    refresh_health,
)
from erpkeeper.assets.services.inspections import (
    complete_inspection,
    overdue,
    schedule_inspections,
)
from erpkeeper.assets.services.inventory import InventoryResult, record_inventory
from erpkeeper.assets.services.notices import raise_due_notices

__all__ = [
    "ASSET_FIELDS",
    "ASSET_COLUMNS",
    "KEY_PERMISSION",
    "REPLACEMENT_THRESHOLD",
    "ImportReport",
    "InventoryResult",
    "budget_by_quarter",
    "complete_inspection",
    "create_asset",
    "delete_asset",
    "export_assets",
    "export_filename",
    "health_of",
    "import_assets",
    "log_maintenance",
    "overdue",
    "propose_replacement",
    "raise_due_notices",
    "reason_text",
    "record_install",
    "record_inventory",
    "refresh_all",
    "refresh_health",
    "save_asset",
    "save_licence",
    "save_rack",
    "save_site",
    "schedule_inspections",
    "set_licence_key",
    "site_named",
    "update_asset",
]
