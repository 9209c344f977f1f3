"""What the route walks of this session requested, for the summary printed at the end of the run
(tests/security/conftest.py): filled by test_route_matrix.py's walks over the app's own routes."""
from collections import Counter

FIGURES = {
    "rules": set(),  # (rule, endpoint) walked
    "rule_methods": set(),  # (rule, endpoint, method) walked with the home records
    "personas": set(),
    "requests": Counter(),  # (method, variant) -> requests
    "statuses": Counter(),  # status -> requests
    "refused_writes_compared": 0,  # refused requests around which the database was compared
    "digests_taken": 0,  # of those comparisons and the others, the digests of every table actually taken
    "pages_scanned": 0,  # responses searched for another university's markers
}


def summary():
    """Lines describing the walks, or none when no walk ran."""
    figures = FIGURES
    if not figures["requests"]:
        return []
    methods, variants = Counter(), Counter()
    for (method, variant), count in figures["requests"].items():
        methods[method] += count
        variants[variant] += count
    statuses = sorted(figures["statuses"].items())
    total = sum(figures["requests"].values())
    endpoints = {endpoint for _rule, endpoint in figures["rules"]}
    return [
        f"route walk: {len(figures['rules'])} URL rules ({len(endpoints)} endpoints) x "
        f"{len(figures['personas'])} personas; {len(figures['rule_methods'])} (rule, method) pairs; "
        f"{total} requests",
        "  by method: " + ", ".join(f"{method} {count}" for method, count in sorted(methods.items())),
        "  by URL variant: " + ", ".join(f"{variant} {count}" for variant, count in sorted(variants.items())),
        "  by status: " + ", ".join(f"{status} {count}" for status, count in statuses),
        f"  refused writes compared with the database before them: {figures['refused_writes_compared']} "
        f"({figures['digests_taken']} digests of every table taken, the others skipped: nothing committed); "
        f"responses searched for another university's markers: {figures['pages_scanned']}",
    ]
