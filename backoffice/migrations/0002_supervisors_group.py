from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPERVISORS = "Call-centre supervisors"


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exists now.
    app_config = apps.get_app_config("orders")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPERVISORS)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="orders", codename="refund_beyond_policy")
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPERVISORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_call_centre_agents_group"),
        ("orders", "0009_carts"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
