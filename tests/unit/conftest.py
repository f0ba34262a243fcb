# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests import the collection as ``ansible_collections.iotpki.certificates``.

``make units`` sets PYTHONPATH to ``.build/collections`` (a link to this working tree). This
file makes a plain ``pytest tests/unit`` work too: inside an ``ansible_collections/<ns>/<name>``
tree (ansible-test, an installed copy) the enclosing collections root is used, otherwise
``.build/collections`` (the link is made if missing, as ``make link`` does).
"""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    parts = REPO.split(os.sep)
    if len(parts) > 3 and parts[-3] == 'ansible_collections':
        return os.sep.join(parts[:-3])
    root = os.path.join(REPO, '.build', 'collections')
    link = os.path.join(root, 'ansible_collections', 'iotpki', 'certificates')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.islink(link):
            os.unlink(link)
        try:
            os.symlink(os.path.join('..', '..', '..', '..'), link)
        except FileExistsError:  # made meanwhile by another pytest-xdist worker
            pass
    return root


def _patch_module_args_before_2_19():
    """``ansible.module_utils.testing.patch_module_args`` (ansible-core 2.19+) for the older ansible-core
    versions of the compatibility stage (``make compat``), so module tests run unchanged there."""
    try:
        import ansible.module_utils.testing  # noqa: F401  pylint: disable=unused-import
        return
    except ImportError:
        pass
    import contextlib
    import json
    import types

    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args=None):
        args = dict({'_ansible_remote_tmp': '/tmp', '_ansible_keep_remote_files': False}, **(args or {}))
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

    testing = types.ModuleType('ansible.module_utils.testing')
    testing.patch_module_args = patch_module_args
    sys.modules['ansible.module_utils.testing'] = testing


def pytest_configure(config):  # pylint: disable=unused-argument
    """Put the collections root on sys.path before any test module is imported."""
    root = _collections_root()
    if root not in sys.path:
        sys.path.insert(0, root)
    _patch_module_args_before_2_19()
