"""Locust users for bench/load.py: a resident, an open data consumer and a link worker.

Not a benchmark of its own: bench/load.py starts the site and runs Locust on this file
(`make bench` runs every bench/*.py as a script; run so, it says so and stops).

What the users ask for comes from a JSON file bench/load.py writes from the database
once, before the run (BENCH_LOAD_TARGETS names it): the areas, categories, activity
pages, Open Referral service ids, the link worker's sign-in and clients. Each request is
named by its route, so Locust's figures group by endpoint, not by address. Anything but
the status expected (200; 302 for the sign-in) counts as an error: a redirect to the
sign-in page is not followed and hidden.

The site runs as in production behind a TLS proxy (BEHIND_TLS_PROXY=1): every request
says `X-Forwarded-Proto: https`, and the sign-in form's POST carries the Origin the CSRF
check wants. FastHttpUser's cookie jar keeps the site's cookies (Secure, for 127.0.0.1)
but does not send them back to an IP address host, so each request carries them in a
Cookie header made from the jar, as a browser behind the proxy would send them.

The area's calendar.ics is asked for with one category, as a resident subscribes to one
kind of activity: the whole area's (every session of eight weeks, ~1,500 activities at
--scale 10) takes over a minute to build and would hold a sync worker that long.
"""

from __future__ import annotations

if __name__ == "__main__":
    print("A Locust file, not a benchmark: run it through bench/load.py")
    raise SystemExit(0)

import json
import os
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, task

_TARGETS = os.environ.get("BENCH_LOAD_TARGETS", "")
TARGETS: dict[str, Any] = json.loads(Path(_TARGETS).read_text()) if _TARGETS else {}
THINK = float(os.environ.get("BENCH_LOAD_THINK", "1.0"))  # mean seconds between pages
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RPDE_FEEDS = ("session-series", "scheduled-sessions")


class Visitor(FastHttpUser):
    """What every user shares: the proxy's header, think time, strict statuses."""

    abstract = True
    wait_time = between(THINK * 0.5, THINK * 1.5)
    default_headers = {"X-Forwarded-Proto": "https"}
    network_timeout = 60.0
    connection_timeout = 10.0

    def cookies(self) -> dict[str, str]:
        jar = self.client.cookiejar
        return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)} if jar else {}

    def get(self, path: str, name: str) -> Any:
        """GET `path`, reported as `name`; an error unless 200. Returns the response."""
        with self.client.get(
            path, name=name, headers=self.cookies(), allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")
            return response


class Resident(Visitor):
    """Someone looking for something to do: What's on, an activity, the area's calendar."""

    weight = 5

    @task(4)
    def whats_on(self) -> None:
        area = random.choice(TARGETS["areas"])
        query = [("category", random.choice(TARGETS["categories"]))]
        if random.random() < 0.5:
            query.append(("day", str(random.randrange(7))))
        if random.random() < 0.3:
            query.append(("time", random.choice(("morning", "afternoon", "evening"))))
        self.get(f"/{area}/whats-on/?{urlencode(query)}", "/<area>/whats-on/?<filters>")

    @task(4)
    def activity(self) -> None:
        area, public_id = random.choice(TARGETS["activities"])
        self.get(f"/{area}/activities/{public_id}/", "/<area>/activities/<id>/")

    @task(1)
    def calendar(self) -> None:
        area = random.choice(TARGETS["areas"])
        category = TARGETS["calendar_category"]
        self.get(f"/{area}/calendar.ics?category={category}", "/<area>/calendar.ics?<category>")


class OpenDataConsumer(Visitor):
    """A directory or booking site reading the open data: ORUK pages and services, and
    the OpenActive RPDE feeds harvested page after page (following each `next`)."""

    weight = 2

    def on_start(self) -> None:
        self.pages = 1
        self.cursor = {feed: f"/api/openactive/{feed}" for feed in RPDE_FEEDS}

    @task(2)
    def oruk_services(self) -> None:
        page = random.randint(1, self.pages)
        response = self.get(f"/api/openreferral/services?page={page}", "/api/openreferral/services")
        if response.status_code == 200:
            self.pages = int(json.loads(response.text)["total_pages"])

    @task(3)
    def oruk_service(self) -> None:
        service = random.choice(TARGETS["services"])
        self.get(f"/api/openreferral/services/{service}", "/api/openreferral/services/<id>")

    @task(2)
    def openactive(self) -> None:
        feed = random.choice(RPDE_FEEDS)
        response = self.get(self.cursor[feed], f"/api/openactive/{feed}")
        if response.status_code != 200:
            return
        page = json.loads(response.text)
        if page["items"]:
            following = urlsplit(page["next"])
            self.cursor[feed] = f"{following.path}?{following.query}"
        else:  # the end of the feed: harvested; start again from the beginning
            self.cursor[feed] = f"/api/openactive/{feed}"


class LinkWorker(Visitor):
    """The demo link worker: signs in once, then opens clients' cases and suggestions."""

    weight = 1

    def on_start(self) -> None:
        origin = (self.host or "").replace("http://", "https://", 1)
        form = self.get("/accounts/sign-in/", "/accounts/sign-in/ (form)")
        found = CSRF_INPUT.search(form.text or "")
        body = urlencode(
            {
                "csrfmiddlewaretoken": found.group(1) if found else "",
                "username": TARGETS["email"],
                "password": TARGETS["password"],
            }
        )
        with self.client.post(
            "/accounts/sign-in/",
            data=body,
            headers={
                **self.cookies(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/accounts/sign-in/",
            },
            name="/accounts/sign-in/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Signed in: sent on (302); the form again (200) means it failed.
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"sign-in failed: status {response.status_code}")

    @task(1)
    def case(self) -> None:
        client = random.choice(TARGETS["clients"])
        self.get(f"/staff/clients/{client}/", "/staff/clients/<id>/")

    @task(1)
    def suggestions(self) -> None:
        client = random.choice(TARGETS["clients"])
        self.get(f"/staff/clients/{client}/suggestions/", "/staff/clients/<id>/suggestions/")
