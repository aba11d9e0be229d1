"""Backend helpers: namespaces, dtype resolution and the shared input validation."""

from __future__ import annotations

import numpy as np
import pytest

from v1pushpull._backend import (
    array_namespace,
    as_float_images,
    check_same_backend,
    get_namespace,
    resolve_dtype,
    to_numpy,
)


def test_get_namespace_round_trips_every_backend(backend):
    created = backend.xp.zeros(3, dtype=backend.xp.float32)
    assert array_namespace(created) is get_namespace(backend.module)
    assert resolve_dtype(backend.xp, "float32") == backend.xp.float32
    assert resolve_dtype(backend.xp) == backend.xp.float64
    np.testing.assert_array_equal(to_numpy(backend.asarray([1.0, 2.0])), [1.0, 2.0])


def test_get_namespace_rejects_non_modules():
    with pytest.raises(TypeError, match="xp must be an array library module"):
        get_namespace("numpy")


def test_as_float_images_passes_valid_arrays_through(backend):
    images = backend.asarray(np.ones((2, 4, 4)), "float32")
    checked, xp = as_float_images(images)
    assert checked is images and xp is get_namespace(backend.module)


def test_as_float_images_error_messages_name_argument_and_value():
    with pytest.raises(ValueError, match=r"stack must have at least 2 dimensions .* shape \(3,\)"):
        as_float_images(np.zeros(3), "stack")
    with pytest.raises(ValueError, match="must not be empty"):
        as_float_images(np.zeros((0, 4)))
    with pytest.raises(TypeError, match="got int16"):
        as_float_images(np.zeros((4, 4), dtype=np.int16))


def test_check_same_backend_names_both_arguments():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"left and right must come from the same array library"):
        check_same_backend(np.zeros(2), torch.zeros(2), ("left", "right"))


def test_every_import_form_of_the_core_leaves_torch_unimported():
    # `from v1pushpull import *` imported torch (to_torch_layer was in __all__) and failed on
    # a core-only install; the lazy attribute must keep working
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from v1pushpull import *\n"
        "import v1pushpull, v1pushpull.analysis, v1pushpull.plotting, v1pushpull.robustness\n"
        "from v1pushpull.analysis import *\n"
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)\n"
        "assert 'to_torch_layer' in dir(v1pushpull)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_to_torch_layer_stays_a_lazy_attribute():
    pytest.importorskip("torch")
    import v1pushpull
    from v1pushpull.torch import to_torch_layer

    assert v1pushpull.to_torch_layer is to_torch_layer
    assert "to_torch_layer" not in v1pushpull.__all__
