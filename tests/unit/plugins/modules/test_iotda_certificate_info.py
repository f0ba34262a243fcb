# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iotda_certificate_info through main(): results, check mode, bad input, API failures, import cost.
The read logic itself is tested in module_utils/test_iotda_reads.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient
from ansible_collections.iotpki.certificates.plugins.modules import iotda_certificate_info as module_under_test

SECRET = "sk-info-very-secret"
CONNECTION = {"endpoint": "http://127.0.0.1:9", "project_id": "p1", "region": "cn-north-4", "access_key": "AK1", "secret_key": SECRET, "retries": 0}


def device_page(first, count, total):
    records = [{"certificate_id": "%024x" % n, "common_name": "meter-%d" % n, "expiry_date": "20990101T000000Z"} for n in range(first, first - count, -1)]
    page = {"count": total}
    if records:
        page["marker"] = records[-1]["certificate_id"]
    return {"device_certificates": records, "page": page}


@pytest.fixture
def platform(monkeypatch):
    """Scripted answers in order; an ApiError in the list is raised instead of answered."""
    state = {"answers": [], "calls": []}

    def request(client, method, path, query=None, body=None, idempotent=None):
        state["calls"].append((method, path, dict(query or [])))
        answer = state["answers"].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(IotdaClient, "request", request)
    return state


def run_main(capsys, **args):
    with patch_module_args(dict(CONNECTION, **args)):
        with pytest.raises(SystemExit):
            module_under_test.main()
    out = capsys.readouterr().out
    assert SECRET not in out
    return json.loads(out)


def test_listing_reports_total_returned_truncated(platform, capsys):
    platform["answers"] = [device_page(120, 50, 120), device_page(70, 30, 120)]
    result = run_main(capsys, kind="device", max_results=80)
    assert (result["changed"], result["total"], result["returned"], result["truncated"]) == (False, 120, 80, True)
    assert all(item["expires_in_days"] > 20000 for item in result["certificates"])
    assert [call[2]["limit"] for call in platform["calls"]] == [50, 30]


def test_check_mode_reads_the_same(platform, capsys):
    platform["answers"] = [device_page(3, 3, 3)]
    result = run_main(capsys, kind="device", _ansible_check_mode=True)
    assert result["returned"] == 3 and result["changed"] is False and "skipped" not in result


def test_unknown_certificate_id_is_an_empty_list(platform, capsys):
    platform["answers"] = [ApiError("IoTDA", "GET", "http://x/v5/iot/p1/certificates/nope", "The certificate does not exist.", 404, "IOTDA.014300")]
    result = run_main(capsys, certificate_id="nope")
    assert result.get("failed") is not True
    assert (result["certificates"], result["total"], result["returned"], result["truncated"]) == ([], 0, 0, False)


def test_a_failed_page_fails_with_the_error_shape_and_no_partial_list(platform, capsys):
    url = "http://x/v5/iot/p1/device-certificates?limit=50&marker=abc"
    failure = ApiError("IoTDA", "GET", url, "Internal server error.", 500, "IOTDA.000005", "req-7", True)
    platform["answers"] = [device_page(200, 50, 200), device_page(150, 50, 200), failure]
    result = run_main(capsys, kind="device")
    assert result["failed"] is True and "certificates" not in result
    assert result["msg"] == str(failure) and "HTTP 500" in result["msg"]
    assert result["error"]["http_status"] == 500 and result["error"]["request_id"] == "req-7"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"kind": "device", "app_id": "space-a"}, "app_id only applies to kind=ca"),
        ({"include_devices": True}, "include_devices: only for kind=device"),
        ({"kind": "device", "fingerprint": "12:34:zz"}, "fingerprint must be"),
        ({"expiring_within_days": -5}, "expiring_within_days must be 0 or more"),
        ({"max_results": -1}, "max_results must be 1 or more"),
        ({"certificate_id": "abc", "app_id": "space-a"}, "cannot be combined with certificate IDs"),
        ({"kind": "intermediate"}, "value of kind must be one of"),
    ],
)
def test_bad_input_fails_before_any_request(platform, capsys, args, message):
    result = run_main(capsys, **args)
    assert result["failed"] is True and message in result["msg"] and platform["calls"] == []


def test_importing_the_module_does_not_import_cryptography():
    code = (
        "import sys\n"
        "from ansible_collections.iotpki.certificates.plugins.modules import iotda_certificate_info\n"
        "sys.exit(1 if 'cryptography' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
