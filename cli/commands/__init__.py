"""Sub-commands of the command line, one module per area (registered in cli.main.COMMAND_MODULES)."""
