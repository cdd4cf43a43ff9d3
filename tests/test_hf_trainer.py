"""``lrdsl.torch.Scheduler`` under the Hugging Face ``Trainer``: passed as
``optimizers=(optimizer, scheduler)``, it sets the lr of every training step to
``schedule(step)`` (read by a callback at the start of each step)."""

from __future__ import annotations

from typing import Any

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")


class _Regression(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 1)

    def forward(self, x: Any, labels: Any = None) -> dict[str, Any]:
        out = self.lin(x).squeeze(-1)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


class _Data(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(64, 3, generator=g)
        self.y = self.x.sum(dim=1)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"x": self.x[i], "labels": self.y[i]}


def test_trainer_uses_the_schedule_at_every_step(tmp_path: Any) -> None:
    from lrdsl.torch import Scheduler

    seen: list[float] = []

    class Record(transformers.TrainerCallback):  # type: ignore[misc]
        def on_step_begin(self, args: Any, state: Any, control: Any, optimizer: Any = None, **kw: Any) -> None:
            seen.append(optimizer.param_groups[0]["lr"])

    model = _Regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    s = lr.warmup(lr.cosine(0.1, 0.0, 12), 4)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=8,
        num_train_epochs=2,
        report_to=[],
        save_strategy="no",
        logging_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=_Data(), optimizers=(opt, Scheduler(opt, s)), callbacks=[Record()]
    )
    trainer.train()
    assert len(seen) == 16  # 64 examples / 8 a batch, 2 epochs
    assert seen == [s(k) for k in range(16)]
