"""A torchrun-like launcher over mpiexec, for users who do not know MPI.

    python -m chainrule.distributed.run --nproc-per-node 4 train.py --epochs 3

runs `mpiexec -n 4 python -m chainrule.distributed._worker train.py --epochs 3`: each
process gets torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
MASTER_ADDR, MASTER_PORT), BLAS limited to its share of the cores (cores // nproc, unless
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS is set), and an uncaught exception on any rank
aborts the whole job instead of leaving the others waiting.

Several machines: list them in a host file (one host name per line; MPICH also reads
"host:slots") and give the node count; every machine needs the same Python environment
and the script at the same path, and must accept ssh from the first one:

    python -m chainrule.distributed.run --nnodes 2 --nproc-per-node 4 --hostfile hosts train.py

(the same as `mpiexec -n 8 -ppn 4 -hostfile hosts python train.py` with MPICH, or
`mpirun -n 8 -npernode 4 --hostfile hosts python train.py` with Open MPI).
"""
import argparse
import os
import shutil
import subprocess
import sys

__all__ = ["main", "mpiexec_command"]


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m chainrule.distributed.run",
        description="Start N processes of a training script with mpiexec (torchrun's options).")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, dest="nproc",
                   help="processes per machine (default 1)")
    p.add_argument("--nnodes", type=int, default=1, help="machines (needs --hostfile when > 1)")
    p.add_argument("--hostfile", default=None, help="MPI host file listing the machines")
    p.add_argument("--mpiexec", default=None,
                   help="the mpiexec to use (default: the one beside this Python, or on PATH)")
    p.add_argument("--threads-per-proc", type=int, default=None,
                   help="BLAS threads per process (default: cores // nproc-per-node)")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the script argument as a module (python -m)")
    p.add_argument("script", help="the training script (or module with -m)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    return p


def _find_mpiexec():
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.exists(local):
        return local
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        sys.exit("chainrule.distributed.run: no mpiexec found: pip install "
                 "'chainrule[distributed]' (mpi4py and the mpich wheel), or install an MPI "
                 "implementation")
    return found


def _is_open_mpi(mpiexec):
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "open mpi" in (out.stdout + out.stderr).lower()


def mpiexec_command(argv, mpiexec=None, python=None, open_mpi=None):
    """The mpiexec command line for run's arguments `argv` (a list, as sys.argv[1:]).

    >>> from chainrule.distributed.run import mpiexec_command
    >>> mpiexec_command(["--nproc-per-node", "4", "train.py", "--epochs", "3"],
    ...                 mpiexec="mpiexec", python="python")
    ['mpiexec', '-n', '4', 'python', '-m', 'chainrule.distributed._worker', 'train.py',
     '--epochs', '3']
    """
    a = _parser().parse_args(argv)
    if a.nproc < 1 or a.nnodes < 1:
        sys.exit(f"chainrule.distributed.run: --nproc-per-node ({a.nproc}) and --nnodes "
                 f"({a.nnodes}) must be at least 1")
    if a.nnodes > 1 and not a.hostfile:
        sys.exit("chainrule.distributed.run: --nnodes > 1 needs --hostfile (the machines' names)")
    mpiexec = mpiexec or a.mpiexec or _find_mpiexec()
    python = python or sys.executable
    cmd = [mpiexec, "-n", str(a.nproc * a.nnodes)]
    if a.hostfile:
        cmd += ["-hostfile", a.hostfile]
        if open_mpi is None:
            open_mpi = _is_open_mpi(mpiexec)
        cmd += ["-npernode" if open_mpi else "-ppn", str(a.nproc)]
    cmd += [python, "-m", "chainrule.distributed._worker"]
    if a.module:
        cmd.append("-m")
    cmd += [a.script] + a.args
    return cmd


def main(argv=None):
    """Start the script's processes with mpiexec (run's command line); returns its exit status.

    >>> import pathlib, tempfile
    >>> from chainrule.distributed.run import main
    >>> script = pathlib.Path(tempfile.mkdtemp()) / "check.py"
    >>> _ = script.write_text("import chainrule, chainrule.distributed as dist\\n"
    ...                       "dist.init_process_group()\\n"
    ...                       "t = chainrule.ones(1)\\n"
    ...                       "dist.all_reduce(t)\\n"
    ...                       "assert t.item() == dist.get_world_size() == 2\\n")
    >>> main(["--nproc-per-node", "2", str(script)])     # 0: both ranks succeeded
    0
    >>> import shutil; shutil.rmtree(script.parent)
    """
    argv = sys.argv[1:] if argv is None else argv
    a = _parser().parse_args(argv)
    cmd = mpiexec_command(argv)
    env = dict(os.environ)
    if not any(env.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")):
        share = a.threads_per_proc or max(1, (os.cpu_count() or 1) // a.nproc)
        env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(share)
    env.setdefault("TORCHELASTIC_RUN_ID", f"chainrule-{os.getpid()}")
    env["CHAINRULE_NPROC_PER_NODE"] = str(a.nproc)
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
