"""The engine's own version: it changes only when a calculation's numbers could change."""

ENGINE_VERSION = "1.0.0"
