"""`manage.py check --deploy` must be clean in production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "PARTNERS_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-check-" + "y" * 20,
        "DJANGO_ALLOWED_HOSTS": "partners.example.nhs.uk",
        "PARTNERS_ALLOW_DEMO_ACCOUNTS": "false",
        "PARTNERS_PSEUDONYM_KEY": "k" * 40,
        "PARTNERS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "PARTNERS_ENV": "production", "DJANGO_SECRET_KEY": "", "PARTNERS_VAR_DIR": str(tmp_path),
           "DATABASE_URL": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_demo_accounts(tmp_path):
    env = {**os.environ, "PARTNERS_ENV": "production", "DJANGO_SECRET_KEY": "s" * 60,
           "PARTNERS_ALLOW_DEMO_ACCOUNTS": "true", "PARTNERS_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=False)
    assert "Demo accounts cannot be allowed" in result.stderr
