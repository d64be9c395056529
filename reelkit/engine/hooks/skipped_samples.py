"""Report the unreadable training samples once each, and list them all when training ends."""
from typing import Dict, Optional

from mmengine.dist import all_gather_object
from mmengine.hooks import Hook

from reelkit.datasets.skip_records import skipped_in_batch
from reelkit.registry import HOOKS


@HOOKS.register_module()
class SkippedSamplesHook(Hook):
    """Collect the skip records that training batches carry and report each file once.

    A reelkit dataset replaces an unreadable training sample by another one, and the replacement
    brings the record (file and reason) along in its data sample, from whichever DataLoader
    worker loaded it (:mod:`reelkit.datasets.skip_records`). This hook, in the main process,
    warns the first time a file comes up (unless the dataset already did, loading in the main
    process) and ends training with one warning listing every skipped file and why, gathered
    over all ranks. A file that comes up again in later epochs or other workers is not
    reported again. ``ReelkitRunner`` adds this hook as the ``skipped_samples`` default hook;
    ``skip_corrupt=False`` on the dataset makes unreadable files stop the run instead.
    """
    priority = 'NORMAL'

    def __init__(self) -> None:
        self.skipped: Dict[str, str] = {}  # filename -> reason, in the order first seen

    def before_train(self, runner) -> None:
        self.skipped = {}

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        for record in skipped_in_batch(data_batch):
            filename, reason = record['filename'], record['reason']
            if filename in self.skipped:
                continue
            self.skipped[filename] = reason
            if not record.get('logged'):
                runner.logger.warning(f'skipped unreadable training sample {filename} ({reason}); '
                                      'another sample replaces it whenever it comes up')

    def after_train(self, runner) -> None:
        skipped = {}
        for part in all_gather_object(self.skipped):
            for filename, reason in part.items():
                skipped.setdefault(filename, reason)
        if not skipped:
            return
        listed = '; '.join(f'{filename} ({reason})' for filename, reason in skipped.items())
        runner.logger.warning(f'training skipped {len(skipped)} unreadable file(s), each replaced '
                              f'by another sample whenever it came up: {listed} '
                              '(skip_corrupt=False on the dataset makes them fatal)')
