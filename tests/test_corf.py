"""CORF simple cell: configuration, an independent reference implementation, selectivity,
rotation equivariance, the exact-zero property, the linear receptive field, backends, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from v1pushpull.cells import (
    CORFCell,
    PushPullCell,
    Subunit,
    SubunitSet,
    configure_subunits,
    default_rho,
    edge_prototype,
    line_prototype,
)
from v1pushpull.kernels import dog_kernel
from v1pushpull.stimuli import bar, step_edge

ORIENTATIONS = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
DISC = np.hypot(*(np.mgrid[:72, :72] - 36)) <= 16


def reference_corf(image: np.ndarray, orientations: np.ndarray, cell: CORFCell) -> np.ndarray:
    """The corrected convention, written independently of the library's engine: per
    orientation and subunit a SciPy Gaussian blur and an ``np.roll`` by the rounded shift
    (the released code truncates its shifts with ``fix()``; see test_corf_reference.py),
    then the weighted product of powers ``Π sᵢ^wᵢ``."""
    height, width = image.shape
    units = cell.subunit_set
    pad = 2 * math.ceil(units.rhos.max()) + 2 * cell.blur_radius(units.rhos.max()) + 2
    padded = np.pad(image, pad, mode="reflect")
    floor = 64 * np.finfo(image.dtype).eps * np.abs(image).max()
    linear = ndi.correlate(padded, dog_kernel(units[0].sigma), mode="mirror")
    lgn = {
        "on": np.where(linear > floor, linear, 0.0),
        "off": np.where(-linear > floor, -linear, 0.0),
    }
    out = np.empty((orientations.size, height, width))
    for i, theta in enumerate(orientations):
        product = np.ones((height, width))
        for unit, weight in zip(units, units.weights, strict=True):
            # the corrected convention's rounding: half away from zero
            dx = int(np.sign(c := unit.rho * np.cos(unit.phi + theta)) * np.floor(abs(c) + 0.5))
            dy = int(np.sign(s := unit.rho * np.sin(unit.phi + theta)) * np.floor(abs(s) + 0.5))
            radius = cell.blur_radius(unit.rho)
            blurred = ndi.gaussian_filter(
                lgn[unit.polarity], radius / 3, truncate=3.0, mode="mirror"
            )
            shifted = np.roll(blurred, (-dy, -dx), axis=(0, 1))[
                pad : pad + height, pad : pad + width
            ]
            product *= shifted**weight
        out[i] = product
    return out


@pytest.fixture(scope="module")
def cell() -> CORFCell:
    return CORFCell()


def test_default_rho_table():
    assert default_rho(1.0) == (1.4135, 3.0310, 6.9796, 14.38)
    assert default_rho(2.2) == (2.1325, 4.5128, 9.369, 19.18)
    assert default_rho(3.0) == (3.0515, 6.1992, 12.6488, 24.62)
    assert default_rho(5.0) == (3.3021, 4.7877, 9.2467, 18.08, 34.43)
    with pytest.raises(ValueError, match="no default rho"):
        default_rho(6.0)


def test_edge_cell_layout_is_mirror_symmetric(cell):
    """On subunits on the bright (right) side, off subunits mirror them, as the edge is."""
    data = cell.subunit_set.to_dataset()
    on = data.where(data.polarity == "on", drop=True)
    off = data.where(data.polarity == "off", drop=True)
    assert len(cell.subunit_set) == 16
    assert np.all(on.x.values > 0) and np.all(off.x.values < 0)
    on_points = sorted(zip(on.x.values.round(6), on.y.values.round(6), strict=True))
    off_points = sorted(zip((-off.x.values).round(6), off.y.values.round(6), strict=True))
    assert on_points == off_points
    assert set(np.round(data.rho.values, 4)) == set(default_rho(2.2))
    # weights exp(−ρ²/(2σ̂²)), σ̂ = max ρ / 3, normalised
    raw = np.exp(-(data.rho.values**2) / (2 * (19.18 / 3) ** 2))
    np.testing.assert_allclose(data.weight.values, raw / raw.sum())


def test_response_matches_independent_reference(cell, rng):
    image = ndi.gaussian_filter(rng.random((56, 60)), 1.5)
    ours = cell.response(image, ORIENTATIONS[::5])
    expected = reference_corf(image, ORIENTATIONS[::5], cell)
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)
    assert (ours == 0).any() and (ours > 0).any()


def test_prefers_its_edge_at_each_orientation(cell):
    """Over a sweep of 24 orientations the centre response peaks at the edge's orientation;
    the opposite polarity gives (near) zero, exactly zero for axis-aligned edges."""
    for k in (0, 3, 6, 11, 17):
        edge = step_edge(72, ORIENTATIONS[k])
        tuning = cell.response(edge, ORIENTATIONS)[:, 36, 36]
        assert int(np.argmax(tuning)) == k
        assert tuning[k] > 0.05
        opposite = cell.response(step_edge(72, ORIENTATIONS[k], polarity="dark"), ORIENTATIONS[k])
        # within 16 px of the centre (mirror padding makes new edges near oblique corners);
        # oblique edges are pixel staircases, which excite both polarities a little
        assert float(opposite[0][DISC].max()) <= 0.01 * tuning[k]
        if k % 6 == 0:
            assert float(opposite.max()) == 0.0


def test_exact_zero_when_one_subunit_is_silent():
    """A lone on-subunit pair: one reads a bright patch, the other a uniform region (LGN 0),
    so the geometric mean is exactly 0 — while either subunit alone responds."""
    units = (Subunit("on", 2.0, 10.0, 0.0), Subunit("on", 2.0, 10.0, math.pi))
    pair = CORFCell(subunits=SubunitSet(units, 5.0))
    image = np.full((64, 64), 0.5)
    image[30:34, 40:44] = 1.0  # a bright square 10 px right of the centre (32, 32)
    response = pair.response(image, [0.0])[0]
    assert response[32, 32] == 0.0
    alone = CORFCell(subunits=SubunitSet(units[:1], 5.0)).response(image, [0.0])[0]
    assert alone[32, 32] > 1e-3


def test_blur_rule_literal_values():
    """REFERENCE §4: half-size r = round((σ₀ + αρ)/2), σ₀ = 2, α = 0.9, std r/3. By hand for
    the default ρ of σ = 2.2: (2 + 0.9·2.1325)/2 = 1.96 → 2, (2 + 4.0615)/2 = 3.03 → 3,
    (2 + 8.4321)/2 = 5.22 → 5, (2 + 17.262)/2 = 9.63 → 10."""
    cell = CORFCell()
    assert [cell.blur_radius(rho) for rho in (2.1325, 4.5128, 9.369, 19.18)] == [2, 3, 5, 10]
    assert cell.blur_radius(0.0) == 1  # round(1.0)
    assert CORFCell(blur_sigma0=0.0, blur_alpha=0.0).blur_radius(19.18) == 0


@pytest.mark.parametrize(("rho", "radius"), [(2.1325, 2), (4.5128, 3), (9.369, 5), (19.18, 10)])
def test_blur_std_is_a_third_of_the_literal_radius(rho, radius, rng):
    """A lone on-subunit at (ρ, 0): its response is the rectified on-DoG map blurred by a
    Gaussian of std r/3 truncated at r px (SciPy), read ρ px (rounded) to the right."""
    cell = CORFCell(subunits=SubunitSet((Subunit("on", 2.2, rho, 0.0),), 5.0))
    image = ndi.gaussian_filter(rng.random((64, 96)), 1.5)
    floor = 64 * np.finfo(np.float64).eps * np.abs(image).max()
    on = ndi.correlate(image, dog_kernel(2.2), mode="mirror")
    on = np.where(on > floor, on, 0.0)
    blurred = ndi.gaussian_filter(on, radius / 3, truncate=3.0, mode="mirror")
    shift = math.floor(rho + 0.5)
    response = cell.response(image, [0.0])[0]
    # away from the borders, where the engine's padding and SciPy's mirror coincide
    inner = (slice(16, 48), slice(16, 96 - 16 - shift))
    shifted = blurred[16:48, 16 + shift : 96 - 16]
    np.testing.assert_allclose(response[inner], shifted, rtol=1e-9, atol=1e-12)
    # another std would not match
    other = ndi.gaussian_filter(on, radius / 2, truncate=2.0, mode="mirror")
    assert not np.allclose(response[inner], other[16:48, 16 + shift : 96 - 16], rtol=1e-3)


def test_underflowed_weight_gives_no_nan():
    """σ̂ = 0.5 px: exp(−30²/(2·0.25)) underflows, so the far subunit's weight is exactly 0 and
    the cell is the near subunit alone — not NaN where the far subunit's map is 0 (0·log 0)."""
    units = (Subunit("on", 2.0, 30.0, 0.0), Subunit("on", 2.0, 2.0, 0.0))
    pair = SubunitSet(units, 0.5)
    assert pair.weights.tolist() == [0.0, 1.0]
    image = step_edge(80, 0.0)
    response = CORFCell(subunits=pair).response(image, [0.0, math.pi / 2])
    assert not np.isnan(response).any()
    near = CORFCell(subunits=SubunitSet(units[1:], 0.5)).response(image, [0.0, math.pi / 2])
    np.testing.assert_array_equal(response, near)
    assert response.max() > 0.01
    np.testing.assert_allclose(
        response,
        reference_corf(image, np.array([0.0, np.pi / 2]), CORFCell(subunits=pair)),
        atol=1e-12,
    )


def test_single_far_subunit_has_weight_one():
    """ρ = 40 px, σ̂ = 0.5 px: the raw weight exp(−3200) is 0, the normalised one 1, and the
    response is the subunit's blurred, shifted on map (the reference implementation)."""
    lone = SubunitSet((Subunit("on", 2.0, 40.0, 0.0),), 0.5)
    assert lone.weights.tolist() == [1.0]
    cell = CORFCell(subunits=lone)
    image = ndi.gaussian_filter(np.random.default_rng(3).random((84, 84)), 1.5)
    response = cell.response(image, [0.0])
    assert not np.isnan(response).any() and response.max() > 0
    np.testing.assert_allclose(response, reference_corf(image, np.array([0.0]), cell), atol=1e-12)


def test_tiny_positive_weight_keeps_the_exact_zero():
    """A far subunit with a tiny but positive weight (≈ 1e-122) still silences the cell where
    its map is 0 (w·log 0 = −inf), while the near subunit alone responds."""
    units = (Subunit("on", 2.0, 2.0, 0.0), Subunit("on", 2.0, 12.0, math.pi))
    pair = SubunitSet(units, 0.5)
    assert 0.0 < pair.weights[1] < 1e-100
    image = step_edge(64, 0.0)
    both = CORFCell(subunits=pair).response(image, [0.0])[0]
    alone = CORFCell(subunits=SubunitSet(units[:1], 0.5)).response(image, [0.0])[0]
    assert alone[32, 32] > 0.01
    assert both[32, 32] == 0.0


@pytest.mark.parametrize("k", [1, -1, 2])
def test_rotation_by_90_degrees_permutes_channels(cell, rng, k):
    image = rng.random((64, 64))
    responses = cell.response(image, ORIENTATIONS)
    rotated = cell.response(np.rot90(image, k).copy(), ORIENTATIONS)
    # np.rot90 turns the image by −90°·k in (x right, y down) coordinates
    expected = np.rot90(np.roll(responses, -6 * k, axis=0), k, axes=(-2, -1))
    np.testing.assert_allclose(rotated, expected, rtol=1e-7, atol=1e-12)


def test_batch_shape_and_independence(cell, rng):
    images = rng.random((2, 3, 48, 48)).astype(np.float32)
    responses = cell.response(images, ORIENTATIONS[:4])
    assert responses.shape == (2, 3, 4, 48, 48) and responses.dtype == np.float32
    np.testing.assert_allclose(responses[1, 2], cell.response(images[1, 2], ORIENTATIONS[:4]))


def test_line_cell_is_symmetric_and_prefers_lines():
    line_cell = CORFCell(prototype="line", line_width=3)
    assert set(line_cell.subunit_set.polarities) == {"on", "off"}
    stimulus = bar(72, 0.0, 3.0)
    tuning = line_cell.response(stimulus, [0.0, np.pi / 2, np.pi])[:, 36, 36]
    assert tuning[0] == pytest.approx(tuning[2], rel=1e-6)
    assert tuning[0] > 10 * tuning[1]


def test_linear_receptive_field_on_a_paraboloid():
    """For on subunits only, on ``I = −c(x² + y²)`` every LGN response is the same constant
    (DoG ⋆ x² = −1.5σ² in the continuum), so the geometric mean equals the arithmetic mean
    and the cell's response equals its linear receptive field applied to the image."""
    units = SubunitSet(
        tuple(Subunit("on", 2.0, rho, phi) for rho, phi in [(0, 0), (3, 0.5), (6, 2.0), (9, 4)]),
        3.0,
    )
    cell = CORFCell(subunits=units)
    size = 81
    y, x = np.mgrid[:size, :size] - size // 2
    image = -0.001 * (x**2 + y**2)
    theta = 0.7
    response = cell.response(image, [theta])[0, 40, 40]
    field = cell.linear_receptive_fields([theta])[0]
    half = field.shape[0] // 2
    linear = float((field * image[40 - half : 41 + half, 40 - half : 41 + half]).sum())
    assert response == pytest.approx(linear, rel=1e-9)
    assert response == pytest.approx(0.001 * 1.5 * 2.0**2, rel=0.05)


def test_linear_receptive_fields_shape_and_rotation(cell):
    fields = cell.linear_receptive_fields(ORIENTATIONS[[0, 6]])
    np.testing.assert_allclose(fields[1], np.rot90(fields[0], -1), atol=1e-15)
    np.testing.assert_allclose(fields.sum(axis=(-2, -1)), 0.0, atol=1e-12)
    cropped = cell.linear_receptive_fields([0.0], size=21)
    half = fields.shape[-1] // 2
    np.testing.assert_allclose(cropped[0], fields[0, half - 10 : half + 11, half - 10 : half + 11])
    # the on (bright-side) lobe is on the right at orientation 0
    assert fields[0, half, half + 2] > 0 > fields[0, half, half - 2]


def test_backends_agree(backend, cell, rng):
    image = ndi.gaussian_filter(rng.random((2, 48, 48)), 1.0).astype(np.float32)
    expected = cell.response(image, ORIENTATIONS[::4])
    result = cell.response(backend.asarray(image, "float32"), ORIENTATIONS[::4])
    assert result.dtype == backend.xp.float32
    np.testing.assert_allclose(backend.to_numpy(result), expected, atol=1e-5)


def test_linear_receptive_fields_on_backend(backend, cell):
    fields = cell.linear_receptive_fields([0.0, 1.0], xp=backend.module, device=backend.device)
    np.testing.assert_allclose(backend.to_numpy(fields), cell.linear_receptive_fields([0.0, 1.0]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": float("nan")}, "sigma"),
        ({"sigma": -2.0}, "sigma"),
        ({"rho": (2.0, -1.0)}, "rho"),
        ({"rho": (2.0, float("nan"))}, "rho"),
        ({"rho": ()}, "rho"),
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"prototype": "blob"}, "prototype"),
        ({"prototype": "line", "line_width": 2}, "line_width"),
        ({"blur_alpha": -1.0}, "blur_alpha"),
        ({"padding": "edge"}, "padding"),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CORFCell(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sigma": "2"},
        {"sigma": None},
        {"threshold": "0.1"},
        {"blur_sigma0": None},
        {"blur_alpha": True},
        {"rho": ("a", 2.0)},
    ],
)
def test_non_numbers_are_type_errors_naming_the_field(kwargs):
    (name,) = kwargs
    with pytest.raises(TypeError, match=name):
        CORFCell(**kwargs)


def test_fields_are_checked_with_explicit_subunits():
    units = SubunitSet((Subunit("on", 2.0, 3.0, 0.0),), 1.0)
    with pytest.raises(TypeError, match="sigma"):
        CORFCell(sigma=None, subunits=units)
    with pytest.raises(ValueError, match="threshold"):
        CORFCell(threshold=2.0, subunits=units)
    with pytest.raises(TypeError, match="phi"):
        Subunit("on", 2.0, 3.0, None)


def test_no_subunit_passes_threshold():
    with pytest.raises(ValueError, match="lower `threshold`"):
        configure_subunits(np.full((61, 61), 0.5), 2.2, default_rho(2.2))


def test_prototype_too_small():
    with pytest.raises(ValueError, match="too small"):
        configure_subunits(edge_prototype(21), 2.2, default_rho(2.2))


def test_invalid_subunits():
    with pytest.raises(ValueError, match="polarity"):
        Subunit("both", 2.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="rho"):
        Subunit("on", 2.0, -1.0, 0.0)
    with pytest.raises(ValueError, match="subunits"):
        SubunitSet((), 1.0)
    with pytest.raises(TypeError, match="SubunitSet"):
        CORFCell(subunits=[Subunit("on", 2.0, 1.0, 0.0)])


def test_invalid_response_inputs(cell):
    with pytest.raises(ValueError, match="smaller than"):
        cell.response(np.zeros((30, 64)), [0.0])
    with pytest.raises(ValueError, match="orientations"):
        cell.response(np.zeros((64, 64)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="floating"):
        cell.response(np.zeros((64, 64), dtype=np.int64), [0.0])


def test_pull_subunits():
    units = CORFCell().subunit_set
    pulled = units.pull(4.0)
    for push, pull in zip(units, pulled, strict=True):
        assert pull.polarity != push.polarity
        assert pull.x == pytest.approx(push.x + math.copysign(4.0, push.x), abs=1e-9)
        assert pull.y == pytest.approx(push.y, abs=1e-9)
    with pytest.raises(ValueError, match="shift"):
        units.pull(0.0)


def test_prototypes():
    assert edge_prototype(7)[3].tolist() == [0, 0, 0, 0.5, 1, 1, 1]
    assert line_prototype(7, 3)[0].tolist() == [0, 0, 1, 1, 1, 0, 0]


def test_plot_subunits_draws_each_subunit_where_it_is(cell):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from v1pushpull.cells import PushPullCell
    from v1pushpull.plotting.cells import plot_response_maps, plot_subunits

    theta = np.pi / 2
    ax = plot_subunits(cell, theta)
    x, y = cell.subunit_set.positions(theta)
    drawn = sorted((round(p.center[0], 6), round(p.center[1], 6)) for p in ax.patches)
    assert drawn == sorted(zip(np.round(x, 6).tolist(), np.round(y, 6).tolist(), strict=True))
    on = [p for p in ax.patches if p.get_facecolor()[0] > p.get_facecolor()[2]]
    assert len(on) == cell.subunit_set.polarities.count("on")
    push_pull = plot_subunits(PushPullCell(cell))
    assert sum(p.get_linestyle() == "dashed" for p in push_pull.patches) == len(cell.subunit_set)
    figure = plot_response_maps(np.ones((3, 8, 8)), [0.0, 1.0, 2.0], ncols=2)
    assert [a.get_title() for a in figure.axes[:3]] == ["0°", "57°", "115°"]
    with pytest.raises(TypeError, match="CORFCell"):
        plot_subunits("cell")
    plt.close("all")


def test_replace_reconfigures_the_subunits():
    from dataclasses import replace

    wider = replace(CORFCell(), sigma=3.0)
    assert wider.rho is None and wider.radii == default_rho(3.0)
    assert set(np.round(wider.subunit_set.rhos, 4)) == set(default_rho(3.0))
    assert set(wider.subunit_set.sigmas) == {3.0}
    explicit = CORFCell(subunits=wider.subunit_set)
    assert explicit.subunit_set is wider.subunit_set


# --- the released convention (reference data: tests/test_corf_reference.py) ---------------


def test_released_rho_lists_follow_the_released_sigma_ranges():
    assert default_rho(2.0, "released") == (14.38, 6.9796, 3.0310, 1.4135)
    assert default_rho(2.0) == (2.1325, 4.5128, 9.369, 19.18)
    assert default_rho(2.2, "released") == (19.18, 9.369, 4.5128, 2.1325)
    assert default_rho(3.5, "released") == (24.62, 12.6488, 6.1992, 3.0515)
    assert default_rho(3.7) == (3.0515, 6.1992, 12.6488, 24.62)
    with pytest.raises(ValueError, match="no rho list in the released code"):
        default_rho(3.7, "released")
    with pytest.raises(ValueError, match="convention"):
        default_rho(2.2, "matlab")


def test_released_configuration_at_sigma_2p8_by_the_readme():
    """The reference README's numbers for σ = 2.8, β = 6: 16 push and 16 pull subunits,
    params.radius = round(24.62 + (2 + 0.9·24.62)/2) = 37, σ̂ = 8.598 shared (push only
    24.62/3 = 8.206667)."""
    cell = PushPullCell(CORFCell(sigma=2.8, convention="released"), pull_shift=6.0)
    assert (len(cell.push.subunit_set), len(cell.pull.subunit_set)) == (16, 16)
    assert cell.push.model_radius == 37
    assert cell.push.subunit_set.weight_sigma == pytest.approx(24.62 / 3, abs=1e-12)
    assert cell.pull.subunit_set.weight_sigma == pytest.approx(8.598, abs=1e-12)
    assert CORFCell(convention="released").model_radius == 29  # round(19.18 + 9.631)
    assert CORFCell(sigma=1.5, convention="released").model_radius == 22  # round(14.38 + 7.471)


def test_released_dog_is_displaced_by_half_a_pixel():
    """The released getDoG's fftshift displaces the output half a pixel up and left for an
    even size, a whole pixel for an odd one (README: an impulse at (20, 20) gives an
    on-response centroid at (19.5, 19.5) in 40×40, (19, 19) in 41×41)."""
    from v1pushpull._backend import get_namespace
    from v1pushpull.cells.corf import _released_dog

    for size, centre in ((40, 19.5), (41, 19.0)):
        impulse = np.zeros((size, size))
        impulse[20, 20] = 1.0
        on = -_released_dog(get_namespace(np), impulse, 2.2)
        on = np.where(on > 0, on, 0.0)
        rows, cols = np.mgrid[:size, :size]
        assert (on * rows).sum() / on.sum() == pytest.approx(centre, abs=1e-9)
        assert (on * cols).sum() / on.sum() == pytest.approx(centre, abs=1e-9)
        # the released DoG sums to 0 over the whole (circular) image
        assert abs(_released_dog(get_namespace(np), np.ones((size, size)), 2.2)).max() < 1e-15


def test_released_shifts_truncate_toward_zero():
    """A subunit at ρ = 2.9, φ = 0.6 rad (this library's frame): x = 2.393, y = 1.637 px.
    The released code's fix() gives (2, 1), the corrected rounding (2, 2); at θ = π the
    position is (−2.393, −1.637): (−2, −1) and (−2, −2)."""
    units = SubunitSet((Subunit("on", 2.2, 2.9, 0.6),), 1.0)
    released = CORFCell(subunits=units, convention="released")._shifts(np.array([0.0, np.pi]))
    corrected = CORFCell(subunits=units)._shifts(np.array([0.0, np.pi]))
    assert [released[0][:, 0].tolist(), released[1][:, 0].tolist()] == [[2, -2], [1, -1]]
    assert [corrected[0][:, 0].tolist(), corrected[1][:, 0].tolist()] == [[2, -2], [2, -2]]


def test_released_rho_is_rounded_to_three_decimals():
    """ρ = 9.0005 is used as 9.001 (MATLAB round, half away from zero) for the weight."""
    units = SubunitSet((Subunit("on", 2.2, 9.0005, 0.0), Subunit("on", 2.2, 2.0, 0.0)), 3.0)
    cell = CORFCell(subunits=units, convention="released")
    np.testing.assert_array_equal(cell._applied_rhos(), [9.001, 2.0])
    raw = np.exp(-(np.array([9.001, 2.0]) ** 2) / 18.0)
    np.testing.assert_allclose(cell._weights(), raw / raw.sum(), rtol=1e-14)


def test_released_backends_agree(backend, rng):
    cell = PushPullCell(CORFCell(convention="released"))
    image = ndi.gaussian_filter(rng.random((2, 48, 52)), 1.0).astype(np.float32)
    expected = cell.response(image, ORIENTATIONS[::4])
    result = cell.response(backend.asarray(image, "float32"), ORIENTATIONS[::4])
    assert result.dtype == backend.xp.float32
    np.testing.assert_allclose(backend.to_numpy(result), expected, atol=1e-5)


def test_released_zero_fill_beyond_the_padded_image():
    """A pull shift β = 30 px moves the ρ = 2.1325 pull subunits (φ = 0, π) to x = ±32.13 px,
    beyond params.radius = 29: the released code reads zeros there (imshift), so at θ = 0
    the pull cell is exactly 0 in the first and last 3 columns (|j ± 32| beyond 29 px of
    padding) and the push-pull response equals its push component, while it inhibits
    inside."""
    cell = PushPullCell(CORFCell(convention="released"), pull_shift=30.0)
    assert cell.push.model_radius == 29
    assert np.abs(cell.pull._shifts(np.array([0.0]))[0]).max() == 32
    image = ndi.gaussian_filter(np.random.default_rng(1).random((80, 80)), 1.5)
    response = cell.response(image, [0.0])[0]
    unopposed = PushPullCell(cell.push, inhibition_strength=0.0, pull_shift=30.0)
    push = unopposed.response(image, [0.0])[0]
    np.testing.assert_array_equal(response[:, :3], push[:, :3])
    np.testing.assert_array_equal(response[:, -3:], push[:, -3:])
    assert (response[:, 3:-3] < push[:, 3:-3]).mean() > 0.05


def test_released_parameter_errors():
    with pytest.raises(ValueError, match="convention"):
        CORFCell(convention="matlab")
    with pytest.raises(ValueError, match="edge"):
        CORFCell(prototype="line", convention="released")
    with pytest.raises(ValueError, match="n_angles"):
        configure_subunits(edge_prototype(200), 2.2, (2.0,), convention="released", n_angles=720)
    with pytest.raises(ValueError, match="square"):
        configure_subunits(np.zeros((200, 100)), 2.2, (2.0,), convention="released")
    # released: the threshold is an absolute cut-off, so values above 1 are allowed
    assert CORFCell(threshold=0.02, convention="released").threshold == 0.02
    assert CORFCell(convention="released").padding == "symmetric"
    assert CORFCell().padding == "reflect" and CORFCell().threshold == 0.1


def test_released_zero_fill_on_backends(backend):
    """The zero fill beyond the padded image (β = 30 px, see above) on every backend."""
    cell = PushPullCell(CORFCell(convention="released"), pull_shift=30.0)
    image = ndi.gaussian_filter(np.random.default_rng(1).random((80, 80)), 1.5)
    expected = cell.response(image, [0.0, 1.0])
    result = cell.response(backend.asarray(image, "float64"), [0.0, 1.0])
    np.testing.assert_allclose(backend.to_numpy(result), expected, rtol=1e-9, atol=1e-14)


# ------------------------------------------------ the engine's layout and threads change no bit


def _engine_cases():
    for convention in ("corrected", "released"):
        push = CORFCell(convention=convention)
        yield convention, "corf", push
        yield convention, "push-pull", PushPullCell(push, inhibition_strength=1.8)


@pytest.mark.parametrize("compiled", [True, False], ids=["numba", "numpy"])
@pytest.mark.parametrize(("convention", "kind", "model"), list(_engine_cases()))
def test_threads_bands_and_batches_change_no_bit(convention, kind, model, compiled, monkeypatch):
    """The responses do not depend on how the engine schedules its work: one thread or
    several, one band of rows or a band per row (NumPy path), one image or a batch
    (non-square images, two batch axes), with the compiled kernel and without it. Every case
    must be bit-identical to the others."""
    import v1pushpull.cells.corf as corf

    if compiled:
        pytest.importorskip("numba")
    else:
        monkeypatch.setenv("V1PUSHPULL_NUMBA", "0")
    rng = np.random.default_rng(7)
    images = ndi.gaussian_filter(rng.random((2, 2, 45, 67)), (0, 0, 1.5, 1.5))
    theta = ORIENTATIONS[::3]
    monkeypatch.setenv("V1PUSHPULL_NUM_THREADS", "1")
    serial = model.response(images, theta)
    monkeypatch.setenv("V1PUSHPULL_NUM_THREADS", "2")
    threaded = model.response(images, theta)
    monkeypatch.setattr(corf, "_BAND_ELEMENTS", 1)  # one row per band
    banded = model.response(images, theta)
    single = model.response(images[1, 0], theta)
    # fewer orientations than threads, and a count that does not divide among them
    one, three = model.response(images, theta[2]), model.response(images, theta[3:6])
    np.testing.assert_array_equal(one[..., 0, :, :], serial[..., 2, :, :])
    np.testing.assert_array_equal(three, serial[..., 3:6, :, :])
    np.testing.assert_array_equal(threaded, serial)
    np.testing.assert_array_equal(banded, serial)
    np.testing.assert_array_equal(single, serial[1, 0])
    assert (serial == 0).any() and (serial > 0).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("convention", "kind", "model"), list(_engine_cases()))
def test_compiled_kernel_equals_the_numpy_path(convention, kind, model, dtype, monkeypatch):
    """The Numba kernel adds the same terms in the same order as the NumPy path; only ``exp``
    differs (LLVM's against NumPy's SIMD one, an ulp or so): the same zeros, and values equal
    to 4 ulp of the peak."""
    pytest.importorskip("numba")
    image = ndi.gaussian_filter(np.random.default_rng(3).random((64, 70)), 1.5).astype(dtype)
    compiled = model.response(image, ORIENTATIONS[::2])
    monkeypatch.setenv("V1PUSHPULL_NUMBA", "0")
    fallback = model.response(image, ORIENTATIONS[::2])
    assert compiled.dtype == fallback.dtype == dtype
    np.testing.assert_array_equal(compiled == 0, fallback == 0)
    peak = float(fallback.max())
    assert np.abs(compiled - fallback).max() <= 4 * np.finfo(dtype).eps * peak


def test_compiled_kernel_is_found_in_the_disk_cache_by_a_later_process(tmp_path):
    """Numba compiles the kernel once; a second process loads it from the cache."""
    pytest.importorskip("numba")
    import os
    import subprocess
    import sys

    script = (
        "import numpy as np\n"
        "from v1pushpull.cells import CORFCell, PushPullCell\n"
        "PushPullCell(CORFCell()).response(np.random.rand(48, 48), [0.0, 1.0])\n"
        "from v1pushpull.cells._corf_numba import kernel\n"
        "print(sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values()))\n"
    )
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "V1PUSHPULL_NUMBA": "1"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=environment, capture_output=True, text=True,
            check=True, timeout=300,
        ).stdout.split()
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0] == ["0", "1"]  # compiled and written
    assert runs[1] == ["1", "0"]  # found


class _NaNEmpty:
    """NumPy, except that ``empty`` returns NaN: memory the engine leaves unwritten."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def empty(shape, dtype=float, **kwargs):
        return np.full(shape, np.nan, dtype=dtype, **kwargs)


@pytest.mark.parametrize("compiled", [True, False], ids=["numba", "numpy"])
@pytest.mark.parametrize(("convention", "kind", "model"), list(_engine_cases()))
def test_the_engine_never_reads_what_it_did_not_write(
    convention, kind, model, compiled, monkeypatch
):
    """Every array the engine allocates without initialising starts as NaN: the responses
    are the same bits, so no unwritten element (map columns beyond a map's reach, slack,
    output) is ever read or left in the output."""
    import v1pushpull.cells.corf as corf

    if compiled:
        pytest.importorskip("numba")
    else:
        monkeypatch.setenv("V1PUSHPULL_NUMBA", "0")
    rng = np.random.default_rng(11)
    images = ndi.gaussian_filter(rng.random((2, 47, 58)), (0, 1.5, 1.5))
    expected = model.response(images, ORIENTATIONS[::4])
    monkeypatch.setattr(corf, "np", _NaNEmpty())
    np.testing.assert_array_equal(model.response(images, ORIENTATIONS[::4]), expected)
