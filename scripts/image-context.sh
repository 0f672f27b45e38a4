#!/usr/bin/env bash
# The image's build, without a container engine: copies exactly what the
# Dockerfile's builder stage copies (its COPY lines, read from the
# Dockerfile) into an empty folder, runs the builder's build command there
# (scripts/build-release.sh), and asks the binary it made for its version
# of the settings. A path the Dockerfile forgets, or one .dockerignore
# drops, fails here rather than in a user's `docker compose up --build`.
#   scripts/image-context.sh
set -euo pipefail
cd "$(dirname "$0")/.."
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT

# The build context is the repository minus .dockerignore: git's list of
# tracked files, filtered by the ignore file's patterns.
python3 - "$context/context" <<'PY'
import fnmatch, os, shutil, subprocess, sys
target = sys.argv[1]
patterns = [line.strip() for line in open(".dockerignore") if line.strip() and not line.startswith("#")]
def ignored(path):
    parts = path.split("/")
    return any(fnmatch.fnmatch("/".join(parts[:n]), p) for p in patterns for n in range(1, len(parts) + 1))
files = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True).stdout.decode().split("\0")
for path in filter(None, files):
    if not ignored(path) and os.path.exists(path):
        os.makedirs(os.path.join(target, os.path.dirname(path)), exist_ok=True)
        shutil.copy2(path, os.path.join(target, path))
PY

# The builder stage's COPY lines: from the context into the working folder.
python3 - "$context/context" "$context/src" <<'PY'
import glob, os, shutil, sys
context, workdir = sys.argv[1:]
os.makedirs(workdir)
stage = None
copied = 0
for raw in open("Dockerfile"):
    words = raw.split()
    if not words or words[0].startswith("#"):
        continue
    if words[0] == "FROM":
        stage = words[-1] if "AS" in (w.upper() for w in words) else None
    elif words[0] == "COPY" and stage == "build" and not any(w.startswith("--from") for w in words):
        *sources, dest = words[1:]
        for source in sources:
            matches = glob.glob(os.path.join(context, source))
            if not matches:
                sys.exit(f"image-context: the Dockerfile copies {source}, which is not in the build context")
            for match in matches:
                into = os.path.join(workdir, dest.rstrip("/"), os.path.basename(match)) if dest.endswith("/") or len(sources) > 1 else os.path.join(workdir, dest)
                if os.path.isdir(match):
                    shutil.copytree(match, into, dirs_exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(into), exist_ok=True)
                    shutil.copy2(match, into)
                copied += 1
if copied == 0:
    sys.exit("image-context: no COPY lines found in the Dockerfile's build stage")
print(f"image-context: {copied} paths copied as the Dockerfile copies them")
PY

cd "$context/src"
bash scripts/build-release.sh "$context/out" 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]"
"$context/out/marquee" settings >/dev/null
"$context/out/marquee" healthcheck --help >/dev/null
echo "image-context: the builder stage builds a marquee that runs"
