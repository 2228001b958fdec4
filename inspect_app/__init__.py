"""Commune inspection workflow for Hà Nội's Kế hoạch 122/KH-UBND (PAPI criteria)."""
from .evaluation import InvalidInput, evaluate


def create_app(config=None):
    """The Flask app (imported lazily so that `evaluate` needs neither Flask nor a server)."""
    from .app import create_app as build

    return build(config)


__all__ = ["create_app", "evaluate", "InvalidInput"]
