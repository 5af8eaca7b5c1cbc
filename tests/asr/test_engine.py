import os

from service.asr.engine import plan_device
from service.config import ASRSettings


def test_gpu_is_chosen_automatically_with_float16_and_one_batched_worker() -> None:
    plan = plan_device(ASRSettings(), cuda_devices=1)
    assert (plan.device, plan.compute_type, plan.workers, plan.batch_size) == (
        "cuda",
        "float16",
        1,
        16,
    )


def test_cpu_uses_int8_and_one_single_threaded_worker_per_core() -> None:
    plan = plan_device(ASRSettings(), cuda_devices=0)
    assert (plan.device, plan.compute_type) == ("cpu", "int8")
    assert (plan.cpu_threads, plan.batch_size) == (1, 2)
    assert plan.workers == (os.cpu_count() or 1)


def test_explicit_settings_win() -> None:
    asr = ASRSettings(device="cpu", compute_type="float32", parallel_windows=3, cpu_threads=2)
    plan = plan_device(asr, cuda_devices=2)
    assert (plan.device, plan.compute_type, plan.workers, plan.cpu_threads) == (
        "cpu",
        "float32",
        3,
        2,
    )
