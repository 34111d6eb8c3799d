# Product managers add and change base plans and their out-of-bundle rates in the admin, as they
# do offers; nobody deletes one there.

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["view_baseplan", "add_baseplan", "change_baseplan"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure these exist now.
    app_config = apps.get_app_config("catalog")
    # Restored after: on the live registry (tests call this) it must stay as it was.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Product managers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="catalog", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Product managers"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="catalog", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0014_base_plan_rates")]

    operations = [migrations.RunPython(grant, revoke)]
