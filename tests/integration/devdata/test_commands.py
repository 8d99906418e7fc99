"""The development data's commands reach `flask` through the `flask.commands` entry points in
pyproject.toml, beside the app's own: the service never registers them, nor imports devdata."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from flask import Flask
from flask.cli import FlaskGroup

from devdata.commands import demo_cli, scale_data_cli


def test_the_commands_are_entry_points_and_not_the_apps(app: Flask) -> None:
    found = {entry.name: entry.load() for entry in entry_points(group="flask.commands")}
    assert found["demo"] is demo_cli and found["scale-data"] is scale_data_cli
    assert not {"demo", "scale-data"} & set(app.cli.commands)


def test_the_flask_command_lists_them_with_the_apps_own(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # The `flask` group marks the process as run from the CLI; the mark goes when the test ends.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    flask = FlaskGroup(create_app=lambda: app, load_dotenv=False)
    listed = app.test_cli_runner().invoke(flask, args=["--help"])
    assert listed.exit_code == 0, listed.output
    commands = listed.output.split("Commands:")[1].split()
    assert {"demo", "scale-data", "councils", "users", "offers"} <= set(commands)
    generate = app.test_cli_runner().invoke(flask, args=["scale-data", "generate", "--help"])
    assert generate.exit_code == 0 and "--scale" in generate.output and "--seed" in generate.output
