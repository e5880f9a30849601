"""Print the lines of a requirements file that this interpreter does not satisfy.

    PYTHON unmet-requirements.py requirements-test.txt

Every line is NAME or NAME>=VERSION (comments allowed). Used by
check-test-env.sh (which fails on any) and scripts/install-deps.sh (which
installs them).
"""
import re
import sys
from importlib import metadata


def version(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, low = line.partition(">=")
    try:
        have = metadata.version(name.strip())
    except metadata.PackageNotFoundError:
        print(line)
        continue
    if low and version(have) < version(low):
        print(line)
