"""Developer tools run with ``python -m tanji.tools.…``; not part of the product's faces."""
