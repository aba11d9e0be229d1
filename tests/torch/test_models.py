"""Tests of v1pushpull.torch.models: shapes, parameter counts, placements and the released
checkpoints of [S20]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from v1pushpull.torch.layers import PushPullConv2d  # noqa: E402
from v1pushpull.torch.models import (  # noqa: E402
    ARCHITECTURES,
    DenseNetBC,
    LeNet,
    ResNetCIFAR,
    build_model,
    model_family,
)

# tests/torch/ is one level deeper than tests/: the repository is parents[2], /work parents[3]
CHECKPOINTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "s20-checkpoints"
# CIFAR-10 normalisation the released models were trained with [S20]
CIFAR_MEAN = np.array([125.3, 123.0, 113.9]) / 255
CIFAR_STD = np.array([63.0, 62.1, 66.7]) / 255
CIFAR_CAT = 3


def n_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def pushpull_names(model) -> list[str]:
    return [name for name, m in model.named_modules() if isinstance(m, PushPullConv2d)]


def test_resnet20_parameter_count_is_the_published_one_with_or_without_pushpull():
    # 272,474 parameters [S20]; the pull kernel is derived from the push kernel
    for placement in ("none", "first", "first_stage", "all"):
        assert n_parameters(build_model("resnet20", pushpull=placement)) == 272_474


def test_parameter_counts_of_deeper_networks_match_the_architecture_formulas():
    # ResNet 6n+2 with option-B shortcuts: each extra block pair per stage adds
    # 2 convs + 2 BNs per stage: 2*(9*16*16+2*16) + 2*(9*32*32+2*32) + 2*(9*64*64+2*64)
    per_block = sum(2 * (9 * c * c + 2 * c) for c in (16, 32, 64))
    assert n_parameters(build_model("resnet32")) == 272_474 + 2 * per_block
    assert n_parameters(build_model("resnet56")) == 272_474 + 6 * per_block
    # DenseNet-BC 100-12 has 0.8 M parameters (Huang et al. 2017, Table 2)
    assert round(n_parameters(build_model("densenet-bc-100-12")) / 1e6, 1) == 0.8


@pytest.mark.parametrize("variant", ["A", "B", "C", "D"])
def test_lenet_layer_sizes_follow_the_paper_table(variant):
    filters = {
        "A": (6, 16, 128, 64),
        "B": (6, 8, 64, 32),
        "C": (4, 16, 128, 64),
        "D": (4, 8, 64, 32),
    }
    c1, c2, h1, h2 = filters[variant]
    model = LeNet(variant)
    # 28 px → conv 24 → pool 12 → conv 8 → pool 4
    expected = (25 * c1 + c1) + (25 * c1 * c2 + c2) + (16 * c2 * h1 + h1) + (h1 * h2 + h2)
    expected += h2 * 10 + 10
    assert n_parameters(model) == expected
    assert n_parameters(LeNet(variant, pushpull="first")) == expected
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


@pytest.mark.parametrize(
    ("arch", "placement", "expected"),
    [
        ("lenet-a", "none", []),
        ("lenet-a", "first", ["conv1"]),
        ("lenet-a", "all", ["conv1", "conv2"]),
        ("resnet20", "first", ["conv1"]),
        ("densenet-bc-40-12", "first", ["features.conv0"]),
    ],
)
def test_pushpull_placement_replaces_exactly_the_named_convolutions(arch, placement, expected):
    assert pushpull_names(build_model(arch, pushpull=placement)) == expected


def test_first_stage_and_all_cover_the_3x3_convolutions_only():
    stage = pushpull_names(build_model("resnet20", pushpull="first_stage"))
    assert stage == ["conv1"] + [f"layer1.{b}.conv{i}" for b in range(3) for i in (1, 2)]
    everything = pushpull_names(build_model("resnet20", pushpull="all"))
    assert len(everything) == 1 + 3 * 3 * 2  # no 1×1 shortcut is push-pull
    dense = pushpull_names(build_model("densenet-bc-40-12", pushpull="first_stage"))
    assert dense == ["features.conv0"] + [
        f"features.denseblock1.denselayer{i}.conv2" for i in range(1, 7)
    ]


def test_layer_options_reach_the_pushpull_layers():
    model = build_model("resnet20", pushpull="all", scale=1.0, trainable_alpha=True)
    layers = [m for m in model.modules() if isinstance(m, PushPullConv2d)]
    assert all(m.pull_size == (3, 3) and m.trainable_alpha for m in layers)
    # one learned α per output channel of each push-pull layer
    assert n_parameters(model) == 272_474 + sum(m.push.out_channels for m in layers)
    lenet = build_model("lenet-b", pushpull="first", alpha=0.5)
    assert lenet.conv1.alpha == 0.5 and lenet.conv1.pull_size == (11, 11)


def test_inputs_of_other_sizes_and_channels():
    assert ResNetCIFAR(20, in_channels=1, num_classes=7)(torch.zeros(2, 1, 28, 28)).shape == (2, 7)
    assert DenseNetBC(40, 12, in_channels=1)(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert LeNet("D", input_size=32, in_channels=3)(torch.zeros(1, 3, 32, 32)).shape == (1, 10)


def test_pushpull_first_layer_changes_the_function_not_only_the_names():
    torch.manual_seed(0)
    plain = build_model("resnet20").eval()
    pushpull = build_model("resnet20", pushpull="first").eval()
    state = plain.state_dict()
    state["conv1.push.weight"] = state.pop("conv1.weight")
    pushpull.load_state_dict(state, strict=True)
    x = torch.rand(4, 3, 32, 32)
    with torch.no_grad():
        # same push weights: outputs differ by the pull (inhibition) path only
        assert not torch.allclose(plain(x), pushpull(x), atol=1e-3)
        # with α = 0 the push-pull layer is ReLU(k ⋆ x): the pull path is what differs
        pushpull.conv1.alpha = 0.0
        assert torch.equal(pushpull.conv1(x), torch.relu(plain.conv1(x)))


def test_registry_names_and_families():
    assert {model_family(a) for a in ARCHITECTURES} == {"lenet", "resnet", "densenet"}
    assert model_family("lenet-c") == "lenet"
    assert isinstance(build_model("lenet-a"), LeNet)
    assert build_model("lenet-a").conv1.in_channels == 1
    assert build_model("resnet44").depth == 44


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: build_model("resnet18"), "arch='resnet18'"),
        (lambda: build_model("resnet20", pushpull="some"), "pushpull='some'"),
        (lambda: build_model("lenet-a", pushpull="first_stage"), "first_stage"),
        (lambda: ResNetCIFAR(21), "depth=21"),
        (lambda: DenseNetBC(41, 12), "depth=41"),
        (lambda: DenseNetBC(40, 12, compression=0.0), "compression=0.0"),
        (lambda: LeNet("E"), "variant='E'"),
        (lambda: LeNet("A", input_size=8), "input_size=8"),
        (lambda: build_model("resnet20", num_classes=0), "num_classes=0"),
        (lambda: model_family("vgg"), "arch='vgg'"),
        # the push-pull options are checked even when no layer is push-pull
        (lambda: build_model("resnet20", pushpull="none", pull="x"), "pull must be"),
        (lambda: build_model("resnet20", pushpull="none", alpha=-5), "alpha"),
        (lambda: build_model("lenet-a", scale=0.0), "scale"),  # 0 < scale < 1 is allowed (issue 14)
    ],
)
def test_bad_arguments_raise_value_errors_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- the authors' released checkpoints ------------------------------------------------------

RELEASED = [
    ("resnet-20.pth.tar", "resnet20", "none", "conv1.weight"),
    ("resnet-20-pp.pth.tar", "resnet20", "first", "conv1.push.weight"),
    ("densenet-bc-40-12-pp.pth.tar", "densenet-bc-40-12", "first", "features.conv0.push.weight"),
]


def cat_photo() -> torch.Tensor:
    """skimage's photo of Chelsea the cat: centre and shifted 300×300 crops, at 32×32."""
    from skimage import data, transform

    image = data.chelsea()
    crops = [image[:, 75:375], image[:, 40:340], image[:, 110:410], image[:, 75:375][:, ::-1]]
    small = [transform.resize(c, (32, 32), anti_aliasing=True) for c in crops]
    x = (np.stack(small) - CIFAR_MEAN) / CIFAR_STD
    return torch.tensor(x.transpose(0, 3, 1, 2), dtype=torch.float32)


@pytest.mark.skipif(not CHECKPOINTS.is_dir(), reason="released checkpoints not available")
@pytest.mark.parametrize(("filename", "arch", "placement", "first_key"), RELEASED)
def test_released_checkpoints_load_strictly_and_recognise_a_cat(
    filename, arch, placement, first_key
):
    state = torch.load(CHECKPOINTS / filename, map_location="cpu", weights_only=True)["state_dict"]
    model = build_model(arch, pushpull=placement)
    model.load_state_dict(state, strict=True)
    assert first_key in model.state_dict()
    # the loaded tensors are the model's, unchanged
    loaded = model.state_dict()
    assert loaded.keys() == state.keys()
    assert all(torch.equal(loaded[k], state[k]) for k in state)
    if placement == "none":
        assert n_parameters(model) == 272_474
    # an architecture that only shared names with the authors' would not recognise a photo:
    # CIFAR-10 networks at 91-93 % accuracy call a photograph of a cat "cat"
    model.eval()
    with torch.no_grad():
        probabilities = model(cat_photo()).softmax(1)
    assert (probabilities.argmax(1) == CIFAR_CAT).all()
    assert probabilities[:, CIFAR_CAT].min() > 0.9


@pytest.mark.skipif(not CHECKPOINTS.is_dir(), reason="released checkpoints not available")
def test_released_pushpull_weights_do_not_load_into_the_plain_network():
    state = torch.load(CHECKPOINTS / "resnet-20-pp.pth.tar", map_location="cpu", weights_only=True)[
        "state_dict"
    ]
    with pytest.raises(RuntimeError, match=r"conv1\.push\.weight"):
        build_model("resnet20").load_state_dict(state, strict=True)
