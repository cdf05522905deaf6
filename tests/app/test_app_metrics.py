"""Legacy app metrics and the batch exports page under AppTest, against the emulator."""

from __future__ import annotations

VIEW = """
from components.app_metrics import view as app_metrics_view
from components.shared.connection import get_client
app_metrics_view.render(get_client(), key="m")
"""


def test_pages_open_from_the_navigation(app, connect_env):
    at = app.run()
    at.switch_page("pages/batch-exports.py").run()
    assert not at.exception and at.title[0].value == "Batch exports"
    assert [t.label for t in at.tabs] == ["Exports", "New export"]
    assert len(at.dataframe[0].value) >= 10
    at.switch_page("pages/app-metrics.py").run()
    assert not at.exception and at.title[0].value == "App metrics"
    assert at.selectbox(key="appm_plugin").options[:2] == ["GeoIP", "S3 Export (legacy plugin)"]


def test_plugin_totals_chart_errors_and_samples(connect_env, run_script):
    at = run_script(VIEW)
    at.selectbox(key="m_plugin").set_value(13).run()  # Salesforce
    assert not at.exception
    cards = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    assert set(cards) == {"Succeeded", "Succeeded on retry", "Failed"}
    assert cards["Failed"] > 0
    # the category list follows the plugin's capabilities
    assert at.selectbox(key="m_category").options == [
        "Reacting to events (onEvent)",
        "Webhooks",
        "Composed webhooks",
    ]
    errors = next(d.value for d in at.dataframe if "Error type" in d.value.columns)
    assert errors["Count"].sum() > 0 and len(at.get("vega_lite_chart")) >= 1
    at.selectbox(key="m_error_type").select(errors.iloc[0]["Error type"]).run()
    assert any("upstream answered 503" in e.value for e in at.error)
    assert any(c.value.startswith(errors.iloc[0]["Error type"]) for c in at.code)
    metrics = [r for r in connect_env.requests if "/app_metrics/13/" in r.path]
    assert metrics and metrics[0].query["date_from"]


def test_category_filter_is_sent(connect_env, run_script):
    at = run_script(VIEW)
    at.selectbox(key="m_plugin").set_value(13).run()
    at.selectbox(key="m_category").set_value("webhook").run()
    sent = [r for r in connect_env.requests if r.path.endswith("/app_metrics/13/")]
    assert sent[-1].query["category"] == ["webhook"]


def test_batch_export_metrics_and_historical_exports(connect_env, run_script):
    at = run_script(VIEW)
    at.radio(key="m_kind").set_value("Batch export").run()
    export = next(x for x in connect_env.batch_exports.values() if x["name"].startswith("Snowf"))
    at.selectbox(key="m_export").set_value(export["id"]).run()
    assert not at.exception
    assert any("no error breakdown" in c.value for c in at.caption)
    at.radio(key="m_kind").set_value("Plugin").run()
    at.selectbox(key="m_plugin").set_value(12).run()  # the S3 export plugin
    jobs = next(d.value for d in at.dataframe if "Job" in d.value.columns)
    assert set(jobs["Status"]) == {"success", "fail", "not_finished"}
    at.selectbox(key="m_job").select(jobs.iloc[0]["Job"]).run()
    assert not at.exception and at.json
    assert any(f"historical_exports/{jobs.iloc[0]['Job']}/" in r.path for r in connect_env.requests)


def test_missing_plugin_list_falls_back_to_an_id(connect_env, run_script):
    connect_env.inject_fault("status", path_contains="/plugin_configs", status=404, times=5)
    at = run_script(VIEW)
    assert any("could not be loaded" in c.value for c in at.caption)
    at.number_input(key="m_id").set_value(11).run()
    assert not at.exception and at.metric
