"""`python -m ossh` runs the ossh command line."""

import sys

from ossh.cli import main

sys.exit(main())
