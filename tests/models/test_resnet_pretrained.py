"""Pretrained ResNet weights: torchvision and MMAction2 layouts, TSM wrappers, and never the network."""
import os.path as osp
import re
import socket
import urllib.request

import pytest
import torch

from reelkit.models.backbones import ResNet, ResNetTSM
from reelkit.utils.errors import ConfigError

R50_URL = 'https://download.pytorch.org/models/resnet50-11ad3fa6.pth'

# Our key -> torchvision's key, the reverse of what loading does (written independently here).
TO_TORCHVISION = (
    (r'^conv1\.conv\.', 'conv1.'),
    (r'^conv1\.bn\.', 'bn1.'),
    (r'\.conv(\d)\.conv\.', r'.conv\1.'),
    (r'\.conv(\d)\.bn\.', r'.bn\1.'),
    (r'\.downsample\.conv\.', '.downsample.0.'),
    (r'\.downsample\.bn\.', '.downsample.1.'),
)


def random_resnet18_state() -> dict:
    """A ResNet-18 state dict with every float tensor random, so a load is visible everywhere."""
    torch.manual_seed(0)
    return {key: torch.rand_like(value) if value.is_floating_point() else value
            for key, value in ResNet(18).state_dict().items()}


def to_torchvision(state: dict) -> dict:
    """torchvision's layout: ``bn1``, ``layerK.i.bnJ``, ``downsample.0/1``, an ``fc``, no BN counters."""
    out = {}
    for key, value in state.items():
        if key.endswith('num_batches_tracked'):
            continue
        for pattern, replacement in TO_TORCHVISION:
            key = re.sub(pattern, replacement, key)
        out[key] = value
    out.update({'fc.weight': torch.zeros(1000, 512), 'fc.bias': torch.zeros(1000)})
    return out


@pytest.fixture
def torchvision_file(tmp_path):
    state = random_resnet18_state()
    path = tmp_path / 'resnet18_torchvision.pth'
    torch.save(to_torchvision(state), path)
    return str(path), state


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('network access attempted')

    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.setattr(urllib.request, 'urlopen', refuse)
    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)


@pytest.fixture
def hub_dir(tmp_path):
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    yield tmp_path / 'hub'
    torch.hub.set_dir(previous)


def assert_loaded(model_state: dict, expected: dict, key_of=lambda key: key):
    for key, value in expected.items():
        if value.is_floating_point():
            assert torch.equal(model_state[key_of(key)], value), key


def test_fake_checkpoint_has_torchvision_names(torchvision_file):
    keys = torch.load(torchvision_file[0], weights_only=True).keys()
    assert {'conv1.weight', 'bn1.running_mean', 'layer1.0.bn2.weight', 'layer2.0.downsample.0.weight',
            'layer2.0.downsample.1.running_var', 'fc.weight'} <= set(keys)


def test_torchvision_checkpoint_loads_into_resnet(torchvision_file):
    path, expected = torchvision_file
    model = ResNet(18, pretrained=path)
    model.init_weights()
    assert_loaded(model.state_dict(), expected)


def test_2d_checkpoint_loads_into_tsm_wrappers(torchvision_file):
    path, expected = torchvision_file
    model = ResNetTSM(18, shift_place='block', temporal_pool=True, non_local=((0, 0), (1, 0), (0, 0), (0, 0)),
                      pretrained=path)
    model.init_weights()

    def wrapped(key):  # block shift -> layerK.i.net.*, temporal pool -> layer2.net.*, non-local -> .block.*
        key = re.sub(r'^(layer\d\.)(\d\.)', r'\1\2net.', key)
        key = key.replace('layer2.', 'layer2.net.', 1)
        return key.replace('layer2.net.0.net.', 'layer2.net.0.block.net.', 1)

    state = model.state_dict()
    assert 'layer2.net.0.block.net.conv1.conv.weight' in state
    assert_loaded(state, expected, wrapped)


def test_recognizer_checkpoint_loads_its_backbone(tmp_path):
    expected = random_resnet18_state()
    checkpoint = {'meta': {'epoch': 3}, 'state_dict': {
        **{f'backbone.{key}': value for key, value in expected.items()},
        'cls_head.fc_cls.weight': torch.zeros(4, 512)}}
    torch.save(checkpoint, tmp_path / 'tsn.pth')
    model = ResNetTSM(18, pretrained=str(tmp_path / 'tsn.pth'))
    model.init_weights()
    assert_loaded(model.state_dict(), expected, lambda key: key.replace('conv1.conv.', 'conv1.conv.net.')
                  if key.startswith('layer') else key)


def test_flow_resnet_keeps_its_own_first_conv(torchvision_file):
    path, expected = torchvision_file
    model = ResNet(18, in_channels=10, pretrained=path)
    initial = model.conv1.conv.weight.clone()
    model.init_weights()
    assert torch.equal(model.conv1.conv.weight, initial)  # (64, 10, 7, 7) cannot take (64, 3, 7, 7)
    assert torch.equal(model.layer1[0].conv1.conv.weight, expected['layer1.0.conv1.conv.weight'])


def test_url_without_cached_file_names_the_cache_path(no_network, hub_dir):
    model = ResNet(50, pretrained=R50_URL)  # building never reads the weights
    with pytest.raises(ConfigError) as error:
        model.init_weights()
    message = str(error.value)
    assert R50_URL in message
    assert osp.join(str(hub_dir), 'checkpoints', 'resnet50-11ad3fa6.pth') in message
    assert 'model.backbone.pretrained=None' in message


def test_url_found_in_the_hub_cache_is_loaded(no_network, hub_dir):
    expected = random_resnet18_state()
    (hub_dir / 'checkpoints').mkdir(parents=True)
    torch.save(to_torchvision(expected), hub_dir / 'checkpoints' / 'resnet18-f37072fd.pth')
    for pretrained in ('https://download.pytorch.org/models/resnet18-f37072fd.pth', 'torchvision://resnet18'):
        model = ResNet(18, pretrained=pretrained)
        model.init_weights()
        assert_loaded(model.state_dict(), expected)


def test_missing_local_file_and_unknown_torchvision_name_are_config_errors(no_network, hub_dir):
    with pytest.raises(ConfigError, match='no such file'):
        ResNet(18, pretrained='weights/missing.pth').init_weights()
    with pytest.raises(ConfigError, match="unknown torchvision model; known: \\['resnet101'"):
        ResNet(18, pretrained='torchvision://vgg16').init_weights()
