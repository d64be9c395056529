"""Random nested configs, built from the words 0.x configs use: the migration never crashes (it returns
a config or raises a ConfigError that is not a reelkit bug), what it writes loads back to the same
values, and migrating its output again changes nothing."""
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mmengine.config import Config

from reelkit.migration import LEGACY_KEYS, is_legacy_config, migrate_config
from reelkit.utils.errors import ConfigError

BUG = 'please report'
TOP_KEYS = LEGACY_KEYS + ('model', 'custom_hooks', 'train_cfg', 'test_cfg', 'train_pipeline', 'dataset_type',
                          'find_unused_parameters', 'default_hooks', 'seed', 'log_level')
INNER_KEYS = ('type', 'policy', 'step', 'warmup', 'warmup_iters', 'warmup_ratio', 'warmup_by_epoch', 'by_epoch',
              'min_lr', 'gamma', 'periods', 'train', 'val', 'test', 'videos_per_gpu', 'samples_per_gpu',
              'workers_per_gpu', 'pipeline', 'metrics', 'interval', 'hooks', 'generator', 'discriminator', 'lr',
              'grad_clip', 'keys', 'meta_keys', 'mean', 'std', 'to_bgr', 'cls_head', 'test_cfg', 'average_clips',
              'max_epochs', 'max_iters', 'save_best', 'data_prefix', 'dataset', 'num_images', 'best_metric',
              'disc_steps', 'use_ema', 'fp16_loss_scaler', 'loss_scale', 'paramwise_cfg', 'constructor')
TYPE_NAMES = ('SGD', 'step', 'CosineAnnealing', 'Poly', 'Linear', 'linear', 'exp', 'Collect', 'Normalize',
              'ToTensor', 'FormatShape', 'VideoDataset', 'RawframeDataset', 'EpochBasedRunner',
              'DynamicIterBasedRunner', 'TextLoggerHook', 'TensorboardLoggerHook', 'GenerativeEvalHook', 'FID',
              'IS', 'top_k_accuracy', 'Fp16OptimizerHook', 'VisualizeUnconditionalSamples', 'BigGANGenerator',
              'BasiccGAN', 'Recognizer2D', 'TSNHead', 'real_img', 'imgs', 'label')

names = st.text(string.ascii_lowercase + '_', min_size=1, max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 50), st.floats(-10, 10, allow_nan=False),
                    st.sampled_from(TYPE_NAMES), st.text(string.printable, max_size=6))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(st.sampled_from(INNER_KEYS), names), inner, max_size=5)),
    max_leaves=20)
configs = st.dictionaries(st.one_of(st.sampled_from(TOP_KEYS), names), values, min_size=1, max_size=6)


def _normalised(value):
    if isinstance(value, dict):
        return {str(k): _normalised(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return type(value)(_normalised(v) for v in value)
    return value


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs)
def test_random_configs_migrate_or_fail_with_a_clear_error(cfg):
    try:
        result = migrate_config(cfg)
        text = result.text
    except ConfigError as error:
        assert BUG not in str(error)
        assert str(error).split(':')[0]  # the message starts with the key it is about
        return
    loaded = Config.fromstring(text, '.py').to_dict()
    assert _normalised(loaded) == _normalised(result.config.to_dict())
    assert not is_legacy_config(result.config)
    assert migrate_config(result.config).config.to_dict() == result.config.to_dict()


@settings(max_examples=40, deadline=None, database=None)
@given(cfg=st.dictionaries(st.sampled_from(('lr_config', 'data', 'optimizer', 'evaluation', 'log_config')),
                           st.dictionaries(st.sampled_from(INNER_KEYS), values, max_size=6), min_size=1))
def test_random_0x_sections_migrate_or_fail_with_a_clear_error(cfg):
    try:
        migrate_config(cfg)
    except ConfigError as error:
        assert BUG not in str(error)
