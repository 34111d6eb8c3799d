from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Call-centre agents")


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Call-centre agents").delete()


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_group, remove_group)]
