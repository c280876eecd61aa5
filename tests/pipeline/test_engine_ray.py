"""The ray engine on a simulated 2-node cluster (ray.cluster_utils.Cluster, one module-wide): same verdicts as
the local engine, a killed actor or a lost node costs no row and duplicates none, and the execute stage writes
the same verdicts.parquet with either engine."""
from __future__ import annotations

import logging
import re
import threading

import pandas as pd
import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from pipeline import execute, ingest  # noqa: E402
from pipeline.params import ExecuteParams, IngestParams  # noqa: E402
from sandbox import Job, Limits, Sandbox  # noqa: E402
from sandbox.ray_engine import RayJudge  # noqa: E402

pytestmark = pytest.mark.slow

# 2 s of CPU (wall 5 s): under a loaded machine (CI beside another job) a 500 ms limit turned the memory hog's
# MemoryError into a Time Limit Exceeded on one engine and not the other; the verdicts compared are what matter.
LIMITS = Limits(time_ms=2000, memory_kb=256 * 1024, output_kb=64)
TESTS = (("1 2\n", "3\n"), ("5 7\n", "12\n"))
# (code, expected verdict, expected per-test verdicts): fast programs of every verdict a short run can give
FAST = [
    ("print(sum(map(int, input().split())))\n", "Accepted", ("Accepted", "Accepted")),
    ("print(3)\n", "Wrong Answer", ("Accepted", "Wrong Answer")),
    ("print(1/0)\n", "Runtime Error", ("Runtime Error", "Runtime Error")),
    ("print(\n", "Compile Error", ("Compile Error", "Compile Error")),
    ("print(' ' + str(sum(map(int, input().split()))))\n", "WA: Presentation Error",
     ("WA: Presentation Error", "WA: Presentation Error")),
    ("import sys\nsys.exit(3)\n", "Runtime Error", ("Runtime Error", "Runtime Error")),
]
SLOW = [
    ("while True:\n    pass\n", "Time Limit Exceeded", ("Time Limit Exceeded", "Skipped")),
    ("x = bytearray(512 * 1024 * 1024)\nprint(len(x))\n", "Memory Limit Exceeded",
     ("Memory Limit Exceeded", "Memory Limit Exceeded")),
    ("print('x' * 200000)\n", "Output Limit Exceeded", ("Output Limit Exceeded", "Output Limit Exceeded")),
]


def fast_jobs(count: int) -> tuple[list[Job], list[tuple[str, tuple[str, ...]]]]:
    """`count` distinct jobs cycling through FAST, and their expected (verdict, test verdicts)."""
    jobs, expected = [], []
    for i in range(count):
        code, verdict, tests = FAST[i % len(FAST)]
        jobs.append(Job(f"{code}# job {i}\n", TESTS, LIMITS))
        expected.append((verdict, tests))
    return jobs, expected


@pytest.fixture(scope="module")
def cluster():
    """Two nodes of one CPU each: one judge actor per node."""
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes.add_node(num_cpus=1)
    nodes.wait_for_nodes()
    yield nodes
    if ray.is_initialized():
        ray.shutdown()
    nodes.shutdown()


@pytest.fixture
def connected(cluster):
    """This process connected to the cluster (once; a RayJudge uses the connection it finds)."""
    if not ray.is_initialized():
        ray.init(address=cluster.address, logging_level=logging.WARNING)
    return cluster


def test_same_verdicts_as_the_local_engine(connected):
    programs = FAST + SLOW
    jobs = [Job(code, TESTS, LIMITS) for code, _, _ in programs]
    with Sandbox("local", workers=2) as box:
        local = dict(box.judge_many(jobs))
    with RayJudge("local", batch_size=2) as judge:
        assert len(judge._actors) == 2
        nodes = set(ray.get([actor.ping.remote() for actor in judge._actors]))
        distributed = dict(judge.judge_many(jobs))
    assert len(nodes) == 2  # one actor on each node
    assert [(distributed[i].verdict, distributed[i].test_verdicts) for i in range(len(jobs))] == \
        [(verdict, tests) for _, verdict, tests in programs]

    def outcome(j):  # measured numbers (peak RSS in an MLE's error) differ run to run
        return j.verdict, j.test_verdicts, j.tests_passed, re.sub(r"\d+", "N", j.error)

    assert [outcome(distributed[i]) for i in range(len(jobs))] == [outcome(local[i]) for i in range(len(jobs))]


def test_run_and_judge_match_the_sandbox_contract(connected):
    with RayJudge("local") as judge:
        result = judge.run("print(input()[::-1])", b"abc\n", LIMITS)
        judgement = judge.judge(Job(FAST[1][0], TESTS, LIMITS))
    assert (result.status, result.stdout) == ("OK", b"cba\n")
    assert judgement.verdict == "Wrong Answer" and judgement.tests_passed == 1


class CountingActor:
    """An actor handle that records the size of every batch sent to it."""

    def __init__(self, handle, sizes: list[int]):
        self.handle, self.sizes = handle, sizes

    def __getattr__(self, name):
        return getattr(self.handle, name)

    @property
    def judge(self):
        outer = self

        class Method:
            @staticmethod
            def remote(jobs):
                outer.sizes.append(len(jobs))
                return outer.handle.judge.remote(jobs)

        return Method


def test_a_short_job_list_spreads_over_every_actor(connected):
    jobs, expected = fast_jobs(10)
    with RayJudge("local", batch_size=64) as judge:
        ray.get([actor.ping.remote() for actor in judge._actors])  # all up (the judge starts with the first)
        actors, sizes = judge._actors, [[] for _ in judge._actors]
        judge._actors = [CountingActor(a, s) for a, s in zip(actors, sizes)]
        seen = dict(judge.judge_many(jobs))
        judge._actors = actors
    assert all(sizes) and sum(map(sum, sizes)) == len(jobs)  # every actor got work, each job sent once
    assert max(map(max, sizes)) <= 3  # 10 jobs over 2 actors x 2 batches, not one batch of 64
    assert [(seen[i].verdict, seen[i].test_verdicts) for i in range(len(jobs))] == expected


def test_stopping_early_leaves_the_judge_usable(connected):
    jobs, expected = fast_jobs(60)
    with RayJudge("local", batch_size=4) as judge:
        stream = judge.judge_many(jobs)
        next(stream)
        stream.close()  # a caller that stops reading: the batches still running are cancelled, never read
        again = dict(judge.judge_many(jobs[:12]))
    assert sorted(again) == list(range(12))
    assert [(again[i].verdict, again[i].test_verdicts) for i in range(12)] == expected[:12]


def test_killed_actor_mid_run_loses_and_duplicates_no_job(connected, caplog):
    jobs, expected = fast_jobs(120)
    seen = []
    with caplog.at_level(logging.WARNING, logger="sandbox.ray_engine"), \
            RayJudge("local", batch_size=3) as judge:
        victim = judge._actors[0]
        before = ray.get(victim.ping.remote())
        for index, judgement in judge.judge_many(jobs):
            if not seen:  # both actors hold batches now: kill one as a crash would (Ray restarts it)
                ray.kill(victim, no_restart=False)
            seen.append((index, judgement))
    assert any("re-queued" in r.getMessage() for r in caplog.records), "the kill hit no batch in flight"
    assert sorted(index for index, _ in seen) == list(range(len(jobs)))  # each exactly once
    assert [(j.verdict, j.test_verdicts) for _, j in sorted(seen, key=lambda s: s[0])] == expected
    assert all(j.verdict != "Sandbox Error" for _, j in seen)
    assert before  # the victim answered before it was killed


def test_lost_node_mid_run_loses_and_duplicates_no_job(cluster, connected, caplog):
    extra = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    jobs, expected = fast_jobs(150)
    seen = []
    try:
        with caplog.at_level(logging.WARNING, logger="sandbox.ray_engine"), \
                RayJudge("local", batch_size=3) as judge:
            assert len(judge._actors) == 3
            on_extra = [a for a in judge._actors if ray.get(a.ping.remote()) == extra.node_id]
            assert on_extra, "no actor was placed on the node to remove"
            remover = None
            for index, judgement in judge.judge_many(jobs):
                if remover is None:  # the node goes down while its actor holds batches
                    remover = threading.Thread(target=cluster.remove_node, args=(extra,))
                    remover.start()
                seen.append((index, judgement))
            remover.join()
    finally:
        if extra in cluster.worker_nodes:
            cluster.remove_node(extra)
    assert any("re-queued" in r.getMessage() for r in caplog.records), "the node went down with no batch on it"
    assert sorted(index for index, _ in seen) == list(range(len(jobs)))
    assert [(j.verdict, j.test_verdicts) for _, j in sorted(seen, key=lambda s: s[0])] == expected


def test_execute_stage_writes_the_same_verdicts_with_either_engine(cluster, tree, tmp_path):
    if ray.is_initialized():
        ray.shutdown()  # the engine connects to execute.ray_address itself (and disconnects when done)
    codes = [code for code, _, _ in FAST] + ["print(int(input().split()[0]) + 2)\n"]
    root = tree({"p00001": [{"code": c} for c in codes], "p00002": [{"code": c} for c in codes[:3]]})
    ingest.run(IngestParams(codenet_root=str(root)), tmp_path / "ingest")
    execute.run(ExecuteParams(workers=2), tmp_path / "ingest", tmp_path / "local", None, batch_size=4)
    prm = ExecuteParams(engine="ray", ray_address=cluster.address, ray_batch_size=2)
    execute.run(prm, tmp_path / "ingest", tmp_path / "ray", None, batch_size=4)
    local, distributed = (pd.read_parquet(tmp_path / name / "verdicts.parquet") for name in ("local", "ray"))
    timing = ["wall_ms", "cpu_ms", "peak_memory_kb"]  # measured, so they differ run to run
    pd.testing.assert_frame_equal(local.drop(columns=timing), distributed.drop(columns=timing))
    assert len(distributed) == len(codes) + 3 and distributed["submission_id"].is_unique


def test_a_batch_that_keeps_killing_actors_is_split_then_judged_sandbox_error():
    """The retry rules alone (no cluster): split after SPLIT_AFTER deaths, Sandbox Error after MAX_DEATHS."""
    from collections import deque

    from sandbox import ray_engine

    judge = ray_engine.RayJudge.__new__(ray_engine.RayJudge)
    judge._ready, judge._probes, judge._actors, judge._last_error = set(), {}, [], None
    jobs, _ = fast_jobs(3)
    queue: deque = deque()
    batch = ray_engine._Batch(list(enumerate(jobs)))
    error = ray.exceptions.RayActorError()
    for _ in range(ray_engine.SPLIT_AFTER - 1):
        assert list(judge._requeue(batch, 0, error, queue)) == [] and queue.popleft() is batch
    assert list(judge._requeue(batch, 0, error, queue)) == []
    assert [b.items for b in queue] == [[(i, job)] for i, job in enumerate(jobs)]  # split, order kept
    single = queue.popleft()
    while single.deaths < ray_engine.MAX_DEATHS - 1:
        assert list(judge._requeue(single, 0, error, queue)) == [] and queue.popleft() is single
    ((index, judgement),) = judge._requeue(single, 0, error, queue)
    assert index == 0 and judgement.verdict == "Sandbox Error"
    assert judgement.test_verdicts == ("Sandbox Error", "Skipped") and "died" in judgement.error
