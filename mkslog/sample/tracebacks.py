"""The Python tracebacks of the sample week: the Flask app's views, its database layer, gunicorn's boot.

Frames point at the real install paths (``APP_DIR``, ``VENV``) and at plausible line numbers, the
same for every traceback of the same failure, as a real log repeats them.

Example (the last line of the missing-field bug's traceback):

>>> from mkslog.sample.request import Request
>>> r = Request(0.0, "10.1.0.2", "POST", "/api/v1/knowledge", 500, 265, "-", ep="create", err="key")
>>> app_traceback(r).splitlines()[-1]
"KeyError: 'project_id'"
"""

from __future__ import annotations

from .request import Request
from .system import APP_DIR, VENV

DB_VIEWS = {  # endpoint -> (line in app_v2.py, function, source line); the frames of a database error
    "detail": (412, "get_knowledge", 'row = db.fetch("SELECT * FROM knowledge WHERE id = %s", (knowledge_id,))'),
    "search": (458, "search_knowledge", "rows = db.fetch_all(SEARCH_SQL, {\"q\": q, \"offset\": (page - 1) * 20})"),
    "attach": (498, "get_attachment", "meta = db.fetch(ATTACHMENT_SQL, (knowledge_id, attachment_id))"),
    "create": (541, "create_knowledge", "new_id = db.insert_knowledge(payload, user=g.user)"),
    "update": (572, "update_knowledge", "db.update_knowledge(knowledge_id, payload, user=g.user)"),
    "delete": (596, "delete_knowledge", "db.delete_knowledge(knowledge_id, user=g.user)"),
    "project": (611, "get_project", 'project = db.fetch("SELECT * FROM projects WHERE id = %s", (project_id,))'),
    "sop": (702, "get_sop", 'sop = db.fetch("SELECT * FROM sops WHERE id = %s", (sop_id,))'),
    "notif": (771, "list_notifications", "rows = db.fetch_all(NOTIFICATIONS_SQL, (g.user.id,))"),
    "refresh": (233, "refresh_token", "session = db.fetch_session(refresh_jti)"),
    "login": (188, "login", "user = db.fetch_user(username)"),
    "health": (95, "health", "db.ping()"),
}

# the database refuses connections: the last frames of every database error of the outage
_OPERATIONAL = "psycopg2.OperationalError: could not connect to server: Connection refused"
_PG_CONNECT = (
    f'  File "{VENV}/psycopg2/pool.py", line 63, in _connect',
    "    conn = psycopg2.connect(*self._args, **self._kwargs)",
    f'  File "{VENV}/psycopg2/__init__.py", line 122, in connect',
    "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
)
BOOT_TRACEBACK = "\n".join((
    "Traceback (most recent call last):",
    f'  File "{VENV}/gunicorn/arbiter.py", line 608, in spawn_worker',
    "    worker.init_process()",
    f'  File "{VENV}/gunicorn/workers/base.py", line 135, in init_process',
    "    self.load_wsgi()",
    f'  File "{VENV}/gunicorn/workers/base.py", line 147, in load_wsgi',
    "    self.wsgi = self.app.wsgi()",
    f'  File "{VENV}/gunicorn/app/base.py", line 66, in wsgi',
    "    self.callable = self.load()",
    f'  File "{VENV}/gunicorn/app/wsgiapp.py", line 57, in load',
    "    return self.load_wsgiapp()",
    f'  File "{VENV}/gunicorn/app/wsgiapp.py", line 47, in load_wsgiapp',
    "    return util.import_app(self.app_uri)",
    f'  File "{VENV}/gunicorn/util.py", line 370, in import_app',
    "    mod = importlib.import_module(module)",
    '  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module',
    "    return _bootstrap._gcd_import(name[level:], package, level)",
    '  File "<frozen importlib._bootstrap>", line 1204, in _gcd_import',
    '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load',
    '  File "<frozen importlib._bootstrap>", line 1147, in _find_and_load_unlocked',
    '  File "<frozen importlib._bootstrap>", line 690, in _load_unlocked',
    '  File "<frozen importlib._bootstrap_external>", line 940, in exec_module',
    '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
    f'  File "{APP_DIR}/app_v2.py", line 58, in <module>',
    '    db = Database(app.config["DATABASE_URL"], minconn=2, maxconn=10)',
    f'  File "{APP_DIR}/db.py", line 31, in __init__',
    "    self.pool = ThreadedConnectionPool(minconn, maxconn, dsn)",
    f'  File "{VENV}/psycopg2/pool.py", line 161, in __init__',
    "    AbstractConnectionPool.__init__(",
    f'  File "{VENV}/psycopg2/pool.py", line 59, in __init__',
    "    self._connect()",
    *_PG_CONNECT,
    _OPERATIONAL,
))

# a view raised: the Flask frames above it, then its own frame, then where it failed
_FLASK_FRAMES = (
    f'  File "{VENV}/flask/app.py", line 917, in full_dispatch_request',
    "    rv = self.dispatch_request()",
    f'  File "{VENV}/flask/app.py", line 902, in dispatch_request',
    "    return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)  # type: ignore[no-any-return]",
)
DB_FRAMES = (
    f'  File "{APP_DIR}/db.py", line 88, in _execute',
    "    conn = self.pool.getconn()",
    f'  File "{VENV}/psycopg2/pool.py", line 169, in getconn',
    "    return self._getconn(key)",
    f'  File "{VENV}/psycopg2/pool.py", line 93, in _getconn',
    "    return self._connect(key)",
    *_PG_CONNECT,
    _OPERATIONAL,
)
_BUGS = {  # err -> (line, function, source line, exception line)
    "key": (536, "create_knowledge", 'project_id = payload["project_id"]', "KeyError: 'project_id'"),
    "value": (449, "search_knowledge", 'page = int(request.args.get("page", 1))',
              "ValueError: invalid literal for int() with base 10: 'abc'"),
    "type": (614, "get_project", 'members = project["members"]',
             "TypeError: 'NoneType' object is not subscriptable"),
}


def app_traceback(r: Request) -> str:
    """The traceback of an application 500: a database error of its view, or one of the bugs."""
    if r.err == "db":
        line, func, src = DB_VIEWS[r.ep]
        tail = DB_FRAMES
    else:
        line, func, src, exc = _BUGS[r.err]
        tail = (exc,)
    frame = (f'  File "{APP_DIR}/app_v2.py", line {line}, in {func}', f"    {src}")
    return "\n".join(("Traceback (most recent call last):", *_FLASK_FRAMES, *frame, *tail))
