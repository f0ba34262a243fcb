# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation says what the code does.

- docs/reference/ is what tests/tools/gen_plugin_docs.py generates from ansible-doc now;
- ``ansible-doc`` renders every module, lookup and role;
- the environment variable table of docs/authentication.md is the option table of the code;
- the AWX credential types in docs/awx/ inject only the collection's variable names, mark the
  secrets secret, and reference only fields they define;
- the YAML and shell examples of docs/*.md, the role READMEs and README.md use only options that
  exist (modules, module_defaults groups, role variables, lookup keywords);
- the changelog fragments pass ``antsibull-changelog lint``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import gen_plugin_docs as gen
import pytest
import yaml
from iotpki_test.paths import REPO

from ansible_collections.iotpki.certificates.plugins.module_utils import _options

PREFIX = gen.PREFIX
PLATFORM_NAMES = {"IoTDA": "iotda", "EnOS": "enos"}
SECRET_OPTIONS = {name for table in _options.PLATFORM_OPTIONS.values() for name, spec in table.items() if spec.get("no_log")}


@pytest.fixture(scope="module")
def docs():
    return gen.load_docs()


# ---------------------------------------------------------------------------------------------
# Reference pages and ansible-doc


def test_reference_pages_are_current(docs, tmp_path):
    gen.generate(str(tmp_path), docs)
    stale = gen.differences(str(tmp_path), gen.DEFAULT_DEST)
    assert not stale, "docs/reference/ is out of date (%s): run  python %s" % (", ".join(stale), gen.SCRIPT)


def test_every_plugin_and_role_is_documented(docs):
    assert sorted(docs["module"]) == sorted(n[:-3] for n in os.listdir(os.path.join(REPO, "plugins", "modules"))
                                            if n.endswith(".py") and not n.startswith("_"))
    assert len(docs["module"]) >= 5 and len(docs["lookup"]) >= 1 and len(docs["role"]) >= 2
    for kind in ("module", "lookup"):
        for name, data in docs[kind].items():
            doc = data["doc"]
            assert doc.get("short_description") and doc.get("description"), name
            assert data.get("examples", "").strip(), name
            assert yaml.safe_load(data["examples"]), name
            assert data.get("return"), name
            if kind == "module":
                assert {"check_mode", "diff_mode", "idempotent", "action_group"} <= set(doc.get("attributes", {})), name


@pytest.mark.parametrize("kind,name", gen.discover(), ids=lambda value: value)
def test_ansible_doc_renders(kind, name):
    completed = subprocess.run([gen.ansible_doc_command(), "-t", kind, PREFIX + name], capture_output=True, text=True,
                               env=gen.collections_env(), cwd=REPO, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    assert PREFIX + name in completed.stdout
    assert "WARNING" not in completed.stderr and "ERROR" not in completed.stderr, completed.stderr


# ---------------------------------------------------------------------------------------------
# docs/authentication.md


def env_table_rows():
    with open(os.path.join(REPO, "docs", "authentication.md"), encoding="utf-8") as stream:
        text = stream.read()
    block = text.split("<!-- env-table: begin -->", 1)[1].split("<!-- env-table: end -->", 1)[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        platform, option, env, secret = cells[0], cells[1].strip("`"), cells[2], cells[3]
        rows.append((PLATFORM_NAMES[platform], option, re.findall(r"`([A-Z0-9_]+)`", env), secret == "yes"))
    return rows


def test_authentication_env_table_is_the_option_table():
    documented = {(platform, option): (env, secret) for platform, option, env, secret in env_table_rows()}
    actual = {(platform, name): (list(spec["env"]), bool(spec.get("no_log")))
              for platform, table in _options.PLATFORM_OPTIONS.items() for name, spec in table.items()}
    assert documented == actual


# ---------------------------------------------------------------------------------------------
# docs/awx/


@pytest.mark.parametrize("platform", ["iotda", "enos"])
def test_awx_credential_type(platform):
    with open(os.path.join(REPO, "docs", "awx", "%s-credential-type.yml" % platform), encoding="utf-8") as stream:
        ctype = yaml.safe_load(stream)
    assert ctype["kind"] == "cloud" and ctype["name"] and ctype["description"]
    fields = {field["id"]: field for field in ctype["inputs"]["fields"]}
    assert set(ctype["inputs"]["required"]) <= set(fields)
    table = _options.PLATFORM_OPTIONS[platform]
    for field_id, field in fields.items():
        assert field.get("type", "string") == "string", field_id  # AWX defaults missing booleans to false
        assert bool(field.get("secret")) == (field_id in SECRET_OPTIONS), field_id
        assert field_id in table or field_id == "ca_bundle", field_id
    assert {f for f in fields if f in SECRET_OPTIONS} == {n for n in table if n in SECRET_OPTIONS}
    env = ctype["injectors"]["env"]
    used = set()
    for name, template in env.items():
        assert not name.startswith("ANSIBLE_")
        option = next(option for option, spec in table.items() if name in spec["env"])
        assert name == table[option]["env"][0], name  # the collection's own name, not an alias
        used.update(re.findall(r"\b([a-z_]+)\b", template.replace("tower.filename.", "")))
    assert used - {"if", "endif"} <= set(fields)
    assert set(fields) - {"ca_bundle"} <= {o for o, spec in table.items() if spec["env"][0] in env}
    assert env["%s_CA_PATH" % platform.upper()] == "{% if ca_bundle %}{{ tower.filename.ca_bundle }}{% endif %}"
    assert ctype["injectors"]["file"] == {"template.ca_bundle": "{{ ca_bundle }}"}


# ---------------------------------------------------------------------------------------------
# Examples in the documentation


def doc_files():
    files = [os.path.join(REPO, "docs", name) for name in sorted(os.listdir(os.path.join(REPO, "docs"))) if name.endswith(".md")]
    files += [os.path.join(REPO, "roles", name, "README.md") for name in sorted(os.listdir(os.path.join(REPO, "roles")))]
    readme = os.path.join(REPO, "README.md")
    return [f for f in files + [readme] if os.path.isfile(f)]


def fenced_blocks(path):
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)


class ExampleChecker:
    """Walks example YAML and shell lines and records every option name that does not exist."""

    def __init__(self, docs):
        self.modules = {name: set(data["doc"]["options"]) for name, data in docs["module"].items()}
        self.lookups = {name: set(data["doc"]["options"]) - {"_terms"} for name, data in docs["lookup"].items()}
        self.roles = {name: set(data["entry_points"]["main"]["options"]) for name, data in docs["role"].items()}
        self.groups = {}
        for name, data in docs["module"].items():
            for group in data["doc"]["attributes"]["action_group"]["membership"]:
                self.groups.setdefault("group/" + group, []).append(self.modules[name])
        self.problems, self.checked = [], 0

    def short(self, fqcn):
        return fqcn[len(PREFIX):] if fqcn.startswith(PREFIX) else None

    def check_options(self, where, what, given, known):
        self.checked += 1
        unknown = sorted(set(given) - known)
        if unknown:
            self.problems.append("%s: %s does not take %s" % (where, what, unknown))

    def walk(self, node, where):
        if isinstance(node, list):
            for item in node:
                self.walk(item, where)
            return
        if isinstance(node, str):
            self.strings(node, where)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            name = self.short(str(key))
            if name is not None:
                if name not in self.modules:
                    self.problems.append("%s: %s is not a module of the collection" % (where, key))
                elif isinstance(value, dict):
                    self.check_options(where, key, value, self.modules[name])
            if key == "module_defaults" and isinstance(value, dict):
                for group, defaults in value.items():
                    if str(group).startswith("group/" + PREFIX):
                        if group not in self.groups:
                            self.problems.append("%s: no action group %s" % (where, group))
                        else:
                            self.check_options(where, group, defaults, set.intersection(*self.groups[group]))
        role = node.get("role")  # an entry of a play's roles:
        for key in ("ansible.builtin.include_role", "ansible.builtin.import_role"):
            if isinstance(node.get(key), dict):
                role = node[key].get("name")
        if isinstance(role, str) and self.short(role) is not None:
            name = self.short(role)
            if name not in self.roles:
                self.problems.append("%s: %s is not a role of the collection" % (where, role))
            else:
                given = [k for k in list(node.get("vars") or {}) + list(node) if str(k).startswith(name + "_")]
                self.check_options(where, role, given, self.roles[name])
        for value in node.values():
            self.walk(value, where)

    def strings(self, text, where):
        for name, args in re.findall(r"(?:lookup|query)\(\s*'iotpki\.certificates\.(\w+)'(.*?)\)\s*(?:\||}})", text, re.S):
            if name not in self.lookups:
                self.problems.append("%s: %s is not a lookup of the collection" % (where, name))
                continue
            self.check_options(where, "lookup " + name, re.findall(r"\b(\w+)\s*=", args), self.lookups[name])

    def shell(self, text, where):
        for command in re.sub(r"\\\n\s*", " ", text).splitlines():
            if "-m iotpki.certificates." not in command:
                continue
            words = shlex.split(command.split("#", 1)[0] if " #" in command else command)
            name = self.short(words[words.index("-m") + 1])
            args = words[words.index("-a") + 1] if "-a" in words else ""
            given = [word.split("=", 1)[0] for word in shlex.split(args) if "=" in word]
            if name not in self.modules:
                self.problems.append("%s: %s is not a module of the collection" % (where, name))
            else:
                self.check_options(where, "ansible -m " + name, given, self.modules[name])


def test_examples_use_real_options(docs):
    checker = ExampleChecker(docs)
    for path in doc_files():
        relative = os.path.relpath(path, REPO)
        for number, (language, body) in enumerate(fenced_blocks(path), 1):
            where = "%s (block %d)" % (relative, number)
            if language in ("yaml", "yml"):
                try:
                    data = yaml.safe_load(body)
                except yaml.YAMLError as exc:
                    checker.problems.append("%s: not valid YAML: %s" % (where, exc))
                    continue
                checker.walk(data, where)
            elif language in ("sh", "bash", "console", ""):
                checker.shell(body, where)
    assert checker.problems == []
    assert checker.checked >= 25  # the examples are really being looked at


def test_example_checker_catches_a_wrong_option(docs):
    checker = ExampleChecker(docs)
    checker.walk(yaml.safe_load("""
        - name: Bad
          module_defaults:
            group/iotpki.certificates.iotda: {endpoint: x, kind: ca}
          tasks:
            - iotpki.certificates.iotda_device_certificate: {fingerprint: x, state: inactive, colour: red}
            - ansible.builtin.include_role: {name: iotpki.certificates.certificate_expiry_report}
              vars: {certificate_expiry_report_day: 3}
            - ansible.builtin.debug: {msg: "{{ lookup('iotpki.certificates.iotda_certificate', 'x', knd='ca') }}"}
        """), "inline")
    checker.shell("ansible localhost -m iotpki.certificates.enos_certificate_revoke -a 'asset_id=a serial=3'", "inline")
    assert len(checker.problems) == 5, checker.problems


# ---------------------------------------------------------------------------------------------
# Changelog


def test_changelog_fragments_lint():
    tool = os.path.join(os.path.dirname(sys.executable), "antsibull-changelog")
    if not os.path.exists(tool):
        pytest.skip("antsibull-changelog is not installed next to this Python (tests/requirements.txt)")
    completed = subprocess.run([tool, "lint"], capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert completed.returncode == 0 and not completed.stdout.strip(), completed.stdout + completed.stderr
