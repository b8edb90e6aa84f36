from __future__ import annotations

import pytest
from django.test import Client

from partners.cli import COMMAND_MODULES, main


def test_token_create_prints_a_token_that_opens_the_api(world, capsys):
    assert main(["token", "create", "cp1"]) == 0
    token = capsys.readouterr().out.strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/service-users")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [world.people["p1"].pk]


def test_token_create_for_an_unknown_account_is_exit_2_naming_it(world, capsys):
    assert main(["token", "create", "nobody"]) == 2
    assert "'nobody'" in capsys.readouterr().err


def test_token_create_json_prints_one_object(world, capsys):
    import json

    assert main(["token", "create", "sup1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["username"] == "sup1" and payload["token"].startswith("ptk_")


@pytest.mark.parametrize("argv", [[], ["--help"], ["token", "--help"], ["demo", "--help"], ["serve", "--help"]])
def test_every_command_has_help_and_no_traceback(argv, capsys):
    code: object = None
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's --help exits 0
        code = exc.code
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert code in (0, 2)


def test_an_unknown_command_is_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_command_modules_all_load():
    import importlib

    for name in COMMAND_MODULES:
        assert hasattr(importlib.import_module(name), "register")
