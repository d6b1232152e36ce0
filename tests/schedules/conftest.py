from tests.handlers.conftest import services

__all__ = ["services"]
