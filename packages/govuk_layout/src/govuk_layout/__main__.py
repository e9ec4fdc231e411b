import sys

from govuk_layout.cli import main

sys.exit(main())
