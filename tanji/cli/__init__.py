"""The ``tanji`` command line: thin commands over the domain services."""
