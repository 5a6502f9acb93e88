"""Tests of statebox/cli/, one module per command module."""
