#!/usr/bin/env python3
# tests/bench/fio_nodes.py FIO.json - one CSV line from fio's json+ output
# of a serverbench cell, where every fio job is one simulated node:
#   read_mibs,write_mibs,slowest_mibs,total_mibs,
#   read_p50_ms,read_p99_ms,write_p50_ms,write_p99_ms,fio_cpu_pct
# read_mibs and write_mibs are means per node, slowest_mibs the node that
# moved the fewest bytes, total_mibs all nodes together. The percentiles
# are of every completion of every node pooled (fio's clat, submission to
# completion), merged from each job's latency histogram ("bins", json+
# only): a mean of per-node percentiles would hide a node that starves.
# fio_cpu_pct is fio's own account of its job threads (usr + sys, each in %
# of one core over its run), summed: the generator's share of the host.
# Exits 1, naming the node, when a job reports an error or did no I/O.
import json
import sys

MIB = 1024 * 1024


def load(path):
    text = open(path).read()
    # the nbd engine prints "fio: connected to NBD server" before the JSON
    return json.loads(text[text.index("{"):])


def pooled_percentile(bins, p):
    total = sum(bins.values())
    if total == 0:
        return 0.0
    seen = 0
    for ns in sorted(bins):
        seen += bins[ns]
        if seen >= p / 100.0 * total:
            return ns / 1e6
    return max(bins) / 1e6


def merge_bins(jobs, direction):
    merged = {}
    for job in jobs:
        for ns, n in job[direction]["clat_ns"].get("bins", {}).items():
            merged[int(ns)] = merged.get(int(ns), 0) + n
    return merged


def main(path):
    jobs = load(path)["jobs"]
    for job in jobs:
        if job["error"] or job["read"]["io_bytes"] + job["write"]["io_bytes"] == 0:
            print(f"fio_nodes: node {job['jobname']}: error {job['error']}, "
                  f"{job['read']['io_bytes']} bytes read, {job['write']['io_bytes']} written",
                  file=sys.stderr)
            return 1
    n = len(jobs)
    # bw_bytes: bytes per second over the job's measured runtime (after ramp_time)
    rd = [job["read"]["bw_bytes"] / MIB for job in jobs]
    wr = [job["write"]["bw_bytes"] / MIB for job in jobs]
    both = [r + w for r, w in zip(rd, wr)]
    rbins, wbins = merge_bins(jobs, "read"), merge_bins(jobs, "write")
    print(f"{sum(rd) / n:.2f},{sum(wr) / n:.2f},{min(both):.2f},{sum(both):.1f},"
          f"{pooled_percentile(rbins, 50):.3f},{pooled_percentile(rbins, 99):.3f},"
          f"{pooled_percentile(wbins, 50):.3f},{pooled_percentile(wbins, 99):.3f},"
          f"{sum(job['usr_cpu'] + job['sys_cpu'] for job in jobs):.0f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: fio_nodes.py FIO.json", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
