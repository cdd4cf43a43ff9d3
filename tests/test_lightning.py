"""``lrdsl.torch.Scheduler`` inside Lightning: returned from ``configure_optimizers``
with ``interval="step"``, it drives the lr (and momentum) of every batch."""

from __future__ import annotations

from typing import Any

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
lightning = pytest.importorskip("lightning")
from lrdsl.torch import Scheduler  # noqa: E402

BATCHES = 6
EPOCHS = 2
LR = lr.linear(0.0, 0.05, 4) >> lr.cosine(0.05, 0.001, 8, periodic=True)
MOMENTUM = lr.linear(0.95, 0.85, 10)


class Regression(lightning.LightningModule):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(3, 1).double()

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self) -> Any:
        opt = torch.optim.SGD(self.parameters(), lr=1.0, momentum=0.9)
        sched = Scheduler(opt, {"lr": LR, "momentum": MOMENTUM})
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class Record(lightning.Callback):  # type: ignore[misc]
    """The lr and momentum each training batch's update uses."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float]] = []

    def on_train_batch_start(self, trainer: Any, module: Any, batch: Any, batch_idx: int) -> None:
        group = trainer.optimizers[0].param_groups[0]
        self.seen.append((group["lr"], group["momentum"]))


def test_lightning_steps_the_scheduler_every_batch() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(BATCHES * 4, 3, generator=gen, dtype=torch.float64)
    data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    record = Record()
    trainer = lightning.Trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[record],
    )
    trainer.fit(Regression(), loader)
    n = BATCHES * EPOCHS
    assert record.seen == [(LR(k), MOMENTUM(k)) for k in range(n)]
    sched = trainer.lr_scheduler_configs[0].scheduler
    assert isinstance(sched, Scheduler) and sched.last_epoch == n
