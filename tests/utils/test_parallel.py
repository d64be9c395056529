"""reelkit.utils.parallel: worker processes start clean, whatever the caller's state."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from reelkit.datasets.synth_motion import write_mp4
from reelkit.utils.errors import ReelkitError
from reelkit.utils.parallel import map_in_processes

CHECKOUT = Path(__file__).resolve().parents[2]

# Converting a frame with PyAV's shared swscale context starts its slice threads; a child forked
# from that process hung on its own next conversion (joining threads that do not exist there).
CONVERT = textwrap.dedent('''
    import av

    def shape_after_conversion(path, size=(24, 40)):
        with av.open(path) as container:
            frame = next(container.decode(video=0))
            return frame.to_ndarray(format='rgb24', width=size[0], height=size[1]).shape
''')
CALLER = textwrap.dedent('''
    import sys
    from functools import partial
    from convert import shape_after_conversion
    from reelkit.utils.parallel import map_in_processes

    shape_after_conversion(sys.argv[1], size=(32, 48))  # the caller converts first
    print(map_in_processes(partial(shape_after_conversion, size=(24, 40)), [sys.argv[1]] * 2,
                           workers=2))
''')


def test_workers_do_not_inherit_the_callers_conversion_threads(tmp_path):
    video = tmp_path / 'clip.mp4'
    write_mp4(str(video), np.zeros((4, 40, 64, 3), np.uint8), fps=10)
    (tmp_path / 'convert.py').write_text(CONVERT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(CHECKOUT)]))
    done = subprocess.run([sys.executable, '-c', CALLER, str(video)], capture_output=True,
                          text=True, env=env, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == '[(40, 24, 3), (40, 24, 3)]'


def test_results_keep_the_order_of_items():
    assert map_in_processes(abs, [-3, 1, -2], workers=2) == [3, 1, 2]


def test_no_workers_is_an_error():
    with pytest.raises(ReelkitError, match='workers=0'):
        map_in_processes(abs, [1], workers=0)
