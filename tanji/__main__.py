"""Allow ``python -m tanji``."""

from tanji.cli.app import main

main()
