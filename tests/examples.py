"""How many examples a property test runs: its own count, or the explore profile's.

A test's explicit ``@settings(max_examples=N)`` wins over the loaded profile, so under
``HYPOTHESIS_PROFILE=explore`` (``tests/conftest.py``) it would still run its N. ``scaled(N)``
gives N normally and the explore profile's count (at least N) when that profile is asked for:
the tests marked ``explore`` use it, so an explore run really runs thousands of examples.
"""

from __future__ import annotations

import os

#: The profile whose example count overrides the tests' own.
EXPLORE = "explore"


def exploring() -> bool:
    """Whether this run asked for the explore profile."""
    return os.environ.get("HYPOTHESIS_PROFILE") == EXPLORE


def scaled(max_examples: int) -> int:
    """``max_examples``, or the explore profile's count when exploring."""
    if not exploring():
        return max_examples
    from hypothesis import settings

    return max(max_examples, settings.get_profile(EXPLORE).max_examples)
