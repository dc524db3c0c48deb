"""The HTTP API of Pasar Antar: `create_app` builds the FastAPI application."""

from api.main import create_app

__all__ = ["create_app"]
