"""Run the leasefile binary shipped in this wheel, and read its outputs as Python values.

    import leasefile
    leasefile.run("apply", "-auto-approve", cwd="experiment/")
    ids = leasefile.outputs(cwd="experiment/")
    ids["compute"]["reservations"]["nodes"]["id"]
"""
import json
import os
import subprocess
import sys
from typing import Any, Dict, Optional, Sequence, Union

from ._version import __version__

__all__ = ["__version__", "binary", "run", "outputs", "LeasefileError"]

PathLike = Union[str, "os.PathLike[str]"]


class LeasefileError(RuntimeError):
    """A leasefile command failed; stderr holds its diagnostics."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str):
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"leasefile {' '.join(args)}: exit status {returncode}\n{stderr}".rstrip())


def binary() -> str:
    """The path of the leasefile binary shipped in this wheel."""
    name = "leasefile.exe" if sys.platform == "win32" else "leasefile"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: this leasefile wheel carries no binary for {sys.platform}")
    return path


def run(*args: str, cwd: Optional[PathLike] = None, check: bool = True,
        env: Optional[Dict[str, str]] = None) -> int:
    """Runs leasefile with args, its output going to this process's; returns the exit
    status, raising LeasefileError (check=True) when it is not 0 (or 2 for
    -detailed-exitcode's changes)."""
    p = subprocess.run([binary(), *args], cwd=cwd, env=env)
    if check and p.returncode not in (0, 2):
        raise LeasefileError(args, p.returncode, "")
    return p.returncode


def outputs(address: Optional[str] = None, *, cwd: Optional[PathLike] = None,
            file: Optional[str] = None, local: bool = False,
            env: Optional[Dict[str, str]] = None) -> Any:
    """`leasefile output -json [ADDRESS]` as Python values: a dict of leases by key (or the
    value at ADDRESS). file is the Leasefile (-f), local uses the embedded emulator."""
    args = []
    if local:
        args.append("--local")
    if file:
        args += ["-f", file]
    args += ["output", "-json"]
    if address:
        args.append(address)
    p = subprocess.run([binary(), *args], cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise LeasefileError(args, p.returncode, p.stderr)
    return json.loads(p.stdout)
