"""
Signal-to-noise ratio of edge responses in noise
================================================

Azzopardi et al. (2014) show that push-pull inhibition improves the signal-to-noise ratio of
the CORF cell: the antiphase pull cell answers the noise about as much as the push cell does,
but the edge much less, so subtracting it removes more noise than signal. Their measure, used
here, is

    SNR = mean response on the signal / standard deviation of the response on the background.

Each model cell (odd-symmetric, edge-detecting Gabor cells with phase −π/2, and the
edge-selective CORF cells) is applied at orientation 0 to a vertical step edge, dark on the
left (contrast 0.5, luminance 0.25 | 0.75), with additive Gaussian noise of increasing standard
deviation. The signal is the two pixel columns on either side of the edge, the background the
columns more than 40 px away from it (outside every receptive field that sees the edge), both
at least 16 px from the top and bottom borders. Each level is repeated with independent noise
and the SNR averaged. (Phase −π/2 makes the Gabor cells prefer this edge at θ = 0, as the
CORF cells do: see :class:`v1pushpull.cells.GaborCell`.) A second sweep varies the push-pull
inhibition strength ``k`` (0 is the push cell alone; 1.8 and 3.6 are the values of the
paper's sweep).

Run it with ``python studies/noise_snr.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from _common import ALL_MODELS, make_models, model_attrs, run_study, study_attrs

from v1pushpull.analysis import signal_to_noise_ratio
from v1pushpull.cells import PushPullCell
from v1pushpull.plotting import line_styles, model_color, model_label
from v1pushpull.stimuli import gaussian_noise, step_edge

IMAGE_SIZE = 128  # px
EDGE_CONTRAST = 0.5
BACKGROUND_DISTANCE = 40  # px from the edge
BORDER = 16  # px left out at the top and bottom
STRENGTHS = {
    "pushpull_gabor": (0.0, 0.5, 1.0, 2.0),
    "pushpull_corf": (0.0, 0.9, 1.8, 3.6),
    "pushpull_corf_corrected": (0.0, 0.9, 1.8, 3.6),
}


def masks() -> tuple[np.ndarray, np.ndarray]:
    """Signal and background masks (H, W) around the vertical edge at the image centre."""
    x = np.arange(IMAGE_SIZE) - IMAGE_SIZE // 2
    rows = np.zeros(IMAGE_SIZE, dtype=bool)
    rows[BORDER:-BORDER] = True
    signal = rows[:, None] & ((x == -1) | (x == 0))[None, :]
    background = rows[:, None] & (np.abs(x) >= BACKGROUND_DISTANCE)[None, :]
    return signal, background


def noise_grid(quick: bool) -> tuple[np.ndarray, int]:
    """Noise standard deviations (luminance units) and the number of trials per level."""
    levels = np.array([0.05, 0.1, 0.2] if quick else [0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
    return levels, 3 if quick else 6


def noisy_edges(levels: np.ndarray, trials: int) -> np.ndarray:
    """Edge images with independent noise, shape (level, trial, H, W), seeded."""
    edge = step_edge(IMAGE_SIZE, 0.0, contrast=EDGE_CONTRAST)
    clean = np.broadcast_to(edge, (levels.size, trials, IMAGE_SIZE, IMAGE_SIZE))
    noisy = np.empty_like(clean)
    for index, level in enumerate(levels):
        noisy[index] = gaussian_noise(clean[index], float(level), seed=index)
    return noisy


def snr_of(cell, images: np.ndarray, levels: np.ndarray) -> xr.DataArray:
    """Mean SNR over trials at each noise level."""
    responses = cell.response(images, [0.0])[..., 0, :, :]
    signal, background = masks()
    snr = signal_to_noise_ratio(
        xr.DataArray(responses, dims=("noise_std", "trial", "y", "x")), signal, background
    )
    return snr.mean("trial").assign_coords(noise_std=levels)


def run(quick: bool = False) -> xr.Dataset:
    """SNR of every model against noise level, and against the push-pull strength."""
    levels, trials = noise_grid(quick)
    images = noisy_edges(levels, trials)
    models = make_models(ALL_MODELS, phase=-math.pi / 2)
    snr = xr.concat(
        [snr_of(cell, images, levels) for cell in models.values()],
        dim=xr.DataArray(list(models), dims="model", name="model"),
    )
    sweeps = {}
    for name, strengths in STRENGTHS.items():
        push = models[name].push
        sweeps[f"snr_{name}_strength"] = xr.concat(
            [snr_of(PushPullCell(push, inhibition_strength=k), images, levels) for k in strengths],
            dim=xr.DataArray(list(strengths), dims=f"{name}_strength"),
        ).assign_attrs(units="1", long_name=f"SNR of {name} against inhibition strength k")
    snr["noise_std"].attrs.update(units="1", long_name="noise std (luminance units)")
    return xr.Dataset(
        {"snr": snr.assign_attrs(units="1", long_name="SNR, mean over trials"), **sweeps},
        attrs=study_attrs(
            "noise_snr",
            "SNR of edge responses in Gaussian noise",
            quick,
            image_size_px=IMAGE_SIZE,
            edge_contrast=EDGE_CONTRAST,
            trials_per_level=trials,
            signal_mask="columns x in {-1, 0} (edge between them)",
            background_mask=f"columns |x| >= {BACKGROUND_DISTANCE} px",
            rows_excluded_at_top_and_bottom_px=BORDER,
            snr_definition="mean response on the signal / std of the response on the background",
            gabor_phase_rad=-math.pi / 2,
            **model_attrs(models),
        ),
    )


def summary(dataset: xr.Dataset) -> str:
    """SNR per model and noise level, and the push-pull strength sweeps at the middle level."""
    table = dataset.snr.to_pandas().round(2)
    table.columns = [f"std={c:g}" for c in table.columns]
    lines = [
        "SNR (mean on edge / std on background) per model and noise std "
        "(inf: the background response is exactly zero, e.g. below a threshold)",
        table.to_string(),
    ]
    middle = dataset.noise_std.values[len(dataset.noise_std) // 2]
    for name in STRENGTHS:
        sweep = dataset[f"snr_{name}_strength"].sel(noise_std=middle)
        values = ", ".join(
            f"k={float(k):g}: {float(v):.2f}"
            for k, v in zip(sweep[sweep.dims[0]].values, sweep.values, strict=True)
        )
        lines.append(f"{name} at noise std {middle:g}: {values}")
    return "\n".join(lines)


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """SNR against noise level per model, and against inhibition strength."""
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.0), layout="constrained")
    # the Gabor cell and its push-pull version nearly coincide: distinct dashes and markers
    styles = dict(zip(dataset.model.values, line_styles(dataset.sizes["model"]), strict=True))
    for model in dataset.model.values:
        line = dataset.snr.sel(model=model)
        axes[0].plot(
            line.noise_std,
            line,
            color=model_color(model),
            label=model_label(model),
            **styles[model],
        )
    axes[0].set_yscale("log")
    axes[0].set_xlabel("noise std (luminance units)")
    axes[0].set_ylabel("SNR (missing points: ∞)")
    # under the panels, where it covers no line
    fig.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5, fontsize="small"
    )
    middle = dataset.noise_std.values[len(dataset.noise_std) // 2]
    for name in STRENGTHS:
        sweep = dataset[f"snr_{name}_strength"].sel(noise_std=middle)
        axes[1].plot(
            sweep[sweep.dims[0]],
            sweep,
            color=model_color(name),
            label=model_label(name),
            **styles.get(name, {"marker": "o"}),
        )
    axes[1].set_xlabel("inhibition strength k (0 = push cell alone)")
    axes[1].set_ylabel(f"SNR at noise std {middle:g}")
    axes[1].legend(fontsize="small")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Step edge (contrast {EDGE_CONTRAST:g}) in Gaussian noise")
    return {"noise_snr": fig, **_example_maps(dataset)}


def _example_maps(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """Response maps of each model to one noisy edge (the middle noise level)."""
    middle = dataset.noise_std.values[len(dataset.noise_std) // 2]
    image = gaussian_noise(
        step_edge(IMAGE_SIZE, 0.0, contrast=EDGE_CONTRAST), float(middle), seed=0
    )
    models = make_models(dataset.model.values, phase=-math.pi / 2)
    fig, axes = plt.subplots(
        1, len(models) + 1, figsize=(2.2 * (len(models) + 1), 3.0), layout="constrained"
    )
    shown = axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"edge + noise {middle:g}", fontsize="small")
    bar = fig.colorbar(shown, ax=axes[0], orientation="horizontal", shrink=0.9, label="luminance")
    bar.ax.tick_params(labelsize="x-small")
    for ax, (name, cell) in zip(axes[1:], models.items(), strict=True):
        response = cell.response(image, [0.0])[0]
        # each model on its own scale (their units differ); the colour bar gives it
        shown = ax.imshow(response, cmap="magma")
        ax.set_title(model_label(name), fontsize="small")
        bar = fig.colorbar(shown, ax=ax, orientation="horizontal", shrink=0.9, label="response")
        bar.ax.tick_params(labelsize="x-small")
    for ax in axes:
        ax.set_axis_off()
    return {"noise_snr_maps": fig}


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``noise_snr.nc`` and the figures in ``--out``."""
    return run_study("noise_snr", __doc__, argv, run, plot, summary)


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
