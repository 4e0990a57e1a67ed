#!/usr/bin/env python
"""Django's manage.py, kept for tools that expect it; ``jiancha`` is the same command."""

from jiancha.cli import main

if __name__ == "__main__":
    main()
