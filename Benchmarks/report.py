#!/usr/bin/env python3
"""Turns Benchmarks/results/*.json into results.md (one table) and two
plots: latency percentiles per scenario and throughput over time."""
import json, os, subprocess, sys

out = sys.argv[1] if len(sys.argv) > 1 else "Benchmarks/results"
order = ["healthz", "browse", "hold-release", "hold-release-zipf", "checkout", "flash-sale", "fanout", "fanout-window-100ms", "fanout-5000-window-70ms", "fanout-10000-over-100", "seat-memory"]
results = {}
for name in os.listdir(out):
    if name.endswith(".json"):
        with open(os.path.join(out, name)) as f:
            data = json.load(f)
        if "scenario" in data:  # micro.json has a shape of its own
            results[data["scenario"]] = data
names = [n for n in order if n in results] + sorted(n for n in results if n not in order)

def num(value, digits=0):
    return "" if value is None else f"{value:,.{digits}f}"

lines = ["| scenario | ours /s | p50 ms | p99 ms | p99.9 ms | max ms | errors | server CPU µs/req | baselines /s | ratios | checks |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
for name in names:
    r = results[name]; o = r["ours"]
    baselines = ", ".join(f"{k} {num(v['throughput_per_s'])}" for k, v in sorted(r.get("baselines", {}).items()))
    ratios = ", ".join(f"{k} **{v:.2f}**" for k, v in sorted(r.get("ratios", {}).items()))
    checks = ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in sorted(r.get("checks", {}).items()))
    lines.append(f"| {name} | {num(o['throughput_per_s'])} | {num(o.get('p50_ms'), 2)} | {num(o.get('p99_ms'), 2)} | "
                 f"{num(o.get('p999_ms'), 2)} | {num(o.get('max_ms'), 1)} | {o.get('errors', '')} | "
                 f"{num(o.get('server_cpu_us_per_request'), 1)} | {baselines} | {ratios} | {checks} |")
commit = next(iter(results.values()))["commit"] if results else "?"
machine = next(iter(results.values()))["machine"] if results else {}
notes = [f"- {name}: " + "; ".join(results[name].get("notes", [])) for name in names if results[name].get("notes")]
params = [f"- {name}: " + ", ".join(f"{k}={v}" for k, v in sorted(results[name]["params"].items())) for name in names]
with open(os.path.join(out, "results.md"), "w") as f:
    f.write(f"# Benchmark results (commit {commit})\n\nMachine: {machine}\n\n" + "\n".join(lines) + "\n\n## Parameters\n\n"
            + "\n".join(params) + "\n\n## Notes\n\n" + "\n".join(notes)
            + "\n\n![latency](latency.png)\n\n![throughput](throughput.png)\n")

# Plots with gnuplot (data files in a temporary folder).
percentiles = ["50.0", "90.0", "99.0", "99.9"]
with open(os.path.join(out, "latency.dat"), "w") as f:
    f.write("scenario " + " ".join(f"p{p}" for p in percentiles) + "\n")
    for name in names:
        table = results[name]["ours"].get("percentiles_ms") or {}
        if table:
            f.write(name + " " + " ".join(str(table.get(p, 0)) for p in percentiles) + "\n")
series = [n for n in names if results[n]["ours"].get("per_second")]
with open(os.path.join(out, "throughput.dat"), "w") as f:
    longest = max((len(results[n]["ours"]["per_second"]) for n in series), default=0)
    f.write("second " + " ".join(series) + "\n")
    for second in range(longest):
        row = [str(second)] + [str(results[n]["ours"]["per_second"][second]) if second < len(results[n]["ours"]["per_second"]) else "NaN" for n in series]
        f.write(" ".join(row) + "\n")
script = f"""
set terminal pngcairo size 1000,520
set output '{out}/latency.png'
set title 'Latency percentiles (ms, log scale), commit {commit}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set logscale y
set key top left
set xtics rotate by -20
plot for [i=2:{len(percentiles) + 1}] '{out}/latency.dat' using i:xtic(1) title columnhead
set output '{out}/throughput.png'
unset logscale y
set style data lines
set title 'Requests answered per second over each run'
set xlabel 'second'
plot for [i=2:{len(series) + 1}] '{out}/throughput.dat' using 1:i with lines lw 2 title columnhead
"""
try:
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
except (OSError, subprocess.CalledProcessError) as error:
    print(f"report: no plots ({error})", file=sys.stderr)
for name in ("latency.dat", "throughput.dat"):
    os.remove(os.path.join(out, name))
print(f"report: {os.path.join(out, 'results.md')}")
