"""The soak's report (bench/soak.sh): per kind of load its requests, errors and latency over one-minute wrk segments; the
live subscribers' events; the API's memory; then the soak targets with PASS/MISS.
Usage: soak_report.py <tmp dir> <minutes> <kinds, comma-separated>"""
import json
import re
import statistics
import sys

tmp, minutes, kinds = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
window = min(5, max(1, minutes // 2))  # the first and the last five minutes (halves of a shorter run)


def ms(v):
    number = float(re.match(r"[\d.]+", v).group())
    return number / 1000 if v.endswith("us") else number * 1000 if v.endswith("s") and not v.endswith("ms") else number


def segment(kind, minute):
    """One wrk minute: requests, p50, p99, non-2xx/3xx, socket errors, timeouts (None when wrk printed nothing)."""
    try:
        text = open(f"{tmp}/{kind}.{minute}.txt").read()
    except FileNotFoundError:
        return None
    requests = re.search(r"(\d+) requests in", text)
    if not requests:
        return None
    p = {q: ms(v) for q, v in re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    socket = sum(map(int, errors.groups()[:3])) if errors else 0
    return dict(n=int(requests.group(1)), p50=p.get("50"), p99=p.get("99"), bad=int(bad.group(1)) if bad else 0,
                socket=socket, timeouts=int(errors.group(4)) if errors else 0)


rows, drifts, errors = [], {}, 0
for kind in kinds:
    parts = [s for s in (segment(kind, m) for m in range(1, minutes + 1)) if s]
    if not parts:
        rows.append(f"| {kind} | no answer | | | | | | | |")
        errors += 1
        continue
    n = sum(s["n"] for s in parts)
    bad, socket, timeouts = (sum(s[k] for s in parts) for k in ("bad", "socket", "timeouts"))
    errors += bad + socket + timeouts
    first = statistics.mean(s["p99"] for s in parts[:window])
    last = statistics.mean(s["p99"] for s in parts[-window:])
    drifts[kind] = last / first - 1 if first else float("inf")
    rows.append(f"| {kind} | {n} | {n / (60 * minutes):.1f} | {statistics.median(s['p50'] for s in parts):.1f} | "
                f"{max(s['p99'] for s in parts):.1f} | {first:.1f} → {last:.1f} ({drifts[kind]:+.0%}) | {bad} | {socket} | {timeouts} |")

print("| kind | requests | req/s | p50 ms (median minute) | p99 ms (worst minute) "
      f"| p99 ms, first → last {window} min (drift) | non-2xx/3xx | socket errors | timeouts |")
print("|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))

try:
    live = json.load(open(f"{tmp}/live.json"))
except (FileNotFoundError, json.JSONDecodeError):
    live = None
lost = None
if live:
    lost = sum(live[t]["expected"] - live[t]["received"] for t in ("ws", "sse"))
    print(f"\nWrites and subscribers: {live['writes']} updates (5 a second, expectedVersion) while {live['ws']['subscribers']} WebSocket "
          f"and {live['sse']['subscribers']} SSE subscribers (four filters × two callers) listened: "
          + "; ".join(f"{t} {live[t]['received']} of {live[t]['expected']} events, commit → subscriber p50 {live[t]['p50'] or 0:.0f} ms, "
                      f"p99 {live[t]['p99'] or 0:.0f} ms" for t in ("ws", "sse"))
          + f"; subscribers dropped: {live['dropped']}.")
else:
    print("\nWrites and subscribers: bench/live/live.mjs reported nothing:", open(f"{tmp}/live.err").read().strip()[-400:])

samples = [line.split() for line in open(f"{tmp}/rss.txt") if len(line.split()) == 2]
t0 = int(samples[0][0]) if samples else 0
warm = min(300, minutes * 60 // 3)
steady = [int(mb) for t, mb in samples if int(t) - t0 >= warm]
print(f"\nAPI resident memory every 10 s (MB): {' '.join(mb for _, mb in samples)}")
spread = None
if steady:
    middle = statistics.median(steady)
    spread = max(abs(x - middle) for x in steady) / middle
    print(f"After the warm-up ({warm} s): median {middle:.0f} MB, {min(steady)}–{max(steady)} MB ({spread:.0%} from the median at most).")

verdict = lambda ok: "PASS" if ok else "MISS"
worst = max(drifts.items(), key=lambda kv: kv[1]) if drifts else ("–", float("inf"))
print("\n| soak target | this run | |\n|---|---|---|")
print(f"| 0 errors (non-2xx/3xx, socket errors, timeouts; every kind) | {errors} | {verdict(errors == 0)} |")
lost_text = "not measured" if live is None else f"{lost} lost, {live['dropped']} subscribers dropped"
print(f"| 0 lost events | {lost_text} | {verdict(live is not None and lost == 0 and live['dropped'] == 0)} |")
spread_text = "–" if spread is None else f"{spread:.0%} from the median at most"
print(f"| RSS within ±15 % after the warm-up | {spread_text} | {verdict(spread is not None and spread <= 0.15)} |")
print(f"| p99 drift ≤ 20 % between the first and the last {window} minutes | worst: {worst[0]} {worst[1]:+.0%} | "
      f"{verdict(worst[1] <= 0.20)} |")
