"""The migrated schedulers give the learning rates mmcv's 0.x updater hooks gave, computed here
independently from mmcv's formulas, on a one-parameter optimizer stepped by MMEngine's schedulers."""
import math

import pytest
import mmengine.optim  # noqa: F401  (registers the schedulers)
import torch
from mmengine.registry import PARAM_SCHEDULERS

from mig_helpers import migrate_dict

BASE_LR = 1.0
WARMUP = 10
RATIO = 0.1


def _run(schedulers, steps: int):
    """Learning rates at iterations 0..steps-1 (the value used by each iteration's update)."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE_LR)
    built = [PARAM_SCHEDULERS.build(dict(s, optimizer=optimizer)) for s in schedulers]
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in built:
            scheduler.step()
    return lrs


def _warmup_schedulers(kind: str):
    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=BASE_LR), runner=dict(type='IterBasedRunner', max_iters=40),
                            lr_config=dict(policy='fixed', by_epoch=False, warmup=kind, warmup_iters=WARMUP,
                                           warmup_ratio=RATIO)))
    schedulers = cfg['param_scheduler']
    return schedulers if isinstance(schedulers, list) else [schedulers]


def mmcv_warmup(kind: str, i: int) -> float:
    """mmcv LrUpdaterHook.get_warmup_lr for iteration ``i`` (the regular rate is the base rate here)."""
    if i >= WARMUP:
        return BASE_LR
    if kind == 'constant':
        return BASE_LR * RATIO
    if kind == 'linear':
        return BASE_LR * (1 - (1 - i / WARMUP) * (1 - RATIO))
    return BASE_LR * RATIO**(1 - i / WARMUP)


def test_exp_warmup_follows_mmcv_at_every_iteration():
    lrs = _run(_warmup_schedulers('exp'), 20)
    assert lrs == pytest.approx([mmcv_warmup('exp', i) for i in range(20)], rel=1e-6)


def test_constant_warmup_agrees_with_mmcv_except_one_iteration_earlier_end():
    """MMEngine's ConstantLR restores the rate at the last warmup iteration, mmcv one later
    (official 1.x configs write end=warmup_iters; the difference is one iteration)."""
    lrs = _run(_warmup_schedulers('constant'), 20)
    expected = [mmcv_warmup('constant', i) for i in range(20)]
    expected[WARMUP - 1] = BASE_LR
    assert lrs == pytest.approx(expected)


def test_linear_warmup_starts_at_the_ratio_and_reaches_the_base_rate_one_step_early():
    lrs = _run(_warmup_schedulers('linear'), 20)
    expected = [RATIO + (BASE_LR - RATIO) * min(i / (WARMUP - 1), 1) for i in range(20)]
    assert lrs == pytest.approx(expected)
    assert all(abs(lr - mmcv_warmup('linear', i)) <= (1 - RATIO) / WARMUP + 1e-9 for i, lr in enumerate(lrs))


def test_step_policy_decays_at_the_0x_milestones():
    cfg = migrate_dict(dict(lr_config=dict(policy='step', step=[3, 6], gamma=0.5, by_epoch=False),
                            runner=dict(type='IterBasedRunner', max_iters=9)))
    lrs = _run(cfg['param_scheduler'], 9)
    assert lrs == pytest.approx([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25])


def test_cosine_without_warmup_matches_mmcv_annealing():
    total = 20
    cfg = migrate_dict(dict(lr_config=dict(policy='CosineAnnealing', min_lr=0.1, by_epoch=False),
                            runner=dict(type='IterBasedRunner', max_iters=total)))
    lrs = _run(cfg['param_scheduler'], total)
    mmcv = [0.1 + 0.5 * (BASE_LR - 0.1) * (1 + math.cos(math.pi * i / total)) for i in range(total)]
    assert lrs == pytest.approx(mmcv, rel=1e-6)
