"""chainrule.distributed, DDP, SyncBatchNorm, DistributedSampler.

The multi-process tests start `mpiexec -n 2` / `-n 3` on tests/distributed_worker.py (each
rank checks its results against NumPy references and raises on a mismatch; an uncaught
exception aborts the job) with a timeout, and skip with the reason when mpi4py or mpiexec
is missing (`make test` installs the `distributed` extra: mpi4py and the mpich wheel).
"""
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

import chainrule as torch
import chainrule.distributed as dist
from chainrule.utils.data.distributed import DistributedSampler, torch_randperm

HERE = pathlib.Path(__file__).resolve().parent
SRC = pathlib.Path(torch.__file__).resolve().parents[1]


def _mpiexec():
    """mpiexec beside this Python (a venv's bin/, where the mpich wheel puts it) or on PATH."""
    local = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(local) if local.exists() else shutil.which("mpiexec")


def _skip_reason():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install 'chainrule[distributed]')"
    if _mpiexec() is None:
        return "no mpiexec found (pip install mpich, or an MPI implementation)"
    return None


needs_mpi = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


def mpirun(n, scenario, timeout=180, expect_ok=True):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(SRC), str(HERE), os.environ.get("PYTHONPATH", "")]))
    try:
        res = subprocess.run([_mpiexec(), "-n", str(n), sys.executable,
                              str(HERE / "distributed_worker.py"), scenario],
                             capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"mpiexec -n {n} {scenario} hung for {timeout} s:\n{e.stdout}\n{e.stderr}")
    out = res.stdout + res.stderr
    if expect_ok:
        assert res.returncode == 0, out
        for r in range(n):
            assert f"ok {r}" in res.stdout, out
    return res.returncode, out


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_collectives_match_numpy(n):
    mpirun(n, "collectives")


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_ddp_equals_one_process_on_the_whole_batch(n):
    _, out = mpirun(n, "ddp_equivalence")
    assert "max relative weight difference" in out


@needs_mpi
@pytest.mark.parametrize("scenario", ["ddp_no_sync_and_state", "ddp_unused", "ddp_overlap",
                                      "sync_batchnorm",
                                      "sampler", "init_checks", "mismatch"])
def test_scenarios_two_ranks(scenario):
    mpirun(2, scenario)


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("scenario", ["ddp_comm_paths", "shared_memory_reducer"])
def test_ddp_shared_memory_and_mpi_paths(scenario, n):
    mpirun(n, scenario)


@needs_mpi
@pytest.mark.parametrize("scenario", ["sync_batchnorm", "ddp_unused", "mismatch"])
def test_scenarios_three_ranks(scenario):
    mpirun(3, scenario)


@needs_mpi
def test_failing_rank_aborts_the_others_instead_of_hanging():
    # rank 1 raises while ranks 0 and 2 wait in an all_reduce: without the abort they
    # would wait forever (the timeout turns that into a failure)
    rc, out = mpirun(3, "failing_rank", timeout=60, expect_ok=False)
    assert rc != 0
    assert "ValueError: boom on purpose" in out
    assert "rank 1 of 3 raised an uncaught ValueError" in out
    assert "must not be reached" not in out


@needs_mpi
def test_launcher_sets_torchrun_variables(tmp_path):
    script = tmp_path / "show.py"
    script.write_text(
        "import os, sys\n"
        "import chainrule.distributed as dist\n"
        "dist.init_process_group('gloo', init_method='env://')\n"
        "line = ' '.join(map(str, ['rank', os.environ['RANK'], os.environ['LOCAL_RANK'],\n"
        "    os.environ['WORLD_SIZE'], dist.get_rank(), dist.is_torchelastic_launched(),\n"
        "    sys.argv[1:]]))\n"
        "os.write(1, (line + '\\n').encode())  # one write: the ranks' lines never interleave\n")
    env = dict(os.environ, PYTHONPATH=str(SRC))
    env.pop("OPENBLAS_NUM_THREADS", None)
    res = subprocess.run([sys.executable, "-m", "chainrule.distributed.run", "--nproc-per-node",
                          "2", str(script), "--lr", "0.1"], capture_output=True, text=True,
                         timeout=120, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    for r in range(2):
        assert f"rank {r} {r} 2 {r} True ['--lr', '0.1']" in res.stdout, res.stdout


def test_launcher_command_line():
    from chainrule.distributed.run import mpiexec_command
    cmd = mpiexec_command(["--nproc-per-node", "4", "train.py", "-x"], mpiexec="mpiexec",
                          python="python")
    assert cmd == ["mpiexec", "-n", "4", "python", "-m", "chainrule.distributed._worker",
                   "train.py", "-x"]
    cmd = mpiexec_command(["--nnodes", "2", "--nproc_per_node", "3", "--hostfile", "hosts",
                           "-m", "pkg.train"], mpiexec="mpiexec", python="python",
                          open_mpi=False)
    assert cmd == ["mpiexec", "-n", "6", "-hostfile", "hosts", "-ppn", "3", "python", "-m",
                   "chainrule.distributed._worker", "-m", "pkg.train"]
    for bad in (["--nproc-per-node", "0", "t.py"], ["--nnodes", "2", "t.py"]):
        with pytest.raises(SystemExit):
            mpiexec_command(bad, mpiexec="mpiexec")


def test_missing_mpi_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", None)
    assert not dist.is_available()
    with pytest.raises(RuntimeError, match=r"pip install 'chainrule\[distributed\]'"):
        dist.init_process_group("gloo")
    assert not dist.is_initialized()


def test_not_initialised_errors():
    with pytest.raises(RuntimeError, match="has not been initialized"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="has not been initialized"):
        dist.all_reduce(torch.ones(2))
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl")


# --- DistributedSampler: no processes needed (num_replicas and rank given) ----------------
@pytest.mark.parametrize("n", [1, 2, 10, 1000, 60000])
def test_randperm_is_torchs(n):
    torch_ = pytest.importorskip("torch")
    for seed in (0, 5, 2 ** 33 + 7):
        ref = torch_.randperm(n, generator=torch_.Generator().manual_seed(seed)).tolist()
        assert torch_randperm(n, seed) == ref


@pytest.mark.parametrize("size,replicas", [(10, 3), (23, 4), (7, 7), (5, 8), (64, 2)])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [True, False])
def test_sampler_indices_are_torchs(size, replicas, shuffle, drop_last):
    torch_ = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    ds = list(range(size))
    for rank in range(replicas):
        ours = DistributedSampler(ds, replicas, rank, shuffle=shuffle, seed=11,
                                  drop_last=drop_last)
        theirs = TorchSampler(ds, replicas, rank, shuffle=shuffle, seed=11, drop_last=drop_last)
        for epoch in (0, 3):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)
            assert len(ours) == len(theirs)


def test_sampler_partitions_without_torch():
    s = [DistributedSampler(range(10), 3, r, shuffle=True, seed=1) for r in range(3)]
    got = [list(x) for x in s]
    assert all(len(g) == 4 for g in got)
    flat = sorted(i for g in got for i in g)
    assert set(flat) == set(range(10)) and len(flat) == 12  # padded by repetition
    with pytest.raises(ValueError, match="Invalid rank 3"):
        DistributedSampler(range(10), 3, 3)
    assert np.array_equal(sorted(torch_randperm(100, 3)), np.arange(100))


# --- SyncBatchNorm outside a process group is BatchNorm -------------------------------------
def test_sync_batchnorm_without_process_group_is_batchnorm():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.BatchNorm2d(3),
                              torch.nn.Sequential(torch.nn.BatchNorm2d(3)))
    ref = {k: v.clone() for k, v in net.state_dict().items()}
    sync = torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(sync[1], torch.nn.SyncBatchNorm)
    assert isinstance(sync[2][0], torch.nn.SyncBatchNorm)
    assert sync[1].weight is net[1].weight and sync[1].running_mean is net[1].running_mean
    plain = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.BatchNorm2d(3),
                                torch.nn.Sequential(torch.nn.BatchNorm2d(3)))
    plain.load_state_dict(ref)
    x = torch.randn(4, 2, 3, 3)
    np.testing.assert_allclose(sync(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(sync[1].running_var.numpy(), plain[1].running_var.numpy(),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="at least 2D"):
        torch.nn.SyncBatchNorm(3)(torch.ones(3))


def test_ddp_needs_a_process_group():
    with pytest.raises(RuntimeError, match="has not been initialized"):
        torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))


# --- the example, on 1 process and under mpiexec ---------------------------------------------
@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("n,model", [(1, "mlp"), (2, "mlp"), (2, "lenet")])
def test_ddp_mnist_example(n, model, mnist_dir, tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(SRC))
    cmd = [sys.executable, str(HERE.parent / "examples" / "ddp_mnist.py"), "--data",
           str(mnist_dir), "--model", model, "--epochs", "1", "--train-limit", "640",
           "--max-steps", "4", "--batch-size", "32", "--out", str(tmp_path / "run")]
    if n > 1:
        cmd = [_mpiexec(), "-n", str(n)] + cmd
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("epoch 1: 4 steps") == 1, res.stdout  # rank 0 alone logs
    assert f"{n} process(es)" in res.stdout
    ckpt = torch.load(tmp_path / "run" / "checkpoint.safetensors")
    assert ckpt["epoch"] == 1 and not any(k.startswith("module.") for k in ckpt["model"])
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["checkpoint.safetensors"]
