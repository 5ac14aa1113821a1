"""Emission factors: the resolver interface and, for now, the cited seed table."""
