"""chainrule's benchmark suite (apart from the tests): `make bench` or `python benchmarks/run.py`."""
