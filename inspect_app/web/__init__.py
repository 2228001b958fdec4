"""Blueprints: thin views over the service layer."""
