#!/usr/bin/env python3
"""Benchmark probes bench/run.sh runs besides wrk (standard library only).

  sweep GP SQL POINTS              cold tile sweep z5-z14, one request at a time: Markdown rows
  coalesce GP PATH                 16 simultaneous first requests for one tile: the cache counters' change
  metric URL NAME                  the sum of a Prometheus metric's samples
  deep GP PG TMP TOTAL CURSOR_ROW  body files for the first page and a page 90 % deep (GeoProjects and PostGraphile)
  sql GP BODY_FILE                 "statements round_trips" one request of the body sends, from GeoProjects' own metrics
  orders GP DSN [TOKEN]            every order the schema offers: first page and a page 90 % deep, with the deep page's plan
"""
import base64
import json
import math
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

SECTOR = urllib.parse.quote(json.dumps({"sector": {"eq": "ADVANCED_MANUFACTURING"}}))


def tile(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def get(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        size = len(r.read())
    return (time.perf_counter() - start) * 1000, size


def sweep(gp, sql, points):
    """Per zoom: the tiles of the sampled projects, each fetched once from each system, in turn."""
    coords = [tuple(map(float, p.split(":"))) for p in points.split(",")]
    print("| zoom | tiles | GeoProjects p50 ms | max ms | with a sector filter p50 ms | max ms | direct ST_AsMVT SQL p50 ms | max ms "
          "| p50 ÷ SQL | largest tile KB (GeoProjects) | largest tile KB (SQL) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    every = {"gp": [], "sector": [], "sql": []}
    for z in range(5, 15):
        tiles = sorted({tile(lon, lat, z) for lon, lat in coords})
        times = {"gp": [], "sector": [], "sql": []}
        sizes = {"gp": [], "sql": []}
        for x, y in tiles:
            path = f"/tiles/projects/{z}/{x}/{y}.mvt"
            for key, url in (("gp", gp + path), ("sector", f"{gp}{path}?where={SECTOR}"), ("sql", sql + path)):
                ms, size = get(url)
                times[key].append(ms)
                every[key].append(ms)
                if key in sizes:
                    sizes[key].append(size)
        p50 = {k: statistics.median(v) for k, v in times.items()}
        print(f"| z{z} | {len(tiles)} | {p50['gp']:.1f} | {max(times['gp']):.1f} | {p50['sector']:.1f} | {max(times['sector']):.1f} "
              f"| {p50['sql']:.1f} | {max(times['sql']):.1f} | {p50['gp'] / p50['sql']:.2f} | {max(sizes['gp']) / 1024:.0f} "
              f"| {max(sizes['sql']) / 1024:.0f} |")
    p50 = {k: statistics.median(v) for k, v in every.items()}
    print(f"| all | {len(every['gp'])} | {p50['gp']:.1f} | {max(every['gp']):.1f} | {p50['sector']:.1f} | {max(every['sector']):.1f} "
          f"| {p50['sql']:.1f} | {max(every['sql']):.1f} | {p50['gp'] / p50['sql']:.2f} | | |")


def counters(base):
    """The tile cache's request counter by result, from /metrics."""
    found = {}
    with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("geoprojects_tiles_cache_requests") and 'result="' in line:
                result = line.split('result="')[1].split('"')[0]
                found[result] = found.get(result, 0) + float(line.rsplit(" ", 1)[1])
    return found


def coalesce(gp, path):
    before = counters(gp)
    time.sleep(1.5)
    barrier = threading.Barrier(16)
    statuses = []

    def one():
        barrier.wait()
        with urllib.request.urlopen(gp + path, timeout=60) as r:
            r.read()
            statuses.append(r.status)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(1.5)  # the Prometheus exporter answers scrapes from a short cache
    after = counters(gp)
    delta = {k: int(after.get(k, 0) - before.get(k, 0)) for k in sorted(set(after) | set(before))}
    print(json.dumps({"requests": len(statuses), "ok": statuses.count(200), **delta}))


def scrape(url, *names):
    """The sums of Prometheus metrics' samples, by name prefix."""
    totals = dict.fromkeys(names, 0.0)
    with urllib.request.urlopen(url, timeout=30) as r:
        for line in r.read().decode().splitlines():
            for name in names:
                if line.startswith(name) and not line.startswith("#"):
                    totals[name] += float(line.rsplit(" ", 1)[1])
    return totals


def metric(url, name):
    print(f"{scrape(url, name)[name]:.0f}")


def sql(gp, body_file):
    """One request's statements and round trips: the operation histograms' sums before and after it (the server is
    otherwise idle; the exporter caches a scrape for 300 ms, so wait until the operation count has moved by one)."""
    metrics = gp.replace("/graphql", "/metrics")
    names = ("geoprojects_graphql_operation_sql_statements_sum", "geoprojects_graphql_operation_sql_round_trips_sum",
             "geoprojects_graphql_operation_sql_round_trips_count")
    time.sleep(0.4)
    before = scrape(metrics, *names)
    with open(body_file, "rb") as f:
        request = urllib.request.Request(gp, f.read(), {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=120).read()
    for _ in range(20):
        time.sleep(0.4)
        after = scrape(metrics, *names)
        if after[names[2]] - before[names[2]] >= 1:
            break
    if after[names[2]] - before[names[2]] != 1:
        raise SystemExit("bench: another GraphQL operation ran while counting statements")
    print(f"{after[names[0]] - before[names[0]]:.0f} {after[names[1]] - before[names[1]]:.0f}")


def post(url, query, variables=None, token=None):
    data = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data, headers)
    with urllib.request.urlopen(request, timeout=120) as r:
        body = json.loads(r.read())
    if body.get("errors"):
        raise SystemExit(f"bench: {url} answered {body['errors']}")
    return body["data"]


def deep(gp, pg, tmp, total, row):
    """A page 90 % of the way through the projects by investment: GeoProjects' cursor made from the row's keys (its
    cursors are keyset cursors: a tag of the order, then the values), PostGraphile's read from PostGraphile itself."""
    total = int(total)
    investment, key = row.split(",")
    first = ("query($after: String) { projects(first: 50, after: $after, order: [{ totalInvestment: DESC }]) "
             "{ nodes { name totalInvestment } pageInfo { endCursor } } }")
    cursor = post(gp, first)["projects"]["pageInfo"]["endCursor"]
    tag = base64.b64decode(cursor).decode().split("[")[0]
    deep_cursor = base64.b64encode(f"{tag}[{investment},{key}]".encode()).decode()
    assert post(gp, first, {"after": deep_cursor})["projects"]["nodes"], "the deep GeoProjects page is empty"
    pg_query = ("query($after: Cursor) { projects(first: 50, after: $after, orderBy: [TOTAL_INVESTMENT_DESC, ID_ASC]) "
                "{ nodes { name totalInvestment } } }")
    pg_cursor = post(pg, "query($offset: Int!) { projects(first: 1, offset: $offset, orderBy: [TOTAL_INVESTMENT_DESC, ID_ASC]) "
                         "{ edges { cursor } } }",
                     {"offset": total * 9 // 10})["projects"]["edges"][0]["cursor"]
    for name, body in (("first", {"query": first}), ("deep", {"query": first, "variables": {"after": deep_cursor}}),
                       ("pg_deep", {"query": pg_query, "variables": {"after": pg_cursor}})):
        with open(f"{tmp}/{name}.json", "w") as f:
            json.dump(body, f)


def psql(dsn, text):
    return subprocess.run(["psql", dsn, "-qtAX", "-c", text], check=True, capture_output=True, text=True).stdout.strip()


def timed(gp, query, variables, token, budget=12.0, most=21):
    """Milliseconds of requests one after another (two unmeasured first), at most `most` or `budget` seconds."""
    post(gp, query, variables, token)
    post(gp, query, variables, token)
    times, end = [], time.perf_counter() + budget
    while len(times) < most and (len(times) < 3 or time.perf_counter() < end):
        start = time.perf_counter()
        post(gp, query, variables, token)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), len(times)


def column(dsn, field):
    """The SQL a sort field reads (snake case of its name; startYear is the start date's year, as EF Core writes it and its
    index holds it), its JSON for a cursor, and whether it may be null (the API seeks a never-null order by a row-value
    comparison, a nullable one by the expanded one). None for scheduleRate: the same for every row, so the API orders by key."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()
    if field == "scheduleRate":
        return None
    if field == "startYear":
        year = "(CASE WHEN start_date IS NOT NULL THEN date_part('year', start_date)::int END)"
        return year, f"to_json({year})", True
    kind, nullable = psql(dsn, "SELECT data_type || ',' || is_nullable FROM information_schema.columns "
                               f"WHERE table_name = 'projects' AND column_name = '{name}'").split(",")
    if kind.startswith("timestamp"):
        return name, f"to_json(to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))", nullable == "YES"
    return name, f"to_json({name})", nullable == "YES"


def refusal(error):
    """The error code of a refused request (bench: … answered [{… 'code': 'STATEMENT_TIMEOUT' …}])."""
    found = re.search(r"'code': '(\w+)'", str(error))
    return found.group(1) if found else str(error)[-80:]


def orders(gp, dsn, token=None):
    """Each order of ProjectSortInput's own fields, ascending: the first page and the page after the row 90 % of the way
    (a keyset cursor made from that row's keys, or a position cursor where the API pages by position), p50 and the
    slowest of the requests one after another, and the plan of the deep page's keyset condition (EXPLAIN through `dsn`,
    which must see the rows the caller sees)."""
    deep_at = int(psql(dsn, "SELECT count(*) FROM projects")) * 9 // 10
    fields = post(gp, '{ __type(name: "ProjectSortInput") { inputFields { name type { name } } } }')["__type"]["inputFields"]
    print("| order | paging | first page p50 ms | slowest | 90 % deep p50 ms | slowest | p50 ÷ first | slowest ÷ first "
          "| deep page's plan |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = [0.0, 0.0, ""]
    for field in [f["name"] for f in fields if f["type"]["name"] == "SortEnumType"]:
        query = (f"query($after: String) {{ projects(first: 50, after: $after, order: [{{ {field}: ASC }}]) "
                 "{ nodes { code } pageInfo { endCursor } } }")
        try:
            cursor = base64.b64decode(post(gp, query, None, token)["projects"]["pageInfo"]["endCursor"]).decode()
        except SystemExit as error:  # an order the database cannot answer in time is a row of the table, not the end
            print(f"| {field} | – | {refusal(error)} | | | | | | |")
            worst = [math.inf, math.inf, field]
            continue
        plan = ""
        if cursor.startswith("k") and column(dsn, field) is None:
            key = psql(dsn, f"SELECT id FROM projects ORDER BY id OFFSET {deep_at - 1} LIMIT 1")
            deep = base64.b64encode(f"{cursor.split(':')[0]}:[{key}]".encode()).decode()
            explained = psql(dsn, f"EXPLAIN SELECT id FROM projects WHERE id > {key} ORDER BY id LIMIT 51")
            plan = ", ".join(dict.fromkeys(re.findall(r"(?:Index Only Scan|Index Scan|Seq Scan) using \w+", explained)))
        elif cursor.startswith("k"):
            expr, as_json, nullable = column(dsn, field)
            # The row 90 % of the way: its keys as the cursor's JSON, and its value as an SQL literal (a tab between them).
            values, literal = psql(dsn, f"SELECT json_build_array({as_json}, id) || E'\\t' || quote_nullable({as_json} #>> '{{}}') "
                                        f"FROM projects ORDER BY {expr}, id OFFSET {deep_at - 1} LIMIT 1").split("\t", 1)
            deep = base64.b64encode((cursor.split(":")[0] + ":" + values).encode()).decode()
            key = json.loads(values)[1]
            if not nullable:
                seek = f"({expr}, id) > ({literal}, {key})"
            elif literal == "NULL":
                seek = f"{expr} IS NULL AND id > {key}"
            else:  # the values after the cursor's, an index range; the nulls after them are a second statement when the page reaches them
                seek = f"{expr} >= {literal} AND ({expr} > {literal} OR {expr} = {literal} AND id > {key})"
            explained = psql(dsn, f"EXPLAIN SELECT id FROM projects WHERE {seek} ORDER BY {expr}, id LIMIT 51")
            nodes = re.findall(r"((?:Index Only Scan|Index Scan|Seq Scan|Bitmap Heap Scan)(?: Backward)?(?: using \w+)? on projects"
                               r"|(?:Incremental )?Sort(?=  \())", explained)
            plan = ", ".join(dict.fromkeys(n.replace(" on projects", "") for n in nodes))
        else:
            deep = base64.b64encode(str(deep_at - 1).encode()).decode()
            plan = "OFFSET (an order a keyset cannot follow)"
        try:
            first = timed(gp, query, {}, token)
            far = timed(gp, query, {"after": deep}, token)
        except SystemExit as error:
            print(f"| {field} | – | {refusal(error)} | | | | | | |")
            worst = [math.inf, math.inf, field]
            continue
        ratio, slow = far[0] / first[0], far[1] / first[1]
        if ratio > worst[0]:
            worst[0], worst[2] = ratio, field
        worst[1] = max(worst[1], slow)
        print(f"| {field} | {'keyset' if cursor.startswith('k') else 'position'} | {first[0]:.1f} | {first[1]:.1f} | {far[0]:.1f} "
              f"| {far[1]:.1f} | {ratio:.2f} | {slow:.2f} | {plan} |")
    print(f"worst {worst[0]:.2f} {worst[1]:.2f} {worst[2]}", file=sys.stderr)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"sweep": sweep, "coalesce": coalesce, "metric": metric, "deep": deep, "sql": sql, "orders": orders}[command](*args)
