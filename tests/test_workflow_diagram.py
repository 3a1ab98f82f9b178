"""workflowDiagram: the demo workflows drawn as Mermaid (checked by the real Mermaid parser) and as SVG
(laid out by Graphviz, parsed as XML, naming every task); error transitions dashed; labels escaped and
bounded; Graphviz's limits; the GraphQL field and the workflow_diagram command."""

import base64
import copy
import json
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.documents import generated_workflow
from tests.support.ids import gid
from workflow_design import diagram
from workflow_design.services import workflow_upload

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workflow_design" / "demo"
DEMOS = ("expense-approval", "employee-onboarding", "it-incident")
MERMAID_PARSE = ROOT / "tests" / "support" / "mermaid_parse.mjs"
SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE_TITLE = '<script>alert(1)</script> &amp; "quoted" \\N #quot; `md` end\x01'


def demo(name: str) -> dict:
    return json.loads((DEMO / f"{name}.workflow.json").read_text())


def with_error_route(document: dict) -> dict:
    """The it-incident workflow with an error transition (the second edition's `onError`) leaving its action,
    fed to the pure functions directly: this branch's upload would refuse the prop it does not know yet."""
    document = copy.deepcopy(document)
    document["transitions"].append(
        {
            "fromTask": "page_oncall",
            "toTask": "resolve",
            "onError": ["TIMEOUT", "HTTP_5XX"],
            "condition": {">=": [{"var": "error.attempts"}, 2]},
        }
    )
    return document


def mermaid_parse(texts: list[str]) -> list[dict]:
    """The real Mermaid parser's verdict on each text (the `mermaid` npm package, package.json)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Mermaid texts cannot be checked by Mermaid's parser")
    if not (ROOT / "node_modules" / "mermaid" / "package.json").exists():
        pytest.skip("node_modules/mermaid is missing: run bin/setup (bin/install-graphiql-assets installs it)")
    finished = subprocess.run(
        ["node", str(MERMAID_PARSE)], input=json.dumps(texts), capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(finished.stdout)


def needs_graphviz():
    if diagram.dot_program() is None:
        pytest.skip("Graphviz's dot is not installed (bin/test installs Debian's graphviz): no SVG to check")


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return [element.text or "" for element in root.iter(f"{SVG_NS}text")]


# --- Mermaid ----------------------------------------------------------------------------------------


def test_mermaid_of_the_demo_workflows_parses_with_mermaid():
    hostile = demo("it-incident")
    hostile["tasks"][0]["title"] = HOSTILE_TITLE
    texts = [diagram.mermaid(demo(name)) for name in DEMOS] + [
        diagram.mermaid(with_error_route(hostile)),
        "flowchart TD\n    end --> t_a\n",  # the parser is not lenient: `end` as a node is an error
    ]
    verdicts = mermaid_parse(texts)
    assert [verdict["ok"] for verdict in verdicts] == [True, True, True, True, False], verdicts
    assert {verdict.get("diagramType") for verdict in verdicts[:4]} == {"flowchart-v2"}


def test_mermaid_draws_start_end_task_types_conditions_and_priorities():
    text = diagram.mermaid(demo("employee-onboarding"))
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    wf_start(("start"))' in lines
    assert '    wf_end((("end")))' in lines
    assert '    t_collect_details("Collect details<br>collect_details")' in lines  # FORM: rounded
    assert '    t_create_accounts[["Create accounts<br>create_accounts"]]' in lines  # SYNC_ACTION: subroutine
    assert '    t_order_laptop{{"Order laptop<br>order_laptop"}}' in lines  # ASYNC_ACTION: hexagon
    assert "    wf_start --> t_collect_details" in lines
    assert '    t_create_accounts -->|"ticket.needsLaptop == true; priority 10"| t_order_laptop' in lines
    assert "    t_create_accounts --> t_assign_buddy" in lines  # priority 0 and no condition: no label
    assert "    t_it_checklist --> wf_end" in lines
    assert "    class t_create_accounts sync_action" in lines
    assert "    class t_order_laptop,t_welcome_email async_action" in lines


def test_an_error_transition_is_dashed_and_labelled_with_its_errors():
    document = with_error_route(demo("it-incident"))
    assert '    t_page_oncall -.->|"on TIMEOUT, HTTP_5XX; error.attempts #62;= 2"| t_resolve' in (
        diagram.mermaid(document).splitlines()
    )
    assert "    t_page_oncall --> t_resolve" in diagram.mermaid(document).splitlines()  # the ordinary one stays solid
    dot = diagram.dot_source(document).splitlines()
    assert (
        '    "t_page_oncall" -> "t_resolve" [label="on TIMEOUT, HTTP_5XX; error.attempts >= 2", style=dashed, '
        'color="#d93025", fontcolor="#d93025"];'
    ) in dot
    assert '    "t_page_oncall" -> "t_resolve" [label=""];' in dot


def test_labels_are_escaped_for_mermaid_and_dot():
    document = demo("it-incident")
    document["tasks"][0]["title"] = HOSTILE_TITLE
    node = next(line for line in diagram.mermaid(document).splitlines() if line.startswith("    t_triage("))
    assert node == (
        '    t_triage("#60;script#62;alert(1)#60;/script#62; #38;amp; #34;quoted#34; #92;N #35;quot; #96;md#96; '
        'end<br>triage")'
    )  # the control character at the end is gone
    dot = next(line for line in diagram.dot_source(document).splitlines() if line.startswith('    "t_triage"'))
    assert 'label="<script>alert(1)</script> &amp;amp; \\"quoted\\" \\\\N #quot; `md` end\\ntriage"' in dot


def test_conditions_render_compactly_and_bounded():
    assert diagram.condition_text({"and": [{">": [{"var": "ticket.amount"}, 1000]}, {"!": {"var": "x"}}]}) == (
        "(ticket.amount > 1000) and (not x)"
    )
    assert diagram.condition_text({"in": ["a", ["a", "b"]]}) == '"a" in ["a", "b"]'
    assert diagram.condition_text({"if": [{"var": "a"}, 1, 2]}) == "if(a, 1, 2)"
    huge = {"or": [{"==": [{"var": "ticket.code"}, f"value-{i}" * 50]} for i in range(5000)]}  # ~1.5 MB
    started = time.perf_counter()
    text = diagram.condition_text(huge)
    assert time.perf_counter() - started < 0.05
    assert len(text) == diagram.MAX_LABEL_CHARS
    assert text.endswith("…")
    deep: object = {"var": "x"}
    for _ in range(60):
        deep = {"!": deep}
    assert len(diagram.condition_text(deep)) <= diagram.MAX_LABEL_CHARS


def test_a_long_title_is_cut():
    document = demo("it-incident")
    document["tasks"][0]["title"] = "T" * 255
    graph = diagram.workflow_graph(document)
    assert graph.nodes[1].label == "T" * (diagram.MAX_LABEL_CHARS - 1) + "…\ntriage"


# --- SVG --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEMOS)
def test_svg_of_the_demo_workflows_parses_as_xml_and_names_every_task(name):
    needs_graphviz()
    document = demo(name)
    texts = svg_texts(diagram.svg(document))
    for task in document["tasks"]:
        assert task["title"] in texts
        assert task["key"] in texts
    assert {"start", "end"} <= set(texts)


def test_svg_shows_hostile_text_as_text_and_error_edges_dashed():
    needs_graphviz()
    document = with_error_route(demo("it-incident"))
    document["tasks"][0]["title"] = HOSTILE_TITLE
    svg = diagram.svg(document)
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{SVG_NS}script"))
    assert HOSTILE_TITLE.removesuffix("\x01") in svg_texts(svg)  # shown literally, entity and escape alike
    dashed = [path for path in root.iter(f"{SVG_NS}path") if path.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert "on TIMEOUT, HTTP_5XX; error.attempts >= 2" in svg_texts(svg)


def test_graphviz_past_its_time_limit_is_unavailable(monkeypatch):
    needs_graphviz()
    monkeypatch.setattr(diagram, "DOT_SECONDS", 0.05)
    with pytest.raises(diagram.DiagramUnavailable, match=r"did not lay out the workflow within 0\.05 s"):
        diagram.svg(generated_workflow(300, 900, title="big"))


def test_graphviz_gets_the_source_on_standard_input_only(monkeypatch):
    """Nothing of the document reaches dot's command line, environment or working directory."""
    seen = {}

    def run(arguments, **options):
        seen.update(arguments=arguments, env=options["env"], cwd=options["cwd"], input=options["input"])
        return subprocess.CompletedProcess(arguments, 0, b"<svg/>", b"")

    monkeypatch.setattr(diagram, "dot_program", lambda: "/usr/bin/dot")
    monkeypatch.setattr(diagram.subprocess, "run", run)
    document = demo("it-incident")
    document["tasks"][0]["title"] = "-Tpng -o /tmp/x"
    assert diagram.svg(document) == "<svg/>"
    assert seen["arguments"] == [
        "/bin/sh",
        "-c",
        f'ulimit -v {diagram.DOT_MEMORY_BYTES // 1024} && ulimit -t {int(diagram.DOT_SECONDS) + 1} && exec "$0" -Tsvg',
        "/usr/bin/dot",
    ]
    assert seen["env"] == {}
    assert "ticketflower-dot-" in seen["cwd"]  # a fresh temporary directory
    assert b"-Tpng -o /tmp/x" in seen["input"]


# --- the GraphQL field ------------------------------------------------------------------------------

DIAGRAM = """
query($id: ID!, $version: Int, $format: DiagramFormat!) {
  workflowDiagram(id: $id, version: $version, format: $format) {
    version format text dataUri errors { code message path }
  }
}"""


def diagram_over_http(gql, tenant, **variables) -> dict:
    return gql.data(DIAGRAM, variables, token=tenant.token)["workflowDiagram"]


@pytest.fixture
def incident(tenant_a):
    return workflow_upload(acting_user=tenant_a.admin, document=demo("it-incident")).row


class TestGraphQL:
    def test_mermaid_of_a_stored_workflow(self, gql, tenant_a, incident):
        result = diagram_over_http(gql, tenant_a, id=gid(incident), format="MERMAID")
        assert (result["version"], result["format"], result["errors"]) == (1, "MERMAID", [])
        assert result["text"] == diagram.mermaid(demo("it-incident"))
        prefix = "data:text/plain;charset=utf-8;base64,"
        assert result["dataUri"].startswith(prefix)
        assert base64.b64decode(result["dataUri"][len(prefix) :]).decode() == result["text"]

    def test_svg_of_a_past_version(self, gql, tenant_a, incident):
        needs_graphviz()
        edited = {**demo("it-incident"), "id": gid(incident), "expectedVersion": 1}
        edited["tasks"][0]["title"] = "Triage the incident"
        workflow_upload(acting_user=tenant_a.admin, document=edited)
        first = diagram_over_http(gql, tenant_a, id=gid(incident), version=1, format="SVG")
        current = diagram_over_http(gql, tenant_a, id=gid(incident), format="SVG")
        assert (first["version"], current["version"]) == (1, 2)
        assert "Triage" in svg_texts(first["text"])
        assert "Triage the incident" in svg_texts(current["text"])
        prefix = "data:image/svg+xml;base64,"
        assert base64.b64decode(current["dataUri"].removeprefix(prefix)).decode() == current["text"]

    def test_without_graphviz_svg_is_a_located_problem(self, gql, tenant_a, incident, monkeypatch):
        monkeypatch.setattr(diagram, "dot_program", lambda: None)
        result = diagram_over_http(gql, tenant_a, id=gid(incident), format="SVG")
        assert (result["version"], result["text"], result["dataUri"]) == (1, None, None)
        assert [(p["code"], p["path"]) for p in result["errors"]] == [("DIAGRAM_UNAVAILABLE", "/format")]
        assert "MERMAID" in result["errors"][0]["message"]

    def test_a_drawing_is_laid_out_once_then_kept(self, gql, tenant_a, incident, monkeypatch):
        needs_graphviz()
        layouts = []
        monkeypatch.setattr(
            diagram, "layout_svg", lambda dot, lay_out=diagram.layout_svg: layouts.append(dot) or lay_out(dot)
        )
        first = diagram_over_http(gql, tenant_a, id=gid(incident), format="SVG")
        again = diagram_over_http(gql, tenant_a, id=gid(incident), version=1, format="SVG")
        assert first["text"] == again["text"]
        assert "<svg" in first["text"]
        assert len(layouts) == 1, "the same graph was laid out twice"
        monkeypatch.setattr(diagram, "dot_program", lambda: None)  # unavailable now: not kept either
        edited = {**demo("it-incident"), "id": gid(incident), "expectedVersion": 1}
        edited["tasks"][0]["title"] = "Triage the incident"
        workflow_upload(acting_user=tenant_a.admin, document=edited)
        for _ in range(2):
            unavailable = diagram_over_http(gql, tenant_a, id=gid(incident), format="SVG")
            assert [p["code"] for p in unavailable["errors"]] == ["DIAGRAM_UNAVAILABLE"]
        assert len(layouts) == 3

    def test_unknown_version_and_another_companys_workflow(self, gql, tenant_a, tenant_b, incident):
        unknown = diagram_over_http(gql, tenant_a, id=gid(incident), version=2, format="MERMAID")
        assert [(p["code"], p["path"]) for p in unknown["errors"]] == [("NOT_FOUND", "/version")]
        assert unknown["text"] is None
        foreign = gql.post(DIAGRAM, {"id": gid(incident), "format": "MERMAID"}, token=tenant_b.token)
        nonexistent = gql.post(DIAGRAM, {"id": "abc", "format": "MERMAID"}, token=tenant_b.token)
        assert foreign == nonexistent
        assert [(p["code"], p["path"]) for p in foreign["data"]["workflowDiagram"]["errors"]] == [("NOT_FOUND", "/id")]

    def test_needs_the_workflow_creator_role(self, gql, tenant_a, incident):
        _, token = tenant_a.user(company_roles=["support_agent"])
        forbidden = gql.post(DIAGRAM, {"id": gid(incident), "format": "MERMAID"}, token=token)
        assert forbidden["data"]["workflowDiagram"] is None
        assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- the management command -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_writes_a_diagram_to_a_file(tenant_a, incident, tmp_path, capsys):
    call_command("workflow_diagram", gid(incident))
    assert capsys.readouterr().out == diagram.mermaid(demo("it-incident"))
    needs_graphviz()
    out = tmp_path / "incident.svg"
    call_command("workflow_diagram", gid(incident), "--version", "1", "--format", "svg", "-o", str(out))
    assert "Page on-call engineer" in svg_texts(out.read_text())
    with pytest.raises(Exception, match=r"no workflow .* with version 5"):
        call_command("workflow_diagram", gid(incident), "--version", "5")
