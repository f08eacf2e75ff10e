"""The systemd units in deploy/ keep every process running and name commands that exist."""

import configparser
from pathlib import Path

import pytest
from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
LONG_RUNNING = {
    "portal-web.service": "gunicorn config.wsgi",
    "portal-worker.service": "manage.py run_worker",
    "portal-periodic.service": "manage.py run_periodic_tasks",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(DEPLOY / name)
    return parser


@pytest.mark.parametrize(("name", "command"), LONG_RUNNING.items())
def test_each_process_is_restarted_always_and_never_given_up_on(name, command):
    parsed = unit(name)
    assert command in parsed["Service"]["ExecStart"]
    assert parsed["Service"]["Restart"] == "always"
    assert parsed["Unit"]["StartLimitIntervalSec"] == "0"
    assert parsed["Service"]["KillSignal"] == "SIGTERM"


def test_the_units_run_commands_that_exist_and_not_the_worker_that_dies_on_a_database_error():
    commands = get_commands()
    for name in [*LONG_RUNNING, "portal-check-background.service"]:
        exec_start = unit(name)["Service"]["ExecStart"]
        if "manage.py" in exec_start:
            assert exec_start.split("manage.py ")[1].split()[0] in commands
        assert "db_worker" not in exec_start
    assert unit("portal-check-background.timer")["Timer"]["OnUnitActiveSec"] == "5min"
