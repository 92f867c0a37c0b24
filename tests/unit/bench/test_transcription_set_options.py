"""``transcription_set --option KEY=VALUE``: an option to try on the dev split, typed like the shipped one."""

from __future__ import annotations

import pytest
from callaudit_testkit.bench.transcription_set import parse_option


def test_options_are_typed_like_the_shipped_ones():
    assert parse_option("condition_on_previous_text=false") == ("condition_on_previous_text", False)
    assert parse_option("condition_on_previous_text=True") == ("condition_on_previous_text", True)
    key, beam = parse_option("beam_size=5")
    assert key == "beam_size" and beam == 5 and isinstance(beam, int)


@pytest.mark.parametrize("bad, says", [
    ("no_such_option=1", "KEY one of"),
    ("beam_size", "KEY=VALUE"),
    ("condition_on_previous_text=maybe", "true or false"),
])
def test_a_wrong_option_says_what_is_expected(bad, says):
    with pytest.raises(SystemExit, match=says):
        parse_option(bad)
