"""Alembic environment and revisions of the dispatch database (run through `dispatch.db`)."""
