"""Every environment variable the hub reads is documented once, in docs/settings.md's table.

The variables are found by parsing the project's own Python code with `ast`: each call of the
settings' readers (`env`, `envbool`, `envint`, `envlist`, `envrate`) anywhere under spirtuoz/,
and each direct `os.environ` read (`.get`, `.setdefault`, `[...]`, `in`, `os.getenv`) anywhere
outside tests/, bench/, examples/ and clients/, which are not the hub.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path


def _project_root() -> Path:
    """The folder with manage.py, wherever under tests/ this file is moved."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "manage.py").is_file():
            return folder
    raise AssertionError("no manage.py above this test")


BASE_DIR = _project_root()
SETTINGS_TABLE = BASE_DIR / "docs" / "settings.md"
ENV_EXAMPLE = BASE_DIR / ".env.example"

# Folders whose code is not the hub's: the suite, the benchmark, what authors copy, and
# anything that is not the project's own (virtualenvs, Node modules, collected static files).
NOT_THE_HUB = {
    "tests",
    "bench",
    "examples",
    "clients",
    "node_modules",
    "staticfiles",
    "__pycache__",
}
SETTING_READERS = {"env", "envbool", "envint", "envlist", "envrate"}
ENVIRON_METHODS = {"get", "setdefault", "pop"}

# Read by the code but set by nobody else: each entry point sets it to the one settings module
# the hub has (manage.py, wsgi.py, asgi.py, the server) before Django starts.
INTERNAL = {"DJANGO_SETTINGS_MODULE"}

# Set by users and documented, but read by no Python of the project: bin/prepare (run by
# `make run` and by Render's build) creates the admin user from them with Django's
# `createsuperuser --noinput`. Each maps to the file and the text in it that reads it, so this
# list cannot outlive the script.
READ_OUTSIDE_PYTHON = {
    "DJANGO_SUPERUSER_USERNAME": ("bin/prepare", "DJANGO_SUPERUSER_USERNAME"),
    "DJANGO_SUPERUSER_PASSWORD": ("bin/prepare", "createsuperuser --noinput"),
    "DJANGO_SUPERUSER_EMAIL": ("bin/prepare", "createsuperuser --noinput"),
}

TABLE_ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|(.*)\|\s*$")
# An assignment, as spirtuoz/envfile.py recognises one when it writes the first .env.
ENV_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _hub_python_files() -> Iterator[Path]:
    for path in sorted(BASE_DIR.rglob("*.py")):
        parts = path.relative_to(BASE_DIR).parts[:-1]
        if not any(part in NOT_THE_HUB or part.startswith(".") for part in parts):
            yield path


def _from_os(tree: ast.AST) -> dict[str, str]:
    """What a module imports from os (`from os import environ as env`): bound name -> os's name."""
    return {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "os"
        for alias in node.names
    }


def _is_os(node: ast.expr, name: str, from_os: dict[str, str]) -> bool:
    """`os.<name>`, or `<name>` imported from os; a WSGI `environ` argument is neither."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ) or (isinstance(node, ast.Name) and from_os.get(node.id) == name)


def _name_of(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _environ_reads(tree: ast.AST) -> Iterator[tuple[ast.expr | None, ast.AST]]:
    """(the expression naming the variable, the read) for every direct read of the environment:
    `os.environ.get(NAME)` (or `.setdefault`, `.pop`), `os.getenv(NAME)`, `os.environ[NAME]`
    and `NAME in os.environ`."""
    from_os = _from_os(tree)
    for node in ast.walk(tree):
        match node:
            case ast.Call(func=ast.Attribute(attr=method, value=owner), args=args) if (
                method in ENVIRON_METHODS and _is_os(owner, "environ", from_os)
            ):
                yield (args[0] if args else None), node
            case ast.Call(func=func, args=args) if _is_os(func, "getenv", from_os):
                yield (args[0] if args else None), node
            case ast.Subscript(value=owner, slice=named, ctx=ast.Load()) if _is_os(
                owner, "environ", from_os
            ):
                yield named, node
            case ast.Compare(left=named, ops=[ast.In() | ast.NotIn()], comparators=[owner]) if (
                _is_os(owner, "environ", from_os)
            ):
                yield named, node


def _setting_reader_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in SETTING_READERS:
                yield node


def _reader_bodies(tree: ast.AST) -> set[int]:
    """ids of the nodes inside the settings' reader functions, which read a name they are given."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in SETTING_READERS:
            inside.update(id(child) for child in ast.walk(node))
    return inside


def variables_read_by_the_code() -> set[str]:
    names = set()
    for path in _hub_python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        if path.relative_to(BASE_DIR).parts[0] == "spirtuoz":
            names.update(
                _name_of(call.args[0]) for call in _setting_reader_calls(tree) if call.args
            )
        names.update(_name_of(named) for named, _read in _environ_reads(tree))
    names.discard(None)
    return names


def variables_in_the_table() -> list[str]:
    return [
        match.group(1)
        for line in SETTINGS_TABLE.read_text().splitlines()
        if (match := TABLE_ROW.match(line))
    ]


def test_it_finds_the_settings_it_is_meant_to_find():
    # Guards the parser itself: one of each kind of read it must see.
    found = variables_read_by_the_code()

    assert {"SECRET_KEY", "DEBUG", "PORT", "ALLOWED_HOSTS", "HOST_AUTH_FAIL_RATE"} <= found
    assert {"ENV_FILE", "DJANGO_SETTINGS_MODULE"} <= found


def test_every_environment_read_names_its_variable():
    unnamed = []
    for path in _hub_python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        readers = _reader_bodies(tree)
        for named, read in _environ_reads(tree):
            if _name_of(named) is None and id(read) not in readers:
                unnamed.append(f"{path.relative_to(BASE_DIR)}:{read.lineno}")
        if path.relative_to(BASE_DIR).parts[0] == "spirtuoz":
            for call in _setting_reader_calls(tree):
                if id(call) not in readers and not (call.args and _name_of(call.args[0])):
                    unnamed.append(f"{path.relative_to(BASE_DIR)}:{call.lineno}")

    assert unnamed == [], "a variable named at run time cannot be checked against the docs"


def test_every_setting_the_code_reads_is_in_the_table():
    missing = variables_read_by_the_code() - INTERNAL - set(variables_in_the_table())

    assert missing == set(), f"add these to {SETTINGS_TABLE.relative_to(BASE_DIR)}"


def test_every_setting_in_the_table_is_read_by_the_code():
    read = variables_read_by_the_code() | set(READ_OUTSIDE_PYTHON)

    assert set(variables_in_the_table()) - read == set()


def test_the_internal_variables_are_not_in_the_table():
    assert INTERNAL & set(variables_in_the_table()) == set()


def test_the_variables_read_outside_python_are_still_read_there():
    for name, (script, text) in READ_OUTSIDE_PYTHON.items():
        assert text in (BASE_DIR / script).read_text(), name


def test_the_table_names_each_variable_once():
    names = variables_in_the_table()

    assert sorted(name for name in set(names) if names.count(name) > 1) == []


def test_every_row_of_the_table_says_what_the_variable_means():
    for line in SETTINGS_TABLE.read_text().splitlines():
        if match := TABLE_ROW.match(line):
            default, meaning = (cell.strip() for cell in match.group(2).split("|", 1))
            assert default, match.group(1)
            assert meaning, match.group(1)


def test_every_variable_in_env_example_is_in_the_table():
    in_example = set(ENV_ASSIGNMENT.findall(ENV_EXAMPLE.read_text()))

    assert in_example
    assert in_example - set(variables_in_the_table()) == set()
