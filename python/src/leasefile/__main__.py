"""`python -m leasefile ...` and the `leasefile` console script: the binary itself."""
import os
import sys

from . import binary


def main() -> None:
    path = binary()
    if sys.platform == "win32":  # no exec: run it and pass the status on
        import subprocess

        sys.exit(subprocess.call([path, *sys.argv[1:]]))
    os.execv(path, [path, *sys.argv[1:]])


if __name__ == "__main__":
    main()
