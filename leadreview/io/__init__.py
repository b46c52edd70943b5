"""Reading user files (YAML) into validated models, with errors that name file, line and field."""
