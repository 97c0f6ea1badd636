"""One process of `python -m chainrule.distributed.run`: set torchrun's environment from
MPI's, run the script as __main__, and abort the whole job if it raises.

It must not import NumPy before the environment is set (OpenBLAS reads its thread count
when it loads), so the MPI rank comes from the launcher's environment variables.
"""
import os
import runpy
import sys
import traceback


def _mpi_env():
    """(rank, size, local_rank, local_size) from MPICH's or Open MPI's environment."""
    e = os.environ
    if "OMPI_COMM_WORLD_RANK" in e:
        return (int(e["OMPI_COMM_WORLD_RANK"]), int(e["OMPI_COMM_WORLD_SIZE"]),
                int(e.get("OMPI_COMM_WORLD_LOCAL_RANK", 0)),
                int(e.get("OMPI_COMM_WORLD_LOCAL_SIZE", 1)))
    if "PMI_RANK" in e:
        size = int(e.get("PMI_SIZE", 1))
        return (int(e["PMI_RANK"]), size, int(e.get("MPI_LOCALRANKID", e["PMI_RANK"])),
                int(e.get("MPI_LOCALNRANKS", size)))
    from mpi4py import MPI  # another MPI: ask it (before NumPy is imported is fine)
    c = MPI.COMM_WORLD
    local = c.Split_type(MPI.COMM_TYPE_SHARED)
    return c.Get_rank(), c.Get_size(), local.Get_rank(), local.Get_size()


def main():
    args = sys.argv[1:]
    as_module = bool(args) and args[0] == "-m"
    if as_module:
        args = args[1:]
    if not args:
        sys.exit("chainrule.distributed._worker: no script given")
    rank, size, local_rank, local_size = _mpi_env()
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(size), LOCAL_RANK=str(local_rank),
                      LOCAL_WORLD_SIZE=str(local_size), GROUP_RANK=str(rank // max(local_size, 1)))
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    sys.argv = list(args)
    try:
        if as_module:
            runpy.run_module(args[0], run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
            runpy.run_path(args[0], run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0) and size > 1:
            _abort(rank, size, f"exited with status {e.code}")
        raise
    except BaseException as e:  # noqa: BLE001 - any failure must bring the job down
        traceback.print_exc()
        if size > 1:
            _abort(rank, size, f"raised an uncaught {type(e).__name__} (traceback above)")
        raise SystemExit(1) from None


def _abort(rank, size, what):
    sys.stderr.write(f"chainrule.distributed: rank {rank} of {size} {what}; aborting all "
                     "ranks (MPI_Abort)\n")
    sys.stderr.flush()
    from mpi4py import MPI
    MPI.COMM_WORLD.Abort(1)


if __name__ == "__main__":
    main()
