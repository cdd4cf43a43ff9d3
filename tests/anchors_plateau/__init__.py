"""The anchors' own reduce-on-plateau tests, ported to lrdsl.

One module per anchor, one test per anchor case that checks a learning rate
(or the plateau's state), each naming the case it ports and keeping its
tolerance:

- ``test_torch_plateau.py``: PyTorch ``test/optim/test_lrscheduler.py``
  (``test_reduce_lr_on_plateau1`` to ``8``, ``..._get_last_lr_before_step``,
  ``..._state_dict``, ``test_compound_reduce_lr_on_plateau1`` to ``5``) through
  ``lrdsl.compat.torch.ReduceLROnPlateau`` and the pure state machine.
- ``test_torch_plateau_scheduler.py``: the PyTorch cases that need an optimizer
  driven by ``lrdsl.torch.Scheduler.step(metrics)`` (round two of issue 11).
- ``test_optax_plateau.py``: ``optax/contrib/_reduce_on_plateau_test.py``.
- ``test_keras_plateau.py``: ``keras/src/callbacks/reduce_lr_on_plateau_test.py``.
- ``test_timm_plateau.py``: timm ``tests/test_scheduler.py``'s plateau cases.

Hugging Face's ``tests/optimization/test_optimization.py`` has no plateau case.
"""
