"""--seed --deterministic: a GAN run (generator and discriminator optimizers and schedulers, two
discriminator steps per generator step, an EMA generator, the GAN runtime's RandomStateHook)
SIGKILLed and resumed ends as an uninterrupted one: the weights of all three networks, the
logged losses and the validation FID."""
import signal

import torch

import resume_toys

NETWORKS = ('generator.', 'discriminator.', 'generator_ema.module.')


def test_killed_gan_run_resumes_exactly(tmp_path):
    config = resume_toys.write_config(str(tmp_path / 'gan.py'), resume_toys.GAN)
    expected_dir, work_dir = str(tmp_path / 'straight'), str(tmp_path / 'work')
    assert resume_toys.train(config, expected_dir) == 0
    # killed before iteration 9 (1-based), resumed from iter_6.pth: a restored random state
    # that replaced the step seed drew other noise from there on
    assert resume_toys.train(config, work_dir, kill_at=8) == -signal.SIGKILL
    assert resume_toys.train(config, work_dir, '--resume') == 0

    expected, actual = resume_toys.final_weights(expected_dir), resume_toys.final_weights(work_dir)
    assert all(any(key.startswith(network) for key in expected) for network in NETWORKS)
    assert int(expected['generator_ema.steps']) > 0  # the average was updated, not only copied
    for key, value in expected.items():
        torch.testing.assert_close(actual[key], value, rtol=0, atol=1e-6, msg=key)
    logged = resume_toys.logged(work_dir)
    assert logged == resume_toys.logged(expected_dir)
    assert sum('loss_gen' in record for record in logged.values()) == 11  # from iteration 2 on
    assert {step for step, kind in logged if kind == 'val'} == {5, 10, 12}
