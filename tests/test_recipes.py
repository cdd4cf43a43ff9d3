"""docs/recipes.md: each recipe's expression against the original formula, written here
in its own code, with ``lrdsl.testing.compare``."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.testing import assert_matches, compare

RECIPES = (pathlib.Path(__file__).parent.parent / "docs" / "recipes.md").read_text()


def in_recipes(code: str) -> None:
    assert code in RECIPES, f"docs/recipes.md no longer shows {code!r}"


def test_nanogpt_get_lr() -> None:
    learning_rate, min_lr, warmup_iters, lr_decay_iters = 6e-4, 6e-5, 2000, 600_000

    def get_lr(it: int) -> float:  # nanoGPT train.py
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (learning_rate - min_lr)

    in_recipes("s = lr.linear(6e-4 / 2001, 6e-4, 2000) >> lr.cosine(6e-4, 6e-5, 598_000)")
    s = lr.linear(6e-4 / 2001, 6e-4, 2000) >> lr.cosine(6e-4, 6e-5, 598_000)
    steps = np.r_[0:4000, 299_000:301_000, 598_000:600_100]
    assert_matches(s, get_lr, steps)


def test_build_nanogpt_get_lr() -> None:
    max_lr, min_lr, warmup_steps, max_steps = 6e-4, 6e-5, 715, 19073

    def get_lr(it: int) -> float:  # build-nanogpt train_gpt2.py, min_lr = max_lr * 0.1
        if it < warmup_steps:
            return max_lr * (it + 1) / warmup_steps
        if it > max_steps:
            return min_lr
        decay_ratio = (it - warmup_steps) / (max_steps - warmup_steps)
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (max_lr - min_lr)

    in_recipes("s = lr.warmup(lr.cosine(6e-4, 6e-5, 19073 - 715), 715, inclusive=True)")
    s = lr.warmup(lr.cosine(6e-4, 6e-5, 19073 - 715), 715, inclusive=True)
    assert_matches(s, get_lr, range(max_steps + 100))


@pytest.mark.parametrize("batches_per_epoch", [1001, 1000, 3, 4 * 333 + 2])
def test_hugging_face_trainer_with_a_warmup_ratio_and_gradient_accumulation(batches_per_epoch: int) -> None:
    num_train_epochs, gas, warmup_ratio, learning_rate = 3, 4, 0.1, 5e-5
    # Trainer.set_initial_training_values and TrainingArguments.get_warmup_steps
    num_update_steps_per_epoch = max(batches_per_epoch // gas + int(batches_per_epoch % gas > 0), 1)
    max_steps = math.ceil(num_train_epochs * num_update_steps_per_epoch)
    warmup = math.ceil(max_steps * warmup_ratio)

    def lr_lambda(current_step: int) -> float:  # get_cosine_schedule_with_warmup, num_cycles=0.5
        if current_step < warmup:
            return float(current_step) / float(max(1, warmup))
        progress = float(current_step - warmup) / float(max(1, max_steps - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    in_recipes("T = lr.ceil(3 * -(-b // 4))")
    in_recipes("w = lr.ceil(T * 0.1)")
    in_recipes("s = lr.warmup(lr.cosine(5e-5, 0.0, T - w), w)")
    b = lr.var("batches_per_epoch")
    T = lr.ceil(3 * -(-b // 4))
    w = lr.ceil(T * 0.1)
    s = lr.warmup(lr.cosine(5e-5, 0.0, T - w), w)
    bound = s.bind(batches_per_epoch=batches_per_epoch)
    assert bound == lr.warmup(lr.cosine(5e-5, 0.0, max_steps - warmup), warmup)
    assert_matches(bound, lambda t: learning_rate * lr_lambda(t), range(max_steps))


def test_the_trainer_recipe_binds_as_the_doc_says() -> None:
    in_recipes("s.bind(batches_per_epoch=1001)                   # warmup(cosine(5e-05, 0.0, 677), 76)")
    b = lr.var("batches_per_epoch")
    T = lr.ceil(3 * -(-b // 4))
    w = lr.ceil(T * 0.1)
    assert str(lr.warmup(lr.cosine(5e-5, 0.0, T - w), w).bind(batches_per_epoch=1001)) == (
        "warmup(cosine(5e-05, 0.0, 677), 76)"
    )


def timm_cosine(updates_per_epoch: int) -> tuple[Callable[[int], float], int]:
    """timm's CosineLRScheduler._get_lr as written (warmup_prefix=False, cycle_limit=1) for the
    recipe's 100-epoch cosine with a 5-epoch warmup, stepped per update; and t_initial."""
    base_lr, lr_min, warmup_lr_init = 1e-3, 1e-5, 1e-6
    t_initial, warmup_t = 100 * updates_per_epoch, 5 * updates_per_epoch
    warmup_step = (base_lr - warmup_lr_init) / warmup_t

    def timm_get_lr(t: int) -> float:
        if t < warmup_t:
            return warmup_lr_init + t * warmup_step
        i = t // t_initial
        t_curr = t - t_initial * i
        if i < 1:
            return lr_min + 0.5 * (base_lr - lr_min) * (1 + math.cos(math.pi * t_curr / t_initial))
        return lr_min

    return timm_get_lr, t_initial


@pytest.mark.parametrize("updates_per_epoch", [1, 7, 390])
def test_timm_per_epoch_cosine_stepped_per_update(updates_per_epoch: int) -> None:
    timm_get_lr, t_initial = timm_cosine(updates_per_epoch)

    in_recipes("s = lr.warmup(lr.cosine(1e-3, 1e-5, 100 * u), 5 * u, start=1e-6, shift=False)")
    u = lr.var("updates_per_epoch")
    s = lr.warmup(lr.cosine(1e-3, 1e-5, 100 * u), 5 * u, start=1e-6, shift=False)
    assert_matches(s.bind(updates_per_epoch=updates_per_epoch), timm_get_lr, range(t_initial + 50))


def test_timm_recipe_against_timm_itself() -> None:
    import torch

    from tests.test_compat_timm import load_timm

    CosineLRScheduler = load_timm()["CosineLRScheduler"]
    upe = 7
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    sched = CosineLRScheduler(opt, t_initial=100 * upe, warmup_t=5 * upe, warmup_lr_init=1e-6, lr_min=1e-5, t_in_epochs=False)
    timm_values = [sched._get_lr(t)[0] for t in range(100 * upe + 20)]
    u = lr.var("updates_per_epoch")
    s = lr.warmup(lr.cosine(1e-3, 1e-5, 100 * u), 5 * u, start=1e-6, shift=False).bind(updates_per_epoch=upe)
    r = compare(s, lambda t: timm_values[t], range(len(timm_values)), name="timm")
    assert not r.differ or r.lrdsl_nearer == r.differ, str(r)


@pytest.mark.parametrize("total_steps", [1000, 1005, 1015, 1503])
@pytest.mark.parametrize("decay_type", ["linear", "cosine", "sqrt"])
def test_torchtitan_warmup_stable_decay(total_steps: int, decay_type: str) -> None:
    base, warmup, decay_ratio, min_lr_factor = 8e-4, 200, 0.1, 0.1
    # LRSchedulersContainer.Config.build (torchtitan/components/optimizer/lr_scheduler.py, since #1284)
    decay_steps = round(total_steps * decay_ratio)
    stable_steps = total_steps + 1 - warmup - decay_steps

    def linear_warmup_stable_decay(current_step: int) -> float:  # times the base lr
        warmup_stable_steps = warmup + stable_steps
        if current_step < warmup:
            current_step += 1
            curr_adjustment = float(current_step / warmup)
        elif current_step < warmup_stable_steps:
            curr_adjustment = 1.0
        else:
            current_step += 1
            progress = float(current_step - warmup_stable_steps) / decay_steps
            if decay_type == "linear":
                curr_adjustment = 1 - progress
            elif decay_type == "sqrt":
                curr_adjustment = 1 - math.sqrt(progress)
            else:
                curr_adjustment = 0.5 * (1.0 + math.cos(math.pi * progress))
            curr_adjustment = min_lr_factor + (1 - min_lr_factor) * curr_adjustment
        return base * curr_adjustment

    in_recipes("d = lr.round(lr.T * 0.1)")
    in_recipes("stable = lr.constant(8e-4, steps=lr.T - d - 200)")
    in_recipes("s = lr.warmup(stable >> lr.linear(8e-4, 8e-5, d), 200, inclusive=True)")
    in_recipes('`decay_type="cosine"` is `lr.cosine(8e-4, 8e-5, d)`')
    in_recipes('`"sqrt"` is `lr.one_minus_sqrt(8e-4, 8e-5, d)`')
    d = lr.round(lr.T * 0.1)
    stable = lr.constant(8e-4, steps=lr.T - d - 200)
    decay = {"linear": lr.linear, "cosine": lr.cosine, "sqrt": lr.one_minus_sqrt}[decay_type](8e-4, 8e-5, d)
    s = lr.warmup(stable >> decay, 200, inclusive=True).bind(T=total_steps)
    # the steps trained, and the value after the last (min_lr_factor), where torchtitan's lambda is defined
    assert_matches(s, linear_warmup_stable_decay, range(total_steps + 1))


def test_torchtitan_decay_length_rounds_half_to_even() -> None:
    in_recipes("s.bind(T=1005)                                    # ... >> linear(0.0008, 8e-05, 100), 200, inclusive=True)")
    d = lr.round(lr.T * 0.1)
    stable = lr.constant(8e-4, steps=lr.T - d - 200)
    s = lr.warmup(stable >> lr.linear(8e-4, 8e-5, d), 200, inclusive=True)
    assert str(s.bind(T=1005)).endswith(">> linear(0.0008, 8e-05, 100), 200, inclusive=True)")


def test_torchtitan_warmup_stable_decay_before_june_2025() -> None:
    base, warmup_steps, stable_steps, decay_steps, min_lr_factor = 8e-4, 200, 1000, 300, 0.1

    def linear_warmup_stable_decay(current_step: int) -> float:  # torchtitan lr_scheduler.py before #1284, times the base lr
        warmup_stable_steps = warmup_steps + stable_steps
        if current_step < warmup_steps:
            current_step += 1
            curr_adjustment = float(current_step / (warmup_steps + 1))
        elif current_step < warmup_stable_steps:
            curr_adjustment = 1.0
        else:
            current_step += 1
            progress = float(current_step - warmup_stable_steps) / (decay_steps + 1)
            curr_adjustment = 1 - progress
            curr_adjustment = min_lr_factor + (1 - min_lr_factor) * curr_adjustment
        return base * curr_adjustment

    in_recipes("stable = lr.constant(8e-4, steps=1000 - 1)")
    in_recipes("decay = lr.linear(8e-4, 8e-5, 300 + 1).shift(-1)")
    in_recipes("s = lr.warmup(stable >> decay, 200 + 1, inclusive=True)")
    stable = lr.constant(8e-4, steps=1000 - 1)
    decay = lr.linear(8e-4, 8e-5, 300 + 1).shift(-1)
    s = lr.warmup(stable >> decay, 200 + 1, inclusive=True)
    assert_matches(s, linear_warmup_stable_decay, range(warmup_steps + stable_steps + decay_steps))


def test_wsd_with_cooldowns_branched_at_three_steps_and_swept_with_vmap() -> None:
    import jax
    import jax.numpy as jnp

    peak, warmup, cooldown = 3e-4, 1000, 2000
    ks = (10_000, 20_000, 30_000)

    def get_lr(step: int, k: int) -> float:  # a hand-written WSD run with a 1-sqrt cooldown from step k
        if step < warmup:
            return peak * step / warmup
        if step < k:
            return peak
        x = min(step - k, cooldown) / cooldown
        return peak * (1 - math.sqrt(x))

    in_recipes('base = lr.warmup(lr.constant(3e-4), 1000)')
    in_recipes('runs = [base.anneal_at(k, 2000, shape="1-sqrt") for k in (10_000, 20_000, 30_000)]')
    base = lr.warmup(lr.constant(3e-4), 1000)
    runs = [base.anneal_at(k, 2000, shape="1-sqrt") for k in ks]
    for k, run in zip(ks, runs):
        assert_matches(run, lambda t, k=k: get_lr(t, k), np.r_[0:1200, k - 100 : k + 2100])
    sweep = jax.jit(jax.vmap(lambda k: base.anneal_at(k, 2000, shape="1-sqrt")(jnp.arange(32_000))))
    values = np.asarray(sweep(jnp.array([10_000.0, 20_000.0, 30_000.0])), dtype=np.float64)
    for row, run in zip(values, runs):
        np.testing.assert_allclose(row, run.values(32_000), rtol=1e-5, atol=1e-12)


def test_olmo_schedule_in_tokens() -> None:
    initial_lr, alpha_f, tokens_per_step = 4e-4, 0.1, 2**22
    warmup, t_max = 2_000 * 2**22, 50_000 * 2**22

    def get_lr(step: int) -> float:  # an OLMo-style CosWithWarmup on the tokens seen after this step
        current = (step + 1) * tokens_per_step
        eta_min = initial_lr * alpha_f
        if current < warmup:
            return initial_lr * current / warmup
        if current >= t_max:
            return eta_min
        current, horizon = current - warmup, t_max - warmup
        return eta_min + (initial_lr - eta_min) * (1 + math.cos(math.pi * current / horizon)) / 2

    in_recipes("in_tokens = lr.warmup(lr.cosine(4e-4, 4e-5, 50_000 * 2**22 - 2_000 * 2**22), 2_000 * 2**22)")
    in_recipes("s = in_tokens.rescale(tps, offset=tps)")
    tps = lr.var("tokens_per_step")
    in_tokens = lr.warmup(lr.cosine(4e-4, 4e-5, 50_000 * 2**22 - 2_000 * 2**22), 2_000 * 2**22)
    s = in_tokens.rescale(tps, offset=tps).bind(tokens_per_step=tokens_per_step)
    assert_matches(s, get_lr, range(51_000))


@pytest.mark.parametrize("batches_per_epoch", [1001, 1000, 3, 4 * 333 + 2])
def test_hugging_face_trainer_recipe_with_from_training_args(batches_per_epoch: int, tmp_path: pathlib.Path) -> None:
    transformers = pytest.importorskip("transformers")
    from lrdsl.compat.hf import from_training_args

    in_recipes("from lrdsl.compat.hf import from_training_args")
    in_recipes('args = TrainingArguments(output_dir="out", num_train_epochs=3, gradient_accumulation_steps=4,')
    in_recipes('                         warmup_steps=0.1, lr_scheduler_type="cosine", learning_rate=5e-5)')
    in_recipes("s = from_training_args(args, batches_per_epoch=len(trainer.get_train_dataloader()))")
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path),
        num_train_epochs=3,
        gradient_accumulation_steps=4,
        warmup_steps=0.1,
        lr_scheduler_type="cosine",
        learning_rate=5e-5,
        report_to=[],
    )
    s = from_training_args(args, batches_per_epoch=batches_per_epoch)
    # Trainer.set_initial_training_values, TrainingArguments.get_warmup_steps, get_cosine_schedule_with_warmup
    per_epoch = max(batches_per_epoch // 4 + int(batches_per_epoch % 4 > 0), 1)
    max_steps = math.ceil(3 * per_epoch)
    warmup = math.ceil(max_steps * 0.1)

    def lr_lambda(current_step: int) -> float:
        if current_step < warmup:
            return float(current_step) / float(max(1, warmup))
        progress = float(current_step - warmup) / float(max(1, max_steps - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    assert_matches(s, lambda t: 5e-5 * lr_lambda(t), range(max_steps))
    # the same schedule as the recipe's quantities, bound
    b = lr.var("batches_per_epoch")
    T = lr.ceil(3 * -(-b // 4))
    w = lr.ceil(T * 0.1)
    by_hand = lr.warmup(lr.cosine(5e-5, 0.0, T - w), w).bind(batches_per_epoch=batches_per_epoch)
    np.testing.assert_allclose(s.values(max_steps), by_hand.values(max_steps), rtol=1e-12, atol=0)


@pytest.mark.parametrize("updates_per_epoch", [1, 7, 390])
def test_timm_recipe_with_create_scheduler_v2(updates_per_epoch: int) -> None:
    from lrdsl.compat.timm import create_scheduler_v2

    in_recipes("from lrdsl.compat.timm import create_scheduler_v2")
    in_recipes('s, num_epochs = create_scheduler_v2(1e-3, "cosine", num_epochs=100, warmup_epochs=5, warmup_lr=1e-6,')
    in_recipes("                                    min_lr=1e-5, step_on_epochs=False, updates_per_epoch=390)")
    s, num_epochs = create_scheduler_v2(
        1e-3,
        "cosine",
        num_epochs=100,
        warmup_epochs=5,
        warmup_lr=1e-6,
        min_lr=1e-5,
        step_on_epochs=False,
        updates_per_epoch=updates_per_epoch,
    )
    timm_get_lr, t_initial = timm_cosine(updates_per_epoch)

    assert num_epochs == 100  # get_cycle_length() // updates_per_epoch
    assert_matches(s, timm_get_lr, range(t_initial + 50))
