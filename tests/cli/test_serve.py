"""`confide serve` as a real process: HTTPS with a verified self-signed certificate, HSTS and
Secure cookies over TLS only, and refusals to start with a keyring it cannot open."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from confide.bootstrap import initialise, load_demo
from confide.config import Settings

HSTS = "max-age=63072000; includeSubDomains"
CONFIDE = [sys.executable, "-c", "from confide.cli import main; main()"]
PASSPHRASE = "correct horse battery staple"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_")}
    return {**env, "CONFIDE_DATA_DIR": str(data_dir), **extra}


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    output: str = ""

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        out, err = self.process.communicate(timeout=20)
        self.output = out + err
        return self.output


def _start(data_dir: Path, *args: str, cafile: Path | None = None) -> Server:
    """Start `confide serve` and wait until /healthz answers (over verified TLS with
    ``cafile``, which the command itself may create)."""
    port = _free_port()
    process = subprocess.Popen(
        [*CONFIDE, "serve", "--port", str(port), *args],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(process, port)
    scheme = "https" if cafile else "http"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}: {server.stop()}")
        if cafile is None or cafile.exists():
            verify = ssl.create_default_context(cafile=str(cafile)) if cafile else True
            try:
                httpx.get(f"{scheme}://localhost:{port}/healthz", verify=verify, timeout=2)
                return server
            except httpx.ConnectError:
                pass
        time.sleep(0.2)
    server.stop()
    pytest.fail(f"server did not answer within 60 s: {server.output}")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, demo_model: Path) -> Path:
    """A SQLite data directory with the demo store and its model, as `confide demo` makes."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("served") / "data")
    settings.models_dir.mkdir(parents=True)
    shutil.copy(demo_model, settings.intent_model_path)
    runtime = initialise(settings)
    load_demo(runtime, train=False)
    runtime.close()
    return settings.data_dir


@pytest.fixture(scope="module")
def tls_server(data_dir: Path) -> Iterator[tuple[Server, ssl.SSLContext]]:
    """`confide serve --tls-self-signed`, and a client context trusting only its certificate."""
    cert = data_dir / "tls" / "self-signed.crt"
    server = _start(data_dir, "--tls-self-signed", cafile=cert)
    yield server, ssl.create_default_context(cafile=str(cert))
    output = server.stop()
    assert f"Created self-signed certificate {cert}" in " ".join(output.split())


def test_self_signed_https_is_verified_against_the_printed_certificate(
    tls_server: tuple[Server, ssl.SSLContext], data_dir: Path
) -> None:
    server, context = tls_server
    cert = data_dir / "tls" / "self-signed.crt"

    for host in ("localhost", "127.0.0.1"):
        response = httpx.get(f"https://{host}:{server.port}/healthz", verify=context)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert response.headers["strict-transport-security"] == HSTS
    assert (data_dir / "tls" / "self-signed.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"https://localhost:{server.port}/healthz", verify=ssl.create_default_context())
    assert cert.exists()


def test_hsts_is_on_every_response_over_tls_errors_included(
    tls_server: tuple[Server, ssl.SSLContext],
) -> None:
    server, context = tls_server
    base = f"https://localhost:{server.port}"

    with httpx.Client(base_url=base, verify=context) as client:
        responses = [
            client.get("/"),
            client.get("/no-such-page"),
            client.post(
                "/v1/conversations",
                content=b"{not json",
                headers={"content-type": "application/json"},
            ),
            client.post("/v1/conversations", content=b"x" * (65 * 1024)),
        ]

    assert [r.status_code for r in responses] == [200, 404, 400, 413]
    assert all(r.headers["strict-transport-security"] == HSTS for r in responses)


def test_chat_cookie_is_secure_over_tls(tls_server: tuple[Server, ssl.SSLContext]) -> None:
    server, context = tls_server

    response = httpx.post(
        f"https://localhost:{server.port}/chat", data={"text": "Where is my order?"}, verify=context
    )

    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("confide_chat=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite"} <= attributes
    assert "samesite=strict" in cookie.lower()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_trusts_the_certificate_with_cacert(
    tls_server: tuple[Server, ssl.SSLContext], data_dir: Path
) -> None:
    server, _ = tls_server
    cert = data_dir / "tls" / "self-signed.crt"

    result = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail",
            "--include",
            "--cacert",
            str(cert),
            f"https://localhost:{server.port}/healthz",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"strict-transport-security: {HSTS}" in result.stdout.lower().replace(
        "includesubdomains", "includeSubDomains"
    )
    assert result.stdout.rstrip().endswith('{"status":"ok"}')


def test_serve_prints_the_certificate_path_and_reuses_the_certificate(
    tls_server: tuple[Server, ssl.SSLContext], data_dir: Path
) -> None:
    cert = data_dir / "tls" / "self-signed.crt"
    before = cert.read_bytes()

    server = _start(data_dir, "--tls-self-signed", cafile=cert)
    output = " ".join(server.stop().split())

    assert cert.read_bytes() == before
    assert f"Using self-signed certificate {cert}" in output
    assert f"curl --cacert {cert} https://localhost:{server.port}/healthz" in output


def test_plain_http_has_no_hsts_and_no_secure_cookie(data_dir: Path) -> None:
    server = _start(data_dir)
    try:
        base = f"http://localhost:{server.port}"
        health = httpx.get(f"{base}/healthz")
        chat = httpx.post(f"{base}/chat", data={"text": "Where is my order?"})
    finally:
        server.stop()

    assert health.status_code == 200
    assert "strict-transport-security" not in health.headers
    assert chat.status_code == 303 and "strict-transport-security" not in chat.headers
    attributes = {p.strip().split("=")[0].lower() for p in chat.headers["set-cookie"].split(";")}
    assert "httponly" in attributes and "secure" not in attributes


def test_serve_refuses_a_protected_keyring_without_or_with_a_wrong_passphrase(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    initialise(Settings(data_dir=data, keyring_passphrase=PASSPHRASE)).close()
    keyring = data / "keyring.json"
    before = keyring.read_bytes()

    results = [
        subprocess.run(
            [*CONFIDE, "serve", "--port", str(_free_port())],
            env=_env(data, **extra),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for extra in ({}, {"CONFIDE_KEYRING_PASSPHRASE": "not the passphrase"})
    ]

    missing, wrong = (" ".join((r.stdout + r.stderr).split()) for r in results)
    assert [r.returncode for r in results] == [1, 1]
    assert (
        f"keyring file {keyring} is passphrase-protected: set CONFIDE_KEYRING_PASSPHRASE" in missing
    )
    assert f"wrong passphrase or damaged keyring file {keyring}" in wrong
    assert PASSPHRASE not in missing + wrong and "not the passphrase" not in wrong
    assert keyring.read_bytes() == before
    assert not (data / "tls").exists()


def test_serve_refuses_a_master_key_that_does_not_open_the_data_keys(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = initialise(Settings(data_dir=data))
    with runtime.work() as session:
        runtime.vault.create_data_key(session)
    runtime.close()
    other_key = "B" * 43 + "="

    result = subprocess.run(
        [*CONFIDE, "serve", "--port", str(_free_port())],
        env=_env(data, CONFIDE_MASTER_KEY=other_key),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1
    assert "which CONFIDE_MASTER_KEY does not hold: refusing to start" in output
    assert other_key not in output
