# Sign-in codes by SMS and password-reset links (selfcare/models_signin.py).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("selfcare", "0018_events_and_alerts"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("sign_in", "Sign-in code"),
                            ("reset", "Password reset code"),
                            ("reset_link", "Password reset link"),
                        ],
                        max_length=10,
                    ),
                ),
                ("login", models.CharField(max_length=254)),
                ("code_hash", models.CharField(blank=True, max_length=64)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("created_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="signin_codes",
                        to="selfcare.customer",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["login", "purpose", "created_at"], name="signin_code_login_idx"
                    ),
                    models.Index(
                        fields=["ip_address", "created_at"], name="signin_code_address_idx"
                    ),
                ],
            },
        ),
    ]
