"""Registry entries for the system-wide records (part of sysmon.fields).

Names are ``<record>.<attribute>``, e.g. ``memory.available`` for
``sysmon.memory().available``; ``sysmon explain memory.available`` prints one.
A test checks that every attribute of every system record has an entry here.
"""

from __future__ import annotations

from typing import NamedTuple


class Spec(NamedTuple):
    name: str
    type: str
    unit: str
    source: str
    derivation: str
    description: str
    title: str = ""  # the CLI column that shows it; "" = the attribute in capitals


_MODES = (
    ("user", "normal processes in user mode (guest time included)"),
    ("nice", "niced processes in user mode (guest_nice included)"),
    ("system", "kernel mode"),
    ("idle", "idle"),
    ("iowait", "idle while I/O was outstanding (not reliable per CPU)"),
    ("irq", "servicing hardware interrupts"),
    ("softirq", "servicing softirqs"),
    ("steal", "stolen by the hypervisor for other guests"),
    ("guest", "running a guest's virtual CPU"),
    ("guest_nice", "running a niced guest's virtual CPU"),
)


def _cpu() -> list[Spec]:
    out = []
    for i, (mode, what) in enumerate(_MODES, 1):
        opt = " or None on kernels that do not print it" if i > 4 else ""
        out.append(Spec(
            f"cpu_times.{mode}", "float" if i <= 4 else "float | None", "seconds",
            f"/proc/stat 'cpu'/'cpuN' line, value {i} ({mode}), clock ticks",
            f"ticks / SC_CLK_TCK{opt}", f"time spent {what}",
        ))
        out.append(Spec(
            f"cpu_percent.{mode}", "float" if i <= 4 else "float | None", "percent",
            f"delta of /proc/stat value {i} ({mode}) between two samples",
            "delta / sum of the deltas of values 1-8 * 100 (deltas below 0 count as 0)"
            + ("; None when the kernel does not print it" if i > 4 else ""),
            f"share of the interval spent {what}",
        ))
    out.append(Spec("cpu_percent.busy", "float", "percent",
                    "deltas of /proc/stat values 1-8 between two samples",
                    "(total - idle - iowait) / total * 100; the whole record (every "
                    "cpu_percent field) is None when no clock tick elapsed between "
                    "the samples (they are 10 ms apart at best) and on the first",
                    "share of the interval the CPU was not idle"))
    stat = [
        ("ctx_switches", "ctxt", "context switches since boot"),
        ("interrupts", "intr (first value, the total)", "interrupts serviced since boot"),
        ("soft_interrupts", "softirq (first value, the total)", "softirqs serviced since boot"),
        ("forks", "processes", "processes and threads created since boot"),
        ("procs_running", "procs_running", "runnable tasks now"),
        ("procs_blocked", "procs_blocked", "tasks blocked on I/O now"),
    ]
    for attr, key, what in stat:
        out.append(Spec(f"cpu_stats.{attr}", "int | None", "count", f"/proc/stat {key}",
                        "as is; None when the line is absent", what))
    out.append(Spec("cpu_stats.boot_time", "int | None", "epoch seconds", "/proc/stat btime",
                    "as is", "when the system booted"))
    sysc = "/sys/devices/system/cpu"
    out += [
        Spec("cpu_limits.online", "int", "count", f"{sysc}/online (a CPU list)",
             "CPUs in the list; without sysfs, the cpuN lines of /proc/stat", "online CPUs"),
        Spec("cpu_limits.possible", "int | None", "count", f"{sysc}/possible",
             "CPUs in the list", "CPUs this kernel could bring online"),
        Spec("cpu_limits.cpuset", "int | None", "count",
             "cgroup v2 cpuset.cpus.effective or v1 cpuset.effective_cpus of /proc/self/cgroup",
             "CPUs in the first non-empty list, from our cgroup up",
             "CPUs our cgroup may run on"),
        Spec("cpu_limits.quota", "float | None", "CPUs",
             "cgroup v2 cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us",
             "quota / period, the smallest from our cgroup up; None when unlimited",
             "CPU bandwidth our cgroup may use"),
        Spec("cpu_limits.effective", "int", "count", "the three above",
             "min(online, cpuset, ceil(quota)), at least 1",
             "CPUs a process in our cgroup can keep busy"),
        Spec("cpu_freq.current", "float | None", "hertz",
             f"{sysc}/cpuN/cpufreq/scaling_cur_freq (else cpuinfo_cur_freq), kHz",
             "kHz * 1000", "current frequency of one CPU"),
        Spec("cpu_freq.min", "float | None", "hertz", f"{sysc}/cpuN/cpufreq/scaling_min_freq, kHz",
             "kHz * 1000", "lowest frequency the governor may use"),
        Spec("cpu_freq.max", "float | None", "hertz", f"{sysc}/cpuN/cpufreq/scaling_max_freq, kHz",
             "kHz * 1000", "highest frequency the governor may use"),
        Spec("temperature.sensor", "str", "text",
             "/sys/class/hwmon/hwmonN/name (else thermal_zoneN/type)", "stripped",
             "the chip or zone that measured it"),
        Spec("temperature.label", "str", "text",
             "/sys/class/hwmon/hwmonN/tempK_label (else 'tempK'; the zone name)", "stripped",
             "which sensor of the chip"),
        Spec("temperature.current", "float", "degrees Celsius",
             "/sys/class/hwmon/hwmonN/tempK_input (else thermal_zoneN/temp), millidegrees",
             "/ 1000", "temperature of one sensor"),
        Spec("temperature.high", "float | None", "degrees Celsius",
             "/sys/class/hwmon/hwmonN/tempK_max", "/ 1000", "the sensor's high threshold"),
        Spec("temperature.critical", "float | None", "degrees Celsius",
             "/sys/class/hwmon/hwmonN/tempK_crit", "/ 1000", "the sensor's critical threshold"),
    ]
    return out


def _memory() -> list[Spec]:
    mi = "/proc/meminfo"
    kb = "kB * 1024"
    return [
        Spec("memory.total", "int", "bytes", f"{mi} MemTotal", kb, "usable physical memory"),
        Spec("memory.available", "int", "bytes", f"{mi} MemAvailable",
             f"{kb}; MemFree when absent, 0 or above MemTotal (as procps free)",
             "memory available to start new programs without swapping"),
        Spec("memory.used", "int", "bytes", f"{mi} MemTotal - MemAvailable",
             "total - available (total - free if negative), as procps-ng free >= 4.0.1",
             "memory in use"),
        Spec("memory.free", "int", "bytes", f"{mi} MemFree", kb, "memory not used at all"),
        Spec("memory.buffers", "int", "bytes", f"{mi} Buffers", kb, "block-device buffers"),
        Spec("memory.cached", "int", "bytes", f"{mi} Cached + SReclaimable", kb,
             "page cache and reclaimable slab (free's buff/cache minus buffers)"),
        Spec("memory.shared", "int", "bytes", f"{mi} Shmem", kb, "tmpfs and shared memory"),
        Spec("memory.active", "int | None", "bytes", f"{mi} Active", kb,
             "memory used recently, not reclaimed unless needed"),
        Spec("memory.inactive", "int | None", "bytes", f"{mi} Inactive", kb,
             "memory not used recently, first to be reclaimed"),
        Spec("memory.slab", "int | None", "bytes", f"{mi} Slab", kb, "kernel slab caches"),
        Spec("memory.percent", "float", "percent", f"{mi}", "used / total * 100",
             "share of memory in use"),
        Spec("swap.total", "int", "bytes", f"{mi} SwapTotal", kb, "swap space"),
        Spec("swap.used", "int", "bytes", f"{mi} SwapTotal - SwapFree", "0 if negative",
             "swap in use"),
        Spec("swap.free", "int", "bytes", f"{mi} SwapFree", kb, "swap not in use"),
        Spec("swap.percent", "float", "percent", f"{mi}", "used / total * 100 (0 without swap)",
             "share of swap in use"),
        Spec("swap.sin", "int | None", "bytes", "/proc/vmstat pswpin, pages",
             "pages * SC_PAGE_SIZE", "swapped in since boot"),
        Spec("swap.sout", "int | None", "bytes", "/proc/vmstat pswpout, pages",
             "pages * SC_PAGE_SIZE", "swapped out since boot"),
        Spec("vm_events.page_faults", "int | None", "count", "/proc/vmstat pgfault", "as is",
             "page faults since boot, minor and major"),
        Spec("vm_events.major_faults", "int | None", "count", "/proc/vmstat pgmajfault", "as is",
             "page faults that needed I/O"),
        Spec("vm_events.swap_in", "int | None", "bytes", "/proc/vmstat pswpin, pages",
             "pages * SC_PAGE_SIZE", "swapped in since boot"),
        Spec("vm_events.swap_out", "int | None", "bytes", "/proc/vmstat pswpout, pages",
             "pages * SC_PAGE_SIZE", "swapped out since boot"),
        Spec("vm_events.page_in", "int | None", "bytes", "/proc/vmstat pgpgin, KiB",
             "KiB * 1024", "paged in from block devices since boot"),
        Spec("vm_events.page_out", "int | None", "bytes", "/proc/vmstat pgpgout, KiB",
             "KiB * 1024", "paged out to block devices since boot"),
        Spec("vm_events.oom_kills", "int | None", "count", "/proc/vmstat oom_kill", "as is",
             "processes killed by the OOM killer since boot (Linux >= 4.13)"),
    ]


def _load() -> list[Spec]:
    la = "/proc/loadavg"
    out = [
        Spec("loadavg.load1", "float", "tasks", f"{la} value 1", "as printed",
             "run-queue length (runnable + uninterruptible) averaged over 1 minute"),
        Spec("loadavg.load5", "float", "tasks", f"{la} value 2", "as printed",
             "the same over 5 minutes"),
        Spec("loadavg.load15", "float", "tasks", f"{la} value 3", "as printed",
             "the same over 15 minutes"),
        Spec("loadavg.running", "int", "count", f"{la} value 4, before '/'", "as is",
             "runnable tasks now"),
        Spec("loadavg.total", "int", "count", f"{la} value 4, after '/'", "as is",
             "tasks (threads) that exist now"),
        Spec("loadavg.last_pid", "int", "id", f"{la} value 5", "as is",
             "the most recently assigned pid"),
        Spec("uptime.seconds", "float", "seconds", "/proc/uptime value 1", "as printed",
             "time since boot"),
        Spec("uptime.idle", "float", "seconds", "/proc/uptime value 2", "as printed",
             "idle time summed over all CPUs"),
    ]
    for attr, what in (("avg10", "10 seconds"), ("avg60", "60 seconds"),
                       ("avg300", "300 seconds")):
        out.append(Spec(f"pressure.{attr}", "float", "percent",
                        f"/proc/pressure/{{cpu,memory,io}} some|full line, {attr}=",
                        "as printed",
                        f"share of wall time tasks were stalled, averaged over {what}"))
    out.append(Spec("pressure.total", "float", "seconds",
                    "/proc/pressure/{cpu,memory,io} some|full line, total=, microseconds",
                    "/ 1e6", "total stall time since boot"))
    return out


def _disk() -> list[Spec]:
    mnt = "/proc/self/mountinfo (under another root: <root>/proc/1/mountinfo when present)"
    out = [
        Spec("mount.device", "str", "text", f"{mnt} field after '-' +1 (mount source)",
             "octal escapes decoded",
             "what is mounted (device, or a name for pseudo fs; \"\" for an empty source)"),
        Spec("mount.mountpoint", "str", "path", f"{mnt} field 5", "octal escapes decoded",
             "where it is mounted"),
        Spec("mount.fstype", "str", "text", f"{mnt} first field after '-'", "as is",
             "filesystem type"),
        Spec("mount.options", "tuple[str, ...]", "text", f"{mnt} field 6", "split on ','",
             "per-mount options"),
        Spec("mount.readonly", "bool", "flag", f"{mnt} field 6 and super options",
             "'ro' in either", "mounted read-only"),
        Spec("mount.root", "str", "path", f"{mnt} field 4", "octal escapes decoded",
             "the directory of the filesystem mounted here (bind mounts)"),
        Spec("mount.super_options", "tuple[str, ...]", "text", f"{mnt} last field",
             "split on ','", "superblock options"),
        Spec("mount.optional", "str", "text", f"{mnt} fields 7.. before '-'", "joined by ' '",
             "propagation (shared:N, master:N, ...)"),
        Spec("mount.mount_id", "int", "id", f"{mnt} field 1", "as is", "mount id"),
        Spec("mount.parent_id", "int", "id", f"{mnt} field 2", "as is", "parent mount id"),
        Spec("mount.major", "int", "device", f"{mnt} field 3, before ':'", "as is",
             "st_dev major of the filesystem"),
        Spec("mount.minor", "int", "device", f"{mnt} field 3, after ':'", "as is",
             "st_dev minor of the filesystem"),
    ]
    sv = "statvfs(2)"
    out += [
        Spec("disk_usage.total", "int", "bytes", f"{sv} f_blocks", "* f_frsize", "size"),
        Spec("disk_usage.used", "int", "bytes", f"{sv} f_blocks - f_bfree", "* f_frsize",
             "space in use (df's Used)"),
        Spec("disk_usage.free", "int", "bytes", f"{sv} f_bfree", "* f_frsize",
             "free space, including the part reserved for root"),
        Spec("disk_usage.available", "int", "bytes", f"{sv} f_bavail", "* f_frsize",
             "space an unprivileged user can use (df's Avail)"),
        Spec("disk_usage.percent", "float", "percent", sv, "used / (used + available) * 100",
             "df's Use% (df rounds it up)"),
        Spec("disk_usage.inodes_total", "int", "count", f"{sv} f_files", "as is", "inodes"),
        Spec("disk_usage.inodes_used", "int", "count", f"{sv} f_files - f_ffree", "as is",
             "inodes in use (df -i IUsed)"),
        Spec("disk_usage.inodes_free", "int", "count", f"{sv} f_ffree", "as is",
             "free inodes (df -i IFree)"),
        Spec("disk_usage.inodes_available", "int", "count", f"{sv} f_favail", "as is",
             "inodes an unprivileged user can use"),
        Spec("disk_usage.inodes_percent", "float", "percent", sv,
             "inodes_used / (inodes_used + inodes_available) * 100", "df -i's IUse%"),
    ]
    ds = "/proc/diskstats"
    stats = [
        ("reads", 4, "reads completed", "int", "count", "as is"),
        ("reads_merged", 5, "adjacent reads merged", "int", "count", "as is"),
        ("read_bytes", 6, "bytes read", "int", "bytes", "sectors * 512"),
        ("read_time", 7, "time spent reading", "float", "seconds", "ms / 1000"),
        ("writes", 8, "writes completed", "int", "count", "as is"),
        ("writes_merged", 9, "adjacent writes merged", "int", "count", "as is"),
        ("write_bytes", 10, "bytes written", "int", "bytes", "sectors * 512"),
        ("write_time", 11, "time spent writing", "float", "seconds", "ms / 1000"),
        ("in_flight", 12, "I/Os in progress now", "int", "count", "as is"),
        ("io_time", 13, "time the device had I/O in progress", "float", "seconds", "ms / 1000"),
        ("weighted_io_time", 14, "I/O time weighted by requests in flight", "float", "seconds",
         "ms / 1000"),
        ("discards", 15, "discards completed (Linux >= 4.18)", "int | None", "count", "as is"),
        ("discards_merged", 16, "discards merged", "int | None", "count", "as is"),
        ("discard_bytes", 17, "bytes discarded", "int | None", "bytes", "sectors * 512"),
        ("discard_time", 18, "time spent discarding", "float | None", "seconds", "ms / 1000"),
        ("flushes", 19, "flush requests completed (Linux >= 5.5)", "int | None", "count",
         "as is"),
        ("flush_time", 20, "time spent flushing", "float | None", "seconds", "ms / 1000"),
    ]
    out.append(Spec("disk_io.major", "int", "device", f"{ds} field 1", "as is",
                    "device major number"))
    out.append(Spec("disk_io.minor", "int", "device", f"{ds} field 2", "as is",
                    "device minor number"))
    for attr, field, what, typ, unit, how in stats:
        extra = "; None when the line is shorter" if field > 14 else ""
        out.append(Spec(f"disk_io.{attr}", typ, unit, f"{ds} field {field}", how + extra,
                        f"{what} since boot" if field != 12 else what))
    rates = [
        ("read_bytes_per_s", "bytes/s", "delta of field 6 (sectors read) * 512 / interval",
         "bytes read per second"),
        ("write_bytes_per_s", "bytes/s", "delta of field 10 * 512 / interval",
         "bytes written per second"),
        ("read_iops", "1/s", "delta of field 4 / interval", "reads completed per second"),
        ("write_iops", "1/s", "delta of field 8 / interval", "writes completed per second"),
        ("util_percent", "percent", "delta of field 13 (ms) / interval (ms) * 100, at most 100",
         "share of the interval the device was busy"),
        ("await_time", "seconds", "(delta 7 + delta 11) / (delta 4 + delta 8) / 1000",
         "mean time per read or write; None without I/O"),
        ("read_await", "seconds", "delta 7 / delta 4 / 1000", "mean time per read"),
        ("write_await", "seconds", "delta 11 / delta 8 / 1000", "mean time per write"),
    ]
    for attr, unit, how, what in rates:
        typ = "float | None" if "await" in attr else "float"
        out.append(Spec(f"disk_rate.{attr}", typ, unit, f"{ds}, two samples",
                        how + " (counters that wrapped are unwrapped)", what))
    return out


_NET = (
    "rx_bytes", "rx_packets", "rx_errors", "rx_drops", "rx_fifo", "rx_frame",
    "rx_compressed", "rx_multicast", "tx_bytes", "tx_packets", "tx_errors", "tx_drops",
    "tx_fifo", "tx_collisions", "tx_carrier", "tx_compressed",
)
_NET_KERNEL = (
    "bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast",
    "bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed",
)


def _net() -> list[Spec]:
    out = []
    for i, (attr, kname) in enumerate(zip(_NET, _NET_KERNEL)):
        side = "Receive" if i < 8 else "Transmit"
        unit = "bytes" if kname == "bytes" else "count"
        out.append(Spec(f"net_io.{attr}", "int", unit,
                        f"/proc/net/dev {side} column {i % 8 + 1} ({kname})", "as is",
                        f"{'received' if i < 8 else 'transmitted'} {kname} since the "
                        "interface came up"))
    for attr, col in (("rx_bytes", 0), ("tx_bytes", 8), ("rx_packets", 1), ("tx_packets", 9),
                      ("rx_errors", 2), ("tx_errors", 10), ("rx_drops", 3), ("tx_drops", 11)):
        out.append(Spec(f"net_rate.{attr}_per_s", "float", f"{_NET_KERNEL[col]}/s",
                        f"/proc/net/dev column {attr}, two samples",
                        "delta / interval (counters that wrapped are unwrapped)",
                        f"{attr.replace('_', ' ')} per second"))
    return out


def _sample() -> list[Spec]:
    """The numbers of Snapshot and SystemSample themselves (their other
    attributes are the records above)."""
    return [
        Spec("snapshot.timestamp", "float", "seconds",
             "time.monotonic() (or the sampler's injected clock), just before the reads",
             "as is", "when the snapshot was taken"),
        Spec("snapshot.uptime", "float", "seconds", "/proc/uptime value 1", "as printed",
             "time since boot (uptime.seconds)"),
        Spec("system_sample.interval", "float | None", "seconds",
             "the timestamps of this sample and the previous one",
             "difference; None on the first sample or when the clock did not move",
             "the interval the rates are measured over"),
    ]


SYSTEM_SPECS: tuple[Spec, ...] = (
    *_cpu(), *_memory(), *_load(), *_disk(), *_net(), *_sample(),
)
