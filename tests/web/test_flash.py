"""Flash messages: a redirect names a fixed sentence by key; nothing from the address is ever shown."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from microcred.web.flash import FLASH, done
from tests.conftest import World, log_in


def test_done_adds_the_key_before_the_fragment_and_keeps_the_query() -> None:
    assert done("/recognition#case-1", "asked").headers["location"] == "/recognition?done=asked#case-1"
    assert done("/x?page=2", "published").headers["location"] == "/x?page=2&done=published"
    assert done("/x", "published").status_code == 303


def test_an_unknown_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        done("/x", "<script>")


def test_the_page_says_the_sentence_for_a_known_key_and_nothing_for_others(client: TestClient, world: World) -> None:
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    shown = client.get("/dashboard?done=password").text
    assert f'<div class="notice" role="status">{FLASH["password"]}</div>' in shown
    forged = client.get("/dashboard?done=Your+account+is+closed").text
    assert 'class="notice" role="status"' not in forged and "account is closed" not in forged
