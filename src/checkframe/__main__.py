import sys

from checkframe.cli import main

sys.exit(main())
