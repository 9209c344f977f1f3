"""Tests of the certificates: issuing, PDFs, CLI."""
