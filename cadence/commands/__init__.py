"""Sub-commands of the CLI, one module per area (see cadence.cli.COMMAND_MODULES)."""
