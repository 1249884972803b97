#!/usr/bin/env python3
"""Run the benchmarks; print microseconds per process (or per sample) and the ratios.

    python benchmarks/run.py                      # run pytest-benchmark, then print the table
    python benchmarks/run.py --suite system       # only the system-sample benchmarks
    python benchmarks/run.py --suite process      # only the process-table benchmarks
    python benchmarks/run.py --suite sockets      # only the network-connections benchmarks
    python benchmarks/run.py --suite detail       # only the one-process-in-depth benchmarks
    python benchmarks/run.py --suite top          # only the terminal UI (sysmon top vs top)
    python benchmarks/run.py --save out.json      # ... and keep pytest-benchmark's JSON
    python benchmarks/run.py --json out.json      # print the table of an earlier run
    python benchmarks/run.py --markdown           # the same tables as Markdown (README.md)
    python benchmarks/run.py --wait-idle 600      # first wait (<= 600 s) for an idle machine
    python benchmarks/run.py -- -k stat           # arguments after -- go to pytest

It runs, from the repository root:

    python -m pytest benchmarks/ --benchmark-only --benchmark-json=FILE -p no:cacheprovider -s

(``benchmarks/bench_process.py``, ``benchmarks/bench_system.py``,
``benchmarks/bench_sockets.py``, ``benchmarks/bench_detail.py`` or
``benchmarks/bench_top.py`` instead of ``benchmarks/`` with ``--suite process``,
``--suite system``, ``--suite sockets``, ``--suite detail`` or ``--suite top``.)

Environment (passed through to the benchmarks): SYSMON_BENCH_NPROCS (idle
processes spawned, default 1000), SYSMON_BENCH_REPEATS (interleaved blocks,
default 5), SYSMON_BENCH_ROUNDS (rounds per block, default 6),
SYSMON_BENCH_WARMUP (warm-up rounds per block, default 1); for the system
suite SYSMON_BENCH_SYS_ROUNDS (default 200) and SYSMON_BENCH_SYS_WARMUP
(default 10) instead of the latter two; for the sockets suite
SYSMON_BENCH_SOCK_ROUNDS (default 10), SYSMON_BENCH_SOCK_WARMUP (default 1),
SYSMON_BENCH_CONNS (loopback connections held, default 2600) and
SYSMON_BENCH_UDP (bound UDP sockets held, default 100); for the detail suite
SYSMON_BENCH_DETAIL_ROUNDS (default 10), SYSMON_BENCH_DETAIL_WARMUP (default 1)
and SYSMON_BENCH_FDS (fds held by the helper, default 1000); its tree group
uses SYSMON_BENCH_NPROCS, SYSMON_BENCH_ROUNDS and SYSMON_BENCH_WARMUP; for the
top suite SYSMON_BENCH_TOP_REPEATS (default 3), SYSMON_BENCH_TOP_IDLE_FRAMES
(default 12), SYSMON_BENCH_TOP_DELAY (default 0.25) and SYSMON_BENCH_TOP_FRAMES
(default 44), with SYSMON_BENCH_NPROCS.

Figures: the rounds of all blocks of one implementation are pooled; "us/proc"
is the pooled median round time divided by the rows that implementation
returned, "min" the fastest round likewise.  A ratio is the ratio of pooled
medians ("met" judges that one); "per-block" gives the lowest and highest ratio
of the block medians (the blocks of one rep run back to back, so that range
shows how much the machine drifted); "minimums" is the ratio of the fastest
rounds, the least disturbed by other load.  System groups (``system-*``) are
reported per call ("us/sample"); the sub-benchmark groups (one domain call
each) are summarised in one table.  Sockets groups (``sockets-*``) are reported
per call and per socket (the rows that implementation returned); their
ratios are of per-call times, and the "ss ... minus exec of true" rows subtract
the median (minimum) of running ``true`` the same way from that of ss.
Detail groups (``detail-*``) are reported per call, with the rows the call
returned (fds, tree nodes, lines of output) and µs per row.
Top groups (``top-*``) are not timed by pytest-benchmark: each benchmark is one
session of a program and its figures (a child's CPU time per refresh, idle CPU,
RSS) are in extra_info; the table gives, per program, the median over the
sessions and the range, and the ratios are medians of the per-repetition ratios
(sessions of one repetition run back to back).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

ORDER = ["floor", "c_raw", "c", "python_raw", "python", "psutil"]
LABEL = {
    "floor": "floor.c (syscalls only, via ctypes)",
    "c_raw": "sysmon C  _native.scan_raw",
    "c": "sysmon C  processes()",
    "python_raw": "sysmon pure  _pure.scan_raw",
    "python": "sysmon pure  processes()",
    "psutil": "psutil  process_iter(attrs)",
}
# (numerator, denominator, name, target text, predicate)
RATIOS = [
    ("psutil", "c", "psutil / C", ">= 4", lambda r: r >= 4.0),
    ("python", "c", "pure / C", ">= 3", lambda r: r >= 3.0),
    ("c", "floor", "C / floor", "<= 1.5", lambda r: r <= 1.5),
    ("c_raw", "floor", "C scan_raw / floor", "", None),
    ("c", "c_raw", "C processes() / C scan_raw", "", None),
    ("python_raw", "c_raw", "pure scan_raw / C scan_raw", "", None),
]

SUITES = {
    "all": "benchmarks/",
    "process": "benchmarks/bench_process.py",
    "system": "benchmarks/bench_system.py",
    "sockets": "benchmarks/bench_sockets.py",
    "detail": "benchmarks/bench_detail.py",
    "top": "benchmarks/bench_top.py",
}
SYS_SAMPLE = "system-sample"
SYS_ORDER = ["floor", "floor_py", "c", "c_snapshot", "python", "psutil"]
SYS_LABEL = {
    "floor": "floor_sys.c (syscalls only, via ctypes)",
    "floor_py": "floor in Python (os.open/os.read, os.statvfs)",
    "c": "sysmon C  SystemSampler.sample()",
    "c_snapshot": "sysmon C  snapshot() (no rates)",
    "python": "sysmon pure  SystemSampler.sample()",
    "psutil": "psutil  nearest equivalent calls",
}
SYS_RATIOS = [
    ("psutil", "c", "psutil / C", ">= 3", lambda r: r >= 3.0),
    ("python", "c", "pure / C", "", None),
    ("c", "floor", "C / floor", "", None),
    ("psutil", "floor", "psutil / floor", "", None),
    ("c", "c_snapshot", "C sample() / C snapshot()", "", None),
    ("python", "floor_py", "pure / Python floor", "", None),
    ("floor_py", "floor", "Python floor / floor", "", None),
]

SOCK_PREFIX = "sockets-"
SOCK_ORDER = [
    "floor_pids", "floor", "c_pids", "c", "c_proc_pids", "c_proc", "python_pids", "python",
    "python_proc_pids", "python_proc", "psutil", "ss_tup", "ss_tu", "ss_tp", "ss_t",
    "exec_true", "ss_tup-exec", "ss_tu-exec", "ss_tp-exec", "ss_t-exec",
]  # fmt: skip
SOCK_LABEL = {
    "floor_pids": "floor_net.c, with pids (ctypes)",
    "floor": "floor_net.c, no pids (ctypes)",
    "c_pids": "sysmon C  connections(pids=True)",
    "c": "sysmon C  connections(pids=False)",
    "c_proc_pids": "sysmon C  source=proc, pids",
    "c_proc": "sysmon C  source=proc, no pids",
    "python_pids": "sysmon pure  connections(pids=True)",
    "python": "sysmon pure  connections(pids=False)",
    "python_proc_pids": "sysmon pure  source=proc, pids",
    "python_proc": "sysmon pure  source=proc, no pids",
    "psutil": "psutil  net_connections(kind)",
    "ss_tup": "ss -tuanp (exec, output read)",
    "ss_tu": "ss -tuan (exec, output read)",
    "ss_tp": "ss -tanp (exec, output read)",
    "ss_t": "ss -tan (exec, output read)",
    "exec_true": "true (exec, output read)",
    "ss_tup-exec": "ss -tuanp minus exec of true",
    "ss_tu-exec": "ss -tuan minus exec of true",
    "ss_tp-exec": "ss -tanp minus exec of true",
    "ss_t-exec": "ss -tan minus exec of true",
}
# per call; (numerator, denominator, name, target text, predicate)
SOCK_RATIOS = [
    ("psutil", "c_pids", "psutil / C pids", ">= 5", lambda r: r >= 5.0),
    ("ss_tp", "c_pids", "ss -tanp / C pids", ">= 1", lambda r: r >= 1.0),
    ("ss_t", "c", "ss -tan / C", ">= 1", lambda r: r >= 1.0),
    ("ss_tup", "c_pids", "ss -tuanp / C pids", ">= 1", lambda r: r >= 1.0),
    ("ss_tu", "c", "ss -tuan / C", ">= 1", lambda r: r >= 1.0),
    ("psutil", "c", "psutil / C (psutil maps pids, C not)", "", None),
    ("c_pids", "floor_pids", "C pids / floor pids", "", None),
    ("c", "floor", "C / floor", "", None),
    ("python_pids", "c_pids", "pure pids / C pids", "", None),
    ("python", "c", "pure / C", "", None),
    ("c_proc_pids", "c_pids", "C proc pids / C pids", "", None),
    ("c_proc", "c", "C proc / C", "", None),
    ("python_proc", "python", "pure proc / pure", "", None),
    ("psutil", "python_pids", "psutil / pure pids", "", None),
    ("psutil", "floor_pids", "psutil / floor pids", "", None),
    ("ss_tp-exec", "c_pids", "(ss -tanp - exec) / C pids", "", None),
    ("ss_t-exec", "c", "(ss -tan - exec) / C", "", None),
    ("ss_tup-exec", "c_pids", "(ss -tuanp - exec) / C pids", "", None),
    ("ss_tu-exec", "c", "(ss -tuan - exec) / C", "", None),
    ("ss_tp", "floor_pids", "ss -tanp / floor pids", "", None),
    ("ss_t", "floor", "ss -tan / floor", "", None),
]


def _busy_percent(seconds: float) -> float:
    """Share of all CPUs busy over the next `seconds` (from /proc/stat)."""

    def ticks():
        with open("/proc/stat", "rb") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[0] + v[1] + v[2] + v[5] + v[6] + v[7], sum(v[:8])

    b0, t0 = ticks()
    time.sleep(seconds)
    b1, t1 = ticks()
    return 100.0 * (b1 - b0) / max(t1 - t0, 1)


def wait_idle(timeout: float, threshold: float = 10.0) -> bool:
    """Wait until the machine is idle (< threshold % busy for 3 s running)."""
    deadline = time.monotonic() + timeout
    while True:
        busy = _busy_percent(3.0)
        print(f"machine {busy:.0f}% busy", flush=True)
        if busy < threshold:
            return True
        if time.monotonic() > deadline:
            return False


def run_pytest(json_path: Path, extra: list[str], target: str = "benchmarks/") -> int:
    cmd = [
        sys.executable, "-m", "pytest", target, "--benchmark-only",
        f"--benchmark-json={json_path}", "-p", "no:cacheprovider", "-s", *extra,
    ]  # fmt: skip
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=REPO)


def _unit(info: dict) -> int:
    """What one round is divided by: sockets, processes, samples or calls (1)."""
    return (
        info.get("sockets")
        or info.get("processes")
        or info.get("samples")
        or info.get("calls")
        or 0
    )


def load(json_path: Path):
    """{group: {impl: {...pooled figures..., "blocks": {rep: median_us}}}}."""
    data = json.loads(json_path.read_text())
    raw: dict[str, dict[str, list[dict]]] = {}
    for b in data["benchmarks"]:
        info = b.get("extra_info", {})
        if not info.get("impl") or not _unit(info) or info.get("top_result"):
            continue
        raw.setdefault(b["group"] or "", {}).setdefault(info["impl"], []).append(b)
    groups: dict[str, dict[str, dict]] = {}
    for group, impls in raw.items():
        for impl, benches in impls.items():
            per_proc: list[float] = []
            per_call: list[float] = []
            blocks: dict[int, float] = {}
            call_blocks: dict[int, float] = {}
            ns = []
            for b in benches:
                n = _unit(b["extra_info"])
                ns.append(n)
                d = [t * 1e6 / n for t in b["stats"]["data"]]
                c = [t * 1e6 for t in b["stats"]["data"]]
                per_proc += d
                per_call += c
                blocks[b["extra_info"].get("rep", 0)] = statistics.median(d)
                call_blocks[b["extra_info"].get("rep", 0)] = statistics.median(c)
            groups.setdefault(group, {})[impl] = {
                "n": round(statistics.median(ns)),
                "rounds": len(per_proc),
                "blocks": blocks,
                "med_us": statistics.median(per_proc),
                "min_us": min(per_proc),
                "med_ms": statistics.median(per_proc) * statistics.median(ns) / 1e3,
                "call": {
                    "med_us": statistics.median(per_call),
                    "min_us": min(per_call),
                    "blocks": call_blocks,
                },
                "mask": benches[0]["extra_info"].get("mask"),
                "info": benches[0]["extra_info"],
            }
    return data, groups


def _ratios(rows, ratios=RATIOS):
    for num, den, name, target, ok in ratios:
        if num not in rows or den not in rows:
            continue
        v = rows[num]["med_us"] / rows[den]["med_us"]
        vmin = rows[num]["min_us"] / rows[den]["min_us"]
        common = set(rows[num]["blocks"]) & set(rows[den]["blocks"])
        per = [rows[num]["blocks"][k] / rows[den]["blocks"][k] for k in common]
        spread = f"{min(per):.2f}-{max(per):.2f}" if per else "-"
        met = "" if ok is None else ("yes" if ok(v) else "NO")
        yield name, v, vmin, spread, target, met


def render(data, groups, markdown: bool) -> str:
    out: list[str] = []
    mi = data.get("machine_info", {})
    cpu = mi.get("cpu", {}) or {}
    out.append(
        f"machine: {os.cpu_count()} CPUs ({cpu.get('brand_raw') or platform.processor() or '?'}),"
        f" {mi.get('system', '')} {mi.get('release', '')},"
        f" {mi.get('python_implementation', 'Python')} {mi.get('python_version', '')}"
    )
    out.append(f"run at: {data.get('datetime', '?')}")
    sb = mi.get("sysmon_bench")
    has_proc = any(_is_process_group(g) or g == "detail-tree" for g in groups)
    has_proc = has_proc or bool(_top_results(data))
    if sb:
        spawned = f" {sb['idle_processes_spawned']} idle processes spawned;" if has_proc else ""
        out.append(
            f"run took {sb['wall_s']} s; other processes used {sb['background_cpu_percent']}%"
            f" of the machine's CPU meanwhile (steal {sb['steal_percent']}%);{spawned}"
            f" sources sha256 {sb.get('sources_sha256', '?')}"
        )
        if _top_results(data) and sb.get("tui_sources_sha256"):
            out.append(f"terminal UI sources sha256 {sb['tui_sources_sha256']}")
    out.append("")
    for group in sorted(g for g in groups if _is_process_group(g)):
        rows = groups[group]
        mask = next(iter(rows.values()))["mask"]
        n = max(r["n"] for r in rows.values())
        nblocks = max(len(r["blocks"]) for r in rows.values())
        title = f"group {group!r}: mask {mask}, {n} processes, {nblocks} interleaved blocks"
        if markdown:
            out += [
                f"#### {title}",
                "",
                "| implementation | ms/scan | µs/process (median) | µs/process (min)"
                " | rows | rounds |",
                "|---|---:|---:|---:|---:|---:|",
            ]
        else:
            out.append(title)
            out.append(
                f"  {'implementation':38} {'ms/scan':>8} {'us/proc':>8} {'min':>8}"
                f" {'rows':>6} {'rounds':>6}"
            )
        for impl in ORDER:
            r = rows.get(impl)
            if r is None:
                continue
            if markdown:
                out.append(
                    f"| {LABEL[impl]} | {r['med_ms']:.1f} | {r['med_us']:.1f}"
                    f" | {r['min_us']:.1f} | {r['n']} | {r['rounds']} |"
                )
            else:
                out.append(
                    f"  {LABEL[impl]:38} {r['med_ms']:8.1f} {r['med_us']:8.2f}"
                    f" {r['min_us']:8.2f} {r['n']:6d} {r['rounds']:6d}"
                )
        out.append("")
        if markdown:
            out += [
                "| ratio | of medians | per-block range | of minimums | target | met |",
                "|---|---:|---:|---:|---|---|",
            ]
        else:
            out.append(f"  {'ratio':38} {'medians':>8}  {'per-block':>11}  {'minimums':>8}  target")
        for name, v, vmin, spread, target, met in _ratios(rows):
            if markdown:
                out.append(f"| {name} | {v:.2f}x | {spread} | {vmin:.2f}x | {target} | {met} |")
            else:
                out.append(f"  {name:38} {v:7.2f}x  {spread:>11}  {vmin:7.2f}x  {target} {met}")
        out.append("")
    out += render_system(groups, markdown)
    out += render_sockets(groups, markdown)
    out += render_detail(groups, markdown)
    out += render_top(data, markdown)
    return "\n".join(out)


def _is_process_group(group: str) -> bool:
    return not group.startswith(("system", SOCK_PREFIX, DETAIL_PREFIX))


def _ratio_table(rows, ratios, markdown: bool) -> list[str]:
    out: list[str] = []
    if markdown:
        out += [
            "| ratio | of medians | per-block range | of minimums | target | met |",
            "|---|---:|---:|---:|---|---|",
        ]
    else:
        out.append(f"  {'ratio':38} {'medians':>8}  {'per-block':>11}  {'minimums':>8}  target")
    for name, v, vmin, spread, target, met in _ratios(rows, ratios):
        if markdown:
            out.append(f"| {name} | {v:.2f}x | {spread} | {vmin:.2f}x | {target} | {met} |")
        else:
            out.append(f"  {name:38} {v:7.2f}x  {spread:>11}  {vmin:7.2f}x  {target} {met}")
    return out


def render_system(groups, markdown: bool) -> list[str]:
    """The system suite: the full-sample group, then one table of the parts."""
    out: list[str] = []
    rows = groups.get(SYS_SAMPLE)
    if rows:
        nblocks = max(len(r["blocks"]) for r in rows.values())
        c = rows.get("c", rows.get("python", {})).get("info", {})
        f = rows.get("floor", {}).get("info", {})
        seen = (
            f"{f.get('files', '?')} files + {c.get('statvfs', '?')} statvfs;"
            f" {c.get('cpus', '?')} CPUs, {c.get('disks', '?')} disks,"
            f" {c.get('interfaces', '?')} interfaces, {c.get('mounts', '?')} mounts"
        )
        title = (
            f"group {SYS_SAMPLE!r}: one full system sample ({seen}), {nblocks} interleaved blocks"
        )
        if markdown:
            out += [
                f"#### {title}",
                "",
                "| implementation | µs/sample (median) | µs/sample (min) | rounds |",
                "|---|---:|---:|---:|",
            ]
        else:
            out += [title, f"  {'implementation':44} {'us/sample':>10} {'min':>9} {'rounds':>7}"]
        for impl in SYS_ORDER:
            r = rows.get(impl)
            if r is None:
                continue
            if markdown:
                out.append(
                    f"| {SYS_LABEL[impl]} | {r['med_us']:.1f} | {r['min_us']:.1f} | {r['rounds']} |"
                )
            else:
                out.append(
                    f"  {SYS_LABEL[impl]:44} {r['med_us']:10.1f} {r['min_us']:9.1f}"
                    f" {r['rounds']:7d}"
                )
        out.append("")
        out += _ratio_table(rows, SYS_RATIOS, markdown)
        out.append("")
    parts = sorted(g for g in groups if g.startswith("system-") and g != SYS_SAMPLE)
    if parts:
        title = "system parts: one call each, µs/call (median of pooled rounds)"
        if markdown:
            out += [
                f"#### {title}",
                "",
                "| call | sysmon C | sysmon pure | psutil | psutil / C | pure / C"
                " | psutil's call |",
                "|---|---:|---:|---:|---:|---:|---|",
            ]
        else:
            out += [
                title.replace("µ", "u"),
                f"  {'call':12} {'C':>8} {'pure':>8} {'psutil':>8} {'psutil/C':>9} {'pure/C':>7}",
            ]
        for g in parts:
            r = groups[g]
            med = {k: v["med_us"] for k, v in r.items()}
            cells = [f"{med[k]:.1f}" if k in med else "-" for k in ("c", "python", "psutil")]
            ps_c = f"{med['psutil'] / med['c']:.2f}x" if "psutil" in med and "c" in med else "-"
            py_c = f"{med['python'] / med['c']:.2f}x" if "python" in med and "c" in med else "-"
            call = r.get("psutil", {}).get("info", {}).get("psutil_call", "")
            name = g[len("system-") :]
            if markdown:
                out.append(f"| {name} | {' | '.join(cells)} | {ps_c} | {py_c} | {call} |")
            else:
                out.append(
                    f"  {name:12} {cells[0]:>8} {cells[1]:>8} {cells[2]:>8} {ps_c:>9} {py_c:>7}"
                )
        out.append("")
    return out


def _less_exec(rows: dict) -> dict:
    """Per-call figures of each ss row minus those of exec_true (same blocks)."""
    out = {}
    ex = rows.get("exec_true")
    if ex is None:
        return out
    for impl in ("ss_tup", "ss_tu", "ss_tp", "ss_t"):
        r = rows.get(impl)
        if r is None:
            continue
        a, b = r["call"], ex["call"]
        common = set(a["blocks"]) & set(b["blocks"])
        call = {
            "med_us": a["med_us"] - b["med_us"],
            "min_us": a["min_us"] - b["min_us"],
            "blocks": {k: a["blocks"][k] - b["blocks"][k] for k in common},
        }
        out[f"{impl}-exec"] = {
            "n": r["n"],
            "rounds": min(r["rounds"], ex["rounds"]),
            "call": call,
            "med_us": call["med_us"] / r["n"],
            "min_us": call["min_us"] / r["n"],
            "derived": True,
        }
    return out


def render_sockets(groups, markdown: bool) -> list[str]:
    """The sockets suite: per group, ms per call and µs per socket; ratios per call."""
    out: list[str] = []
    for group in sorted((g for g in groups if g.startswith(SOCK_PREFIX)), reverse=True):
        rows = dict(groups[group])
        rows.update(_less_exec(rows))
        any_row = next(iter(groups[group].values()))["info"]
        nblocks = max(len(r["call"]["blocks"]) for r in rows.values())
        counts = [r["n"] for k, r in groups[group].items() if k != "exec_true"]
        nsock = round(statistics.median(counts)) if counts else "?"
        title = (
            f"group {group!r}: kind {any_row.get('kind', '?')!r}, about {nsock} sockets,"
            f" {any_row.get('pids_in_proc', '?')} processes, {nblocks} interleaved blocks"
        )
        if markdown:
            out += [
                f"#### {title}",
                "",
                "| implementation | µs/call (median) | µs/call (min) | µs/socket (median)"
                " | µs/socket (min) | rows | rounds |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
        else:
            out += [
                title,
                f"  {'implementation':38} {'us/call':>8} {'min':>8} {'us/sock':>8} {'min':>8}"
                f" {'rows':>6} {'rounds':>6}",
            ]
        for impl in SOCK_ORDER:
            r = rows.get(impl)
            if r is None:
                continue
            per_sock = impl != "exec_true"
            ps = f"{r['med_us']:.2f}" if per_sock else "-"
            pm = f"{r['min_us']:.2f}" if per_sock else "-"
            n = str(r["n"]) if per_sock else "-"
            cm, cn = r["call"]["med_us"], r["call"]["min_us"]
            if markdown:
                out.append(
                    f"| {SOCK_LABEL[impl]} | {cm:,.0f} | {cn:,.0f} | {ps} | {pm} | {n}"
                    f" | {r['rounds']} |"
                )
            else:
                out.append(
                    f"  {SOCK_LABEL[impl]:38} {cm:8.0f} {cn:8.0f} {ps:>8} {pm:>8}"
                    f" {n:>6} {r['rounds']:6d}"
                )
        out.append("")
        out += _sock_ratio_table(rows, markdown)
        out.append("")
    return out


def _sock_ratio_table(rows, markdown: bool) -> list[str]:
    """Ratios of per-call times (judged), plus the ratio of µs/socket medians: other
    processes' sockets come and go during a run, and per socket that drift cancels."""
    per_call = {k: r["call"] for k, r in rows.items()}
    out: list[str] = []
    if markdown:
        out += [
            "| ratio | of medians | per-block range | of minimums | per socket | target | met |",
            "|---|---:|---:|---:|---:|---|---|",
        ]
    else:
        out.append(
            f"  {'ratio':38} {'medians':>8}  {'per-block':>11}  {'minimums':>8}"
            f"  {'/socket':>8}  target"
        )
    for (num, den, *_), (name, v, vmin, spread, target, met) in zip(
        (r for r in SOCK_RATIOS if r[0] in per_call and r[1] in per_call),
        _ratios(per_call, SOCK_RATIOS),
    ):
        ps = rows[num]["med_us"] / rows[den]["med_us"]
        if markdown:
            out.append(
                f"| {name} | {v:.2f}x | {spread} | {vmin:.2f}x | {ps:.2f}x | {target} | {met} |"
            )
        else:
            out.append(
                f"  {name:38} {v:7.2f}x  {spread:>11}  {vmin:7.2f}x  {ps:7.2f}x  {target} {met}"
            )
    return out


DETAIL_PREFIX = "detail-"
# group: (what one call is, {impl: label} in the order of the table, per-call ratios)
DETAIL: dict[str, tuple[str, dict[str, str], list]] = {
    "detail-fds": (
        "Process(pid).fds() of a helper holding {fds} fds",
        {
            "floor": "floor_pid.c: readlinkat + fdinfo read per fd",
            "floor_follow": "floor_pid.c: the same + fstatat per fd",
            "c": "sysmon C  Process(pid).fds()",
            "python": "sysmon pure  Process(pid).fds()",
            "psutil": "psutil  open_files() + num_fds()",
            "ls": "ls -l /proc/PID/fd (exec, output read)",
            "lsof": "lsof -p PID (exec, output read)",
            "exec_true": "true (exec, output read)",
        },
        [
            ("psutil", "c", "psutil / C", "", None),
            ("python", "c", "pure / C", "", None),
            ("c", "floor", "C / floor", "", None),
            ("c", "floor_follow", "C / floor+fstatat", "", None),
            ("python", "floor_follow", "pure / floor+fstatat", "", None),
            ("psutil", "floor", "psutil / floor", "", None),
            ("floor_follow", "floor", "floor+fstatat / floor", "", None),
            ("ls", "c", "ls -l / C", "", None),
            ("lsof", "c", "lsof -p / C", "", None),
        ],
    ),
    "detail-all": (
        "one full deep dive of a helper holding {fds} fds and {threads} threads",
        {
            "floor": "floor_pid.c: the same files and links, once each",
            "floor_follow": "floor_pid.c: the same + fstatat per fd and link",
            "c": "sysmon C  deep dive",
            "python": "sysmon pure  deep dive",
            "psutil": "psutil  as_dict(attrs) + 16 rlimit()",
        },
        [
            ("psutil", "c", "psutil / C", "", None),
            ("python", "c", "pure / C", "", None),
            ("c", "floor", "C / floor", "", None),
            ("c", "floor_follow", "C / floor+fstatat", "", None),
            ("python", "floor_follow", "pure / floor+fstatat", "", None),
            ("psutil", "floor", "psutil / floor", "", None),
        ],
    ),
    "detail-tree": (
        "the process tree of {rows} processes",
        {
            "floor_full": "floor.c mask 11 (the table of process_tree())",
            "floor_stat": "floor.c mask 1 (stat only)",
            "c": "sysmon C  process_tree()",
            "c_min": "sysmon C  process_tree((pid, ppid))",
            "python": "sysmon pure  process_tree()",
            "python_min": "sysmon pure  process_tree((pid, ppid))",
            "psutil": "psutil  process_iter([pid, ppid]) + tree",
            "ps": "ps -e --forest -o pid,ppid,cmd (exec)",
            "exec_true": "true (exec, output read)",
            "c_children": "sysmon C  Process(pid).children()",
            "python_children": "sysmon pure  Process(pid).children()",
            "psutil_children": "psutil  Process(pid).children()",
        },
        [
            ("psutil", "c_min", "psutil / C (pid, ppid)", "", None),
            ("psutil", "c", "psutil / C (all fields)", "", None),
            ("python", "c", "pure / C (all fields)", "", None),
            ("python_min", "c_min", "pure / C (pid, ppid)", "", None),
            ("c", "floor_full", "C / floor (all fields, mask 11)", "", None),
            ("c_min", "floor_stat", "C (pid, ppid) / floor mask 1", "", None),
            ("ps", "c", "ps --forest / C (all fields)", "", None),
            ("ps", "c_min", "ps --forest / C (pid, ppid)", "", None),
            ("c_children", "c_min", "C children() / C tree (pid, ppid)", "", None),
            ("psutil_children", "c_children", "psutil children() / C children()", "", None),
            ("python_children", "c_children", "pure children() / C children()", "", None),
        ],
    ),
}


def render_detail(groups, markdown: bool) -> list[str]:
    """The detail suite: per group, µs per call and per row; ratios per call."""
    out: list[str] = []
    for group, (what, labels, ratios) in DETAIL.items():
        rows = groups.get(group)
        if not rows:
            continue
        nblocks = max(len(r["blocks"]) for r in rows.values())
        first = next(iter(rows.values()))["info"]
        c = rows.get("c", {}).get("info", first)
        seen = what.format(fds=c.get("rows", "?"), threads=c.get("threads", "?"),
                           rows=c.get("rows", "?"))  # fmt: skip
        title = f"group {group!r}: {seen}, {nblocks} interleaved blocks"
        if markdown:
            out += [
                f"#### {title}",
                "",
                "| implementation | µs/call (median) | µs/call (min) | rows | µs/row (median)"
                " | rounds |",
                "|---|---:|---:|---:|---:|---:|",
            ]
        else:
            out += [
                title,
                f"  {'implementation':50} {'us/call':>9} {'min':>9} {'rows':>6} {'us/row':>7}"
                f" {'rounds':>6}",
            ]
        for impl, label in labels.items():
            r = rows.get(impl)
            if r is None:
                continue
            n = r["info"].get("rows", 0)
            per_row = f"{r['med_us'] / n:.2f}" if n >= 10 else "-"
            if markdown:
                out.append(
                    f"| {label} | {r['med_us']:,.0f} | {r['min_us']:,.0f} | {n} | {per_row}"
                    f" | {r['rounds']} |"
                )
            else:
                out.append(
                    f"  {label:50} {r['med_us']:9.0f} {r['min_us']:9.0f} {n:6d} {per_row:>7}"
                    f" {r['rounds']:6d}"
                )
        out.append("")
        out += _ratio_table(rows, ratios, markdown)
        out.append("")
    return out


TOP_ORDER = ["sysmon_c", "sysmon_python", "top_b", "top"]
TOP_LABEL = {
    "sysmon_c": "sysmon top, C backend (pty)",
    "sysmon_python": "sysmon top, pure backend (pty)",
    "top_b": "procps top -b -n N (pipe)",
    "top": "procps top, interactive (pty)",
}
# (numerator, denominator, name, judged against the target: no more than top -b)
TOP_RATIOS = [
    ("sysmon_c", "top_b", "sysmon top C / top -b", True),
    ("sysmon_python", "top_b", "sysmon top pure / top -b", True),
    ("sysmon_c", "top", "sysmon top C / top (interactive)", False),
    ("sysmon_python", "top", "sysmon top pure / top (interactive)", False),
    ("top", "top_b", "top (interactive) / top -b", False),
]


def _top_results(data) -> dict[str, dict[str, list[dict]]]:
    """{group: {impl: [extra_info of each session, by rep]}} of the top suite."""
    out: dict[str, dict[str, list[dict]]] = {}
    for b in data.get("benchmarks", []):
        info = b.get("extra_info", {})
        if info.get("top_result") and "cpu_ms_per_refresh" in info:
            out.setdefault(b["group"] or "", {}).setdefault(info["impl"], []).append(info)
    for impls in out.values():
        for runs in impls.values():
            runs.sort(key=lambda i: i.get("rep", 0))
    return out


def _med_range(values: list[float], fmt: str = ".2f") -> str:
    """'median (min-max)' of the sessions, or the one value."""
    if not values:
        return "-"
    m = format(statistics.median(values), fmt)
    if len(values) == 1:
        return m
    return f"{m} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def render_top(data, markdown: bool) -> list[str]:
    """The top suite: per group, per program the median (range) over the sessions."""
    out: list[str] = []
    cols = [
        "program", "CPU ms/refresh", "single refresh ms (median)", "user / sys ms",
        "CPU %", "VmHWM MiB", "VmRSS MiB", "CPU to 1st frame ms", "frames (by cadence)",
        "KiB/frame", "other load %",
    ]  # fmt: skip
    for group, impls in sorted(_top_results(data).items(), reverse=True):
        any_info = next(iter(impls.values()))[0]
        nrep = max(len(v) for v in impls.values())
        title = (
            f"group {group!r}: refresh every {any_info['delay']:g} s, {any_info['proc_count']}"
            f" processes, {nrep} interleaved repetitions; median (range) over them"
        )
        rows: list[list[str]] = []
        for impl in TOP_ORDER:
            runs = impls.get(impl)
            if not runs:
                continue

            def col(key: str, runs: list[dict] = runs) -> list[float]:
                return [float(r[key]) for r in runs if r.get(key) is not None]

            us = statistics.median(col("user_ms_per_refresh"))
            sy = statistics.median(col("sys_ms_per_refresh"))
            frames = f"{statistics.median(col('frames')):.0f}"
            clock = f"{statistics.median(col('frames_by_cadence')):.0f}"
            rows.append([
                TOP_LABEL.get(impl, impl),
                _med_range(col("cpu_ms_per_refresh")),
                _med_range(col("cpu_ms_median")),
                f"{us:.1f} / {sy:.1f}",
                _med_range(col("idle_cpu_percent")),
                _med_range([v / 1024 for v in col("vmhwm_kib")], ".1f"),
                _med_range([v / 1024 for v in col("vmrss_kib")], ".1f"),
                _med_range(col("first_frame_ms"), ".0f"),
                f"{frames} ({clock})",
                f"{statistics.median(col('bytes_per_frame')) / 1024:.1f}",
                _med_range(col("other_cpu_percent"), ".0f"),
            ])  # fmt: skip
        sessions = [r for v in impls.values() for r in v]
        order = {impl: i for i, impl in enumerate(TOP_ORDER)}
        sessions.sort(key=lambda r: (r.get("rep", 0), order.get(r["impl"], 99)))
        loads = [r["loadavg"] for r in sessions]
        if markdown:
            out += [f"#### {title}", "", "| " + " | ".join(cols) + " |",
                    "|---|" + "---:|" * (len(cols) - 1)]  # fmt: skip
            out += ["| " + " | ".join(r) + " |" for r in rows]
        else:
            out += [title, "  " + " | ".join(cols)]
            out += ["  " + " | ".join(r) for r in rows]
        out.append("")
        out += _top_ratio_table(impls, markdown)
        out += ["", "load average (1 min) before -> after each session, in the order run: "
                + ", ".join(loads), ""]  # fmt: skip
    return out


def _top_ratio_table(impls: dict[str, list[dict]], markdown: bool) -> list[str]:
    out: list[str] = []
    if markdown:
        out += ["| ratio of CPU per refresh | median | per-repetition range | target | met |",
                "|---|---:|---:|---|---|"]  # fmt: skip
    else:
        out.append(f"  {'ratio of CPU per refresh':38} {'median':>7}  {'per-rep':>11}  target")
    for num, den, name, judged in TOP_RATIOS:
        a = {r["rep"]: r["cpu_ms_per_refresh"] for r in impls.get(num, [])}
        b = {r["rep"]: r["cpu_ms_per_refresh"] for r in impls.get(den, [])}
        per = [a[k] / b[k] for k in sorted(set(a) & set(b)) if b[k]]
        if not per:
            continue
        v = statistics.median(per)
        spread = f"{min(per):.2f}-{max(per):.2f}"
        target = "<= 1" if judged else ""
        met = ("yes" if v <= 1.0 else "NO") if judged else ""
        if markdown:
            out.append(f"| {name} | {v:.2f}x | {spread} | {target} | {met} |")
        else:
            out.append(f"  {name:38} {v:6.2f}x  {spread:>11}  {target} {met}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--json", type=Path, help="print the table of an existing benchmark JSON")
    ap.add_argument("--save", type=Path, help="keep the raw pytest-benchmark JSON here")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument(
        "--suite",
        choices=sorted(SUITES),
        default="all",
        help="which benchmarks to run: process, system, sockets, detail, top or all (default)",
    )
    ap.add_argument(
        "--wait-idle",
        type=float,
        metavar="SECONDS",
        help="first wait up to SECONDS for the machine to be idle (< 10%% CPU busy)",
    )
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    a = ap.parse_args(argv)

    rc = 0
    if a.json:
        json_path = a.json
    else:
        if a.wait_idle is not None and not wait_idle(a.wait_idle):
            print("warning: the machine is still busy; figures will be noisy", file=sys.stderr)
        json_path = a.save or Path(tempfile.mkdtemp(prefix="sysmon-bench-")) / "bench.json"
        rc = run_pytest(json_path.resolve(), a.pytest_args, SUITES[a.suite])
        if not json_path.exists():
            print(f"pytest failed (exit {rc}), no results", file=sys.stderr)
            return rc or 1
        if rc != 0:
            print(f"warning: pytest exited {rc}; partial results below", file=sys.stderr)
    data, groups = load(json_path)
    print()
    print(render(data, groups, a.markdown))
    return rc


if __name__ == "__main__":
    sys.exit(main())
