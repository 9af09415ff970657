"""`python -m bench.cli ...` is `sr-bench ...`."""

import sys

from bench.cli import main

sys.exit(main())
