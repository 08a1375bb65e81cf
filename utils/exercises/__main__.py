"""``python -m utils.exercises``: write the exercise notebooks (see ``utils.exercises.generate``)."""

import sys

from utils.exercises.generate import main

sys.exit(main())
