#!/usr/bin/env python3
"""Load test of `neural-style serve` (standard library only).

Uploads a photo and a painting once, submits --gatys Gatys jobs, then --requests Magenta
stylize jobs (a random style each) from --concurrency threads. Each job is followed by polling
GET /api/jobs/{id} every 0.2 s until it ends, and a succeeded job's result must be a PNG of the
size asked for. Every job must succeed, or be refused at submission with a clear JSON error
(4xx or 503, counted apart); a job that fails, vanishes (404 before it ended) or does not end
within --timeout-seconds counts against the server. With --pid, the server's resident memory
(that process and all its descendants) is sampled every 0.5 s and its peak reported.

Prints a JSON summary on stdout (progress goes to stderr); exits 1 if any job failed or was lost.
Sends traffic only to --url, which should be a loopback address.
"""

import argparse
import concurrent.futures
import json
import os
import random
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TERMINAL = ("succeeded", "failed", "cancelled")
POLL_INTERVAL = 0.2
REQUEST_TIMEOUT = 60


class Server:
    """A small JSON client for the API at one base URL.

    A GET that meets a connection error (not an HTTP error) is tried again, up to
    GET_ATTEMPTS times in all; retries counts those second tries, for the summary.
    """

    GET_ATTEMPTS = 3

    def __init__(self, url, token=None):
        self.base = url if url.endswith("/") else url + "/"
        self.token = token
        self.retries = 0
        self.retries_lock = threading.Lock()

    def request(self, method, path, body=None, content_type=None):
        """Sends one request; returns (status, headers, body bytes), HTTP errors included."""
        attempts = self.GET_ATTEMPTS if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            try:
                return self.send_once(method, path, body, content_type)
            except OSError:
                if attempt == attempts:
                    raise
                with self.retries_lock:
                    self.retries += 1
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    def send_once(self, method, path, body, content_type):
        """One HTTP exchange: (status, headers, body bytes); HTTP error statuses are returned."""
        request = urllib.request.Request(urllib.parse.urljoin(self.base, path.lstrip("/")),
                                         data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, method, path, payload=None):
        """Sends JSON (if any); returns (status, decoded JSON or None, raw body)."""
        body = None if payload is None else json.dumps(payload).encode()
        status, _headers, raw = self.request(method, path, body,
                                             "application/json" if body is not None else None)
        try:
            return status, json.loads(raw), raw
        except ValueError:
            return status, None, raw

    def upload(self, path):
        """POSTs a picture to /api/uploads; returns its id (raises on anything but 201)."""
        with open(path, "rb") as file:
            data = file.read()
        status, _headers, raw = self.request("POST", "/api/uploads", data,
                                             "application/octet-stream")
        if status != 201:
            raise RuntimeError(f"upload of {path}: HTTP {status}: {raw[:200]!r}")
        return json.loads(raw)["id"]


class Outcome:
    """How one job ended: kind is succeeded, refused, failed or lost."""

    def __init__(self, method, kind, detail="", seconds=None):
        self.method = method
        self.kind = kind
        self.detail = detail
        self.seconds = seconds


class JobRunner:
    """Submits one job and follows it to its end, before a shared deadline."""

    def __init__(self, server, deadline):
        self.server = server
        self.deadline = deadline

    def submit(self, method, payload):
        """POST /api/jobs. Returns (job id, start time) or an Outcome for a refusal or failure."""
        started = time.monotonic()
        if started > self.deadline:
            return Outcome(method, "lost", "not submitted before the timeout")
        try:
            status, job, raw = self.server.json("POST", "/api/jobs", payload)
        except OSError as error:
            return Outcome(method, "failed", f"POST /api/jobs: {error}")
        if status == 202 and job and job.get("id"):
            return job["id"], started
        if (400 <= status < 500 or status == 503) and clear_error(job, status):
            return Outcome(method, "refused", f"{status}: {job['error']['message']}")
        return Outcome(method, "failed", f"POST /api/jobs: HTTP {status}: {raw[:200]!r}")

    def follow(self, method, job_id, started, longest_side):
        """Polls the job until it ends, then checks its result. Returns an Outcome."""
        job = None
        while True:
            if time.monotonic() > self.deadline:
                last = job["status"] if job else "unknown"
                return Outcome(method, "lost", f"{job_id} still {last} at the timeout")
            try:
                status, job_now, raw = self.server.json("GET", f"/api/jobs/{job_id}")
            except OSError as error:
                return Outcome(method, "failed", f"GET /api/jobs/{job_id}: {error}")
            if status == 404:
                return Outcome(method, "lost", f"{job_id} vanished (404) while "
                                               f"{job['status'] if job else 'just submitted'}")
            if status != 200 or not job_now:
                return Outcome(method, "failed", f"GET /api/jobs/{job_id}: HTTP {status}: "
                                                 f"{raw[:200]!r}")
            job = job_now
            if job["status"] in TERMINAL:
                break
            time.sleep(POLL_INTERVAL)
        if job["status"] != "succeeded":
            return Outcome(method, "failed", f"{job_id} {job['status']}: {job.get('error')}")
        return self.check_result(method, job, started, longest_side)

    def check_result(self, method, job, started, longest_side):
        """GETs a succeeded job's result and checks it is a PNG with the right longest side."""
        path = job.get("result") or f"/api/jobs/{job['id']}/result"
        try:
            status, headers, body = self.server.request("GET", path)
        except OSError as error:
            return Outcome(method, "failed", f"GET {path}: {error}")
        seconds = time.monotonic() - started
        size = png_dimensions(body)
        if status != 200 or size is None:
            return Outcome(method, "failed", f"GET {path}: HTTP {status} "
                                             f"{headers.get('Content-Type')}, not a PNG")
        if max(size) != longest_side:
            return Outcome(method, "failed", f"{path}: {size[0]}×{size[1]}, "
                                             f"longest side not {longest_side}")
        if (job.get("width"), job.get("height")) != size:
            return Outcome(method, "failed", f"{path}: PNG {size[0]}×{size[1]} but the job says "
                                             f"{job.get('width')}×{job.get('height')}")
        return Outcome(method, "succeeded", seconds=seconds)

    def run(self, method, payload, longest_side):
        """Submits and follows one job."""
        submitted = self.submit(method, payload)
        if isinstance(submitted, Outcome):
            return submitted
        job_id, started = submitted
        return self.follow(method, job_id, started, longest_side)


class MemorySampler(threading.Thread):
    """Samples the resident memory of a process and all its descendants every 0.5 s."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.first_kib = None
        self.samples = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            total = sum(resident_kib(pid) for pid in process_tree(self.pid))
            self.peak_kib = max(self.peak_kib, total)
            if self.first_kib is None:
                self.first_kib = total
            self.samples += 1
            self.stopping.wait(0.5)

    def stop(self):
        self.stopping.set()
        self.join()


def guarded(function, method, *arguments):
    """function(method, *arguments), with any unexpected exception made a failed Outcome."""
    try:
        return function(method, *arguments)
    except Exception as error:  # a malformed answer must count, not vanish in a thread
        return Outcome(method, "failed", f"{type(error).__name__}: {error}")


def process_tree(root):
    """root and every process descended from it, from /proc/*/stat's parent ids."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue  # gone meanwhile
        # The command name is in parentheses and may hold spaces: the fields follow the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def resident_kib(pid):
    """VmRSS of pid in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def clear_error(body, status):
    """Whether body is the API's error object {"error": {"status", "message"}}."""
    error = body.get("error") if isinstance(body, dict) else None
    return (isinstance(error, dict) and error.get("status") == status
            and isinstance(error.get("message"), str) and error["message"].strip() != "")


def png_dimensions(data):
    """(width, height) from a PNG's IHDR chunk, or None when data is not a PNG."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def percentile(values, fraction):
    """The nearest-rank percentile of values (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return round(ordered[int(rank) - 1], 3)


def style_count(server, model):
    """How many styles model knows, from /api/models."""
    status, answer, raw = server.json("GET", "/api/models")
    if status != 200 or not answer:
        raise RuntimeError(f"GET /api/models: HTTP {status}: {raw[:200]!r}")
    for entry in answer["models"]:
        if entry["name"] == model:
            if not entry["styles"]:
                raise RuntimeError(f"model {model} lists no styles")
            return len(entry["styles"])
    raise RuntimeError(f"the server has no model {model}: "
                       f"{[entry['name'] for entry in answer['models']]}")


def summarize(outcomes, wall, sampler, arguments, retries):
    """The JSON summary of every job's outcome."""
    def counts(method):
        chosen = [o for o in outcomes if method in (None, o.method)]
        return {kind: sum(o.kind == kind for o in chosen)
                for kind in ("succeeded", "refused", "failed", "lost")}

    latencies = [o.seconds for o in outcomes if o.method == "stylize" and o.kind == "succeeded"]
    gatys = [round(o.seconds, 3) for o in outcomes if o.method == "gatys" and o.kind == "succeeded"]
    succeeded = sum(o.kind == "succeeded" for o in outcomes)
    refusals = {}
    for outcome in outcomes:
        if outcome.kind == "refused":
            refusals[outcome.detail] = refusals.get(outcome.detail, 0) + 1
    return {
        "requests": arguments.requests,
        "concurrency": arguments.concurrency,
        "gatysJobs": arguments.gatys,
        "counts": counts(None),
        "stylize": counts("stylize"),
        "gatys": counts("gatys"),
        "wallSeconds": round(wall, 3),
        "throughputJobsPerSecond": round(succeeded / wall, 3) if wall > 0 else None,
        "stylizeLatencySeconds": {
            "p50": percentile(latencies, 0.50),
            "p90": percentile(latencies, 0.90),
            "p99": percentile(latencies, 0.99),
            "max": round(max(latencies), 3) if latencies else None,
        },
        "gatysDurationsSeconds": gatys,
        "peakRssMiB": round(sampler.peak_kib / 1024, 1) if sampler else None,
        "startRssMiB": (round(sampler.first_kib / 1024, 1)
                        if sampler and sampler.first_kib is not None else None),
        "rssSamples": sampler.samples if sampler else 0,
        "getRetries": retries,
        "refusals": refusals,
        "failures": [f"{o.method}: {o.detail}" for o in outcomes if o.kind == "failed"][:20],
        "lost": [f"{o.method}: {o.detail}" for o in outcomes if o.kind == "lost"][:20],
    }


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--photo", required=True)
    parser.add_argument("--painting", required=True)
    parser.add_argument("--requests", type=int, default=200, help="stylize jobs (200)")
    parser.add_argument("--concurrency", type=int, default=20, help="client threads (20)")
    parser.add_argument("--gatys", type=int, default=5, help="Gatys jobs submitted first (5)")
    parser.add_argument("--timeout-seconds", type=float, default=600,
                        help="every job must have ended by then (600)")
    parser.add_argument("--pid", type=int, help="the server's process id, for its peak memory")
    parser.add_argument("--model", default="magenta-26")
    parser.add_argument("--size", type=int, default=256, help="stylize's longest side (256)")
    parser.add_argument("--gatys-size", type=int, default=64)
    parser.add_argument("--gatys-iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="for the random style indices")
    parser.add_argument("--token", default=os.environ.get("NEURAL_STYLE_TOKEN"),
                        help="bearer token, when the server has one")
    arguments = parser.parse_args()
    if arguments.requests < 0 or arguments.gatys < 0 or arguments.concurrency < 1:
        parser.error("--requests and --gatys must be ≥ 0 and --concurrency ≥ 1")
    return arguments


def main():
    arguments = parse_arguments()
    server = Server(arguments.url, arguments.token)
    sampler = MemorySampler(arguments.pid) if arguments.pid else None
    if sampler:
        sampler.start()
    try:
        photo = server.upload(arguments.photo)
        painting = server.upload(arguments.painting) if arguments.gatys else None
        styles = style_count(server, arguments.model)
    except (RuntimeError, OSError, ValueError, KeyError) as error:
        print(f"load test: could not prepare: {error}", file=sys.stderr)
        return 1
    chooser = random.Random(arguments.seed)
    stylize_payloads = [{"method": "stylize", "content": photo, "model": arguments.model,
                         "styleIndex": chooser.randrange(styles), "size": arguments.size}
                        for _ in range(arguments.requests)]
    gatys_payload = {"method": "gatys", "content": photo, "style": painting,
                     "size": arguments.gatys_size, "iterations": arguments.gatys_iterations}

    began = time.monotonic()
    runner = JobRunner(server, began + arguments.timeout_seconds)
    outcomes, lock = [], threading.Lock()
    total = arguments.requests + arguments.gatys

    def record(outcome):
        with lock:
            outcomes.append(outcome)
            if len(outcomes) % 20 == 0 or len(outcomes) == total:
                print(f"load test: {len(outcomes)}/{total} jobs ended "
                      f"({time.monotonic() - began:.1f} s)", file=sys.stderr)

    def record_future(future):
        record(future.result())

    # The Gatys jobs are submitted first, then each is followed by a thread of its own while
    # the stylize jobs run beside the optimisations.
    with concurrent.futures.ThreadPoolExecutor(max(1, arguments.gatys)) as gatys_pool, \
            concurrent.futures.ThreadPoolExecutor(arguments.concurrency) as stylize_pool:
        for _ in range(arguments.gatys):
            submitted = guarded(runner.submit, "gatys", gatys_payload)
            if isinstance(submitted, Outcome):
                record(submitted)
                continue
            job_id, started = submitted
            gatys_pool.submit(guarded, runner.follow, "gatys", job_id, started,
                              arguments.gatys_size).add_done_callback(record_future)
        for payload in stylize_payloads:
            stylize_pool.submit(guarded, runner.run, "stylize", payload,
                                arguments.size).add_done_callback(record_future)
    wall = time.monotonic() - began
    if sampler:
        sampler.stop()

    summary = summarize(outcomes, wall, sampler, arguments, server.retries)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 1 if summary["counts"]["failed"] or summary["counts"]["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
