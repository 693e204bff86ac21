#!/usr/bin/env bash
# Deployment files, checked without a Docker engine (none runs here): docker-compose.yml parses, and every
# service's command, port, health check and variable exists in the code; the Dockerfiles are multi-stage,
# run as a non-root user, and ship the runtime libraries of the -dev packages we build against;
# .env.example documents every variable the code reads and every ${VAR} the compose file interpolates.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import re, sys, pathlib
try:
    import yaml
except ImportError:
    sys.exit("deployment: FAIL: python3-yaml is missing (scripts/lib/install-deps.sh test installs it)")

root = pathlib.Path(".")
errors = []
def fail(msg): errors.append(msg)

config_src = (root / "Libraries/Config/Configuration.swift").read_text()
code_vars = set(re.findall(r'reader\.\w+\("([A-Z_]+)"', config_src))
env_example = (root / ".env.example").read_text()
documented = set(re.findall(r'^#?\s*([A-Z][A-Z0-9_]+)=', env_example, re.M))
products = set(re.findall(r'\.executable\(name: "([a-z-]+)"', (root / "Package.swift").read_text()))
routes = set(re.findall(r'registry\.add\(router, \.get, "([^"]+)"', "".join(p.read_text() for p in root.glob("Libraries/API/Routes/*.swift"))))
port_default = re.search(r'"PORT", default: (\d+)', config_src).group(1)

for v in sorted(code_vars - documented):
    fail(f".env.example does not document {v}, which Configuration.swift reads")
for v in sorted(documented - code_vars - {"POSTGRES_PASSWORD"}):
    fail(f".env.example documents {v}, which no code reads")

raw = (root / "docker-compose.yml").read_text()
compose = yaml.safe_load(raw)
for v in sorted(set(re.findall(r'\$\{([A-Z_]+)', raw)) - documented):
    fail(f"docker-compose.yml interpolates ${{{v}}} but .env.example does not document it")

services = compose["services"]
for need in ["postgres", "redis", "upload-api", "etl-worker", "forecast-worker", "train-worker"]:
    if need not in services: fail(f"service {need} missing")
declared_volumes = set((compose.get("volumes") or {}).keys())
dockerfiles = {}
for name, svc in services.items():
    if "restart" not in svc: fail(f"{name}: no restart policy")
    if "healthcheck" not in svc: fail(f"{name}: no health check")
    for vol in svc.get("volumes", []):
        src = vol.split(":")[0]
        if not src.startswith((".", "/")) and src not in declared_volumes: fail(f"{name}: volume {src} is not declared")
    for dep in (svc.get("depends_on") or {}):
        if dep not in services: fail(f"{name}: depends on unknown service {dep}")
    image = svc.get("image", "")
    if not image.startswith("almanac-"): continue
    cmd = svc.get("command") or []
    binary = pathlib.PurePath(cmd[0]).name if cmd else ""
    if binary not in products: fail(f"{name}: command {cmd} is not an executable product of Package.swift ({sorted(products)})")
    if binary != name: fail(f"{name}: runs {binary}")
    dockerfile = "Dockerfile.api" if image == "almanac-api" else "Dockerfile.worker"
    if binary not in (root / dockerfile).read_text(): fail(f"{name}: {dockerfile} does not build {binary}")
    if name in ("forecast-worker",) and "ports" in svc: fail(f"{name}: host ports would stop --scale")
    env = svc.get("environment") or {}
    for key in env:
        if key == "<<": continue
        if key not in code_vars: fail(f"{name}: variable {key} is not read by the code")
    test = " ".join(svc["healthcheck"]["test"])
    m = re.search(r'http://127\.0\.0\.1:(\d+)(/[a-z/]*)', test)
    if not m: fail(f"{name}: health check is not an HTTP probe: {test}"); continue
    port, path = m.group(1), m.group(2)
    if name == "upload-api":
        if str(env.get("PORT", port_default)) != port: fail(f"upload-api: health check port {port} != PORT")
        for mapping in svc.get("ports", []):
            if not str(mapping).endswith(":" + port): fail(f"upload-api: published port {mapping} does not map to {port}")
        if path not in routes: fail(f"upload-api: health check path {path} is not a registered route")
    else:
        if str(env.get("METRICS_PORT")) != port: fail(f"{name}: health check port {port} != METRICS_PORT {env.get('METRICS_PORT')}")
        if path != "/health": fail(f"{name}: the metrics server serves /health and /metrics, not {path}")
    for k, v in compose.get("x-almanac-env", {}).items():
        if k not in code_vars: fail(f"x-almanac-env: {k} is not read by the code")

deps = (root / "scripts/lib/install-deps.sh").read_text()
runtime_for = {"libhiredis-dev": "libhiredis", "libpq-dev": "libpq5", "libsqlite3-dev": "libsqlite3-0"}
for df in ["Dockerfile.api", "Dockerfile.worker"]:
    text = (root / df).read_text()
    stages = re.findall(r'^FROM ', text, re.M)
    if len(stages) < 2: fail(f"{df}: not multi-stage")
    final = text.split("\nFROM ")[-1]
    if not re.search(r'^USER (?!root)\w+', final, re.M): fail(f"{df}: final stage does not switch to a non-root user")
    if "swift" in final.split("\n")[0]: fail(f"{df}: runtime stage is a Swift image, not slim")
    for dev, lib in runtime_for.items():
        if dev in deps and lib not in final: fail(f"{df}: runtime lacks {lib} (builds against {dev})")
    if "Almanac_Store.resources" not in text: fail(f"{df}: migrations bundle not copied")

if errors:
    print("deployment: FAIL", file=sys.stderr)
    for e in errors: print("  - " + e, file=sys.stderr)
    sys.exit(1)
print(f"deployment: OK ({len(services)} services, {len(code_vars)} variables checked; Docker build not run: no engine here)")
PY
