"""The benchmark report: the machine, one summary table, the targets (met or missed), and details per benchmark."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from typing import Any

from harness import Table, dynamodb_local_version, fmt, fmt_ratio


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return ((result.stdout or result.stderr).strip().splitlines() or ["?"])[0]


def machine_info() -> dict[str, str]:
    cpu = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kib = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    os_name = platform.platform()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as release:
            match = re.search(r'^PRETTY_NAME="?([^"\n]+)', release.read(), re.MULTILINE)
            if match:
                os_name = f"{match.group(1)} (kernel {platform.release()})"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores ({usable} usable by this process)",
        "RAM": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "OS": os_name,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "boto3 / botocore": f"{_version('boto3')} / {_version('botocore')}",
        "aws-cdk-lib / constructs / jsii": f"{_version('aws-cdk-lib')} / {_version('constructs')} / {_version('jsii')}",
        "Node.js": _first_line(["node", "--version"]),
        "Java": _first_line(["java", "-version"]),
        "DynamoDB Local": dynamodb_local_version(),
    }


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


# ------------------------------------------------------------------------------------------ summary table


def summary_table(results: dict[str, Any]) -> Table:
    table = Table(["#", "benchmark", "arm", "n", "min", "median", "max", "p95", "p99", "unit", "ratio (medians)"])

    def row(
        number: str, bench: str, arm: str, sample: dict[str, Any], ratio_text: str = "", tails: bool = False
    ) -> None:
        table.add(
            number,
            bench,
            arm,
            sample["n"],
            fmt(sample["min"]),
            fmt(sample["median"]),
            fmt(sample["max"]),
            fmt(sample["p95"]) if tails else "",
            fmt(sample["p99"]) if tails else "",
            sample["unit"],
            ratio_text,
        )

    def single(number: str, bench: str, arm: str, value: float, unit: str) -> None:
        """A row holding one measured value (no spread), shown in the median column."""
        table.add(number, bench, arm, 1, "", fmt(value), "", "", "", unit, "")

    cold = results.get("cold_start")
    if cold:
        floor = "floor: boto3 direct"
        for metric, label in (("wall_ns", "cold start, wall"), ("inside_ns", "cold start, in child")):
            for arm in [floor, *cold["ratios"]]:
                ratio_text = (
                    "1.00x (floor)" if arm == floor else fmt_ratio(cold["ratios"][arm][metric]["ratio_of_medians"])
                )
                row("1", label, arm, cold["samples"][f"{arm}|{metric}"], ratio_text)
    warm = results.get("warm")
    if warm:
        samples = warm["samples"]
        ratios = warm["ratios_p50"]
        row("2", "warm POST", "handler", samples["POST handler"], fmt_ratio(ratios["POST"]), tails=True)
        row(
            "2",
            "warm POST",
            "raw TransactWriteItems",
            samples["POST raw TransactWriteItems"],
            "1.00x (floor)",
            tails=True,
        )
        row(
            "2",
            "warm POST",
            "raw put_item (no summary)",
            samples["POST raw put_item"],
            f"txn/put {fmt_ratio(ratios['summary_transaction_vs_put'])}",
            tails=True,
        )
        row("2", "warm GET (10 reviews)", "handler", samples["GET handler"], fmt_ratio(ratios["GET"]), tails=True)
        row(
            "2",
            "warm GET (10 reviews)",
            "raw Query (page and summary)",
            samples["GET raw Query"],
            "1.00x (floor)",
            tails=True,
        )
        if "SUMMARIES handler" in samples:
            label = "warm GET /summaries (24 products)"
            row("2", label, "handler", samples["SUMMARIES handler"], fmt_ratio(ratios["SUMMARIES"]), tails=True)
            row("2", label, "raw BatchGetItem", samples["SUMMARIES raw BatchGetItem"], "1.00x (floor)", tails=True)
        labels = {"GET": "warm GET (10 reviews)", "SUMMARIES": "warm GET /summaries (24 products)"}
        for method, diagnostic in warm.get("own_client", {}).items():
            arm, raw = diagnostic["arm"], diagnostic["raw_arm"]
            ratio_text = f"{fmt_ratio(samples[arm]['median'] / samples[raw]['median'])} (diagnostic)"
            row("2", labels[method], "same call, handler's client", samples[arm], ratio_text, tails=True)
    lifecycle = results.get("lifecycle")
    if lifecycle:
        floors = {
            "edit": "raw TransactWriteItems (2 items)",
            "delete": "raw TransactWriteItems (4 items)",
            "decision": "raw TransactWriteItems (2 items)",
            "report": "raw GetItem + UpdateItem",
            "vote": "raw GetItem + TransactWriteItems (2 items)",
            "verification": "raw GetItem x2 + UpdateItem",
        }
        for write, floor in floors.items():
            samples = lifecycle["samples"]
            label = f"lifecycle {write}"
            row(
                "7",
                label,
                "handler",
                samples[f"{write} handler"],
                fmt_ratio(lifecycle["ratios_p50"][write]),
                tails=True,
            )
            row("7", label, floor, samples[f"{write} raw"], "1.00x (floor)", tails=True)
    synth = results.get("synth")
    if synth:
        for metric, label in (("wall_ns", "synth, wall"), ("inside_ns", "synth, in child")):
            row("3", label, "empty stack (jsii floor)", synth["samples"][f"empty stack|{metric}"], "1.00x (floor)")
            row(
                "3",
                label,
                "one ProductReviewsApi",
                synth["samples"][f"ProductReviewsApi|{metric}"],
                fmt_ratio(synth[f"ratio_{metric}"]),
            )
    local = results.get("local_api")
    if local:
        *http_arms, inprocess_name = list(local["rates"])
        for name in http_arms:
            row(
                "4",
                "local API rate per round",
                name,
                local["rates"][name],
                fmt_ratio(local["ratios"][name]) + " (overall)",
            )
        row("4", "local API rate per round", inprocess_name, local["rates"][inprocess_name], "1.00x (baseline)")
        for name in [*http_arms, inprocess_name]:
            row("4", "local API latency", name, local["latency"][name], "", tails=True)
    asset = results.get("asset_size")
    if asset:
        single("5", "asset size (zip, deflate)", asset["asset"][:18] + "...", asset["zip_kb"], "KB")
    memory = results.get("memory")
    if memory:
        for label, key in (
            ("memory: RSS after warm-up", "warm_rss_kib"),
            ("memory: RSS at the end", "end_rss_kib"),
            ("memory: peak RSS (VmHWM)", "peak_rss_kib"),
        ):
            single("6", label, "handler process", memory[key] / 1024, "MiB")
    return table


# ------------------------------------------------------------------------------------------------ targets


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(benchmark, target, measured, verdict) for every benchmark that ran."""
    lines = []
    cold = results.get("cold_start")
    if cold:
        arm = "handler (asset as deployed, no .pyc)"
        wall = cold["ratios"][arm]["wall_ns"]
        inside = cold["ratios"][arm]["inside_ns"]
        floor_wall = cold["samples"]["floor: boto3 direct|wall_ns"]["median"]
        mine_wall = cold["samples"][f"{arm}|wall_ns"]["median"]
        lines.append(
            (
                "1. cold start (wall)",
                f"<= {cold['target_ratio']:.2f}x floor",
                f"{fmt(mine_wall)} ms vs {fmt(floor_wall)} ms = {fmt_ratio(wall['ratio_of_medians'])} "
                f"(paired {fmt_ratio(wall['paired']['min'])}-{fmt_ratio(wall['paired']['max'])})",
                verdict(wall["ratio_of_medians"] <= cold["target_ratio"]),
            )
        )
        floor_inside = cold["samples"]["floor: boto3 direct|inside_ns"]["median"]
        mine_inside = cold["samples"][f"{arm}|inside_ns"]["median"]
        lines.append(
            (
                "1. cold start (in child)",
                f"<= {cold['target_ratio']:.2f}x floor",
                f"{fmt(mine_inside)} ms vs {fmt(floor_inside)} ms = {fmt_ratio(inside['ratio_of_medians'])} "
                f"(paired {fmt_ratio(inside['paired']['min'])}-{fmt_ratio(inside['paired']['max'])})",
                verdict(inside["ratio_of_medians"] <= cold["target_ratio"]),
            )
        )
    warm = results.get("warm")
    if warm:
        for method, floor in (
            ("POST", "POST raw TransactWriteItems"),
            ("GET", "GET raw Query"),
            ("SUMMARIES", "SUMMARIES raw BatchGetItem"),
        ):
            if f"{method} handler" not in warm["samples"]:
                continue
            mine = warm["samples"][f"{method} handler"]["median"]
            base = warm["samples"][floor]["median"]
            lines.append(
                (
                    f"2. warm {'GET /summaries (24 products)' if method == 'SUMMARIES' else method} p50",
                    f"<= {warm['target_ratio']:.2f}x raw boto3",
                    f"{fmt(mine)} ms vs {fmt(base)} ms = {fmt_ratio(warm['ratios_p50'][method])}",
                    verdict(warm["ratios_p50"][method] <= warm["target_ratio"]),
                )
            )
    lifecycle = results.get("lifecycle")
    if lifecycle:
        for write, ratio_value in lifecycle["ratios_p50"].items():
            mine = lifecycle["samples"][f"{write} handler"]["median"]
            base = lifecycle["samples"][f"{write} raw"]["median"]
            lines.append(
                (
                    f"7. lifecycle {write} p50",
                    f"<= {lifecycle['target_ratio']:.2f}x raw boto3, same items",
                    f"{fmt(mine)} ms vs {fmt(base)} ms = {fmt_ratio(ratio_value)}",
                    verdict(ratio_value <= lifecycle["target_ratio"]),
                )
            )
    synth = results.get("synth")
    if synth:
        lines.append(
            (
                "3. synth",
                "no target (ratio reported)",
                f"{fmt(synth['samples']['ProductReviewsApi|wall_ns']['median'])} ms vs "
                f"{fmt(synth['samples']['empty stack|wall_ns']['median'])} ms = {fmt_ratio(synth['ratio_wall_ns'])}",
                "n/a",
            )
        )
    local = results.get("local_api")
    if local:
        *http_arms, inprocess_name = list(local["rates"])
        for name in http_arms:
            paired = local["paired_round_ratios"][name]
            lines.append(
                (
                    f"4. local API rate ({name.removeprefix('tap-reviews local, ')})",
                    f">= {local['target_ratio']:.2f}x in-process",
                    f"{fmt(local['overall_rate'][name])} vs {fmt(local['overall_rate'][inprocess_name])} req/s "
                    f"= {fmt_ratio(local['ratios'][name])} "
                    f"(per round {fmt_ratio(paired['min'])}-{fmt_ratio(paired['max'])}); "
                    f"p99 {fmt(local['latency'][name]['p99'])} vs {fmt(local['latency'][inprocess_name]['p99'])} ms",
                    verdict(local["ratios"][name] >= local["target_ratio"]),
                )
            )
        check = local["read_back"]
        lines.append(
            (
                "4. acknowledged writes read back",
                "0 lost, every summary exact",
                f"{check['read_back']} of {check['acknowledged']} read back, {check['lost']} lost; "
                f"{check['summary_mismatches']} of {check['products']} summaries differ from a recount",
                verdict(check["lost"] == 0 and check["summary_mismatches"] == 0),
            )
        )
    asset = results.get("asset_size")
    if asset:
        lines.append(
            (
                "5. asset size",
                f"<= {asset['target_kb']:.0f} KB",
                f"{fmt(asset['zip_kb'])} KB ({asset['zip_bytes']:,} bytes, {asset['files']} files)",
                verdict(asset["met"]),
            )
        )
    memory = results.get("memory")
    if memory:
        lines.append(
            (
                "6. memory growth after warm-up",
                f"<= {memory['tolerance_kib']} KiB",
                f"{memory['growth_kib']:+,} KiB ({fmt(memory['warm_rss_kib'] / 1024)} -> "
                f"{fmt(memory['end_rss_kib'] / 1024)} MiB "
                f"over {memory['requests']:,} requests; peak {fmt(memory['peak_rss_kib'] / 1024)} MiB)",
                verdict(memory["met"]),
            )
        )
    return lines


def targets_table(results: dict[str, Any]) -> Table:
    table = Table(["benchmark", "target", "measured", "verdict"])
    for line in targets(results):
        table.add(*line)
    return table


# ------------------------------------------------------------------------------------------------ details


def details(results: dict[str, Any]) -> str:
    parts = []
    cold = results.get("cold_start")
    if cold:
        init = Table(["arm", "import phase median (ms)", "in child median (ms)", "wall median (ms)"])
        for arm in ["floor: boto3 direct", *cold["ratios"]]:
            init.add(
                arm,
                fmt(cold["samples"][f"{arm}|init_ns"]["median"]),
                fmt(cold["samples"][f"{arm}|inside_ns"]["median"]),
                fmt(cold["samples"][f"{arm}|wall_ns"]["median"]),
            )
        deployed = "handler (asset as deployed, no .pyc)"
        extra = cold["ratios"][deployed]
        own = cold["ratios_to_botocore_floor"][deployed]
        parts.append(
            "### 1. Cold start\n\n"
            f"{cold['runs']} runs per arm, interleaved (rotating order), each a fresh `python -I -B` process; one "
            "warm-up run per arm not counted. The import phase is the handler module's import (Lambda's init: "
            "it imports botocore, not the boto3 package) or the floor's `import boto3` (`import "
            "botocore.session` for the botocore floor). The handler arm answered "
            f"{'201 + 200 every time' if not cold['unexpected_statuses'] else cold['unexpected_statuses']}. "
            f"The deployed-asset handler costs {fmt(extra['wall_ns']['extra_ms'])} ms more wall time and "
            f"{fmt(extra['inside_ns']['extra_ms'])} ms more in-child time than the boto3 floor (medians; the "
            "target). Against the botocore floor, which makes the same calls without importing boto3 as the "
            f"handler does, it is {fmt_ratio(own['wall_ns']['ratio_of_medians'])} wall and "
            f"{fmt_ratio(own['inside_ns']['ratio_of_medians'])} in child "
            f"({fmt(own['inside_ns']['extra_ms'])} ms more in child): that is what the runtime's own code costs."
            "\n\n" + init.markdown()
        )
    warm = results.get("warm")
    if warm:
        own = warm["handler_own_work_us"]
        statuses = "; ".join(f"{arm}: {codes}" for arm, codes in warm["statuses"].items())
        parts.append(
            "### 2. Warm latency\n\n"
            f"{warm['calls']} measured calls per arm after {warm['warmup']} warm-up calls, one call at a time, each "
            "round of arms in a shuffled order. p95 ratios: "
            f"POST {fmt_ratio(warm['ratios_p95']['POST'])}, GET {fmt_ratio(warm['ratios_p95']['GET'])}. "
            f"Difference of medians, handler minus raw: POST {fmt(warm['extra_ms_p50']['POST'] * 1000)} us, "
            f"GET {fmt(warm['extra_ms_p50']['GET'] * 1000)} us. The summary transaction costs "
            f"{fmt_ratio(warm['ratios_p50']['summary_transaction_vs_put'])} a plain put_item at p50. "
            f"Statuses (all calls, warm-up included): {statuses}.\n\n"
            "Diagnostic, DynamoDB client stubbed (canned responses of the same calls): the handler's own work is "
            f"{fmt(warm['handler_own_work_us']['POST'])} us per POST and {fmt(warm['handler_own_work_us']['GET'])} us "
            "per GET (medians), so the ratio it can cause on its own is about "
            f"{fmt_ratio(1 + own['POST'] / 1000 / warm['samples']['POST raw TransactWriteItems']['median'])} "
            f"(POST) and {fmt_ratio(1 + own['GET'] / 1000 / warm['samples']['GET raw Query']['median'])} "
            "(GET); differences beyond that are DynamoDB Local and the machine."
            + (
                "\n\nThe handler's DynamoDB client takes item reads' JSON as it is (botocore walks every attribute "
                "value through the service model to give back the same values). The same calls through that "
                "client: boto3's raw Query takes "
                f"{fmt_ratio(warm['own_client']['GET']['raw_ratio'])} of it and the handler's GET "
                f"{fmt_ratio(warm['own_client']['GET']['handler_ratio'])}; boto3's raw BatchGetItem takes "
                f"{fmt_ratio(warm['own_client']['SUMMARIES']['raw_ratio'])} and the handler's GET /summaries "
                f"{fmt_ratio(warm['own_client']['SUMMARIES']['handler_ratio'])} (p50). So the targets compare the "
                "handler with what boto3 costs, and these ratios show what the handler's own code costs."
                if "own_client" in warm
                else ""
            )
        )
    lifecycle = results.get("lifecycle")
    if lifecycle:
        statuses = "; ".join(f"{arm}: {codes}" for arm, codes in lifecycle["statuses"].items())
        parts.append(
            "### 7. Lifecycle writes\n\n"
            f"{lifecycle['calls']} measured calls per arm after {lifecycle['warmup']} warm-up calls, one at a time, "
            "each round of the 12 arms in a shuffled order. Every handler edit, deletion and decision is one "
            "DynamoDB transaction with If-Match (no read first), and its raw arm writes exactly the same items "
            "(built by the runtime's own item builders, untimed); a report is a GetItem of the locator and one "
            "UpdateItem, a helpful vote a GetItem of the locator and a transaction of the vote and the review's "
            "counts, a verified-purchase mark two GetItems (the locator, the review) and one conditional "
            "UpdateItem, in both arms. "
            f"Statuses (all calls, warm-up included): {statuses}."
        )
    synth = results.get("synth")
    if synth:
        parts.append(
            "### 3. Synth\n\n"
            f"{synth['runs']} runs per arm, interleaved, each a fresh `python -I` process (jsii start-up included); "
            "one warm-up run per arm not counted. Paired wall-time ratios (run i of each arm): "
            f"{fmt_ratio(synth['paired_wall_ns']['min'])} / {fmt_ratio(synth['paired_wall_ns']['median'])} / "
            f"{fmt_ratio(synth['paired_wall_ns']['max'])} (min/median/max). One ProductReviewsApi adds "
            f"{fmt(synth['extra_ms_wall_ns'])} ms of wall time to the empty stack's synthesis (medians)."
        )
    local = results.get("local_api")
    if local:
        check = local["read_back"]
        statuses = "; ".join(f"{arm}: {codes}" for arm, codes in local["statuses"].items())
        keep_alive, new_connection = list(local["probe_ms"])
        probe_gap = local["probe_ms"][keep_alive] - local["probe_ms"][new_connection]
        nagle = (
            " A kept-alive request waits about 40 ms longer than one on a new connection: the signature of "
            "Nagle's algorithm meeting delayed ACKs. The server (uvicorn, `tap_reviews/local/server.py`) "
            "sends the status line and headers, then the body, in two writes without TCP_NODELAY; on a kept-alive "
            "connection the body waits for the client's delayed ACK of the headers. A new connection starts in "
            "quick-ACK mode and does not wait. The fix belongs in the server (TCP_NODELAY on accepted sockets, "
            "or headers and body in one write), not in the benchmark."
            if probe_gap > 30
            else ""
        )
        labels = list(next(iter(local["cpu_ms_per_request"].values())))
        cpu = Table(["arm", *labels, "total", "req/s", "cores busy (total x req/s)"])
        for name, by_process in local["cpu_ms_per_request"].items():
            total = sum(by_process.values())
            cpu.add(
                name,
                *(fmt(by_process[label]) for label in labels),
                fmt(total),
                fmt(local["overall_rate"][name]),
                fmt(total * local["overall_rate"][name] / 1000),
            )
        paired = "; ".join(
            f"{name}: {fmt_ratio(r['min'])} / {fmt_ratio(r['median'])} / {fmt_ratio(r['max'])}"
            for name, r in local["paired_round_ratios"].items()
        )
        parts.append(
            "### 4. Local API\n\n"
            f"The server serves the bench app's own stack (`bench/bench_app.py`), whose stage throttles at "
            f"{local['rate_limit']:g} requests/s with a burst of {local['burst_limit']}: the example app's "
            "TapStackdev (10/s, burst 20) would make the gateway's token bucket the limit. (the construct refuses "
            "a burst below the rate, so the burst equals the rate.) "
            f"{local['rounds']} rounds of {local['per_round']} requests per arm (rotating order) after "
            f"{local['warmup']} warm-up requests per arm, {local['clients']} concurrent clients, "
            f"{local['post_share']:.0%} POST / {1 - local['post_share']:.0%} GET over 100 products seeded with "
            "10 reviews each; every arm uses the same DynamoDB Local and table. The server runs the function in "
            f"{local['environments']} execution environments (processes, as Lambda gives each concurrent request "
            "its own), the in-process arm in 4 threads of one interpreter: so the server's rate is not bound by "
            "one interpreter lock, though it spends more CPU per request (HTTP, the gateway, handing events "
            "between processes; see the total below). Per-round rate ratios vs in-process "
            f"(min / median / max): {paired}. Statuses (measured rounds): {statuses}.\n\n"
            f"Probe, one idle client, median of {local['probe_requests']} GETs: kept-alive "
            f"{fmt(local['probe_ms'][keep_alive])} ms, new connection "
            f"{fmt(local['probe_ms'][new_connection])} ms.{nagle}\n\n"
            f"CPU per request over the measured rounds, by process (ms; the machine has {os.cpu_count()} cores, "
            "so a CPU-bound arm tops out near cores x 1,000 / total; other tenants of the machine take a share):\n\n"
            + cpu.markdown()
            + "\n\n"
            f"Read back: {check['read_back']} of {check['acknowledged']} acknowledged writes (all arms, warm-up "
            f"included) over {check['products']} products, {check['lost']} lost; {check['summary_mismatches']} "
            "product summaries whose review count differs from the reviews stored. "
            f"Server exit code after Ctrl-C: {local['server_exit_code']}."
        )
    asset = results.get("asset_size")
    if asset:
        parts.append(
            "### 5. Asset size\n\n"
            f"`{asset['asset']}` as synthesized: {asset['files']} files, {asset['uncompressed_bytes']:,} bytes "
            f"uncompressed, {asset['zip_bytes']:,} bytes zipped with deflate (KB = 1,000 bytes)."
        )
    memory = results.get("memory")
    if memory:
        points = Table(["checkpoint", "VmRSS (MiB)", "VmHWM (MiB)"])
        for point in memory["checkpoints"]:
            if "after_warmup" in point:
                label = f"after {point['after_warmup']} warm-up requests"
            elif point["requests"] == 0:
                label = "handler imported, no request yet"
            else:
                label = f"after {point['requests']:,} measured requests"
            points.add(label, fmt(point["VmRSS"] / 1024), fmt(point["VmHWM"] / 1024))
        parts.append(
            "### 6. Memory\n\n"
            f"One child process imports the handler from the asset and serves {memory['warmup']} warm-up requests, "
            f"then {memory['requests']:,} requests (20% POST, 80% GET, 100 products) one after another in "
            f"{fmt(memory['seconds'])} s; statuses {memory['statuses']}. RSS grew by {memory['growth_kib']:+,} KiB "
            f"between the end of the warm-up and the end (tolerance {memory['tolerance_kib']} KiB). The peak is "
            "VmHWM; getrusage's ru_maxrss is not used as the peak because Linux carries the forked parent's "
            f"high-water mark across exec (it read {fmt(memory['ru_maxrss_kib'] / 1024)} MiB here, set before the "
            "child's own code ran).\n\n" + points.markdown()
        )
    return "\n\n".join(parts)
