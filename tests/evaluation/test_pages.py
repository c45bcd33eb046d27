"""Evaluation pages through the app: public pages without sign-in and without personal data; staff pages
behind the sign-in and role checks; downloads that parse back."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from activities.evaluation import freeze
from app.main import create_app
from core.models.users import User
from core.security import hash_password
from tests.evaluation.month import publish

PASSWORD = "test-pass-123"
ACCOUNTS = [("supervisor", "supervisor", "supervision"), ("east-supervisor", "supervisor", "d-east"),
            ("dispatcher", "dispatcher", "centre"), ("h-ecology", "handler", "dept-ecology")]
PERSONAL = ("张三", "13812345678")
STAFF_PAGES = ("/evaluation", "/evaluation/dashboard", "/evaluation/report.csv?month=2026-10")


@pytest.fixture
def app(october: Session, engine, settings):
    now, password = datetime.now(UTC), hash_password(PASSWORD)
    for username, role, unit in ACCOUNTS:
        october.add(User(username=username, display_name=username, role=role, unit_id=unit, password_hash=password,
                         created_at=now))
    october.commit()
    publish(october, "h3", "楼道违建，街道吹哨后拆除。张* 138****5678")
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def sign_in(client: TestClient, username: str) -> TestClient:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text
    return client


def no_outside_assets(html: str) -> None:
    """Nothing from another site, and nothing inline the CSP (style-src 'self', script-src 'self') refuses."""
    assert not re.search(r'(src|href|action)="(https?:)?//', html)
    assert "<style" not in html and " style=" not in html and "<script>" not in html
    assert '<link rel="stylesheet" href="/static/evaluation.css">' in html


def test_public_pages_before_any_month_is_frozen_show_the_latest_month_as_provisional(client):
    for path in ("/public/rankings", "/public/cases", "/public/criticism"):
        page = client.get(path, params={"lang": "en"})  # e2's accept on 1 November is the newest counted event
        assert page.status_code == 200 and "Provisional: 2026-11 has not been frozen yet" in page.text


def test_public_rankings_show_the_frozen_month_without_sign_in(client, october, settings):
    freeze(october, "2026-10", "city", settings)
    page = client.get("/public/rankings")
    assert page.status_code == 200
    html = page.text
    assert "2026-10" in html and "市生态环境局" in html and "东城区城管执法局" in html
    assert "81.82%" in html and "首接负责失职" in html
    for personal in PERSONAL:
        assert personal not in html
    no_outside_assets(html)
    assert client.get("/public/rankings?month=2026-11").status_code == 404
    assert client.get("/public/rankings?month=2026-99").status_code == 400


def test_typical_cases_show_only_the_masked_summary(client, october, settings):
    freeze(october, "2026-10", "city", settings)
    html = client.get("/public/cases").text
    assert "楼道违建，街道吹哨后拆除" in html and "h3" in html
    assert "张三" not in html and "13812345678" not in html
    assert 'id="p-c1"' not in html  # not published


def test_criticised_units_are_named_publicly(client, october, settings):
    freeze(october, "2026-10", "city", settings)
    html = client.get("/public/criticism").text
    assert "市生态环境局" in html and "事项ecology" in html
    assert "张三" not in html


def test_the_stylesheet_is_served_from_this_site(client):
    response = client.get("/static/evaluation.css")
    assert response.status_code == 200 and "url(" not in response.text and "@import" not in response.text


def test_definitions_in_both_languages(client):
    chinese = client.get("/evaluation/definitions")
    assert chinese.status_code == 200 and "响应率" in chinese.text and "齐齐哈尔" in chinese.text
    english = client.get("/evaluation/definitions?lang=en")
    assert "Response rate" in english.text and "Qiqihar" in english.text


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_refuse_a_handler(client, path):
    assert sign_in(client, "h-ecology").get(path).status_code == 403


def test_the_monthly_report_page_for_a_supervisor(client, october, settings):
    sign_in(client, "supervisor")
    live = client.get("/evaluation?month=2026-10&lang=en")
    assert live.status_code == 200 and "81.82%" in live.text and "Provisional" in live.text
    freeze(october, "2026-10", "city", settings)
    newest = client.get("/evaluation")  # by default the newest month with counted events (e2's accept)
    assert "/evaluation/report.pdf?month=2026-11&amp;scope=city" in newest.text
    page = client.get("/evaluation?month=2026-10")
    assert page.status_code == 200 and "2026-10" in page.text and "<svg" in page.text
    assert "/evaluation/report.pdf?month=2026-10&amp;scope=city" in page.text
    no_outside_assets(page.text)
    assert client.get("/evaluation?month=2026-13").status_code == 400


def test_a_district_supervisor_sees_its_district_only(client, october, settings):
    sign_in(client, "east-supervisor")
    page = client.get("/evaluation?month=2026-10&scope=city")
    assert page.status_code == 200 and "东城区" in page.text
    assert "市生态环境局" not in page.text and "东城区城管执法局" in page.text


def test_downloads_parse_back(client):
    sign_in(client, "dispatcher")
    csv_file = client.get("/evaluation/report.csv?month=2026-10&scope=city")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert 'filename="evaluation-2026-10-city.csv"' in csv_file.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == ["月度考评报告", "青川市", "2026-10"]
    book = load_workbook(io.BytesIO(client.get("/evaluation/report.xlsx?month=2026-10").content))
    assert book.sheetnames[0] == "单位考评"
    pdf = client.get("/evaluation/report.pdf?month=2026-10")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert client.get("/evaluation/report.doc?month=2026-10").status_code == 404


def test_the_dashboard_counts_live(client, october):
    sign_in(client, "supervisor")
    page = client.get("/evaluation/dashboard")
    assert page.status_code == 200 and page.text.count("<svg") == 5
    no_outside_assets(page.text)


def test_the_two_way_assessment_page(client):
    sign_in(client, "supervisor")
    page = client.get("/evaluation/assessment?period=2026&lang=en")
    assert page.status_code == 200 and "2026" in page.text
    housing = re.search(r'<tr id="unit-dept-housing">(.*?)</tr>', page.text, re.S).group(1)
    # (1 - 0.3) x 280/3 + 0.3 x 305/4 = 2117/24 = 88.208...
    assert "93.33" in housing and "76.25" in housing and "<strong>88.21</strong>" in housing
    assert client.get("/evaluation/assessment?period=2026-Q4").status_code == 200
    assert client.get("/evaluation/assessment?period=20x6").status_code == 400
    assert sign_in(TestClient(client.app, follow_redirects=False), "h-ecology").get(
        "/evaluation/assessment").status_code == 403
