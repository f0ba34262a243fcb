# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection hardening, with real ansible-playbook against the simulator.

Bad connection input (option or environment variable) fails before any request, naming the option
and its variables; failed connections and refused credentials say what to check; a pager whose
marker does not move makes the info module and the lookup fail instead of returning repeats.
"""

from __future__ import annotations

import json


def _messages(run):
    return {r['task']: r['result'].get('msg', '') for r in run.results if r['action'].startswith('iotpki.certificates.')}


def test_bad_connection_input_fails_before_any_request(sim, run_playbook):
    sim.clear_requests()
    run = run_playbook('hardening_connection')
    assert sim.requests() == []
    output = run.stdout + run.stderr
    assert 'Traceback' not in output
    messages = _messages(run)
    assert 'timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0, got -1.0' in messages['Negative timeout']
    assert 'got 0.0' in messages['Zero timeout']
    assert 'retries (or IOTDA_RETRIES) must be a whole number from 0 to 100, got -1' in messages['Negative retries']
    assert 'missing required option: project_id (or IOTDA_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID)' in messages['Empty project_id']
    assert 'timeout (or ENOS_TIMEOUT)' in messages['EnOS negative timeout']
    assert 'ca_path (or IOTDA_CA_PATH): /nonexistent/iotpki-ca.pem does not exist' in messages['Missing ca_path file']
    assert all(r['failed'] for r in run.results if r['action'].startswith('iotpki.certificates.'))
    lookup = run.task('Report the lookup\'s failure')['msg']
    assert 'timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0' in lookup


def test_unreadable_or_missing_environment_values_name_the_variable(sim, run_playbook):
    sim.clear_requests()
    run = run_playbook('hardening_env', env={'IOTDA_TIMEOUT': 'abc', 'ENOS_RETRIES': 'three'})
    messages = _messages(run)
    assert "the environment variable IOTDA_TIMEOUT='abc' is not a number of seconds (it sets timeout)" in messages['IoTDA read']
    assert "the environment variable ENOS_RETRIES='three' is not a whole number (it sets retries)" in messages['EnOS read']

    run = run_playbook('hardening_env', env={'IOTDA_PROJECT_ID': None, 'HUAWEICLOUD_SDK_PROJECT_ID': '', 'ENOS_ORG_ID': None})
    messages = _messages(run)
    assert 'missing required option: project_id (or IOTDA_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID)' in messages['IoTDA read']
    assert 'missing required option: org_id (or ENOS_ORG_ID)' in messages['EnOS read']
    assert sim.requests() == []


def test_messages_say_what_to_fix(sim, run_playbook):
    sim.fault(delay=4, match={'platform': 'iotda', 'instance_id': 'slow-instance'})
    plain = 'https://' + sim.url.split('://', 1)[1]
    run = run_playbook('hardening_messages', extra_vars={'plain_port_https_url': plain})
    messages = _messages(run)
    for task in ('HTTPS on the plain HTTP port, verification on', 'HTTPS on the plain HTTP port, verification off'):
        assert 'did not answer in TLS' in messages[task] and 'plain-HTTP port' in messages[task], messages[task]
        assert 'http:// in endpoint (or IOTDA_ENDPOINT)' in messages[task]
        assert 'validate_certs' not in messages[task] and 'verification failed' not in messages[task]
    no_scheme = messages['No scheme on the plain HTTP port']
    assert 'no scheme was given, so https:// was assumed' in no_scheme and 'gateway_url (or ENOS_GATEWAY_URL)' in no_scheme

    iotda_401 = messages['IoTDA wrong secret key']
    assert 'HTTP 401' in iotda_401 and 'secret_key (or IOTDA_SECRET_KEY / HUAWEICLOUD_SDK_SK)' in iotda_401
    assert 'signing (or IOTDA_SIGNING)' in iotda_401 and 'clock' in iotda_401
    enos_refused = messages['EnOS wrong secret key']
    assert 'encryption is invalid' in enos_refused and 'secret_key (or ENOS_SECRET_KEY)' in enos_refused

    assert 'no answer within 1.5 s' in messages['Read timeout of 1.5 s']


def test_a_clock_off_is_named(sim, run_playbook):
    sim.config(max_skew_seconds=0)  # every timestamp is off now (they have whole seconds or milliseconds)
    messages = _messages(run_playbook('hardening_env'))
    assert 'APIGW.0303' in messages['IoTDA read'] and 'check the clock of the controller' in messages['IoTDA read']
    assert 'clock skew' in messages['EnOS read'] and 'check the clock of the controller' in messages['EnOS read']


def test_a_pager_whose_marker_does_not_move_fails_the_listing(sim, run_playbook):
    stuck = {
        'certificates': [{'certificate_id': '%024x' % (1000 - i), 'cn': 'stuck-%d' % i, 'owner': 'o', 'status': True,
                          'verify_code': 'v', 'create_date': '20260101T000000Z', 'effective_date': '20260101T000000Z',
                          'expiry_date': '20360101T000000Z'} for i in range(50)],
        'page': {'count': 150, 'marker': '%024x' % 951},
    }
    sim.fault(count=20, status=200, body=json.dumps(stuck), match={'platform': 'iotda', 'method': 'GET', 'path': '/certificates'})
    sim.clear_requests()
    run = run_playbook('hardening_paging')
    info = _messages(run)['List every CA certificate']
    assert 'incomplete listing' in info and 'already followed' in info and '100 records read, 50 unique of the 150' in info, info
    assert 'retry later' in info and run.task('List every CA certificate').get('certificates') is None
    lookup = run.task('Report the lookup\'s failure')['msg']
    assert 'incomplete listing' in lookup
    lists = [r for r in sim.requests() if r['platform'] == 'iotda' and r['method'] == 'GET']
    markers = [r['query'].get('marker') for r in lists[:4]]
    assert markers == [None, '%024x' % 951] * 2, lists
    windows = _messages(run)['List every CA certificate in parallel windows']
    assert 'incomplete listing' in windows and '50 unique of the 150' in windows and 'retry later' in windows, windows
    assert run.task('List every CA certificate in parallel windows').get('certificates') is None
