"""Seed the seven roles as auth groups and give them the permissions their rules grant.

Permissions of apps migrated after this point are added by the post_migrate sync
(erpkeeper.accounts.roles.sync_after_migrate), which runs after every ``migrate``.
"""

from django.db import migrations

# Frozen copy of erpkeeper.accounts.roles.Role values: group names never change.
ROLE_NAMES = [
    "Administrator",
    "Ops engineer",
    "DBA",
    "Security auditor",
    "Helpdesk agent",
    "Manager",
    "Viewer",
]


def seed_roles(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.using(alias).get_or_create(name=name)
    from erpkeeper.accounts import roles

    roles.ensure_all_permissions(using=alias, apps=apps)
    roles.sync_role_permissions(using=alias, apps=apps)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed_roles, remove_roles)]
