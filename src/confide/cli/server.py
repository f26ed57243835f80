"""``confide init``, ``confide serve`` and ``confide demo``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from confide.bootstrap import initialise, load_demo
from confide.cli.common import DataDir, JsonFlag, command_errors, console, emit, settings_for
from confide.config import Settings
from confide.crypto import ensure_self_signed_certificate

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def run_server(
    data_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    settings = settings_for(data_dir)
    # Workers are separate processes: they read the same settings from the environment.
    os.environ["CONFIDE_DATA_DIR"] = str(settings.data_dir)
    os.environ["CONFIDE_TLS_ENABLED"] = "true" if tls_cert else "false"
    scheme = "https" if tls_cert else "http"
    console.print(f"Confide is running at [bold]{scheme}://{host}:{port}[/bold]  (Ctrl+C stops)")
    uvicorn.run(
        "confide.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        log_level="warning",
        access_log=False,
        # Longer than clients' and proxies' usual idle timeouts, so the server is not the one
        # closing a kept-alive connection just as a client reuses it (a reset request).
        timeout_keep_alive=75,
    )


def self_signed_certificate(settings: Settings, port: int) -> tuple[Path, Path]:
    """Make (or reuse) the local certificate and tell the user how to trust it."""
    made = ensure_self_signed_certificate(settings.tls_dir)
    verb = "Created" if made.created else "Using"
    console.print(
        f"{verb} self-signed certificate {made.cert_path} "
        f"(localhost, 127.0.0.1, ::1; valid until {made.not_after:%Y-%m-%d})\n"
        f"Trust it with: curl --cacert {made.cert_path} https://localhost:{port}/healthz",
        highlight=False,
        soft_wrap=True,
    )
    return made.cert_path, made.key_path


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        data_dir: DataDir = None,
        company: Annotated[
            str | None, typer.Option(help="Company name shown to customers.")
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Create the data directory, database (migrations) and keyring; safe to run again."""
        with command_errors(as_json):
            runtime = initialise(settings_for(data_dir), company=company)
            runtime.close()
            data = {
                "data_dir": str(runtime.settings.data_dir),
                "database": runtime.engine.url.render_as_string(hide_password=True),
                "keyring": "environment"
                if runtime.settings.master_key
                else str(runtime.settings.keyring_path),
                "keyring_protection": "environment"
                if runtime.settings.master_key
                else "passphrase"
                if runtime.keyring.passphrase_protected
                else "none",
                "model": runtime.assistant is not None,
            }
        emit(as_json, data, lambda: console.print(f"Initialised {data['data_dir']}"))

    @app.command()
    def serve(
        data_dir: DataDir = None,
        host: Host = "127.0.0.1",
        port: Port = 8000,
        workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
        tls_cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
        tls_key: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
        tls_self_signed: Annotated[
            bool,
            typer.Option(
                "--tls-self-signed",
                help="HTTPS with a self-signed certificate for localhost, kept in DATA_DIR/tls.",
            ),
        ] = False,
    ) -> None:
        """Run the HTTP server (API, chat page, /docs)."""
        if bool(tls_cert) != bool(tls_key):
            raise typer.BadParameter("--tls-cert and --tls-key go together")
        if tls_self_signed and tls_cert:
            raise typer.BadParameter("--tls-self-signed replaces --tls-cert and --tls-key")
        with command_errors(False):
            settings = settings_for(data_dir)
            initialise(settings).close()
            if tls_self_signed:
                tls_cert, tls_key = self_signed_certificate(settings, port)
        run_server(data_dir, host, port, workers, tls_cert, tls_key)

    @app.command()
    def demo(
        data_dir: DataDir = None,
        host: Host = "127.0.0.1",
        port: Port = 8000,
        no_serve: Annotated[
            bool, typer.Option("--no-serve", help="Load the demo, then exit.")
        ] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Initialise with the bundled demo store (Northwind Goods) and serve it."""
        with command_errors(as_json):
            runtime = initialise(settings_for(data_dir))
            with console.status("Loading the demo store and training its model…"):
                summary = load_demo(runtime)
            runtime.close()
        summary["url"] = f"http://{host}:{port}"
        emit(
            as_json,
            summary,
            lambda: console.print(
                f"Demo store loaded: {summary['articles']} articles, {summary['orders']} "
                f"orders, {summary['examples']} training examples."
            ),
        )
        if not no_serve:
            run_server(data_dir, host, port, 1)
