#!/usr/bin/env python3
"""Launcher for a checkout: `python ossh.py ARGS` behaves like the installed `ossh ARGS`."""

import sys

from ossh.cli import main

if __name__ == "__main__":
    sys.exit(main())
