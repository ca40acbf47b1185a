#!/usr/bin/env python3
"""An agent of the delegation ledger's service API, with Python's standard library only.

It claims one delegation addressed to its callee (the agent token names the callee), starts it
with a first heartbeat and then either
  --mode beat      beats until the answer says stop (the caller cancelled, say), and exits 0;
  --mode complete  completes it with --result, and exits 0.
Every step is one JSON line on stdout. The daemon's URL is DELEGATIONS_URL and the token
AGENT_TOKEN: a token in the environment is not shown to other users by `ps`.
Exit codes: 0 done, 1 the service refused or failed, 2 gave up waiting (no work, never stopped).
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Retry-After is honoured up to this; the service asks for 1-5 s.
MAX_RETRY_AFTER_S = 5.0
RETRIES = 5


class ServiceError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body.get('error')}: {body.get('message')}")
        self.status = status
        self.body = body


class Api:
    def __init__(self, base, token, timeout_s):
        self.base = base.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s

    def post(self, path, body):
        """POST JSON; 503 is retried after Retry-After. Returns (status, body); a 4xx/5xx raises ServiceError."""
        data = json.dumps(body).encode("utf-8")
        for attempt in range(RETRIES + 1):
            request = urllib.request.Request(
                self.base + path,
                data=data,
                method="POST",
                headers={
                    "Authorization": "Bearer " + self.token,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return response.status, json.loads(response.read() or b"null")
            except urllib.error.HTTPError as error:
                answer = read_problem(error)
                if error.code == 503 and attempt < RETRIES:
                    time.sleep(retry_after_s(error.headers.get("Retry-After")))
                    continue
                raise ServiceError(error.code, answer) from None
        raise AssertionError("unreachable")


def read_problem(error):
    try:
        return json.loads(error.read() or b"{}")
    except ValueError:
        return {"error": "http_%d" % error.code, "message": "no problem JSON"}


def retry_after_s(header):
    try:
        return min(float(header), MAX_RETRY_AFTER_S)
    except (TypeError, ValueError):
        return 1.0


def say(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def claim(api, interval_s, give_up_at):
    while time.monotonic() < give_up_at:
        _, answer = api.post("/v1/claims", {"limit": 1})
        if answer["delegations"]:
            return answer["delegations"][0]
        time.sleep(interval_s)
    return None


def beat(api, delegation, progress=None):
    body = {"attempt": delegation["attempt"]}
    if progress is not None:
        body["progress"] = progress
    _, answer = api.post("/v1/delegations/%s/heartbeat" % quote(delegation["delegationId"]), body)
    return answer


def quote(segment):
    return urllib.parse.quote(segment, safe="")


def beat_until_stopped(api, delegation, interval_s, give_up_at):
    beats = 0
    while time.monotonic() < give_up_at:
        answer = beat(api, delegation, progress=beats)
        beats += 1
        if beats == 1:
            say("started", status=answer["status"], outcome=answer["outcome"])
        if answer["stop"]:
            say("stopped", reason=answer["reason"], status=answer["status"], beats=beats)
            return 0
        time.sleep(interval_s)
    say("gave_up", beats=beats)
    return 2


def complete(api, delegation, result):
    started = beat(api, delegation)
    if started["stop"]:
        say("stopped", reason=started["reason"], status=started["status"], beats=1)
        return 0
    say("started", status=started["status"], outcome=started["outcome"])
    path = "/v1/delegations/%s/complete" % quote(delegation["delegationId"])
    _, answer = api.post(path, {"attempt": delegation["attempt"], "result": result})
    say("completed", outcome=answer["outcome"], status=answer["delegation"]["status"], result=answer["delegation"]["resultPreview"])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["beat", "complete"], required=True)
    parser.add_argument("--result", default="done")
    parser.add_argument("--interval-ms", type=int, default=200)
    parser.add_argument("--give-up-s", type=float, default=60.0)
    args = parser.parse_args()
    base = os.environ.get("DELEGATIONS_URL")
    token = os.environ.get("AGENT_TOKEN")
    if not base or not token:
        print("DELEGATIONS_URL and AGENT_TOKEN must be set", file=sys.stderr)
        return 1
    api = Api(base, token, timeout_s=10)
    interval_s = args.interval_ms / 1000
    give_up_at = time.monotonic() + args.give_up_s
    try:
        delegation = claim(api, interval_s, give_up_at)
        if delegation is None:
            say("no_work")
            return 2
        say("claimed", delegationId=delegation["delegationId"], attempt=delegation["attempt"], task=delegation["taskPreview"])
        if args.mode == "beat":
            return beat_until_stopped(api, delegation, interval_s, give_up_at)
        return complete(api, delegation, args.result)
    except ServiceError as error:
        say("refused", status=error.status, error=error.body.get("error"), message=error.body.get("message"))
        return 1
    except urllib.error.URLError as error:
        say("unreachable", reason=str(error.reason))
        return 1


if __name__ == "__main__":
    sys.exit(main())
