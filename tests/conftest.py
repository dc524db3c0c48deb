"""Test-wide settings.

In CI (``CI`` set) hypothesis runs derandomized: the same examples on every run, so a
submission's result does not depend on luck; local runs keep exploring new examples.
``HYPOTHESIS_PROFILE=explore`` runs many more random examples (README: before a submission);
a counterexample it finds becomes an ``@example`` on its test.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile(
    "explore",
    derandomize=False,
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if profile := os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(profile)
elif os.environ.get("CI"):
    settings.load_profile("ci")
