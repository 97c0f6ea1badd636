"""`chainrule playground`: the subcommand (registered by chainrule.cli). Importing this
needs only chainrule; the server's web library (aiohttp) is imported when it runs, with a
clear message when the `playground` extra is not installed."""
import ipaddress
import sys


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args):
    """Start the server (blocks until Ctrl-C).

    >>> import argparse
    >>> from chainrule.playground.cli import run
    >>> args = argparse.Namespace(host="127.0.0.1", port=0, browser=False)
    >>> run(args)      # serves on the network until Ctrl-C # doctest: +SKIP
    chainrule playground: http://127.0.0.1:...  (Ctrl-C stops it)
    """
    from ..cli import UserError
    try:
        from .server import serve
    except ModuleNotFoundError as e:
        if e.name != "aiohttp":
            raise
        raise UserError("the playground needs aiohttp: pip install 'chainrule[playground]'")
    if not _is_loopback(args.host):
        print(f"chainrule playground: warning: listening on {args.host}, not 127.0.0.1: "
              "other machines can reach it (it refuses other web sites' pages, but anyone "
              "on the network can train here)", file=sys.stderr)
    try:
        serve(args.host, args.port, open_browser=args.browser)
    except OSError as e:
        raise UserError(str(e))
    return 0


def _port(s):
    import argparse
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {s!r}")
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {v}")
    return v


def register(subparsers):
    """Add `chainrule playground` to the command's subparsers.

    >>> import argparse
    >>> from chainrule.playground.cli import register
    >>> parser = argparse.ArgumentParser(prog="chainrule")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["playground", "--port", "8080", "--no-browser"])
    >>> args.host, args.port, args.browser, args.func.__name__
    ('127.0.0.1', 8080, False, 'run')
    """
    p = subparsers.add_parser(
        "playground", help="the lecture's networks live in the browser, with their gradients",
        description="Start the playground, a local web app: small networks learn 2-D data "
                    "sets while you watch, and any point's forward values and gradients can "
                    "be stepped through node by node. Ctrl-C stops it.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    p.add_argument("--no-browser", dest="browser", action="store_false",
                   help="do not open the page in a browser")
    p.set_defaults(func=run)
