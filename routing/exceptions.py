"""Exceptions raised by the routing core."""


class RoutingError(Exception):
    """Base class of every error the routing core raises."""


class ProblemError(RoutingError, ValueError):
    """A problem is malformed; ``field`` names the offending part, e.g. ``stops[3].weight_g``."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class InstanceFormatError(RoutingError, ValueError):
    """A benchmark instance file cannot be read."""
