"""Array-backend helpers shared by the whole core.

Every array function of v1pushpull accepts NumPy, CuPy or torch arrays (and any other library
that implements the Python Array API standard) and returns the same kind of array, on the same
device, with the same floating dtype. Backend-generic code starts with
``xp = array_namespace(x)`` and then uses only Array API standard operations, so that
``array-api-strict`` can check it.

Creation functions (kernels, stimuli) take ``xp``, ``device`` and ``dtype`` keywords; NumPy and
float64 are the defaults.

This module also owns the input validation that every public function shares, so that a bad
argument is met by the same clear message everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
from array_api_compat import array_namespace as _compat_namespace
from array_api_compat import device as _device
from array_api_compat import is_array_api_obj, is_numpy_namespace, is_torch_namespace

__all__ = [
    "array_namespace",
    "as_float_images",
    "check_same_backend",
    "device_of",
    "get_namespace",
    "resolve_dtype",
    "to_numpy",
]


def array_namespace(*arrays: Any) -> ModuleType:
    """Return the Array API namespace of ``arrays`` (NumPy, CuPy, torch, array-api-strict, ...).

    A thin wrapper around :func:`array_api_compat.array_namespace` that turns its error for
    mixed libraries into a :class:`TypeError` with a clear message.

    Parameters
    ----------
    *arrays : array
        Arrays of one array library.

    Returns
    -------
    module
        A namespace that implements the Array API standard for these arrays.

    Raises
    ------
    TypeError
        If the arrays come from different array libraries or are not arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import array_namespace
    >>> array_namespace(np.zeros(3)).__name__
    'array_api_compat.numpy'
    """
    try:
        return _compat_namespace(*arrays)
    except TypeError as error:
        kinds = sorted({type(a).__module__ + "." + type(a).__name__ for a in arrays})
        raise TypeError(
            f"expected arrays of one array library, got {', '.join(kinds)} ({error})"
        ) from None


def get_namespace(xp: ModuleType | None = None) -> ModuleType:
    """Return the Array API namespace to create arrays with.

    Parameters
    ----------
    xp : module, optional
        ``numpy``, ``cupy``, ``torch``, ``array_api_strict`` or an already-compatible namespace.
        ``None`` (default) means NumPy.

    Returns
    -------
    module
        An Array API compatible namespace (``array_api_compat`` wrappers for NumPy, CuPy and
        torch, the module itself for libraries that follow the standard natively).

    Raises
    ------
    TypeError
        If ``xp`` is not a module.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import get_namespace
    >>> get_namespace(np).__name__
    'array_api_compat.numpy'
    """
    if xp is None:
        xp = np
    if not isinstance(xp, ModuleType):
        raise TypeError(
            f"xp must be an array library module such as numpy, cupy or torch, got {xp!r}"
        )
    # Creating a tiny array and asking array_api_compat for its namespace maps numpy, cupy and
    # torch to their compat wrappers and leaves standard-conforming libraries as they are.
    try:
        probe = xp.zeros(1)
    except AttributeError:
        raise TypeError(
            f"xp must be an array library module such as numpy, cupy or torch, got {xp!r}"
        ) from None
    return array_namespace(probe)


def resolve_dtype(xp: ModuleType, dtype: Any = None) -> Any:
    """Return a real floating dtype of ``xp``; ``None`` means float64.

    Parameters
    ----------
    xp : module
        Array API namespace.
    dtype : dtype or str, optional
        ``xp.float32``, ``xp.float64``, ``"float32"`` or ``"float64"``.

    Returns
    -------
    dtype
        The dtype object of ``xp``.

    Raises
    ------
    TypeError
        If ``dtype`` is not a real floating dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import get_namespace, resolve_dtype
    >>> resolve_dtype(get_namespace(np), "float32") == np.float32
    True
    """
    if dtype is None:
        return xp.float64
    if isinstance(dtype, str):
        if dtype not in ("float32", "float64"):
            raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        return getattr(xp, dtype)
    if dtype == xp.float32 or dtype == xp.float64:
        return dtype
    raise TypeError(f"dtype must be a real floating dtype (float32 or float64), got {dtype!r}")


def device_of(x: Any) -> Any:
    """Return the device of array ``x`` (``"cpu"`` for NumPy).

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import device_of
    >>> device_of(np.zeros(2))
    'cpu'
    """
    return _device(x)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any supported backend to a NumPy array on the host.

    Used only where a step has no GPU equivalent (for example scikit-image's hysteresis
    thresholding) and for saving results.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import to_numpy
    >>> to_numpy(np.arange(3.0))
    array([0., 1., 2.])
    """
    if isinstance(x, np.ndarray):
        return x
    module = type(x).__module__.split(".")[0]
    if module == "torch":
        return x.detach().cpu().numpy()
    if module == "cupy":
        return x.get()
    # array-api-strict and other standard libraries support the buffer/DLPack protocol
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)


def _is_real_floating(xp: ModuleType, x: Any) -> bool:
    return x.dtype == xp.float32 or x.dtype == xp.float64


def _cast_hint(x: Any, name: str) -> str:
    """What is wrong with the dtype of ``x`` and how to convert it."""
    dtype = str(x.dtype).removeprefix("torch.")
    if dtype in ("float16", "bfloat16"):
        # the FFT filtering and the analyses need more than 11 bits of mantissa
        return (
            f"got {dtype}, which this library does not compute in (too few bits for the FFT "
            f"filtering); convert it explicitly, e.g. {_astype_example(x, name)}"
        )
    if dtype == "bool" or dtype.startswith("complex"):
        return f"got {dtype}; convert it explicitly, e.g. {_astype_example(x, name)}"
    return (
        f"got {dtype}; integer images are not cast silently because their scale (0-255 or 0-1) "
        f"is ambiguous: convert them explicitly, e.g. {_astype_example(x, name)} / 255"
    )


def _astype_example(x: Any, name: str) -> str:
    if type(x).__module__.startswith("torch"):
        return f"{name}.to(torch.float32)"
    return f"{name}.astype(np.float32)"


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    return f"{type(x).__module__}.{type(x).__name__} of shape {tuple(shape) if shape else ()}" + (
        f" and dtype {x.dtype}" if hasattr(x, "dtype") else ""
    )


def as_float_images(
    images: Any,
    name: str = "images",
    *,
    min_ndim: int = 2,
    check_finite: bool = True,
) -> tuple[Any, ModuleType]:
    """Validate an image batch ``(..., H, W)`` and return it with its namespace.

    Parameters
    ----------
    images : array
        Real floating array (float32 or float64) of any supported backend.
    name : str
        Argument name used in error messages.
    min_ndim : int
        Minimum number of dimensions (2 for ``(..., H, W)``).
    check_finite : bool
        If True (default), reject NaN and infinite values (not checked on torch's ``meta``
        device, which holds no values). Turning it off saves one reduction over the batch
        when the caller knows the data are finite.

    Returns
    -------
    images : array
        The same array (no copy).
    xp : module
        Its Array API namespace.

    Raises
    ------
    TypeError
        If ``images`` is not an array, or its dtype is integer, boolean, complex or a half
        precision float (float16, bfloat16: too few bits for the FFT filtering). Integer
        images are not cast silently because their scale (0–255 or 0–1) is ambiguous: convert
        them with ``images.astype(numpy.float32) / 255`` (or the equivalent of your library).
    ValueError
        If it has fewer than ``min_ndim`` dimensions, is empty, or contains NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import as_float_images
    >>> images, xp = as_float_images(np.zeros((2, 8, 8)))
    >>> images.shape
    (2, 8, 8)
    """
    if not is_array_api_obj(images):
        raise TypeError(
            f"{name} must be an array (NumPy, CuPy, torch, ...), got {type(images).__name__}"
        )
    xp = array_namespace(images)
    if not _is_real_floating(xp, images):
        hint = _cast_hint(images, name)
        raise TypeError(f"{name} must have a real floating dtype (float32 or float64), {hint}")
    if images.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions (..., H, W), "
            f"got shape {tuple(images.shape)}"
        )
    if any(int(n) == 0 for n in images.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(images.shape)}")
    if check_finite:
        check_all_finite(images, xp, name)
    return images, xp


def check_all_finite(x: Any, xp: ModuleType, name: str) -> None:
    """Raise a :class:`ValueError` naming ``name`` if ``x`` holds NaN or infinite values.

    Tensors on torch's ``meta`` device have a shape and a dtype but no values; they are not
    checked (a meta run infers shapes, so there is nothing to find).
    """
    if getattr(device_of(x), "type", None) == "meta":
        return
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(
            f"{name} contains NaN or infinite values; clean the data or pass "
            "check_finite=False if you know what you are doing"
        )


def check_same_backend(a: Any, b: Any, names: tuple[str, str]) -> ModuleType:
    """Check that two arrays come from one array library and live on one device.

    Parameters
    ----------
    a, b : array
        The arrays.
    names : tuple of str
        Their argument names, for the error message.

    Returns
    -------
    module
        The shared namespace.

    Raises
    ------
    TypeError
        If the arrays come from different array libraries.
    ValueError
        If they live on different devices.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import check_same_backend
    >>> check_same_backend(np.zeros(2), np.ones(2), ("a", "b")).__name__
    'array_api_compat.numpy'
    """
    try:
        xp = _compat_namespace(a, b)
    except TypeError:
        raise TypeError(
            f"{names[0]} and {names[1]} must come from the same array library, got "
            f"{_describe(a)} and {_describe(b)}; convert one of them first"
        ) from None
    if device_of(a) != device_of(b):
        raise ValueError(
            f"{names[0]} and {names[1]} must be on the same device, got {device_of(a)} and "
            f"{device_of(b)}"
        )
    return xp


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking that it is a finite positive real number.

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is NaN, infinite, negative or (unless ``allow_zero``) zero.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        expected = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value


def as_parameter_array(values: Any, name: str) -> np.ndarray:
    """Return a scalar or sequence of real numbers as a float64 NumPy array (host side).

    Parameters arrays (orientations, wavelengths, contrasts, ...) are small and live on the
    host; large arrays are built from them on the target device.

    Raises
    ------
    TypeError
        If ``values`` holds non-real numbers, strings or booleans.
    ValueError
        If it holds NaN or infinite values.
    """
    if is_array_api_obj(values) and not isinstance(values, np.ndarray):
        values = to_numpy(values)
    # NumPy would read "8" as 8.0 and True as 1.0: a string or a boolean is not a number here
    if np.asarray(values).dtype.kind in "USb":
        raise TypeError(f"{name} must be a real number or a sequence of them, got {values!r}")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number or a sequence of them, got {values!r}"
        ) from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {values!r}")
    return array


#: Shortest wavelength in px that the pixel grid represents without aliasing (Nyquist).
MIN_WAVELENGTH = 2.0

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


def check_wavelengths(values: Any, name: str = "wavelength") -> np.ndarray:
    """Return wavelengths (px) as a host float64 array after checking they are ≥ 2 px.

    Raises
    ------
    ValueError
        If a value is not finite or below :data:`MIN_WAVELENGTH` (shorter wavelengths alias on
        the pixel grid).
    """
    array = as_parameter_array(values, name)
    if np.any(array < MIN_WAVELENGTH):
        raise ValueError(
            f"{name} must be at least {MIN_WAVELENGTH:g} px (shorter wavelengths alias on the "
            f"pixel grid), got {values!r}"
        )
    return array


def as_generator(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for a seed, a seed sequence or a generator.

    Random numbers of the library are drawn on the host from this generator and then moved to
    the arrays' device, so a seed gives the same numbers on every backend.

    Raises
    ------
    TypeError
        If ``seed`` is none of the accepted kinds.

    Examples
    --------
    >>> from v1pushpull._backend import as_generator
    >>> float(as_generator(0).random()) == float(as_generator(0).random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if (
        seed is None
        or isinstance(seed, np.random.SeedSequence)
        or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool))
    ):
        return np.random.default_rng(seed)
    raise TypeError(
        f"{name} must be an int, a numpy.random.Generator, a numpy.random.SeedSequence or "
        f"None, got {seed!r}"
    )


def as_orientations(values: Any, name: str = "orientations") -> np.ndarray:
    """Orientations in rad as a 1-D host float64 array, with a clear error otherwise."""
    return as_1d_parameter(values, name)


def as_1d_parameter(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D float64 host array (a scalar becomes length 1).

    Raises
    ------
    ValueError
        If ``values`` has more than one dimension or is empty.
    """
    array = as_parameter_array(values, name)
    if array.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-D sequence, got shape {array.shape}")
    array = np.atleast_1d(array)
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    return array


def creation_context(xp: ModuleType | None, device: Any, dtype: Any) -> tuple[ModuleType, Any]:
    """Return ``(namespace, dtype)`` for a creation function's ``xp``/``dtype`` keywords."""
    namespace = get_namespace(xp)
    return namespace, resolve_dtype(namespace, dtype)


def infer_creation_context(
    xp: ModuleType | None, device: Any, dtype: Any, *parameters: Any
) -> tuple[ModuleType, Any, Any]:
    """Return ``(namespace, device, dtype)`` for a creation function whose numeric parameters
    may be arrays.

    When ``xp`` is not given and a parameter is an array of another library than NumPy (a
    torch tensor, a CuPy array, ...), the result is created with that library, on that
    array's device and, unless ``dtype`` is given, in its floating dtype: passing
    ``orientation=torch.linspace(0, 3.14, 8, device="cuda")`` gives CUDA tensors back.
    Otherwise the defaults of :func:`creation_context` apply (NumPy, float64).

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull._backend import infer_creation_context
    >>> namespace, device, dtype = infer_creation_context(None, None, None, np.zeros(2), 1.0)
    >>> namespace.__name__, dtype == np.float64
    ('array_api_compat.numpy', True)
    """
    if xp is None:
        for value in parameters:
            if is_array_api_obj(value) and not isinstance(value, np.ndarray):
                namespace = array_namespace(value)
                if device is None:
                    device = device_of(value)
                if dtype is None and _is_real_floating(namespace, value):
                    dtype = value.dtype
                return namespace, device, resolve_dtype(namespace, dtype)
    namespace, real_dtype = creation_context(xp, device, dtype)
    return namespace, device, real_dtype


def asarray_on(xp: ModuleType, values: Any, *, device: Any = None, dtype: Any = None) -> Any:
    """Move a host NumPy array to ``xp`` on ``device`` with ``dtype``."""
    if device is None and is_numpy_namespace(xp):
        return xp.asarray(values, dtype=dtype)
    return xp.asarray(values, dtype=dtype, device=device)


def is_numpy(xp: ModuleType) -> bool:
    """True when ``xp`` is NumPy (or its array-api-compat wrapper)."""
    return is_numpy_namespace(xp)


def is_torch(xp: ModuleType) -> bool:
    """True when ``xp`` is torch (or its array-api-compat wrapper)."""
    return is_torch_namespace(xp)


def shape_tuple(shape: int | Sequence[int], name: str) -> tuple[int, int]:
    """Return an image size given as ``n`` or ``(H, W)`` as a pair of positive ints.

    Raises
    ------
    TypeError, ValueError
        If the size is not one or two positive integers.
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (int(shape), int(shape))
    try:
        height, width = (int(n) for n in shape)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair (H, W) of ints, got {shape!r}") from None
    if height < 1 or width < 1:
        raise ValueError(f"{name} must be positive, got {shape!r}")
    return height, width
