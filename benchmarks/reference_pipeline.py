"""The MMAction2 side of ``pipeline.py --reference``: run a config's pipeline in MMAction2.

    PYTHON benchmarks/reference_pipeline.py CONFIG SPLIT ANN_FILE VIDEO_DIR NUM WARMUP ROUNDS

Run by ``pipeline.py`` in the interpreter given to ``--reference`` (one with MMAction2 1.2.0
installed). Builds ``<SPLIT>_dataloader.dataset`` of CONFIG on ANN_FILE and prints one JSON
line: ``{"clips_per_s": ..., "round_s": [...], "version": ...}``.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clip_timing import best_clips_per_second, dataset_overrides  # noqa: E402


def main(argv) -> int:
    config, split, ann_file, video_dir, num, warmup, rounds = argv
    import mmaction
    from mmaction.registry import DATASETS
    from mmaction.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules(init_default_scope=True)
    dataset_cfg = Config.fromfile(config)[f'{split}_dataloader']['dataset']
    dataset_cfg.update(dataset_overrides(ann_file, video_dir))
    dataset = DATASETS.build(dataset_cfg)
    indices = [i % len(dataset) for i in range(int(num))]
    timing = best_clips_per_second(dataset.__getitem__, indices, int(warmup), int(rounds))
    print(json.dumps(dict(timing, version=mmaction.__version__)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
