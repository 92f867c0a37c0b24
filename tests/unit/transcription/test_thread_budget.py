"""The transcription UDF fits its decoding threads to the cores Spark gives the task."""

from __future__ import annotations

from callaudit.transcription.model_cache import AVX512_FLAGS, choose_cpu_isa, cpu_flags
from callaudit.transcription.options import TranscriptionOptions


def test_one_core_decodes_the_channels_one_after_the_other():
    from udfs.transcribe import with_thread_budget

    o = TranscriptionOptions.from_mapping(with_thread_budget({}, 1))
    assert (o.num_workers, o.cpu_threads, o.parallel_channels) == (1, 1, False)


def test_several_cores_are_split_between_the_two_channels():
    from udfs.transcribe import with_thread_budget

    for cpus, threads in ((2, 1), (4, 2), (5, 2)):
        o = TranscriptionOptions.from_mapping(with_thread_budget({"beam_size": "3"}, cpus))
        assert (o.num_workers, o.cpu_threads, o.parallel_channels, o.beam_size) == (2, threads, True, 3)


def test_configured_thread_options_win():
    from udfs.transcribe import with_thread_budget

    o = TranscriptionOptions.from_mapping(with_thread_budget({"cpu_threads": "3", "num_workers": ""}, 2))
    assert (o.num_workers, o.cpu_threads) == (2, 3)


def test_outside_a_spark_task_the_budget_is_one_core():
    from udfs.transcribe import task_cpus

    assert task_cpus() == 1


def test_cpu_isa_auto_forces_avx512_only_where_the_cpu_has_it():
    assert choose_cpu_isa("auto", flags=AVX512_FLAGS | {"avx2", "sse4_2"}) == "AVX512"
    assert choose_cpu_isa("auto", flags=frozenset({"avx2", "avx512f"})) is None  # not the whole AVX-512 set
    assert choose_cpu_isa("auto", flags=frozenset()) is None  # no /proc/cpuinfo (macOS, ARM)
    assert choose_cpu_isa("default", flags=AVX512_FLAGS) is None
    assert choose_cpu_isa("avx2") == "AVX2"


def test_cpu_isa_typo_is_refused_when_the_options_are_built():
    import pytest

    with pytest.raises(ValueError, match="cpu_isa must be"):
        TranscriptionOptions(cpu_isa="avx9000")


def test_cpu_flags_read_from_cpuinfo_text():
    text = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\nbogomips\t: 1\n"
    assert cpu_flags(text) == {"fpu", "sse", "avx2", "avx512f"}
