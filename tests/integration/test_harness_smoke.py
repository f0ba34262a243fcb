# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The integration harness itself: simulator fixture, playbook and ad-hoc runs, the leak check.

Uses only ansible.builtin modules; the collection's own modules are covered by the other tests.
"""

from __future__ import annotations

import base64
import os
import textwrap

import pytest


def write_playbook(tmp_path, tasks, name='smoke.yml'):
    """A one-play playbook on localhost with the given tasks (YAML text)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent('''\
        ---
        - name: Harness smoke test
          hosts: localhost
          gather_facts: false
          tasks:
        ''') + textwrap.indent(textwrap.dedent(tasks), '    '), encoding='utf-8')
    return str(path)


def test_simulator_fixture(sim):
    assert sim.url.startswith('http://127.0.0.1:')
    assert sim.https_url.startswith('https://127.0.0.1:')
    assert os.path.isfile(sim.ca_file)
    assert sim.iotda_secret_key and sim.enos_secret_key and sim.iotda_auth_token
    state = sim.state()
    assert state['iotda']['ca_certificates'] == []
    assert state['enos']['devices'] == []
    assert sim.requests() == []


def test_uri_reads_simulator_state(sim, run_playbook, tmp_path):
    sim.seed_enos_devices([{'asset_id': 'smoke-asset-1'}])
    playbook = write_playbook(tmp_path, '''\
        - name: Read simulator state
          ansible.builtin.uri:
            url: "{{ sim_url }}/_sim/state"
            return_content: true
          register: sim_state

        - name: Read simulator health over HTTPS with its CA
          ansible.builtin.uri:
            url: "{{ sim_https_url }}/_sim/health"
            ca_path: "{{ sim_ca_file }}"

        - name: Check the connection environment
          ansible.builtin.assert:
            that:
              - lookup('ansible.builtin.env', 'IOTDA_ENDPOINT') == sim_url
              - lookup('ansible.builtin.env', 'ENOS_GATEWAY_URL') == sim_url
              - lookup('ansible.builtin.env', 'IOTDA_PROJECT_ID') == sim_iotda_project_id
              - lookup('ansible.builtin.env', 'IOTDA_REGION') == sim_iotda_region
              - lookup('ansible.builtin.env', 'ENOS_ORG_ID') == sim_enos_org_id
              - lookup('ansible.builtin.env', 'IOTDA_SECRET_KEY') | length > 0
              - lookup('ansible.builtin.env', 'ENOS_SECRET_KEY') | length > 0
              - ansible_python_interpreter == ansible_playbook_python
            quiet: true
        ''')
    run = run_playbook(playbook)
    assert run.rc == 0
    state = run.task('Read simulator state')
    assert state['status'] == 200
    assert [d['asset_id'] for d in state['json']['enos']['devices']] == ['smoke-asset-1']
    assert run.task('Read simulator health over HTTPS with its CA')['json'] == {'status': 'ok'}
    assert [r['status'] for r in run.results] == ['ok', 'ok', 'ok']
    assert run.stats['localhost']['ok'] == 3
    assert run.changed == 0
    with pytest.raises(KeyError):
        run.task('no such task')


def test_flags_reach_ansible(run_playbook, tmp_path):
    playbook = write_playbook(tmp_path, '''\
        - name: Report the mode
          ansible.builtin.debug:
            msg: "check={{ ansible_check_mode }} diff={{ ansible_diff_mode }} v={{ ansible_verbosity }} x={{ extra }}"
        ''')
    run = run_playbook(playbook, check=True, diff=True, verbosity=2, extra_vars={'extra': 'given'})
    assert run.task('Report the mode')['msg'] == 'check=True diff=True v=2 x=given'
    assert '--check' in run.command and '--diff' in run.command and '-vv' in run.command


def test_env_override_and_unset(run_playbook, tmp_path):
    playbook = write_playbook(tmp_path, '''\
        - name: Report the environment
          ansible.builtin.debug:
            msg: "{{ lookup('ansible.builtin.env', 'IOTDA_REGION') }}|{{ lookup('ansible.builtin.env', 'ENOS_ORG_ID') }}"
        ''')
    run = run_playbook(playbook, env={'IOTDA_REGION': 'cn-east-3', 'ENOS_ORG_ID': None})
    assert run.task('Report the environment')['msg'] == 'cn-east-3|'


def test_expected_failure_and_records(run_playbook, tmp_path):
    playbook = write_playbook(tmp_path, '''\
        - name: Tolerated failure
          ansible.builtin.command: /bin/false
          changed_when: false
          ignore_errors: true

        - name: Skipped task
          ansible.builtin.debug:
            msg: never
          when: false

        - name: Stop here
          ansible.builtin.fail:
            msg: stopped on purpose
        ''')
    run = run_playbook(playbook, expect_rc=2)
    assert run.rc == 2
    by_name = {r['task']: r for r in run.results}
    assert by_name['Tolerated failure']['failed'] and by_name['Tolerated failure']['ignored']
    assert by_name['Skipped task']['status'] == 'skipped'
    assert by_name['Stop here']['status'] == 'failed'
    assert run.task('Stop here')['msg'] == 'stopped on purpose'
    assert run.failed == 1


def test_unexpected_rc_fails_the_test(run_playbook, tmp_path):
    playbook = write_playbook(tmp_path, '''\
        - name: Stop here
          ansible.builtin.fail:
            msg: stopped on purpose
        ''')
    with pytest.raises(pytest.fail.Exception, match='rc=2, expected 0'):
        run_playbook(playbook)


@pytest.mark.parametrize('render', [
    "{{ lookup('ansible.builtin.env', 'IOTDA_SECRET_KEY') }}",
    "{{ lookup('ansible.builtin.env', 'ENOS_SECRET_KEY') | b64encode }}",
    "prefix-{{ ('x' ~ lookup('ansible.builtin.env', 'IOTDA_SECRET_KEY')) | b64encode }}",
    "{{ sim_iotda_auth_token }}",
])
def test_leak_check_catches_simulator_secrets(run_playbook, tmp_path, render):
    playbook = write_playbook(tmp_path, '''\
        - name: Leak on purpose
          ansible.builtin.debug:
            msg: "%s"
        ''' % render.replace('"', '\\"'))
    with pytest.raises(pytest.fail.Exception, match='SECRET LEAK') as caught:
        run_playbook(playbook)
    # The failure message names the secret but never prints it.
    assert 'sim-iotda-secret-key' not in str(caught.value)
    assert 'sim-enos-app-secret' not in str(caught.value)


def test_leak_check_catches_registered_and_token_shaped_secrets(run_playbook, tmp_path, extra_secrets):
    playbook = write_playbook(tmp_path, '''\
        - name: Print a value
          ansible.builtin.debug:
            msg: "{{ value }}"
        ''')
    registered = 'registered-secret-value-42'
    with pytest.raises(pytest.fail.Exception, match='registered secret'):
        run_playbook(playbook, extra_vars={'value': registered}, secrets=[registered])
    extra_secrets.append(registered)
    encoded = base64.b64encode(registered.encode()).decode()
    with pytest.raises(pytest.fail.Exception, match='registered secret #1 \\(base64\\)'):
        run_playbook(playbook, extra_vars={'value': encoded})
    with pytest.raises(pytest.fail.Exception, match='EnOS access token'):
        run_playbook(playbook, extra_vars={'value': 'APIM' + '0123456789' * 4})
    # Without secrets in it, the same playbook passes.
    assert run_playbook(playbook, extra_vars={'value': 'harmless'}).task('Print a value')['msg'] == 'harmless'


def test_ansible_module_adhoc(sim, ansible_module):
    result = ansible_module('ansible.builtin.uri', {'url': sim.url + '/_sim/config', 'return_content': True})
    assert result.rc == 0
    assert result.result['status'] == 200
    assert result.result['json']['iotda_mode'] == sim.iotda_mode
    assert not result.changed and not result.failed


def test_ansible_module_failure(ansible_module):
    result = ansible_module('ansible.builtin.fail', {'msg': 'nope'}, expect_rc=2)
    assert result.failed
    assert result.result['msg'] == 'nope'


def test_faults_and_request_log(sim, run_playbook, tmp_path):
    sim.fault(status=503, count=1, match={'platform': 'iotda'})
    assert len(sim.faults()['faults']) == 1
    playbook = write_playbook(tmp_path, '''\
        - name: Call IoTDA without credentials
          ansible.builtin.uri:
            url: "{{ sim_url }}/v5/iot/{{ sim_iotda_project_id }}/certificates"
            status_code: [401, 403, 503]
          register: first

        - name: Call IoTDA again
          ansible.builtin.uri:
            url: "{{ sim_url }}/v5/iot/{{ sim_iotda_project_id }}/certificates"
            status_code: [401, 403]
        ''')
    run = run_playbook(playbook)
    assert run.task('Call IoTDA without credentials')['status'] == 503
    log = sim.requests()
    assert [entry['status'] for entry in log] == [503, run.task('Call IoTDA again')['status']]
    assert all(entry['platform'] == 'iotda' and entry['method'] == 'GET' for entry in log)
    assert sim.requests(since=log[0]['seq']) == log[1:]
    sim.clear_requests()
    assert sim.requests() == []


def test_reset_between_tests_part_one(sim):
    sim.seed_enos_devices([{'asset_id': 'left-behind'}])
    sim.config(enos_token_ttl=60)
    assert sim.config()['enos_token_ttl'] == 60


def test_reset_between_tests_part_two(sim):
    # Runs after part one in the same worker or in a fresh one: either way nothing is left.
    assert sim.state()['enos']['devices'] == []
    assert sim.config()['enos_token_ttl'] != 60
