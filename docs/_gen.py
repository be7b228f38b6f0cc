"""Pages generated at build time from the installed package (called by conf.py).

Into docs/_generated/ (not committed): one API page per public module, the
name-by-name tables of the guides for JAX, PyTorch and HIPS autograd users, and
pages that include Markdown files living elsewhere (CONTRIBUTING.md). Every
functrace name a table mentions is looked up here, so a renamed function fails
the build instead of leaving a stale table.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import os
import shutil
import types

import functrace
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from public_api import NUMPY_MIRRORS, OPTIONAL, exported, public_modules  # noqa: E402  (tools/)

# Pages that other work adds to docs/: the index lists these first when they exist,
# then any other Markdown page of docs/ that it does not name itself.
OPTIONAL_PAGES = ["debugging.md", "coverage.md"]
MARKER = "<!-- optional pages -->"

# JAX name -> functrace name (None: no counterpart, with the reason as third item).
JAX = [
    ("jax.grad", "functrace.grad"), ("jax.value_and_grad", "functrace.value_and_grad"),
    ("jax.vjp", "functrace.vjp"), ("jax.jvp", "functrace.jvp"),
    ("jax.jacobian", "functrace.jacobian"), ("jax.jacrev", "functrace.jacrev"),
    ("jax.jacfwd", "functrace.jacfwd"), ("jax.hessian", "functrace.hessian"),
    ("jax.linearize", "functrace.linearize"), ("jax.vmap", "functrace.vmap"),
    ("jax.jit", "functrace.jit"), ("jax.make_jaxpr", "functrace.make_tape"),
    ("jax.custom_vjp", "functrace.custom_vjp"), ("jax.custom_jvp", "functrace.custom_jvp"),
    ("jax.checkpoint", "functrace.checkpoint"), ("jax.remat", "functrace.remat"),
    ("jax.lax.stop_gradient", "functrace.stop_gradient"),
    ("jax.tree_util.tree_flatten", "functrace.tree_flatten"),
    ("jax.tree_util.tree_unflatten", "functrace.tree_unflatten"),
    ("jax.tree_util.tree_map", "functrace.tree_map"),
    ("jax.tree_util.tree_leaves", "functrace.tree_leaves"),
    ("jax.tree_util.tree_structure", "functrace.tree_structure"),
    ("jax.tree_util.register_pytree_node", "functrace.register_pytree_node"),
    ("jax.tree_util.register_dataclass", "functrace.tree.register_dataclass"),
    ("jax.numpy", "functrace.numpy"), ("jax.numpy.linalg", "functrace.numpy.linalg"),
    ("jax.scipy.special", "functrace.scipy.special"), ("jax.scipy.stats", "functrace.scipy.stats"),
    ("jax.scipy.linalg", "functrace.scipy.linalg"), ("jax.scipy.signal", "functrace.scipy.signal"),
    ("jax.experimental.ode.odeint", "functrace.scipy.integrate.odeint"),
    ("jax.nn.relu", "functrace.activations.relu"),
    ("jax.nn.sigmoid", "functrace.activations.sigmoid"),
    ("jax.nn.softplus", "functrace.activations.softplus"),
    ("jax.nn.gelu", "functrace.activations.gelu"),
    ("jax.nn.softmax", "functrace.activations.softmax"),
    ("jax.nn.log_softmax", "functrace.activations.log_softmax"),
    ("jax.nn.logsumexp", "functrace.activations.logsumexp"),
    ("jax.test_util.check_grads", "functrace.testing.check_grads"),
    ("jax.random", None, "use numpy.random (values are concrete: no keys to split)"),
    ("jax.lax.scan, jax.lax.cond, jax.lax.while_loop", None,
     "Python loops and if statements (each call is traced on concrete values)"),
    ("jax.pmap, jax.device_put", None, "one CPU; see functrace.dask for many machines"),
]

# HIPS autograd name -> functrace name.
AUTOGRAD = [
    ("autograd.grad", "functrace.grad"), ("autograd.value_and_grad", "functrace.value_and_grad"),
    ("autograd.elementwise_grad", "functrace.elementwise_grad"),
    ("autograd.jacobian", "functrace.jacobian"), ("autograd.hessian", "functrace.hessian"),
    ("autograd.make_vjp", "functrace.vjp", "returns (out, vjp_fn), not (vjp_fn, out)"),
    ("autograd.make_jvp", "functrace.jvp", "jvp(f, primals, tangents) in one call"),
    ("autograd.hessian_vector_product", "functrace.hvp"),
    ("autograd.make_hvp", "functrace.hvp"),
    ("autograd.grad_named", "functrace.grad", "pass argnums=; keyword arguments are not "
                                              "differentiated"),
    ("autograd.checkpoint", "functrace.checkpoint"),
    ("autograd.numpy", "functrace.numpy"), ("autograd.numpy.linalg", "functrace.numpy.linalg"),
    ("autograd.scipy.special", "functrace.scipy.special"),
    ("autograd.scipy.stats", "functrace.scipy.stats"),
    ("autograd.scipy.linalg", "functrace.scipy.linalg"),
    ("autograd.scipy.signal", "functrace.scipy.signal"),
    ("autograd.scipy.integrate.odeint", "functrace.scipy.integrate.odeint"),
    ("autograd.extend.primitive, defvjp, defjvp", "functrace.custom_vjp",
     "or functrace.extend.defprimitive for a new primitive with all its rules"),
    ("autograd.extend.primitive (new primitive)", "functrace.extend.defprimitive"),
    ("autograd.test_util.check_grads", "functrace.testing.check_grads"),
    ("autograd.misc.flatten", "functrace.misc.flatten",
     "the same: a flat vector and the function that rebuilds the pytree"),
    ("autograd.builtins.tuple, list, dict", "functrace.tree_map",
     "plain tuples, lists, dicts (and registered containers) are pytrees"),
    ("autograd.misc.optimizers.adam", "functrace.misc.adam",
     "autograd's signature (also sgd, rmsprop); or any optimizer of functrace.optim"),
    ("autograd.holomorphic_grad", "functrace.grad", "pass holomorphic=True"),
]


def resolve(dotted: str):
    """The object named ``dotted`` (a module path, then attributes); raises if it is gone."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _ref(dotted: str) -> str:
    """A MyST cross-reference to functrace name ``dotted`` (checked to exist)."""
    obj = resolve(dotted)
    if _home(obj).startswith("numpy"):           # numpy's dtypes: not documented here
        return f"`{dotted}`"
    role = "mod" if isinstance(obj, types.ModuleType) else "obj"
    return f"{{py:{role}}}`{dotted}`"


def _table(rows: list, their: str) -> str:
    lines = [f"| {their} | functrace | note |", "|---|---|---|"]
    for row in rows:
        name, ours, note = (row + ("",))[:3]
        lines.append(f"| `{name}` | {_ref(ours) if ours else '(none)'} | {note} |")
    return "\n".join(lines) + "\n"


def _torch_tables() -> str:
    """torch.X -> functrace.X from the facade's own lists (its names are torch's)."""
    out = []
    for torch_module, ours in [("torch", "functrace"), ("torch.nn", "functrace.nn"),
                               ("torch.nn.functional", "functrace.nn.functional"),
                               ("torch.optim", "functrace.optim"),
                               ("torch.optim.lr_scheduler", "functrace.optim.lr_scheduler"),
                               ("torch.autograd", "functrace.autograd"),
                               ("torch.utils.data", "functrace.utils.data")]:
        module = importlib.import_module(ours)
        names = [n for n in module.__all__ if not isinstance(getattr(module, n), types.ModuleType)]
        out.append(f"### `{torch_module}` ({len(names)} names)\n")
        out.append(f"Each `{torch_module}.<name>` below is `{ours}.<name>`:\n")
        out.append(", ".join(_ref(f"{ours}.{n}") for n in names) + "\n")
    methods = sorted(n for n in dir(functrace.Tensor) if not n.startswith("_"))
    out.append(f"### `torch.Tensor` methods and attributes ({len(methods)} names)\n")
    out.append(", ".join(f"`{n}`" for n in methods) + "\n")
    return "\n".join(out)


def _members(module: types.ModuleType) -> list[str] | None:
    """The names a module's API page documents: its ``__all__`` (functrace.numpy,
    which has none: its functions), without submodules."""
    if not hasattr(module, "__all__") and module.__name__ not in NUMPY_MIRRORS:
        return None
    return [n for n, v in exported(module) if not isinstance(v, types.ModuleType)]


def _api_page(module: types.ModuleType, documented: set) -> str:
    """One module's page: each object documented once (later exports of an object
    already documented are listed without an index entry); numpy's dtypes and other
    objects that are not functrace's are named, not documented."""
    name = module.__name__
    title = f"``{name}``"
    head = f"{title}\n{'=' * len(title)}\n\n.. automodule:: {name}\n   :no-members:\n"
    if _shadowed(name):         # ft.jit is the function, documented on functrace's page
        head += "   :no-index:\n"
    head += "\n"
    body, foreign = [], []
    for n in _members(module) or _defined(module):
        obj = getattr(module, n)
        if _home(obj).startswith("numpy"):
            foreign.append(f"``{n}`` (``{_home(obj)}.{getattr(obj, '__name__', n)}``)")
            continue
        option = "   :no-index:\n" if id(obj) in documented else ""
        documented.add(id(obj))
        body.append(f".. auto{_kind(obj)}:: {name}.{n}\n{option}\n")
    if foreign:
        body.append("Also exported, from numpy: " + ", ".join(foreign) + ".\n")
    return head + "".join(body)


def _shadowed(name: str) -> bool:
    """Whether the module ``name`` is hidden by its parent's attribute of the same name
    (``functrace.jit``, ``functrace.misc.flatten``: functions, documented as such)."""
    parent, _, leaf = name.rpartition(".")
    return bool(parent) and not isinstance(
        getattr(importlib.import_module(parent), leaf, None), types.ModuleType)


def _home(obj) -> str:
    """The module that defines ``obj`` (numpy's dtypes have no ``__module__``)."""
    return getattr(obj, "__module__", None) or type(obj).__module__


def _defined(module: types.ModuleType) -> list[str]:
    """An internal module's documented names: what it defines, with a docstring."""
    names = []
    for n, v in vars(module).items():
        if n.startswith("_") or isinstance(v, types.ModuleType):
            continue
        if inspect.isfunction(v) or inspect.isclass(v):
            if v.__module__ == module.__name__ and v.__doc__:
                names.append(n)
        elif (n.isupper() or n.endswith("_p")) and _home(v).startswith(("functrace", "builtins")):
            names.append(n)                 # constants and primitives (``exp_p``)
    return names


def _kind(obj) -> str:
    if isinstance(obj, type):
        return "class"
    return "function" if callable(obj) else "data"


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    old = open(path).read() if os.path.exists(path) else None
    if old != text:                   # unchanged files keep Sphinx's incremental build
        with open(path, "w") as f:
            f.write(text)


def generate(docs: str) -> None:
    out = os.path.join(docs, "_generated")
    shutil.rmtree(out, ignore_errors=True)   # pages of renamed modules must not linger
    modules = []
    for name in public_modules():
        for prefix, dependency in OPTIONAL.items():
            if name == prefix or name.startswith(prefix + "."):
                importlib.import_module(dependency)      # a clear error when it is missing
        modules.append(importlib.import_module(name))
    pages = [m.__name__ for m in modules if _members(m) is not None]
    internals = [m.__name__ for m in modules if _members(m) is None]
    documented: set = set()                 # the public pages first: objects live there
    for name in pages + internals:
        page = _api_page(importlib.import_module(name), documented)
        _write(os.path.join(out, "api", name + ".rst"), page)
    _write(os.path.join(out, "api", "index.rst"),
           "API reference\n=============\n\nOne page per public module (its ``__all__``).\n\n"
           ".. toctree::\n   :maxdepth: 1\n\n" + "".join(f"   {p}\n" for p in pages)
           + "\nInternal modules (no ``__all__``; documented for contributors)\n"
           + "-" * 62 + "\n\n.. toctree::\n   :maxdepth: 1\n\n"
           + "".join(f"   {p}\n" for p in internals))
    _write(os.path.join(out, "jax_table.md"), _table(JAX, "JAX"))
    _write(os.path.join(out, "autograd_table.md"), _table(AUTOGRAD, "HIPS autograd"))
    _write(os.path.join(out, "torch_tables.md"), _torch_tables())
    contributing = os.path.join(docs, "..", "CONTRIBUTING.md")
    if os.path.exists(contributing):
        _write(os.path.join(out, "contributing.md"),
               "```{include} ../../CONTRIBUTING.md\n:relative-docs: docs/\n"
               ":relative-images:\n```\n")


def optional_pages(docs: str) -> list[str]:
    """Toctree entries of the pages of ``docs`` that the index does not list itself:
    :data:`OPTIONAL_PAGES` first, then the others (and CONTRIBUTING.md's page)."""
    with open(os.path.join(docs, "index.md")) as f:
        index = f.read()
    present = sorted(f for f in os.listdir(docs) if f.endswith(".md") and f != "index.md")
    present.sort(key=lambda f: OPTIONAL_PAGES.index(f) if f in OPTIONAL_PAGES else 99)
    entries = [f[:-3] for f in present if f"\n{f[:-3]}\n" not in index]
    if os.path.exists(os.path.join(docs, "_generated", "contributing.md")):
        entries.append("_generated/contributing")
    return entries


def link_contributing(app, docname: str, source: list) -> None:
    """Sphinx ``source-read``: a page's link to the repository's CONTRIBUTING.md goes
    to its page in the docs (the file itself is outside the docs' sources)."""
    depth = docname.count("/")
    repository_file = "](" + "../" * (depth + 1) + "CONTRIBUTING.md"
    if repository_file in source[0] and os.path.exists(
            os.path.join(app.srcdir, "_generated", "contributing.md")):
        page = "](" + "../" * depth + "_generated/contributing.md"
        source[0] = source[0].replace(repository_file, page)


def fill_optional_pages(app, docname: str, source: list) -> None:
    """Sphinx ``source-read``: the index's marker becomes the optional pages present."""
    if docname == "index" and MARKER in source[0]:
        source[0] = source[0].replace(MARKER, "\n".join(optional_pages(app.srcdir)))


def resolve_unqualified(app, env, node, contnode):
    """Sphinx ``missing-reference``: a name written unqualified in a docstring
    (``:func:`linearize```, where the module imports it) resolves to the documented
    object whose full name ends with it, the shortest such name when several are
    re-exports of one object; a name documented nowhere stays a broken reference."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target:
        return None
    domain = env.get_domain("py")
    name = target.lstrip(".~")
    found = sorted((full for full in domain.objects if full.endswith("." + name)), key=len)
    if not found:              # a module's own path of an object documented elsewhere
        obj = _lookup(name) if "." in name else _in_namespace(
            node.get("py:module"), node.get("py:class"), name)
        found = [full for full in sorted(domain.objects, key=len)
                 if obj is not None and _lookup(full) is obj][:1]
    if not found:
        return None
    if len({id(_lookup(full)) for full in found}) > 1:
        meant = _in_namespace(node.get("py:module"), node.get("py:class"), name)
        found = [full for full in found if meant is not None and _lookup(full) is meant]
        if not found:
            return None                          # really ambiguous: Sphinx warns
    from sphinx.util.nodes import make_refnode
    entry = domain.objects[found[0]]
    return make_refnode(app.builder, node.get("refdoc"), entry.docname, entry.node_id,
                        contnode, found[0])


def _in_namespace(module: str | None, cls: str | None, name: str):
    """What ``name`` means where the reference is written: in its class, else in
    its module's namespace (None if it means nothing there)."""
    for scope in ([f"{module}.{cls}"] if cls else []) + [module or "functrace"]:
        found = _lookup(f"{scope}.{name}")
        if found is not None:
            return found
    return None


@functools.lru_cache(maxsize=None)
def _lookup(full: str):
    try:
        return resolve(full)
    except (ImportError, AttributeError):
        return None


def drop_type_docstrings(app, what, name, obj, options, lines):
    """Sphinx ``autodoc-process-docstring``: a constant (a dict, a Primitive) shows its
    value, not the docstring of its type."""
    if what in ("data", "attribute") and not isinstance(obj, type) and (
            _home(obj) == "typing"
            or getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None)):
        lines.clear()
