"""`confide init` with CONFIDE_KEYRING_PASSPHRASE, and commands that then need it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from confide.cli import app
from confide.config import Settings

runner = CliRunner()
PASSPHRASE = "correct horse battery staple"


def _run(settings: Settings, *args: str, **env: str) -> tuple[int, dict[str, object]]:
    base = {"CONFIDE_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        base["CONFIDE_DATABASE_URL"] = settings.database_url
    result = runner.invoke(app, [*args, "--json"], env={**base, **env})
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return result.exit_code, json.loads(lines[0])


def test_init_with_a_passphrase_makes_a_protected_keyring_that_needs_it(
    settings: Settings,
) -> None:
    code, out = _run(settings, "init", CONFIDE_KEYRING_PASSPHRASE=PASSPHRASE)
    assert code == 0 and out["keyring_protection"] == "passphrase"
    document = json.loads(settings.keyring_path.read_text())
    assert document["secrets"]["protection"] == "argon2id+aes-256-gcm"
    assert settings.keyring_path.stat().st_mode & 0o777 == 0o600
    before = settings.keyring_path.read_bytes()

    missing = _run(settings, "init")
    wrong = _run(settings, "init", CONFIDE_KEYRING_PASSPHRASE="not it")
    again = _run(settings, "init", CONFIDE_KEYRING_PASSPHRASE=PASSPHRASE)

    assert missing == (
        1,
        {
            "error": "SetupError",
            "detail": f"keyring file {settings.keyring_path} is passphrase-protected: "
            "set CONFIDE_KEYRING_PASSPHRASE",
        },
    )
    assert wrong == (
        1,
        {
            "error": "SetupError",
            "detail": f"wrong passphrase or damaged keyring file {settings.keyring_path}",
        },
    )
    assert again == (0, out)
    assert settings.keyring_path.read_bytes() == before


def test_init_without_a_passphrase_keeps_an_unprotected_keyring(settings: Settings) -> None:
    code, out = _run(settings, "init")

    assert code == 0 and out["keyring_protection"] == "none"
    assert json.loads(settings.keyring_path.read_text())["secrets"]["protection"] == "none"
