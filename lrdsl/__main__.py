"""``python -m lrdsl``: the ``lrdsl`` command."""

import sys

from .cli import main

sys.exit(main())
