# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expected failures carry no traceback of the module, even when the operator asks for every traceback.

ansible-core 2.19 attaches the stack of a module's ``fail_json`` to the result when
``ANSIBLE_DISPLAY_TRACEBACK=always`` (older versions at -vvv when it is called inside ``except``);
an API refusal, bad input or a missing ``ca_path`` file is an answer for the operator, not a crash,
so the module returns the SPEC section 5 shape and no stack. At ``always`` ansible-core still prints
its own controller stack under every failed task, ``ansible.builtin.fail`` included ("(traceback
missing)" stands for the module's part): that part is not the collection's and is not checked.
"""

from __future__ import annotations

import re

import pytest

# A stack frame of the module's process (its payload or the collection's code), in any traceback.
MODULE_FRAME = re.compile(r'File "[^"]*(AnsiballZ|ansible_collections/iotpki/)')
ALWAYS = {'ANSIBLE_DISPLAY_TRACEBACK': 'always'}


def _no_traceback(run):
    output = run.stdout + run.stderr
    assert not MODULE_FRAME.search(output), output[-3000:]
    assert 'An exception occurred' not in output and 'The full traceback is' not in output, output[-3000:]
    # ansible-core 2.19+ keeps its controller stack in the result at `always`, after the module's part.
    assert run.result.get('exception', '(traceback missing)').startswith('(traceback missing)'), run.result


# On every ansible-core version (compat) at -vvv, where a traceback would show.
@pytest.mark.parametrize('verbosity', [0, pytest.param(3, marks=pytest.mark.compat)])
def test_an_api_failure_has_no_traceback(sim, ansible_module, verbosity):
    sim.fault(status=500, count=10, match={'platform': 'iotda', 'method': 'GET'})
    run = ansible_module('iotda_certificate_info', {'kind': 'device', 'retries': 0}, env=ALWAYS, verbosity=verbosity, expect_rc=None)
    assert run.failed
    assert 'HTTP 500' in run.result['msg']
    assert run.result['error']['http_status'] == 500
    _no_traceback(run)


@pytest.mark.parametrize('args, message', [
    ({'kind': 'device', 'timeout': -1}, 'timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0'),
    ({'kind': 'devices'}, 'value of kind must be one of: ca, device, got: devices'),
])
def test_bad_input_has_no_traceback(sim, ansible_module, args, message):
    sim.clear_requests()
    run = ansible_module('iotda_certificate_info', args, env=ALWAYS, expect_rc=None)
    assert run.failed
    assert message in run.result['msg']
    assert sim.requests() == []
    _no_traceback(run)


def test_a_missing_ca_path_file_fails_with_the_shape_and_no_traceback(sim, ansible_module):
    sim.clear_requests()
    run = ansible_module('enos_certificate_info', {'asset_id': 'device-1', 'ca_path': '/nonexistent/iotpki-ca.pem'},
                         env=ALWAYS, expect_rc=None)
    assert run.failed
    assert 'ca_path (or ENOS_CA_PATH): /nonexistent/iotpki-ca.pem does not exist' in run.result['msg']
    assert sim.requests() == []
    _no_traceback(run)
