"""Configuration layers: the environment, then what ``make run`` left in the instance folder, then
defaults."""
import importlib
import os
import subprocess
import sys

import pytest

from diploma import config
from diploma.config import PROJECT_ROOT

pytestmark = pytest.mark.engine_independent


@pytest.fixture
def instance_folder(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "PUBLIC_BASE_URL", "BASE_URL", "TRUSTED_HOSTS", "SESSION_COOKIE_SECURE",
                 "PREFERRED_URL_SCHEME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DIPLOMA_INSTANCE_PATH", str(tmp_path))
    yield tmp_path
    monkeypatch.undo()
    importlib.reload(config)


def test_the_instance_folder_supplies_the_secret_key_and_the_public_address(instance_folder):
    (instance_folder / "secret_key").write_text("from-the-instance-folder\n")
    (instance_folder / "public_base_url").write_text("http://127.0.0.1:8000\n")

    reloaded = importlib.reload(config).Config

    assert reloaded.SECRET_KEY == "from-the-instance-folder"
    assert reloaded.PUBLIC_BASE_URL == "http://127.0.0.1:8000"
    assert reloaded.TRUSTED_HOSTS == ["127.0.0.1", "localhost", "::1"]


def test_the_environment_wins_over_the_instance_folder(instance_folder, monkeypatch):
    (instance_folder / "secret_key").write_text("from-the-instance-folder\n")
    (instance_folder / "public_base_url").write_text("http://127.0.0.1:8000\n")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://diploma.example.edu.iq/")

    reloaded = importlib.reload(config).Config

    assert reloaded.SECRET_KEY == "from-the-environment"
    assert reloaded.PUBLIC_BASE_URL == "https://diploma.example.edu.iq"
    assert reloaded.SESSION_COOKIE_SECURE and reloaded.PREFERRED_URL_SCHEME == "https"


def test_without_either_there_is_no_secret_key_and_the_local_address(instance_folder):
    reloaded = importlib.reload(config).Config

    assert reloaded.SECRET_KEY is None
    assert reloaded.PUBLIC_BASE_URL == "http://127.0.0.1:5000"


def test_the_command_line_works_with_nothing_exported_after_make_run(tmp_path):
    """What a newcomer types after ``make run``: the secret key comes from the instance folder."""
    (tmp_path / "secret_key").write_text("made-by-make-run\n")
    environment = {name: value for name, value in os.environ.items()
                   if name not in {"SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL"}}
    environment |= {"DIPLOMA_INSTANCE_PATH": str(tmp_path), "FLASK_APP": "wsgi"}

    result = subprocess.run([sys.executable, "-m", "flask", "certificates", "--help"], cwd=PROJECT_ROOT,
                            env=environment, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "print" in result.stdout
