"""The operator's bulk import page: upload a call log, land on the job's page, watch its progress card fill."""

from __future__ import annotations

import asyncio
import re

from bench.hotline_csv import make_csv

ROWS = 12


async def progress(client, job_url: str, tries: int = 400) -> str:
    """The progress card once the job has ended (as htmx would fetch it)."""
    for _ in range(tries):
        card = (await client.get(f"{job_url}/progress", headers={"HX-Request": "true"})).text
        if 'data-status="done"' in card or 'data-status="failed"' in card:
            return card
        assert 'hx-trigger="every 2s"' in card  # a card that is still filing refreshes itself
        await asyncio.sleep(0.05)
    raise AssertionError("the import never finished")


async def test_operator_uploads_and_sees_the_job_progress(site):
    operator = await site.signed_in("operator")
    form = await operator.get("/intake/imports?lang=en")
    assert form.status_code == 200 and "No imports yet." in form.text

    data = make_csv(ROWS, street_id="s-east-1")
    answer = await operator.submit("/intake/imports", {}, files={"file": ("calls.csv", data, "text/csv")})
    assert answer.status_code == 303, answer.text
    job_url = answer.headers["location"]
    assert re.fullmatch(r"/intake/imports/[0-9a-f]{32}", job_url)
    page = await operator.get(job_url)
    assert page.status_code == 200 and "<progress" in page.text and 'id="import-progress"' in page.text

    card = await progress(operator, job_url)
    assert f'data-done="{ROWS}" data-total="{ROWS}"' in card and "hx-trigger" not in card  # finished: polling stops
    assert f"{ROWS} of {ROWS} calls handled (100%)" in (await operator.get(f"{job_url}?lang=en")).text
    listing = await operator.get("/intake/imports")
    assert job_url in listing.text and f"{ROWS} / {ROWS}" in listing.text

    dispatcher = await site.signed_in("dispatcher")
    assert (await dispatcher.get(job_url)).status_code == 403


async def test_a_bad_file_is_shown_back_with_its_rows(site):
    operator = await site.signed_in("operator")
    bad = make_csv(2).decode("utf-8").replace("1381234", "电话", 1).encode()
    answer = await operator.submit("/intake/imports?lang=en", {}, files={"file": ("calls.csv", bad, "text/csv")},
                                   form_page="/intake/imports")
    assert answer.status_code == 400 and "row 2" in answer.text and "No imports yet." in answer.text
