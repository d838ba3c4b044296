"""The `painpath` command line: thin typer commands over the services, the demo and migrations."""
