"""The web face: server-rendered pages and the REST API, over the domain services."""
