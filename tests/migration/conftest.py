"""Settings of the migration tests."""
import os
import tempfile

from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches; keep them out of the working tree.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), 'reelkit-hypothesis'))
