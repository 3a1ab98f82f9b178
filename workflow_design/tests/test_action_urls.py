"""UNSAFE_ACTION_URL: an actionUrl aimed at this server, its network or a cloud's metadata
service is refused in every form a URL parser or resolver accepts."""

from __future__ import annotations

import json

import pytest

from tests.support.documents import DEMO, example
from tests.support.uploads import UPLOAD, located
from workflow_design.models import WorkflowDefinition
from workflow_design.validation import errors, validate_workflow

ACTION_URL = "/tasks/3/actionUrl"  # notify_reporter, an ASYNC_ACTION
CONTRACT_EXAMPLES = DEMO.parents[2] / "shared" / "contract" / "examples"

UNSAFE = {
    "localhost": "http://localhost:8000/hook",
    "localhost, upper case with a trailing dot": "http://LOCALHOST./hook",
    "a subdomain of localhost": "http://api.localhost/hook",
    "GCP metadata": "http://metadata.google.internal/computeMetadata/v1/",
    "GCP metadata, short name": "http://metadata/computeMetadata/v1/",
    "AWS metadata name": "http://instance-data/latest/meta-data/",
    "a private-use .internal name": "https://hr.corp.internal/api",
    "a single-label name": "http://redis:6379/",
    "loopback": "http://127.0.0.1/hook",
    "loopback, short": "http://127.1/hook",
    "loopback, decimal": "http://2130706433/hook",
    "loopback, hex": "http://0x7f.0.0.1/hook",
    "loopback, WHATWG's empty hex parts": "http://0x7f.0x.0x.0x1/hook",  # Node's URL reads 127.0.0.1
    "unspecified, WHATWG's empty hex parts": "http://0x.0x.0x.0x/hook",
    "loopback before a NUL": "http://127.0.0.1%00.example.com/hook",
    "loopback, hex as one number": "http://0x7f000001/hook",
    "loopback, octal": "http://0177.0.0.1/hook",
    "loopback, trailing dot": "http://127.0.0.1./hook",
    "loopback, percent-encoded name": "http://%6c%6fcalhost/hook",
    "loopback, full-width digits and dots": "http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11/hook",
    "private 10/8": "http://10.0.0.5/hook",
    "private 172.16/12": "https://172.16.3.4/hook",
    "private 192.168/16": "http://192.168.1.1/hook",
    "link-local metadata": "http://169.254.169.254/latest/meta-data/",
    "unspecified": "http://0.0.0.0:8000/",
    "unspecified, as 0": "http://0/",
    "shared address space": "http://100.64.0.1/",
    "multicast": "http://224.0.0.1/",
    "reserved": "http://240.0.0.1/",
    "IPv6 loopback": "http://[::1]:8000/hook",
    "IPv6 unique local": "http://[fd12:3456::1]/hook",
    "IPv6 link-local with a zone id": "http://[fe80::1%25eth0]/hook",
    "AWS IPv6 metadata": "http://[fd00:ec2::254]/latest/",
    "IPv4-mapped IPv6 loopback": "http://[::ffff:127.0.0.1]/hook",
    "IPv4-mapped IPv6 metadata, hex": "http://[::ffff:a9fe:a9fe]/latest/",
    "IPv6 multicast": "http://[ff02::1]/",
    "a backslash hiding the host": "http://127.0.0.1\\@hooks.example.com/",
}
PUBLIC = [
    "https://hr.example.com",
    "https://8.8.8.8/x",
    "https://[2001:4860:4860::8888]/x",
    "http://[::ffff:8.8.8.8]/x",
    "https://hooks.example.com:8443/a?b=127.0.0.1#localhost",
    "https://user@hooks.example.com/",
    "https://xn--bcher-kva.example/",
]


def with_action_url(url: str) -> dict:
    document = example()
    document["tasks"][3]["actionUrl"] = url
    return document


@pytest.mark.parametrize("url", UNSAFE.values(), ids=UNSAFE.keys())
def test_an_unsafe_host_is_refused_in_every_form(url):
    problems = validate_workflow(with_action_url(url))
    assert [(p.code, p.path) for p in problems] == [("UNSAFE_ACTION_URL", ACTION_URL)]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_hosts_are_accepted(url):
    assert validate_workflow(with_action_url(url)) == []


@pytest.mark.parametrize("url", [UNSAFE["loopback"], UNSAFE["link-local metadata"], UNSAFE["localhost"]])
def test_the_setting_allows_private_hosts_for_local_development(settings, url):
    settings.ACTION_URLS_ALLOW_PRIVATE_HOSTS = True
    assert validate_workflow(with_action_url(url)) == []


def test_the_message_names_the_host_what_it_is_and_the_fix():
    [problem] = validate_workflow(with_action_url(UNSAFE["loopback, hex"]))
    assert problem.message.startswith('The actionUrl calls "0x7f.0.0.1", the loopback address 127.0.0.1')
    assert "Use the public URL of the service" in problem.message
    [problem] = validate_workflow(with_action_url(UNSAFE["link-local metadata"]))
    assert "the cloud metadata address 169.254.169.254" in problem.message


def test_a_sync_action_is_checked_too():
    document = example()
    document["tasks"][1]["actionUrl"] = "http://[::1]/page"
    assert [(p.code, p.path) for p in validate_workflow(document)] == [("UNSAFE_ACTION_URL", "/tasks/1/actionUrl")]


def test_an_invalid_url_is_reported_once_as_invalid():
    document = with_action_url("ftp://127.0.0.1/")
    assert [(p.code, p.path) for p in validate_workflow(document)] == [("INVALID_URL", ACTION_URL)]


def test_the_demo_and_contract_workflows_stay_valid():
    paths = [*DEMO.glob("*.workflow.json"), *CONTRACT_EXAMPLES.glob("*.workflow.json")]
    assert len(paths) >= 3
    for path in paths:
        assert errors(validate_workflow(json.loads(path.read_text()))) == [], path


@pytest.mark.django_db
def test_upload_workflow_refuses_an_unsafe_action_url(gql, tenant_a):
    body = gql.data(UPLOAD, {"input": with_action_url("http://169.254.169.254/latest/")}, token=tenant_a.token)
    payload = body["uploadWorkflow"]
    assert payload["workflow"] is None
    assert located(payload["errors"]) == [("UNSAFE_ACTION_URL", ACTION_URL)]
    assert not WorkflowDefinition.objects.exists()
