"""The playground's web server (aiohttp): the page, a JSON API and one WebSocket per tab.

    chainrule playground [--host 127.0.0.1] [--port N] [--no-browser]

Each browser tab opens a WebSocket (/ws); its first message creates the tab's `Session`,
which lives as long as the socket (closing the tab frees it). While the tab plays, the
server trains in slices (one epoch or 20 ms) and streams a frame after each. The same
commands are also an HTTP API (POST /api/session, POST /api/session/{id}/{command}) for
scripts and tests; those sessions expire after IDLE_SECONDS without use.

Safety: listens on 127.0.0.1 unless told otherwise; refuses requests whose Origin is
another site, and Host names other than localhost / IP literals (DNS rebinding); every
parameter is validated by `Config` (an HTTP 400 / an error reply naming the setting, never
a traceback). chainrule's grad mode is process-wide, so all sessions' work runs on one
worker thread, in order (the event loop stays free to serve other tabs meanwhile).
"""
import asyncio
import ipaddress
import json
import logging
import pathlib
import secrets
import signal
import socket
import sys
import threading
import time
import webbrowser
from concurrent.futures import ThreadPoolExecutor

from aiohttp import WSMsgType, web

from .session import CHOICES, LIMITS, MAX_LAYERS, MAX_UNITS, Config, ConfigError, Session

__all__ = ["make_app", "serve", "COMMANDS"]

STATIC = pathlib.Path(__file__).parent / "static"
IDLE_SECONDS = 15 * 60      # HTTP-API sessions without a request for this long are removed
MAX_SESSIONS = 64
MAX_STEPS = 100             # epochs one `step` command may ask for
log = logging.getLogger("chainrule.playground")
PG = web.AppKey("pg", object)              # the app's Playground
PORT = web.AppKey("port", int)
WS_SESSIONS = web.AppKey("ws_sessions", set)


class ApiError(Exception):
    """A request the server refuses: HTTP status and a one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _args(body, *names, optional=()):
    if not isinstance(body, dict):
        raise ConfigError("expected a JSON object of arguments")
    extra = set(body) - set(names) - set(optional)
    if extra:
        raise ConfigError(f"unknown argument {sorted(extra)[0]!r}")
    missing = [n for n in names if n not in body]
    if missing:
        raise ConfigError(f"missing argument {missing[0]!r}")
    return body


def _cmd_step(s, a):
    _args(a, optional=("n",))
    n = a.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STEPS:
        raise ConfigError(f"n: epochs per step must be an integer from 1 to {MAX_STEPS}, "
                          f"got {n!r}")
    for _ in range(n):
        s.step()
    return s.frame()


def _cmd_update(s, a):
    _args(a, "config")
    s.update(a["config"])
    return s.state()


def _cmd_set_weight(s, a):
    _args(a, "layer", "to", "value", optional=("from",))
    return s.set_weight(a["layer"], a["to"], a.get("from"), a["value"])


def _cmd_backprop(s, a):
    _args(a, "split", "index")
    return s.backprop(a["split"], a["index"])


def _plain(method):
    def run(s, a):
        _args(a)
        return method(s)
    return run


# command -> fn(session, args dict) -> JSON-ready result; run on the worker thread.
COMMANDS = {
    "state": _plain(Session.state),
    "frame": _plain(Session.frame),
    "step": _cmd_step,
    "update": _cmd_update,
    "reset": _plain(lambda s: (s.reset(), s.state())[1]),
    "regenerate": _plain(lambda s: (s.regenerate(), s.state())[1]),
    "set_weight": _cmd_set_weight,
    "backprop": _cmd_backprop,
    "gradcheck": _plain(Session.gradcheck),
    "script": _plain(lambda s: {"type": "script", "script": s.export_script()}),
}


class Playground:
    """The server's state: sessions by id and the one worker thread that runs them."""

    def __init__(self):
        self.sessions = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playground")
        self.stats = {"created": 0, "closed": 0}

    async def run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.worker, fn, *args)

    async def create(self, config):
        if len(self.sessions) >= MAX_SESSIONS:
            raise ApiError(503, f"too many open sessions ({MAX_SESSIONS}); close some tabs")
        cfg = Config.parse(config)            # validation is cheap: on the loop thread
        session = await self.run(Session, cfg)
        sid = secrets.token_urlsafe(12)
        self.sessions[sid] = session
        self.stats["created"] += 1
        return sid, session

    def drop(self, sid):
        if self.sessions.pop(sid, None) is not None:
            self.stats["closed"] += 1

    def get(self, sid):
        s = self.sessions.get(sid)
        if s is None:
            raise ApiError(404, f"no session {sid!r} (closed or expired)")
        s.last_used = time.monotonic()
        return s

    async def command(self, session, name, args):
        fn = COMMANDS.get(name)
        if fn is None:
            raise ConfigError(f"unknown command {name!r} (known: {', '.join(COMMANDS)})")
        return await self.run(fn, session, args if args is not None else {})

    def reap(self, now=None, keep=()):
        """Remove HTTP sessions idle for IDLE_SECONDS (WebSocket ones end with the socket)."""
        now = time.monotonic() if now is None else now
        for sid, s in list(self.sessions.items()):
            if sid not in keep and now - s.last_used > IDLE_SECONDS:
                self.drop(sid)


# --- safety -------------------------------------------------------------------------------

def _host_ok(hostport, port):
    """Host header: localhost or an IP literal, on our port (names could be rebound)."""
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        p = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, p = hostport.partition(":")
    if p and p != str(port):
        return False
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


@web.middleware
async def guard(request, handler):
    """Refuse cross-site requests: a web page in the user's browser must not drive the
    server. Also turns every error into JSON with a one-line message."""
    port = request.app[PORT]
    host = request.headers.get("Host", "")
    if not _host_ok(host, port):
        return _error(403, f"refused: Host {host!r} is not this server")
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"http://{host}":
        return _error(403, f"refused: a request from another site ({origin})")
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return _error(403, "refused: a cross-site request")
    if request.method == "POST" and request.content_type != "application/json":
        return _error(415, "POST bodies must be application/json")
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ApiError as e:
        return _error(e.status, str(e))
    except ConfigError as e:
        return _error(400, str(e))
    except Exception as e:          # a bug: log it here, one line to the client
        log.exception("playground: %s %s failed", request.method, request.path)
        return _error(500, f"internal error ({type(e).__name__}); see the server's log")


def _error(status, message):
    return web.json_response({"error": message}, status=status)


async def _json(request):
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError("the request body is not valid JSON") from None


# --- HTTP -------------------------------------------------------------------------------

async def index(request):
    return web.FileResponse(STATIC / "index.html",
                            headers={"Cache-Control": "no-store",
                                     "Content-Security-Policy": "default-src 'self'; "
                                     "img-src 'self' data: blob:; connect-src 'self'"})


async def limits(request):
    return web.json_response({"limits": {k: [lo, hi] for k, (_, lo, hi) in LIMITS.items()},
                              "choices": CHOICES, "maxLayers": MAX_LAYERS,
                              "maxUnits": MAX_UNITS, "commands": list(COMMANDS),
                              "maxSteps": MAX_STEPS})


async def create_session(request):
    pg = request.app[PG]
    body = await _json(request)
    _args(body, optional=("config",))
    sid, session = await pg.create(body.get("config"))
    return web.json_response({"id": sid, "state": await pg.run(session.state)})


async def session_command(request):
    pg = request.app[PG]
    session = pg.get(request.match_info["sid"])
    result = await pg.command(session, request.match_info["command"], await _json(request))
    return web.json_response(result)


async def delete_session(request):
    pg = request.app[PG]
    pg.get(request.match_info["sid"])
    pg.drop(request.match_info["sid"])
    return web.json_response({"deleted": request.match_info["sid"]})


async def checkpoint(request):
    pg = request.app[PG]
    data = await pg.run(pg.get(request.match_info["sid"]).export_checkpoint)
    return web.Response(body=data, content_type="application/octet-stream", headers={
        "Content-Disposition": 'attachment; filename="playground_model.safetensors"'})


async def script(request):
    pg = request.app[PG]
    text = await pg.run(pg.get(request.match_info["sid"]).export_script)
    return web.Response(text=text, content_type="text/x-python", headers={
        "Content-Disposition": 'attachment; filename="playground_model.py"'})


# --- WebSocket ----------------------------------------------------------------------------

async def websocket(request):
    """One tab: {"id", "cmd", "args"} messages in; replies {"type": "reply", "id",
    "result" | "error"} and, while playing, {"type": "frame", ...} out."""
    pg = request.app[PG]
    # no permessage-deflate: on localhost compressing ~50 kB frames only costs CPU
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1 << 20, compress=False)
    await ws.prepare(request)
    sid = None
    player = None
    playing = asyncio.Event()

    async def send(obj):
        if ws.closed:
            return
        try:
            await ws.send_str(json.dumps(obj, separators=(",", ":")))
        except ConnectionError:          # the tab went away mid-frame: the loop ends
            pass

    async def play():
        while not ws.closed:
            await playing.wait()
            session = pg.sessions.get(sid)
            if session is None:
                return
            frame = await pg.run(session.advance)
            await send(frame)
            if frame.get("converged"):
                playing.clear()
                await send({"type": "paused", "reason": "converged"})

    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                m = json.loads(msg.data)
                if not isinstance(m, dict):
                    raise ConfigError("a message must be a JSON object")
            except (json.JSONDecodeError, ConfigError) as e:
                await send({"type": "reply", "id": None, "error": f"bad message: {e}"})
                continue
            mid, cmd, args = m.get("id"), m.get("cmd"), m.get("args") or {}
            try:
                if cmd == "init":
                    if sid is not None:
                        raise ConfigError("init: this tab already has a session")
                    warning = None
                    try:
                        sid, session = await pg.create(args.get("config"))
                    except ConfigError as e:        # a bad shared link: defaults, and say why
                        warning = str(e)
                        sid, session = await pg.create({})
                    state = await pg.run(session.state)
                    state["warning"] = warning
                    state["session"] = sid
                    request.app[WS_SESSIONS].add(sid)
                    player = asyncio.ensure_future(play())
                    result = state
                elif sid is None:
                    raise ConfigError("send init first")
                elif cmd in ("play", "pause"):
                    (playing.set if cmd == "play" else playing.clear)()
                    result = {"playing": playing.is_set()}
                else:
                    result = await pg.command(pg.get(sid), cmd, args)
                await send({"type": "reply", "id": mid, "result": result})
            except (ConfigError, ApiError) as e:
                await send({"type": "reply", "id": mid, "error": str(e)})
            except Exception as e:
                log.exception("playground: command %r failed", cmd)
                await send({"type": "reply", "id": mid,
                            "error": f"internal error ({type(e).__name__}); see the log"})
    finally:
        if player is not None:
            player.cancel()
        if sid is not None:
            request.app[WS_SESSIONS].discard(sid)
            pg.drop(sid)
    return ws


async def _reaper(app):
    async def loop():
        while True:
            await asyncio.sleep(60)
            app[PG].reap(keep=app[WS_SESSIONS])
    task = asyncio.ensure_future(loop())
    yield
    task.cancel()


def make_app(port):
    """The aiohttp application; `port` is the one it is served on (for the Host check).

    >>> from chainrule.playground.server import make_app
    >>> app = make_app(8000)
    >>> [f"{r.method} {r.resource.canonical}" for r in app.router.routes()][:3]
    ['HEAD /', 'GET /', 'GET /static']
    """
    app = web.Application(middlewares=[guard], client_max_size=1 << 20)
    app[PG] = Playground()
    app[PORT] = port
    app[WS_SESSIONS] = set()
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC, show_index=False)
    app.router.add_get("/api/limits", limits)
    app.router.add_post("/api/session", create_session)
    app.router.add_post("/api/session/{sid}/{command}", session_command)
    app.router.add_delete("/api/session/{sid}", delete_session)
    app.router.add_get("/api/session/{sid}/checkpoint", checkpoint)
    app.router.add_get("/api/session/{sid}/script", script)
    app.router.add_get("/ws", websocket)
    app.cleanup_ctx.append(_reaper)

    async def shutdown(app):
        app[PG].worker.shutdown(wait=False, cancel_futures=True)
    app.on_cleanup.append(shutdown)
    return app


def bind(host="127.0.0.1", port=0):
    """A listening socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise OSError(e.errno, f"cannot listen on {host}:{port} ({e.strerror})") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def _serve(sock, ready=None, stop=None):
    port = sock.getsockname()[1]
    runner = web.AppRunner(make_app(port), handle_signals=False, access_log=None,
                           shutdown_timeout=1.0)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass          # not the main thread, or Windows: KeyboardInterrupt still works
    if ready is not None:
        ready(runner.app)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def url_of(sock):
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(host="127.0.0.1", port=0, open_browser=True, out=sys.stdout):
    """Run the playground until Ctrl-C; prints its URL (and opens it in the browser).

    >>> from chainrule.playground.server import serve
    >>> serve(port=8000, open_browser=False)   # serves on the network until Ctrl-C # doctest: +SKIP
    chainrule playground: http://127.0.0.1:8000/  (Ctrl-C stops it)
    """
    sock = bind(host, port)
    url = url_of(sock)
    print(f"chainrule playground: {url}  (Ctrl-C stops it)", file=out, flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        asyncio.run(_serve(sock))
    except KeyboardInterrupt:
        pass
    print("chainrule playground: stopped", file=out, flush=True)


class BackgroundServer:
    """The playground on a free port in a background thread (tests, the demo report).

    >>> import json, urllib.request
    >>> from chainrule.playground.server import BackgroundServer
    >>> with BackgroundServer() as url:          # http://127.0.0.1:PORT/
    ...     with urllib.request.urlopen(url + "api/limits") as r:
    ...         limits = json.load(r)
    >>> sorted(limits)[:4]
    ['choices', 'commands', 'limits', 'maxLayers']
    """

    def __init__(self, host="127.0.0.1", port=0):
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.app = None

    def __enter__(self):
        started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop = None

        def ready(app):
            self.app = app
            started.set()

        def main():
            asyncio.set_event_loop(self._loop)
            self._stop = asyncio.Event()
            self._loop.run_until_complete(_serve(self.sock, ready, self._stop))

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        if not started.wait(30):
            raise RuntimeError("the playground server did not start")
        return self.url

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._loop.close()
