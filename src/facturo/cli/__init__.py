"""The command line: a Typer root app that mounts each domain's commands."""
