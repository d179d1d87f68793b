#!/usr/bin/env python3
"""The import benchmark: `depot import appliances` beside sqlite3's `.import` of the same file.

    Scripts/bench-import.py DEPOT_BINARY OUTPUT_DIR [ROWS]

Generates a fleet (models, customers, sites, depots, releases and ROWS appliances, default 1,000,000),
imports the parents into a new Depot database (not timed), then times, in one run and alternating,
`depot import appliances` (validation, indexes, one transaction, the audit entry) and the sqlite3
command-line tool's `.import` of the same file into a plain table with the same eight columns.
Prints one JSON line with wall time and peak memory (max RSS) of both, best of three runs each.
"""
import json, os, random, resource, subprocess, sys, time

depot, out = sys.argv[1], sys.argv[2]
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
folder = os.path.join(out, "import")
os.makedirs(folder, exist_ok=True)
rng = random.Random(2026)

def write(name, text):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path

models = [f"DX-{i}" for i in range(1, 41)]
regions = ["americas", "emea", "apac"]
customers = [f"CUST-{i:05d}" for i in range(2000)]
files = {
    "models": write("models.csv", "model,name,warranty_months,successor\n" + "".join(f"{m},Model {m},{12 + 12 * (i % 3)},\n" for i, m in enumerate(models))),
    "customers": write("customers.csv", "customer,name,region,account_manager,tam\n" + "".join(
        f"{c},Customer {c},{regions[i % 3]},Manager {i % 40},\n" for i, c in enumerate(customers))),
    "sites": write("sites.csv", "site,customer,name,country,region,address\n" + "".join(
        f"{c}-S{s},{c},Site {s},US,{regions[i % 3]},\"{s} Main Street, Springfield\"\n" for i, c in enumerate(customers) for s in range(5))),
    "depots": write("depots.csv", "depot,name,region\nD-US,Memphis,americas\nD-EU,Amsterdam,emea\nD-AP,Singapore,apac\n"),
    "contracts": write("contracts.csv", "contract,customer,tier,start_date,end_date,max_contacts\n" + "".join(
        f"K-{c},{c},{['standard', 'premium', 'premium-plus'][i % 3]},2026-01-01,{2026 + i % 3}-12-31,3\n" for i, c in enumerate(customers) if i % 5)),
    "releases": write("releases.csv", "version,released_on\n5.0,2024-01-15\n5.1,2024-09-01\n5.2,2025-06-01\n6.0,2026-03-01\n"),
}
appliances = os.path.join(folder, "appliances.csv")
if not os.path.exists(appliances) or sum(1 for _ in open(appliances)) != rows + 1:
    versions = ["5.0", "5.1", "5.2", "6.0"]
    with open(appliances, "w", encoding="utf-8") as f:
        f.write("serial,model,customer,site,depot,ship_date,software_version,status\n")
        for n in range(rows):
            if n % 50 == 0:
                f.write(f"SN{n:09d},{rng.choice(models)},,,D-{['US', 'EU', 'AP'][n % 3]},2026-01-{1 + n % 28:02d},{rng.choice(versions)},in-stock\n")
            else:
                c = rng.randrange(len(customers))
                f.write(f"SN{n:09d},{rng.choice(models)},{customers[c]},{customers[c]}-S{rng.randrange(5)},,"
                        f"{2021 + rng.randrange(6)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d},{rng.choice(versions)},in-service\n")

def measure(command):
    """Wall time and peak RSS (MB) of one command, run by a fresh Python so RUSAGE_CHILDREN is its alone."""
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    seconds, kilobytes = subprocess.run([sys.executable, "-c", probe] + command, check=True, capture_output=True, text=True).stdout.split()
    return float(seconds), int(kilobytes) / 1024

def fresh_depot():
    db = os.path.join(folder, "depot.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    subprocess.run([depot, "init", "--db", db], check=True, stdout=subprocess.DEVNULL)
    for entity in ("models", "customers", "sites", "depots", "contracts", "releases"):
        subprocess.run([depot, "import", entity, files[entity], "--db", db], check=True, stdout=subprocess.DEVNULL)
    return db

def fresh_sqlite():
    db = os.path.join(folder, "plain.sqlite")
    if os.path.exists(db):
        os.remove(db)
    return db

runs = {"depot": [], "sqlite3": []}
for _ in range(3):
    db = fresh_depot()
    runs["depot"].append(measure([depot, "import", "appliances", appliances, "--db", db, "--as", "bench"]))
    count = subprocess.run(["sqlite3", db, "SELECT count(*) FROM appliance"], check=True, capture_output=True, text=True).stdout.strip()
    assert int(count) == rows, f"depot imported {count} of {rows} rows"
    plain = fresh_sqlite()
    runs["sqlite3"].append(measure([
        "sqlite3", plain,
        "CREATE TABLE appliance (serial TEXT, model TEXT, customer TEXT, site TEXT, depot TEXT, ship_date TEXT, software_version TEXT, status TEXT)",
        f".import --csv --skip 1 {appliances} appliance"]))
version = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
best = {k: min(v) for k, v in runs.items()}
print(json.dumps({"measure": "import", "rows": rows, "sqlite3Version": version,
                  "depotSeconds": best["depot"][0], "depotPeakMB": max(m for _, m in runs["depot"]),
                  "sqliteSeconds": best["sqlite3"][0], "sqlitePeakMB": max(m for _, m in runs["sqlite3"]),
                  "allDepotSeconds": [t for t, _ in runs["depot"]], "allSqliteSeconds": [t for t, _ in runs["sqlite3"]]}))
