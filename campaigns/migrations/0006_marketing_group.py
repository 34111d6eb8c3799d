# Marketers run lifecycle campaigns in the admin: they add and change campaigns (their state
# only through the buttons, which call the services) and read the decisions and versions. They
# get nothing on the catalog, and no other group gets anything on campaigns.

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Marketing"
PERMISSIONS = [
    "add_campaign",
    "change_campaign",
    "view_campaign",
    "view_delivery",
    "view_campaignversion",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("campaigns")
    # Restored after: on the live registry (tests call this) it must stay as it was.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="campaigns", codename__in=PERMISSIONS)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_lifecycle_campaigns"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
