# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write docs/reference/<name>.md for every module, lookup and role of the collection.

The pages are generated from what ``ansible-doc --json`` reports (the plugins' DOCUMENTATION,
EXAMPLES and RETURN with their doc fragments, and the roles' meta/argument_specs.yml), so they
cannot drift from what ``ansible-doc`` shows. tests/unit/test_docs_current.py regenerates them
into a temporary directory and fails when docs/reference/ differs.

    python tests/tools/gen_plugin_docs.py            # rewrite docs/reference/
    python tests/tools/gen_plugin_docs.py --check    # exit 1 if docs/reference/ is out of date
    python tests/tools/gen_plugin_docs.py --dest DIR # write somewhere else

ansible-doc is taken from the directory of the running Python (the project's .venv), then PATH.
The collection is found through ANSIBLE_COLLECTIONS_PATH, or through .build/collections (the
link ``make link`` creates; made here when missing).

Why not antsibull-docs (2.28.0, in tests/requirements.txt): it writes reStructuredText only.
``antsibull-docs collection-plugins --use-current --dest-dir DIR iotpki.certificates`` and
``antsibull-docs plugin --plugin-type lookup iotpki.certificates.iotda_certificate`` run offline and
write ``<name>_<kind>.rst`` pages, but ``--output-format`` offers only ``ansible-docsite`` (Sphinx
input: ``:ansopt:``, ``:ansible-option-type:`` and other roles of the antsibull Sphinx extension)
and ``simplified-rst`` (marked experimental; the option and return tables are ``.. raw:: html``
blocks, which GitHub's reStructuredText rendering drops). Neither is Markdown, and the guides and
README link to docs/reference/*.md, so these pages stay Markdown, rendered here from ansible-doc's
JSON with antsibull-docs-parser (the markup parser antsibull-docs itself uses).
"""

from __future__ import annotations

import argparse
import atexit
import filecmp
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import typing as t

from antsibull_docs_parser import dom, parser

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NAMESPACE, NAME = "iotpki", "certificates"
PREFIX = "%s.%s." % (NAMESPACE, NAME)
DEFAULT_DEST = os.path.join(REPO, "docs", "reference")
SCRIPT = "tests/tools/gen_plugin_docs.py"
KINDS = (("module", os.path.join("plugins", "modules")), ("lookup", os.path.join("plugins", "lookup")))


# ---------------------------------------------------------------------------------------------
# What to document, and ansible-doc


def discover() -> t.List[t.Tuple[str, str]]:
    """(kind, short name) of every module, lookup and role in the working tree, sorted."""
    found = []
    for kind, folder in KINDS:
        for name in sorted(os.listdir(os.path.join(REPO, folder))):
            if name.endswith(".py") and not name.startswith("_"):
                found.append((kind, name[:-3]))
    roles = os.path.join(REPO, "roles")
    for name in sorted(os.listdir(roles)) if os.path.isdir(roles) else []:
        if os.path.isfile(os.path.join(roles, name, "meta", "argument_specs.yml")):
            found.append(("role", name))
    return found


def collections_env() -> t.Dict[str, str]:
    """The environment for ansible-doc: the collection must be found, nothing else configured."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    path = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if not path:
        parts = REPO.split(os.sep)
        if len(parts) > 3 and parts[-3] == "ansible_collections":
            path = os.sep.join(parts[:-3])
        else:
            path = os.path.join(REPO, ".build", "collections")
            link = os.path.join(path, "ansible_collections", NAMESPACE, NAME)
            if not os.path.exists(link):
                os.makedirs(os.path.dirname(link), exist_ok=True)
                if os.path.islink(link):
                    os.unlink(link)
                os.symlink(os.path.join("..", "..", "..", ".."), link)
    env.update({"ANSIBLE_COLLECTIONS_PATH": path, "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_DEPRECATION_WARNINGS": "False"})
    env["ANSIBLE_HOME"] = ansible_home()
    return env


@functools.lru_cache(maxsize=None)
def ansible_home() -> str:
    """An empty ANSIBLE_HOME for ansible-doc, one per process, removed when the process exits."""
    home = tempfile.mkdtemp(prefix="iotpki-ansible-doc-")
    atexit.register(shutil.rmtree, home, True)
    return home


def ansible_doc_command() -> str:
    candidate = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    return candidate if os.path.exists(candidate) else (shutil.which("ansible-doc") or "ansible-doc")


def ansible_doc(kind: str, names: t.Sequence[str]) -> t.Dict[str, t.Any]:
    """``ansible-doc --json -t kind`` for the given short names (one call per kind)."""
    if not names:
        return {}
    command = [ansible_doc_command(), "--json", "-t", kind] + [PREFIX + name for name in names]
    completed = subprocess.run(command, capture_output=True, text=True, env=collections_env(), cwd=REPO,
                               timeout=300, check=False)
    if completed.returncode != 0:
        raise SystemExit("%s failed (rc=%s):\n%s" % (" ".join(command), completed.returncode, completed.stderr))
    data = json.loads(completed.stdout)
    missing = [name for name in names if PREFIX + name not in data]
    if missing:
        raise SystemExit("ansible-doc returned nothing for %s:\n%s" % (missing, completed.stderr))
    return data


# ---------------------------------------------------------------------------------------------
# Ansible markup (O(), V(), M(), ...) to Markdown


def page_of(fqcn: str) -> t.Optional[str]:
    return fqcn[len(PREFIX):] + ".md" if fqcn.startswith(PREFIX) else None


def md_text(text: str, table: bool) -> str:
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;").replace("`", "\\`")
    text = text.replace("[", "\\[").replace("]", "\\]")
    return text.replace("|", "\\|") if table else text


def md_code(text: str, table: bool) -> str:
    fence = "``" if "`" in text else "`"
    if table:
        text = text.replace("|", "\\|")
    return "%s%s%s" % (fence, text, fence)


def anchor(what: str, path: t.Sequence[str]) -> str:
    """HTML id of an option or return value: ``option-<a>--<b>`` / ``return-<a>--<b>``."""
    return "%s-%s" % ("option" if what == "option" else "return", "--".join(path).lower())


def render(value: t.Any, current: t.Optional[dom.PluginIdentifier], table: bool = False, sep: str = "\n\n") -> str:
    """Ansible documentation text (a string or a list of paragraphs) as Markdown."""
    if value is None:
        return ""
    entrypoint = "main" if current is not None and current.type == "role" else None
    context = parser.Context(current_plugin=current, role_entrypoint=entrypoint)
    paragraphs = parser.parse(value if isinstance(value, list) else [value], context, errors="exception")
    out = []
    for paragraph in paragraphs:
        out.append("".join(render_part(part, current, table) for part in paragraph))
    return sep.join(out)


def render_part(part: t.Any, current: t.Optional[dom.PluginIdentifier], table: bool) -> str:  # noqa: C901
    kind = part.type
    if kind == dom.PartType.TEXT:
        return md_text(part.text, table)
    if kind == dom.PartType.ITALIC:
        return "*%s*" % md_text(part.text, table)
    if kind == dom.PartType.BOLD:
        return "**%s**" % md_text(part.text, table)
    if kind in (dom.PartType.CODE, dom.PartType.OPTION_VALUE, dom.PartType.ENV_VARIABLE):
        return md_code(part.text if kind == dom.PartType.CODE else (part.value if kind == dom.PartType.OPTION_VALUE else part.name), table)
    if kind in (dom.PartType.MODULE, dom.PartType.PLUGIN):
        fqcn = part.fqcn if kind == dom.PartType.MODULE else part.plugin.fqcn
        target = page_of(fqcn)
        return "[%s](%s)" % (md_code(fqcn, table), target) if target else md_code(fqcn, table)
    if kind in (dom.PartType.OPTION_NAME, dom.PartType.RETURN_VALUE):
        text = part.name if part.value is None else "%s=%s" % (part.name, part.value)
        plugin = part.plugin
        if plugin is None or not plugin.fqcn.startswith(PREFIX):
            return md_code(text, table)
        what = "option" if kind == dom.PartType.OPTION_NAME else "retval"
        same = current is not None and plugin.fqcn == current.fqcn and plugin.type == current.type
        target = ("" if same else page_of(plugin.fqcn)) + "#" + anchor(what, part.link)
        return "[%s](%s)" % (md_code(text, table), target)
    if kind == dom.PartType.URL:
        return "<%s>" % part.url
    if kind == dom.PartType.LINK:
        return "[%s](%s)" % (md_text(part.text, table), part.url)
    if kind == dom.PartType.RST_REF:
        return md_text(part.text, table)
    if kind == dom.PartType.HORIZONTAL_LINE:
        return "<br>" if table else "\n\n---\n\n"
    raise ValueError("unsupported documentation markup part %r" % (part,))


def plain_value(value: t.Any) -> str:
    """A default, choice or sample as it would be written in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)) or value == "":
        return json.dumps(value, sort_keys=True)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Pages


def options_table(options: t.Dict[str, t.Any], current: dom.PluginIdentifier, is_lookup: bool) -> t.List[str]:
    lines = ["| Option | Description |", "|---|---|"]

    def walk(opts: t.Dict[str, t.Any], path: t.List[str]) -> None:
        for name in sorted(opts, key=lambda n: (n != "_terms", n)):
            spec = opts[name]
            full = path + [name]
            kind = spec.get("type", "str")
            if kind == "list" and spec.get("elements"):
                kind = "list / elements=%s" % spec["elements"]
            label = "Terms" if name == "_terms" else ".".join(full)
            left = '<a id="%s"></a>%s<br>*%s*' % (anchor("option", full), md_code(label, True), kind)
            if spec.get("required"):
                left += "<br>**required**"
            right = [render(spec.get("description"), current, table=True, sep="<br><br>")]
            if spec.get("choices"):
                choices = spec["choices"]
                if isinstance(choices, dict):
                    choices = list(choices)
                right.append("Choices: " + ", ".join(
                    md_code(plain_value(c), True) + (" (default)" if c == spec.get("default") else "") for c in choices))
            if spec.get("default") is not None and not (spec.get("choices") and spec["default"] in spec["choices"]):
                right.append("Default: " + md_code(plain_value(spec["default"]), True))
            if spec.get("aliases"):
                right.append("Aliases: " + ", ".join(md_code(a, True) for a in spec["aliases"]))
            if is_lookup:
                for source, key in (("env", "Environment variable"), ("vars", "Variable"), ("keyword", "Keyword")):
                    names = [entry["name"] for entry in spec.get(source) or []]
                    if names:
                        right.append("%s: %s" % (key, ", ".join(md_code(n, True) for n in names)))
            if spec.get("no_log"):
                right.append("Not logged (`no_log`).")
            lines.append("| %s | %s |" % (left, "<br><br>".join(part for part in right if part)))
            if spec.get("suboptions"):
                walk(spec["suboptions"], full)

    walk(options, [])
    return lines


def return_table(returns: t.Dict[str, t.Any], current: dom.PluginIdentifier) -> t.List[str]:
    lines = ["| Key | Description |", "|---|---|"]

    def walk(values: t.Dict[str, t.Any], keys: t.List[str], prefix: str) -> None:
        for name in sorted(values):
            spec = values[name]
            kind = spec.get("type", "")
            if kind == "list" and spec.get("elements"):
                kind = "list / elements=%s" % spec["elements"]
            label = prefix + name
            left = '<a id="%s"></a>%s<br>*%s*' % (anchor("retval", keys + [name]), md_code(label, True), kind)
            right = [render(spec.get("description"), current, table=True, sep="<br><br>")]
            if spec.get("returned"):
                right.append("Returned: " + render(spec["returned"], current, table=True))
            if "sample" in spec and spec["sample"] is not None:
                right.append("Sample: " + md_code(plain_value(spec["sample"]), True))
            lines.append("| %s | %s |" % (left, "<br><br>".join(part for part in right if part)))
            if spec.get("contains"):
                walk(spec["contains"], keys + [name], label + ("[]." if spec.get("type") == "list" else "."))

    walk(returns, [], "")
    return lines


def header(title: str, kind_label: str) -> t.List[str]:
    return [
        "<!-- Generated by %s from the documentation of the collection; do not edit. -->" % SCRIPT,
        "",
        "# %s (%s)" % (title, kind_label),
        "",
    ]


def plugin_page(kind: str, name: str, data: t.Dict[str, t.Any]) -> str:
    fqcn = PREFIX + name
    doc = data["doc"]
    current = dom.PluginIdentifier(fqcn=fqcn, type=kind)
    out = header(fqcn, kind)
    out += [render(doc.get("short_description"), current), ""]
    if doc.get("version_added"):
        out += ["Added in version %s of %s.%s." % (doc["version_added"], NAMESPACE, NAME), ""]
    out += ["- [Synopsis](#synopsis)"]
    if doc.get("requirements"):
        out += ["- [Requirements](#requirements)"]
    out += ["- [%s](#%s)" % (("Terms and options", "terms-and-options") if kind == "lookup" else ("Options", "options"))]
    if doc.get("attributes"):
        out += ["- [Attributes](#attributes)"]
    if doc.get("notes"):
        out += ["- [Notes](#notes)"]
    if doc.get("seealso"):
        out += ["- [See also](#see-also)"]
    out += ["- [Examples](#examples)", "- [Return values](#return-values)", ""]

    out += ["## Synopsis", ""] + ["- " + render(p, current) for p in as_list(doc.get("description"))] + [""]
    if doc.get("requirements"):
        out += ["## Requirements", "", "The below requirements are needed on the host that executes this %s." % kind, ""]
        out += ["- " + render(r, current) for r in as_list(doc["requirements"])] + [""]
    out += ["## Terms and options" if kind == "lookup" else "## Options", ""]
    out += options_table(doc.get("options") or {}, current, kind == "lookup") + [""]
    if doc.get("attributes"):
        out += ["## Attributes", "", "| Attribute | Support | Description |", "|---|---|---|"]
        for attr in sorted(doc["attributes"]):
            spec = doc["attributes"][attr]
            support = md_text(str(spec.get("support", "")), True)
            if spec.get("membership"):
                support += "<br>Action group: " + ", ".join(md_code("group/" + g, True) for g in spec["membership"])
            text = render(spec.get("description"), current, table=True, sep="<br><br>")
            if spec.get("details"):
                text += "<br><br>" + render(spec["details"], current, table=True, sep="<br><br>")
            out.append("| %s | %s | %s |" % (md_code(attr, True), support, text))
        out.append("")
    if doc.get("notes"):
        out += ["## Notes", ""] + ["- " + render(n, current) for n in as_list(doc["notes"])] + [""]
    if doc.get("seealso"):
        out += ["## See also", ""]
        for entry in doc["seealso"]:
            out.append("- " + seealso(entry, current))
        out.append("")
    out += ["## Examples", "", "```yaml", (data.get("examples") or "").strip("\n"), "```", ""]
    out += ["## Return values", ""]
    if kind == "module":
        out += ["Common return values are documented in the Ansible documentation; the fields unique to this module:", ""]
    out += return_table(data.get("return") or {}, current) + [""]
    if doc.get("author"):
        out += ["## Authors", ""] + ["- " + md_text(a, False) for a in as_list(doc["author"])] + [""]
    out += [refresh_note()]
    return "\n".join(out) + "\n"


def seealso(entry: t.Dict[str, t.Any], current: dom.PluginIdentifier) -> str:
    description = render(entry.get("description"), current) if entry.get("description") else ""
    if "module" in entry or "plugin" in entry:
        fqcn = entry.get("module") or entry["plugin"]
        target = page_of(fqcn)
        text = "[%s](%s)" % (md_code(fqcn, False), target) if target else md_code(fqcn, False)
    elif "link" in entry:
        text = "[%s](%s)" % (md_text(entry.get("name", entry["link"]), False), entry["link"])
    else:
        text = md_text(entry.get("name", ""), False)
    return text + (": " + description if description else "")


def role_page(name: str, data: t.Dict[str, t.Any]) -> str:
    fqcn = PREFIX + name
    current = dom.PluginIdentifier(fqcn=fqcn, type="role")
    out = header(fqcn, "role")
    for entry_point in sorted(data.get("entry_points") or {}):
        spec = data["entry_points"][entry_point]
        out += [render(spec.get("short_description"), current), ""]
        if spec.get("version_added"):
            out += ["Added in version %s of %s.%s." % (spec["version_added"], NAMESPACE, NAME), ""]
        out += ["## Entry point `%s`" % entry_point, ""]
        out += ["- " + render(p, current) for p in as_list(spec.get("description"))] + [""]
        out += ["### Variables", ""] + options_table(spec.get("options") or {}, current, False) + [""]
        if spec.get("author"):
            out += ["### Authors", ""] + ["- " + md_text(a, False) for a in as_list(spec["author"])] + [""]
    out += ["See also the role's README, with examples: [`roles/%s/README.md`](../../roles/%s/README.md)." % (name, name), ""]
    out += [refresh_note()]
    return "\n".join(out) + "\n"


def refresh_note() -> str:
    return ("*This page is generated from the collection's documentation by `%s`; run it after changing a plugin's "
            "or role's documentation (`tests/unit/test_docs_current.py` fails while this page is out of date).*" % SCRIPT)


def index_page(entries: t.List[t.Tuple[str, str, str]]) -> str:
    out = [
        "<!-- Generated by %s from the documentation of the collection; do not edit. -->" % SCRIPT,
        "",
        "# Reference",
        "",
        "One page per module, lookup and role of `iotpki.certificates`, generated from the same documentation",
        "`ansible-doc` shows (for example `ansible-doc iotpki.certificates.iotda_ca_certificate`).",
        "",
        "| Name | Kind | Description |",
        "|---|---|---|",
    ]
    for kind, name, short in entries:
        out.append("| [%s](%s.md) | %s | %s |" % (md_code(PREFIX + name, True), name, kind, short))
    out += ["", "To refresh every page after a documentation change: `python %s` (from the repository root, with the "
            "project's virtual environment: `.venv/bin/python %s`)." % (SCRIPT, SCRIPT), ""]
    return "\n".join(out)


def as_list(value: t.Any) -> t.List[t.Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# ---------------------------------------------------------------------------------------------


def load_docs() -> t.Dict[str, t.Dict[str, t.Any]]:
    """``{kind: {short name: ansible-doc data}}`` for every module, lookup and role (three ansible-doc calls)."""
    plugins = discover()
    docs = {}
    for kind in ("module", "lookup", "role"):
        names = [name for k, name in plugins if k == kind]
        data = ansible_doc(kind, names)
        docs[kind] = {name: data[PREFIX + name] for name in names}
    return docs


def generate(dest: str, docs: t.Optional[t.Dict[str, t.Dict[str, t.Any]]] = None) -> t.List[str]:
    """Write every page into ``dest`` (created); returns the file names written."""
    docs = docs if docs is not None else load_docs()
    os.makedirs(dest, exist_ok=True)
    written, entries = [], []
    for kind in ("module", "lookup", "role"):
        for name, item in docs[kind].items():
            if kind == "role":
                text = role_page(name, item)
                short = render((item.get("entry_points") or {}).get("main", {}).get("short_description"), None, table=True)
            else:
                text = plugin_page(kind, name, item)
                short = render(item["doc"].get("short_description"), None, table=True)
            with open(os.path.join(dest, name + ".md"), "w", encoding="utf-8") as stream:
                stream.write(text)
            written.append(name + ".md")
            entries.append((kind, name, short))
    with open(os.path.join(dest, "README.md"), "w", encoding="utf-8") as stream:
        stream.write(index_page(entries))
    written.append("README.md")
    return written


def differences(expected_dir: str, actual_dir: str) -> t.List[str]:
    """File names that differ between two directories of pages (missing, extra or changed)."""
    expected = set(name for name in os.listdir(expected_dir) if name.endswith(".md"))
    actual = set(name for name in os.listdir(actual_dir) if name.endswith(".md")) if os.path.isdir(actual_dir) else set()
    changed = [name for name in expected & actual
               if not filecmp.cmp(os.path.join(expected_dir, name), os.path.join(actual_dir, name), shallow=False)]
    return sorted((expected ^ actual) | set(changed))


def main(argv: t.Optional[t.Sequence[str]] = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    args.add_argument("--dest", default=DEFAULT_DEST, help="output directory (default: docs/reference)")
    args.add_argument("--check", action="store_true", help="only compare with --dest; exit 1 when it is out of date")
    options = args.parse_args(argv)
    if options.check:
        with tempfile.TemporaryDirectory() as fresh:
            generate(fresh)
            stale = differences(fresh, options.dest)
        if stale:
            print("out of date in %s: %s\nrun: python %s" % (options.dest, ", ".join(stale), SCRIPT))
            return 1
        print("%s is up to date" % options.dest)
        return 0
    for name in os.listdir(options.dest) if os.path.isdir(options.dest) else []:
        if name.endswith(".md"):
            os.unlink(os.path.join(options.dest, name))
    written = generate(options.dest)
    print("wrote %d pages to %s" % (len(written), options.dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
