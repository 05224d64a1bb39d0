"""Hearing the audio: decode check, spectrum verdict and acoustic fingerprint.

Core package: no textual or rich. One decode pass per file
(:func:`archiver.audio.analyze.analyze_file`); :mod:`archiver.audio.run`
runs it over the catalog in a process pool with one writer.
"""
