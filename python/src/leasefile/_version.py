"""The installed distribution's version (LEASEFILE_VERSION when the wheel was built)."""
try:
    from importlib.metadata import PackageNotFoundError, version
except ImportError:  # pragma: no cover (Python < 3.8)
    __version__ = "0.0.0.dev0"
else:
    try:
        __version__ = version("leasefile")
    except PackageNotFoundError:
        __version__ = "0.0.0.dev0"
