"""The command line: `cadence SUB …` or `python main.py SUB …`.

It sits beside the core (:mod:`cadence`), at the edge: it reads files, the
network and the clock, and passes ``today`` and ``now`` in; the core never
imports it. :mod:`cli.main` holds the parser, :mod:`cli.commands` one module per
area of sub-commands; the servers (feeds over HTTP, CalDAV publishing) are here too.
"""
