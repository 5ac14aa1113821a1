"""Persistence plumbing shared by the domains: base model, engine, sessions, migrations."""
