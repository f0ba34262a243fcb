# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests import the collection as ``ansible_collections.iotpki.certificates`` (tests/pytest.ini
puts its collections root on the path); a plain ``pytest tests/unit`` makes the .build/collections
link when it is missing, as ``make link`` does.
"""

from __future__ import annotations

import sys

from iotpki_test.paths import collections_root


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
    """Make the collection link before any test module is imported."""
    collections_root()
    _patch_module_args_before_2_19()
