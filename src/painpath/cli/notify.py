"""`painpath notify send`: the notification worker (outbox → log or SMTP).

Run it from cron (`painpath notify send` every minute) or as a long-running service
(`painpath notify send --loop`). Several workers may run at once: each row is claimed by one.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from painpath.cli.common import CliError, console, load_settings, reported_errors

notify_app = typer.Typer(help="Notifications: send the outbox.", no_args_is_help=True)


@notify_app.command("send")
def send(
    loop: Annotated[
        bool, typer.Option("--loop", help="Keep running, sending every --interval seconds.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, max=3600.0, help="Seconds between rounds.")
    ] = 30.0,
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=10_000, help="Most messages per round.")
    ] = 200,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Send every due notification once (the log when PAINPATH_SMTP_HOST is unset, else SMTP).
    Exit status 1 if a message failed for good in the last round."""
    with reported_errors():
        if output not in ("text", "json"):
            raise CliError(f"--format must be text or json, not {output!r}")
        from painpath.cli.database import require_head
        from painpath.db.engine import make_engine, make_session_factory
        from painpath.services.notify import RetryPolicy, send_pending, sender_from_settings

        settings = load_settings()
        require_head(settings.database_url)
        sender = sender_from_settings(settings)
        policy = RetryPolicy.from_settings(settings)
        engine = make_engine(settings.database_url)
        try:
            factory = make_session_factory(engine)
            while True:
                report = send_pending(factory, sender, policy=policy, batch_size=batch)
                _print(report.as_json(), output)
                if not loop:
                    break
                time.sleep(interval)
        finally:
            engine.dispose()
    if report.failed:
        raise typer.Exit(1)


def _print(found: dict[str, object], output: str) -> None:
    if output == "json":
        typer.echo(json.dumps(found))
        return
    console().print(
        f"sent {found['sent']}, retrying {found['retrying']}, failed {found['failed']}, "
        f"abandoned {found['abandoned']}"
    )
