"""The one version string of tpmclassify (read by the build, recorded in every saved model)."""

__version__ = "0.1.0"
