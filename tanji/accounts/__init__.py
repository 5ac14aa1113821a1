"""Organisations, people, roles and API clients: who may do what on the platform."""
