# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The read logic of iotda_certificate_info and the iotda_certificate lookup, through the real
IotdaClient paging code, with the HTTP layer replaced by an in-memory IoTDA."""

from __future__ import annotations

import datetime
import types

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import read, read_query

NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
FP = "4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA"


def iotda_date(days):
    return (NOW + datetime.timedelta(days=days)).strftime("%Y%m%dT%H%M%SZ")


def cid(number):
    return "%024x" % number


class FakeIotda(IotdaClient):
    """The real client (list_all, list_all_by_post) over an in-memory platform instead of HTTP."""

    def __init__(self, ca=(), device=(), devices=None, pages=None, fail_on=None):
        self.calls = []
        self.ca = {item["certificate_id"]: item for item in ca}
        self.device = {item["certificate_id"]: item for item in device}
        self.devices = devices or {}
        self.pages = list(pages) if pages is not None else None  # scripted list answers
        self.fail_on = fail_on  # (call number) -> ApiError
        # base_url: for the URL of an IncompleteListing; the rest is what a Fleet attaches to
        self.http = types.SimpleNamespace(base_url="https://iotda.example", request_count=0, limiter=None, sleep=None,
                                          size_pool=lambda connections: None)
        self.prefix = "/v5/iot/p1"

    def request(self, method, path, query=None, body=None, idempotent=None):
        query = dict(query or [])
        self.calls.append((method, path, query, body))
        if self.fail_on is not None and len(self.calls) == self.fail_on:
            raise ApiError("IoTDA", method, "https://iotda.example" + path, "Internal server error.", 500, "IOTDA.000005", "req-9", True)
        if self.pages is not None:
            return self.pages.pop(0)
        if path.endswith("/list-device"):
            return self._page(self.devices.get(path.split("/")[2], []), "devices", body, id_key="device_id")
        parts = path.strip("/").split("/")
        store = self.ca if parts[0] == "certificates" else self.device
        if len(parts) == 2:
            if parts[1] not in store:
                raise ApiError("IoTDA", method, "https://iotda.example" + path, "The certificate does not exist.", 404, "IOTDA.014300")
            return dict(store[parts[1]])
        items = [
            {k: v for k, v in item.items() if k not in ("content", "certificate_pem", "app_id")}
            for item in store.values()
            if item.get("app_id", query.get("app_id")) == query.get("app_id")
            and item.get("common_name", "").startswith(query.get("common_name", ""))
            and query.get("fingerprint", item.get("fingerprint")) == item.get("fingerprint")
        ]
        return self._page(items, "certificates" if parts[0] == "certificates" else "device_certificates", query)

    @staticmethod
    def _page(items, key, paging, id_key="certificate_id"):
        ordered = sorted(items, key=lambda item: item[id_key], reverse=True)
        marker = paging.get("marker") or "f" * 24
        chosen = [item for item in ordered if item[id_key] < marker][: int(paging["limit"])]
        page = {"count": len(ordered)}
        if chosen:
            page["marker"] = chosen[-1][id_key]
        return {key: chosen, "page": page}

    def list_calls(self):
        return [call for call in self.calls if call[0] == "GET" and call[1] in ("/certificates", "/device-certificates")]


def cas(count, app_id=None, start=1, expiry_days=365):
    return [
        {"certificate_id": cid(start + n), "cn_name": "ca-%d" % (start + n), "status": True, "app_id": app_id,
         "expiry_date": iotda_date(expiry_days), "content": "-----BEGIN CERTIFICATE-----\nCA%d\n-----END CERTIFICATE-----\n" % n}
        for n in range(count)
    ]


def device_certs(count, prefix="meter-", start=1, expiry_days=365):
    return [
        {"certificate_id": cid(start + n), "common_name": "%s%04d" % (prefix, n), "status": "ACTIVE", "fingerprint": "%064X" % (start + n),
         "expiry_date": iotda_date(expiry_days), "certificate_pem": "-----BEGIN CERTIFICATE-----\nD%d\n-----END CERTIFICATE-----\n" % n}
        for n in range(count)
    ]


def run(client, ids=(), missing_ok=False, **options):
    return read(client, read_query(ids, **options), missing_ok=missing_ok, now=NOW).result()


# --- paging -----------------------------------------------------------------------------------


def test_every_page_at_50_per_request_and_total_is_the_platform_count():
    client = FakeIotda(ca=cas(120))
    result = run(client)
    assert (result["total"], result["returned"], result["truncated"]) == (120, 120, False)
    calls = client.list_calls()
    assert len(calls) == 3
    assert [call[2]["limit"] for call in calls] == [50, 50, 50]
    assert "marker" not in calls[0][2]
    assert calls[1][2]["marker"] == result["certificates"][49]["certificate_id"]
    assert [item["certificate_id"] for item in result["certificates"]] == [cid(n) for n in range(120, 0, -1)]


def test_last_page_exactly_50_costs_no_extra_request():
    client = FakeIotda(device=device_certs(100))
    result = run(client, kind="device")
    assert result["returned"] == 100 and len(client.list_calls()) == 2


def test_last_page_exactly_50_without_count_ends_on_the_empty_page():
    full = [{"certificate_id": cid(n)} for n in range(100, 50, -1)]
    rest = [{"certificate_id": cid(n)} for n in range(50, 0, -1)]
    pages = [
        {"certificates": full, "page": {"marker": cid(51)}},
        {"certificates": rest, "page": {"marker": cid(1)}},
        {"certificates": [], "page": {}},
    ]
    client = FakeIotda(pages=pages)
    result = run(client)
    assert (result["total"], result["returned"], result["truncated"]) == (100, 100, False)
    assert len(client.calls) == 3


def test_empty_listing():
    client = FakeIotda(pages=[{"device_certificates": [], "page": {"count": 0}}])
    result = run(client, kind="device")
    assert result == {"certificates": [], "total": 0, "returned": 0, "truncated": False, "failures": []}
    assert len(client.calls) == 1


def test_missing_page_marker_while_count_says_more_fails_the_read():
    page = [{"certificate_id": cid(n)} for n in range(60, 10, -1)]
    client = FakeIotda(pages=[{"certificates": page, "page": {"count": 120}}])
    with pytest.raises(IncompleteListing, match="50 records read of the 120"):
        run(client)
    assert len(client.calls) == 1


def test_a_failed_page_fails_the_whole_read():
    client = FakeIotda(device=device_certs(200), fail_on=3)
    with pytest.raises(ApiError) as caught:
        run(client, kind="device")
    assert caught.value.http_status == 500 and "page" not in str(caught.value).lower()
    assert len(client.calls) == 3


# --- filters, expiry, max_results -------------------------------------------------------------


def test_server_filters_are_sent_and_fingerprint_is_normalised():
    client = FakeIotda(ca=cas(3, app_id="space-a") + cas(2, app_id="space-b", start=10))
    result = run(client, app_id="space-b")
    assert result["total"] == 2 and client.list_calls()[0][2]["app_id"] == "space-b"

    certs = device_certs(5)
    client = FakeIotda(device=certs)
    colons = ":".join(certs[2]["fingerprint"][i:i + 2] for i in range(0, 64, 2)).lower()
    result = run(client, kind="device", fingerprint=colons)
    assert client.list_calls()[0][2]["fingerprint"] == certs[2]["fingerprint"]
    assert [item["certificate_id"] for item in result["certificates"]] == [certs[2]["certificate_id"]]

    client = FakeIotda(device=device_certs(3, prefix="meter-") + device_certs(4, prefix="pump-", start=20))
    result = run(client, kind="device", common_name="pump")
    assert client.list_calls()[0][2]["common_name"] == "pump" and result["total"] == 4


def test_expires_in_days_is_whole_days_and_negative_once_expired():
    certs = device_certs(1, expiry_days=10) + device_certs(1, start=5, expiry_days=-3) + device_certs(1, start=9, expiry_days=0.5)
    certs.append({"certificate_id": cid(30), "common_name": "no-date", "status": "ACTIVE", "fingerprint": "AB" * 32})
    result = run(FakeIotda(device=certs), kind="device")
    days = {item["certificate_id"]: item["expires_in_days"] for item in result["certificates"]}
    assert days == {cid(1): 10, cid(5): -3, cid(9): 0, cid(30): None}


def test_expiring_within_days_is_local_counts_matches_and_keeps_expired_ones():
    certs = device_certs(60, expiry_days=400) + device_certs(3, start=100, expiry_days=29) + device_certs(2, start=200, expiry_days=-1)
    client = FakeIotda(device=certs)
    result = run(client, kind="device", expiring_within_days=30)
    assert sorted(item["certificate_id"] for item in result["certificates"]) == [cid(100), cid(101), cid(102), cid(200), cid(201)]
    assert (result["total"], result["returned"], result["truncated"]) == (5, 5, False)
    assert "expiring_within_days" not in client.list_calls()[0][2]
    assert len(client.list_calls()) == 2


def test_max_results_truncates_and_keeps_the_full_total():
    client = FakeIotda(device=device_certs(130))
    result = run(client, kind="device", max_results=70)
    assert (result["total"], result["returned"], result["truncated"]) == (130, 70, True)
    assert [call[2]["limit"] for call in client.list_calls()] == [50, 20]


def test_max_results_equal_to_the_total_is_not_truncated():
    result = run(FakeIotda(ca=cas(40)), max_results=40)
    assert (result["total"], result["returned"], result["truncated"]) == (40, 40, False)


def test_max_results_after_the_expiry_filter():
    certs = device_certs(10, expiry_days=5) + device_certs(80, start=100, expiry_days=300)
    client = FakeIotda(device=certs)
    result = run(client, kind="device", expiring_within_days=7, max_results=4)
    assert (result["total"], result["returned"], result["truncated"]) == (10, 4, True)
    assert len(client.list_calls()) == 2  # every page is read to count the matches


# --- show calls: IDs, include_content, include_devices ----------------------------------------


def test_one_certificate_by_id_without_and_with_content():
    certs = cas(3)
    client = FakeIotda(ca=certs)
    result = run(client, [cid(2)])
    assert (result["total"], result["returned"], result["truncated"]) == (1, 1, False)
    assert "content" not in result["certificates"][0] and result["certificates"][0]["expires_in_days"] == 365
    assert client.calls == [("GET", "/certificates/" + cid(2), {}, None)]
    result = run(client, [cid(2)], include_content=True)
    assert result["certificates"][0]["content"] == certs[1]["content"]


def test_unknown_id_is_empty_for_the_module_and_an_error_for_the_lookup():
    client = FakeIotda(device=device_certs(1))
    assert run(client, ["nope"], kind="device", missing_ok=True)["total"] == 0
    with pytest.raises(ApiError) as caught:
        run(client, ["nope"], kind="device")
    assert caught.value.http_status == 404


def test_gateway_404_is_an_error_even_when_missing_is_ok():
    class WrongEndpoint(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            raise ApiError("IoTDA", method, "https://x" + path, "The API does not exist.", 404, "APIGW.0101")

    found = read(WrongEndpoint(), read_query(["abc"]), missing_ok=True, now=NOW)
    assert found.certificates == [] and found.missing == []
    assert [entry["target"] for entry in found.failures] == ["abc"] and found.failures[0]["error"]["code"] == "APIGW.0101"
    assert found.failure_message(0).startswith("1 of 1 targets failed (max_failures=0); first: abc: ")
    assert found.failure_message(1) is None


def test_include_content_adds_the_pem_field_with_one_show_call_each():
    certs = device_certs(3)
    client = FakeIotda(device=certs)
    result = run(client, kind="device", include_content=True)
    assert [item["certificate_pem"] for item in result["certificates"]] == [c["certificate_pem"] for c in reversed(certs)]
    assert sum(1 for call in client.calls if call[1].startswith("/device-certificates/")) == 3


def test_include_devices_reads_every_page_of_list_device():
    certs = device_certs(2)
    devices = [{"device_id": "d-%03d" % n} for n in range(75)]
    client = FakeIotda(device=certs, devices={certs[0]["certificate_id"]: devices})
    result = run(client, kind="device", include_devices=True)
    by_id = {item["certificate_id"]: item["devices"] for item in result["certificates"]}
    assert len(by_id[certs[0]["certificate_id"]]) == 75 and by_id[certs[1]["certificate_id"]] == []
    posts = [call for call in client.calls if call[0] == "POST"]
    assert [call[3]["limit"] for call in posts] == [50, 50, 50]  # 2 pages for 75 devices, 1 for none


# --- validation before any request -----------------------------------------------------------


@pytest.mark.parametrize(
    "ids, options, message",
    [
        ((), {"kind": "device", "app_id": "a"}, "app_id only applies to kind=ca"),
        ((), {"include_devices": True}, "include_devices: only for kind=device"),
        ((), {"common_name": "x"}, "common_name: only for kind=device"),
        ((), {"kind": "device", "fingerprint": "12:34"}, "fingerprint must be"),
        ((), {"kind": "device", "common_name": "x" * 33}, "common_name must be"),
        ((), {"app_id": "bad/space"}, "app_id must be"),
        ((), {"expiring_within_days": -1}, "expiring_within_days must be 0 or more"),
        ((), {"max_results": 0}, "max_results must be 1 or more"),
        (("abc",), {"app_id": "a"}, "cannot be combined with certificate IDs"),
        (("",), {}, "certificate_id must not be empty"),
        ((), {"kind": "intermediate"}, "kind must be"),
    ],
)
def test_bad_options_fail_before_any_request(ids, options, message):
    with pytest.raises(InputError, match=message):
        read_query(ids, **options)


def test_fingerprint_sha1_is_accepted():
    assert read_query(kind="device", fingerprint="ab" * 20).fingerprint == "AB" * 20
    assert read_query(kind="device", fingerprint=FP.lower()).fingerprint == FP


def test_empty_strings_count_as_unset_filters():
    query = read_query(kind="ca", app_id="", common_name="", fingerprint="")
    assert (query.app_id, query.common_name, query.fingerprint) == (None, None, None)
