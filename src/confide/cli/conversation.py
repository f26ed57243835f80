"""``confide ask`` and ``confide chat``: the assistant from the terminal."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.prompt import Prompt

from confide.cli.common import (
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    open_runtime,
)
from confide.conversations import service
from confide.conversations.errors import MessageTooLong
from confide.conversations.schemas import ReplyOut
from confide.db import unit_of_work
from confide.runtime import Runtime


def _start(runtime: Runtime) -> tuple[uuid.UUID, str, str]:
    with unit_of_work(runtime.sessions) as session:
        started = service.start_conversation(
            session, runtime.vault, customer=None, channel="cli", company=runtime.company_name
        )
    return started.conversation_id, started.token, started.greeting.text or ""


def _send(runtime: Runtime, conversation_id: uuid.UUID, token: str, text: str) -> ReplyOut:
    assistant = runtime.require_assistant()
    with unit_of_work(runtime.sessions) as session:
        return service.post_message(
            session, runtime.vault, assistant, conversation_id, token, text, runtime.rules
        )


def register(app: typer.Typer) -> None:
    @app.command()
    def ask(
        text: Annotated[str, typer.Argument(help="The customer's message.")],
        data_dir: DataDir = None,
        conversation_id: Annotated[
            uuid.UUID | None, typer.Option(help="Continue this conversation (needs --token).")
        ] = None,
        token: Annotated[str | None, typer.Option(help="The conversation's token.")] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Answer one message (a new conversation unless --conversation-id is given)."""
        with command_errors(as_json), open_runtime(data_dir, action=None) as runtime:
            runtime.require_assistant()
            if conversation_id is None:
                conversation_id, token, _ = _start(runtime)
            reply = _send(runtime, conversation_id, token or "", text)
        data = {
            "answer": reply.text,
            "intent": reply.intent,
            "confidence": reply.confidence,
            "decision": reply.decision,
            "citations": [c.model_dump() for c in reply.citations],
            "conversation_id": str(conversation_id),
            "token": token,
        }
        emit(as_json, data, lambda: console.print(reply.text, highlight=False))

    @app.command()
    def chat(data_dir: DataDir = None) -> None:
        """Talk to the assistant in the terminal (an empty line or Ctrl+D ends)."""
        with command_errors(False), open_runtime(data_dir, action=None) as runtime:
            runtime.require_assistant()
            conversation_id, token, greeting = _start(runtime)
            console.print(f"[bold cyan]assistant[/]: {greeting}", highlight=False)
            while True:
                try:
                    text = Prompt.ask("[bold]you[/]", default="", show_default=False)
                except (EOFError, KeyboardInterrupt):
                    break
                if not text.strip():
                    break
                try:
                    reply = _send(runtime, conversation_id, token, text)
                except MessageTooLong as exc:
                    console.print(f"[red]{exc.detail}[/]")
                    continue
                sources = ", ".join(c.title for c in reply.citations)
                console.print(f"[bold cyan]assistant[/]: {reply.text}", highlight=False)
                if sources:
                    console.print(f"[dim]source: {sources}[/]", highlight=False)
