"""`python -m server [MODULE:APP]`: serve the hub as `make run` and Render do."""

import sys

from server.serve import main

main(sys.argv[1:])
