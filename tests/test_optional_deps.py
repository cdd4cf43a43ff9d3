"""A feature used without its optional dependency says which extra to install: an
``ImportError`` naming the feature and ``pip install "lrdsl[extra]"``. Each test
hides the library (``sys.modules[name] = None`` makes ``import name`` fail as if it
were not installed) and forgets the adapter module, so that it is imported afresh."""

from __future__ import annotations

import importlib
import sys

import pytest

import lrdsl as lr
from lrdsl import cli


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def _import_afresh(monkeypatch: pytest.MonkeyPatch, module: str) -> object:
    monkeypatch.delitem(sys.modules, module, raising=False)
    return importlib.import_module(module)


def test_the_torch_adapter_without_torch_names_the_torch_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "torch")
    with pytest.raises(ImportError) as e:
        _import_afresh(monkeypatch, "lrdsl.torch")
    assert str(e.value) == 'lrdsl.torch needs PyTorch, which is not installed: pip install "lrdsl[torch]"'


def test_the_optax_adapter_without_optax_names_the_jax_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "optax")
    with pytest.raises(ImportError) as e:
        _import_afresh(monkeypatch, "lrdsl.optax")
    assert str(e.value) == 'lrdsl.optax needs Optax, which is not installed: pip install "lrdsl[jax]"'


def test_the_keras_adapter_without_keras_names_the_keras_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "keras")
    with pytest.raises(ImportError) as e:
        _import_afresh(monkeypatch, "lrdsl.keras")
    assert str(e.value) == 'lrdsl.keras needs Keras, which is not installed: pip install "lrdsl[keras]"'


def test_plot_without_matplotlib_names_the_plot_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "matplotlib", "matplotlib.pyplot")
    with pytest.raises(ImportError) as e:
        lr.linear(0, 1, 10).plot()
    assert str(e.value) == (
        'plotting (s.plot, lr.plot, lrdsl plot) needs Matplotlib, which is not installed: pip install "lrdsl[plot]"'
    )


def test_the_plot_command_without_matplotlib_names_the_plot_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _hide(monkeypatch, "matplotlib", "matplotlib.pyplot")
    code = cli.main(["plot", "linear(0, 1, 10)", "-o", f"{tmp_path}/s.png"])
    assert code == 2
    assert (
        'lrdsl plot needs Matplotlib, which is not installed: pip install "lrdsl[plot]"' in capsys.readouterr().err
    )


def test_compile_without_jax_names_the_jax_extra_and_the_other_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "jax")
    with pytest.raises(ImportError) as e:
        lr.linear(0, 1, 10).compile()
    assert str(e.value) == (
        's.compile() (backend "jax", the default) needs JAX, which is not installed: pip install "lrdsl[jax]";'
        ' or s.compile("numpy") or s.compile("python"), which need no JAX'
    )


def test_the_numpy_and_python_backends_need_no_jax(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "jax")
    s = lr.linear(0, 1, 10)
    assert s.compile("numpy")(5) == 0.5
    assert s.compile("python")(5) == 0.5


def test_an_error_inside_an_installed_library_is_not_taken_for_a_missing_one() -> None:
    from lrdsl._optional import optional

    with pytest.raises(ImportError) as e, optional("a feature"):
        raise ImportError("cannot import name 'x' from 'somewhere'", name="somewhere")
    assert str(e.value) == "cannot import name 'x' from 'somewhere'"
