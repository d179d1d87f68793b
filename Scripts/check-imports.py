#!/usr/bin/env python3
"""Every module a target imports is declared in Package.swift, and no arrow points up the layers.

The layers, top to bottom (docs/architecture.md):
  depot -> DepotCommands -> (DepotServer -> DepotReports, DepotNotify) -> DepotStore -> DepotCore
DepotCore may import Foundation and Yams only.
"""
import json
import pathlib
import re
import subprocess
import sys

# Modules of the toolchain, which no Package.swift declares.
SYSTEM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin", "Testing", "XCTest",
          "Synchronization", "_Concurrency", "os"}
# Which of Depot's modules each may import: every arrow points down. DepotServer serves the reports (pages, downloads,
# the API), its one arrow within the middle layer; it runs the delivery worker only as a service the command hands it.
MAY_USE = {
    "depot": {"DepotCommands"},
    "DepotCommands": {"DepotServer", "DepotNotify", "DepotReports", "DepotStore", "DepotCore"},
    "DepotServer": {"DepotReports", "DepotStore", "DepotCore"},
    "DepotNotify": {"DepotStore", "DepotCore"},
    "DepotReports": {"DepotStore", "DepotCore"},
    "DepotStore": {"DepotCore"},
    "DepotCore": set(),
}
CORE_MAY_IMPORT = {"Foundation", "Yams"}
IMPORT = re.compile(r"^(?:@[\w()]+\s+)*(?:public\s+|internal\s+|package\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)", re.M)

package = json.loads(subprocess.run(["swift", "package", "describe", "--type", "json"], check=True, capture_output=True, text=True).stdout)
problems = []
for target in package["targets"]:
    name = target["name"]
    declared = set(target.get("target_dependencies") or []) | set(target.get("product_dependencies") or [])
    for source in sorted(pathlib.Path(target["path"]).rglob("*.swift")):
        for line_number, line in enumerate(source.read_text().splitlines(), 1):
            match = IMPORT.match(line)
            if not match:
                continue
            module = match.group(1)
            where = f"{source}:{line_number}"
            if name == "DepotCore" and module not in CORE_MAY_IMPORT:
                problems.append(f"{where}: DepotCore imports {module}; it may import only {', '.join(sorted(CORE_MAY_IMPORT))}")
            if module in SYSTEM or module == name:
                continue
            if module not in declared:
                problems.append(f"{where}: {name} imports {module}, which Package.swift does not declare for it")
            if name in MAY_USE and module in MAY_USE and module not in MAY_USE[name]:
                problems.append(f"{where}: {name} imports {module}, an arrow the layering does not allow")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"imports: {len(package['targets'])} targets, every import declared, every arrow pointing down")
