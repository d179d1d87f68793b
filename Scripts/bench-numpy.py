#!/usr/bin/env python3
"""numpy's busday_offset on the inputs DepotBench wrote; checks it gives Depot's answers. Prints one JSON line."""
import json
import sys
import time

import numpy as np

folder = sys.argv[1]
days = np.fromfile(f"{folder}/busday-dates.i32", dtype="<i4").astype("datetime64[D]")
offsets = np.fromfile(f"{folder}/busday-offsets.i32", dtype="<i4")
depot = np.fromfile(f"{folder}/busday-depot.i32", dtype="<i4")
holidays = np.array(open(f"{folder}/emea-holidays.txt").read().split(), dtype="datetime64[D]")
calendar = np.busdaycalendar(weekmask="1111100", holidays=holidays)

best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    result = np.busday_offset(days, offsets, roll="forward", busdaycal=calendar)
    best = min(best, time.perf_counter() - start)

mismatches = int(np.count_nonzero(result.astype("<i4") != depot))
print(json.dumps({"measure": "busday_offset", "implementation": f"numpy {np.__version__}", "count": int(days.size),
                  "seconds": best, "perSecond": days.size / best, "mismatches": mismatches}))
sys.exit(1 if mismatches else 0)
